"""podgrouper-no-owner-log: seen (pass), not seen (skip), unreadable (error), annotation evidence."""

from __future__ import annotations

from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import QUIET_LOG, guide_cluster
from vcdoctor.checks.podgrouper_no_owner_log import CHECK
from vcdoctor.ignores import accept, parse
from vcdoctor.model import Status


def accepted(result, *ignores):
    return accept([result], [parse(i) for i in ignores])[0].ignored


def test_pass_when_line_seen_with_annotation_evidence(cluster, run_check):
    guide_cluster(cluster)
    result = run_check(CHECK)
    assert result.status is Status.PASS and "expected and non-blocking" in result.message
    annotation = result.evidence[1].data
    assert annotation["kai_pods"] == 3 and annotation["with_pod_group_name"] == 3
    assert annotation["unexpected_format"] == []


def test_skip_when_not_seen_reports_missing_annotations(cluster, run_check):
    guide_cluster(cluster, podgrouper_log=QUIET_LOG)
    cluster.add(f.synced_pod("fresh", "team-a", "my-vcluster", "vc-ns", podgroup=None))
    result = run_check(CHECK)
    assert result.status is Status.SKIP and "3 of 4" in result.message
    assert result.evidence[1].data["without_annotation"] == ["vc-ns/fresh-x-team-a-x-my-vcluster"]
    (grouper,) = result.objects
    assert grouper.startswith("kai-scheduler/pod-grouper")
    assert accepted(result, f"VCD410:{grouper}") and not accepted(result, "VCD410:kai-scheduler/another")


def test_skip_without_pod_grouper(cluster, run_check):
    result = run_check(CHECK)
    assert result.status is Status.SKIP and result.objects == ("kai-scheduler",)  # the namespace it looked in


def test_error_when_logs_forbidden(cluster, run_check):
    guide_cluster(cluster)
    cluster.deny("get", "pods/log", "kai-scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR and result.objects[0].startswith("kai-scheduler/pod-grouper")
    assert accepted(result, f"VCD412:{result.objects[0]}") and not accepted(result, "VCD412:kai-scheduler/binder")
