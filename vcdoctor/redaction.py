"""Consistent hashing of namespace and pod names in a snapshot, for customers who may not share them.

Every occurrence (object fields, request keys, log lines, the collected report) maps to the same
token, and a synced pod's host name maps to the translation of its hashed virtual name, so a replay
of the redacted snapshot resolves targets and lines up evidence exactly like the original.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Dict, Iterable, Tuple

from vcdoctor.products.kai.components import NAMESPACE as KAI_NAMESPACE
from vcdoctor.products.kai.facts import RESERVATION_NAMESPACES
from vcdoctor.products.vcluster.names import MANAGED_BY, OBJECT_NAME, OBJECT_NAMESPACE, host_pod_name

#: Names checks look up literally; hashing them would change the verdicts.
KEEP = {KAI_NAMESPACE, *RESERVATION_NAMESPACES, "default", "kube-system"}
_NAME_CHARS = "A-Za-z0-9_.-"
_PODGROUP = re.compile(r"\bpg-([a-z0-9.-]+?)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")


class Redactor:
    def __init__(self, salt: str = None):
        # a per-snapshot random salt: tokens cannot be reversed by hashing common names
        self._salt = salt if salt is not None else secrets.token_hex(16)
        self.mapping: Dict[str, str] = {}

    def token(self, name: str) -> str:
        return "r" + hashlib.sha256((self._salt + name).encode()).hexdigest()[:10]

    def learn_objects(self, objects: Iterable[dict], pods: bool) -> None:
        """Namespaces of every object; names of pods (synced ones through their virtual identity)."""
        triples = []
        for obj in objects:
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if not isinstance(meta, dict):
                continue
            if meta.get("namespace"):
                self._plain(meta["namespace"])
            ann, labels = meta.get("annotations") or {}, meta.get("labels") or {}
            vc = labels.get(MANAGED_BY)
            vname, vns = ann.get(OBJECT_NAME), ann.get(OBJECT_NAMESPACE)
            if vc and vname and vns:
                triples.append((vname, vns, vc))
            elif pods and meta.get("name"):
                self._plain(meta["name"])
        for triple in triples:
            self.learn_virtual_pod(*triple)

    def learn_virtual_pod(self, name: str, namespace: str, vcluster: str) -> None:
        self._plain(name)
        self._plain(namespace)
        self.mapping[host_pod_name(name, namespace, vcluster)] = host_pod_name(
            self.mapping.get(name, name), self.mapping.get(namespace, namespace), vcluster)

    def _plain(self, name: str) -> None:
        if name and name not in KEEP and name not in self.mapping:
            self.mapping[name] = self.token(name)

    def apply(self, text: str) -> str:
        if not self.mapping:
            return text
        names = sorted(self.mapping, key=len, reverse=True)
        pattern = re.compile(rf"(?<![{_NAME_CHARS}])({'|'.join(map(re.escape, names))})(?![A-Za-z0-9_-])")
        text = pattern.sub(lambda m: self.mapping[m.group(1)], text)
        # KAI's PodGroup names embed the top owner's name: pg-<name>-<uid>
        return _PODGROUP.sub(lambda m: f"pg-{self.mapping.get(m.group(1)) or self.token(m.group(1))}-{m.group(2)}",
                             text)

    def apply_json(self, value):
        """Redact every string value; keys stay (a namespace called "status" must not break objects)."""
        if isinstance(value, str):
            return self.apply(value)
        if isinstance(value, list):
            return [self.apply_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.apply_json(v) for k, v in value.items()}
        return value


def objects_in(body) -> Tuple[dict, ...]:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return tuple(body["items"])
    return (body,) if isinstance(body, dict) else ()
