"""gpu-sharing-reservations: sharing off, webhook denials, missing reservations, pass, skip, 403."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import kai_releases as kr
from tests.fakeapi.scenarios import VC, VC_NS, guide_cluster
from vcdoctor.checks.gpu_sharing_reservations import CHECK
from vcdoctor.ignores import accept, parse
from vcdoctor.model import Status


def accepted(result, *ignores):
    """Whether --ignore with these values accepts the result (as a run applies them)."""
    return accept([result], [parse(i) for i in ignores])[0].ignored

DISABLED_DENIAL = ('2026-11-20 10:00:01\tERROR\tsyncer\tError syncing pod\t{"error": "admission webhook '
                   '\\"pod-validation.kai.scheduler\\" denied the request: attempting to create a pod '
                   'vc-ns/frac-x-team-a-x-my-vcluster with gpu sharing request, while GPU sharing is disabled"}')


def test_pass_when_sharing_on_and_reservation_on_the_node(cluster, run_check):
    guide_cluster(cluster)
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert result.evidence[0].data["source"] == "Config kai-config spec.admission.gpuSharing"


def test_fail_when_sharing_off_and_pods_request_fractions(cluster, run_check):
    guide_cluster(cluster, gpu_sharing=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "GPU sharing is disabled" in result.message
    script = result.fix.script
    assert ("helm get values kai-scheduler --namespace kai-scheduler --output json --kube-context fake "
            '> "$work/step1-kai-installed.json"\n') in script
    assert ("helm upgrade kai-scheduler oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler --namespace kai-scheduler "
            '--version v0.10.2 --values "$work/step1-kai-installed.json" --set global.gpuSharing=true '
            "--kube-context fake\n") in script
    assert "helm rollback" in script
    # then, by hand inside the vCluster (comments only), the pods are recreated
    assert "\n# -- step 2: inside vCluster vc-ns/my-vcluster (vcluster connect my-vcluster -n vc-ns), not the host " \
        "cluster\n" in script and [s.manual for s in result.fix.steps] == [False, True]
    assert ("\n#   Recreate the pods that request GPU shares, now that sharing is on: team-a/gpu-sharing-pod.\n"
            in script)


def test_fail_from_syncer_denial_when_no_host_pod_exists(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install(gpu_sharing=False))
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", "starting\n" + DISABLED_DENIAL + "\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "denied 1 pod creation" in result.message
    # a denied pod never reached the host: the finding names the vCluster whose syncer was denied
    assert result.objects == (f"{VC_NS}/{VC}",)
    assert accepted(result, f"VCD350:{VC_NS}/{VC}") and not accepted(result, f"VCD350:{VC_NS}/other")
    assert any("while GPU sharing is disabled" in e.observation for e in result.evidence)


def test_fail_when_shared_pod_node_has_no_reservation_pod(cluster, run_check):
    guide_cluster(cluster, reservations=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "gpu-node-1" in result.message
    assert "kai-resource-reservation" in result.message
    # the node without a reservation pod (the shared pods on it are evidence): --ignore accepts it on that node
    assert result.objects == ("gpu-node-1",)
    assert accepted(result, "VCD353:gpu-node-1") and not accepted(result, "VCD353:gpu-node-2")


def test_fail_when_reservation_pod_is_broken(cluster, run_check):
    guide_cluster(cluster, reservations=False)
    cluster.add(f.reservation_pod("gpu-node-1", ready=False, waiting="CrashLoopBackOff"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "CrashLoopBackOff" in result.message
    # the node: its reservation pod's name changes each time the binder recreates it
    assert result.objects == ("gpu-node-1",)
    assert accepted(result, "VCD352:gpu-node-1") and not accepted(result, "VCD352:gpu-node-2")


NVIDIA, KAI = "oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler", "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler"


@pytest.mark.parametrize("version, chart", [
    ("v0.3.2", "kai-scheduler --repo https://helm.ngc.nvidia.com/nvidia/k8s"),
    ("v0.4.2", NVIDIA),
    # the registry moved on three release branches (push-artifacts.yaml:17 at each tag)
    ("v0.9.15", NVIDIA), ("v0.9.16", KAI), ("v0.9.20", KAI), ("v0.10.0", NVIDIA),
    ("v0.12.17", NVIDIA), ("v0.12.18", KAI), ("v0.12.23", KAI),
    ("v0.13.0", NVIDIA), ("v0.13.1", KAI),
])
def test_gpu_sharing_fix_uses_the_chart_of_the_installed_release(cluster, run_check, version, chart):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install(version, gpu_sharing=False),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert f"helm upgrade kai-scheduler {chart} --namespace kai-scheduler --version {version} " in result.fix.script


@pytest.mark.parametrize("version, app", [("v0.7.12", "binder"), ("v0.7.13", "kai-admission")])
def test_sharing_switch_is_read_where_the_release_has_it(cluster, run_check, version, app):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install(version, gpu_sharing=False),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and f"{app}-7d9f8c-abcde arg --gpu-sharing-enabled=false" in \
        result.evidence[0].data["source"]
    assert f"--selector app={app}" in result.fix.script


def test_outside_the_table_gives_no_upgrade_command(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install("v0.17.0", gpu_sharing=False),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}))
    for pod in cluster.objects[("", "pods")]:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].replace("v0.17.0", "v0.30.0")
    result = run_check(CHECK)
    assert "helm upgrade" not in result.fix.script and "found v0.30.0" in result.fix.script


NVML = "failed to create containerd task: nvidia-container-cli: initialization error: nvml error: driver not loaded"


@pytest.mark.parametrize("bound", [True, False])
def test_crashlooping_reservation_pod_fails_quoting_its_termination_message(cluster, run_check, bound):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install("v0.12.3"), f.node("gpu-node-1", gpus=8),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"},
                             phase="Running" if bound else "Pending", node="gpu-node-1" if bound else None))
    broken = kr.reservation_pod("gpu-node-1", "v0.12.3", ready=False, waiting="CrashLoopBackOff", restarts=9,
                                last_exit=("StartError", 128))
    broken["status"]["containerStatuses"][0]["lastState"]["terminated"]["message"] = NVML
    cluster.add(broken)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and NVML in result.message
    assert ("wait to bind" in result.message) is not bound
    assert "kubectl get runtimeclass nvidia --context fake" in result.fix.script


@pytest.mark.parametrize("version, runtime_class", [
    ("v0.9.5", True),    # hard-coded "nvidia" (resource_reservation.go:45@v0.9.5)
    ("v0.9.6", False),   # --runtime-class-name from a value no chart sets; empty means none
    ("v0.9.20", False),
    ("v0.10.0", True),   # Config default "nvidia" (binder.go:120@v0.10.0)
    ("v0.15.3", True),
    ("v0.16.0", False),  # default empty (binder.go:240-244@v0.17.0)
])
def test_reservation_runtime_class_is_inspected_where_the_release_sets_it(cluster, run_check, version,
                                                                          runtime_class):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install(version), f.node("gpu-node-1", gpus=8),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}, phase="Pending",
                             node=None))
    cluster.add(kr.reservation_pod("gpu-node-1", version, ready=False, waiting="CrashLoopBackOff", restarts=9))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert ("kubectl get runtimeclass nvidia" in result.fix.script) is runtime_class


def test_pre_v0_6_reservations_live_in_runai_reservation(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install("v0.5.5"), f.node("gpu-node-1", gpus=8),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}),
                kr.reservation_pod("gpu-node-1", "v0.5.5"))
    result = run_check(CHECK)
    assert result.status is Status.PASS


def test_invalid_request_denial_quotes_kai_and_targets_the_vcluster(cluster, run_check):
    line = DISABLED_DENIAL.replace("with gpu sharing request, while GPU sharing is disabled",
                                   "cannot have both GPU fraction request and whole GPU resource request/limit")
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install())
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "whole GPU resource request/limit" in result.message
    script = result.fix.script
    assert "\n# -- step 1: inside vCluster vc-ns/my-vcluster (vcluster connect my-vcluster -n vc-ns), not the host " \
        "cluster\n" in script
    # the pod is a virtual object: nothing runs against the host, the script is the subshell and comments
    assert [line for line in script.splitlines() if line and not line.startswith("#")] == \
        ["(", "set -euo pipefail", 'work="$(mktemp -d)"', "trap 'rm -rf -- \"$work\"' EXIT", ")"]


def test_legacy_binder_flag_is_read(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install("v0.6.0", legacy=True, gpu_sharing=False),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-memory": "2000"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "--gpu-sharing-enabled=false" in result.evidence[0].data["source"]


def test_skip_without_fractional_pods_or_denials(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), f.synced_pod("gpu", "team-a", VC, VC_NS), *f.kai_install())
    assert run_check(CHECK).status is Status.SKIP


def test_error_when_syncer_log_is_forbidden_and_nothing_else_tells(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install())
    cluster.deny("get", "pods/log", VC_NS)
    result = run_check(CHECK)
    assert result.status is Status.ERROR and "pods/log" in result.remediation


def test_error_when_sharing_state_unreadable(cluster, run_check):
    guide_cluster(cluster)
    cluster.deny("get", "configs.kai.scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR and "configs" in result.remediation


def test_reservation_crashloop_scenario(cluster, run_check):
    from tests.fakeapi.scenarios import NVML_ERROR, SCENARIOS

    SCENARIOS["reservation-crashloop"](cluster)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and NVML_ERROR in result.message and "wait to bind" in result.message


def test_the_gpu_sharing_fix_targets_the_namespace_kai_runs_in(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install(gpu_sharing=False, ns="gpu-system"),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "helm get values kai-scheduler --namespace gpu-system" in result.fix.script
    assert "--namespace kai-scheduler" not in result.fix.script


@pytest.mark.parametrize("version, restarts", [
    ("v0.9.4", False), ("v0.9.5", True), ("v0.10.2", True), ("v0.12.21", True), ("v0.12.22", False),
    ("v0.13.4", True), ("v0.14.5", True), ("v0.14.6", False), ("v0.15.2", True), ("v0.15.3", False),
    ("v0.16.0", False),
])
def test_a_kai_upgrade_that_recreates_its_config_restarts_the_components(cluster, run_check, version, restarts):
    """The pre-upgrade hook recreates kai-config and the operands' ServiceAccounts (kai-config.yaml:9-11@v0.9.5):
    the components need new tokens; the post-upgrade job fixed it at v0.12.22, v0.14.6, v0.15.3 and v0.16.0."""
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install(version, gpu_sharing=False),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert ("kubectl rollout restart deployment --namespace kai-scheduler" in result.fix.script) is restarts


def test_fractional_pods_waiting_to_bind_without_a_reservation_pod_warn(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *kr.install("v0.12.3"), f.node("gpu-node-1", gpus=8),
                f.synced_pod("frac", "team-a", VC, VC_NS, annotations={"gpu-fraction": "0.5"}, phase="Pending",
                             node=None))
    result = run_check(CHECK)
    assert (result.status, result.code) == (Status.WARN, "VCD354"), result.message
    assert result.objects == (f"{VC_NS}/frac-x-team-a-x-{VC}",)
