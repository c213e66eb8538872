"""vcluster-label-sync: KAI's queue label must reach the host pod unchanged."""

from __future__ import annotations

from typing import List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.products import kai
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

MAX_LISTED = 10
KAI_LABELS = (kai.QUEUE_LABEL, "priorityClassName")

SYNC_LABELS_SNIPPET = """experimental:
  syncSettings:
    syncLabels:
      - kai.scheduler/queue
      - priorityClassName"""
LEGACY_SNIPPET = """syncer:
  extraArgs:
    - --sync-labels=kai.scheduler/queue,priorityClassName"""


def _queue_intent(pods: List[dict]) -> Tuple[List[dict], List[dict]]:
    """Pods whose virtual labels carry a queue, and those whose host pod lost it."""
    wanting = [p for p in pods if vcl.virtual_label(p, kai.QUEUE_LABEL) is not None]
    lost = [p for p in wanting if kai.QUEUE_LABEL not in podinfo.labels(p)]
    return wanting, lost


def _examine(vc: vcl.VCluster, settings: vcl.Settings, pods: List[dict], context: Optional[str]) -> Verdict:
    wanting, lost = _queue_intent(pods)
    pods_ev = Evidence(f"host pods of {vc.ref}", f"{len(wanting)} ask for a KAI queue, {len(lost)} lost the label "
                                                 f"on the host", {"lost": [podinfo.ref(p) for p in lost[:MAX_LISTED]]})
    rewrites = vc.version is None or vc.version < (0, 21, 0)  # v0.21 (PR #2030) stopped hashing labels
    if settings.legacy or rewrites:
        key = "--sync-labels" if settings.legacy else "experimental.syncSettings.syncLabels"
        patterns = settings.get(key) or []
        ev = Evidence(settings.source, f"{key} = {patterns}", {"vcluster": vc.ref, "version": vc.version_text})
        missing = [label for label in KAI_LABELS if not vcl.label_synced(patterns, label)]
        if kai.QUEUE_LABEL in missing:
            snippet = LEGACY_SNIPPET if settings.legacy else SYNC_LABELS_SNIPPET
            remediation = (f"vCluster {vc.version_text} rewrites every pod label to "
                           f"vcluster.loft.sh/label-{vc.name}-x-<hash> unless it is listed. List the KAI labels, or "
                           f"upgrade to vCluster v0.21+, which keeps labels. " + vcl.upgrade_explained(vc, snippet))
            fix = vcl.upgrade_fix(vc, context, snippet, "kai-labels-values.yaml",
                                  f"Keep the KAI labels on the way to the host ({key}).")
            # pods that ask for a queue are mis-queued now; without such pods it is a trap for the next one
            status = Status.FAIL if wanting else Status.WARN
            return Verdict(status, f"{vc.ref}: kai.scheduler/queue is rewritten on the way to the host "
                                   f"({vc.version_text} without it in {key}); KAI puts such pods in default-queue",
                           (ev, pods_ev), remediation, fix)
        return Verdict(Status.PASS, f"{vc.ref}: {key} keeps the KAI labels", (ev, pods_ev))
    if lost:
        return Verdict(Status.FAIL, f"{vc.ref}: {len(lost)} pod(s) asked for a KAI queue inside the vCluster but the "
                                    f"host pod has no kai.scheduler/queue label", (pods_ev,),
                       "Something between the virtual and the host pod strips the label (a vCluster Pro pod patch, "
                       "or a host mutating webhook):\n  vcluster describe " + f"{vc.name} -n {vc.namespace}\n"
                       f"  kubectl get mutatingwebhookconfigurations")
    return Verdict(Status.PASS, f"{vc.ref}: vCluster {vc.version_text} keeps pod labels; "
                                f"{len(wanting)} pod(s) carry their queue label on the host", (pods_ev,))


def run(vclusters, vcluster_settings, pods_by_vcluster, context) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(
        vc, settings, pods_by_vcluster.get((vc.namespace, vc.name), []), context))


CHECK = Check(
    id="vcluster-label-sync",
    title="KAI queue labels reach the host pods",
    severity=Severity.HIGH,
    run=run,
    order=13,
    docs_url=f"{DOCS_BASE}#vcluster-label-sync",
)
