"""kai-pending-reason: bound pods pass, the scheduler's words fail, silence warns, events 403 errors."""

from __future__ import annotations

from tests.fakeapi import factories as f
from vcdoctor.checks.kai_pending_reason import CHECK
from vcdoctor.model import Status
from vcdoctor.products.vcluster.names import host_pod_name


def _pending(cluster, events=()):
    pod = f.synced_pod("p", "team-a", "vc", "ns", phase="Pending", node=None)
    cluster.add(*f.vcluster("vc", "ns"), pod, *events)
    return pod


def test_bound_pod_passes(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns"))
    assert run_check(CHECK, namespace="team-a", pod="p").status is Status.PASS


def test_scheduler_words_newest_first(cluster, run_check):
    host = host_pod_name("p", "team-a", "vc")
    _pending(cluster, [f.event("ns", "Pod", host, "Unschedulable", "old reason", last="2026-11-20T09:00:00Z"),
                       f.event("ns", "Pod", host, "Unschedulable", "new reason", last="2026-11-20T10:00:00Z", count=2)])
    result = run_check(CHECK, namespace="team-a", pod="p")
    assert result.status is Status.FAIL and result.message.endswith("new reason")
    assert [e.observation for e in result.evidence[1:]] == ["Unschedulable: new reason", "Unschedulable: old reason"]


def test_silence_warns(cluster, run_check):
    _pending(cluster)
    assert run_check(CHECK, namespace="team-a", pod="p").status is Status.WARN


def test_cluster_wide_counts_pending_pods(cluster, run_check):
    _pending(cluster)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "1 of 1" in result.message


def test_forbidden_events_is_an_error(cluster, run_check):
    _pending(cluster)
    cluster.deny("list", "events")
    assert run_check(CHECK, namespace="team-a", pod="p").status is Status.ERROR


def test_a_normal_podgroup_event_is_the_schedulers_word(cluster, run_check):
    """KAI says a gang waits for its pods in a Normal event on the PodGroup: quoted, not "nothing said"."""
    pod = _pending(cluster)
    group = pod["metadata"]["annotations"]["pod-group-name"]
    cluster.add(f.event("ns", "PodGroup", group, "NotReady", "Job is not ready for scheduling. Waiting for 4 pods, "
                                                               "currently 3 exist", type_="Normal"))
    result = run_check(CHECK, namespace="team-a", pod="p")
    assert result.status is Status.FAIL and "Waiting for 4 pods" in result.message
    assert f"PodGroup {group}: NotReady" in result.message


def test_a_target_another_scheduler_schedules_is_skipped(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns", scheduler="default-scheduler",
                                                      phase="Pending", node=None))
    result = run_check(CHECK, namespace="team-a", pod="p")
    assert (result.status, result.code) == (Status.SKIP, "VCD343")
