"""Runs whose context is a vCluster: tenant-only (host out of reach) and both sides in one run, on two fake servers."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi import factories as f
from tests.fakeapi import virtual as v
from tests.fakeapi.scenarios import VC, VC_NS, guide_cluster
from tests.fakeapi.server import FakeApiServer, FakeCluster
from vcdoctor.cli import main
from vcdoctor.products.vcluster.sides import classify, parse_context

VCTX = f"vcluster_{VC}_{VC_NS}_host-admin"
HOST_ONLY = ("vcluster-set-owner", "kai-components", "kai-queue", "kai-podgroup", "kai-gpu-request",
             "gpu-sharing-reservations", "podgrouper-permissions", "podgrouper-no-owner-log")
CHAIN = ["pod-scheduler-name", "kai-queue", "kai-podgroup", "kai-gpu-request", "kai-pending-reason"]


@pytest.fixture
def inside() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def virtual_api(inside, tls_files):
    server = FakeApiServer(inside, tls=tls_files).start()
    yield server
    server.stop()
    assert inside.writes() == [], f"vcdoctor sent write requests to the vCluster: {inside.writes()}"


def kubeconfig_file(tmp_path, contexts, current) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(v.kubeconfig(contexts, current)))
    return str(path)


def vcdoctor(kubeconfig, *args):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json", *args])
    assert "Traceback" not in result.output, result.output
    report = json.loads(result.stdout)
    report_schema.validate(report)
    return result, report, {c["id"]: c for c in report["checks"]}


def markdown(kubeconfig, *args) -> str:
    return CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "markdown", *args]).stdout


SHARING_OFF = "while GPU sharing is disabled"
# KAI's validator text (gpu_request_validator.go@v0.17.0:82)
FRACTION = "gpu-fraction annotation value must be a positive number smaller than 1.0"


# -- tenant-only: the host context is not in the kubeconfig --------------------------------------------------------

@pytest.mark.parametrize("version", ["0.20.6", "0.21.0", "0.31.3", "0.32.0"])
def test_pod_the_host_refused_for_gpu_sharing(inside, virtual_api, tmp_path, version):
    err = v.denial(VC, VC_NS, "gpu-sharing-pod", "team-a", SHARING_OFF)
    v.vcluster_inside(inside, v.tenant_pod("gpu-sharing-pod", "team-a", annotations={"gpu-fraction": "0.5"}),
                      events=[v.sync_error("team-a", "gpu-sharing-pod", err, version)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "team-a", "--pod", "gpu-sharing-pod")
    assert result.exit_code == 1
    assert report["cluster"]["kind"] == "virtual"
    assert report["cluster"]["vcluster"] == {"name": VC, "namespace": VC_NS, "host_context": "host-admin"}
    assert report["cluster"]["host"] is None
    first = checks["pod-scheduler-name"]
    assert first["status"] == "fail" and SHARING_OFF in first["message"]
    assert "never reached the host" in first["message"]
    assert "gpuSharing" in first["remediation"] or "GPU sharing" in first["remediation"]
    # without the host's context no command can be aimed at the host: the script runs nothing, the host's step
    # stays comments for the cluster admin (and the tenant cannot read KAI's release to pin an upgrade)
    script = first["fix"]["script"]
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert commands == ["(", "set -euo pipefail", 'work="$(mktemp -d)"', "trap 'rm -rf -- \"$work\"' EXIT", ")"]
    assert first["fix"]["context"] is None and "\n# -- step 1: KAI Helm release kai-scheduler in kai-scheduler " \
        "(host cluster)" in script and "\n#   --set global.gpuSharing=true\n" in script
    assert [step["manual"] for step in report["remedy"]["steps"]] == [True, True]
    for check in HOST_ONLY:
        assert checks[check]["status"] == "skip", (check, checks[check])
        if check not in CHAIN:
            assert "host cluster" in checks[check]["message"] and "--host-context" in checks[check]["message"]
    assert report["target"]["sync_errors"] and SHARING_OFF in report["target"]["sync_errors"][0]
    assert report["platform"]["host_pod"] == f"{VC_NS}/gpu-sharing-pod-x-team-a-x-{VC}"
    assert report["platform"]["command"] == (f"vcdoctor run --context host-admin --vcluster {VC} --vcluster-namespace "
                                             f"{VC_NS} -n team-a --pod gpu-sharing-pod -o markdown")
    assert {row["side"] for row in report["permissions"]} == {"virtual"}
    assert not any(r.method != "GET" for r in inside.requests if "accessreview" not in r.path)


def test_invalid_fraction_refused_by_the_host_names_the_valid_values(inside, virtual_api, tmp_path):
    err = v.denial(VC, VC_NS, "trainer-0", "ml", "").rsplit(",", 1)[0].replace("with gpu sharing request", FRACTION)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", annotations={"gpu-fraction": "1.5"}),
                      events=[v.sync_error("ml", "trainer-0", err)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, _, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    assert result.exit_code == 1 and checks["pod-scheduler-name"]["status"] == "fail"
    assert FRACTION in checks["pod-scheduler-name"]["message"]
    assert "0 < x < 1" in checks["pod-scheduler-name"]["remediation"] or "gpu-fraction" in \
        checks["pod-scheduler-name"]["remediation"]


def test_pending_on_kai_overlimit_quotes_the_scheduler(inside, virtual_api, tmp_path):
    pod = v.tenant_pod("trainer-0", "ml", labels={"kai.scheduler/queue": "team-a"}, gpus=1)
    v.vcluster_inside(inside, pod, events=[f.event("ml", "Pod", "trainer-0", "Unschedulable", v.overlimit())])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    assert result.exit_code == 1
    assert checks["pod-scheduler-name"]["status"] == "pass"
    pending = checks["kai-pending-reason"]
    assert pending["status"] == "fail" and "OverLimit: team-a quota has reached the allowable limit of GPUs" in \
        pending["message"]
    assert checks["kai-queue"]["status"] == "skip" and "--host-context" in checks["kai-queue"]["message"]
    assert "sync_errors" not in report["target"]


def test_an_old_sync_error_of_a_pod_that_now_runs_is_history(inside, virtual_api, tmp_path):
    err = v.denial(VC, VC_NS, "trainer-0", "ml", SHARING_OFF)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", phase="Running", node="gpu-node-1"),
                      events=[v.sync_error("ml", "trainer-0", err)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    _, _, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    assert checks["pod-scheduler-name"]["status"] == "pass"
    assert checks["kai-pending-reason"]["status"] == "pass"


def test_virtual_pod_with_the_default_scheduler_fails_and_blocks_the_chain(inside, virtual_api, tmp_path):
    pod = v.tenant_pod("trainer-0", "ml", scheduler=None, labels={"kai.scheduler/queue": "team-a"},
                       annotations={"gpu-fraction": "0.5"})
    v.vcluster_inside(inside, pod)
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, _, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    assert result.exit_code == 1
    assert checks["pod-scheduler-name"]["status"] == "fail"
    assert "ml/trainer-0 uses default-scheduler" in checks["pod-scheduler-name"]["message"]
    for later in CHAIN[1:]:
        assert checks[later]["message"] == "blocked by pod-scheduler-name: fix that first"


def test_tenant_without_pod_examines_the_tenants_pods(inside, virtual_api, tmp_path):
    v.vcluster_inside(inside, v.tenant_pod("a", "ml", scheduler=None, annotations={"gpu-fraction": "0.5"}),
                      v.tenant_pod("b", "ml"))
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "ml")
    assert checks["pod-scheduler-name"]["status"] == "fail" and "ml/a" in checks["pod-scheduler-name"]["message"]
    assert checks["vcluster-set-owner"]["status"] == "skip"
    assert report["platform"]["host_pod"] is None


def test_unknown_virtual_pod_is_a_usage_error(inside, virtual_api, tmp_path):
    v.vcluster_inside(inside, v.tenant_pod("a", "ml"))
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", config, "-n", "ml", "--pod", "ghost", "-o", "json"])
    assert result.exit_code == 2 and "virtual cluster" in json.loads(result.stdout)["error"]["message"]


def test_markdown_ends_with_a_ticket_for_the_platform_team(inside, virtual_api, tmp_path):
    err = v.denial(VC, VC_NS, "gpu-sharing-pod", "team-a", SHARING_OFF)
    v.vcluster_inside(inside, v.tenant_pod("gpu-sharing-pod", "team-a", annotations={"gpu-fraction": "0.5"}),
                      events=[v.sync_error("team-a", "gpu-sharing-pod", err)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    text = markdown(config, "-n", "team-a", "--pod", "gpu-sharing-pod")
    section = text[text.index("### For the platform team"):]
    assert f"gpu-sharing-pod-x-team-a-x-{VC}" in section and "--context host-admin" in section
    assert section.rstrip().endswith("```")


# -- both sides ----------------------------------------------------------------------------------------------------

def host_with_trainer(cluster: FakeCluster) -> FakeCluster:
    """setOwner left on (the default): the pod-grouper cannot walk the vCluster Service owner."""
    guide_cluster(cluster, set_owner=None, owned_pods=True)
    cluster.add(f.synced_pod("trainer-0", "ml", VC, VC_NS, owner=True, labels={"kai.scheduler/queue": "test"},
                             gpus=1))
    return cluster


@pytest.mark.parametrize("how", ["named-in-context", "host-context-flag"])
def test_both_sides_resolve_the_host_pod_and_run_host_checks(cluster, api, inside, virtual_api, tmp_path, how):
    host_with_trainer(cluster)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", labels={"kai.scheduler/queue": "test"}, gpus=1,
                                           phase="Running", node="gpu-node-1"))
    if how == "named-in-context":
        vctx = f"vcluster_{VC}_{VC_NS}_host-admin"
        config = kubeconfig_file(tmp_path, {"host-admin": api, vctx: virtual_api}, vctx)
        args = ()
    else:
        vctx = "my-tenant"
        config = kubeconfig_file(tmp_path, {"platform": api, vctx: virtual_api}, vctx)
        args = ("--host-context", "platform")
    result, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0", *args)
    assert result.exit_code == 1
    assert report["cluster"]["kind"] == "virtual" and report["cluster"]["context"] == vctx
    assert report["cluster"]["vcluster"]["name"] == VC and report["cluster"]["vcluster"]["namespace"] == VC_NS
    assert report["cluster"]["host"]["context"] == ("host-admin" if how == "named-in-context" else "platform")
    assert report["target"]["host_pods"] == [f"{VC_NS}/trainer-0-x-ml-x-{VC}"]
    assert checks["vcluster-set-owner"]["status"] == "fail"
    assert checks["kai-components"]["status"] == "pass"
    assert checks["pod-scheduler-name"]["status"] == "pass"
    assert "platform" not in report
    assert {row["side"] for row in report["permissions"]} == {"virtual", "host"}
    fix = checks["vcluster-set-owner"].get("fix")
    if fix:
        assert fix["context"] in (None, report["cluster"]["host"]["context"])
    from vcdoctor.render.scope import scope_lines

    host = report["cluster"]["host"]["context"]
    assert f"· host context {host}" in scope_lines(report)[0]  # the header names both sides
    assert report["remedy"]["context"] == host  # the remedy aims at the host, where its objects are


def test_both_sides_pod_refused_by_the_host(cluster, api, inside, virtual_api, tmp_path):
    guide_cluster(cluster, gpu_sharing=False, reservations=False)
    err = v.denial(VC, VC_NS, "trainer-0", "ml", SHARING_OFF)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", annotations={"gpu-fraction": "0.5"}),
                      events=[v.sync_error("ml", "trainer-0", err)])
    vctx = f"vcluster_{VC}_{VC_NS}_host-admin"
    config = kubeconfig_file(tmp_path, {"host-admin": api, vctx: virtual_api}, vctx)
    result, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    assert result.exit_code == 1 and report["target"]["host_pods"] == []
    assert checks["pod-scheduler-name"]["status"] == "fail" and SHARING_OFF in checks["pod-scheduler-name"]["message"]
    assert checks["gpu-sharing-reservations"]["status"] in ("fail", "skip")
    assert checks["kai-components"]["status"] == "pass"


def test_host_context_flag_that_does_not_exist_is_a_kubeconfig_error(inside, virtual_api, tmp_path):
    v.vcluster_inside(inside, v.tenant_pod("a", "ml"))
    config = kubeconfig_file(tmp_path, {"my-tenant": virtual_api}, "my-tenant")
    result = CliRunner().invoke(main, ["run", "--kubeconfig", config, "--host-context", "nope", "-o", "json"])
    assert result.exit_code == 3 and "nope" in json.loads(result.stdout)["error"]["message"]


# -- a host is never taken for a virtual cluster --------------------------------------------------------------------

@pytest.mark.parametrize("context", ["gke_my-project_europe-west4_prod", "vcluster_looks_like_one"])
def test_host_context_with_underscores_is_a_host(cluster, api, tmp_path, context):
    guide_cluster(cluster)
    cluster.add(v.real_node("node-2"))
    config = kubeconfig_file(tmp_path, {context: api}, context)
    result, report, _ = vcdoctor(config)
    assert result.exit_code == 0
    assert report["cluster"]["kind"] == "host" and "vcluster" not in report["cluster"]
    assert "platform" not in report


def test_parse_context_as_vcluster_connect_writes_it():
    assert parse_context("vcluster_my-vc_vc-ns_gke_proj_zone_prod") is not None
    ref = parse_context("vcluster_my-vc_vc-ns_gke_proj_zone_prod")
    assert (ref.name, ref.namespace, ref.host_context) == ("my-vc", "vc-ns", "gke_proj_zone_prod")
    for other in ("gke_proj_zone_prod", "vcluster_my-vc_vc-ns", "vcluster-platform_vc_project_ctx",
                  "vcluster_My_VC_ctx", "vcluster_a__ctx", "vcluster_a_b_"):
        assert parse_context(other) is None, other


def test_classify_by_nodes_first():
    fake, real = v.fake_node(), v.real_node()
    assert classify("kind-host", [fake]).kind == "virtual"
    assert classify("vcluster_a_b_host", [real]).kind == "host"
    assert classify("vcluster_a_b_host", []).kind == "virtual"  # no pod ran yet: no fake node
    assert classify("vcluster_a_b_host", None).kind == "virtual"  # nodes unreadable: the name decides
    assert classify("gke_p_z_c", []).kind == "host"
    synced = v.real_node("n")
    synced["status"]["addresses"][1]["address"] = "n.nodes.vcluster.com"  # real node synced into a vCluster
    assert classify("renamed", [synced]).kind == "virtual"
    assert classify("renamed", [real], host_context="h").kind == "virtual"


# -- snapshots -----------------------------------------------------------------------------------------------------

def test_snapshots_of_a_tenant_run_replay(cluster, api, inside, virtual_api, tmp_path):
    host_with_trainer(cluster)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", labels={"kai.scheduler/queue": "test"}, gpus=1,
                                           phase="Running", node="gpu-node-1"))
    vctx = f"vcluster_{VC}_{VC_NS}_host-admin"
    both = kubeconfig_file(tmp_path, {"host-admin": api, vctx: virtual_api}, vctx)
    alone_dir = tmp_path / "alone"
    alone_dir.mkdir()
    alone = kubeconfig_file(alone_dir, {vctx: virtual_api}, vctx)
    for name, config in (("both", both), ("alone", alone)):
        out = tmp_path / f"{name}.tar.gz"
        collected = CliRunner().invoke(main, ["collect", "--kubeconfig", config, "-n", "ml", "--pod", "trainer-0",
                                              "--no-redact", "--out", str(out)])
        assert collected.exit_code == 0, collected.output
        _, live, live_checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
        replay = CliRunner().invoke(main, ["run", "--snapshot", str(out), "-o", "json"])
        report = json.loads(replay.stdout)
        report_schema.validate(report)
        assert report["cluster"]["kind"] == "virtual" and report["target"]["host_pods"] == live["target"]["host_pods"]
        assert {c["id"]: c["status"] for c in report["checks"]} == {k: c["status"] for k, c in live_checks.items()}
        assert ("platform" in report) == (name == "alone")
        if name == "both":
            assert report["cluster"]["host"]["context"] == "host-admin"
            assert report["checks"][0]["id"] == "vcluster-set-owner" and report["checks"][0]["status"] == "fail"


def test_redacted_snapshot_of_both_sides_replays(cluster, api, inside, virtual_api, tmp_path):
    host_with_trainer(cluster)
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", labels={"kai.scheduler/queue": "test"}, gpus=1,
                                           phase="Running", node="gpu-node-1"))
    vctx = f"vcluster_{VC}_{VC_NS}_host-admin"
    config = kubeconfig_file(tmp_path, {"host-admin": api, vctx: virtual_api}, vctx)
    out = tmp_path / "redacted.tar.gz"
    collected = CliRunner().invoke(main, ["collect", "--kubeconfig", config, "-n", "ml", "--pod", "trainer-0",
                                          "--redact", "--out", str(out)])
    assert collected.exit_code == 0, collected.output
    replay = CliRunner().invoke(main, ["run", "--snapshot", str(out), "-o", "json"])
    report = json.loads(replay.stdout)
    assert report["cluster"]["kind"] == "virtual" and report["cluster"]["host"]["context"] == "host-admin"
    assert {c["id"]: c["status"] for c in report["checks"]}["vcluster-set-owner"] == "fail"
    assert "trainer-0" not in json.dumps(report["target"])


def test_gpu_request_validity_is_judged_from_inside_without_the_host(inside, virtual_api, tmp_path):
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", annotations={"gpu-fraction": "1.5"}))
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, _, checks = vcdoctor(config, "-n", "ml")
    assert result.exit_code == 1 and checks["kai-gpu-request"]["status"] == "fail"
    assert "gpu-fraction" in checks["kai-gpu-request"]["message"]
    assert checks["kai-queue"]["status"] == "skip"  # queues live on the host


def test_both_sides_find_a_multi_namespace_host_pod(cluster, api, inside, virtual_api, tmp_path):
    """v0.19-v0.25 multi-namespace mode keeps the pod's name in a derived host namespace."""
    from tests.fakeapi import vcluster_releases as vr

    cluster.add(*vr.multi_namespace_install(VC, VC_NS, [("trainer-0", "ml", {"kai.scheduler/queue": "test"})]),
                *f.kai_install())
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", phase="Running", node="gpu-node-1"))
    vctx = f"vcluster_{VC}_{VC_NS}_host-admin"
    config = kubeconfig_file(tmp_path, {"host-admin": api, vctx: virtual_api}, vctx)
    _, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    (host_pod,) = report["target"]["host_pods"]
    assert host_pod.endswith("/trainer-0") and host_pod.startswith("vcluster-")
    assert not [c for c in checks.values() if "crashed" in c["message"]]


def test_a_pod_the_host_refused_for_its_runtime_class_names_kais_admission(inside, virtual_api, tmp_path):
    """KAI's admission puts runtimeClassName nvidia on GPU pods (runtime_enforcement.go:34-45@v0.9.7); a host
    without that RuntimeClass refuses them, and the syncer quotes the refusal."""
    err = 'pods "trainer-0-x-ml-x-my-vcluster" is forbidden: pod rejected: RuntimeClass "nvidia" not found'
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", gpus=1), events=[v.sync_error("ml", "trainer-0", err)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    first = checks["pod-scheduler-name"]
    assert first["status"] == "fail" and "RuntimeClass nvidia" in first["remediation"]
    assert "runtimeClassName" in first["remediation"] and "kubectl get runtimeclass" in first["fix"]["script"]


@pytest.mark.parametrize("kind", ["priority", "runtime"])
def test_a_pod_the_vcluster_held_back_for_its_class_says_so(inside, virtual_api, tmp_path, kind):
    """v0.26+ with sync.fromHost.<kind>Classes and a selector: no host pod, and only a SyncWarning event says why
    (never a SyncError); a SyncWarning about something else is no refusal."""
    other = f.event("ml", "Pod", "trainer-0", "SyncWarning", "Given nodeName gpu-1 does not exist in virtual cluster")
    v.vcluster_inside(inside, v.tenant_pod("trainer-0", "ml", gpus=1),
                      events=[other, v.class_limit_warning("ml", "trainer-0", kind, "high")])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "ml", "--pod", "trainer-0")
    first = checks["pod-scheduler-name"]
    assert (first["status"], first["code"]) == ("fail", "VCD211")
    assert f'the {kind} class "high" in the host does not match the selector' in first["message"]
    assert f"sync.fromHost.{kind}Classes" in first["remediation"] and "nodeName" not in first["message"]


def test_a_whole_tenant_run_names_the_pods_the_host_refused(inside, virtual_api, tmp_path):
    """Without the host and without --pod: the tenant's Pending pods whose SyncError events say the host refused
    them, each with its reason; a pod that got a node since is history."""
    quota = 'pods "a-x-ml-x-my-vcluster" is forbidden: exceeded quota: vc-quota, requested: nvidia.com/gpu=1'
    runtime = 'pods "b-x-ml-x-my-vcluster" is forbidden: pod rejected: RuntimeClass "nvidia" not found'
    running = v.tenant_pod("c", "ml")
    running["spec"]["nodeName"], running["status"]["phase"] = "gpu-1", "Running"
    v.vcluster_inside(inside, v.tenant_pod("a", "ml", gpus=1), v.tenant_pod("b", "ml", gpus=1), running,
                      events=[v.sync_error("ml", "a", quota), v.sync_error("ml", "b", runtime),
                              v.sync_error("ml", "c", quota)])
    config = kubeconfig_file(tmp_path, {VCTX: virtual_api}, VCTX)
    result, report, checks = vcdoctor(config, "-n", "ml")
    first = checks["pod-scheduler-name"]
    assert first["status"] == "fail" and {f["code"] for f in first["findings"]} == {"VCD207", "VCD210"}
    assert "ml/a: " + quota in first["message"] and "RuntimeClass nvidia (" in first["message"]
    assert "ml/c" not in first["message"]
