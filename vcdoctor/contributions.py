"""What each product tells the generic modules about itself (what a snapshot keeps, what redaction leaves in clear)."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Mapping, Optional, Tuple

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
    #: Secret data keys its checks read, each with what a snapshot stores instead (base64 in, base64 out: the
    #: value reduced to what checks read); every other data key is dropped
    secret_values: Tuple[Tuple[str, Callable[[Any], str]], ...] = ()
    #: names its checks look up literally: redaction leaves them in clear, or the verdicts would change
    literal_names: Tuple[str, ...] = ()
    virtual_pods: Optional[VirtualPods] = None


@functools.lru_cache(maxsize=None)
def contributions() -> Tuple[Contribution, ...]:
    return tuple(importlib.import_module(name).CONTRIBUTION for name in PRODUCT_MODULES)


def every(field: str) -> FrozenSet[str]:
    """One field of every product's contribution, together."""
    return frozenset(value for c in contributions() for value in getattr(c, field))


def secret_values() -> Dict[str, Callable[[Any], str]]:
    """Every product's Secret data keys, each with its reducer."""
    return {key: reduce for c in contributions() for key, reduce in c.secret_values}


def virtual_pods() -> Optional[VirtualPods]:
    """The product that syncs virtual pods to host pods, if one does."""
    return next((c.virtual_pods for c in contributions() if c.virtual_pods is not None), None)
