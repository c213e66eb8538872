"""kai-queue: leaf queue passes; missing, parent and legacy-label queues; CRD missing is an error."""

from __future__ import annotations

from vcdoctor.checks.kai_queue import CHECK
from tests.fakeapi import factories as f
from vcdoctor.model import Status


def _cluster(cluster, labels):
    cluster.add(*f.vcluster("vc", "ns"), *f.kai_install(), f.queue("team-a", "default-parent-queue"),
                f.synced_pod("p", "team-a", "vc", "ns", labels=labels))


def test_existing_leaf_queue_passes(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"})
    assert run_check(CHECK).status is Status.PASS


def test_no_label_uses_default_queue(cluster, run_check):
    _cluster(cluster, {})
    result = run_check(CHECK)
    assert result.status is Status.PASS and "default-queue" in result.message


def test_missing_queue_fails_listing_leaves_and_yaml(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "ghost"})
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "ghost do not exist" in result.message
    assert "default-queue, team-a" in result.remediation and "name: ghost" in result.remediation


def test_parent_queue_fails(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "default-parent-queue"})
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "leaf" in result.message


def test_legacy_label_warns(cluster, run_check):
    _cluster(cluster, {"runai/queue": "team-a"})
    result = run_check(CHECK)
    assert result.status is Status.WARN and "runai/queue -> kai.scheduler/queue" in result.remediation


def test_missing_crd_is_an_error(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"})
    cluster.remove_group("scheduling.run.ai")
    assert run_check(CHECK).status is Status.ERROR
