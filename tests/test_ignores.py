"""Accepted findings: --ignore CODE[:OBJECT] and .vcdoctor.yaml mark a finding ignored; it decides no exit code and
gets no remedy step, and every output says so."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from click.testing import CliRunner

from tests import report_schema
from vcdoctor.cli import main
from vcdoctor.ignores import Ignore, IgnoreError, accept, from_config, parse
from vcdoctor.model import CheckResult, Occurrence, Severity, Status

ROOT = pathlib.Path(__file__).parents[1]
EXAMPLE = str(ROOT / "docs" / "examples" / "setowner-on.tar.gz")


def run(*args):
    result = CliRunner().invoke(main, ["run", "--snapshot", EXAMPLE, *args])
    assert "Traceback" not in result.output
    return result


def check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_every_non_pass_result_carries_its_code_objects_and_findings():
    report = json.loads(run("-o", "json").stdout)
    report_schema.validate(report)
    for result in report["checks"]:
        assert result["ignored"] is False
        if result["status"] != "pass":
            assert result["code"].startswith("VCD") and result["findings"][0]["code"] == result["code"], result["id"]
    assert check(report, "vcluster-set-owner")["objects"] == ["vc-ns/my-vcluster"]


def test_an_accepted_finding_is_shown_as_ignored_decides_no_exit_code_and_gets_no_remedy_step():
    plain = run("-o", "json")
    assert plain.exit_code == 1 and json.loads(plain.stdout)["remedy"]["steps"]
    accepted = run("-o", "json", "--ignore", "VCD100")
    report = json.loads(accepted.stdout)
    report_schema.validate(report)
    owner = check(report, "vcluster-set-owner")
    assert accepted.exit_code == 0
    assert owner["status"] == "fail" and owner["ignored"] is True and owner["findings"][0]["ignored"] is True
    assert report["summary"]["ignored"] == 1 and report["summary"]["fail"] == 1
    assert not any("vcluster-set-owner" in s["checks"] for s in report["remedy"]["steps"])
    table = run("--ignore", "VCD100").stdout
    assert re.search(r"^IGNORED +vcluster-set-owner +VCD100 vc-ns/my-vcluster: setOwner is on", table, re.MULTILINE)
    assert "(1 ignored: accepted findings)" in table and "FAIL vcluster-set-owner" not in table
    assert "| 🔕 ignored | `vcluster-set-owner` |" in run("-o", "markdown", "--ignore", "vcd100").stdout
    assert '<skipped message="ignored: accepted finding VCD100' in run("-o", "junit", "--ignore", "VCD100").stdout
    metrics = run("-o", "prometheus", "--ignore", "VCD100").stdout
    assert re.search(r'^vcdoctor_check_ignored\{[^}]*check="vcluster-set-owner"[^}]*\} 1$', metrics, re.MULTILINE)
    assert re.search(r'^vcdoctor_check_ignored\{[^}]*check="podgrouper-permissions"[^}]*\} 0$', metrics, re.MULTILINE)


def test_an_object_scoped_ignore_accepts_only_the_findings_that_name_that_object():
    assert run("--ignore", "VCD100:vc-ns/my-vcluster").exit_code == 0
    other = run("-o", "json", "--ignore", "VCD100:vc-ns/another")
    assert other.exit_code == 1 and check(json.loads(other.stdout), "vcluster-set-owner")["ignored"] is False


def test_a_finding_on_a_kai_pod_is_accepted_on_that_pod_only():
    accepted = json.loads(run("-o", "json", "--ignore", "VCD410:kai-scheduler/pod-grouper-7d9f8c-abcde").stdout)
    assert check(accepted, "podgrouper-no-owner-log")["ignored"] is True
    other = json.loads(run("-o", "json", "--ignore", "VCD410:kai-scheduler/pod-grouper-other").stdout)
    assert check(other, "podgrouper-no-owner-log")["ignored"] is False


def test_fail_on_warn_still_counts_what_is_not_accepted():
    assert run("--ignore", "VCD100", "--fail-on", "warn").exit_code == 1  # VCD400 warns
    assert run("--ignore", "VCD100,VCD400", "--fail-on", "warn").exit_code == 0


def test_the_config_file_in_the_working_directory_and_with_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run().exit_code == 1
    (tmp_path / ".vcdoctor.yaml").write_text("ignore:\n  - code: VCD100\n    object: vc-ns/my-vcluster\n"
                                             "    reason: migrating next week\n")
    assert run().exit_code == 0
    other = tmp_path / "other.yaml"
    other.write_text("ignore: [VCD400]\n")
    assert run("--config", str(other)).exit_code == 1  # --config replaces ./.vcdoctor.yaml
    assert run("--config", str(other), "--ignore", "VCD100").exit_code == 0


@pytest.mark.parametrize("args, said", [
    (["--ignore", "VCD999"], "unknown finding code(s) to ignore: VCD999"),
    (["--ignore", "VCD10O"], "expected CODE[:NAMESPACE/NAME]"),
    (["--ignore", "VCD100:a/b/c"], "the object must be NAMESPACE/NAME or NAME"),
    (["--config", "/nonexistent/vcdoctor.yaml"], "config /nonexistent/vcdoctor.yaml"),
])
def test_a_bad_ignore_is_a_usage_error(args, said):
    result = run(*args)
    assert result.exit_code == 2 and said in result.output


@pytest.mark.parametrize("text, said", [
    ("ignore: VCD100\n", "ignore must be a list"),
    ("skip: [VCD100]\n", "expected a mapping with one key, ignore"),
    ("ignore: [{code: VCD100, why: x}]\n", "expected CODE[:NAMESPACE/NAME] or a mapping"),
    ("ignore: [\n", "not YAML"),
    ("ignore: ['" + "x" * 300_000 + "']\n", "larger than 256 KiB"),
])
def test_a_malformed_config_says_what_is_wrong_in_one_line(tmp_path, text, said):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(IgnoreError, match=re.escape(said)) as caught:
        from_config(str(path))
    assert "\n" not in str(caught.value)


def test_parse_reads_a_code_and_an_optional_object():
    assert parse("vcd310") == Ignore("VCD310")
    assert parse("VCD310:default-queue") == Ignore("VCD310", "default-queue")
    assert parse("VCD100:team-a/vc1") == Ignore("VCD100", "team-a/vc1")


def _result(*findings):
    return CheckResult("x", "t", Severity.LOW, Status.FAIL, "m", (), "r", None, 0, code=findings[0].code,
                       findings=findings)


def test_a_folded_result_is_accepted_only_when_every_finding_is():
    a = Occurrence("VCD100", Status.FAIL, ("ns/a",), "a")
    b = Occurrence("VCD100", Status.FAIL, ("ns/b",), "b")
    (partly,) = accept([_result(a, b)], [Ignore("VCD100", "ns/a")])
    assert not partly.ignored and [f.ignored for f in partly.findings] == [True, False]
    (whole,) = accept([_result(a, b)], [Ignore("VCD100", "ns/a"), Ignore("VCD100", "ns/b")])
    assert whole.ignored


def test_a_finding_on_several_objects_is_accepted_only_when_each_of_them_is():
    three = Occurrence("VCD330", Status.FAIL, ("ns/a", "ns/b", "ns/c"), "three pods")
    (one,) = accept([_result(three)], [Ignore("VCD330", "ns/a")])
    assert not one.ignored and not one.findings[0].ignored
    (each,) = accept([_result(three)], [Ignore("VCD330", f"ns/{n}") for n in "abc"])
    assert each.ignored
    (code,) = accept([_result(three)], [Ignore("VCD330")])
    assert code.ignored
    nameless = Occurrence("VCD331", Status.FAIL, (), "no GPU node")
    assert not accept([_result(nameless)], [Ignore("VCD331", "ns/a")])[0].ignored


def test_a_report_lists_a_hundred_objects_and_counts_the_rest():
    many = tuple(f"ns/pod-{n}" for n in range(250))
    result = CheckResult("x", "t", Severity.LOW, Status.FAIL, "m", (), "r", None, 0, code="VCD330", objects=many,
                         findings=(Occurrence("VCD330", Status.FAIL, many, "m"),))
    out = result.to_dict()
    assert out["objects"] == list(many[:100]) and out["objects_more"] == 150
    assert out["findings"][0]["objects"] == list(many[:100]) and out["findings"][0]["objects_more"] == 150
    assert "objects_more" not in CheckResult("x", "t", Severity.LOW, Status.FAIL, "m", (), "r", None, 0,
                                             code="VCD330", objects=many[:100]).to_dict()


def test_collect_reads_no_config_file(tmp_path, monkeypatch, cluster, kubeconfig):
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vcdoctor.yaml").write_text("ignore: [not-a-code]\n")
    assert run().exit_code == 2  # a run reads it, and says what is wrong
    out = tmp_path / "snap.tar.gz"
    collected = CliRunner().invoke(main, ["collect", "--kubeconfig", kubeconfig, "--out", str(out)])
    assert collected.exit_code == 0 and out.exists(), collected.output
