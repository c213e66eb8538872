"""vcluster-config-applied: the syncer runs the config stored in vc-config."""

from __future__ import annotations

from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict


def _examine(vc: vcl.VCluster, settings: vcl.Settings, control_plane) -> Verdict:
    if settings.legacy or not vc.template_config_hash:
        return Verdict(Status.SKIP, f"{vc.ref}: vCluster {vc.version_text} keeps no config hash to compare",
                       (Evidence(f"{vc.workload_kind} {vc.ref}", f"no {vcl.CONFIG_HASH} on the pod template"),))
    evidence = [Evidence(f"{vc.workload_kind} {vc.ref}", f"template {vcl.CONFIG_HASH} = {vc.template_config_hash[:12]}…",
                         {"vcluster": vc.ref, "version": vc.version_text})]
    stale = vcl.stale_control_plane(control_plane, vc)
    evidence += [Evidence(f"pod {podinfo.ref(p)}", f"runs {vcl.CONFIG_HASH} "
                          f"{(podinfo.annotations(p).get(vcl.CONFIG_HASH) or '')[:12]}…") for p in stale]
    problems, fixes = [], []
    if stale:
        problems.append(f"{len(stale)} control-plane pod(s) still run an older config")
        fixes.append(f"Roll the control plane (host context):\n"
                     f"  kubectl rollout restart {vc.workload_kind.lower()}/{vc.name} -n {vc.namespace}")
    # v0.20-v0.27 hash the Secret's base64 text itself; later charts hash a filtered copy
    if vc.version is not None and (0, 20, 0) <= vc.version < (0, 28, 0):
        digest = settings.digest
        evidence.append(Evidence(f"Secret {vc.namespace}/{vc.config_secret}", f"sha256 of config.yaml = {(digest or '?')[:12]}…"))
        if digest and digest != vc.template_config_hash:
            problems.append("the vc-config Secret changed after the last helm upgrade (edited by hand?)")
            fixes.append("The running syncer reads the Secret only at start; apply config changes with helm, keeping "
                         f"your values (host context):\n  helm get values {vc.name} -n {vc.namespace} -o yaml > "
                         f"{vc.name}-values.yaml\n  vcluster create --upgrade {vc.name} -n {vc.namespace} --values "
                         f"{vc.name}-values.yaml")
    if problems:
        return Verdict(Status.WARN, f"{vc.ref}: " + "; ".join(problems), tuple(evidence), "\n".join(fixes))
    return Verdict(Status.PASS, f"{vc.ref}: the control plane runs the stored config", tuple(evidence))


def run(vclusters, vcluster_settings, control_plane_pods) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, control_plane_pods))


CHECK = Check(
    id="vcluster-config-applied",
    title="vCluster runs its stored config",
    severity=Severity.MEDIUM,
    run=run,
    order=15,
    docs_url=f"{DOCS_BASE}#vcluster-config-applied",
)
