"""What each product tells the generic modules about itself (what a snapshot keeps, what redaction leaves in clear,
which runs and kube contexts are inside its virtual clusters, how it resolves a target, the other tools' archives
and troubleshoot collectors it knows, the types of the run inputs it fills), registered once and validated."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Protocol, Sequence, Tuple

from vcdoctor.chart_schema import ChartSchema
from vcdoctor.engine.facts import Read
from vcdoctor.run_kind import RunKind

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
class ArchiveFormat:
    """Another tool's archive layout: how vcdoctor.archives.reader recognises an archive of it and reads it."""

    #: the format as the report names it ("vcluster-debug-collect")
    name: str
    #: the archive as the error for a file of no known format names it, with what marks it
    described: str
    #: the members worth decompressing, by member name
    wanted: Callable[[str], bool]
    #: the archive's member names say it is this tool's
    looks_like: Callable[[List[str]], bool]
    #: (an archives.store.ArchiveIndex, what the report says about the archive) from the wanted members and the
    #: archive's path; raises archives.store.Unusable. The index is not typed here: the archives package reads the
    #: contributions, so they cannot name its types
    read: Callable[[Dict[str, bytes], str], Tuple[Any, Dict[str, Any]]]


@dataclass(frozen=True)
class RunKinds:
    """How a product that runs virtual clusters tells a run inside one from a host run."""

    #: the kind of the run from its context, the cluster's nodes (None: unreadable), --host-context, and the
    #: virtual cluster and namespace the user named
    classify: Callable[[Optional[str], Optional[Sequence[dict]], Optional[str], Optional[str], Optional[str]], RunKind]
    #: the kind a snapshot's cluster section recorded; None when it recorded none (older snapshots)
    recorded: Callable[[Mapping[str, Any]], Optional[RunKind]]


@dataclass(frozen=True)
class TargetFacts:
    """The facts a product resolves the run's target with: the pipeline computes them before the checks, so that
    a target naming nothing is one usage error (raised as target.UsageError) rather than every check's error."""

    #: its value is a run_kind.ResolvedTarget
    resolved: str
    #: the pods the target examines: none for a label selector is a usage error
    examined_pods: str


#: (fact, one of its reads, the (namespace, name) of the virtual clusters the user named) -> the troubleshoot.sh
#: collectors that gather that read ([]: none need to), or None when the read is not this product's to collect
Collectors = Callable[[str, Read, Sequence[Tuple[str, str]]], Optional[List[Dict[str, Any]]]]


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
    #: at most one product: which runs are inside its virtual clusters
    run_kinds: Optional[RunKinds] = None
    #: at most one product: the facts that resolve --pod, -l and a named virtual cluster
    target_facts: Optional[TargetFacts] = None
    #: at most one product: reads the config schema a user gives (--vcluster-schema); raises
    #: chart_schema.UnusableSchema with a message for the user
    schema_loader: Optional[Callable[[str], ChartSchema]] = None
    #: other tools' archives it knows the layout of: `vcdoctor run --snapshot` replays them
    archive_formats: Tuple[ArchiveFormat, ...] = ()
    #: the troubleshoot.sh collectors of its facts' reads (`collect --troubleshoot-spec`)
    collectors: Optional[Collectors] = None
    #: troubleshoot.sh redactors (entries of a Redactor's spec.redactors) for what those collectors gather and
    #: troubleshoot's default redactors do not know
    redactors: Tuple[Mapping[str, Any], ...] = ()


class ContributionError(Exception):
    """A product's contribution is malformed, or claims what another product already does."""


#: what one product alone may contribute: two answers would leave the generic modules to pick one
SINGLE_OWNER = ("virtual_pods", "run_kinds", "target_facts", "schema_loader")


def validated(found: Sequence[Any]) -> Tuple[Contribution, ...]:
    """``found`` when each is a Contribution and no two claim what one product alone may (ContributionError)."""
    for contribution in found:
        if not isinstance(contribution, Contribution):
            raise ContributionError(f"a product's CONTRIBUTION is a {type(contribution).__name__}, not a Contribution")
    for name in SINGLE_OWNER:
        owners = [c.product for c in found if getattr(c, name) is not None]
        if len(owners) > 1:
            raise ContributionError(f"{name} is contributed by {' and '.join(owners)}: one product alone may")
    formats = [f.name for c in found for f in c.archive_formats]
    if len(set(formats)) != len(formats):
        raise ContributionError(f"an archive format is contributed twice: {', '.join(sorted(formats))}")
    return tuple(found)


@functools.lru_cache(maxsize=None)
def contributions() -> Tuple[Contribution, ...]:
    return validated([importlib.import_module(name).CONTRIBUTION for name in PRODUCT_MODULES])


@functools.lru_cache(maxsize=None)
def every(field: str) -> FrozenSet[str]:
    """One field of every product's contribution, together (asked at use, not at import: a product's own modules
    may import the generic ones that ask)."""
    return frozenset(value for c in contributions() for value in getattr(c, field))


@functools.lru_cache(maxsize=None)
def secret_values() -> Mapping[str, SecretValue]:
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


def run_kinds() -> Optional[RunKinds]:
    """The product whose virtual clusters a run may be inside, if one has them."""
    return next((c.run_kinds for c in contributions() if c.run_kinds is not None), None)


def target_facts() -> Optional[TargetFacts]:
    """The product that resolves a target, if one does."""
    return next((c.target_facts for c in contributions() if c.target_facts is not None), None)


def schema_loader() -> Optional[Callable[[str], ChartSchema]]:
    """The product that reads a user's config schema, if one does."""
    return next((c.schema_loader for c in contributions() if c.schema_loader is not None), None)


def archive_formats() -> Tuple[ArchiveFormat, ...]:
    """Every product's archive formats, in the products' order."""
    return tuple(f for c in contributions() for f in c.archive_formats)


def collectors() -> Tuple[Collectors, ...]:
    """Every product's troubleshoot collectors, in the products' order."""
    return tuple(c.collectors for c in contributions() if c.collectors is not None)


def redactors() -> Tuple[Mapping[str, Any], ...]:
    """Every product's troubleshoot redactors, in the products' order."""
    return tuple(entry for c in contributions() for entry in c.redactors)
