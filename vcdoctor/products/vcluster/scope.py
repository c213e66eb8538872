"""The host objects a target resolves to in vCluster terms (the scope): its vClusters and their synced pods."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from vcdoctor import label_selector
from vcdoctor import pods as podinfo
from vcdoctor.engine.facts import RUNTIME, Fact, FactContext, Read, ScopedApi
from vcdoctor.gateway import Forbidden, GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.pods import Pod
from vcdoctor.products.vcluster import compat, syncer_log
from vcdoctor.products.vcluster import names as vcnames
from vcdoctor.products.vcluster.discovery import VCluster, owner_key, select
from vcdoctor.products.vcluster.facts import SYNCER_LOG_READ, syncer_log_refusals
from vcdoctor.target import Target, UsageError


@dataclass(frozen=True)
class Scope:
    """The resolved target: the vClusters and, with --pod, the host pods examined."""

    target: Target = field(default_factory=Target)
    found_vclusters: Tuple[VCluster, ...] = ()
    #: the examined host pods when --pod was given; None means "every synced pod"
    host_pods: Optional[Tuple[Pod, ...]] = None
    notes: Tuple[str, ...] = ()
    #: why vCluster discovery failed; checks that need vClusters then report it, never "none found"
    discovery_error: Optional[GatewayError] = None
    #: syncer log refusals explaining why the --pod target never reached the host (then host_pods is empty)
    sync_errors: Tuple[syncer_log.Refusal, ...] = ()

    @property
    def vclusters(self) -> Tuple[VCluster, ...]:
        if self.discovery_error is not None:
            raise self.discovery_error
        return self.found_vclusters

    def only_virtual_cluster(self) -> Optional[Tuple[str, str]]:
        """(name, namespace) of the one vCluster found (a renamed vCluster context is named by it)."""
        return (self.found_vclusters[0].name, self.found_vclusters[0].namespace) if len(self.found_vclusters) == 1 \
            else None

    def empty_selection(self) -> str:
        """-l that matches no pod is a usage error, as kubectl says "No resources found"."""
        where = f" in namespace {self.target.namespace}" if self.target.namespace else ""
        among = ", ".join(f"vCluster {vc.ref}" for vc in self.found_vclusters) or "no vCluster found"
        return f"no pod{where} matches -l {self.target.selector}; looked at the pods of {among}"

    def to_dict(self) -> dict:
        out = self.target.to_dict()
        if self.sync_errors:
            out["sync_errors"] = [refusal.reason for refusal in self.sync_errors]
        out["vclusters"] = [v.ref for v in self.found_vclusters]
        out["host_pods"] = None if self.host_pods is None else [podinfo.ref(p) for p in self.host_pods]
        out["notes"] = list(self.notes)
        return out


def _resolve(ctx: FactContext) -> Scope:
    """Find the vClusters and pod asked for.

    Raises UsageError when they do not exist, and GatewayError when --pod/--vcluster cannot be
    resolved for lack of access."""
    target: Target = ctx.inputs["target"]
    try:
        found = ctx.fact("vclusters_found")
    except GatewayError as exc:
        if target.pod or target.names_vcluster:
            raise
        return Scope(target, discovery_error=exc, notes=(f"vCluster discovery failed: {exc.describe()}",))
    chosen = select(list(found), target.vcluster, target.vcluster_namespace)
    if target.names_vcluster and not chosen:
        known = ", ".join(v.ref for v in found) or "none"
        asked = target.vcluster or "*"
        if target.vcluster_namespace:
            asked = f"{target.vcluster_namespace}/{asked}"
        raise UsageError(f"no vCluster {asked} in the host cluster; vClusters found: {known}")
    if not target.pod:
        return Scope(target, tuple(chosen))
    try:
        pods, notes = _find_pod(ctx, target, chosen)
    except UsageError:
        refused = syncer_log.newest_distinct(syncer_log_refusals(ctx, chosen, target.namespace or "", target.pod))
        if not refused:
            raise
        return Scope(target, tuple(chosen), (), (f"virtual pod {target.namespace}/{target.pod} was never created on "
                                                 f"the host; the vCluster syncer logged why",), sync_errors=refused)
    return Scope(target, tuple(chosen), tuple(pods), tuple(notes))


def _find_pod(ctx: FactContext, target: Target, chosen: List[VCluster]) -> Tuple[List[Pod], List[str]]:
    ns, name = target.namespace or "", target.pod or ""
    searched: List[str] = []
    denied: List[str] = []
    if not target.names_vcluster:
        searched.append(f"host pod {ns}/{name}")
        try:
            return [ctx.api.pod(name, ns)], [f"{ns}/{name} is a host pod"]
        except NotFound:
            pass
        except Forbidden as exc:
            denied.append(exc.reason)
    pods: List[Pod] = []
    for vc in chosen:
        host_name = vcnames.host_pod_name(name, ns, vc.name)
        searched.append(f"virtual pod {ns}/{name} in vCluster {vc.ref} (host name {vc.namespace}/{host_name}"
                        + (f" or, in multi-namespace mode, {_multi_namespace_ref(vc, ns, name)}"
                           if open_multi_namespace(vc) else "") + ")")
        pod = _translated(ctx, vc, ns, name, denied)
        if pod is not None:
            pods.append(pod)
    if len(pods) > 1:
        return pods, [f"virtual pod {ns}/{name} exists in {len(pods)} vClusters; each is examined"]
    if pods:
        return pods, [f"virtual pod {ns}/{name} is host pod {podinfo.ref(pods[0])}"]
    if not chosen:
        searched.append("no vCluster found to translate the name")
    why = f"; lookups were forbidden: {'; '.join(dict.fromkeys(denied))}" if denied else ""
    raise UsageError(f"pod {name!r} not found in namespace {ns!r}. Looked for: " + ", ".join(searched) + why)


def open_multi_namespace(vc: VCluster) -> bool:
    """Whether vcdoctor knows where this release puts pods in multi-namespace mode (v0.19-v0.25; Pro after)."""
    return compat.MULTI_NAMESPACE_NAMING.at(vc.version) == "open"


def _multi_namespace_ref(vc: VCluster, ns: str, name: str) -> str:
    return f"{vcnames.multi_namespace_host_namespace(ns, vc.namespace, vc.name)}/{name}"


def host_pod(api: ScopedApi, vc: VCluster, ns: str, name: str, denied: Optional[List[str]] = None) -> Optional[Pod]:
    """Where the host keeps virtual pod ns/name of ``vc``: its single-namespace name in the vCluster's namespace, or
    (multi-namespace mode of v0.19-v0.25) its own name in the derived namespace (multi_namespace.go:98-114@v0.21.0),
    noted with its vCluster. A refused lookup is added to ``denied`` when given, else raised."""
    pod = _get(api, vcnames.host_pod_name(name, ns, vc.name), vc.namespace, denied)
    if pod is not None and vcnames.is_virtual_pod(pod, vc.name, ns, name):
        return pod
    if not open_multi_namespace(vc):
        return None
    pod = _get(api, name, vcnames.multi_namespace_host_namespace(ns, vc.namespace, vc.name), denied)
    if pod is not None and vcnames.is_virtual_pod(pod, vc.name, ns, name, vc.namespace):
        return vcnames.note_owner(pod, vc.namespace, vc.name)
    return None


def _get(api: ScopedApi, name: str, namespace: str, denied: Optional[List[str]]) -> Optional[Pod]:
    try:
        return api.pod(name, namespace)
    except NotFound:
        return None
    except Forbidden as exc:
        if denied is None:
            raise
        denied.append(exc.reason)
        return None


def _translated(ctx: FactContext, vc: VCluster, ns: str, name: str, denied: List[str]) -> Optional[Pod]:
    pod = host_pod(ctx.api, vc, ns, name, denied)
    if pod is not None:
        return pod
    # an unexpected name: match on the annotations instead
    try:
        synced = ctx.fact("synced_pods")
    except Forbidden as exc:
        denied.append(exc.reason)
        return None
    for pod in synced:
        if vcnames.is_virtual_pod(pod, vc.name, ns, name, vc.namespace):
            return pod
    return None


def _vclusters(ctx: FactContext) -> Tuple[VCluster, ...]:
    return ctx.fact("scope").vclusters


def _examined_pods(ctx: FactContext) -> List[Pod]:
    """The --pod target, or the synced pods of the selected vClusters (and namespace)."""
    scope: Scope = ctx.fact("scope")
    if scope.host_pods is not None:
        return list(scope.host_pods)
    pods = list(ctx.fact("synced_pods"))
    pods += ctx.fact("multi_namespace_pods")
    target = scope.target
    if target.names_vcluster:
        wanted = {(v.namespace, v.name) for v in scope.vclusters}
        pods = [p for p in pods if owner_key(p) in wanted]
    if target.namespace:
        # -n without --pod: the virtual namespace inside the vCluster, or the host namespace
        ns = target.namespace
        pods = [p for p in pods if podinfo.namespace(p) == ns
                or podinfo.labels(p).get(vcnames.VIRTUAL_NAMESPACE_LABEL) == ns
                or podinfo.annotations(p).get(vcnames.OBJECT_NAMESPACE) == ns]
    return selected(pods, target.selector, vcnames.virtual_labels)


def selected(pods: List[Pod], selector: Optional[str], labels_of: Callable[[Pod], Dict[str, Any]]) -> List[Pod]:
    """The pods -l selects, matched against the labels the tenant gave them (labels_of)."""
    if not selector:
        return pods
    wanted = label_selector.parse(selector)
    return [p for p in pods if wanted.matches(labels_of(p))]


def _pods_by_vcluster(ctx: FactContext) -> Dict[Tuple[str, str], List[Pod]]:
    """The examined pods grouped by (namespace, name) of the vCluster that synced them."""
    grouped: Dict[Tuple[str, str], List[Pod]] = {}
    for pod in ctx.fact("examined_pods"):
        grouped.setdefault(owner_key(pod), []).append(pod)
    return grouped


FACTS = (
    Fact("scope", "the vClusters and pods the target names", _resolve,
         (Read("get", r.PODS, namespace=RUNTIME, name=RUNTIME, when="with --pod", option="pod"),
          dataclasses.replace(SYNCER_LOG_READ, when="with --pod, when the pod is not on the host", option="pod")),
         needs=("vclusters_found", "synced_pods", "control_plane_pods")),
    Fact("vclusters", "the examined vClusters", _vclusters, needs=("scope",)),
    Fact("examined_pods", "the --pod target, or every synced pod of the examined vClusters and namespace",
         _examined_pods, needs=("scope", "synced_pods", "multi_namespace_pods")),
    Fact("pods_by_vcluster", "the examined pods keyed by (namespace, name) of their vCluster", _pods_by_vcluster,
         needs=("examined_pods",)),
)
