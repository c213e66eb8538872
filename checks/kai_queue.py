"""kai-queue: each kai-scheduler pod names a Queue that exists and is a leaf of the queue tree."""

from __future__ import annotations

from collections import defaultdict

from vcdoctor.products import kai
from vcdoctor import pods as podinfo
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

MAX_LISTED = 10


def _queue_yaml(name: str, parent: str) -> str:
    return (f"apiVersion: scheduling.run.ai/v2\nkind: Queue\nmetadata:\n  name: {name}\nspec:\n"
            f"  parentQueue: {parent}\n  resources:\n    gpu: {{quota: -1, limit: -1, overQuotaWeight: 1}}\n"
            f"    cpu: {{quota: -1, limit: -1, overQuotaWeight: 1}}\n"
            f"    memory: {{quota: -1, limit: -1, overQuotaWeight: 1}}")


def run(examined_kai_pods, queues) -> Verdict:
    pods = examined_kai_pods
    if not pods:
        return kai.NO_KAI_PODS
    tree = queues
    by_queue = defaultdict(list)
    legacy = []
    for pod in pods:
        queue, legacy_label = kai.pod_queue(pod)
        by_queue[queue].append(pod)
        if legacy_label:
            legacy.append(pod)
    tree_ev = Evidence("queues.scheduling.run.ai", f"{len(tree.names)} queues, leaves: {', '.join(tree.leaves) or 'none'}",
                       {"queues": list(tree.names), "parents": list(tree.parents)})
    evidence = [tree_ev] + [Evidence(f"queue {q}", f"{len(ps)} pod(s)", {"pods": [podinfo.ref(p) for p in ps[:MAX_LISTED]]})
                            for q, ps in sorted(by_queue.items())]
    missing = sorted(q for q in by_queue if q not in tree.names)
    parents = sorted(q for q in by_queue if q in tree.parents)
    if missing:
        parent = next(iter(tree.parents), "default-parent-queue")
        fix = (f"Create the queue (host cluster) under a parent queue, or point the pods at an existing leaf queue "
               f"({', '.join(tree.leaves) or 'none exists'}) with the label {kai.QUEUE_LABEL}:\n"
               + "\n---\n".join(_queue_yaml(q, parent) for q in missing[:3]))
        return Verdict(Status.FAIL, f"queue(s) {', '.join(missing)} do not exist ({sum(len(by_queue[q]) for q in missing)} "
                                    f"pod(s)); KAI leaves their pods Pending (v0.13+: QueueDoesNotExist)",
                       tuple(evidence), fix)
    if parents:
        return Verdict(Status.FAIL, f"queue(s) {', '.join(parents)} are parent queues; KAI schedules pods only in "
                                    f"leaf queues and leaves these Pending without a clear message",
                       tuple(evidence), f"Use a leaf queue in the {kai.QUEUE_LABEL} label: "
                                        f"{', '.join(tree.leaves) or '(create one under the parent)'}")
    if legacy:
        return Verdict(Status.WARN, f"{len(legacy)} pod(s) use only the legacy runai/queue label, which KAI v0.6+ "
                                    f"no longer reads", tuple(evidence),
                       f"Rename the label inside the vCluster: runai/queue -> {kai.QUEUE_LABEL}")
    return Verdict(Status.PASS, f"{len(pods)} kai-scheduler pod(s) in existing leaf queue(s): "
                                f"{', '.join(sorted(by_queue))}", tuple(evidence))


CHECK = Check(
    id="kai-queue",
    title="Pods are in an existing leaf queue",
    severity=Severity.HIGH,
    run=run,
    order=31,
    after=("pod-scheduler-name",),
    docs_url=f"{DOCS_BASE}#kai-queue",
)
