"""What an archive holds, indexed as the API would serve it, and the transport that answers the gateway from it.

Every request the checks send is answered from the index or refused with NotInArchive, which names what the archive
lacks and how to collect it: nothing is guessed, and no check has a code path of its own for an archive."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

from vcdoctor import label_selector
from vcdoctor.gateway.errors import NotInArchive
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import Resource

#: objects one archive may hold in all (a 150k-pod cluster's pods, events and workloads fit)
MAX_OBJECTS = 500_000


class Unusable(Exception):
    """The archive holds more objects than MAX_OBJECTS, or one that is not shaped as the API serves objects."""


#: parts of an object the API always serves as mappings; checks rely on it as they do live
MAPPINGS = (("metadata",), ("spec",), ("status",), ("metadata", "labels"), ("metadata", "annotations"))


def _unshaped(resource: Resource, obj: dict) -> str:
    """Why ``obj`` is not an object the API could have served (empty when it is)."""
    for path in MAPPINGS:
        node: object = obj
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            return f"a {resource.plural} object whose {'.'.join(path)} is not a mapping"
    name = (obj.get("metadata") or {}).get("name")
    return "" if isinstance(name, str) and name else f"a {resource.plural} object without metadata.name"


@dataclass
class Coverage:
    """Which part of one resource kind the archive holds."""

    #: how to collect what is missing (the exact collector or flag)
    how: str
    #: the namespaces it holds; None: every namespace (or a cluster-scoped kind)
    namespaces: Optional[FrozenSet[str]] = None
    #: objects absent from a covered namespace do not exist (False: the archive holds only some, by name)
    complete: bool = True
    #: every namespace of the cluster, when the archive knows them all: a namespace not among them does not exist,
    #: and a list there is empty, as the API answers
    existing: Optional[FrozenSet[str]] = None
    #: why a namespace is not held, when the collecting tool said so (its errors file)
    errors: Dict[str, str] = field(default_factory=dict)


@dataclass
class ArchiveIndex:
    """Objects by (group, plural), pod logs by (namespace, pod, container), and what each kind covers."""

    objects: Dict[Tuple[str, str], List[dict]] = field(default_factory=dict)
    coverage: Dict[Tuple[str, str], Coverage] = field(default_factory=dict)
    #: resource kinds whose CRD the archive shows absent: the API would answer 404
    not_served: FrozenSet[Tuple[str, str]] = frozenset()
    logs: Dict[Tuple[str, str, str], bytes] = field(default_factory=dict)
    #: how to collect a pod log the archive lacks
    log_how: str = ""
    #: GET /version as the collecting tool recorded it
    version: Optional[dict] = None
    #: how to collect anything not listed in coverage, and, by (group, plural), kinds that have their own way
    default_how: str = ""
    missing_how: Dict[Tuple[str, str], str] = field(default_factory=dict)
    count: int = 0

    def add(self, resource: Resource, obj: object) -> None:
        """Index one object (raises Unusable)."""
        if not isinstance(obj, dict):
            raise Unusable(f"it holds a {resource.plural} item that is no object")
        why = _unshaped(resource, obj)
        if why:
            raise Unusable(f"it holds {why}")
        self.count += 1
        if self.count > MAX_OBJECTS:
            raise Unusable(f"it holds more than {MAX_OBJECTS} objects")
        self.objects.setdefault(_key(resource), []).append(obj)


def _key(resource: Resource) -> Tuple[str, str]:
    return (resource.group, resource.plural)


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _field(obj: dict, path: str) -> str:
    node: object = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def _fields_match(obj: dict, selector: Optional[str]) -> bool:
    """A field selector as the API server applies it: comma-joined key=value, key==value, key!=value."""
    for term in (selector or "").split(","):
        if not term:
            continue
        key, op, value = term.partition("!=") if "!=" in term else term.partition("=")
        value = value[1:] if value.startswith("=") else value
        equal = _field(obj, key.strip()) == value.strip()
        if equal != (op == "="):
            return False
    return True


def _status(code: int, message: str) -> RawResponse:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code}
    return RawResponse(code, json.dumps(body).encode())


class ArchiveTransport:
    """Answers the gateway from an ArchiveIndex, as a live API server or a snapshot would."""

    def __init__(self, index: ArchiveIndex, what: str):
        self._index = index
        #: how the archive is called in messages ("this vcluster debug collect archive")
        self._what = what

    def send(self, request: ApiRequest) -> RawResponse:
        if request.verb == "version":
            if self._index.version is None:
                raise NotInArchive(request, "the cluster's version", self._index.default_how)
            return RawResponse(200, b"", decoded=dict(self._index.version))
        if request.verb == "log":
            return self._log(request)
        if request.verb == "access-review" or request.resource is None:
            raise NotInArchive(request, "answers to access reviews (no archive can hold them)",
                               "run vcdoctor against the cluster for this check")
        return self._read(request, request.resource)

    def _read(self, request: ApiRequest, resource: Resource) -> RawResponse:
        key = _key(resource)
        if key in self._index.not_served:
            return _status(404, f"the server could not find the requested resource ({resource.display} is not "
                                f"installed, as {self._what} shows)")
        coverage = self._index.coverage.get(key)
        if coverage is None:
            how = self._index.missing_how.get(key, self._index.default_how)
            where = f" in namespace {request.namespace}" if resource.namespaced and request.namespace else ""
            raise NotInArchive(request, resource.display + (f" {request.name!r}" if request.name else "") + where, how)
        namespace = request.namespace if resource.namespaced else None
        absent_ns = namespace is not None and coverage.existing is not None and namespace not in coverage.existing
        if namespace is not None and coverage.namespaces is not None and namespace not in coverage.namespaces \
                and not absent_ns:
            why = coverage.errors.get(namespace)
            raise NotInArchive(request, f"{resource.display} in namespace {namespace}"
                                        + (f" (the collector failed: {why[:200]})" if why else ""), coverage.how)
        objects = [] if absent_ns else self._index.objects.get(key, [])
        if namespace is not None:
            objects = [o for o in objects if _meta(o).get("namespace") == namespace]
        if request.verb == "get":
            for obj in objects:
                if _meta(obj).get("name") == request.name:
                    return RawResponse(200, b"", decoded=obj)
            if not coverage.complete:
                raise NotInArchive(request, f"{resource.display} {request.name!r}"
                                            + (f" in namespace {namespace}" if namespace else ""), coverage.how)
            return _status(404, f'{resource.plural} "{request.name}" not found')
        selector = label_selector.parse(request.label_selector) if request.label_selector else None
        items = [o for o in objects
                 if (selector is None or selector.matches(_labels(o))) and _fields_match(o, request.field_selector)]
        return RawResponse(200, b"", decoded={"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items})

    def _log(self, request: ApiRequest) -> RawResponse:
        namespace, pod = request.namespace or "", request.name or ""
        logs = self._index.logs
        data = logs.get((namespace, pod, request.container or ""))
        if data is None and request.container is None:
            held = [v for (ns, name, _), v in logs.items() if (ns, name) == (namespace, pod)]
            data = held[0] if len(held) == 1 else None
        if data is None:
            container = f" container {request.container}" if request.container else ""
            raise NotInArchive(request, f"the log of pod {namespace}/{pod}{container}", self._index.log_how)
        return RawResponse(200, tail(data, request.tail_lines, request.limit_bytes))


def _labels(obj: dict) -> Dict[str, str]:
    labels = _meta(obj).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def tail(data: bytes, lines: Optional[int], limit_bytes: Optional[int]) -> bytes:
    """What the API server sends for tailLines and limitBytes: the last lines, then at most that many bytes."""
    if lines is not None:
        kept = data.splitlines(keepends=True)
        data = b"".join(kept[-lines:]) if lines else b""
    return data[:limit_bytes] if limit_bytes is not None else data
