"""What each product tells the generic modules about itself (what a snapshot keeps, what redaction leaves in clear,
which kube contexts are its virtual clusters, the types of the run inputs it fills)."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Protocol, Tuple

#: the built-in products' modules that hold a CONTRIBUTION; imported by name, as the registry imports their facts,
#: so that snapshot and redaction depend on no product
PRODUCT_MODULES = ("vcdoctor.products.kai.facts", "vcdoctor.products.vcluster.facts")


@dataclass(frozen=True)
class VirtualPods:
    """How a product names host pods after the virtual pods they stand for (redaction hashes the virtual names and
    derives the host name from the hashed ones, so a check still matches the two)."""

    #: (virtual name, virtual namespace, owner) of a host object, from its labels and annotations; None if none
    identity: Callable[[Mapping, Mapping], Optional[Tuple[str, str, str]]]
    #: the host pod's name for (virtual name, virtual namespace, owner)
    host_name: Callable[[str, str, str], str]
    #: (virtual name, virtual namespace) a host pod name spells for an owner, None if it spells none (a log line
    #: can name a host pod no object shows)
    virtual_of: Callable[[str, str], Optional[Tuple[str, str]]]


class NameHasher(Protocol):
    """What a product's redaction of a Secret value may ask of vcdoctor.redaction.Redactor."""

    def apply(self, text: str) -> str: ...

    def apply_json(self, value: Any) -> Any: ...


@dataclass(frozen=True)
class NamedDocument:
    """A kept Secret value that names namespaces where redaction cannot see them (in its keys): how --redact
    reads it once, learns those names and rewrites it."""

    #: the document in a kept (base64) value; None when it holds none (a placeholder stays as it is)
    decode: Callable[[Any], Any]
    #: the names in its keys: redaction learns them, so they are hashed everywhere
    names: Callable[[Any], Iterable[str]]
    #: the kept value again from the document, every name in it hashed
    redacted: Callable[[Any, NameHasher], str]


@dataclass(frozen=True)
class SecretValue:
    """A Secret data key checks read, and what a snapshot stores instead of its value."""

    key: str
    #: base64 in, base64 out: the value reduced to what checks read
    reduce: Callable[[Any], str]
    #: how --redact finds and hashes the names inside it; None: it holds none and stays as it is
    names: Optional[NamedDocument] = None


@dataclass(frozen=True)
class Contribution:
    product: str
    #: container flags its checks parse: a snapshot keeps them and drops every other argument
    flags: Tuple[str, ...] = ()
    #: which of those are Go bools, which never take the next word as their value
    bool_flags: Tuple[str, ...] = ()
    #: annotations its checks read, by exact key: a snapshot keeps them and drops every other
    annotations: Tuple[str, ...] = ()
    #: namespaces whose pods keep their containers' state messages in a snapshot (a check quotes them)
    message_namespaces: Tuple[str, ...] = ()
    #: Secret data keys its checks read, each with what a snapshot stores instead; every other data key is dropped
    secret_values: Tuple[SecretValue, ...] = ()
    #: names its checks look up literally: redaction leaves them in clear, or the verdicts would change
    literal_names: Tuple[str, ...] = ()
    virtual_pods: Optional[VirtualPods] = None
    #: the host cluster's context a kube context of one of its virtual clusters names (as its CLI writes them),
    #: None for any other context: --all-contexts examines that virtual cluster through its host's run
    host_context: Optional[Callable[[str], Optional[str]]] = None
    #: the type of each run input (engine.facts.INPUTS) it describes: the registry holds checks' annotations to it
    input_types: Mapping[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=None)
def contributions() -> Tuple[Contribution, ...]:
    return tuple(importlib.import_module(name).CONTRIBUTION for name in PRODUCT_MODULES)


def every(field: str) -> FrozenSet[str]:
    """One field of every product's contribution, together."""
    return frozenset(value for c in contributions() for value in getattr(c, field))


def secret_values() -> Dict[str, SecretValue]:
    """Every product's Secret data keys, by key."""
    return {value.key: value for c in contributions() for value in c.secret_values}


def virtual_pods() -> Optional[VirtualPods]:
    """The product that syncs virtual pods to host pods, if one does."""
    return next((c.virtual_pods for c in contributions() if c.virtual_pods is not None), None)


def host_context(context: str) -> Optional[str]:
    """The host cluster's context that ``context`` names, if a product says it is one of its virtual clusters'."""
    return next((host for c in contributions() if c.host_context is not None
                 for host in [c.host_context(context)] if host is not None), None)


def input_types() -> Dict[str, Any]:
    """Every product's run input types, by input name."""
    return {name: kind for c in contributions() for name, kind in c.input_types.items()}
