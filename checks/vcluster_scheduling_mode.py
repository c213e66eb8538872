"""vcluster-scheduling-mode: a virtual scheduler binds pods before the host KAI scheduler can."""

from __future__ import annotations

from typing import Optional

from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.products import kai
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

VIRTUAL = "controlPlane.distro.k8s.scheduler.enabled"
VIRTUAL_OLD = "controlPlane.advanced.virtualScheduler.enabled"
HYBRID = "sync.toHost.pods.hybridScheduling.enabled"
HOST_SCHEDULERS = "sync.toHost.pods.hybridScheduling.hostSchedulers"

HYBRID_SNIPPET = """sync:
  toHost:
    pods:
      hybridScheduling:
        enabled: true
        hostSchedulers:
          - kai-scheduler"""

VIRTUAL_SNIPPET = """controlPlane:
  distro:
    k8s:
      scheduler:
        enabled: false
  advanced:
    virtualScheduler:
      enabled: false"""


def _examine(vc: vcl.VCluster, settings: vcl.Settings, context: Optional[str]) -> Verdict:
    virtual = bool(settings.get(VIRTUAL) or settings.get(VIRTUAL_OLD))
    hybrid = bool(settings.get(HYBRID))
    host_schedulers = settings.get(HOST_SCHEDULERS) or []
    ev = Evidence(settings.source, f"virtual scheduler = {virtual}, hybrid scheduling = {hybrid}",
                  {"vcluster": vc.ref, VIRTUAL: settings.get(VIRTUAL), VIRTUAL_OLD: settings.get(VIRTUAL_OLD),
                   HYBRID: settings.get(HYBRID), HOST_SCHEDULERS: host_schedulers})
    if hybrid:
        if kai.KAI_SCHEDULER in host_schedulers:
            return Verdict(Status.PASS, f"{vc.ref}: hybrid scheduling hands kai-scheduler pods to the host", (ev,))
        return Verdict(Status.FAIL, f"{vc.ref}: hybrid scheduling is on but kai-scheduler is not in hostSchedulers, "
                                    f"so kai-scheduler pods wait for a scheduler inside the vCluster",
                       (ev,), "Add kai-scheduler to the host schedulers (vCluster Pro). "
                       + vcl.upgrade_explained(vc, HYBRID_SNIPPET),
                       vcl.upgrade_fix(vc, context, HYBRID_SNIPPET, "kai-hybrid-values.yaml",
                                       "Hand kai-scheduler pods to the host scheduler (hybrid scheduling)."))
    if virtual:
        return Verdict(Status.FAIL, f"{vc.ref}: the virtual scheduler binds every pod inside the vCluster before "
                                    f"it is synced; the host KAI scheduler is bypassed and kai-scheduler pods stay "
                                    f"Pending unless KAI runs inside the vCluster",
                       (ev,), "Turn the virtual scheduler off (or use hybrid scheduling with hostSchedulers: "
                       "[kai-scheduler]). " + vcl.upgrade_explained(vc, VIRTUAL_SNIPPET),
                       vcl.upgrade_fix(vc, context, VIRTUAL_SNIPPET, "kai-scheduler-values.yaml",
                                       "Turn the virtual scheduler off, so pods reach the host unbound."))
    return Verdict(Status.PASS, f"{vc.ref}: pods reach the host unbound; the host scheduler named in each pod "
                                f"schedules it", (ev,))


def run(vclusters, vcluster_settings, context) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(vc, settings, context))


CHECK = Check(
    id="vcluster-scheduling-mode",
    title="vCluster leaves scheduling to the host",
    severity=Severity.CRITICAL,
    run=run,
    order=12,
    docs_url=f"{DOCS_BASE}#vcluster-scheduling-mode",
)
