"""Pod records: the fields of a pod that checks and remedies read, decoded once from the pod's JSON."""

# no `from __future__ import annotations` here: it would bind the name `annotations`, a function below
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Tuple

#: resources every pod asks for; the others (extended resources such as GPUs) are kept on the record
_COMMON_RESOURCES = frozenset(("cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "hugepages-1Gi"))
_NO_QUANTITIES: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Container:
    """One container of a pod spec: what identifies it, its flags and its extended resources."""

    __slots__ = ("name", "image", "words", "limits", "requests")
    name: Optional[str]
    image: str
    #: command then args: where components' flags are read
    words: Tuple[str, ...]
    #: (resource, quantity) of the extended resources (cpu, memory and the like are not kept)
    limits: Tuple[Tuple[str, str], ...]
    requests: Tuple[Tuple[str, str], ...]

    def limit(self, resource: str) -> Optional[str]:
        return next((q for r, q in self.limits if r == resource), None)

    def request(self, resource: str) -> Optional[str]:
        return next((q for r, q in self.requests if r == resource), None)


@dataclass(frozen=True)
class ContainerStatus:
    """One container's status, summarised as kubectl shows it."""

    __slots__ = ("name", "ready", "restarts", "waiting", "last_exit", "last_words")
    name: str
    ready: bool
    restarts: int
    #: why it waits (state.waiting), None when it does not
    waiting: Optional[str]
    #: (reason, exit code) of its last termination (lastState.terminated), None without one
    last_exit: Optional[Tuple[str, str]]
    #: the first message of lastState.terminated, state.terminated, state.waiting: the container's own last words
    last_words: Optional[str]


@dataclass(frozen=True)
class Condition:
    __slots__ = ("type", "status", "reason", "message")
    type: str
    status: Optional[str]
    reason: Optional[str]
    message: Optional[str]


@dataclass(frozen=True)
class OwnerReference:
    __slots__ = ("api_version", "kind", "name", "controller")
    api_version: Optional[str]
    kind: Optional[str]
    name: Optional[str]
    controller: Optional[bool]


@dataclass(frozen=True)
class Pod:
    """A pod as checks see it: a few hundred bytes instead of the 3.5 KB its decoded JSON holds (50,000 synced pods
    are one list)."""

    __slots__ = ("name", "namespace", "labels", "annotations", "owners", "created", "scheduler", "node",
                 "service_account", "containers", "init_containers", "phase", "message", "conditions", "statuses")
    name: str
    namespace: str
    #: metadata.labels and .annotations as the server sent them (the decoded dicts, not copies)
    labels: dict
    annotations: dict
    owners: Tuple[OwnerReference, ...]
    #: metadata.creationTimestamp
    created: Optional[str]
    #: spec.schedulerName, None when unset
    scheduler: Optional[str]
    node: Optional[str]
    service_account: Optional[str]
    containers: Tuple[Container, ...]
    init_containers: Tuple[Container, ...]
    #: status.phase, None when unset
    phase: Optional[str]
    message: Optional[str]
    conditions: Tuple[Condition, ...]
    statuses: Tuple[ContainerStatus, ...]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> Optional[str]:
    """A string field, None when absent or empty (as the readers always treated a falsy value); a hostile
    non-string is kept as its text, never trusted as anything else."""
    if not value:
        return None
    return value if isinstance(value, str) else str(value)


def _quantities(resources: Any) -> Tuple[Tuple[str, str], ...]:
    found = tuple((str(k), str(v)) for k, v in _dict(resources).items() if k not in _COMMON_RESOURCES and v is not None)
    return found or _NO_QUANTITIES


def _container(raw: dict) -> Container:
    resources = _dict(raw.get("resources"))
    words = tuple(str(w) for w in _list(raw.get("command")) + _list(raw.get("args")))
    return Container(_text(raw.get("name")), str(raw.get("image") or ""), words,
                     _quantities(resources.get("limits")), _quantities(resources.get("requests")))


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _status(raw: dict) -> ContainerStatus:
    state, last_state = _dict(raw.get("state")), _dict(raw.get("lastState"))
    waiting, last = _dict(state.get("waiting")), _dict(last_state.get("terminated"))
    words = next((str(where["message"]).strip() for where in (last, _dict(state.get("terminated")), waiting)
                  if where.get("message")), None)
    return ContainerStatus(str(raw.get("name")), bool(raw.get("ready")), _count(raw.get("restartCount")),
                           str(waiting.get("reason", "Waiting")) if waiting else None,
                           (str(last.get("reason", "?")), str(last.get("exitCode", "?"))) if last else None,
                           words)


def _condition(raw: dict) -> Condition:
    return Condition(str(raw.get("type")), _text(raw.get("status")), _text(raw.get("reason")),
                     _text(raw.get("message")))


def _owner(raw: dict) -> OwnerReference:
    controller = raw.get("controller")
    return OwnerReference(_text(raw.get("apiVersion")), _text(raw.get("kind")), _text(raw.get("name")),
                          controller if isinstance(controller, bool) else None)


def from_json(obj: Any) -> Pod:
    """The record of a decoded pod object; any field of the wrong shape reads as absent."""
    obj = _dict(obj)
    meta, spec, status = _dict(obj.get("metadata")), _dict(obj.get("spec")), _dict(obj.get("status"))
    return Pod(
        name=str(meta.get("name") or ""), namespace=str(meta.get("namespace") or ""),
        labels=_dict(meta.get("labels")), annotations=_dict(meta.get("annotations")),
        owners=tuple(_owner(o) for o in _list(meta.get("ownerReferences")) if isinstance(o, dict)),
        created=_text(meta.get("creationTimestamp")),
        scheduler=_text(spec.get("schedulerName")), node=_text(spec.get("nodeName")),
        service_account=_text(spec.get("serviceAccountName")),
        containers=tuple(_container(c) for c in _list(spec.get("containers")) if isinstance(c, dict)),
        init_containers=tuple(_container(c) for c in _list(spec.get("initContainers")) if isinstance(c, dict)),
        phase=_text(status.get("phase")), message=_text(status.get("message")),
        conditions=tuple(_condition(c) for c in _list(status.get("conditions")) if isinstance(c, dict)),
        statuses=tuple(_status(s) for s in _list(status.get("containerStatuses")) if isinstance(s, dict)),
    )


def name(pod: Pod) -> str:
    return pod.name


def namespace(pod: Pod) -> str:
    return pod.namespace


def ref(pod: Pod) -> str:
    return f"{pod.namespace}/{pod.name}"


def labels(pod: Pod) -> dict:
    return pod.labels


def annotations(pod: Pod) -> dict:
    return pod.annotations


def scheduler_name(pod: Pod) -> str:
    return pod.scheduler or "default-scheduler"


def phase(pod: Pod) -> str:
    return pod.phase or "Unknown"


def node_name(pod: Pod) -> Optional[str]:
    return pod.node


def container_statuses(pod: Pod) -> Tuple[ContainerStatus, ...]:
    return pod.statuses


def is_ready(pod: Pod) -> bool:
    return phase(pod) == "Running" and bool(pod.statuses) and all(s.ready for s in pod.statuses)


def restarts(pod: Pod) -> int:
    return sum(s.restarts for s in pod.statuses)


def state_summary(pod: Pod) -> str:
    """kubectl-like one-liner: phase, waiting reason and the last termination."""
    parts = [phase(pod)]
    for s in pod.statuses:
        if s.waiting is not None:
            parts.append(f"{s.name}: {s.waiting}")
        if s.last_exit is not None:
            parts.append(f"last exit {s.last_exit[0]} (code {s.last_exit[1]})")
    if restarts(pod):
        parts.append(f"{restarts(pod)} restarts")
    return ", ".join(parts)


def container_named(pod: Pod, names: Iterable[str]) -> Optional[str]:
    """The container to read logs from: the first whose name is in ``names``, else the only one."""
    containers = [c.name for c in pod.containers]
    for wanted in names:
        if wanted in containers:
            return wanted
    return containers[0] if len(containers) == 1 else None


def image_tag(pod: Pod) -> Optional[str]:
    for c in pod.containers:
        tag = c.image.rpartition(":")[2] if ":" in c.image.rpartition("/")[2] else ""
        if tag:
            return tag
    return None


def condition(pod: Pod, kind: str) -> Optional[Condition]:
    return next((cond for cond in pod.conditions if cond.type == kind), None)
