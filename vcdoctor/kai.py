"""KAI scheduler knowledge: component names across releases and the GPU-sharing switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.gateway import GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.model import Evidence, Status, Verdict
from vcdoctor.podgrouper_log import LogScan, scan
from vcdoctor.view import ClusterView

#: component -> every ``app`` label value it has had (operator era first, then pre-operator).
COMPONENT_APPS: Dict[str, Tuple[str, ...]] = {
    "operator": ("kai-operator",),
    "scheduler": ("scheduler",),  # plus any kai-scheduler-<shard>, see component_of
    "binder": ("binder",),
    "pod-grouper": ("pod-grouper", "podgrouper"),
    "podgroup-controller": ("podgroup-controller",),
    "queue-controller": ("queue-controller", "queuecontroller"),
    "admission": ("admission", "kai-admission"),
}
#: Components each layout must run. Pre-operator releases (<= v0.8) served webhooks from the binder.
REQUIRED = {
    "operator": ("operator", "scheduler", "binder", "pod-grouper", "podgroup-controller",
                 "queue-controller", "admission"),
    "pre-operator": ("scheduler", "binder", "pod-grouper", "podgroup-controller", "queue-controller"),
}
POD_GROUPER_CONTAINERS = ("pod-grouper", "podgrouper")
CONFIG_NAME = "kai-config"

ENABLE_GPU_SHARING = """GPU sharing is a KAI install-time setting. Keep your other values and turn it on:
  helm get values kai-scheduler -n kai-scheduler -o yaml > kai-values.yaml
  helm upgrade kai-scheduler oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler -n kai-scheduler \\
    --values kai-values.yaml --set "global.gpuSharing=true"
Check it took effect (KAI v0.9+): kubectl get configs.kai.scheduler kai-config -o jsonpath='{.spec.admission.gpuSharing}'
Then recreate the fractional pods inside the vCluster."""

VALID_GPU_SHARE_VALUES = """Fix the annotation on the pod inside the vCluster and recreate it; KAI accepts:
  gpu-fraction: "0.5"    # a number with 0 < x < 1
  gpu-memory: "2000"     # a positive integer of MiB (never together with gpu-fraction)"""

#: KAI admission-webhook texts that explain why a fractional pod never reached the host
SHARING_DENIALS = ("while GPU sharing is disabled", "gpu-fraction annotation value", "gpu-memory annotation value",
                   "cannot request both GPU and GPU memory")


def component_of(pod: dict) -> Optional[str]:
    app = podinfo.labels(pod).get("app") or ""
    if app.startswith("kai-scheduler-"):
        return "scheduler"
    for component, apps in COMPONENT_APPS.items():
        if app in apps:
            return component
    return None


def layout(kai_pods) -> str:
    """'operator' (v0.9+) when the operator or an operator-only name is present."""
    apps = {podinfo.labels(p).get("app") or "" for p in kai_pods}
    operator_names = {"kai-operator", "pod-grouper", "queue-controller", "admission"}
    if apps & operator_names or any(a.startswith("kai-scheduler-") for a in apps):
        return "operator"
    return "pre-operator"


def pod_grouper_pods(view: ClusterView) -> List[dict]:
    return [p for p in view.kai_pods() if component_of(p) == "pod-grouper"]


@dataclass(frozen=True)
class SharingState:
    #: True / False, or None when nothing told us
    enabled: Optional[bool]
    source: str


def gpu_sharing(view: ClusterView) -> SharingState:
    """Read the switch from the Config CR (v0.9+) or a --gpu-sharing-enabled component flag."""
    try:
        config = view.get(r.KAI_CONFIGS, CONFIG_NAME)
    except NotFound:
        config = None
    if config is not None:
        value = ((config.get("spec") or {}).get("admission") or {}).get("gpuSharing")
        source = f"Config {CONFIG_NAME} spec.admission.gpuSharing"
        if value is None:
            return SharingState(False, source + " (unset: KAI defaults to false)")
        if isinstance(value, bool):
            return SharingState(value, source)
        return SharingState(None, f"{source} has non-boolean value {value!r}")
    for pod in view.kai_pods():
        if component_of(pod) not in ("binder", "admission"):
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            for arg in (container.get("args") or []) + (container.get("command") or []):
                if str(arg).startswith("--gpu-sharing-enabled="):
                    value = str(arg).split("=", 1)[1].lower()
                    return SharingState(value == "true", f"{podinfo.ref(pod)} arg {arg}")
    return SharingState(None, f"no Config {CONFIG_NAME} and no --gpu-sharing-enabled flag on binder/admission")


@dataclass
class PodGrouperLogs:
    pods: List[dict]
    scan: LogScan
    read: List[str]
    #: (pod ref, GatewayError) for each log that could not be read
    failures: List[tuple]


def pod_grouper_logs(view: ClusterView) -> PodGrouperLogs:
    """Scan the bounded log tail of every pod-grouper pod once per run."""
    return view.memo("pod-grouper-logs", lambda: _read_pod_grouper_logs(view))


def _read_pod_grouper_logs(view: ClusterView) -> PodGrouperLogs:
    grouper = pod_grouper_pods(view)
    total, read, failures = LogScan(), [], []
    for pod in grouper:
        if podinfo.phase(pod) == "Pending":
            continue
        container = podinfo.container_named(pod, POD_GROUPER_CONTAINERS)
        try:
            data = view.log_tail(pod["metadata"]["namespace"], pod["metadata"]["name"], container)
        except GatewayError as exc:
            failures.append((podinfo.ref(pod), exc))
            continue
        total.merge(scan(data))
        read.append(podinfo.ref(pod))
    return PodGrouperLogs(grouper, total, read, failures)


DEFAULT_QUEUE = "default-queue"

#: the verdict of every check that examines kai-scheduler pods when there are none
NO_KAI_PODS = Verdict(Status.SKIP, "no kai-scheduler pod to examine",
                      (Evidence("examined pods", "none with schedulerName kai-scheduler"),))


@dataclass(frozen=True)
class QueueTree:
    names: Tuple[str, ...]
    #: queues that are another queue's parent: pods there are never scheduled
    parents: Tuple[str, ...]

    @property
    def leaves(self) -> Tuple[str, ...]:
        return tuple(n for n in self.names if n not in self.parents)


def queue_tree(view: ClusterView) -> QueueTree:
    queues = view.list(r.QUEUES)
    names = tuple(sorted(q["metadata"]["name"] for q in queues))
    parents = tuple(sorted({(q.get("spec") or {}).get("parentQueue") for q in queues} - {None, ""}))
    return QueueTree(names, parents)


def pod_queue(pod: dict) -> Tuple[str, bool]:
    """(queue, named only by the legacy Run:ai label): the KAI label, runai/queue, or KAI's default."""
    labels = podinfo.labels(pod)
    if labels.get(podinfo.QUEUE_LABEL):
        return labels[podinfo.QUEUE_LABEL], False
    if labels.get(podinfo.LEGACY_QUEUE_LABEL):
        return labels[podinfo.LEGACY_QUEUE_LABEL], True
    return DEFAULT_QUEUE, False


def podgroup_refs(view: ClusterView) -> set:
    """(namespace, name) of every PodGroup: a metadata-only list, there can be one per workload."""
    return {(g["metadata"].get("namespace"), g["metadata"]["name"])
            for g in view.list(r.PODGROUPS, metadata_only=True)}
