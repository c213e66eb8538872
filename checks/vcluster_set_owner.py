"""vcluster-set-owner: every vCluster must sync pods without the Service owner reference."""

from __future__ import annotations

from typing import List

from vcdoctor import pods as podinfo
from vcdoctor import vcluster as vcl
from vcdoctor.access import could_not_look
from vcdoctor.gateway import GatewayError
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict, worst
from vcdoctor.scope import Scope
from vcdoctor.view import ClusterView, SecretKeyMissing

MAX_PODS_LISTED = 10

def legacy_commands(vc: vcl.VCluster) -> str:
    return (f"vCluster {vc.version_text} predates vcluster.yaml: set the syncer flag instead, e.g.\n"
            f"  syncer:\n    extraArgs:\n      - --set-owner=false\n"
            f"in your values file, then helm upgrade {vc.name} with all your values (-n {vc.namespace}).")


def roll_commands(vc: vcl.VCluster, owned: List[dict], stale: bool) -> str:
    lines = []
    if stale:
        lines.append(f"Roll the control plane so the syncer reads the new config:\n"
                     f"  kubectl rollout restart {vc.workload_kind.lower()}/{vc.name} -n {vc.namespace}")
    if owned:
        names = " ".join(p["metadata"]["name"] for p in owned[:MAX_PODS_LISTED])
        more = f"  # and {len(owned) - MAX_PODS_LISTED} more" if len(owned) > MAX_PODS_LISTED else ""
        lines.append("Pods created before the change keep the owner reference until they are recreated; "
                     "recreate them from inside the vCluster (delete the virtual pods, or restart their "
                     f"controllers). Host pods affected:\n  kubectl get pods -n {vc.namespace} {names}{more}")
    return "\n".join(lines)


def _examine(view: ClusterView, vc: vcl.VCluster):
    """(status, message, evidence, remediation) for one vCluster."""
    try:
        setting = vcl.owner_setting(view, vc)
    except vcl.MalformedConfig as exc:
        ev = Evidence(f"Secret {vc.namespace}/{vc.config_secret}", str(exc))
        return (Status.ERROR, f"{vc.ref}: config unreadable: {exc}", [ev],
                f"Inspect the config: vcluster describe {vc.name} -n {vc.namespace}\n" + vcl.upgrade_commands(vc))
    except SecretKeyMissing as exc:
        ev = Evidence(f"Secret {vc.namespace}/{vc.config_secret}", str(exc))
        return Status.ERROR, f"{vc.ref}: {exc}", [ev], vcl.upgrade_commands(vc)
    except GatewayError as exc:
        v = could_not_look(exc, f"the config of vCluster {vc.ref}")
        return v.status, f"{vc.ref}: {v.message}", list(v.evidence), v.remediation

    config_ev = Evidence(setting.source, "experimental.syncSettings.setOwner = "
                         + ("unknown" if setting.value is None else str(setting.value).lower()),
                         {"vcluster": vc.ref, "version": vc.version_text, **setting.keys})
    if setting.value is None:
        return (Status.ERROR, f"{vc.ref}: cannot tell whether setOwner is off: {setting.problem}",
                [config_ev], vcl.upgrade_commands(vc))

    owned = [p for p in vcl.pods_of(view, vc) if vcl.service_owner(p, vc.name)]
    owned_ev = []
    if owned:
        owned_ev.append(Evidence(
            f"host pods of {vc.ref}",
            f"{len(owned)} pod(s) carry ownerReference v1/Service {vc.name}",
            {"pods": [podinfo.ref(p) for p in owned[:MAX_PODS_LISTED]], "count": len(owned)}))
    legacy = "syncer args" in setting.source
    if setting.value:
        fix = legacy_commands(vc) if legacy else vcl.upgrade_commands(vc)
        return (Status.FAIL, f"{vc.ref}: setOwner is on (KAI's pod-grouper must then read the vCluster Service)",
                [config_ev] + owned_ev, fix)

    stale_ev = _stale_control_plane(view, vc)
    if owned or stale_ev:
        why = []
        if stale_ev:
            why.append("the control plane runs an older config")
        if owned:
            why.append(f"{len(owned)} host pod(s) still carry the Service owner reference")
        return (Status.WARN, f"{vc.ref}: setOwner is false but not in effect yet: " + "; ".join(why),
                [config_ev] + stale_ev + owned_ev, roll_commands(vc, owned, bool(stale_ev)))
    return Status.PASS, f"{vc.ref}: setOwner is false and no synced pod is owned by the Service", [config_ev], None


def _stale_control_plane(view: ClusterView, vc: vcl.VCluster) -> List[Evidence]:
    if not vc.template_config_hash:
        return []
    stale = []
    for pod in vcl.control_plane_pods(view, vc):
        running = podinfo.annotations(pod).get(vcl.CONFIG_HASH)
        if running and running != vc.template_config_hash:
            stale.append(Evidence(f"pod {podinfo.ref(pod)}",
                                  f"{vcl.CONFIG_HASH} differs from the {vc.workload_kind} template",
                                  {"pod_hash": running, "template_hash": vc.template_config_hash}))
    return stale


def run(view: ClusterView, scope: Scope) -> Verdict:
    if not scope.vclusters:
        return Verdict(Status.SKIP, "no vCluster found in the host cluster",
                       (Evidence("StatefulSets and Deployments, all namespaces",
                                 f"none labelled {vcl.VCLUSTER_SELECTOR} with a release label"),))
    outcomes = [_examine(view, vc) for vc in scope.vclusters]
    status = worst(o[0] for o in outcomes)
    relevant = [o for o in outcomes if o[0] is status] if status is not Status.PASS else outcomes
    message = "; ".join(o[1] for o in relevant)
    evidence = tuple(e for o in outcomes for e in o[2])
    fixes = [o[3] for o in outcomes if o[3]]
    return Verdict(status, message, evidence, "\n\n".join(dict.fromkeys(fixes)) or None)


CHECK = Check(
    id="vcluster-set-owner",
    title="vCluster syncs pods without owner references",
    severity=Severity.CRITICAL,
    run=run,
    order=10,
    reads="StatefulSets/Deployments app=vcluster; Secret vc-config-<name> key config.yaml (by name); synced pods' ownerReferences; control-plane pods' vClusterConfigHash",
    docs_url=f"{DOCS_BASE}#vcluster-set-owner",
)
