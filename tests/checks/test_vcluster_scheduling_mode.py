"""vcluster-scheduling-mode: virtual scheduler (both keys), hybrid with and without kai-scheduler."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_scheduling_mode import CHECK
from vcdoctor.model import Status


def test_default_passes(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.26.1"))
    assert run_check(CHECK).status is Status.PASS


@pytest.mark.parametrize("values, snippet", [
    ({"controlPlane": {"distro": {"k8s": {"enabled": True, "scheduler": {"enabled": True}}}}},     # v0.26+
     "scheduler:\n        enabled: false"),
    ({"controlPlane": {"advanced": {"virtualScheduler": {"enabled": True}}}},                      # deprecated key
     "virtualScheduler:\n      enabled: false"),
])
def test_virtual_scheduler_fails(cluster, run_check, values, snippet):
    cluster.add(*f.vcluster("vc", "ns", version="0.26.1", extra_values=values))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "bypassed" in result.message
    assert snippet in result.remediation and snippet in result.fix.script


def test_hybrid_without_kai_fails_and_with_kai_passes(cluster, run_check):
    hybrid = {"sync": {"toHost": {"pods": {"hybridScheduling": {"enabled": True, "hostSchedulers": ["volcano"]}}}}}
    cluster.add(*f.vcluster("a", "ns-a", version="0.27.0", extra_values=hybrid))
    ok = {"sync": {"toHost": {"pods": {"hybridScheduling": {"enabled": True, "hostSchedulers": ["kai-scheduler"]}}}}}
    cluster.add(*f.vcluster("b", "ns-b", version="0.27.0", extra_values=ok))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "ns-a/a" in result.message and "ns-b/b" not in result.message
    assert "- kai-scheduler" in result.remediation and "(1 other vCluster(s): pass)" in result.message
