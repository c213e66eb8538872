"""gpu-sharing-reservations: sharing off, webhook denials, missing reservations, pass, skip, 403."""

from __future__ import annotations

from vcdoctor.checks.gpu_sharing_reservations import CHECK
from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import VC, VC_NS, guide_cluster
from vcdoctor.model import Status

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
    assert '--set "global.gpuSharing=true"' in result.remediation


def test_fail_from_syncer_denial_when_no_host_pod_exists(cluster, run_check):
    cluster.add(*f.vcluster(VC, VC_NS), *f.kai_install(gpu_sharing=False))
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", "starting\n" + DISABLED_DENIAL + "\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "denied 1 pod creation" in result.message
    assert any("while GPU sharing is disabled" in e.observation for e in result.evidence)


def test_fail_when_shared_pod_node_has_no_reservation_pod(cluster, run_check):
    guide_cluster(cluster, reservations=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "gpu-node-1" in result.message
    assert "kai-resource-reservation" in result.remediation


def test_fail_when_reservation_pod_is_broken(cluster, run_check):
    guide_cluster(cluster, reservations=False)
    cluster.add(f.reservation_pod("gpu-node-1", ready=False, waiting="CrashLoopBackOff"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "CrashLoopBackOff" in result.message


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
