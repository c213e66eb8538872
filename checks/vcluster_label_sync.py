"""vcluster-label-sync: KAI's queue label must reach the host pod unchanged."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.remedy.steps import Inspect, inside_vcluster

MAX_LISTED = 10
PRIORITY_LABEL = "priorityClassName"


def sync_labels_values(patterns: List[object], queue_label: str) -> dict:
    """syncLabels is a list Helm replaces whole: the entries the config has, plus the KAI labels."""
    labels = [str(p) for p in patterns] + [k for k in (queue_label, PRIORITY_LABEL) if k not in map(str, patterns)]
    return {"experimental": {"syncSettings": {"syncLabels": labels}}}


def _queue_intent(pods: List[Pod], queue_label: str) -> Tuple[List[Pod], List[Pod]]:
    """Pods whose virtual labels carry a queue, and those whose host pod lost it."""
    wanting = [p for p in pods if vcl.virtual_label(p, queue_label) is not None]
    lost = [p for p in wanting if queue_label not in podinfo.labels(p)]
    return wanting, lost


def _examine(vc: vcl.VCluster, settings: vcl.Settings, pods: List[Pod], context: Optional[str],
             queue_label: str) -> Verdict:
    wanting, lost = _queue_intent(pods, queue_label)
    data = {"vcluster": vc.ref, "version": vc.version_text}
    pods_ev = Evidence(f"host pods of {vc.ref}", f"{len(wanting)} ask for a KAI queue, {len(lost)} lost the label "
                                                 f"on the host", {"lost": [podinfo.ref(p) for p in lost[:MAX_LISTED]]})
    rewrites = compat.LABEL_REWRITING.at(vc.version) == "all"
    if rewrites and settings.multi_namespace:
        # multi-namespace mode copies virtual labels verbatim (multi_namespace.go:228@v0.19.0, :233-235@v0.20.0)
        ev = Evidence(settings.source, "multi-namespace mode: labels are copied unchanged",
                      {**data, "read": compat.MULTI_NAMESPACE_LABELS_VERBATIM.source})
        rewrites = False
    else:
        ev = Evidence(settings.source, f"labels rewritten: {compat.LABEL_REWRITING.at(vc.version)}",
                      {**data, "read": compat.LABEL_REWRITING.source(vc.version)})
    if rewrites:
        key = compat.SYNC_LABELS_KEY.at(vc.version) or ""
        patterns = settings.get(key) or []
        ev = Evidence(settings.source, f"{key} = {patterns}", {**data, "read": compat.SYNC_LABELS_SEMANTICS.source})
        missing = [label for label in (queue_label, PRIORITY_LABEL) if not vcl.label_synced(patterns, label)]
        if queue_label in missing:
            if settings.legacy:
                step = vcl.VClusterValues(why=(f"Keep the KAI labels on the way to the host ({key}).",), vc=vc,
                                          sync_labels=tuple(sorted({*vcl.KAI_SYNC_LABELS, queue_label})))
            else:
                step = vcl.VClusterValues(why=(f"Keep the KAI labels on the way to the host ({key}).",), vc=vc,
                                          values=sync_labels_values(list(patterns), queue_label))
            odd = [str(p) for p in patterns if str(p).endswith("*") and not str(p).endswith("/*")]
            odd_note = (f" {', '.join(odd)} is not a wildcard: vCluster treats only entries ending in /* as "
                        f"patterns, every other entry as an exact label key." if odd else "")
            remediation = (f"vCluster {vc.version_text} rewrites every pod label to "
                           f"vcluster.loft.sh/label-{vc.name}-x-<hash> unless it is listed in {key}.{odd_note} List "
                           f"the KAI labels, or upgrade to vCluster v0.21+, which keeps labels. "
                           + vcl.upgrade_explained(vc, step.change(), context))
            # the host pods created before the change keep their rewritten labels: recreated inside, they get them
            steps = (step, inside_vcluster(vc.ref, (
                "Recreate the pods that ask for a KAI queue (restart their controllers): "
                + ", ".join(vcl.virtual_ref(p) or podinfo.name(p) for p in lost[:MAX_LISTED]) + ".",))) \
                if lost else (step,)
            fix = remedy.fix(context, *steps)
            # pods that ask for a queue are mis-queued now; without such pods it is a trap for the next one
            finding = QUEUE_LABEL_REWRITTEN if wanting else QUEUE_LABEL_TRAP
            return finding.verdict(
                f"{vc.ref}: {queue_label} is rewritten on the way to the host "
                f"({vc.version_text} without it in {key}); KAI puts such pods in default-queue",
                (ev, pods_ev), remediation, fix)
        return Verdict(Status.PASS, f"{vc.ref}: {key} keeps the KAI labels", (ev, pods_ev))
    if lost:
        return QUEUE_LABEL_LOST.verdict(
            f"{vc.ref}: {len(lost)} pod(s) asked for a KAI queue inside the vCluster but the "
            f"host pod has no {queue_label} label", (ev, pods_ev),
            "vCluster keeps this label in this release, so something between the virtual and the host pod "
            "strips it (a vCluster Pro pod patch, or a host mutating webhook): inspect, on the host "
            "cluster (the commands the fix runs)",
            _inspect_fix(vc, lost, context))
    return Verdict(Status.PASS, f"{vc.ref}: vCluster {vc.version_text} keeps pod labels; "
                                f"{len(wanting)} pod(s) carry their queue label on the host", (ev, pods_ev))


def _inspect_fix(vc: vcl.VCluster, lost: List[Pod], context: Optional[str]) -> Optional[Fix]:
    """Read-only: what could strip the label (nothing to change before the cause is known)."""
    if not context:
        return None
    return remedy.fix(context, Inspect(
        why=(f"{vc.ref} keeps pod labels in {vc.version_text}; find what strips the queue label:",),
        commands=(("kubectl", "get", "mutatingwebhookconfigurations"),
                  ("vcluster", "describe", vc.name, "--namespace", vc.namespace),
                  ("kubectl", "get", "pod", podinfo.name(lost[0]), "--namespace", podinfo.namespace(lost[0]),
                   "--show-labels"))))


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster,
        pods_by_vcluster: Dict[Tuple[str, str], List[Pod]], kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    queue_label = kai_settings.queue_label.value or kai.QUEUE_LABEL
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(
        vc, settings, pods_by_vcluster.get((vc.namespace, vc.name), []), context, queue_label), context)


QUEUE_LABEL_REWRITTEN = Finding("VCD130", Status.FAIL, "v0.19–v0.20 without the queue label listed, and a pod asks "
                                "for a queue: KAI puts it in `default-queue`",
                                "Add `kai.scheduler/queue` to the syncLabels list "
                                "(`experimental.syncSettings.syncLabels`; v0.19: `--sync-labels`), upgrade the "
                                "vCluster and recreate the pods.")
QUEUE_LABEL_TRAP = Finding("VCD131", Status.WARN, "the same setting, but no pod asks for a queue yet",
                           "Add `kai.scheduler/queue` to the syncLabels list before a pod asks for a queue.")
QUEUE_LABEL_LOST = Finding("VCD132", Status.FAIL, "v0.21+ (labels kept): a host pod lost `kai.scheduler/queue` "
                           "anyway (a Pro pod patch or a host mutating webhook)",
                           "Find what strips the label between the virtual and the host pod (a vCluster Pro pod "
                           "patch, a host mutating webhook) and stop it.")


CHECK = Check(
    id="vcluster-label-sync",
    title="expected: KAI queue labels reach the host pods",
    summary=("`kai.scheduler/queue` reaches the host pod (v0.19/v0.20 rewrite labels unless listed in "
             "`syncLabels`; later releases must keep it)"),
    severity=Severity.HIGH,
    run=run,
    order=13,
    findings=(*vcl.EVERY_VCLUSTER, QUEUE_LABEL_REWRITTEN, QUEUE_LABEL_TRAP, QUEUE_LABEL_LOST),
    passes=("v0.19–v0.20: the list keeps `kai.scheduler/queue`; v0.21+: every host pod whose virtual pod asked for a"
            " queue carries the label",),
    docs_url=f"{DOCS_BASE}#vcluster-label-sync",
)
