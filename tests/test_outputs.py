"""Every --output format, rendered from a replayed example and parsed back."""

from __future__ import annotations

import json
import pathlib
import xml.etree.ElementTree as ET

import yaml
from click.testing import CliRunner

from tests import report_schema
from vcdoctor import registry
from vcdoctor.cli import main

ROOT = pathlib.Path(__file__).parents[1]
EXAMPLE = str(ROOT / "docs" / "examples" / "setowner-on.tar.gz")


def render(*args):
    result = CliRunner().invoke(main, ["run", "--snapshot", EXAMPLE, *args])
    assert "Traceback" not in result.output
    return result


def test_json_is_valid_against_the_schema_and_lists_permissions():
    report = json.loads(render("-o", "json").stdout)
    report_schema.validate(report)
    assert {"verb": "get", "resource": "pods/log", "namespace": "kai-scheduler", "outcome": "allowed"} \
        in report["permissions"]


def test_yaml_is_the_same_document():
    as_yaml = yaml.safe_load(render("-o", "yaml").stdout)
    as_json = json.loads(render("-o", "json").stdout)
    for report in (as_yaml, as_json):
        report.pop("generated_at")
        report.pop("duration_ms")
        for check in report["checks"]:
            check.pop("duration_ms")
    assert as_yaml == as_json


def test_markdown_has_summary_table_and_remediation():
    text = render("-o", "markdown").stdout
    assert "| Status | Check | Finding |" in text
    assert "### ❌ `vcluster-set-owner`" in text and "setOwner: false" in text


def test_junit_has_one_testcase_per_check():
    suite = ET.fromstring(render("-o", "junit").stdout)
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    count = len(registry.load_checks())
    assert len(cases) == count and suite.get("tests") == str(count)
    assert cases["vcluster-set-owner"].find("failure") is not None
    assert cases["kai-components"].find("failure") is None
    assert suite.get("failures") == "1"  # podgrouper-permissions warns: KAI v0.10.2 falls back to the pod


def test_sarif_has_a_rule_per_finding_code_and_one_result_per_finding():
    sarif = json.loads(render("-o", "sarif").stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    assert [(r["id"], r["properties"]["check"]) for r in rules] == [
        ("VCD100", "vcluster-set-owner"), ("VCD400", "podgrouper-permissions"), ("VCD410", "podgrouper-no-owner-log")]
    assert rules[0]["shortDescription"]["text"].startswith("setOwner is `true` or absent")
    assert [(r["ruleId"], rules[r["ruleIndex"]]["id"]) for r in run["results"]] == [(r["id"], r["id"]) for r in rules]
    assert all(r["level"] in ("error", "warning", "note", "none") for r in run["results"])
    assert "suppressions" not in run["results"][0]
    accepted = json.loads(render("-o", "sarif", "--ignore", "VCD100").stdout)["runs"][0]["results"][0]
    assert accepted["suppressions"][0]["kind"] == "external" and accepted["ruleId"] == "VCD100"


def test_fail_on_controls_the_exit_code():
    assert render("-o", "json").exit_code == 1
    assert render("-o", "json", "--fail-on", "never").exit_code == 0
    healthy = str(ROOT / "docs" / "examples" / "podgrouper-crashloop.tar.gz")
    no_fails = ["run", "--snapshot", healthy, "--skip-check", "kai-components", "--skip-check", "kai-podgroup"]
    assert CliRunner().invoke(main, no_fails + ["--fail-on", "warn"]).exit_code == 1
    assert CliRunner().invoke(main, no_fails).exit_code == 0


def test_checks_command_lists_metadata():
    result = CliRunner().invoke(main, ["checks", "-o", "json"])
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows][:2] == ["vcluster-set-owner", "vcluster-node-mode"]
    assert all(r["reads"] and r["severity"] and r["docs_url"] for r in rows)
    assert {"code": "VCD310", "status": "fail", "title": "a queue does not exist: KAI leaves its pods Pending (v0.13+ "
            "says `QueueDoesNotExist`)"} in next(r for r in rows if r["id"] == "kai-queue")["findings"]


def test_markdown_lists_missing_permissions(cluster, kubeconfig):
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    cluster.deny("get", "pods/log")
    text = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "markdown"]).stdout
    assert "**Missing permissions**" in text
    # gpu-sharing-reservations may read logs too, but passed without them: only the checks left unjudged are named
    assert "- `get pods/log`: needed by podgrouper-permissions, podgrouper-no-owner-log\n" in text


def test_replayed_example_renders_prometheus_and_a_snapshot_header():
    from prometheus_client.parser import text_string_to_metric_families

    from vcdoctor.render import render as render_report

    report = json.loads(render("-o", "json").stdout)
    families = {f.name: f for f in text_string_to_metric_families(render_report(report, "prometheus") + "\n")}
    failing = {s.labels["check"] for s in families["vcdoctor_check_status"].samples
               if s.labels["status"] == "fail" and s.value == 1}
    assert failing == {"vcluster-set-owner"}
    table = render_report(report, "table")
    assert "Snapshot: collected " in table and table.index("FAIL") < table.index("SKIP") < table.index("PASS")


def test_report_files_are_private_whole_and_never_follow_a_symlink(cluster, kubeconfig, tmp_path):
    """--report json=PATH is written as snapshots are: 0600, renamed into place; a symlink there is replaced."""
    import os
    import stat

    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--report", f"json={link}"])
    assert result.exit_code in (0, 1)
    assert victim.read_text() == "keep me" and not link.is_symlink()
    assert stat.S_IMODE(os.stat(link).st_mode) == 0o600 and json.loads(link.read_text())["checks"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".vcdoctor-")) == []


def test_report_targets_are_checked_before_the_cluster_is_read(cluster, kubeconfig, tmp_path):
    """--report FORMAT=- writes to stdout; a path twice, a missing directory or a directory is a usage error
    before any request."""
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    runner = CliRunner()
    stdout = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "-q", "--report", "json=-"])
    assert stdout.exit_code == 0 and json.loads(stdout.stdout.split("\n", 1)[1])["checks"]
    for bad in ([f"json={tmp_path}/a.json", f"junit={tmp_path}/a.json"], [f"json={tmp_path}/missing/a.json"],
                [f"json={tmp_path}"]):
        sent = len(cluster.requests)
        result = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, *[w for b in bad for w in ("--report", b)]])
        assert result.exit_code == 2 and len(cluster.requests) == sent, result.output


def test_needed_by_names_only_the_checks_a_refused_read_left_unjudged(cluster, kubeconfig):
    """vc-config Secrets refused: the checks that could not look are named, not every check that may read them."""
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    cluster.deny("get", "secrets")
    report = json.loads(CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json"]).stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    (secrets,) = [m for m in report["preflight"]["missing"] if "secrets" in m["permission"]]
    assert secrets["needed_by"] and all(statuses[c] in ("error", "skip") for c in secrets["needed_by"])
