"""vcluster-priority-class: pod priority classes KAI reads survive the sync to the host."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import yaml

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.facts import HostPriorityClasses, SettingsByVCluster
from vcdoctor.remedy.script import said

TO_HOST = "sync.toHost.priorityClasses.enabled"
FROM_HOST = "sync.fromHost.priorityClasses.enabled"
LABEL = "priorityClassName"


def kept(vc: vcl.VCluster, settings: vcl.Settings) -> Tuple[bool, str]:
    """Whether host pods keep spec.priorityClassName in this release with these settings, and the settings read."""
    rule = compat.PRIORITY_CLASSES.at(vc.version)
    if rule == "controller":
        on = settings.controller_enabled("priorityclasses") or settings.get("--enable-priority-classes") is True
        return on, f"--sync={','.join(settings.get('--sync') or []) or '(default)'}; priorityclasses controller " \
                   f"{'on' if on else 'off (the default)'}"
    to_host, from_host = settings.get(TO_HOST) is True, settings.get(FROM_HOST) is True
    if rule == "to-host":
        note = f"; {FROM_HOST} is not read by this release" if from_host else ""
        return to_host, f"{TO_HOST} = {to_host}{note}"
    return to_host or from_host, f"{TO_HOST} = {to_host}, {FROM_HOST} = {from_host}"


def dotted(key: str, value: object) -> dict:
    """``a.b.c`` = value as nested values."""
    node: object = value
    for part in reversed(key.split(".")):
        node = {part: node}
    assert isinstance(node, dict)
    return node


def settings_key_on(values: dict, key: str) -> bool:
    node: object = values
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node is True


def _examine(vc: vcl.VCluster, settings: vcl.Settings, pods: List[Pod], host_classes: HostPriorityClasses,
             context: Optional[str]) -> Verdict:
    keeps, read = kept(vc, settings)
    given = vcl.pod_priority_class(settings, vc.version)
    data = {"vcluster": vc.ref, "version": vc.version_text, "rule": compat.PRIORITY_CLASSES.source(vc.version)}
    if settings.get(given.key) is not None:
        data["pod_priority_class_rule"] = given.source
    ev = Evidence(settings.source, f"priority class sync: {read}; {given.key} = {given.name or '(not set)'}", data)
    if given.problem:
        return CLASS_NOT_STRING.verdict(
            f"{vc.ref}: {given.problem}", (ev,),
            "vCluster refuses a config whose value is not a string. Fix the value in the vCluster's Helm "
            "values (on the host cluster):\n  "
            + said(context, "vcluster", "describe", vc.name, "--namespace", vc.namespace))
    if given.name and host_classes.get(given.name) is False:
        return CLASS_MISSING.verdict(
            f"{vc.ref}: {given.key} gives host pods PriorityClass {given.name}, which the host does not have: the "
            f"host refuses each such pod (\"no PriorityClass with name {given.name} was found\")", (ev,),
            f"Create PriorityClass {given.name} on the host cluster (its value sets the pods' priority), or set "
            f"{given.key} to a class the host has ({given.source}); the syncer then creates the refused pods on its "
            f"next retry. The classes the host has:\n  " + said(context, "kubectl", "get", "priorityclasses"),
            objects=[vc.ref, given.name])
    if keeps:
        also = f"; a pod without a class of its own gets {given.name} ({given.key})" if given.name else ""
        return Verdict(Status.PASS, f"{vc.ref}: priority classes are synced; host pods keep priorityClassName{also}",
                       (ev,))
    change = yaml.safe_load(compat.PRIORITY_SNIPPET.at(vc.version) or "{}")
    if compat.PRIORITY_CLASSES_EXCLUSIVE.at(vc.version):
        # the syncer refuses both directions at once (PRIORITY_CLASSES_EXCLUSIVE): turning one on turns the other off
        turned_on = TO_HOST if settings_key_on(change, TO_HOST) else FROM_HOST
        other = FROM_HOST if turned_on == TO_HOST else TO_HOST
        change = vcl.deep_merge(change, dotted(other, False))
    step = vcl.VClusterValues(vc=vc, values=change, why=(
        f"vCluster {vc.version_text}: sync priority classes, so host pods keep priorityClassName.",))
    if compat.PRIORITY_CLASSES.at(vc.version) == "to-host" and settings.get(FROM_HOST) is True:
        # v0.21-v0.22 accept the fromHost key but the pod translator reads only toHost (translator.go:104@v0.21.0)
        return FROM_HOST_IGNORED.verdict(
            f"{vc.ref}: {FROM_HOST} is on, but vCluster {vc.version_text} ignores it for "
            f"pods: host pods lose spec.priorityClassName unless {TO_HOST} is on", (ev,),
            f"vCluster before v0.23 keeps a pod's priority class only with {TO_HOST} "
            f"({compat.PRIORITY_CLASSES.source(vc.version)}); from v0.23 {FROM_HOST} alone keeps it. "
            + vcl.upgrade_explained(vc, change, context),
            remedy.fix(context, replace(step, why=(f"vCluster {vc.version_text} reads only {TO_HOST} for "
                                                   f"pods.",))))
    unlabelled = [p for p in pods if LABEL not in podinfo.labels(p)]
    # with a vCluster-wide class, a pod whose label is lost still gets a class: only one asking for another lost it
    lost = [p for p in unlabelled if vcl.virtual_label(p, LABEL) not in (None, given.name)]
    pods_ev = Evidence(f"kai-scheduler pods of {vc.ref}",
                       f"{len(pods) - len(unlabelled)} of {len(pods)} carry the {LABEL} label",
                       {"lost_label": [podinfo.ref(p) for p in lost[:10]]})
    if given.name:
        instead = (f"vCluster gives every host pod priority class {given.name} ({given.key}) in place of the class "
                   f"it sets inside the vCluster")
        if not lost:
            return Verdict(Status.PASS, f"{vc.ref}: priority class sync is off; {instead}, and the {LABEL} label "
                                        f"that KAI reads first is kept", (ev, pods_ev))
        remediation = (f"{instead} ({compat.POD_PRIORITY_CLASS.source}); KAI reads the {LABEL} label first and, "
                       f"without it, that class. "
                       f"Keep the KAI label on the pod ({LABEL}: train|build|inference|build-preemptible), or sync "
                       f"priority classes so each pod keeps its own class ({given.name} then goes only to pods "
                       f"without one). " + vcl.upgrade_explained(vc, change, context))
        return OTHER_CLASS_LOST.verdict(
            f"{vc.ref}: {len(lost)} pod(s) set another {LABEL} inside the vCluster, but the "
            f"host pod has no such label and priority class {given.name}", (ev, pods_ev),
            remediation, remedy.fix(context, step))
    if not lost:
        return Verdict(Status.PASS, f"{vc.ref}: priority class sync is off, so a virtual pod's spec.priorityClassName "
                                    f"is dropped on the host; the {LABEL} label that KAI reads is kept", (ev, pods_ev))
    label_note = (" vCluster before v0.21 also rewrites the label itself unless it is listed in syncLabels "
                  "(see vcluster-label-sync)." if vc.version is not None and vc.version < (0, 21, 0) else "")
    remediation = ("vCluster strips spec.priorityClassName from host pods while priority class sync is off "
                   f"({compat.PRIORITY_CLASSES.source(vc.version)}), and KAI then derives priority and "
                   f"preemptibility from the workload type. Keep the KAI label on the pod ({LABEL}: "
                   f"train|build|inference|build-preemptible), or sync priority classes.{label_note}{_one_class(vc)} "
                   + vcl.upgrade_explained(vc, change, context))
    fix = remedy.fix(context, step)
    return CLASS_LOST.verdict(
        f"{vc.ref}: {len(lost)} pod(s) set {LABEL} inside the vCluster but the host pod "
        f"has neither the label nor the priority class", (ev, pods_ev), remediation, fix)


def _one_class(vc: vcl.VCluster) -> str:
    """v0.23+: the vCluster-wide class, an alternative only when every pod may have the same one."""
    era = compat.POD_PRIORITY_CLASS
    if vc.version is None or vc.version not in era.span:
        return ""
    return (f" If every pod of {vc.ref} may run at one priority, {era.value}: <a PriorityClass of the host> gives "
            f"each host pod that class in place of its own ({era.source}).")


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster,
        pods_by_vcluster: Dict[Tuple[str, str], List[Pod]], host_priority_classes: HostPriorityClasses,
        kai_settings: kai.KaiSettings, context: Optional[str]) -> Verdict:
    scheduler = kai_settings.scheduler
    return vcl.each_vcluster(vclusters, vcluster_settings, lambda vc, settings: _examine(
        vc, settings, kai.kai_pods_of(pods_by_vcluster.get((vc.namespace, vc.name), []), scheduler),
        host_priority_classes, context),
        context)


FROM_HOST_IGNORED = Finding("VCD140", Status.WARN, "v0.21–v0.22 with only `sync.fromHost.priorityClasses` on, which "
                            "this release ignores for pods",
                            "Turn on `sync.toHost.priorityClasses.enabled` (v0.21–v0.22), or upgrade to v0.23+, "
                            "where the fromHost key keeps it.")
CLASS_LOST = Finding("VCD141", Status.WARN, "a pod set the `priorityClassName` label inside the vCluster and the "
                     "host pod has neither label nor class",
                     "Sync priority classes (the values snippet for the release), then recreate the pods from inside"
                     " the vCluster.")
OTHER_CLASS_LOST = Finding("VCD142", Status.WARN, "v0.23+, a pod lost a label asking for another class than "
                           "`sync.toHost.pods.priorityClassName`",
                           "Sync priority classes, or change `sync.toHost.pods.priorityClassName` to the class the "
                           "pods ask for.")
CLASS_MISSING = Finding("VCD144", Status.FAIL, "v0.23+, `sync.toHost.pods.priorityClassName` names a PriorityClass "
                        "the host does not have: the host refuses every pod given it",
                        "Create that PriorityClass on the host, or set the key to a class the host has.")
CLASS_NOT_STRING = Finding("VCD143", Status.ERROR, "`sync.toHost.pods.priorityClassName` is not a string",
                           "Set `sync.toHost.pods.priorityClassName` to a PriorityClass name (a string) and upgrade "
                           "the vCluster.")


CHECK = Check(
    id="vcluster-priority-class",
    title="expected: pod priority classes reach KAI",
    summary=("the host pod keeps the `priorityClassName` KAI reads (per release: which sync setting keeps "
             "`spec.priorityClassName`)"),
    severity=Severity.MEDIUM,
    run=run,
    order=14,
    findings=(*vcl.EVERY_VCLUSTER, FROM_HOST_IGNORED, CLASS_LOST, OTHER_CLASS_LOST, CLASS_NOT_STRING, CLASS_MISSING),
    passes=("priority classes are synced, so host pods keep `priorityClassName`",
            "sync off, but no pod lost its `priorityClassName` label (the message says `spec.priorityClassName` is "
            "dropped)",
            "v0.23+, sync off, `sync.toHost.pods.priorityClassName` set and no pod lost a label asking for another "
            "class",),
    docs_url=f"{DOCS_BASE}#vcluster-priority-class",
)
