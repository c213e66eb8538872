"""vcluster-priority-class: pod priority classes KAI reads survive the sync to the host."""

from __future__ import annotations

from typing import List, Optional

from vcdoctor import pods as podinfo
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

TO_HOST = "sync.toHost.priorityClasses.enabled"
FROM_HOST = "sync.fromHost.priorityClasses.enabled"
LABEL = "priorityClassName"

SNIPPET = """sync:
  fromHost:
    priorityClasses:
      enabled: true"""


def _examine(vc: vcl.VCluster, settings: vcl.Settings, pods: List[dict], context: Optional[str]) -> Verdict:
    synced = bool(settings.get(TO_HOST) or settings.get(FROM_HOST))
    ev = Evidence(settings.source, f"priority class sync: toHost={settings.get(TO_HOST, False)}, "
                                   f"fromHost={settings.get(FROM_HOST, False)}", {"vcluster": vc.ref})
    if synced or settings.legacy:
        return Verdict(Status.PASS, f"{vc.ref}: priority classes are synced; host pods keep priorityClassName",
                       (ev,))
    unlabelled = [p for p in pods if LABEL not in podinfo.labels(p)]
    lost = [p for p in unlabelled if vcl.virtual_label(p, LABEL) is not None]
    pods_ev = Evidence(f"kai-scheduler pods of {vc.ref}",
                       f"{len(pods) - len(unlabelled)} of {len(pods)} carry the {LABEL} label",
                       {"lost_label": [podinfo.ref(p) for p in lost[:10]]})
    remediation = ("vCluster strips spec.priorityClassName from host pods while priority class sync is off, and KAI "
                   "then derives priority and preemptibility from the workload type. Use the KAI label on the pod "
                   f"({LABEL}: train|build|inference|build-preemptible), or let the vCluster use the host's priority "
                   "classes. " + vcl.upgrade_explained(vc, SNIPPET))
    fix = vcl.upgrade_fix(vc, context, SNIPPET, "kai-priority-values.yaml",
                          "Let the vCluster use the host's priority classes, so host pods keep priorityClassName.")
    if lost:
        return Verdict(Status.WARN, f"{vc.ref}: {len(lost)} pod(s) set {LABEL} inside the vCluster but the host pod "
                                    f"has neither the label nor the priority class", (ev, pods_ev), remediation, fix)
    return Verdict(Status.PASS, f"{vc.ref}: priority class sync is off, so a virtual pod's spec.priorityClassName "
                                f"is dropped on the host; the {LABEL} label that KAI reads is kept", (ev, pods_ev))


def run(vclusters, vcluster_settings, pods_by_vcluster, context) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(
        vc, settings, kai.kai_pods_of(pods_by_vcluster.get((vc.namespace, vc.name), [])), context))


CHECK = Check(
    id="vcluster-priority-class",
    title="Pod priority classes reach KAI",
    severity=Severity.MEDIUM,
    run=run,
    order=14,
    docs_url=f"{DOCS_BASE}#vcluster-priority-class",
)
