"""Builders for the inside of a vCluster (fake nodes, the tenant's pods and events) and a two-cluster kubeconfig."""

from __future__ import annotations

from typing import Dict, List, Optional

from tests.fakeapi import factories as f
from tests.fakeapi.server import FakeApiServer, FakeCluster


def fake_node(name: str = "gpu-node-1") -> dict:
    """A node as vCluster fakes it when nodes are not synced from the host
    (pkg/controllers/resources/nodes/fake_syncer.go:161,182-249,324-326@v0.21.0)."""
    node = f.node(name, labels={"vcluster.loft.sh/fake-node": "true", "kubernetes.io/hostname": f"fake-{name}"})
    node["status"]["nodeInfo"] = {"osImage": "Fake Kubernetes Image", "kernelVersion": "4.19.76-fakelinux",
                                  "containerRuntimeVersion": "docker://19.3.12"}
    node["status"]["addresses"] = [{"type": "Hostname", "address": f"{name}.nodes.vcluster.com"}]
    return node


def real_node(name: str = "node-1") -> dict:
    node = f.node(name, gpus=8)
    node["status"]["nodeInfo"] = {"osImage": "Ubuntu 22.04.4 LTS", "kernelVersion": "5.15.0-105-generic"}
    node["status"]["addresses"] = [{"type": "InternalIP", "address": "10.0.0.4"},
                                   {"type": "Hostname", "address": name}]
    return node


def tenant_pod(name: str, ns: str, *, scheduler: Optional[str] = "kai-scheduler", labels=None, annotations=None,
               phase: str = "Pending", node: Optional[str] = None, gpus: int = 0) -> dict:
    """The tenant's pod inside the vCluster: no vCluster annotations, the user's own labels."""
    pod = f.pod(name, ns, labels=labels, annotations=annotations, scheduler=scheduler, phase=phase, node=node)
    if gpus:
        pod["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    return pod


def sync_error(ns: str, pod: str, err: str, version: str = "0.27.0") -> dict:
    """The syncer's SyncError event on the virtual pod, as the core/v1 events API serves it at each release:
    "physical cluster" v0.19–v0.20 (namespaced_translator.go:74-78@v0.19.0), "host cluster" v0.21+
    (pkg/patcher/apply.go:59-61@v0.21.0), and from v0.32 an events.k8s.io event (action SyncPod, eventTime, no
    lastTimestamp or count: apply.go:66@v0.32.0)."""
    major, minor = (int(x) for x in version.split(".")[:2])
    where = "physical" if (major, minor) < (0, 21) else "host"
    event = f.event(ns, "Pod", pod, "SyncError", f"Error syncing to {where} cluster: {err}")
    if (major, minor) >= (0, 32):
        for key in ("lastTimestamp", "count"):
            event.pop(key)
        event.update(eventTime="2026-11-20T10:05:00.000000Z", action="SyncPod", reportingComponent="pod-syncer",
                     reportingInstance="vcluster-0")
    return event


def class_limit_warning(ns: str, pod: str, kind: str, name: str) -> dict:
    """v0.26+: the syncer's SyncWarning when a fromHost class selector keeps a pod off the host (events.k8s.io
    from v0.32, as SyncError: pods/syncer.go:580-616@v0.26.0, :627-711@v0.36.1)."""
    return f.event(ns, "Pod", pod, "SyncWarning", f'did not sync pod "{pod}" to host because the {kind} class '
                                                  f'"{name}" in the host does not match the selector under '
                                                  f"'sync.fromHost.{kind}Classes.selector'")


def denial(vc: str, vc_ns: str, pod: str, ns: str, why: str) -> str:
    """KAI's admission webhook denial as the syncer quotes it."""
    from vcdoctor.products.vcluster.names import host_pod_name

    return (f'admission webhook "validating-kai-admission.kai.scheduler" denied the request: attempting to create a '
            f'pod {vc_ns}/{host_pod_name(pod, ns, vc)} with gpu sharing request, {why}')


def overlimit(queue: str = "team-a") -> str:
    """KAI's Unschedulable pod event for a queue over its limit, as copied into the vCluster by its events syncer
    (UnschedulableExplanations.String podgroup_types.go:348@v0.20.1; GetJobOverMaxAllowedMessageForQueue
    pkg/scheduler/api/unschedule_info.go:57@v0.20.1)."""
    return (f"OverLimit: {queue} quota has reached the allowable limit of GPUs. Limit is 4 GPUs, currently 4 GPUs "
            f"allocated and workload requested 1 GPUs\n")


def vcluster_inside(cluster: FakeCluster, *pods: dict, events: List[dict] = (), nodes=None) -> FakeCluster:
    cluster.add(f.namespace("default"), f.namespace("kube-system"))
    for ns in sorted({p["metadata"]["namespace"] for p in pods}):
        cluster.add(f.namespace(ns))
    cluster.add(*(nodes if nodes is not None else [fake_node("gpu-node-1")]))
    cluster.add(f.pod("coredns-5d78c9869d-abcde", "kube-system", labels={"k8s-app": "kube-dns"}, node="gpu-node-1"))
    cluster.add(*pods, *events)
    return cluster


def kubeconfig(contexts: Dict[str, FakeApiServer], current: str, namespace: str = "team-a") -> dict:
    """One kubeconfig with a context per server (as `vcluster connect` merges its context next to the host's)."""
    config: dict = {"apiVersion": "v1", "kind": "Config", "current-context": current, "clusters": [], "users": [],
                    "contexts": []}
    for i, (name, server) in enumerate(contexts.items()):
        one = server.kubeconfig(namespace=namespace, context=name)
        config["clusters"].append(dict(one["clusters"][0], name=f"cluster-{i}"))
        config["users"].append(dict(one["users"][0], name=f"user-{i}"))
        config["contexts"].append({"name": name, "context": dict(one["contexts"][0]["context"], cluster=f"cluster-{i}",
                                                                 user=f"user-{i}")})
    return config
