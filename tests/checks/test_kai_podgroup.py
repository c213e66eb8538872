"""kai-podgroup: grouped pods pass; unprocessed, dangling and whole-vCluster groups; 403."""

from __future__ import annotations

from tests.fakeapi import factories as f
from vcdoctor.checks.kai_podgroup import CHECK
from vcdoctor.model import Status


def test_pods_in_existing_podgroups_pass(cluster, run_check):
    pod = f.synced_pod("p", "team-a", "vc", "ns")
    cluster.add(*f.vcluster("vc", "ns"), pod, f.podgroup(pod["metadata"]["annotations"]["pod-group-name"], "ns"))
    assert run_check(CHECK).status is Status.PASS


def test_unprocessed_pod_fails_pointing_at_the_pod_grouper(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns", podgroup=None))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "pod-grouper" in result.remediation


def test_dangling_annotation_fails(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns"))
    assert run_check(CHECK).status is Status.FAIL


def test_whole_vcluster_in_one_podgroup_warns(cluster, run_check):
    group = "pg-vc-0c7e1f0a-1111-2222-3333-444455556666"
    cluster.add(*f.vcluster("vc", "ns"), f.podgroup(group, "ns"),
                *[f.synced_pod(f"p{i}", "team-a", "vc", "ns", owner=True, podgroup=group) for i in range(3)])
    result = run_check(CHECK)
    assert result.status is Status.WARN and "gang scheduling" in result.message


def test_forbidden_podgroups_is_an_error(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns"))
    cluster.deny("list", "podgroups.scheduling.run.ai")
    assert run_check(CHECK).status is Status.ERROR
