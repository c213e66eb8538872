"""vcluster-set-owner: every vCluster must sync pods without the Service owner reference."""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.remedy import fix
from vcdoctor.remedy.steps import Step, inside_vcluster

MAX_PODS_LISTED = 10

WHY = "vCluster must sync pods without the Service owner reference (experimental.syncSettings.setOwner: false)."
LEGACY_WHY = "vCluster must sync pods without the Service owner reference (v0.19 syncer flag --set-owner=false)."


def _recreate(vc: vcl.VCluster, owned: List[Pod]) -> Step:
    """Pods keep the owner reference they were created with: recreated from inside the vCluster, they lose it."""
    more = f" (and {len(owned) - MAX_PODS_LISTED} more)" if len(owned) > MAX_PODS_LISTED else ""
    names = [vcl.virtual_ref(p) or podinfo.name(p) for p in owned[:MAX_PODS_LISTED]]
    return inside_vcluster(vc.ref, (f"Recreate the pods created before the change{more} (restart their controllers, "
                                    f"or delete pods a controller brings back): {', '.join(names)}.",), cures=True)


def owner_fix(vc: vcl.VCluster, settings: vcl.Settings, context: Optional[str],
              owned: Sequence[Pod] = ()) -> Tuple[str, Fix]:
    if settings.legacy:
        step = vcl.VClusterValues(why=(LEGACY_WHY,), vc=vc, legacy_flags=("--set-owner=false",), cures=not owned)
    else:
        step = vcl.VClusterValues(why=(WHY,), vc=vc, values=vcl.SET_OWNER_VALUES, cures=not owned)
    steps: Tuple[Step, ...] = (step, _recreate(vc, list(owned))) if owned else (step,)
    return vcl.upgrade_explained(vc, step.change(), context), fix(context, *steps)


def roll_fix(vc: vcl.VCluster, context: Optional[str], owned: List[Pod], stale: bool) -> Tuple[str, Fix]:
    """Only what is still needed: a restart of the control plane, and the pods created before the change."""
    lines = []
    steps: List[Step] = []
    if stale:
        lines.append("The control plane still runs the old config: roll it so the syncer reads the new one.")
        steps.append(vcl.control_plane_rollout(vc, ("Roll the control plane so the syncer reads the stored config:",))
                     if not owned else replace(vcl.control_plane_rollout(vc), cures=False))
    if owned:
        lines.append("Pods created before the change keep the owner reference until they are recreated from inside "
                     "the vCluster (delete the virtual pods, or restart their controllers).")
        steps.append(_recreate(vc, owned))
    return " ".join(lines), fix(context, *steps)


def _examine(vc: vcl.VCluster, settings: vcl.Settings, synced_pods: Tuple[Pod, ...], control_plane: Tuple[Pod, ...],
             context: Optional[str]) -> Verdict:
    setting = vcl.owner_setting(settings)
    config_ev = Evidence(setting.source, "experimental.syncSettings.setOwner = "
                         + ("unknown" if setting.value is None else str(setting.value).lower()),
                         {"vcluster": vc.ref, "version": vc.version_text, **setting.keys})
    if setting.value is None:
        return SET_OWNER_UNREADABLE.verdict(f"{vc.ref}: cannot tell whether setOwner is off: {setting.problem}",
                                            (config_ev,), *owner_fix(vc, settings, context))
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
        remediation, owner = owner_fix(vc, settings, context, owned)
        astray = vcl.lookalike_keys(settings.outline, ("experimental", "syncSettings", "setOwner"))
        if astray:
            owned_ev.append(Evidence(setting.source, f"setOwner also set at {', '.join(astray)}, where vCluster "
                                                     f"does not read it", {"vcluster": vc.ref, "keys": astray}))
            # the syncer, Helm's schema and the vCluster CLI all parse strictly (pkg/config/parse.go@v0.20.0,
            # UnmarshalStrict): such a key can only have been written into vc-config by hand
            remediation = (f"The config sets setOwner at {', '.join(astray)}, where vCluster does not read it; only "
                           f"experimental.syncSettings.setOwner counts. Helm and the vCluster CLI reject that key, so "
                           f"it was written into the vc-config Secret by hand; the upgrade rewrites the Secret from "
                           f"your Helm values (see vcluster-config-schema). " + remediation)
        return SET_OWNER_ON.verdict(
            f"{vc.ref}: setOwner is on (KAI's pod-grouper must then read the vCluster "
            f"Service)" + (f"; setOwner is also set at {astray[0]}, which vCluster ignores"
                           if astray else ""), tuple([config_ev] + owned_ev), remediation,
            owner)

    stale_ev = _stale_control_plane(control_plane, vc)
    if owned or stale_ev:
        why = []
        if stale_ev:
            why.append("the control plane runs an older config")
        if owned:
            why.append(f"{len(owned)} host pod(s) still carry the Service owner reference")
        return SET_OWNER_PENDING.verdict(
            f"{vc.ref}: setOwner is false but not in effect yet: " + "; ".join(why),
            tuple([config_ev] + stale_ev + owned_ev), *roll_fix(vc, context, owned, bool(stale_ev)))
    return Verdict(Status.PASS, f"{vc.ref}: setOwner is false and no synced pod is owned by the Service", (config_ev,))


def _ignored_because(settings: vcl.Settings, vc: vcl.VCluster) -> Optional[str]:
    """vCluster skips setOwner in multi-namespace mode, and (<= v0.28) with a foreign targetNamespace."""
    if settings.multi_namespace:
        return "multi-namespace mode is on"
    target = settings.get("experimental.syncSettings.targetNamespace") or settings.get("--target-namespace")
    if target and target != vc.namespace:
        return f"targetNamespace {target} differs from the control-plane namespace {vc.namespace}"
    return None


def _stale_control_plane(control_plane: Tuple[Pod, ...], vc: vcl.VCluster) -> List[Evidence]:
    return [Evidence(f"pod {podinfo.ref(pod)}", f"{vcl.CONFIG_HASH} differs from the {vc.workload_kind} template",
                     {"pod_hash": podinfo.annotations(pod).get(vcl.CONFIG_HASH),
                      "template_hash": vc.template_config_hash})
            for pod in vcl.stale_control_plane(control_plane, vc)]


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster, synced_pods: Tuple[Pod, ...],
        control_plane_pods: Tuple[Pod, ...], context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, synced_pods, control_plane_pods, context),
                             context)


SET_OWNER_ON = Finding("VCD100", Status.FAIL, "setOwner is `true` or absent; a `setOwner` written elsewhere (e.g. "
                       "`experimental.syncSetting.setOwner`) is named, with the note that "
                       "Helm and the vCluster CLI refuse that key, so it was written into the"
                       " Secret by hand",
                       "Set `experimental.syncSettings.setOwner: false` (v0.19: `--set-owner=false`) with a pinned "
                       "upgrade of the vCluster (the fix script), then recreate the pods created before the change.")
SET_OWNER_PENDING = Finding("VCD101", Status.WARN, "setOwner is `false` but not in effect: a control-plane pod runs "
                            "an older config hash, or host pods created before the change "
                            "still carry the owner reference",
                            "Roll the control plane so the syncer reads the stored config, and recreate the pods "
                            "created before the change from inside the vCluster.")
SET_OWNER_UNREADABLE = Finding("VCD102", Status.ERROR, "setOwner is not a boolean",
                               "Set `experimental.syncSettings.setOwner: false` (a boolean) in the vCluster's values"
                               " and upgrade it.")


CHECK = Check(
    id="vcluster-set-owner",
    title="expected: vCluster syncs pods without owner references (setOwner: false)",
    summary=("every vCluster syncs pods without the Service owner reference (`experimental.syncSettings.setOwner: "
             "false`, v0.19: `--set-owner=false`), and it took effect (control plane restarted, no host pod still "
             "owned)"),
    severity=Severity.CRITICAL,
    run=run,
    order=10,
    findings=(*vcl.EVERY_VCLUSTER, SET_OWNER_ON, SET_OWNER_PENDING, SET_OWNER_UNREADABLE),
    passes=("setOwner is `false` and no synced pod carries the Service owner reference",
            "setOwner has no effect: multi-namespace mode is on, or (up to v0.28) `targetNamespace` differs from the"
            " control-plane namespace",),
    docs_url=f"{DOCS_BASE}#vcluster-set-owner",
)
