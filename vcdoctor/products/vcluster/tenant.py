"""The tenant's view: facts read inside a vCluster, and the host facts they stand for when the host is out of reach."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, List, Sequence, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.engine.facts import HOST, RUNTIME, VIRTUAL, Fact, FactContext, Read, SideUnavailable, SideVariant
from vcdoctor.gateway import GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.pods import Pod
from vcdoctor.products.vcluster import names as vcnames
from vcdoctor.products.vcluster import syncer_log
from vcdoctor.products.vcluster.compat import CLASS_LIMIT_WARNING
from vcdoctor.products.vcluster.discovery import VCluster, owner_key
from vcdoctor.products.vcluster.facts import SYNCER_LOG_READ, syncer_log_refusals
from vcdoctor.products.vcluster.scope import Scope, host_pod, selected
from vcdoctor.products.vcluster.sides import TENANT, TENANT_ONLY, ClusterKind
from vcdoctor.target import Target, UsageError

#: The syncer's event on the virtual pod when the host refused it: reason SyncError, message
#: "Error syncing to physical cluster: <err>" v0.19.0–v0.20.6 (namespaced_translator.go:74-78,94@v0.19.0,
#: :80-84,100@v0.20.0), "Error syncing to host cluster: <err>" v0.21.0+ (pkg/patcher/apply.go:59-61@v0.21.0);
#: from v0.32.0 an events.k8s.io event (action SyncPod, note = that message: apply.go:66@v0.32.0,
#: :68-77@v0.36.1), which the core/v1 events API serves with the note as message and eventTime set.
SYNC_ERROR = "SyncError"
#: v0.26+: the syncer's own refusal of a pod whose priority or runtime class its fromHost selector excludes
#: (compat.CLASS_LIMIT_WARNING); the event's other SyncWarnings are not refusals
SYNC_WARNING = "SyncWarning"
_SYNC_PREFIX = re.compile(r"^Error syncing to (?:physical|host) cluster: ")
EVENT_FIELDS = "involvedObject.kind=Pod,involvedObject.name={name}"
#: the syncer's refusals inside the vCluster, one list each (a field selector has no "or")
REFUSAL_FIELDS = (f"reason={SYNC_ERROR}", f"reason={SYNC_WARNING}")


def sync_refusals(pod: Pod, events: Sequence[dict], vc: str) -> Tuple[syncer_log.Refusal, ...]:
    """The host's refusals of a virtual pod that still stand: SyncError events on a pod that never got a node
    (once the host pod exists and runs, an old SyncError is history)."""
    if podinfo.node_name(pod) or podinfo.phase(pod) not in ("Pending", "Unknown"):
        return ()
    found = []
    for event in reversed(list(events)):  # oldest first: newest_distinct keeps the newest reason last
        text = str(event.get("message") or event.get("note") or "")
        kind = event.get("reason")
        if not (kind == SYNC_ERROR or kind == SYNC_WARNING and text.startswith(CLASS_LIMIT_WARNING.value)):
            continue
        reason = syncer_log.reason_of(_SYNC_PREFIX.sub("", text))
        source = f"vCluster {vc} ({kind} event on virtual pod {podinfo.ref(pod)})"
        count = event.get("count")
        found.append(syncer_log.Refusal(source, reason, count if isinstance(count, int) and count > 0 else 1,
                                        vcluster="" if "?" in vc else vc))
    return syncer_log.newest_distinct(found)


def _newest_first(events: Sequence[dict]) -> List[dict]:
    return sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)


# -- virtual-side facts ------------------------------------------------------------------------------------------

def _virtual_pod(ctx: FactContext) -> Pod:
    target: Target = ctx.inputs["target"]
    kind: ClusterKind = ctx.inputs["cluster"]
    try:
        return ctx.api.pod(target.pod or "", target.namespace or "")
    except NotFound:
        raise UsageError(f"pod {target.pod!r} not found in namespace {target.namespace!r} of the virtual cluster "
                         f"(vCluster {kind.ref}): -n and --pod name the pod as the tenant sees it") from None


def _virtual_pods(ctx: FactContext) -> Tuple[Pod, ...]:
    return ctx.api.pods(ctx.inputs["target"].namespace)


def _virtual_pod_events(ctx: FactContext) -> List[dict]:
    target: Target = ctx.inputs["target"]
    fields = EVENT_FIELDS.format(name=target.pod)
    return _newest_first(ctx.api.list(r.EVENTS, target.namespace, fields=fields))


def _tenant_refused_pods(ctx: FactContext) -> Tuple[syncer_log.RefusedPod, ...]:
    """Without the host (no syncer log): the tenant's pods that never got a node and whose events say the host or
    the vCluster refused them, each with its newest refusal. Unreadable events give none: this only adds to the
    verdict on the pods' scheduler."""
    if ctx.inputs["target"].pod:
        return ()  # the --pod path reads the target's own events
    kind: ClusterKind = ctx.inputs["cluster"]
    namespace = ctx.inputs["target"].namespace
    try:
        events = [e for fields in REFUSAL_FIELDS for e in ctx.api.list(r.EVENTS, namespace, fields=fields)]
    except GatewayError:
        return ()
    by_pod: Dict[Tuple[str, str], List[dict]] = {}
    for event in events:
        about = event.get("involvedObject")  # events.k8s.io events too, as the core/v1 API serves them
        if isinstance(about, dict) and about.get("kind") == "Pod":
            by_pod.setdefault((str(about.get("namespace") or ""), str(about.get("name") or "")), []).append(event)
    found = []
    for pod in ctx.fact("virtual_pods"):
        said = by_pod.get((podinfo.namespace(pod), podinfo.name(pod)))
        refusals = sync_refusals(pod, _newest_first(said), kind.ref) if said else ()
        if refusals:
            found.append(syncer_log.RefusedPod(podinfo.ref(pod), refusals[-1]))
    return tuple(found)


# -- host facts as a tenant run sees them ------------------------------------------------------------------------

def _candidates(found: Sequence[VCluster], kind: ClusterKind) -> List[VCluster]:
    return [vc for vc in found if (not kind.vcluster or vc.name == kind.vcluster)
            and (not kind.vcluster_namespace or vc.namespace == kind.vcluster_namespace)]


def _scope(ctx: FactContext) -> Scope:
    """The target resolved inside the vCluster, then (with host access) mapped to the host pod."""
    target: Target = ctx.inputs["target"]
    kind: ClusterKind = ctx.inputs["cluster"]
    ns, name = target.namespace or "", target.pod or ""
    vpod = ctx.fact("virtual_pod") if target.pod else None
    notes = [f"the context is virtual cluster {kind.ref}: " + "; ".join(kind.evidence)]
    refused = sync_refusals(vpod, ctx.fact("virtual_pod_events"), kind.vcluster or "?") if vpod else ()
    try:
        found = ctx.fact("vclusters_found")
    except SideUnavailable:
        notes.append("the host cluster was not examined (no access to it): checks that need it are skipped")
        if vpod is None:
            return Scope(target, (), None, tuple(notes))
        if kind.vcluster:
            notes.append(f"its host pod is {kind.vcluster_namespace or '<vCluster namespace>'}/"
                         f"{vcnames.host_pod_name(name, ns, kind.vcluster)}")
        if refused:
            return Scope(target, (), (), tuple(notes + [f"virtual pod {ns}/{name} was refused by the host: the "
                                                        f"vCluster recorded SyncError events"]), sync_errors=refused)
        return Scope(target, (), (vpod,), tuple(notes + [f"virtual pod {ns}/{name} examined inside the vCluster"]))
    chosen = _candidates(found, kind)
    if not chosen:
        known = ", ".join(vc.ref for vc in found) or "none"
        raise UsageError(f"no vCluster {kind.ref} on the host cluster ({kind.host_context}); vClusters found: {known}")
    if len(chosen) > 1 and vpod is None:
        notes.append(f"{len(chosen)} vClusters on the host could be this one; each is examined (name it with "
                     f"--vcluster/--vcluster-namespace)")
    if vpod is None:
        return Scope(target, tuple(chosen), None, tuple(notes))
    pods = []
    for vc in chosen:
        pod = host_pod(ctx.api, vc, ns, name)  # a refused lookup is the pipeline's "cannot resolve the target"
        if pod is not None:
            pods.append((vc, pod))
    if pods:
        vcs = tuple(vc for vc, _ in pods)
        return Scope(target, vcs, tuple(p for _, p in pods),
                     tuple(notes + [f"virtual pod {ns}/{name} is host pod {podinfo.ref(p)}" for _, p in pods]))
    refusals = tuple(refused) + syncer_log.newest_distinct(syncer_log_refusals(ctx, chosen, ns, name))
    if not refusals:
        refusals = (syncer_log.Refusal(f"vCluster {kind.ref}", "the host has no pod for it, and neither a SyncError "
                                                               "event nor the syncer log says why"),)
    hosts = ", ".join(f"{vc.namespace}/{vcnames.host_pod_name(name, ns, vc.name)}" for vc in chosen)
    return Scope(target, tuple(chosen), (), tuple(notes + [f"virtual pod {ns}/{name} has no host pod ({hosts})"]),
                 sync_errors=refusals)


def _vclusters(ctx: FactContext) -> Tuple[VCluster, ...]:
    ctx.fact("vclusters_found")  # a host fact: without the host this raises, and checks skip instead of "none"
    return ctx.fact("scope").found_vclusters


def _examined_pods(ctx: FactContext) -> List[Pod]:
    scope: Scope = ctx.fact("scope")
    if scope.host_pods is not None:
        return list(scope.host_pods)
    try:
        synced = ctx.fact("synced_pods")
    except SideUnavailable:  # tenant-only: the tenant's own pods, as the vCluster holds them
        return selected(list(ctx.fact("virtual_pods")), scope.target.selector, podinfo.labels)
    wanted = {(vc.namespace, vc.name) for vc in scope.found_vclusters}
    ns = scope.target.namespace
    return selected([p for p in synced if owner_key(p) in wanted
                     and (not ns or podinfo.labels(p).get(vcnames.VIRTUAL_NAMESPACE_LABEL) == ns)],
                    scope.target.selector, vcnames.virtual_labels)


VIRTUAL_FACTS = (
    Fact("virtual_pod", "the --pod target inside the vCluster", _virtual_pod,
         (Read("get", r.PODS, namespace=RUNTIME, name=RUNTIME, when="with --pod", option="pod"),), side=VIRTUAL),
    Fact("virtual_pods", "the tenant's pods inside the vCluster (-n or every namespace)", _virtual_pods,
         (Read("list", r.PODS, namespace=RUNTIME, when="without --pod, when the host is out of reach"),),
         side=VIRTUAL),
    Fact("virtual_pod_events", "events about the --pod target inside the vCluster (SyncError, copied host events)",
         _virtual_pod_events, (Read("list", r.EVENTS, namespace=RUNTIME, fields=RUNTIME, when="with --pod",
                                    option="pod"),), side=VIRTUAL),
)
#: host facts a tenant run answers differently (the registry checks they return what the facts they replace do)
TENANT_FACTS = (
    Fact("scope", "the target resolved inside the vCluster and, with host access, mapped to its host pod", _scope,
         (Read("get", r.PODS, namespace=RUNTIME, name=RUNTIME, when="with --pod and host access", option="pod"),
          dataclasses.replace(SYNCER_LOG_READ, when="with --pod, when the pod is not on the host", option="pod")),
         needs=("virtual_pod", "virtual_pod_events", "vclusters_found", "control_plane_pods"), variant=TENANT),
    Fact("vclusters", "the vCluster of the context, found on the host", _vclusters,
         needs=("vclusters_found", "scope"), variant=TENANT),
    Fact("examined_pods", "the examined pods: host pods with host access, else the tenant's pods in the vCluster",
         _examined_pods, needs=("scope", "synced_pods", "virtual_pods"), variant=TENANT),
)
#: without the host, events about the examined pod are read inside the vCluster, where its syncer copies the
#: host's (KAI's Unschedulable among them): events syncer pkg/controllers/resources/events/syncer.go:26-32@v0.19.0,
#: sync.fromHost.events.enabled default true chart/values.yaml:84-85@v0.20.0, :152-154@v0.36.1
TENANT_ONLY_FACTS = (
    SideVariant("target_events", VIRTUAL, TENANT_ONLY),
    Fact("refused_pods", "without the host: the tenant's pods that never got a node, whose SyncError or SyncWarning "
         "events say why", _tenant_refused_pods,
         tuple(Read("list", r.EVENTS, namespace=RUNTIME, fields=fields, optional=True,
                    when="without --pod, when the host is out of reach") for fields in REFUSAL_FIELDS),
         needs=("virtual_pods",), side=VIRTUAL, variant=TENANT_ONLY),
)
FACTS = VIRTUAL_FACTS + TENANT_FACTS + TENANT_ONLY_FACTS


__all__ = ["HOST", "VIRTUAL", "sync_refusals"]
