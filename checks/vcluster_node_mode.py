"""vcluster-node-mode: host KAI can only schedule vClusters that use host nodes, not private nodes."""

from __future__ import annotations

from typing import Optional, Tuple

from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.remedy.script import said

PRIVATE = "privateNodes.enabled"
PRIVATE_NODES_FIX = ("Private nodes sync nothing to the host cluster, so the host's KAI never sees these pods, and "
                     "a vCluster cannot be switched from private to host nodes after creation. Either:\n"
                     "  - install KAI inside the vCluster (run helm against the vCluster's kube context), or\n"
                     "  - create a new vCluster on host nodes (privateNodes.enabled: false, the default) and move "
                     "the workloads.")


def _examine(vc: vcl.VCluster, settings: vcl.Settings, context: Optional[str]) -> Verdict:
    key = compat.PRIVATE_NODES.at(vc.version)
    private = settings.get(PRIVATE)
    data = {"vcluster": vc.ref, "version": vc.version_text, "rule": compat.PRIVATE_NODES.source(vc.version)}
    ev = Evidence(settings.source, f"{PRIVATE} = {'(not set)' if private is None else private}", data)
    if key is None:
        return _no_private_nodes(vc, private, ev, context)
    if private not in (True, False, None):
        return NOT_BOOLEAN.verdict(f"{vc.ref}: {PRIVATE} is {private!r}, not a boolean", (ev,),
                                   "Fix the value in the vCluster's Helm values (on the host cluster):\n  "
                                   + said(context, "vcluster", "describe", vc.name, "--namespace", vc.namespace))
    if private is not True:
        return Verdict(Status.PASS, f"{vc.ref}: runs its workloads on host nodes", (ev,))
    distro = compat.PRIVATE_NODES_REFUSED_WITH.at(vc.version)
    if distro is not None and settings.get(distro) is True:
        return _refused_with_k3s(vc, distro, ev, context)
    return PRIVATE_NODES.verdict(f"{vc.ref}: uses private nodes; nothing is synced to the host, so the host "
                                 f"KAI scheduler cannot schedule its pods", (ev,), PRIVATE_NODES_FIX)


def _no_private_nodes(vc: vcl.VCluster, private: object, ev: Evidence, context: Optional[str]) -> Verdict:
    """v0.19-v0.25 have no private nodes: the key is not judged, and a stray one is a key the release refuses."""
    if private is None or vc.version is None or vc.version < compat.VC_CONFIG_SECRET.first:
        return Verdict(Status.PASS, f"{vc.ref}: runs its workloads on host nodes (vCluster {vc.version_text} has no "
                                    f"private nodes)", (ev,))
    return REFUSED_KEY.verdict(
        f"{vc.ref}: not judged on {PRIVATE}: vCluster {vc.version_text} has no private nodes "
        f"(from v0.26.0) and refuses a config with a key it does not know", (ev,),
        f"{PRIVATE} is not a key of vCluster {vc.version_text} ({compat.PRIVATE_NODES.source(vc.version)}); "
        f"its syncer parses the config strictly ({compat.STRICT_PARSING.source(vc.version)}), so a config "
        f"holding it was written by hand and the syncer does not start with it. Render the config again "
        f"from the Helm values (vcluster-config-schema, with --read-helm-release, lists every such key).",
        remedy.fix(context, *vcl.reapply(vc, (f"{vc.ref}: vc-config holds {PRIVATE}, which vCluster "
                                              f"{vc.version_text} does not know; render it again from the "
                                              f"Helm values.",))))


def _refused_with_k3s(vc: vcl.VCluster, distro: str, ev: Evidence, context: Optional[str]) -> Verdict:
    source = compat.PRIVATE_NODES_REFUSED_WITH.source(vc.version)
    change = {"privateNodes": {"enabled": False}}
    return REFUSED_DISTRO.verdict(
        f"{vc.ref}: {PRIVATE} with {distro}: vCluster {vc.version_text} refuses this config "
        f"at start (private nodes mode is only supported for kubernetes), so nothing runs",
        (ev,), f"vCluster {vc.version_text} supports private nodes only with the k8s distro ({source}), and "
               f"the distro cannot change on upgrade. The host's KAI schedules only a vCluster on host "
               f"nodes: turn private nodes off (it never started with them). "
               + vcl.upgrade_explained(vc, change, context),
        remedy.fix(context, vcl.VClusterValues(vc=vc, values=change, why=(
            f"vCluster {vc.version_text} refuses private nodes with the k3s distro; host nodes let it "
            f"start and the host's KAI schedule its pods.",))))


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster, context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(vc, settings, context),
                             context)


PRIVATE_NODES = Finding("VCD110", Status.FAIL, "private nodes: nothing is synced to the host, so the host KAI "
                        "scheduler cannot schedule its pods",
                        "Run this vCluster's workloads on host nodes (`privateNodes.enabled: false`, a new vCluster "
                        "if it was created with private nodes), or run KAI inside it.")
REFUSED_DISTRO = Finding("VCD111", Status.FAIL, "v0.26–v0.32, private nodes with the k3s distro: the syncer refuses "
                         "the config at start",
                         "Use the k8s distro with private nodes, or turn private nodes off.")
REFUSED_KEY = Finding("VCD112", Status.WARN, "v0.20–v0.25 with `privateNodes.enabled` in the config: not judged on "
                      "it, a key the release refuses",
                      "Remove `privateNodes` from the values of this release (it has no private nodes), or upgrade "
                      "the vCluster.")
NOT_BOOLEAN = Finding("VCD113", Status.ERROR, "`privateNodes.enabled` is not a boolean",
                      "Set `privateNodes.enabled` to true or false in the vCluster's values.")


CHECK = Check(
    id="vcluster-node-mode",
    title="expected: the vCluster uses host nodes",
    summary=("the vCluster uses host nodes (private nodes are invisible to a host KAI)"),
    severity=Severity.CRITICAL,
    run=run,
    order=11,
    findings=(*vcl.EVERY_VCLUSTER, PRIVATE_NODES, REFUSED_DISTRO, REFUSED_KEY, NOT_BOOLEAN),
    passes=("the vCluster runs its workloads on host nodes (v0.19–v0.25: the release has no private nodes)",),
    docs_url=f"{DOCS_BASE}#vcluster-node-mode",
)
