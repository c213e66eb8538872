"""Fitting the Kubernetes ecosystem: fleets of contexts, quiet and progress output, kubectl-like flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import pytest
import yaml
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS, guide_cluster
from tests.fakeapi.server import FakeApiServer, FakeCluster
from vcdoctor import registry, runs
from vcdoctor.cli import main


@pytest.fixture
def fleet_kubeconfig(tmp_path, tls_files):
    """Three contexts: a healthy cluster, a broken one, and one whose server is gone."""
    servers = []
    contexts, clusters = [], []
    for name, scenario in (("healthy", "healthy"), ("broken", "setowner-on"), ("gone", None)):
        server = FakeApiServer(FakeCluster(), tls=tls_files).start()
        if scenario:
            SCENARIOS[scenario](server.cluster)
        servers.append(server)
        cfg = server.kubeconfig(context=name)
        clusters.append({"name": name, "cluster": cfg["clusters"][0]["cluster"]})
        contexts.append({"name": name, "context": {"cluster": name, "user": "u"}})
    servers[2].stop()
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "healthy", "clusters": clusters,
              "contexts": contexts, "users": [{"name": "u", "user": {"token": servers[0].cluster.token}}]}
    path = tmp_path / "fleet.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    yield str(path)
    for server in servers[:2]:
        server.stop()
        assert server.cluster.writes() == []


def invoke(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env or {})
    assert "Traceback" not in result.output
    return result


def test_several_contexts_make_one_fleet_report(fleet_kubeconfig):
    result = invoke("run", "--kubeconfig", fleet_kubeconfig, "--context", "healthy", "--context", "broken",
                    "-o", "json")
    fleet = json.loads(result.stdout)
    report_schema.validate(fleet)
    assert fleet["kind"] == "fleet" and [r["cluster"]["context"] for r in fleet["reports"]] == ["healthy", "broken"]
    # setowner-on: vcluster-set-owner fails; podgrouper-permissions warns (KAI >= v0.4.2 falls back to the pod)
    assert fleet["reports"][0]["summary"]["fail"] == 0 and fleet["reports"][1]["summary"]["fail"] == 1
    assert fleet["summary"]["fail"] == 1 and result.exit_code == 1


def test_remedy_of_a_fleet_report_is_one_contexts_plan(fleet_kubeconfig, tmp_path):
    """One plan per run: a fleet report's remedy is chosen by --context, and names only that context."""
    result = invoke("run", "--kubeconfig", fleet_kubeconfig, "--context", "healthy", "--context", "broken",
                    "-o", "json")
    saved = tmp_path / "fleet.json"
    saved.write_text(result.stdout)
    broken = json.loads(result.stdout)["reports"][1]
    plan = invoke("remedy", str(saved), "--context", "broken")
    assert plan.exit_code == 0 and plan.stdout == broken["remedy"]["script"] and "--context broken" in plan.stdout
    assert "healthy" not in plan.stdout
    unchosen = invoke("remedy", str(saved))
    assert unchosen.exit_code == 2 and "one remedy per context (healthy, broken): choose one with --context" in \
        unchosen.output
    unknown = invoke("remedy", str(saved), "--context", "gone")
    assert unknown.exit_code == 2 and "no run of context 'gone' (it holds: healthy, broken)" in unknown.output
    for broken in ("[]", '{"kind": "fleet", "reports": [{"cluster": "x"}, 7]}'):
        saved.write_text(broken)
        assert invoke("remedy", str(saved)).exit_code == 2  # a usage error, never a traceback (invoke checks)


def test_a_fleet_runs_each_cluster_on_a_daemon_thread_of_the_engine(fleet_kubeconfig, mocker):
    """No second thread pool: a fleet's runs are the executor's daemon threads, which cannot hold the process open
    after Ctrl-C or a deadline (a ThreadPoolExecutor's workers would)."""
    seen = {}
    real = runs.run_one

    def recorded(options, fail_on, progress=False):
        thread = threading.current_thread()
        seen[options.context] = (thread.name, thread.daemon)
        return real(options, fail_on, progress)

    mocker.patch.object(runs, "run_one", side_effect=recorded)
    result = invoke("run", "--kubeconfig", fleet_kubeconfig, "--context", "healthy", "--context", "broken")
    assert result.exit_code == 1
    assert seen == {"healthy": ("context-healthy", True), "broken": ("context-broken", True)}


def test_all_contexts_includes_the_unreachable_one(fleet_kubeconfig):
    result = invoke("run", "--kubeconfig", fleet_kubeconfig, "--all-contexts", "--color", "never")
    assert "=== context healthy ===" in result.stdout and "=== context broken ===" in result.stdout
    assert "=== context gone ===" in result.stdout and "error (unreachable)" in result.stdout
    assert "across 3 clusters (1 could not be examined)" in result.stdout
    assert result.exit_code == 1


def test_fleet_junit_and_sarif_have_a_part_per_cluster(fleet_kubeconfig):
    args = ("run", "--kubeconfig", fleet_kubeconfig, "--context", "healthy", "--context", "broken")
    suites = ET.fromstring(invoke(*args, "-o", "junit").stdout)
    assert [s.get("name") for s in suites.iter("testsuite")] == ["vcdoctor[healthy]", "vcdoctor[broken]"]
    assert len(json.loads(invoke(*args, "-o", "sarif").stdout)["runs"]) == 2


def test_quiet_prints_only_the_summary(cluster, kubeconfig):
    guide_cluster(cluster)
    result = invoke("run", "--kubeconfig", kubeconfig, "-q")
    passed = len(registry.load_checks()) - 1  # the guide cluster leaves one check with nothing to examine
    assert result.stdout.strip() == f"Summary: {passed} pass, 0 warn, 0 fail, 0 error, 1 skip"


def test_progress_on_a_terminal_but_never_in_json(cluster, kubeconfig, monkeypatch):
    guide_cluster(cluster)
    monkeypatch.setattr(runs, "stderr_is_tty", lambda: True)
    as_json = invoke("run", "--kubeconfig", kubeconfig, "-o", "json")
    report_schema.validate(json.loads(as_json.stdout))
    assert "checks done" not in as_json.output
    table = invoke("run", "--kubeconfig", kubeconfig)
    assert "checks done" in table.stderr and "checks done" not in table.stdout
    # from the first request on: what is being read, before any check is done
    first = table.stderr.split("\r\x1b[2K")[1]
    assert first.startswith("vcdoctor: reading the cluster · 0 answers · ") and "\x1b[2K" not in first


def test_namespace_without_pod_narrows_the_examined_pods(cluster, kubeconfig):
    guide_cluster(cluster)
    from tests.fakeapi import factories as f

    cluster.add(f.synced_pod("other", "team-b", VC, VC_NS, scheduler=None, labels={"kai.scheduler/queue": "q"}))
    assert json.loads(invoke("run", "--kubeconfig", kubeconfig, "-o", "json").stdout)["summary"]["fail"] == 1
    narrowed = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-n", "team-a", "-o", "json").stdout)
    assert narrowed["summary"]["fail"] == 0
    everything = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-n", "team-a", "-A", "-o", "json").stdout)
    assert everything["summary"]["fail"] == 1


@pytest.mark.parametrize("value, ok", [("30", True), ("45s", True), ("1m", True), ("soon", False), ("0", False)])
def test_request_timeout_takes_kubectl_durations(cluster, kubeconfig, value, ok):
    guide_cluster(cluster)
    result = invoke("run", "--kubeconfig", kubeconfig, "--request-timeout", value, "-q")
    assert (result.exit_code == 0) is ok
    if not ok:
        assert result.exit_code == 2 and "duration" in result.stderr or "positive" in result.stderr


def test_shell_completion_script_is_generated():
    env = dict(os.environ, _VCDOCTOR_COMPLETE="bash_source")
    done = subprocess.run([sys.executable, "-c", "from vcdoctor.cli import main; main(prog_name='vcdoctor')"],
                          env=env, capture_output=True, text=True)
    assert "_vcdoctor_completion" in done.stdout


def test_collect_refuses_several_contexts(fleet_kubeconfig, tmp_path):
    result = invoke("collect", "--kubeconfig", fleet_kubeconfig, "--context", "healthy", "--context", "broken",
                    "--out", str(tmp_path / "x.tar.gz"))
    assert result.exit_code == 2 and "one --context" in result.stderr


def test_all_contexts_examines_a_host_once(tmp_path, capsys):
    """A `vcluster connect` context next to its host context: the host's run covers it (no double count)."""
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "platform", "clusters": [], "users": [],
              "contexts": [{"name": n, "context": {"cluster": "c", "user": "u"}}
                           for n in ("platform", "vcluster_ml_vc-ns_platform", "vcluster_other_ns_elsewhere")]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    assert runs.all_contexts(str(path)) == ["platform", "vcluster_other_ns_elsewhere"]
    assert "vcluster_ml_vc-ns_platform is examined through its host context platform" in capsys.readouterr().err
