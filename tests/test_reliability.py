"""The bad-input matrix: every case ends with a clear message, the documented exit code and valid JSON."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import signal
import threading

import pytest
import yaml
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import PODGROUPER, VC, VC_NS, guide_cluster
from tests.fakeapi.server import FakeApiServer, make_certificate
from vcdoctor import registry
from vcdoctor.cli import main
from vcdoctor.deadline import Deadline
from vcdoctor.engine import runner
from vcdoctor.engine.executor import Executor
from vcdoctor.engine.facts import FactStore
from vcdoctor.engine.runner import Interrupted, run_checks
from vcdoctor.model import Check, Severity, Status, Verdict

ROOT = pathlib.Path(__file__).parents[1]


def run_json(*args, env=None):
    result = CliRunner().invoke(main, ["run", "-o", "json", *args], env=env or {})
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    report_schema.validate(report)
    return result, report


def statuses(report):
    return {c["id"]: c["status"] for c in report["checks"]}


def check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


# -- kubeconfig and connection ---------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("clusters: [unclosed", "not valid YAML"),
    ("apiVersion: v1\nkind: Config\ncontexts: []\n", "no current-context"),
    ("- just\n- a list\n", "not a YAML mapping"),
])
def test_broken_kubeconfig(tmp_path, content, message):
    path = tmp_path / "kc"
    path.write_text(content)
    result, report = run_json("--kubeconfig", str(path))
    assert result.exit_code == 3 and message in result.stderr and report["error"]["code"] == "kubeconfig"


def test_unreadable_kubeconfig(tmp_path):
    path = tmp_path / "kc"
    path.write_bytes(b"\xff\xfe\x00binary")
    result, report = run_json("--kubeconfig", str(path))
    assert result.exit_code == 3 and "cannot read kubeconfig" in result.stderr


def test_context_pointing_at_missing_cluster_entry(api, tmp_path):
    config = api.kubeconfig()
    config["clusters"] = []
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    result, report = run_json("--kubeconfig", str(path))
    assert result.exit_code == 3 and "unusable" in result.stderr


def test_tls_verification_failure(api, tmp_path, clock):
    config = api.kubeconfig()
    other_ca, _ = make_certificate(str(tmp_path))
    del config["clusters"][0]["cluster"]["certificate-authority"]
    config["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(
        pathlib.Path(other_ca).read_bytes()).decode()
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    result, report = run_json("--kubeconfig", str(path))
    assert result.exit_code == 3 and "TLS verification failed" in result.stderr
    assert report["error"]["code"] == "unreachable" and clock.slept == []  # not retried: it will not get better


def test_connection_refused_is_fast(tmp_path, clock):
    server = FakeApiServer().start()
    config = server.kubeconfig()
    server.stop()  # nothing listens on that port any more
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    result, report = run_json("--kubeconfig", str(path), "--timeout", "5")
    assert result.exit_code == 3 and "refused" in result.stderr and clock.slept == []


# -- API answers -------------------------------------------------------------------------------------

def test_forbidden_everywhere_reports_errors_not_passes(cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.deny("*", "*")
    result, report = run_json("--kubeconfig", kubeconfig)
    assert result.exit_code == 1
    assert set(statuses(report).values()) == {"error"}
    assert len(report["preflight"]["missing"]) == report["preflight"]["checked"]
    assert "missing permission: list pods" in result.stderr


def test_forbidden_logs_only_affects_log_checks(cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.deny("get", "pods/log")
    result, report = run_json("--kubeconfig", kubeconfig, "--read-helm-release")
    found = statuses(report)
    assert {found.pop("podgrouper-permissions"), found.pop("podgrouper-no-owner-log")} == {"error"}
    assert set(found.values()) == {"pass"}
    assert [m["permission"] for m in report["preflight"]["missing"]] == ["get pods/log"]
    assert {"verb": "get", "resource": "pods/log", "namespace": "kai-scheduler", "outcome": "forbidden"} \
        in report["permissions"]


def test_kai_not_installed(cluster, kubeconfig):
    cluster.add(*f.vcluster(VC, VC_NS), f.synced_pod("p", "team-a", VC, VC_NS))
    cluster.remove_group("kai.scheduler")
    cluster.remove_group("scheduling.run.ai")
    result, report = run_json("--kubeconfig", kubeconfig)
    assert statuses(report)["kai-components"] == "fail"
    assert statuses(report)["podgrouper-permissions"] == "error"
    assert "KAI not installed" in check(report, "kai-components")["message"]


def test_missing_config_crd_on_operator_layout_is_an_error(cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.remove_group("kai.scheduler")
    _, report = run_json("--kubeconfig", kubeconfig)
    assert statuses(report)["gpu-sharing-reservations"] == "error"


def test_transient_5xx_and_429_are_retried(cluster, kubeconfig, clock):
    guide_cluster(cluster)
    cluster.failures.append([r"/namespaces/kai-scheduler/pods$", 503, 1])
    cluster.failures.append([r"/apis/apps/v1/statefulsets$", 429, 2])
    result, report = run_json("--kubeconfig", kubeconfig, "--read-helm-release")
    assert result.exit_code == 0 and set(statuses(report).values()) == {"pass"}
    assert sorted(clock.slept) == [0.2, 0.2, 0.4]  # backed off before each retry, doubling


def test_retry_after_of_a_throttled_request_is_honoured(cluster, kubeconfig, clock):
    guide_cluster(cluster)
    cluster.retry_after = 3
    cluster.failures.append([r"/namespaces/kai-scheduler/pods$", 429, 1])
    result, _ = run_json("--kubeconfig", kubeconfig, "--check", "kai-components")
    first, second = [r for r in cluster.requests if r.path.endswith("/namespaces/kai-scheduler/pods")]
    assert result.exit_code == 0 and first.status == 429 and second.status == 200
    assert clock.slept == [3]  # the server's 3 s, not the 0.2 s back-off


def test_persistent_5xx_becomes_error_after_bounded_retries(cluster, kubeconfig, clock):
    guide_cluster(cluster)
    cluster.failures.append([r"/namespaces/kai-scheduler/pods$", 500, 100])
    _, report = run_json("--kubeconfig", kubeconfig)
    assert statuses(report)["kai-components"] == "error"
    assert len([q for q in cluster.requests if q.path.endswith("/namespaces/kai-scheduler/pods")]) == 3
    assert clock.slept == [0.2, 0.4]


def test_slow_server_ends_on_time_with_finished_checks(cluster, kubeconfig, clock, mocker):
    """The pod-grouper's log never comes: the run's clock passes its deadline once every check that does not read
    that log has its verdict, and the run ends with those verdicts and the log's checks cut by the deadline."""
    guide_cluster(cluster)
    cluster.hung_paths.append(f"/pods/{PODGROUPER}/log$")
    log_readers = {"podgrouper-permissions", "podgrouper-no-owner-log"}
    others = {c.id for c in registry.load_checks()} - log_readers
    finished = set()
    recorded = runner._result

    def result_then_maybe_expire(check, verdict, duration_ms):
        result = recorded(check, verdict, duration_ms)
        finished.add(check.id)
        if others <= finished:
            clock.expire()
        return result

    mocker.patch.object(runner, "_result", result_then_maybe_expire)
    result, report = run_json("--kubeconfig", kubeconfig, "--timeout", "2")
    assert statuses(report)["podgrouper-permissions"] == "error"
    assert check(report, "podgrouper-permissions")["message"].startswith("deadline")
    assert statuses(report)["kai-components"] == "pass" and result.exit_code == 1


# -- malformed cluster data ----------------------------------------------------------------------------

def test_config_that_is_not_base64(cluster, kubeconfig):
    guide_cluster(cluster)
    secret = cluster.objects[("", "secrets")][0]
    secret["data"]["config.yaml"] = "%%% not base64 %%%"
    _, report = run_json("--kubeconfig", kubeconfig)
    found = check(report, "vcluster-set-owner")
    assert found["status"] == "error" and "not valid base64" in found["message"]


def test_pods_without_status_or_spec_do_not_crash(cluster, kubeconfig):
    guide_cluster(cluster)
    bare = f.synced_pod("bare", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"})
    del bare["status"]
    bare["spec"] = {}
    cluster.add(bare)
    _, report = run_json("--kubeconfig", kubeconfig)
    assert "error" not in statuses(report).values()


def test_huge_log_is_bounded_even_when_server_ignores_limit_bytes(cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.ignore_limit_bytes = True
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper",
                    b"x" * 1000 + b"\n" * 1 + (b"y" * 199 + b"\n") * 100_000)
    _, report = run_json("--kubeconfig", kubeconfig)
    evidence = check(report, "podgrouper-permissions")["evidence"][0]
    assert evidence["data"]["permission_errors"] == 0
    assert int(evidence["observation"].split()[0]) <= 2 * 1024 * 1024 // 200 + 2


def test_right_container_of_a_multi_container_pod(cluster, kubeconfig):
    guide_cluster(cluster)
    grouper = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"] == PODGROUPER)
    grouper["spec"]["containers"].insert(0, {"name": "kube-rbac-proxy", "image": "proxy:1"})
    cluster.set_log("kai-scheduler", PODGROUPER, "kube-rbac-proxy", f.reconciler_forbidden_line())
    _, report = run_json("--kubeconfig", kubeconfig)
    assert statuses(report)["podgrouper-permissions"] == "pass"


# -- user input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("pod, code, said", [
    ("we!rd name", "not-found", "not found"), ("ünïcode", "not-found", "not found"),
    ("x" * 300, "not-found", "not found"),
    ("../../etc", "usage", "names another namespace"),  # a "/" makes it NAMESPACE/NAME, as kubectl reads it
])
def test_odd_pod_names_are_a_clear_usage_error(cluster, kubeconfig, pod, code, said):
    guide_cluster(cluster)
    result, report = run_json("--kubeconfig", kubeconfig, "-n", "team-a", "--pod", pod)
    assert result.exit_code == 2 and report["error"]["code"] == code and said in result.stderr


def test_bad_flag_with_json_output_still_prints_json():
    result = CliRunner().invoke(main, ["run", "-o", "json", "--no-such-flag"])
    assert result.exit_code == 2 and "No such option" in result.stderr
    report = json.loads(result.stdout)
    report_schema.validate(report)
    assert report["error"]["code"] == "usage"


# -- read-only over every scenario, least privilege ------------------------------------------------------

def _rbac_rules():
    docs = list(yaml.safe_load_all((ROOT / "docs" / "rbac.yaml").read_text()))
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    return role["rules"]


def test_every_check_evaluates_under_exactly_docs_rbac(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    cluster.allow_rules(_rbac_rules())
    schema = tmp_path / "values.schema.json"
    schema.write_text(json.dumps(f.VCLUSTER_SCHEMA))
    result, report = run_json("--kubeconfig", kubeconfig, "--vcluster-schema", str(schema))
    assert result.exit_code == 0 and set(statuses(report).values()) == {"pass"}
    assert report["preflight"]["missing"] == []
    assert all(p["outcome"] == "allowed" for p in report["permissions"])
    result, report = run_json("--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-sharing-pod")
    assert result.exit_code == 0


def test_read_helm_release_needs_only_the_optional_namespaced_list(cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.allow_rules(_rbac_rules())
    _, report = run_json("--kubeconfig", kubeconfig, "--read-helm-release")
    schema_check = next(c for c in report["checks"] if c["id"] == "vcluster-config-schema")
    assert schema_check["status"] == "error" and "list secrets -n vc-ns" in schema_check["remediation"]
    assert [m["permission"] for m in report["preflight"]["missing"]] == ["list secrets"]
    cluster.allow_rules(_rbac_rules() + [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"],
                                          "namespace": "vc-ns"}])
    result, report = run_json("--kubeconfig", kubeconfig, "--read-helm-release")
    assert result.exit_code == 0 and set(statuses(report).values()) == {"pass"}


def test_docs_rbac_grants_exactly_what_the_plan_of_every_check_needs():
    from vcdoctor import registry
    from vcdoctor.engine.plan import make_plan

    facts = registry.load_facts()
    plan = make_plan(registry.load_checks(facts=facts), facts)
    granted = {(g, r, v) for rule in _rbac_rules() for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    required = {(p.group, p.resource, p.verb) for p in plan.permissions() if not (p.optional or p.opt_in)}
    optional = {(p.group, p.resource, p.verb) for p in plan.permissions() if p.optional or p.opt_in}
    assert required == granted - {("authorization.k8s.io", "selfsubjectaccessreviews", "create")}
    commented = (pathlib.Path(__file__).parents[1] / "docs" / "rbac.yaml").read_text()
    for _group, resource, verb in optional:  # opt-in flags and optional precision: shown, commented out
        assert f'#   resources: ["{resource}"]\n  #   verbs: ["{verb}"]' in commented


def test_interrupt_returns_the_partial_results():
    release = threading.Event()

    def slow():
        release.wait(5)
        return Verdict(Status.PASS, "late")

    checks = [Check("slow", "slow", Severity.LOW, slow),
              Check("quick", "quick", Severity.LOW, lambda: Verdict(Status.PASS, "ok"))]
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()  # a real Ctrl-C
    with pytest.raises(Interrupted) as stop:
        run_checks(checks, FactStore(None, {}, {}), Executor(Deadline(10)))
    release.set()
    assert [r.status for r in stop.value.results] == [Status.ERROR, Status.PASS]
    assert stop.value.results[0].message.startswith("interrupted")


def test_dns_failure_is_reported_as_such(tmp_path, mocker):
    """Resolution is stubbed (no query leaves the machine): the name lookup fails as a resolver would."""
    import socket

    mocker.patch("socket.getaddrinfo", side_effect=socket.gaierror(-2, "Name or service not known"))
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "c",
              "clusters": [{"name": "c", "cluster": {"server": "https://api.cluster.example:6443"}}],
              "users": [{"name": "u", "user": {"token": "t"}}],
              "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    result, report = run_json("--kubeconfig", str(path), "--timeout", "5")
    assert result.exit_code == 3 and "DNS lookup failed" in result.stderr and report["error"]["code"] == "unreachable"


@pytest.mark.parametrize("path", [r"^/version$", r"^/api/v1/nodes$", r"/namespaces/kai-scheduler/pods$"])
def test_deeply_nested_answers_are_refused_in_one_line(cluster, kubeconfig, path):
    """A hostile server's 400 KB of [[[...]]] is refused before decoding: no RecursionError, and -o json still
    prints one report."""
    guide_cluster(cluster)
    cluster.raw_bodies.append((path, b"[" * 200_000 + b"]" * 200_000))
    result, report = run_json("--kubeconfig", kubeconfig)
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert result.exit_code == 3 and report["error"]["code"] == "refused-answer"
    assert "nested deeper than 100" in report["error"]["message"] and len(result.stderr.splitlines()) == 1


def test_diff_of_a_deeply_nested_file_is_a_usage_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(main, ["diff", str(deep), str(deep)])
    assert result.exit_code == 2 and "nested deeper" in result.output and "Traceback" not in result.output


def test_a_hostile_servers_words_reach_stderr_inert(cluster, kubeconfig):
    """A 401 whose message sets the window title, clears the screen and forges a summary line: one line on
    stderr, its controls shown, not sent (also under -v)."""
    guide_cluster(cluster)
    forged = "\x1b]0;pwned\x07\x1b[2J\nSummary: 16 pass, 0 warn, 0 fail\u2028"
    cluster.failures.append([r"^/version$", 401, 5, forged])
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-v"])
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "\u2028" not in result.stderr
    assert "\nSummary: 16 pass" not in result.stderr and "\\x1b]0;pwned" in result.stderr


def test_sigterm_during_collect_cleans_up_like_ctrl_c(cluster, kubeconfig, tmp_path):
    """A CronJob's deadline sends SIGTERM: the run stops as on Ctrl-C, and no temporary snapshot is left."""
    import subprocess
    import sys

    guide_cluster(cluster)
    collecting = threading.Event()
    cluster.hung_paths.append(r"^/apis?/")  # the run asks /version first, then hangs on its first read
    cluster.on_hang = collecting.set
    out = tmp_path / "snap.tar.gz"
    child = subprocess.Popen([sys.executable, "-m", "vcdoctor", "collect", "--kubeconfig", kubeconfig, "--out",
                              str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert collecting.wait(30)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists() and not list(tmp_path.glob(".vcdoctor-*"))


def test_a_request_timing_out_on_what_is_left_of_the_run_is_the_deadline(cluster, kubeconfig):
    """The socket timeout is what is left of the run, and may fire a moment before the deadline counts as passed:
    the transport names the deadline itself, so the verdict never depends on which clock read came first."""
    from vcdoctor.gateway import DeadlineReached, Unreachable
    from vcdoctor.gateway import resources as r
    from vcdoctor.gateway.live import connect
    from vcdoctor.gateway.requests import ApiRequest

    cluster.hung_paths.append("/pods$")
    transport, _ = connect(kubeconfig, None, 30, Deadline(0.3))
    with pytest.raises(DeadlineReached, match="at the run's deadline"):
        transport.send(ApiRequest("list", r.PODS, namespace="team-a"))
    transport, _ = connect(kubeconfig, None, 0.3, Deadline(30))  # the request's own timeout: no deadline's doing
    with pytest.raises(Unreachable) as refused:
        transport.send(ApiRequest("list", r.PODS, namespace="team-a"))
    assert not isinstance(refused.value, DeadlineReached) and "timed out" in refused.value.reason
