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
    cluster.add(*f.vcluster(VC, VC_NS, set_owner=set_owner), f.helm_release(VC, VC_NS, 1))
    cluster.add(
        f.synced_pod("cpu-only-pod", "team-a", VC, VC_NS, owner=owned_pods),
        f.synced_pod("gpu-pod", "team-a", VC, VC_NS, owner=owned_pods, gpus=1),
        f.synced_pod("gpu-sharing-pod", "team-a", VC, VC_NS, owner=owned_pods, labels={"kai.scheduler/queue": "test"},
                     annotations={"gpu-fraction": "0.5"}),
    )
    cluster.add(*f.kai_install(gpu_sharing=gpu_sharing))
    cluster.add(f.queue("test", "default-parent-queue"), f.node("gpu-node-1", gpus=8), f.node("cpu-node-1"))
    for pod in cluster.objects[("", "pods")]:
        group = (pod["metadata"].get("annotations") or {}).get("pod-group-name")
        if group:
            queue_name = (pod["metadata"].get("labels") or {}).get("kai.scheduler/queue", "default-queue")
            cluster.add(f.podgroup(group, pod["metadata"]["namespace"], queue_name))
    if reservations:
        cluster.add(f.namespace("kai-resource-reservation"), f.reservation_pod("gpu-node-1"))
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper", podgrouper_log)
    return cluster


#: vCluster v0.21+ syncer line for a host refusal (pkg/patcher/apply.go@v0.21.0: "error syncing %s %s to host cluster")
DENIAL = ('2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/gpu-sharing-pod to host cluster: admission '
          'webhook "validating-kai-admission.kai.scheduler" denied the request: attempting to create a pod '
          'vc-ns/gpu-sharing-pod-x-team-a-x-my-vcluster with gpu sharing request, while GPU sharing is disabled')
PANIC_LOG = "\n".join([
    f.console_line("INFO", "Starting EventSource", {"controller": "pod"}),
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1b2c3d4]",
    "goroutine 211 [running]:",
]) + "\n"


def healthy(cluster: FakeCluster) -> FakeCluster:
    """Set up exactly as the guide says: setOwner false, KAI with GPU sharing, the guide's three pods."""
    return guide_cluster(cluster)


def setowner_on(cluster: FakeCluster) -> FakeCluster:
    """setOwner left at its default: pods owned by the vCluster Service, pod-grouper RBAC errors."""
    log = QUIET_LOG + "\n".join([f.owner_fallback_line(VC, f"{p}-x-team-a-x-{VC}")
                                 for p in ("cpu-only-pod", "gpu-pod", "gpu-sharing-pod")]
                                + [f.reconciler_forbidden_line(VC, VC_NS)]) + "\n"
    return guide_cluster(cluster, set_owner=None, owned_pods=True, podgrouper_log=log)


def gpu_sharing_disabled(cluster: FakeCluster) -> FakeCluster:
    """KAI installed without global.gpuSharing: its webhook denies the fractional pod, which never reaches the host."""
    guide_cluster(cluster, gpu_sharing=False, reservations=False)
    pods = cluster.objects[("", "pods")]
    pods[:] = [p for p in pods if not p["metadata"]["name"].startswith("gpu-sharing-pod")]
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", f.console_line("INFO", "Starting syncer") + "\n" + DENIAL + "\n")
    return cluster


def podgrouper_crashloop(cluster: FakeCluster) -> FakeCluster:
    """The pod-grouper crash-loops: new pods get no pod-group-name annotation and stay Pending."""
    cluster.add(*f.vcluster(VC, VC_NS, set_owner=False))
    cluster.add(f.synced_pod("trainer-0", "team-a", VC, VC_NS, phase="Pending", node=None, podgroup=None,
                             labels={"kai.scheduler/queue": "team-a"}))
    cluster.add(*f.kai_install(broken={"pod-grouper": {"ready": False, "waiting": "CrashLoopBackOff", "restarts": 23,
                                                       "last_exit": ("Error", 2)}}))
    cluster.add(f.queue("team-a", "default-parent-queue"), f.node("gpu-node-1", gpus=8))
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper", PANIC_LOG)
    return cluster


SCENARIOS = {
    "healthy": healthy,
    "setowner-on": setowner_on,
    "gpu-sharing-disabled": gpu_sharing_disabled,
    "podgrouper-crashloop": podgrouper_crashloop,
}


def _replace_vcluster(cluster: FakeCluster, **kwargs) -> None:
    """Swap the guide's vCluster (workload, config Secret, control-plane pod) for another configuration."""
    cluster.objects[("apps", "statefulsets")].clear()
    cluster.objects[("", "secrets")].clear()
    pods = cluster.objects[("", "pods")]
    pods[:] = [p for p in pods if p["metadata"]["name"] != f"{VC}-0"]
    for obj in f.vcluster(VC, VC_NS, **kwargs):
        if obj["kind"] in ("StatefulSet", "Secret", "Pod"):
            cluster.add(obj)
    cluster.add(f.helm_release(VC, VC_NS, 2, chart_version=kwargs.get("version", "0.27.0")))


def vcluster_v020_labels(cluster: FakeCluster) -> FakeCluster:
    """vCluster v0.20 rewrites the queue label: KAI queues every pod in default-queue."""
    guide_cluster(cluster)
    _replace_vcluster(cluster, version="0.20.4")
    pods = cluster.objects[("", "pods")]
    pods[:] = [p for p in pods if not p["metadata"]["name"].startswith("gpu-sharing-pod")]
    cluster.add(f.synced_pod("gpu-sharing-pod", "team-a", VC, VC_NS, labels={"kai.scheduler/queue": "test"},
                             annotations={"gpu-fraction": "0.5"}, hashed_labels=True))
    return cluster


def virtual_scheduler(cluster: FakeCluster) -> FakeCluster:
    """The vCluster schedules pods itself: the host KAI scheduler never sees them."""
    guide_cluster(cluster)
    _replace_vcluster(cluster, extra_values={"controlPlane": {"distro": {"k8s": {"enabled": True,
                                                                                 "scheduler": {"enabled": True}}}}})
    return cluster


def setowner_misspelt(cluster: FakeCluster) -> FakeCluster:
    """The user meant to switch setOwner off but wrote experimental.syncSetting: the default (true) applies."""
    setowner_on(cluster)
    _replace_vcluster(cluster, set_owner=None, extra_values={"experimental": {"syncSetting": {"setOwner": False}}})
    return cluster


SCENARIOS.update({"vcluster-v020-labels": vcluster_v020_labels, "virtual-scheduler": virtual_scheduler,
                  "setowner-misspelt": setowner_misspelt})


# -- vCluster release eras and modes (factories in tests/fakeapi/vcluster_releases.py) ------------------------

def _kai_world(cluster: FakeCluster) -> None:
    """KAI with GPU sharing, its queues and nodes, and a PodGroup for every pod that names one."""
    cluster.add(*f.kai_install(), f.queue("test", "default-parent-queue"), f.node("gpu-node-1", gpus=8),
                f.node("cpu-node-1"), f.namespace("kai-resource-reservation"), f.reservation_pod("gpu-node-1"))
    for pod in list(cluster.objects[("", "pods")]):
        group = (pod["metadata"].get("annotations") or {}).get("pod-group-name")
        if group:
            queue_name = (pod["metadata"].get("labels") or {}).get("kai.scheduler/queue", "default-queue")
            cluster.add(f.podgroup(group, pod["metadata"]["namespace"], queue_name))
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper", QUIET_LOG)


def vcluster_v019_legacy(cluster: FakeCluster) -> FakeCluster:
    """vCluster v0.19: syncer flags, setOwner and the virtual scheduler on, labels rewritten, priority stripped."""
    from tests.fakeapi import vcluster_releases as vr

    cluster.add(*vr.legacy(VC, VC_NS, "--enable-scheduler"), f.helm_release(VC, VC_NS, 1, chart_version="0.19.5"))
    cluster.add(f.synced_pod("trainer-0", "team-a", VC, VC_NS, owner=True, hashed_labels=True,
                             labels={"kai.scheduler/queue": "test", "priorityClassName": "train"}))
    _kai_world(cluster)
    return cluster


def vcluster_v022_priority(cluster: FakeCluster) -> FakeCluster:
    """vCluster v0.22 with sync.fromHost.priorityClasses on, which that release does not read for pods."""
    guide_cluster(cluster)
    _replace_vcluster(cluster, version="0.22.6", extra_values={
        "experimental": {"syncSettings": {"setOwner": False}},
        "sync": {"fromHost": {"priorityClasses": {"enabled": True}}}})
    return cluster


def multi_namespace(cluster: FakeCluster) -> FakeCluster:
    """vCluster v0.24 in multi-namespace mode (pods keep their names in vcluster-<hash>-<hash> namespaces, no
    managed-by label), with the virtual scheduler left on."""
    from tests.fakeapi import vcluster_releases as vr

    cluster.add(*vr.multi_namespace_install(VC, VC_NS, [("trainer-0", "ml", {"kai.scheduler/queue": "test"}),
                                                        ("web-0", "web", {})], version="0.24.0",
                                            extra_values={"controlPlane": {"advanced": {
                                                "virtualScheduler": {"enabled": True}}}}),
                f.helm_release(VC, VC_NS, 1, chart_version="0.24.0"))
    _kai_world(cluster)
    return cluster


def vcluster_hand_edited(cluster: FakeCluster) -> FakeCluster:
    """vc-config edited by hand on v0.24: its hash no longer matches the pod template's."""
    import base64

    guide_cluster(cluster)
    _replace_vcluster(cluster, version="0.24.0")
    secret = next(s for s in cluster.objects[("", "secrets")] if s["metadata"]["name"] == f"vc-config-{VC}")
    secret["data"]["config.yaml"] = base64.b64encode(b"experimental:\n  syncSettings:\n    setOwner: false\n").decode()
    return cluster


SCENARIOS.update({"vcluster-v019-legacy": vcluster_v019_legacy, "vcluster-v022-priority": vcluster_v022_priority,
                  "multi-namespace": multi_namespace, "vcluster-hand-edited": vcluster_hand_edited})


def kai_v0_5(cluster: FakeCluster) -> FakeCluster:
    """A healthy pre-operator KAI v0.5.5: scheduler, binder and podgrouper only; the queue label is runai/queue and
    reservation pods live in runai-reservation."""
    from tests.fakeapi import kai_releases as kr

    cluster.add(*f.vcluster(VC, VC_NS, set_owner=False), f.helm_release(VC, VC_NS, 1))
    cluster.add(*kr.install("v0.5.5"), f.queue("test", "default-parent-queue"), f.node("gpu-node-1", gpus=8),
                f.node("cpu-node-1"))
    for name, extra in (("cpu-only-pod", {}), ("gpu-sharing-pod", {"annotations": {"gpu-fraction": "0.5"}})):
        pod = f.synced_pod(name, "team-a", VC, VC_NS, labels={"runai/queue": "test"}, **extra)
        cluster.add(pod, f.podgroup(pod["metadata"]["annotations"]["pod-group-name"], VC_NS, "test"))
    cluster.add(f.namespace("runai-reservation"), kr.reservation_pod("gpu-node-1", "v0.5.5"))
    cluster.set_log("kai-scheduler", "podgrouper-7d9f8c-abcde", "podgrouper", QUIET_LOG + f.no_owner_line() + "\n")
    return cluster


#: what nvidia-container-cli prints when the node has no working driver (the reservation pod's last words)
NVML_ERROR = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
              "nvidia-container-cli: initialization error: nvml error: driver not loaded: unknown")


def reservation_crashloop(cluster: FakeCluster) -> FakeCluster:
    """GPU sharing on, but the reservation pod on the GPU node crash-loops (NVML): the fractional pod never binds."""
    from tests.fakeapi import kai_releases as kr

    guide_cluster(cluster, reservations=False)
    pods = cluster.objects[("", "pods")]
    pods[:] = [p for p in pods if not p["metadata"]["name"].startswith("gpu-sharing-pod")]
    cluster.add(f.synced_pod("gpu-sharing-pod", "team-a", VC, VC_NS, labels={"kai.scheduler/queue": "test"},
                             annotations={"gpu-fraction": "0.5"}, phase="Pending", node=None))
    broken = kr.reservation_pod("gpu-node-1", "v0.10.2", ready=False, waiting="CrashLoopBackOff", restarts=14,
                                last_exit=("StartError", 128))
    broken["status"]["containerStatuses"][0]["lastState"]["terminated"]["message"] = NVML_ERROR
    cluster.add(f.namespace("kai-resource-reservation"), broken)
    return cluster


def kai_queue_missing(cluster: FakeCluster) -> FakeCluster:
    """A pod names a queue nobody created (KAI v0.12, before root leaf queues): the fix applies a Queue."""
    from tests.fakeapi import kai_releases as kr

    cluster.add(*f.vcluster(VC, VC_NS, set_owner=False), f.helm_release(VC, VC_NS, 1))
    cluster.add(*kr.install("v0.12.4"), f.node("gpu-node-1", gpus=8))
    cluster.add(f.synced_pod("trainer-0", "team-a", VC, VC_NS, labels={"kai.scheduler/queue": "research"},
                             phase="Pending", node=None, gpus=1))
    cluster.set_log("kai-scheduler", "pod-grouper-7d9f8c-abcde", "pod-grouper", QUIET_LOG)
    return cluster


SCENARIOS.update({"kai-v0-5": kai_v0_5, "reservation-crashloop": reservation_crashloop,
                  "kai-queue-missing": kai_queue_missing})


def tenant_pod_mistakes(cluster: FakeCluster) -> FakeCluster:
    """The guide's cluster, plus the two mistakes a tenant makes in the pod spec: KAI settings on a pod that
    names the default scheduler, and a gpu-fraction KAI refuses (the webhook is not in the fake server)."""
    cluster.add(f.synced_pod("trainer-1", "team-a", VC, VC_NS, scheduler=None,
                             labels={"kai.scheduler/queue": "test"}),
                f.synced_pod("half", "team-a", VC, VC_NS, annotations={"gpu-fraction": "1.5"}))
    return guide_cluster(cluster)  # after the pods: it adds a PodGroup for every pod that names one


SCENARIOS["tenant-pod-mistakes"] = tenant_pod_mistakes
