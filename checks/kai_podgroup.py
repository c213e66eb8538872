"""kai-podgroup: the pod-grouper has put each kai-scheduler pod in a PodGroup that exists."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Dict, List, Optional, Set, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.products.vcluster.scope import Scope
from vcdoctor.remedy.script import said
from vcdoctor.remedy.steps import Inspect, Manual, inside_vcluster

#: a pod younger than this may simply not have been processed yet
GRACE = datetime.timedelta(seconds=60)
MAX_LISTED = 10


def _old_enough(pod: Pod, now: datetime.datetime) -> bool:
    try:
        return now - datetime.datetime.fromisoformat(str(pod.created).replace("Z", "+00:00")) > GRACE
    except ValueError:
        return True


def _group_evidence(ref: str, group: dict) -> Evidence:
    spec, status = group.get("spec") or {}, group.get("status") or {}
    return Evidence(f"PodGroup {ref}", f"queue {spec.get('queue')}, minMember {spec.get('minMember')}",
                    {"priorityClassName": spec.get("priorityClassName"), "phase": status.get("phase"),
                     "conditions": [{k: c.get(k) for k in ("type", "reason", "message")}
                                    for c in (status.get("schedulingConditions") or status.get("conditions")
                                              or [])][:5]})


def _why_ungrouped(pod: Pod, settings: kai.KaiSettings,
                   namespace_labels: kai.NamespaceLabels) -> Tuple[str, Optional[str]]:
    """(kind, reason) the pod-grouper left this pod alone by its own rules; kind "" when none applies."""
    skip = compat.SKIP_PODGROUPER
    if podinfo.annotations(pod).get(skip.value) == "true" and settings.release.has(skip) is not False:
        return "skipped", (f"annotated {skip.value}=true: the pod-grouper leaves it to whoever creates its PodGroup "
                           f"(from KAI v0.15.0, {skip.source})")
    labels = podinfo.labels(pod)
    lacking = [f"{k}={v}" for k, v in settings.pod_selector if labels.get(k) != v]
    if lacking:
        return "pod", (f"its labels lack {', '.join(lacking)}: the pod-grouper watches only pods matching its "
                       f"{compat.POD_LABEL_SELECTOR_FLAG} ({compat.GROUPER_SELECTORS.source})")
    if settings.namespace_selector:
        ns = podinfo.namespace(pod)
        found = namespace_labels(ns)
        if found is None:
            return "", None
        lacking = [f"{k}={v}" for k, v in settings.namespace_selector if found.get(k) != v]
        if lacking:
            return "namespace", (f"host namespace {ns} lacks the label(s) {', '.join(lacking)}: the pod-grouper "
                                 f"ignores pods of namespaces that do not match its "
                                 f"{compat.NAMESPACE_LABEL_SELECTOR_FLAG} ({compat.GROUPER_SELECTORS.source})")
    return "", None


def _ungrouped_by_rule(unprocessed: List[Pod], settings: kai.KaiSettings, namespace_labels: kai.NamespaceLabels,
                       evidence: List[Evidence], context: Optional[str]) -> Optional[Verdict]:
    """Pods the pod-grouper's own selectors or a skip annotation exclude: not a broken pod-grouper."""
    reasons = [(pod, *_why_ungrouped(pod, settings, namespace_labels)) for pod in unprocessed]
    explained = [(pod, kind, why) for pod, kind, why in reasons if kind]
    if len(explained) < len(unprocessed):
        return None
    evidence += [Evidence(f"pod {podinfo.ref(pod)}", str(why)) for pod, _, why in explained[:MAX_LISTED]]
    kinds = {kind for _, kind, _ in explained}
    first = explained[0][2]
    message = (f"{len(unprocessed)} KAI pod(s) have no PodGroup because the pod-grouper's own rules exclude them "
               f"(first: {podinfo.ref(explained[0][0])}: {first}); KAI ignores a pod without a PodGroup")
    if kinds == {"skipped"}:
        return SKIP_PODGROUPER.verdict(
            message, tuple(evidence),
            "Whoever set the skip annotation must create the PodGroup and annotate the pod with it; "
            "otherwise remove the annotation inside the vCluster and recreate the pod.",
            objects=[podinfo.ref(p) for p, _, _ in explained])
    lines: List[str] = []
    for namespace in sorted({podinfo.namespace(p) for p, kind, _ in explained if kind == "namespace"}):
        lines.append("label the host namespace so the pod-grouper watches it: " + said(
            context, "kubectl", "label", "namespace", namespace,
            *(f"{k}={v}" for k, v in settings.namespace_selector)))
    steps = [Manual(where="on the host cluster", lines=tuple(lines))] if lines else []
    pods = [p for p, kind, _ in explained if kind == "pod"]
    if pods:
        wanted = ", ".join(f"{k}={v}" for k, v in settings.pod_selector)
        steps.append(inside_vcluster(None, tuple(f"{vcl.virtual_ref(p) or podinfo.ref(p)}: add the label(s) {wanted} "
                                                 f"(the vCluster must sync them to the host pod) and recreate it"
                                                 for p in pods[:MAX_LISTED])))
    return OUTSIDE_SELECTORS.verdict(
        message, tuple(evidence),
        "Either give the pods and namespaces the labels KAI's pod-grouper selects (global.podLabelSelector "
        "and global.namespaceLabelSelector of KAI's Config or chart), or widen those selectors.",
        remedy.fix(context, *steps), [podinfo.ref(p) for p, _, _ in explained])


def run(scope: Scope, now: datetime.datetime, examined_kai_pods: List[Pod], podgroup_refs: Set[Tuple[str, str]],
        target_podgroups: Dict[Tuple[str, str], dict], kai_pods: Tuple[Pod, ...], kai_settings: kai.KaiSettings,
        namespace_labels: kai.NamespaceLabels, context: Optional[str]) -> Verdict:
    namespace = kai_settings.namespace
    pods = examined_kai_pods
    if not pods:
        return kai.NO_KAI_PODS
    groups = podgroup_refs
    unprocessed, dangling, evidence = [], [], []
    shared: Counter = Counter()
    for pod in pods:
        name = podinfo.annotations(pod).get(kai.PODGROUP_ANNOTATION)
        ns = podinfo.namespace(pod)
        shared[name] += 1
        if not name:
            if _old_enough(pod, now) or scope.host_pods is not None:
                unprocessed.append(pod)
        elif (ns, name) not in groups:
            dangling.append((pod, name))
        elif (ns, name) in target_podgroups:
            evidence.append(_group_evidence(f"{ns}/{name}", target_podgroups[(ns, name)]))
    per_vcluster = tuple(f"pg-{name}-" for name in {vcl.owner_key(p)[1] for p in pods} if name)
    one_group = [name for name, count in shared.items() if name and count > 1 and name.startswith(per_vcluster)]
    summary = Evidence("kai-scheduler pods", f"{len(pods)} examined, {len(unprocessed)} without "
                                             f"{kai.PODGROUP_ANNOTATION}, "
                                             f"{len(dangling)} pointing at a missing PodGroup",
                       {"without_annotation": [podinfo.ref(p) for p in unprocessed[:10]],
                        "missing_podgroups": [f"{podinfo.namespace(p)}/{n}" for p, n in dangling[:10]]})
    evidence.insert(0, summary)
    if unprocessed:
        by_rule = _ungrouped_by_rule(unprocessed, kai_settings, namespace_labels, evidence, context)
        if by_rule is not None:
            return by_rule
        # select the pod-grouper by its pods: the pre-operator Deployment has no labels
        grouper = [p for p in kai_pods if kai.component_of(p) == "pod-grouper"]
        commands = tuple(("kubectl", "logs", podinfo.name(pod), "--namespace", podinfo.namespace(pod), "--tail", "100")
                         for pod in grouper[:2]) or (("kubectl", "get", "pods", "--namespace", namespace),)
        look = Inspect(why=("The pod-grouper's log (see also kai-components and podgrouper-permissions):"
                            if grouper else f"No pod-grouper pod runs in {namespace}:",), commands=commands)
        return NO_PODGROUP.verdict(
            f"{len(unprocessed)} KAI pod(s) have no {kai.PODGROUP_ANNOTATION} "
            f"annotation: the pod-grouper has not processed them, and KAI ignores a pod "
            f"without a PodGroup (Pending, no scheduler events)", tuple(evidence),
            "Check the pod-grouper first (checks kai-components and podgrouper-permissions).",
            remedy.fix(context, look), [podinfo.ref(p) for p in unprocessed])
    if dangling:
        return DANGLING.verdict(
            f"{len(dangling)} pod(s) name a PodGroup that does not exist", tuple(evidence),
            "The podgroup-controller or pod-grouper lost the PodGroup; recreate the pods from inside the "
            "vCluster, and check on the host cluster:\n  "
            + said(context, "kubectl", "get", "pods", "--namespace", namespace, "--selector",
                   "app=podgroup-controller"), objects=[podinfo.ref(p) for p, _ in dangling])
    if one_group:
        return ONE_GANG.verdict(
            f"PodGroup(s) {', '.join(sorted(one_group)[:3])} hold the pods of a whole "
            f"vCluster: "
            f"the pod-grouper followed the owner reference to the vCluster Service, so gang "
            f"scheduling treats unrelated pods as one workload", tuple(evidence),
            "Turn setOwner off in the vCluster (see the vcluster-set-owner check) and recreate the pods.",
            objects=sorted({f"{podinfo.namespace(p)}/{podinfo.annotations(p)[kai.PODGROUP_ANNOTATION]}" for p in pods
                            if podinfo.annotations(p).get(kai.PODGROUP_ANNOTATION) in one_group}))
    return Verdict(Status.PASS, f"{len(pods)} kai-scheduler pod(s) belong to existing PodGroups", tuple(evidence))


NO_PODGROUP = Finding("VCD320", Status.FAIL, "a pod older than a minute (or the `--pod` target) has no annotation: "
                      "the pod-grouper has not processed it, and KAI ignores it",
                      "Check the pod-grouper (podgrouper-permissions, kai-components) and recreate the pod once it "
                      "runs.")
OUTSIDE_SELECTORS = Finding("VCD321", Status.FAIL, "such pods are outside the pod-grouper's label selectors: the "
                            "pod's labels or its host namespace's labels lack what they "
                            "select, named (the fix labels the namespace, by hand, or says "
                            "which labels the pods need)",
                            "Give the pods and namespaces the labels KAI's pod-grouper selects, or widen those "
                            "selectors.")
SKIP_PODGROUPER = Finding("VCD322", Status.WARN, 'such pods carry `kai.scheduler/skip-podgrouper: "true"` (v0.15+): '
                          "whoever set it must create their PodGroup",
                          "Create the PodGroup and annotate the pod with it, or remove the annotation inside the "
                          "vCluster and recreate the pod.")
DANGLING = Finding("VCD323", Status.FAIL, "a pod names a PodGroup that does not exist",
                   "Recreate the pod so the pod-grouper creates its PodGroup again.")
ONE_GANG = Finding("VCD324", Status.WARN, "several pods share a `pg-<vcluster>-…` group: the pod-grouper followed "
                   "the owner reference to the vCluster Service, so a whole vCluster is one "
                   "gang",
                   "Turn setOwner off for the vCluster (see vcluster-set-owner) and recreate its pods.")


CHECK = Check(
    id="kai-podgroup",
    title="expected: every pod in an existing PodGroup",
    summary=("the pod-grouper put each pod in an existing PodGroup, not one group for a whole vCluster"),
    severity=Severity.HIGH,
    run=run,
    order=32,
    after=("kai-queue",),
    findings=(kai.NO_KAI_POD, NO_PODGROUP, OUTSIDE_SELECTORS, SKIP_PODGROUPER, DANGLING, ONE_GANG),
    passes=("every pod points at an existing PodGroup",),
    docs_url=f"{DOCS_BASE}#kai-podgroup",
)
