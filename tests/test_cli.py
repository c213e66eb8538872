"""The CLI end to end through click's CliRunner (and once through the installed console script)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import QUIET_LOG, VC, VC_NS, guide_cluster
from vcdoctor import registry
from vcdoctor.cli import main

CANARY = "CANARY-s3cr3t-7f1e"


@pytest.fixture
def vcdoctor(kubeconfig):
    def invoke(*args, env=None):
        result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, *args], env=env or {})
        assert "Traceback" not in result.output
        return result
    return invoke


def report_of(result) -> dict:
    report = json.loads(result.stdout)
    report_schema.validate(report)
    return report


def statuses(report) -> dict:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_guide_cluster_passes_every_check(cluster, vcdoctor):
    guide_cluster(cluster)
    result = vcdoctor("-o", "json", "--read-helm-release")
    report = report_of(result)
    assert result.exit_code == 0
    assert len(report["checks"]) == len(registry.load_checks()) and set(statuses(report).values()) == {"pass"}
    assert report["cluster"] == {"context": "fake", "server": report["cluster"]["server"],
                                 "kubernetes_version": "v1.30.2", "kind": "host"}


def test_broken_cluster_fails_with_remediation_in_the_table(cluster, vcdoctor):
    guide_cluster(cluster, set_owner=True, owned_pods=True,
                  podgrouper_log=QUIET_LOG + f.reconciler_forbidden_line() + "\n")
    result = vcdoctor("--color", "never")
    assert result.exit_code == 1
    assert re.search(r"^FAIL +vcluster-set-owner", result.stdout, re.M)
    assert "setOwner: false" in result.stdout and "\x1b[" not in result.stdout
    assert "Summary:" in result.stdout


def test_pod_target_is_resolved_and_reported(cluster, vcdoctor):
    guide_cluster(cluster)
    report = report_of(vcdoctor("-n", "team-a", "--pod", "gpu-sharing-pod", "-o", "json"))
    assert report["target"]["host_pods"] == [f"{VC_NS}/gpu-sharing-pod-x-team-a-x-{VC}"]
    assert report["target"]["namespace"] == "team-a"


def test_pod_namespace_defaults_to_the_context_namespace(cluster, vcdoctor):
    guide_cluster(cluster)  # the test kubeconfig's context namespace is team-a
    report = report_of(vcdoctor("--pod", "gpu-pod", "-o", "json"))
    assert report["target"]["host_pods"] == [f"{VC_NS}/gpu-pod-x-team-a-x-{VC}"]


def test_pod_not_found_is_exit_2_with_json_error(cluster, vcdoctor):
    guide_cluster(cluster)
    result = vcdoctor("-n", "team-a", "--pod", "ghost", "-o", "json")
    assert result.exit_code == 2
    report = report_of(result)
    assert report["error"]["code"] == "not-found" and report["checks"] == []
    assert f"ghost-x-team-a-x-{VC}" in result.stderr


def test_unknown_vcluster_is_exit_2_listing_those_found(cluster, vcdoctor):
    guide_cluster(cluster)
    result = vcdoctor("--vcluster", "nope")
    assert result.exit_code == 2 and f"vClusters found: {VC_NS}/{VC}" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--context", "prod"], "known contexts: fake"),
])
def test_kubeconfig_problems_exit_3(vcdoctor, args, message):
    result = vcdoctor(*args, "-o", "json")
    assert result.exit_code == 3 and message in result.stderr
    assert report_of(result)["error"]["code"] == "kubeconfig"


def test_missing_kubeconfig_exit_3(tmp_path):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", str(tmp_path / "nope"), "-o", "json"])
    assert result.exit_code == 3 and "no kubeconfig found" in result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "kubeconfig"


def test_bad_token_is_exit_3(api, tmp_path):
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(api.kubeconfig(token="expired")))
    result = CliRunner().invoke(main, ["run", "--kubeconfig", str(path)])
    assert result.exit_code == 3 and "Unauthorized" in result.stderr
    # said as such, naming the context: the cluster answered and refused the credentials
    assert "credentials refused by the cluster of context fake" in result.stderr


def test_colour_follows_flag_and_no_color(cluster, vcdoctor):
    guide_cluster(cluster)
    assert "\x1b[" in vcdoctor("--color", "always").stdout
    assert "\x1b[" not in vcdoctor(env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in vcdoctor().stdout  # auto: CliRunner is not a terminal


def test_check_selection(cluster, vcdoctor):
    guide_cluster(cluster)
    report = report_of(vcdoctor("--check", "kai-components", "-o", "json"))
    assert list(statuses(report)) == ["kai-components"]
    assert vcdoctor("--check", "nope").exit_code == 2


@pytest.mark.parametrize("content, message", [
    (b"{not json", "is not JSON"),
    (b"[1, 2]", "holds a JSON list"),
    (b'{"type": 5}', "is not a valid JSON Schema"),
    (None, "cannot read"),
])
def test_unusable_schema_file_is_a_usage_error(cluster, vcdoctor, tmp_path, content, message):
    guide_cluster(cluster)
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_bytes(content)
    result = vcdoctor("--vcluster-schema", str(path))
    assert result.exit_code == 2 and message in result.stderr
    as_json = vcdoctor("--vcluster-schema", str(path), "-o", "json")
    assert as_json.exit_code == 2 and message in json.loads(as_json.stdout)["error"]["message"]
    assert not cluster.requests  # refused before touching the cluster


def test_schema_file_validates_and_is_named_in_the_report(cluster, vcdoctor, tmp_path):
    guide_cluster(cluster)
    path = tmp_path / "values.schema.json"
    path.write_text(json.dumps(f.VCLUSTER_SCHEMA))
    report = report_of(vcdoctor("--vcluster-schema", str(path), "-o", "json"))
    assert statuses(report)["vcluster-config-schema"] == "pass"
    assert report["target"]["config_schema"] == f"schema file {path}"


def test_secret_values_and_token_never_appear(cluster, vcdoctor, api):
    guide_cluster(cluster)
    secret = next(o for o in cluster.objects[("", "secrets")] if o["metadata"]["name"] == f"vc-config-{VC}")
    values = yaml.safe_load(__import__("base64").b64decode(secret["data"]["config.yaml"]))
    values["controlPlane"]["backingStore"] = {"database": {"external": {"dataSource": f"mysql://root:{CANARY}@db"}}}
    secret["data"]["config.yaml"] = __import__("base64").b64encode(yaml.safe_dump(values).encode()).decode()
    cluster.add({"apiVersion": "v1", "kind": "Secret", "metadata": f.meta("unrelated", VC_NS),
                 "data": {"password": CANARY}})
    for args in (["-o", "json"], ["--color", "never"], ["-o", "json", "-n", "team-a", "--pod", "gpu-pod"]):
        result = vcdoctor(*args)
        assert CANARY not in result.output and cluster.token not in result.output
    secret_reads = [q.path for q in cluster.requests if "/secrets" in q.path]
    assert secret_reads and all(p.endswith(f"/secrets/vc-config-{VC}") for p in secret_reads)


def _logical_reads(cluster):
    """GETs other than log reads and continuation pages: one per LIST or GET the run asked for."""
    return [q for q in cluster.requests
            if q.method == "GET" and not q.path.endswith("/log") and "continue" not in q.query]


@pytest.mark.parametrize("extra_pods", [0, 400])
def test_full_run_is_read_only_and_bounded_in_requests(cluster, vcdoctor, extra_pods):
    guide_cluster(cluster)
    for i in range(extra_pods):
        cluster.add(f.synced_pod(f"extra-{i}", f"team-{i % 7}", VC, VC_NS))
    vcdoctor("-o", "json")
    methods = {(q.method, q.path) for q in cluster.requests if q.method != "GET"}
    assert methods <= {("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")}
    reads = _logical_reads(cluster)
    # one request per resource kind and scope, whatever the number of pods (regression guard)
    assert len(reads) == 12, [q.path for q in reads]
    assert len([q for q in cluster.requests if q.path.endswith("/log")]) == 2


def test_help_does_not_import_kubernetes():
    code = ("import sys; from click.testing import CliRunner; from vcdoctor.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); r2 = CliRunner().invoke(main, ['run', '--help']); "
            "assert r.exit_code == 0 and r2.exit_code == 0; print('kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.skipif(shutil.which("vcdoctor") is None, reason="console script not installed")
def test_installed_console_script_and_kubectl_plugin(cluster, kubeconfig):
    guide_cluster(cluster)
    done = subprocess.run(["vcdoctor", "run", "--kubeconfig", kubeconfig, "-o", "json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report_schema.validate(json.loads(done.stdout))
    plugin = shutil.which("kubectl-vcdoctor")
    assert plugin is not None
    if shutil.which("kubectl"):
        env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(plugin), os.environ["PATH"]]))
        via_kubectl = subprocess.run(["kubectl", "vcdoctor", "--version"], capture_output=True, text=True,
                                     timeout=60, env=env)
        version = __import__("vcdoctor").__version__
        assert via_kubectl.returncode == 0 and via_kubectl.stdout.startswith(f"vcdoctor {version}"), via_kubectl.stderr


def test_kubectl_habits(cluster, kubeconfig, tmp_path):
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    runner = CliRunner()
    both = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "--check", "kai-components,kai-queue",
                                "--as", "system:serviceaccount:vcdoctor:vcdoctor", "--as-group", "g1",
                                "--as-group", "g2", "-o", "json"])
    assert [c["id"] for c in json.loads(both.stdout)["checks"]] == ["kai-components", "kai-queue"]
    assert all(r.impersonate == ("system:serviceaccount:vcdoctor:vcdoctor", "g1", "g2") for r in cluster.requests)
    typo = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "--check", "kai-queu"])
    assert typo.exit_code == 2 and "did you mean 'kai-queue'" in typo.stderr
    flag_as_value = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "--pod", "-q"])
    assert flag_as_value.exit_code == 2 and "looks like a flag" in flag_as_value.stderr
    out = tmp_path / "s.tar.gz"
    out.write_text("keep me")
    refused = runner.invoke(main, ["collect", "--kubeconfig", kubeconfig, "--out", str(out)])
    assert refused.exit_code == 2 and out.read_text() == "keep me"
    assert runner.invoke(main, ["collect", "--kubeconfig", kubeconfig, "--out", str(out), "--force"]).exit_code == 0
    assert runner.invoke(main, ["version"]).stdout.startswith("vcdoctor ")


def test_one_run_writes_several_formats(cluster, kubeconfig, tmp_path):
    from tests.fakeapi.scenarios import setowner_on

    setowner_on(cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--report", f"json={tmp_path}/a.json",
                                       "--report", f"junit={tmp_path}/b.xml", "--fail-on", "warn"])
    assert result.exit_code == 1
    report = json.loads((tmp_path / "a.json").read_text())
    assert {c["id"] for c in report["checks"] if c["status"] == "fail"} >= {"vcluster-set-owner"}
    assert "<testsuite" in (tmp_path / "b.xml").read_text()
    bad = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--report", "html=x"])
    assert bad.exit_code == 2 and "FORMAT=PATH" in bad.stderr


def test_explain_is_offline_and_diff_names_what_changed(cluster, kubeconfig, tmp_path):
    from tests.fakeapi.scenarios import guide_cluster

    text = CliRunner().invoke(main, ["explain", "vcluster-set-owner", "--markdown"]).stdout
    assert text.startswith("## `vcluster-set-owner`") and "Reads: " in text
    assert "Docs: https://" in text
    # for a terminal: no markup, tables aligned, nothing wider than the terminal
    plain = CliRunner().invoke(main, ["explain", "vcluster-set-owner"], env={"COLUMNS": "80"}).stdout
    assert plain.startswith("VCLUSTER-SET-OWNER\n") and "**" not in plain and "|---" not in plain
    assert max(len(line) for line in plain.splitlines() if "https://" not in line) <= 80
    guide_cluster(cluster)
    healthy = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json"]).stdout
    cluster.objects.clear()
    from tests.fakeapi.scenarios import setowner_on

    setowner_on(cluster)
    broken = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json"]).stdout
    (tmp_path / "old.json").write_text(healthy)
    (tmp_path / "new.json").write_text(broken)
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "-o", "json"])
    assert result.exit_code == 1
    changed = {c["check"] for c in json.loads(result.stdout)["changed"]}
    before = {c["id"]: c["status"] for c in json.loads(healthy)["checks"]}
    after = {c["id"]: c["status"] for c in json.loads(broken)["checks"]}
    assert changed == {i for i in before if before[i] != after[i]} and "vcluster-set-owner" in changed


def test_checks_listing_fits_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    listing = CliRunner().invoke(main, ["checks"]).stdout
    assert len(registry.load_checks()) < listing.count("\n") <= 60
    assert max(len(line) for line in listing.splitlines()) <= 80
    assert "READS" not in listing and "expected:" not in listing  # compact: one title each, what a pass means
    wide = CliRunner().invoke(main, ["checks", "--wide"]).stdout
    assert "READS" in wide and max(len(line) for line in wide.splitlines()) <= 80


def test_pod_takes_a_namespaced_name_as_kubectl_does(cluster, kubeconfig):
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    runner = CliRunner()
    split = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-pod", "-o", "json"])
    joined = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "--pod", "team-a/gpu-pod", "-o", "json"])
    assert joined.exit_code == split.exit_code
    assert json.loads(joined.stdout)["target"]["host_pods"] == json.loads(split.stdout)["target"]["host_pods"]
    clash = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "other", "--pod", "team-a/gpu-pod"])
    assert clash.exit_code == 2 and "names another namespace" in clash.output


def test_one_version_text():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output == runner.invoke(main, ["version"]).output


@pytest.mark.parametrize("flag, shown", [("-v", True), ("-v=6", True), ("-v6", True), ("--v=6", True),
                                         ("-v=0", False)])
def test_verbosity_as_kubectl_spells_it(flag, shown):
    example = str(pathlib.Path(__file__).parents[1] / "docs" / "examples" / "healthy.tar.gz")
    result = CliRunner().invoke(main, ["run", "--snapshot", example, "-q", flag])
    assert result.exit_code == 0 and ("GET /version" in result.stderr) is shown


def test_flags_before_the_command_as_kubectl_takes_them(cluster, kubeconfig):
    from tests.fakeapi.scenarios import guide_cluster

    guide_cluster(cluster)
    runner = CliRunner()
    after = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-pod", "-o", "json"])
    before = runner.invoke(main, ["--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-pod", "run", "-o", "json"])
    assert before.exit_code == after.exit_code
    assert json.loads(before.stdout)["target"]["host_pods"] == json.loads(after.stdout)["target"]["host_pods"]
    # an option's value that spells a command stays a value
    named = runner.invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "run", "-o", "json"])
    assert json.loads(named.stdout)["target"]["namespace"] == "run"


def test_the_kubectl_plugin_names_itself_as_typed():
    plugin = pathlib.Path(sys.executable).parent / "kubectl-vcdoctor"
    done = subprocess.run([str(plugin), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("Usage: kubectl vcdoctor ")


def test_rbac_prints_the_shipped_minimal_rbac():
    result = CliRunner().invoke(main, ["rbac"])
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert result.exit_code == 0 and {d["kind"] for d in documents} >= {"ClusterRole", "ClusterRoleBinding"}
    assert result.stdout == (pathlib.Path(__file__).parents[1] / "docs" / "rbac.yaml").read_text()


@pytest.mark.parametrize("words, expected", [(["ru"], ["run"]), (["run", "--out"], ["--output"]),
                                             (["explain", "kai-c"], ["kai-components"])])
def test_kubectl_asks_the_completion_plugin_in_cobras_format(words, expected):
    plugin = pathlib.Path(sys.executable).parent / "kubectl_complete-vcdoctor"
    done = subprocess.run([str(plugin), *words], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.splitlines() == [*expected, ":4"]


def test_the_completion_plugin_ends_quietly_on_a_closed_pipe():
    plugin = pathlib.Path(sys.executable).parent / "kubectl_complete-vcdoctor"
    process = subprocess.Popen([str(plugin), ""], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the plugin writes, as with `| head`
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_selector_matches_the_virtual_pods_own_labels(cluster, vcdoctor):
    guide_cluster(cluster)
    # vCluster <= 0.20 rewrites label keys on the host: the tenant's key is only in the labels annotation
    cluster.add(f.synced_pod("trainer-0", "team-a", VC, VC_NS, labels={"app": "train"}, hashed_labels=True),
                f.synced_pod("trainer-1", "team-b", VC, VC_NS, labels={"app": "train"}),
                f.synced_pod("other-0", "team-a", VC, VC_NS, labels={"app": "serve"}))

    def examined(*args):  # pod-scheduler-name counts the pods it examined
        report = report_of(vcdoctor(*args, "--check", "pod-scheduler-name", "-o", "json"))
        return report["target"]["selector"], report["checks"][0]["evidence"][0]["data"]["examined"]

    assert examined() == (None, 6)
    assert examined("-l", "app=train") == ("app=train", 2)
    assert examined("-n", "team-a", "-l", "app in (train, x),!gpu") == ("app in (train, x),!gpu", 1)
    assert "pods -l app!=train" in vcdoctor("-n", "team-a", "-l", "app!=train").stdout


@pytest.mark.parametrize("args, said", [
    (["-l", "app=ghost"], "no pod matches -l app=ghost; looked at the pods of vCluster"),
    (["-l", "app=x,"], "cannot read"),
    (["-l", "app=x", "--pod", "gpu-pod"], "give one of them"),
])
def test_a_selector_that_selects_nothing_or_cannot_be_read_is_a_usage_error(cluster, vcdoctor, args, said):
    guide_cluster(cluster)
    result = vcdoctor(*args)
    assert result.exit_code == 2 and said in result.output


def test_explain_takes_a_finding_code_as_well_as_a_check_id():
    from click.testing import CliRunner

    from vcdoctor.cli import main

    code = CliRunner().invoke(main, ["explain", "VCD310"])
    assert code.exit_code == 0 and code.output.startswith("VCD310 (FAIL)")
    said = " ".join(code.output.split())
    assert "a queue does not exist" in said and "--ignore VCD310:NAMESPACE/NAME" in said
    assert "Given by kai-queue" in said and said.endswith("#kai-queue")
    engine = CliRunner().invoke(main, ["explain", "vcd001", "--markdown"])
    assert engine.output.startswith("## `VCD001` (error)") and "any check" in engine.output
    assert CliRunner().invoke(main, ["explain", "kai-queue"]).output.startswith("KAI-QUEUE")
    unknown = CliRunner().invoke(main, ["explain", "VCD999"])
    assert unknown.exit_code == 2 and "unknown finding code 'VCD999'" in unknown.output
