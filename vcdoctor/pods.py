"""Pod records: the fields of a pod that checks and remedies read, decoded once from the pod's JSON."""

# no `from __future__ import annotations` here: it would bind the name `annotations`, a function below
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional, Tuple

#: resources every pod asks for; the others (extended resources such as GPUs) are kept on the record
_COMMON_RESOURCES = frozenset(("cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "hugepages-1Gi"))


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
    """One of status.conditions."""

    __slots__ = ("type", "status", "reason", "message")
    type: str
    status: Optional[str]
    reason: Optional[str]
    message: Optional[str]


@dataclass(frozen=True)
class OwnerReference:
    """One of metadata.ownerReferences."""

    __slots__ = ("api_version", "kind", "name", "controller")
    api_version: Optional[str]
    kind: Optional[str]
    name: Optional[str]
    controller: Optional[bool]


@dataclass(frozen=True)
class Pod:
    """A pod as checks see it: about 1.0 KB for a benchmark pod where its decoded JSON holds 3.5 KB (50,000 synced
    pods are one list)."""

    __slots__ = ("name", "namespace", "labels", "annotations", "owners", "created", "scheduler", "node",
                 "service_account", "containers", "init_containers", "phase", "message", "conditions", "statuses",
                 "found_for")
    name: str
    namespace: str
    #: metadata.labels (a copy whose values are shared within a list page) and .annotations (the decoded dict)
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
    #: (namespace, name) of the vCluster vcdoctor found the pod for, where the pod itself does not say (vCluster's
    #: multi-namespace mode); set by vcdoctor, never read from the cluster
    found_for: Optional[Tuple[str, str]]


#: read-only stand-ins for a field that is absent or of the wrong shape
_NO_DICT: dict = {}
_NO_QUANTITIES: Tuple[Tuple[str, str], ...] = ()


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else _NO_DICT


def _dicts(value: Any) -> list:
    """The objects of a JSON array; nothing for a field that is not one."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> Optional[str]:
    """A string field, None when absent or empty (as the readers always treated a falsy value); a hostile
    non-string is kept as its text, never trusted as anything else."""
    if not value:
        return None
    return value if isinstance(value, str) else str(value)


def _quantities(resources: Any) -> Tuple[Tuple[str, str], ...]:
    if not isinstance(resources, dict) or not resources:
        return _NO_QUANTITIES
    return tuple([(str(k), str(v)) for k, v in resources.items() if k not in _COMMON_RESOURCES and v is not None])


def _words(container: dict) -> Tuple[str, ...]:
    command, args = container.get("command"), container.get("args")
    if not command and not args:
        return ()
    return tuple([str(w) for part in (command, args) if isinstance(part, list) for w in part])


def _container(raw: dict, shared: Dict[Any, Any]) -> Container:
    resources = raw.get("resources")
    limits, requests = (resources.get("limits"), resources.get("requests")) if isinstance(resources, dict) \
        else (None, None)
    name, image = _text(raw.get("name")), str(raw.get("image") or "")
    key = (Container, shared.setdefault(name, name), shared.setdefault(image, image), _words(raw),
           _quantities(limits), _quantities(requests))
    found = shared.get(key)
    if found is None:  # the pods of one workload have the same containers: one record each (they are frozen)
        found = shared[key] = Container(*key[1:])
    return found


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _status(raw: dict, shared: Dict[Any, Any]) -> ContainerStatus:
    state, last_state = _dict(raw.get("state")), raw.get("lastState")
    waiting = _dict(state.get("waiting"))
    last = _dict(last_state.get("terminated")) if isinstance(last_state, dict) else _NO_DICT
    words = None
    for where in (last, _dict(state.get("terminated")), waiting):
        if where.get("message"):
            words = str(where["message"]).strip()
            break
    name = str(raw.get("name"))
    key = (ContainerStatus, shared.setdefault(name, name), bool(raw.get("ready")), _count(raw.get("restartCount")),
           str(waiting.get("reason", "Waiting")) if waiting else None,
           (str(last.get("reason", "?")), str(last.get("exitCode", "?"))) if last else None, words)
    found = shared.get(key)
    if found is None:  # most containers run, ready, without restarts: one record each per page
        found = shared[key] = ContainerStatus(*key[1:])
    return found


def _condition(raw: dict) -> Condition:
    return Condition(str(raw.get("type")), _text(raw.get("status")), _text(raw.get("reason")),
                     _text(raw.get("message")))


def _owner(raw: dict) -> OwnerReference:
    controller = raw.get("controller")
    return OwnerReference(_text(raw.get("apiVersion")), _text(raw.get("kind")), _text(raw.get("name")),
                          controller if isinstance(controller, bool) else None)


def _shared_values(labels: Any, shared: Dict[Any, Any]) -> dict:
    """Labels with their values shared (a queue, an app, a vCluster name label thousands of pods); annotations
    are mostly one of a kind and stay as decoded."""
    if not isinstance(labels, dict):
        return {}
    return {k: shared.setdefault(v, v) if isinstance(v, str) else v for k, v in labels.items()}


def from_json(obj: Any, shared: Optional[Dict[Any, Any]] = None) -> Pod:
    """The record of a decoded pod object; any field of the wrong shape reads as absent.

    ``shared`` (one per list page) makes the values that repeat from pod to pod one string each: json builds every
    value anew, and namespace, node, phase, image and timestamps are the same on thousands of pods."""
    shared = {} if shared is None else shared
    obj = _dict(obj)
    meta, spec, status = _dict(obj.get("metadata")), _dict(obj.get("spec")), _dict(obj.get("status"))
    labels, annotations = meta.get("labels"), meta.get("annotations")
    namespace = str(meta.get("namespace") or "")
    created, phase = _text(meta.get("creationTimestamp")), _text(status.get("phase"))
    scheduler, node = _text(spec.get("schedulerName")), _text(spec.get("nodeName"))
    account = _text(spec.get("serviceAccountName"))
    return Pod(
        str(meta.get("name") or ""), shared.setdefault(namespace, namespace) or "",
        _shared_values(labels, shared), annotations if isinstance(annotations, dict) else {},
        tuple([_owner(o) for o in _dicts(meta.get("ownerReferences"))]),
        shared.setdefault(created, created), shared.setdefault(scheduler, scheduler), shared.setdefault(node, node),
        shared.setdefault(account, account),
        tuple([_container(c, shared) for c in _dicts(spec.get("containers"))]),
        tuple([_container(c, shared) for c in _dicts(spec.get("initContainers"))]),
        shared.setdefault(phase, phase), _text(status.get("message")),
        tuple([_condition(c) for c in _dicts(status.get("conditions"))]),
        tuple([_status(s, shared) for s in _dicts(status.get("containerStatuses"))]),
        None,
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
