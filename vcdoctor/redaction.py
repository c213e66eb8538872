"""Consistent hashing of namespace and pod names in a snapshot (what is hashed: docs/snapshot.md)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

from vcdoctor import contributions

#: Names checks look up literally, besides the products' (contributions "literal_names"): hashing them would change
#: the verdicts.
KEEP = frozenset({"default", "kube-system", "default-scheduler"})
#: Object fields whose values are API syntax, never names: rewriting them would break decoding and checks.
SYNTAX_KEYS = frozenset({"apiVersion", "kind", "schedulerName"})
#: A run of the characters Kubernetes names are made of. A name is replaced only as a whole run, or as the
#: part of a run before a "." (``ns.svc.cluster.local``): "teams" or "a-b" never match "team" or "a".
_RUN = re.compile(r"[A-Za-z0-9_.-]+")
_PODGROUP = re.compile(r"pg-([a-z0-9.-]+?)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_SELECTOR_OPERATOR = re.compile(r"!=|==|=")
#: Where logs name namespaces and pods that may not be in any recorded object (deleted pods, pods outside
#: the collected scope, pods a webhook denied): JSON and logfmt fields, zap's <ns/name>, RBAC errors.
#: Each pattern has bounded repetitions only, so scanning a log is linear.
_DNS = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NAME = r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?"
_LOG_NAMESPACE = re.compile(rf'\bnamespace(?:"?\s{{0,3}}[=:]\s{{0,3}}"|\s")({_DNS})"|\bnamespace=({_DNS})\b',
                            re.IGNORECASE)
_LOG_POD_REF = re.compile(rf'(?:\bpod"?\s{{0,3}}[=:]\s{{0,3}}"|<)({_DNS})/({_NAME})[">]', re.IGNORECASE)
_LOG_POD_OBJECT = re.compile(r'"pod"\s{0,3}:\s{0,3}\{([^{}]{0,1000})\}', re.IGNORECASE)
_FIELD_NAME = re.compile(rf'"name"\s{{0,3}}:\s{{0,3}}"({_NAME})"')
_FIELD_NAMESPACE = re.compile(rf'"namespace"\s{{0,3}}:\s{{0,3}}"({_DNS})"')
#: structured fields that hold a pod's or object's name on its own ("pod": "trainer-0", logfmt pod=trainer-0)
_LOG_BARE_NAME = re.compile(rf'\b(?:pod|name|podgroup|podGroup|object)(?:"?\s{{0,3}}[=:]\s{{0,3}}"|=)({_NAME})\b')
#: any field whose value looks like a namespaced name ("owner": "team-a/trainer-0")
_LOG_ANY_REF = re.compile(rf'"[A-Za-z_]{{1,40}}"\s{{0,3}}:\s{{0,3}}"({_DNS})/({_NAME})"')
#: a namespace inside a DNS name: <service>.<namespace>.svc[.cluster.local], <ip>.<namespace>.pod.cluster.local
_DNS_NAMESPACE = re.compile(rf'\b{_DNS}\.({_DNS})\.(?:svc|pod\.cluster\.local)\b')
#: the DNS labels a namespace is followed by, inside a run
_DNS_SUFFIXES = ("svc", "pod")


class Redactor:
    """Learns the names to hash, then rewrites text in one linear pass with a dict lookup per word.

    There is no pattern built from the learned names: the cost of ``apply`` does not grow with their number.
    """

    def __init__(self, salt: str | None = None, keep: Iterable[str] = ()):
        # a per-snapshot random salt: tokens cannot be reversed by hashing common names
        self._salt = salt if salt is not None else secrets.token_hex(16)
        self._keep = KEEP | contributions.every("literal_names") | frozenset(keep)
        self.mapping: dict[str, str] = {}
        self._longest = 0

    def token(self, name: str) -> str:
        return "r" + hashlib.sha256((self._salt + name).encode()).hexdigest()[:10]

    def learn_objects(self, objects: Iterable[Any], pods: bool) -> None:
        """Namespaces of every object; names of pods (synced ones through their virtual identity)."""
        triples = []
        synced = contributions.virtual_pods()
        for obj in objects:
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if not isinstance(meta, dict):
                continue
            if isinstance(meta.get("namespace"), str):
                self._plain(meta["namespace"])
            ann, labels = meta.get("annotations"), meta.get("labels")
            ann, labels = ann if isinstance(ann, dict) else {}, labels if isinstance(labels, dict) else {}
            identity = synced.identity(labels, ann) if synced is not None else None
            if identity is not None:
                triples.append(identity)
            elif pods and isinstance(meta.get("name"), str):
                self._plain(meta["name"])
        for triple in triples:
            self.learn_virtual_pod(*triple)

    def learn_namespace(self, name: str) -> None:
        self._plain(name)

    def learn_pod(self, name: str) -> None:
        self._plain(name)

    def learn_virtual_pod(self, name: str, namespace: str, vcluster: str) -> None:
        self._plain(name)
        self._plain(namespace)
        synced = contributions.virtual_pods()
        if synced is None:
            return
        host = synced.host_name(name, namespace, vcluster)
        self.mapping[host] = synced.host_name(self.mapping.get(name, name), self.mapping.get(namespace, namespace),
                                              vcluster)
        self._longest = max(self._longest, len(host))

    def learn_from_log(self, text: str) -> None:
        """Namespaces and pods a log names in the usual Kubernetes log shapes (see _LOG_* above)."""
        for match in _LOG_NAMESPACE.finditer(text):
            self._plain(match.group(1) or match.group(2))
        for match in _LOG_POD_REF.finditer(text):
            self._plain(match.group(1))
            self._plain(match.group(2))
        for match in _LOG_POD_OBJECT.finditer(text):
            inner = match.group(1)
            for found in (_FIELD_NAME.search(inner), _FIELD_NAMESPACE.search(inner)):
                if found:
                    self._plain(found.group(1))
        for match in _LOG_BARE_NAME.finditer(text):
            self._plain(match.group(1))
        for match in _LOG_ANY_REF.finditer(text):
            self._plain(match.group(1))
            self._plain(match.group(2))
        for match in _DNS_NAMESPACE.finditer(text):
            self._plain(match.group(1))

    def _plain(self, name: str) -> None:
        if name and name not in self._keep and name not in self.mapping:
            self.mapping[name] = self.token(name)
            self._longest = max(self._longest, len(name))

    # -- rewriting ------------------------------------------------------------------------------------

    def apply(self, text: str) -> str:
        if not self.mapping and "pg-" not in text:
            return text
        return _RUN.sub(self._run, text)

    def _run(self, match: re.Match) -> str:
        run = match.group(0)
        found = self.mapping.get(run)
        if found is not None:
            return found
        if run.startswith("pg-"):
            podgroup = self._podgroup(run.rstrip("."))
            if podgroup is not None:
                return podgroup + run[len(run.rstrip(".")):]
        if "." not in run:
            return run
        # the longest learned name the run starts with, up to a "." (only names as long as a learned one)
        end = run.rfind(".", 0, self._longest + 1)
        while end > 0:
            found = self.mapping.get(run[:end])
            if found is not None:
                return self._dns_namespace(found + run[end:])
            end = run.rfind(".", 0, end)
        return self._dns_namespace(run)

    def _dns_namespace(self, run: str) -> str:
        """A learned namespace as the label before "svc" or "pod" of a DNS name (api.team-a.svc.cluster.local)."""
        labels = run.split(".")
        for i in range(1, len(labels) - 1):
            if labels[i + 1] in _DNS_SUFFIXES and labels[i] in self.mapping:
                labels[i] = self.mapping[labels[i]]
        return ".".join(labels)

    def _podgroup(self, run: str) -> str | None:
        # KAI's PodGroup names embed the top owner's name: pg-<name>-<uid>; the name is hashed even when it
        # was never learned (owner-less pods are their own owner), and to the same token as elsewhere
        match = _PODGROUP.fullmatch(run)
        if match is None:
            return None
        name = match.group(1)
        hashed = self.mapping.get(name) or (name if name in self._keep else self.token(name))
        return f"pg-{hashed}-{match.group(2)}"

    def apply_json(self, value: Any, key: str | None = None) -> Any:
        """Redact every string value; keys stay (a namespace called "status" must not break objects), and so
        do the values of SYNTAX_KEYS."""
        if isinstance(value, str):
            return value if key in SYNTAX_KEYS else self.apply(value)
        if isinstance(value, list):
            return [self.apply_json(v, key) for v in value]
        if isinstance(value, dict):
            return {k: self.apply_json(v, k) for k, v in value.items()}
        return value

    def apply_request(self, request: dict) -> dict:
        """A recorded request with its names hashed and its syntax intact: the verb, resource, label selector
        (code constants and vCluster names), field selector keys, limits and continue tokens stay verbatim, so
        a replay asks exactly this request again."""
        out = dict(request)
        for key in ("namespace", "name", "user"):
            if isinstance(out.get(key), str):
                out[key] = self.apply(out[key])
        if isinstance(out.get("field_selector"), str):
            out["field_selector"] = self.apply_selector(out["field_selector"])
        review = out.get("review")
        if isinstance(review, (list, tuple)) and len(review) == 6:
            out["review"] = [*review[:4], *(self.apply(v) if isinstance(v, str) else v for v in review[4:])]
        return out

    def apply_selector(self, selector: str) -> str:
        """``key=value,key!=value``: only the values are names."""
        terms = []
        for term in selector.split(","):
            operator = _SELECTOR_OPERATOR.search(term)
            if operator is None:
                terms.append(term)
            else:
                terms.append(term[:operator.end()] + self.apply(term[operator.end():]))
        return ",".join(terms)


def objects_in(body: Any) -> tuple[dict, ...]:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return tuple(o for o in body["items"] if isinstance(o, dict))
    return (body,) if isinstance(body, dict) else ()
