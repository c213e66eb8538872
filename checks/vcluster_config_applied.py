"""vcluster-config-applied: the syncer runs the config stored in vc-config."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.remedy import join


def _examine(vc: vcl.VCluster, settings: vcl.Settings, control_plane: Tuple[Pod, ...],
             context: Optional[str]) -> Verdict:
    if settings.legacy or not vc.template_config_hash:
        return NO_HASH.verdict(f"{vc.ref}: vCluster {vc.version_text} keeps no config hash to compare",
                               (Evidence(f"{vc.workload_kind} {vc.ref}", f"no {vcl.CONFIG_HASH} on the pod template"),))
    rule = compat.CONFIG_HASH.at(vc.version)
    evidence = [Evidence(f"{vc.workload_kind} {vc.ref}",
                         f"template {vcl.CONFIG_HASH} = {vc.template_config_hash[:12]}…",
                         {"vcluster": vc.ref, "version": vc.version_text, "hash": rule,
                          "read": compat.CONFIG_HASH.source(vc.version)})]
    if rule not in compat.ROLLS_ON_CHANGE:
        # the hash covers only privateNodes: an equal hash says nothing about the rest of the config
        return HASH_BLIND.verdict(
            f"{vc.ref}: vCluster {vc.version_text} hashes only privateNodes into its pod "
            f"template, so vcdoctor cannot tell whether the control plane runs the stored "
            f"config", tuple(evidence),
            f"On {vc.version_text} an upgrade that changes other values does not restart the control "
            f"plane ({compat.CONFIG_HASH.source(vc.version)}; fixed in v0.28.1): roll it after every "
            f"config change, or upgrade to v0.28.1 or later.",
            remedy.fix(context, replace(vcl.control_plane_rollout(vc), cures=False)) if context else None)
    stale = vcl.stale_control_plane(control_plane, vc)
    evidence += [Evidence(f"pod {podinfo.ref(p)}", f"runs {vcl.CONFIG_HASH} "
                          f"{(podinfo.annotations(p).get(vcl.CONFIG_HASH) or '')[:12]}…") for p in stale]
    problems, fixes, scripts = [], [], []
    edited = False
    # v0.20-v0.27 hash the Secret's base64 text itself; later charts hash a filtered copy
    if rule == "secret":
        digest = settings.digest
        evidence.append(Evidence(f"Secret {vc.namespace}/{vc.config_secret}",
                                 f"sha256 of config.yaml = {(digest or '?')[:12]}…"))
        edited = bool(digest and digest != vc.template_config_hash)
    if stale:
        problems.append(f"{len(stale)} control-plane pod(s) still run an older config")
        if not edited:
            fixes.append(f"Roll the control plane of {vc.ref} on the host cluster (the remedy does).")
            scripts.append(remedy.fix(context, vcl.control_plane_rollout(vc, (
                f"{vc.ref}: the control plane runs an older config; roll it so the syncer reads the stored one.",)))
                if context else None)
    if edited:
        problems.append("the vc-config Secret changed after the last helm upgrade (edited by hand?)")
        fixes.append("The syncer reads the Secret only at start, and Helm renders it from the release values: a hand "
                     "edit is undone by the next upgrade. The remedy renders it again from your Helm values at the "
                     f"installed chart version {vc.version_text} (put any change you meant into those values first) "
                     f"and rolls the control plane of {vc.ref} on the host cluster.")
        scripts.append(remedy.fix(context, *vcl.reapply(vc, (f"{vc.ref}: vc-config differs from what Helm rendered; "
                                                             f"render it again from the Helm values.",)))
                       if context else None)
    if rule == "secret" and settings.digest is None and not problems:
        return SECRET_NOT_READ.verdict(f"{vc.ref}: whether vc-config was edited by hand after the last helm upgrade "
                                       f"is unknown: its stored text was not read ({settings.source}); collect the "
                                       f"Secret (vcdoctor collect, or a bundle made with vcdoctor collect "
                                       f"--troubleshoot-spec)", tuple(evidence))
    if problems:
        return (STALE_CONFIG if stale else SECRET_EDITED).verdict(f"{vc.ref}: " + "; ".join(problems),
                                                                  tuple(evidence), "\n".join(fixes), join(scripts))
    return Verdict(Status.PASS, f"{vc.ref}: the control plane runs the stored config", tuple(evidence))


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster,
        control_plane_pods: Tuple[Pod, ...], context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, control_plane_pods, context), context)


STALE_CONFIG = Finding("VCD150", Status.WARN, "a control-plane pod runs an older config hash",
                       "Roll the control plane of the vCluster on the host cluster so the syncer reads the stored "
                       "config.")
SECRET_EDITED = Finding("VCD151", Status.WARN, "v0.20–v0.27: the Secret differs from what Helm rendered (edited by "
                        "hand?)",
                        "Put the change into the Helm values and render the Secret again with a pinned upgrade; then"
                        " roll the control plane.")
HASH_BLIND = Finding("VCD152", Status.WARN, "v0.28.0: the hash covers only `privateNodes`, so vcdoctor cannot tell "
                     "whether the control plane runs the stored config",
                     "Roll the control plane after every config change, or upgrade the vCluster to v0.28.1 or later.")
SECRET_NOT_READ = Finding("VCD154", Status.SKIP, "v0.20–v0.27: the Secret's stored text was not read (an archive "
                          "without it), so a hand edit cannot be ruled out",
                          "Collect the Secret: vcdoctor collect, or a bundle made with vcdoctor collect "
                          "--troubleshoot-spec.")
NO_HASH = Finding("VCD153", Status.SKIP, "no config hash to compare (v0.19, or no hash on the template)",
                  "Nothing to do: this release keeps no config hash; restart the control plane after a config "
                  "change.")


CHECK = Check(
    id="vcluster-config-applied",
    title="expected: the vCluster runs its stored config",
    summary=("the control plane runs the config stored in `vc-config` (and, v0.20–v0.27, the Secret was not edited "
             "by hand)"),
    severity=Severity.MEDIUM,
    run=run,
    order=15,
    findings=(*vcl.EVERY_VCLUSTER, STALE_CONFIG, SECRET_EDITED, HASH_BLIND, NO_HASH, SECRET_NOT_READ),
    passes=("the control plane runs the config the template was rendered with (and, v0.20–v0.27, the Secret matches)",),
    docs_url=f"{DOCS_BASE}#vcluster-config-applied",
)
