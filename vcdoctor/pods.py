"""Reading the generic fields of pod objects (raw JSON dicts) that several checks look at."""

# no `from __future__ import annotations` here: it would bind the name `annotations`, a function below
from typing import Iterable, Optional


def name(pod: dict) -> str:
    return str((pod.get("metadata") or {}).get("name") or "")


def namespace(pod: dict) -> str:
    return str((pod.get("metadata") or {}).get("namespace") or "")


def ref(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def labels(pod: dict) -> dict:
    return (pod.get("metadata") or {}).get("labels") or {}


def annotations(pod: dict) -> dict:
    return (pod.get("metadata") or {}).get("annotations") or {}


def scheduler_name(pod: dict) -> str:
    return (pod.get("spec") or {}).get("schedulerName") or "default-scheduler"


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or "Unknown"


def node_name(pod: dict) -> Optional[str]:
    return (pod.get("spec") or {}).get("nodeName") or None


def container_statuses(pod: dict) -> list:
    return (pod.get("status") or {}).get("containerStatuses") or []


def is_ready(pod: dict) -> bool:
    statuses = container_statuses(pod)
    return phase(pod) == "Running" and bool(statuses) and all(s.get("ready") for s in statuses)


def restarts(pod: dict) -> int:
    return sum(int(s.get("restartCount") or 0) for s in container_statuses(pod))


def state_summary(pod: dict) -> str:
    """kubectl-like one-liner: phase, waiting reason and the last termination."""
    parts = [phase(pod)]
    for s in container_statuses(pod):
        waiting = (s.get("state") or {}).get("waiting")
        if waiting:
            parts.append(f"{s.get('name')}: {waiting.get('reason', 'Waiting')}")
        last = (s.get("lastState") or {}).get("terminated")
        if last:
            parts.append(f"last exit {last.get('reason', '?')} (code {last.get('exitCode', '?')})")
    if restarts(pod):
        parts.append(f"{restarts(pod)} restarts")
    return ", ".join(parts)


def container_named(pod: dict, names: Iterable[str]) -> Optional[str]:
    """The container to read logs from: the first whose name is in ``names``, else the only one."""
    containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    for wanted in names:
        if wanted in containers:
            return wanted
    return containers[0] if len(containers) == 1 else None


def image_tag(pod: dict) -> Optional[str]:
    for c in (pod.get("spec") or {}).get("containers") or []:
        image = c.get("image") or ""
        tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
        if tag:
            return tag
    return None


def condition(pod: dict, kind: str) -> Optional[dict]:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None

