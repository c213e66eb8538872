"""vcluster-node-mode: host KAI can only schedule vClusters that use host nodes, not private nodes."""

from __future__ import annotations

from typing import Optional, Tuple

from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.remedy.script import said

PRIVATE_NODES_FIX = ("Private nodes sync nothing to the host cluster, so the host's KAI never sees these pods, and "
                     "a vCluster cannot be switched from private to host nodes after creation. Either:\n"
                     "  - install KAI inside the vCluster (run helm against the vCluster's kube context), or\n"
                     "  - create a new vCluster on host nodes (privateNodes.enabled: false, the default) and move "
                     "the workloads.")


def _examine(vc: vcl.VCluster, settings: vcl.Settings, context: Optional[str]) -> Verdict:
    private = settings.get("privateNodes.enabled", False)
    ev = Evidence(settings.source, f"privateNodes.enabled = {private}", {"vcluster": vc.ref,
                                                                           "version": vc.version_text})
    if private is True:
        return Verdict(Status.FAIL, f"{vc.ref}: uses private nodes; nothing is synced to the host, so the host "
                                    f"KAI scheduler cannot schedule its pods", (ev,), PRIVATE_NODES_FIX)
    if private not in (False, None):
        return Verdict(Status.ERROR, f"{vc.ref}: privateNodes.enabled is {private!r}, not a boolean", (ev,),
                       "Fix the value in the vCluster's Helm values (on the host cluster):\n  "
                       + said(context, "vcluster", "describe", vc.name, "--namespace", vc.namespace))
    return Verdict(Status.PASS, f"{vc.ref}: runs its workloads on host nodes", (ev,))


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster, context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(vc, settings, context),
                             context)


CHECK = Check(
    id="vcluster-node-mode",
    title="expected: the vCluster uses host nodes",
    severity=Severity.CRITICAL,
    run=run,
    order=11,
    docs_url=f"{DOCS_BASE}#vcluster-node-mode",
)
