"""kai-podgroup: grouped pods pass; unprocessed, dangling and whole-vCluster groups; 403."""

from __future__ import annotations

import pytest

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


def _grouper_args(version, *args):
    from tests.fakeapi import kai_releases as kr

    app = "podgrouper" if version.startswith(("v0.7", "v0.8")) else "pod-grouper"
    return kr.install(version, broken={app: {"args": ["--queue-label-key=kai.scheduler/queue", *args]}})


def _labelled(vcluster_objects, **labels):
    for obj in vcluster_objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["labels"] = labels
    return vcluster_objects


def test_a_namespace_the_pod_grouper_does_not_watch_is_named_with_its_label(cluster, run_check):
    # the operator writes the flag and its value as two words (operands/pod_grouper/resources.go:104@v0.17.0)
    cluster.add(*_grouper_args("v0.17.0", "--namespace-label-selector", "kai=on"),
                *_labelled(f.vcluster("vc", "ns"), team="a"), f.synced_pod("p", "team-a", "vc", "ns", podgroup=None))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "host namespace ns lacks the label(s) kai=on" in result.message
    assert "kubectl label namespace ns kai=on --context fake" in result.fix.script


def test_a_namespace_with_the_label_points_at_the_pod_grouper_again(cluster, run_check):
    cluster.add(*_grouper_args("v0.17.0", "--namespace-label-selector", "kai=on"),
                *_labelled(f.vcluster("vc", "ns"), kai="on"), f.synced_pod("p", "team-a", "vc", "ns", podgroup=None))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "has not processed them" in result.message


def test_a_pod_without_the_selected_labels_is_named(cluster, run_check):
    cluster.add(*_grouper_args("v0.7.0", "--pod-label-selector=team=ml, tier = gpu"), *f.vcluster("vc", "ns"),
                f.synced_pod("p", "team-a", "vc", "ns", podgroup=None, labels={"team": "ml"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "its labels lack tier=gpu" in result.message


@pytest.mark.parametrize("version, status", [("v0.14.7", Status.FAIL), ("v0.15.0", Status.WARN)])
def test_the_skip_annotation_counts_from_v0_15(cluster, run_check, version, status):
    from tests.fakeapi import kai_releases as kr

    cluster.add(*kr.install(version), *f.vcluster("vc", "ns"),
                f.synced_pod("p", "team-a", "vc", "ns", podgroup=None,
                             annotations={"kai.scheduler/skip-podgrouper": "true"}))
    result = run_check(CHECK)
    assert result.status is status
    assert ("kai.scheduler/skip-podgrouper" in result.message) is (status is Status.WARN)
