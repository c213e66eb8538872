"""podgrouper-permissions: RBAC trouble in console and JSON logs, debug-only caveat, 403."""

from __future__ import annotations

import json

from vcdoctor.checks.podgrouper_permissions import CHECK
from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import PODGROUPER, QUIET_LOG, guide_cluster
from vcdoctor.model import Status


def test_pass_on_quiet_log_and_no_owned_pods(cluster, run_check):
    guide_cluster(cluster)
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert result.evidence[0].data["pods_read"] == [f"kai-scheduler/{PODGROUPER}"]


def test_fail_on_owner_fallback_and_reconciler_forbidden(cluster, run_check):
    log = QUIET_LOG + "\n".join([f.owner_fallback_line()] * 3 + [f.reconciler_forbidden_line()]) + "\n"
    guide_cluster(cluster, set_owner=True, owned_pods=True, podgrouper_log=log)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "4 permission error(s)" in result.message and "Service my-vcluster x3" in result.message
    subjects = [e.subject for e in result.evidence]
    assert "forbidden: system:serviceaccount:kai-scheduler:pod-grouper cannot get services" in subjects
    assert "setOwner: false" in result.remediation


def test_fail_on_json_log_lines(cluster, run_check):
    line = json.dumps({"level": "error", "ts": "2026-11-20T10:00:00Z", "msg": "Reconciler error",
                       "error": 'services "v" is forbidden: User "system:serviceaccount:kai-scheduler:podgrouper" '
                                'cannot get resource "services" in API group "" in the namespace "n"'})
    guide_cluster(cluster, podgrouper_log=line + "\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "podgrouper cannot get services" in result.message


def test_no_owner_line_is_never_a_permission_error(cluster, run_check):
    guide_cluster(cluster, podgrouper_log=f.no_owner_line() * 1 + "\n" + f.no_owner_line() + "\n")
    assert run_check(CHECK).status is Status.PASS


POD_GROUPER = "system:serviceaccount:kai-scheduler:pod-grouper"


def test_clean_log_with_owned_pods_predicts_the_permission_wall(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and f"{POD_GROUPER} may not get services in vc-ns" in result.message
    assert result.evidence[-1].data["denied"] == ["vc-ns"] and "setOwner: false" in result.remediation


def test_clean_log_with_owned_pods_and_service_access_warns_about_grouping(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    cluster.grants[POD_GROUPER] = [("get", "services", None)]
    result = run_check(CHECK)
    assert result.status is Status.WARN and "one PodGroup" in result.message


def test_clean_log_without_access_reviews_warns_how_to_raise_verbosity(cluster, run_check):
    guide_cluster(cluster, set_owner=True, owned_pods=True)
    cluster.deny("create", "subjectaccessreviews.authorization.k8s.io")
    result = run_check(CHECK)
    assert result.status is Status.WARN and "--zap-log-level=debug" in result.remediation


def test_binary_and_invalid_utf8_do_not_break_parsing(cluster, run_check):
    guide_cluster(cluster)
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper",
                    b"\x00\xff\xfe garbage\n" + f.reconciler_forbidden_line().encode() + b"\n\x89PNG\r\n")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and result.evidence[0].data["undecodable_bytes"] is True


def test_error_when_logs_forbidden(cluster, run_check):
    guide_cluster(cluster)
    cluster.deny("get", "pods/log", "kai-scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "kubectl auth can-i get pods/log -n kai-scheduler" in result.remediation


def test_error_when_no_pod_grouper(cluster, run_check):
    cluster.add(*f.kai_install(skip=("pod-grouper",)))
    assert run_check(CHECK).status is Status.ERROR
