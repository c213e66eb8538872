"""Whole host clusters for end-to-end tests, set up like the integration guide (or broken on purpose)."""

from __future__ import annotations

from tests.fakeapi import factories as f
from tests.fakeapi.server import FakeCluster

VC, VC_NS = "my-vcluster", "vc-ns"
PODGROUPER = "pod-grouper-7d9f8c-abcde"
QUIET_LOG = "\n".join([
    f.console_line("INFO", "Starting EventSource", {"controller": "pod", "source": "kind source: *v1.Pod"}),
    f.console_line("INFO", "Starting workers", {"controller": "pod", "worker count": 10}),
    f.console_line("DEBUG", "No default priority class found for group kind", {"groupKind": "Pod"}),
]) + "\n"


def guide_cluster(cluster: FakeCluster, *, set_owner=False, owned_pods=False, gpu_sharing=True,
                  podgrouper_log: str = QUIET_LOG + f.no_owner_line() + "\n", reservations=True) -> FakeCluster:
    """vCluster with setOwner false, KAI installed with GPU sharing, the guide's three example pods."""
    cluster.add(*f.vcluster(VC, VC_NS, set_owner=set_owner))
    cluster.add(
        f.synced_pod("cpu-only-pod", "team-a", VC, VC_NS, owner=owned_pods),
        f.synced_pod("gpu-pod", "team-a", VC, VC_NS, owner=owned_pods),
        f.synced_pod("gpu-sharing-pod", "team-a", VC, VC_NS, owner=owned_pods, labels={"kai.scheduler/queue": "test"},
                     annotations={"gpu-fraction": "0.5"}),
    )
    cluster.add(*f.kai_install(gpu_sharing=gpu_sharing))
    if reservations:
        cluster.add(f.namespace("kai-resource-reservation"), f.reservation_pod("gpu-node-1"))
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper", podgrouper_log)
    return cluster
