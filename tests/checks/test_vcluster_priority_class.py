"""vcluster-priority-class: sync on passes, lost priority label warns, nothing lost passes."""

from __future__ import annotations

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_priority_class import CHECK
from vcdoctor.model import Status


def test_sync_enabled_passes(cluster, run_check):
    values = {"sync": {"fromHost": {"priorityClasses": {"enabled": True}}}}
    cluster.add(*f.vcluster("vc", "ns", extra_values=values), f.synced_pod("p", "team-a", "vc", "ns"))
    assert run_check(CHECK).status is Status.PASS


def test_lost_priority_label_warns(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.20.1"),
                f.synced_pod("p", "team-a", "vc", "ns", labels={"priorityClassName": "train"}, hashed_labels=True))
    result = run_check(CHECK)
    # v0.20 reads only sync.toHost.priorityClasses (translator.go:108@v0.20.0; fromHost is not in its schema)
    assert result.status is Status.WARN and "toHost:\n    priorityClasses:\n      enabled: true" in result.remediation
    assert "fromHost:" not in result.remediation and "fromHost:" not in result.fix.script


def test_kept_label_passes_with_explanation(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns", labels={"priorityClassName": "train"}))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "dropped" in result.message
