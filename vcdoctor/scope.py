"""What the user asked to examine, and the host objects that request resolves to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import vcluster as vcl
from vcdoctor.gateway import Forbidden, GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.helm import ChartSchema
from vcdoctor.view import MANAGED_BY, ClusterView


class UsageError(Exception):
    """The request names something that does not exist (exit code 2)."""


@dataclass(frozen=True)
class Target:
    namespace: Optional[str] = None
    pod: Optional[str] = None
    vcluster: Optional[str] = None
    vcluster_namespace: Optional[str] = None
    #: the user allowed a metadata-only LIST of each vCluster's Helm release Secrets (--read-helm-release)
    helm_release: bool = False
    #: a config schema the user supplied (--vcluster-schema)
    config_schema: Optional[ChartSchema] = None

    @property
    def names_vcluster(self) -> bool:
        return bool(self.vcluster or self.vcluster_namespace)

    def to_dict(self) -> dict:
        return {"namespace": self.namespace, "pod": self.pod, "vcluster": self.vcluster,
                "vcluster_namespace": self.vcluster_namespace, "helm_release": self.helm_release,
                "config_schema": self.config_schema.source if self.config_schema else None}


@dataclass(frozen=True)
class Scope:
    """The resolved target handed to every check."""

    target: Target = field(default_factory=Target)
    found_vclusters: Tuple[vcl.VCluster, ...] = ()
    #: the examined host pods when --pod was given; None means "every synced pod"
    host_pods: Optional[Tuple[dict, ...]] = None
    notes: Tuple[str, ...] = ()
    #: why vCluster discovery failed; checks that need vClusters then report it, never "none found"
    discovery_error: Optional[GatewayError] = None
    #: syncer log lines explaining why the --pod target never reached the host (then host_pods is empty)
    sync_errors: Tuple[Tuple[str, str], ...] = ()

    @property
    def vclusters(self) -> Tuple[vcl.VCluster, ...]:
        if self.discovery_error is not None:
            raise self.discovery_error
        return self.found_vclusters

    def examined_pods(self, view: ClusterView) -> List[dict]:
        """The --pod target, or the synced pods of the selected vClusters (and namespace)."""
        return view.memo(("examined", id(self)), lambda: self._examined(view))

    def kai_pods(self, view: ClusterView) -> List[dict]:
        """The examined pods scheduled by kai-scheduler (computed once per run)."""
        return view.memo(("examined-kai", id(self)), lambda: podinfo.kai_pods_of(self.examined_pods(view)))

    def by_vcluster(self, view: ClusterView, kai_only: bool = False) -> Dict[str, List[dict]]:
        """The examined (or only the kai-scheduler) pods grouped by the name of the vCluster that synced
        them; grouped once per run, since several checks ask it once per vCluster."""
        def group():
            grouped: Dict[str, List[dict]] = {}
            for pod in self.kai_pods(view) if kai_only else self.examined_pods(view):
                grouped.setdefault(podinfo.labels(pod).get(MANAGED_BY), []).append(pod)
            return grouped
        return view.memo(("by-vcluster", kai_only, id(self)), group)

    def _examined(self, view: ClusterView) -> List[dict]:
        if self.host_pods is not None:
            return list(self.host_pods)
        pods = list(view.synced_pods())
        if self.target.names_vcluster:
            wanted = {(v.namespace, v.name) for v in self.vclusters}
            pods = [p for p in pods if (p["metadata"].get("namespace"), podinfo.labels(p).get(MANAGED_BY)) in wanted]
        if self.target.namespace:
            # -n without --pod: the virtual namespace inside the vCluster, or the host namespace
            ns = self.target.namespace
            pods = [p for p in pods if p["metadata"].get("namespace") == ns
                    or podinfo.labels(p).get(vcl.VIRTUAL_NAMESPACE_LABEL) == ns]
        return pods

    def to_dict(self) -> dict:
        out = self.target.to_dict()
        if self.sync_errors:
            out["sync_errors"] = [line for _, line in self.sync_errors]
        out["vclusters"] = [v.ref for v in self.found_vclusters]
        out["host_pods"] = None if self.host_pods is None else [podinfo.ref(p) for p in self.host_pods]
        out["notes"] = list(self.notes)
        return out


def resolve(view: ClusterView, target: Target) -> Scope:
    """Find the vClusters and pod asked for.

    Raises UsageError when they do not exist, and GatewayError when --pod/--vcluster cannot be
    resolved for lack of access.
    """
    try:
        found = view.vclusters()
    except GatewayError as exc:
        if target.pod or target.names_vcluster:
            raise
        return Scope(target, discovery_error=exc, notes=(f"vCluster discovery failed: {exc.describe()}",))
    chosen = vcl.select(found, target.vcluster, target.vcluster_namespace)
    if target.names_vcluster and not chosen:
        known = ", ".join(v.ref for v in found) or "none"
        asked = target.vcluster or "*"
        if target.vcluster_namespace:
            asked = f"{target.vcluster_namespace}/{asked}"
        raise UsageError(f"no vCluster {asked} in the host cluster; vClusters found: {known}")
    if not target.pod:
        return Scope(target, tuple(chosen))
    try:
        pods, notes = _find_pod(view, target, chosen)
    except UsageError:
        refused = _sync_errors(view, chosen, target.namespace, target.pod)
        if not refused:
            raise
        return Scope(target, tuple(chosen), (), (f"virtual pod {target.namespace}/{target.pod} was never created on "
                                                 f"the host; the vCluster syncer logged why",), sync_errors=refused)
    return Scope(target, tuple(chosen), tuple(pods), tuple(notes))


#: texts of a host-side refusal of the syncer's create (admission webhooks, quota, policy)
REFUSALS = ("denied the request", "is forbidden", "exceeded quota", "rror syncing")


def _sync_errors(view: ClusterView, chosen, ns: str, name: str) -> Tuple[Tuple[str, str], ...]:
    found = []
    for vc in chosen:
        host = vcl.host_pod_name(name, ns, vc.name)
        for ref, lines in vcl.syncer_logs(view, vc):
            if isinstance(lines, GatewayError):
                continue
            found += [(ref, line.strip()[:400]) for line in lines
                      if (host in line or f"{ns}/{name}" in line) and any(t in line for t in REFUSALS)]
    return tuple(found[-5:])  # the newest ones


def _find_pod(view: ClusterView, target: Target, chosen) -> Tuple[List[dict], List[str]]:
    ns, name = target.namespace, target.pod
    searched = []
    denied = []
    if not target.names_vcluster:
        searched.append(f"host pod {ns}/{name}")
        try:
            return [view.get(r.PODS, name, ns)], [f"{ns}/{name} is a host pod"]
        except NotFound:
            pass
        except Forbidden as exc:
            denied.append(exc.reason)
    pods: List[dict] = []
    for vc in chosen:
        host_name = vcl.host_pod_name(name, ns, vc.name)
        searched.append(f"virtual pod {ns}/{name} in vCluster {vc.ref} (host name {vc.namespace}/{host_name})")
        pod = _translated(view, vc, host_name, ns, name, denied)
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


def _translated(view, vc, host_name, ns, name, denied) -> Optional[dict]:
    try:
        pod = view.get(r.PODS, host_name, vc.namespace)
        if _is_virtual(pod, vc, ns, name):
            return pod
    except NotFound:
        pass
    except Forbidden as exc:
        denied.append(exc.reason)
    # multi-namespace mode or an unexpected name: match on the annotations instead
    try:
        synced = view.synced_pods()
    except Forbidden as exc:
        denied.append(exc.reason)
        return None
    for pod in synced:
        if _is_virtual(pod, vc, ns, name):
            return pod
    return None


def _is_virtual(pod: dict, vc, ns: str, name: str) -> bool:
    ann = podinfo.annotations(pod)
    labels = podinfo.labels(pod)
    return (labels.get(MANAGED_BY) == vc.name
            and (ann.get(vcl.OBJECT_NAME) or ann.get("vcluster.loft.sh/name")) == name
            and (ann.get(vcl.OBJECT_NAMESPACE) or labels.get(vcl.VIRTUAL_NAMESPACE_LABEL)) == ns)
