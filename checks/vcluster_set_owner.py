"""vcluster-set-owner: every vCluster must sync pods without the Service owner reference."""

from __future__ import annotations

from typing import List

from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

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


def _examine(vc: vcl.VCluster, settings: vcl.Settings, synced_pods, control_plane) -> Verdict:
    setting = vcl.owner_setting(settings)
    config_ev = Evidence(setting.source, "experimental.syncSettings.setOwner = "
                         + ("unknown" if setting.value is None else str(setting.value).lower()),
                         {"vcluster": vc.ref, "version": vc.version_text, **setting.keys})
    if setting.value is None:
        return Verdict(Status.ERROR, f"{vc.ref}: cannot tell whether setOwner is off: {setting.problem}",
                       (config_ev,), vcl.upgrade_commands(vc))
    ignored = _ignored_because(settings, vc)
    if ignored:
        return Verdict(Status.PASS, f"{vc.ref}: setOwner has no effect: {ignored}; synced pods get no Service "
                                    f"owner reference either way", (config_ev,))

    owned = [p for p in synced_pods if vcl.owner_key(p) == (vc.namespace, vc.name) and vcl.service_owner(p, vc.name)]
    owned_ev = []
    if owned:
        owned_ev.append(Evidence(
            f"host pods of {vc.ref}",
            f"{len(owned)} pod(s) carry ownerReference v1/Service {vc.name}",
            {"pods": [podinfo.ref(p) for p in owned[:MAX_PODS_LISTED]], "count": len(owned)}))
    if setting.value:
        fix = legacy_commands(vc) if settings.legacy else vcl.upgrade_commands(vc)
        astray = vcl.lookalike_keys(settings.outline, ("experimental", "syncSettings", "setOwner"))
        if astray:
            owned_ev.append(Evidence(setting.source, f"setOwner also set at {', '.join(astray)}, where vCluster "
                                                     f"does not read it", {"vcluster": vc.ref, "keys": astray}))
            fix = (f"Your values set setOwner at {', '.join(astray)}; vCluster reads only "
                   f"experimental.syncSettings.setOwner. Delete the misplaced key from "
                   f"{vc.name}-values.yaml after the first command below (helm rejects it once the schema is "
                   f"checked), see vcluster-config-schema.\n" + fix)
        return Verdict(Status.FAIL, f"{vc.ref}: setOwner is on (KAI's pod-grouper must then read the vCluster "
                                    f"Service)" + (f"; setOwner is also set at {astray[0]}, which vCluster ignores"
                                                   if astray else ""), tuple([config_ev] + owned_ev), fix)

    stale_ev = _stale_control_plane(control_plane, vc)
    if owned or stale_ev:
        why = []
        if stale_ev:
            why.append("the control plane runs an older config")
        if owned:
            why.append(f"{len(owned)} host pod(s) still carry the Service owner reference")
        return Verdict(Status.WARN, f"{vc.ref}: setOwner is false but not in effect yet: " + "; ".join(why),
                       tuple([config_ev] + stale_ev + owned_ev), roll_commands(vc, owned, bool(stale_ev)))
    return Verdict(Status.PASS, f"{vc.ref}: setOwner is false and no synced pod is owned by the Service", (config_ev,))


def _ignored_because(settings: vcl.Settings, vc: vcl.VCluster):
    """vCluster skips setOwner in multi-namespace mode, and (<= v0.28) with a foreign targetNamespace."""
    if settings.multi_namespace:
        return "multi-namespace mode is on"
    target = settings.get("experimental.syncSettings.targetNamespace") or settings.get("--target-namespace")
    if target and target != vc.namespace:
        return f"targetNamespace {target} differs from the control-plane namespace {vc.namespace}"
    return None


def _stale_control_plane(control_plane, vc: vcl.VCluster) -> List[Evidence]:
    return [Evidence(f"pod {podinfo.ref(pod)}", f"{vcl.CONFIG_HASH} differs from the {vc.workload_kind} template",
                     {"pod_hash": podinfo.annotations(pod).get(vcl.CONFIG_HASH), "template_hash": vc.template_config_hash})
            for pod in vcl.stale_control_plane(control_plane, vc)]


def run(vclusters, vcluster_settings, synced_pods, control_plane_pods) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, synced_pods, control_plane_pods))


CHECK = Check(
    id="vcluster-set-owner",
    title="vCluster syncs pods without owner references",
    severity=Severity.CRITICAL,
    run=run,
    order=10,
    docs_url=f"{DOCS_BASE}#vcluster-set-owner",
)
