"""podgrouper-permissions: RBAC trouble in console and JSON logs, debug-only caveat, 403."""

from __future__ import annotations

import json

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import kai_releases as kr
from tests.fakeapi.scenarios import PODGROUPER, QUIET_LOG, guide_cluster
from vcdoctor.checks.podgrouper_permissions import CHECK
from vcdoctor.model import Status


def test_pass_on_quiet_log_and_no_owned_pods(cluster, run_check):
    guide_cluster(cluster)
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert result.evidence[0].data["pods_read"] == [f"kai-scheduler/{PODGROUPER}"]


SETOWNER_LOG = QUIET_LOG + "\n".join([f.owner_fallback_line()] * 3 + [f.reconciler_forbidden_line()]) + "\n"


def test_refused_owner_lookup_on_v0_4_2_and_later_only_warns(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    result = run_check(CHECK)
    assert result.status is Status.WARN
    assert "4 permission error(s)" in result.message and "Service my-vcluster x3" in result.message
    assert "grouped exactly as with setOwner off" in result.message
    subjects = [e.subject for e in result.evidence]
    assert ("forbidden: system:serviceaccount:kai-scheduler:pod-grouper cannot get services (vCluster "
            "vc-ns/my-vcluster)") in subjects
    assert "setOwner: false" in result.remediation
    # the script is vcluster-set-owner's: printed under both checks it would be pasted (and upgrade) twice
    assert result.fix is None and "the remedy does it under vcluster-set-owner" in result.remediation


@pytest.mark.parametrize("version, status", [("v0.4.1", Status.FAIL), ("v0.4.2", Status.WARN)])
def test_graceful_owner_lookup_boundary(cluster, run_check, version, status):
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    _retag(cluster, version)
    result = run_check(CHECK)
    assert result.status is status
    if status is Status.FAIL:
        assert "crashes the reconciler" in result.message


def test_refusal_while_the_pod_grouper_can_read_services_fails_one_gang(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    cluster.grants[POD_GROUPER] = [("get", "services", None)]
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "one PodGroup" in result.message
    assert result.evidence[-1].data["access"] == {"vc-ns": True}


def test_narrowed_to_a_healthy_vcluster_ignores_another_vclusters_lines(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    cluster.add(*f.vcluster("quiet", "quiet-ns"))
    result = run_check(CHECK, vcluster="quiet", vcluster_namespace="quiet-ns")
    assert result.status is Status.PASS, result.message
    assert "4 line(s) concern vClusters not examined" in result.evidence[0].observation
    assert result.fix is None


def test_each_line_is_attributed_to_its_vcluster_and_only_that_one_is_upgraded(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    cluster.add(*f.vcluster("quiet", "quiet-ns"))
    result = run_check(CHECK)
    assert result.status is Status.WARN
    assert "my-vcluster" in result.remediation and "quiet" not in result.remediation


def test_setowner_already_false_prescribes_the_restart_not_the_upgrade(cluster, run_check):
    guide_cluster(cluster, set_owner=False, owned_pods=True, podgrouper_log=SETOWNER_LOG)
    result = run_check(CHECK)
    assert "restart its control plane" in result.remediation and "already false" in result.remediation
    assert "turn setOwner off" not in result.remediation


def test_refused_other_owner_kinds_fail(cluster, run_check):
    line = json.dumps({"level": "error", "ts": "2026-11-20T10:00:00Z", "msg": "Reconciler error",
                       "error": 'deployments.apps "d" is forbidden: User "system:serviceaccount:kai-scheduler:'
                                'podgrouper" cannot get resource "deployments" in API group "apps" in the '
                                'namespace "n"'})
    guide_cluster(cluster, podgrouper_log=line + "\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "podgrouper cannot get deployments.apps" in result.message


def test_fail_on_json_log_lines(cluster, run_check):
    line = json.dumps({"level": "error", "ts": "2026-11-20T10:00:00Z", "msg": "Reconciler error",
                       "error": 'services "v" is forbidden: User "system:serviceaccount:kai-scheduler:podgrouper" '
                                'cannot get resource "services" in API group "" in the namespace "n"'})
    guide_cluster(cluster, podgrouper_log=line + "\n")
    result = run_check(CHECK)
    assert result.status is Status.WARN and "podgrouper cannot get services" in result.message


def _retag(cluster, version):
    for pod in cluster.objects[("", "pods")]:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].replace("v0.10.2", version)


def test_no_owner_line_is_never_a_permission_error(cluster, run_check):
    guide_cluster(cluster, podgrouper_log=f.no_owner_line() * 1 + "\n" + f.no_owner_line() + "\n")
    assert run_check(CHECK).status is Status.PASS


POD_GROUPER = "system:serviceaccount:kai-scheduler:pod-grouper"


def test_clean_log_with_owned_pods_predicts_the_harmless_fallback(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "grouped exactly as with setOwner off" in result.message
    assert result.evidence[-1].data["access"] == {"vc-ns": False} and "setOwner: false" in result.remediation
    assert "prints the DEBUG fallback line by default" in result.message


def test_clean_log_with_owned_pods_and_service_access_fails_one_gang(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    cluster.grants[POD_GROUPER] = [("get", "services", None)]
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "one PodGroup" in result.message


def test_clean_log_without_access_reviews_warns_and_never_advises_debug_flags(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    cluster.deny("create", "subjectaccessreviews.authorization.k8s.io")
    result = run_check(CHECK)
    assert result.status is Status.WARN and "could not be asked" in result.message
    assert "zap-log-level" not in result.remediation


def test_json_log_hides_the_fallback_and_says_so(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    cluster.objects[("", "pods")][:] = [p for p in cluster.objects[("", "pods")]
                                        if p["metadata"].get("namespace") != "kai-scheduler"]
    cluster.objects[("kai.scheduler", "configs")].clear()
    cluster.add(*kr.install("v0.15.0", json_log=True))
    cluster.set_log("kai-scheduler", "pod-grouper-7d9f8c-abcde", "pod-grouper", QUIET_LOG)
    result = run_check(CHECK)
    assert "jsonLog hides DEBUG lines" in result.message and "global.jsonLog=false" in result.remediation


def test_binary_and_invalid_utf8_do_not_break_parsing(cluster, run_check):
    guide_cluster(cluster)
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper",
                    b"\x00\xff\xfe garbage\n" + f.reconciler_forbidden_line().encode() + b"\n\x89PNG\r\n")
    result = run_check(CHECK)
    assert result.status is Status.WARN and result.evidence[0].data["undecodable_bytes"] is True


def test_error_when_logs_forbidden(cluster, run_check):
    guide_cluster(cluster)
    cluster.deny("get", "pods/log", "kai-scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "kubectl auth can-i get pods/log -n kai-scheduler" in result.remediation


def test_error_when_no_pod_grouper(cluster, run_check):
    cluster.add(*f.kai_install(skip=("pod-grouper",)))
    assert run_check(CHECK).status is Status.ERROR
