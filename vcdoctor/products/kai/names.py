"""The labels, annotations and names KAI reads on a pod."""

from __future__ import annotations

from typing import Iterable, List

from vcdoctor.pods import Pod, labels, scheduler_name
from vcdoctor.pods import annotations as pod_annotations

KAI_SCHEDULER = "kai-scheduler"


QUEUE_LABEL = "kai.scheduler/queue"
LEGACY_QUEUE_LABEL = "runai/queue"


GPU_FRACTION = "gpu-fraction"
GPU_MEMORY = "gpu-memory"


PODGROUP_ANNOTATION = "pod-group-name"


def kai_intent(pod: Pod) -> List[str]:
    """The KAI-only settings on a pod, which another scheduler would silently ignore."""
    found = [f"label {k}={labels(pod)[k]}" for k in (QUEUE_LABEL, LEGACY_QUEUE_LABEL) if k in labels(pod)]
    found += [f"annotation {k}={pod_annotations(pod)[k]}" for k in (GPU_FRACTION, GPU_MEMORY)
              if k in pod_annotations(pod)]
    return found


def wants_gpu_share(pod: Pod) -> bool:
    return GPU_FRACTION in pod_annotations(pod) or GPU_MEMORY in pod_annotations(pod)


GPU_RESOURCE = "nvidia.com/gpu"


def whole_gpus(pod: Pod) -> int:
    """nvidia.com/gpu asked for by the pod's containers (limits win over requests, as for extended resources)."""
    total = 0
    for c in pod.containers:
        limit = c.limit(GPU_RESOURCE)
        value = limit if limit is not None else c.request(GPU_RESOURCE)
        try:
            total += int(value) if value is not None else 0
        except ValueError:
            continue
    return total


def kai_pods_of(pods: Iterable[Pod], scheduler: str = KAI_SCHEDULER) -> List[Pod]:
    """The pods that name KAI's scheduler (``scheduler``: the configured name, Config spec.global.schedulerName)."""
    return [p for p in pods if scheduler_name(p) == scheduler]
