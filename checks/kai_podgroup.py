"""kai-podgroup: the pod-grouper has put each kai-scheduler pod in a PodGroup that exists."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Dict, List, Optional, Set, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.remedy.script import said
from vcdoctor.remedy.steps import Inspect
from vcdoctor.scope import Scope

#: a pod younger than this may simply not have been processed yet
GRACE = datetime.timedelta(seconds=60)


def _old_enough(pod: dict, now: datetime.datetime) -> bool:
    created = (pod.get("metadata") or {}).get("creationTimestamp")
    try:
        return now - datetime.datetime.fromisoformat(str(created).replace("Z", "+00:00")) > GRACE
    except ValueError:
        return True


def _group_evidence(ref: str, group: dict) -> Evidence:
    spec, status = group.get("spec") or {}, group.get("status") or {}
    return Evidence(f"PodGroup {ref}", f"queue {spec.get('queue')}, minMember {spec.get('minMember')}",
                    {"priorityClassName": spec.get("priorityClassName"), "phase": status.get("phase"),
                     "conditions": [{k: c.get(k) for k in ("type", "reason", "message")}
                                    for c in (status.get("schedulingConditions") or status.get("conditions")
                                              or [])][:5]})


def run(scope: Scope, now: datetime.datetime, examined_kai_pods: List[dict], podgroup_refs: Set[Tuple[str, str]],
        target_podgroups: Dict[Tuple[str, str], dict], kai_pods: Tuple[dict, ...], kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    namespace = kai_settings.namespace
    pods = examined_kai_pods
    if not pods:
        return kai.NO_KAI_PODS
    groups = podgroup_refs
    unprocessed, dangling, evidence = [], [], []
    shared: Counter = Counter()
    for pod in pods:
        name = podinfo.annotations(pod).get(kai.PODGROUP_ANNOTATION)
        ns = pod["metadata"].get("namespace")
        shared[name] += 1
        if not name:
            if _old_enough(pod, now) or scope.host_pods is not None:
                unprocessed.append(pod)
        elif (ns, name) not in groups:
            dangling.append((pod, name))
        elif (ns, name) in target_podgroups:
            evidence.append(_group_evidence(f"{ns}/{name}", target_podgroups[(ns, name)]))
    per_vcluster = tuple(f"pg-{name}-" for name in {podinfo.labels(p).get(vcl.MANAGED_BY) for p in pods} if name)
    one_group = [name for name, count in shared.items() if name and count > 1 and name.startswith(per_vcluster)]
    summary = Evidence("kai-scheduler pods", f"{len(pods)} examined, {len(unprocessed)} without "
                                             f"{kai.PODGROUP_ANNOTATION}, "
                                             f"{len(dangling)} pointing at a missing PodGroup",
                       {"without_annotation": [podinfo.ref(p) for p in unprocessed[:10]],
                        "missing_podgroups": [f"{p['metadata']['namespace']}/{n}" for p, n in dangling[:10]]})
    evidence.insert(0, summary)
    if unprocessed:
        # select the pod-grouper by its pods: the pre-operator Deployment has no labels
        grouper = [p for p in kai_pods if kai.component_of(p) == "pod-grouper"]
        commands = tuple(("kubectl", "logs", podinfo.name(pod), "--namespace", podinfo.namespace(pod), "--tail", "100")
                         for pod in grouper[:2]) or (("kubectl", "get", "pods", "--namespace", namespace),)
        look = Inspect(why=("The pod-grouper's log (see also kai-components and podgrouper-permissions):"
                            if grouper else f"No pod-grouper pod runs in {namespace}:",), commands=commands)
        return Verdict(Status.FAIL, f"{len(unprocessed)} KAI pod(s) have no {kai.PODGROUP_ANNOTATION} "
                                    f"annotation: the pod-grouper has not processed them, and KAI ignores a pod "
                                    f"without a PodGroup (Pending, no scheduler events)", tuple(evidence),
                       "Check the pod-grouper first (checks kai-components and podgrouper-permissions).",
                       remedy.fix(context, look))
    if dangling:
        return Verdict(Status.FAIL, f"{len(dangling)} pod(s) name a PodGroup that does not exist", tuple(evidence),
                       "The podgroup-controller or pod-grouper lost the PodGroup; recreate the pods from inside the "
                       "vCluster, and check on the host cluster:\n  "
                       + said(context, "kubectl", "get", "pods", "--namespace", namespace, "--selector",
                              "app=podgroup-controller"))
    if one_group:
        return Verdict(Status.WARN, f"PodGroup(s) {', '.join(sorted(one_group)[:3])} hold the pods of a whole "
                                    f"vCluster: "
                                    f"the pod-grouper followed the owner reference to the vCluster Service, so gang "
                                    f"scheduling treats unrelated pods as one workload", tuple(evidence),
                       "Turn setOwner off in the vCluster (see the vcluster-set-owner check) and recreate the pods.")
    return Verdict(Status.PASS, f"{len(pods)} kai-scheduler pod(s) belong to existing PodGroups", tuple(evidence))


CHECK = Check(
    id="kai-podgroup",
    title="expected: every pod in an existing PodGroup",
    severity=Severity.HIGH,
    run=run,
    order=32,
    after=("kai-queue",),
    docs_url=f"{DOCS_BASE}#kai-podgroup",
)
