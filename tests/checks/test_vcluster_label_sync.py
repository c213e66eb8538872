"""vcluster-label-sync across versions: v0.19 flags, v0.20 syncLabels, v0.21+ labels kept."""

from __future__ import annotations

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_label_sync import CHECK
from vcdoctor.model import Status

QUEUE = {"kai.scheduler/queue": "team-a"}


def test_v021_keeps_labels(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.21.0"), f.synced_pod("p", "team-a", "vc", "ns", labels=QUEUE))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "1 pod(s) carry their queue label" in result.message


def test_v021_label_missing_on_host_fails(cluster, run_check):
    pod = f.synced_pod("p", "team-a", "vc", "ns", labels=QUEUE)
    del pod["metadata"]["labels"]["kai.scheduler/queue"]
    cluster.add(*f.vcluster("vc", "ns", version="0.26.0"), pod)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "kubectl get mutatingwebhookconfigurations --context fake" in result.fix.script  # read-only


def test_v020_without_sync_labels_fails_with_snippet(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.20.4"),
                f.synced_pod("p", "team-a", "vc", "ns", labels=QUEUE, hashed_labels=True))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "default-queue" in result.message
    assert "1 lost" in result.evidence[1].observation
    snippet = "experimental:\n  syncSettings:\n    syncLabels:\n    - kai.scheduler/queue\n    - priorityClassName\n"
    assert snippet in result.remediation
    assert f"\ncat > \"$work/step1-change.yaml\" <<'VCDOCTOR_EOF'\n{snippet}VCDOCTOR_EOF\n" in result.fix.script


def test_v020_with_wildcard_sync_labels_passes(cluster, run_check):
    values = {"experimental": {"syncSettings": {"setOwner": False, "syncLabels": ["kai.scheduler/*",
                                                                                  "priorityClassName"]}}}
    cluster.add(*f.vcluster("vc", "ns", version="0.20.4", extra_values=values),
                f.synced_pod("p", "team-a", "vc", "ns", labels=QUEUE))
    assert run_check(CHECK).status is Status.PASS


def test_v019_reads_the_sync_labels_flag(cluster, run_check):
    cluster.add(*f.vcluster("old", "ns", version="0.19.7", with_secret=False, syncer_args=["--set-owner=false"]))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "--sync-labels=kai.scheduler/queue" in result.remediation
    cluster.add(f.synced_pod("p", "team-a", "old", "ns", labels=QUEUE, hashed_labels=True))
    assert run_check(CHECK).status is Status.FAIL
    cluster.objects.clear()
    cluster.add(*f.vcluster("old", "ns", version="0.19.7", with_secret=False,
                            syncer_args=["--sync-labels=kai.scheduler/queue,priorityClassName"]))
    assert run_check(CHECK).status is Status.PASS
