"""Facts: named questions about the cluster, each declaring every API read it may make; one memo per run."""

from __future__ import annotations

import datetime
import functools
import typing
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Iterable, Mapping, Optional, Tuple, TypeVar, Union, overload

from vcdoctor.gateway import ApiRequest, Gateway
from vcdoctor.gateway.resources import PODS, Resource
from vcdoctor.pods import Pod
from vcdoctor.singleflight import SingleFlight

#: a namespace, name or selector that is only known at run time (a vCluster's namespace, a pod's name)
RUNTIME = "*"
#: the cluster a fact reads: the host cluster (the default), or the virtual cluster a tenant's context points at
HOST, VIRTUAL = "host", "virtual"


class SideUnavailable(Exception):
    """A fact needs a cluster the run has no access to (a host fact in a tenant-only run): the runner turns
    this into a ``skip`` that says how to give that access, never into a verdict drawn from the other side."""

    def __init__(self, side: str, fact: str, hint: str = ""):
        super().__init__(f"fact {fact!r} reads the {side} cluster, which this run cannot reach")
        self.side = side
        self.fact = fact
        self.hint = hint


@dataclass(frozen=True)
class Read:
    """One kind of API request a fact may send."""

    #: get, list, log or access-review
    verb: str
    resource: Optional[Resource] = None
    #: None: all namespaces (or a cluster-scoped resource); RUNTIME: decided at run time; else that namespace
    namespace: Optional[str] = None
    name: Optional[str] = None
    labels: Optional[str] = None
    fields: Optional[str] = None
    metadata_only: bool = False
    #: when the read happens, if not always ("with --pod", "when a vCluster pod owns a Service")
    when: str = ""
    #: the Target attribute that must be set for this read to happen at all ("pod", "helm_release")
    option: Optional[str] = None
    #: the check still gives its verdict without it (less precise): docs/rbac.yaml leaves it commented out
    optional: bool = False

    @property
    def rbac(self) -> Tuple[str, str, str]:
        """(verb, apiGroup, resource[/subresource]) that RBAC must allow."""
        if self.verb == "log":
            return ("get", "", "pods/log")
        if self.verb == "access-review":
            return ("create", "authorization.k8s.io", "subjectaccessreviews")
        assert self.resource is not None
        return (self.verb, self.resource.group, self.resource.plural)

    def matches(self, request: ApiRequest) -> bool:
        if request.verb != self.verb:
            return False
        if self.verb == "access-review":
            return request.user is not None
        if self.verb == "log":
            return _fits(self.namespace, request.namespace) and _fits(self.name, request.name)
        if request.resource != self.resource:
            return False
        namespaced = self.resource is not None and self.resource.namespaced
        return ((not namespaced or _fits(self.namespace, request.namespace))
                and (self.verb != "get" or _fits(self.name, request.name))
                and (self.verb != "list" or (_fits(self.labels, request.label_selector)
                                             and _fits(self.fields, request.field_selector)
                                             and self.metadata_only == bool(request.metadata_only))))

    def describe(self) -> str:
        verb, _, what = self.rbac
        if self.verb == "access-review":
            text = "SubjectAccessReview"
        else:
            shown = what if self.resource is None else self.resource.display
            text = f"{verb} {shown}"
            if self.name:
                text += f" {'<name>' if self.name == RUNTIME else self.name}"
            if self.namespace:
                text += f" in {'<namespace>' if self.namespace == RUNTIME else self.namespace}"
            elif self.resource is not None and self.resource.namespaced:
                text += " (all namespaces)"
            if self.labels:
                text += f" -l {self.labels}"
            if self.fields:
                text += f" --field-selector {'<target>' if self.fields == RUNTIME else self.fields}"
            if self.metadata_only:
                text += " (metadata only)"
        return text + (f" [{self.when}]" if self.when else "")


def _fits(declared: Optional[str], asked: Optional[str]) -> bool:
    return declared == RUNTIME or declared == asked


class UndeclaredRead(Exception):
    """A fact sent a request its declaration does not list: a bug, caught by the tests and reported as one."""


T = TypeVar("T")


@dataclass(frozen=True)
class Fact(Generic[T]):
    """A named answer about the cluster that checks receive as a parameter of the same name, typed as ``compute``
    declares it returns (the registry refuses a check whose parameter is annotated otherwise)."""

    name: str
    doc: str
    compute: Callable[["FactContext"], T]
    reads: Tuple[Read, ...] = ()
    #: other facts ``compute`` may ask for (only these); a fact whose reads depend on what a check asks
    #: returns a function, and its reads happen when the check calls it
    needs: Tuple[str, ...] = ()
    #: facts only the function it returns asks for, when a check calls it: never prefetched
    later: Tuple[str, ...] = ()
    #: which cluster its reads go to (HOST or VIRTUAL)
    side: str = HOST
    #: the kind of run (a product names it) in which this fact replaces the fact of the same name, which it must
    #: return the same type as; "" for the fact every other run uses
    variant: str = ""

    def returns(self) -> Any:
        """The type ``compute`` is annotated to return, resolved (TypeError when it has none or it does not
        resolve): what a check's parameter of this name must be annotated as."""
        try:
            hints = _type_hints(self.compute)
        except Exception as exc:  # a name the annotation uses is not importable where compute is defined
            raise TypeError(f"fact {self.name!r}: the return annotation of its compute does not resolve ({exc})") \
                from None
        if "return" not in hints:
            raise TypeError(f"fact {self.name!r}: its compute has no return annotation")
        return hints["return"]


@functools.lru_cache(maxsize=None)
def _type_hints(compute: Callable[..., Any]) -> Dict[str, Any]:
    # resolved once per function: every check naming a fact asks for its type each time the checks load
    return typing.get_type_hints(compute)


@dataclass(frozen=True)
class SideVariant:
    """A fact that, in one kind of run, reads another cluster than it usually does (the same question, answered
    where that run can see it)."""

    name: str
    side: str
    variant: str


class _MissingSide:
    """Stands in for the gateway of a side the run cannot reach: any read raises SideUnavailable. Lazy, so a fact
    that only combines other facts (no reads) still computes."""

    def __init__(self, side: str, fact: str, hint: str):
        self._error = (side, fact, hint)

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise SideUnavailable(*self._error)
        return refuse


class ScopedApi:
    """The gateway as one fact sees it: only the reads the fact declared."""

    def __init__(self, gateway: Gateway, fact: Fact):
        self._gateway = gateway
        self._fact = fact

    def _allow(self, request: ApiRequest) -> None:
        if not any(read.matches(request) for read in self._fact.reads):
            raise UndeclaredRead(f"fact {self._fact.name!r} sent an undeclared request: {request.describe()}")

    def get(self, resource: Resource, name: str, namespace: Optional[str] = None) -> dict:
        self._allow(ApiRequest("get", resource, namespace if resource.namespaced else None, name))
        return self._gateway.get(resource, name, namespace)

    def list(self, resource: Resource, namespace: Optional[str] = None, labels: Optional[str] = None,
             fields: Optional[str] = None, metadata_only: bool = False) -> Tuple[dict, ...]:
        self._allow(ApiRequest("list", resource, namespace if resource.namespaced else None,
                               label_selector=labels, field_selector=fields, metadata_only=metadata_only or None))
        return self._gateway.list(resource, namespace, labels, fields, metadata_only)

    def pods(self, namespace: Optional[str] = None, labels: Optional[str] = None,
             fields: Optional[str] = None) -> Tuple[Pod, ...]:
        self._allow(ApiRequest("list", PODS, namespace, label_selector=labels, field_selector=fields))
        return self._gateway.pods(namespace, labels, fields)

    def pod(self, name: str, namespace: str) -> Pod:
        self._allow(ApiRequest("get", PODS, namespace, name))
        return self._gateway.pod(name, namespace)

    def list_refs(self, resource: Resource, namespace: Optional[str] = None,
                  labels: Optional[str] = None) -> Tuple[Tuple[str, str], ...]:
        self._allow(ApiRequest("list", resource, namespace if resource.namespaced else None, label_selector=labels,
                               metadata_only=True))
        return self._gateway.list_refs(resource, namespace, labels)

    def log(self, namespace: str, pod: str, container: Optional[str], tail_lines: int, limit_bytes: int) -> bytes:
        self._allow(ApiRequest("log", namespace=namespace, name=pod, container=container))
        return self._gateway.log(namespace, pod, container, tail_lines, limit_bytes)

    def may(self, user: str, verb: str, resource: str, namespace: Optional[str] = None, group: str = "") -> bool:
        """Whether ``user`` may do something (a SubjectAccessReview: the API server decides)."""
        self._allow(ApiRequest("access-review", user=user))
        return self._gateway.can_i(verb, resource, namespace, group, user=user)


class FactContext:
    """What a fact's ``compute`` receives: its scoped API, the facts it declared, the run's inputs."""

    def __init__(self, store: "FactStore", fact: Fact):
        self._store = store
        self._fact = fact
        self.api = ScopedApi(store.gateway_for(fact), fact)

    @property
    def inputs(self) -> Mapping[str, Any]:
        return self._store.inputs

    @overload
    def fact(self, name: str) -> Any: ...
    @overload
    def fact(self, name: Fact[T]) -> T: ...

    def fact(self, name: Union[str, Fact[Any]]) -> Any:
        """Another fact's value, by name or (typed as it returns) by the Fact itself; only one ``needs`` or
        ``later`` names."""
        key = name.name if isinstance(name, Fact) else name
        if key not in self._fact.needs and key not in self._fact.later:
            raise UndeclaredRead(f"fact {self._fact.name!r} asked for fact {key!r} without declaring it")
        return self._store.value(key)


class FactStore:
    """The facts of one run: each computed once, concurrent askers wait for the first (failures included)."""

    def __init__(self, gateway: Gateway, facts: Mapping[str, Fact], inputs: Mapping[str, Any],
                 sides: Optional[Mapping[str, Optional[Gateway]]] = None, missing_hint: str = ""):
        self.gateway = gateway
        #: a gateway per side (HOST, VIRTUAL); None for a side the run cannot reach. Default: ``gateway`` is the host
        self.sides: Mapping[str, Optional[Gateway]] = sides if sides is not None else {HOST: gateway}
        #: how to give the run a side it lacks (shown in the skip)
        self.missing_hint = missing_hint
        self.facts = facts
        #: plain values every fact may read: target, now
        self.inputs = dict(inputs)
        self._memo = SingleFlight()

    @overload
    def value(self, name: str) -> Any: ...
    @overload
    def value(self, name: Fact[T]) -> T: ...

    def value(self, name: Union[str, Fact[Any]]) -> Any:
        """A fact's (or input's) value, by name or, typed as the fact returns, by the Fact itself. Either way the
        run's own fact of that name computes it (a tenant run's variant, say)."""
        key = name.name if isinstance(name, Fact) else name
        if key in self.inputs:
            return self.inputs[key]
        fact = self.facts[key]
        return self._memo.get(key, lambda: fact.compute(FactContext(self, fact)))

    def gateway_for(self, fact: Fact) -> Any:
        gateway = self.sides.get(fact.side)
        return gateway if gateway is not None else _MissingSide(fact.side, fact.name, self.missing_hint)

    def peek(self, name: str) -> Any:
        """A fact's value if it was computed (and did not fail), else None; never computes."""
        return self.inputs.get(name) if name in self.inputs else self._memo.peek(name)

    def argument(self, name: str) -> Any:
        """What a check parameter of this name receives."""
        return self.value(name)


#: names every check and fact may use without a declaration of reads: the run's inputs
#: (target: what was asked; now: the run's start, or the snapshot's collection time; context: the kube
#: context diagnosed, which every fix script names; cluster: what kind of cluster the context is)
INPUTS = ("target", "now", "context", "cluster")


def run_inputs(target: Any, now: datetime.datetime, context: Optional[str] = None,
               cluster: Any = None) -> Dict[str, Any]:
    return {"target": target, "now": now, "context": context, "cluster": cluster}


def closure(names: Iterable[str], facts: Mapping[str, Fact], later: bool = True) -> Tuple[str, ...]:
    """Every fact ``names`` reach through ``needs`` (and ``later``, unless told not to), dependencies first
    (inputs left out)."""
    ordered: Dict[str, None] = {}

    def visit(name: str, trail: Tuple[str, ...]) -> None:
        if name in INPUTS or name in ordered:
            return
        if name in trail:
            raise ValueError(f"facts depend on each other in a circle: {' -> '.join(trail + (name,))}")
        for need in facts[name].needs + (facts[name].later if later else ()):
            visit(need, trail + (name,))
        ordered[name] = None
    for name in names:
        visit(name, ())
    return tuple(ordered)
