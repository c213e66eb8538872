"""kai-queue: each KAI pod lands in a Queue that exists, survives the scheduler's cleanup and takes jobs."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products.kai import compat
from vcdoctor.products.kai.queues import PodQueue, QueueTree, pod_queue
from vcdoctor.products.vcluster import owner_key
from vcdoctor.remedy.steps import inside_vcluster

MAX_LISTED = 10


def _vcluster(pods: List[Pod]) -> Optional[str]:
    refs = {f"{ns}/{name}" for ns, name in map(owner_key, pods) if name}
    return next(iter(refs)) if len(refs) == 1 else None


def _parent_for(tree: QueueTree) -> Tuple[str, bool]:
    """(parent queue for a new queue, whether it must be created too)."""
    existing = [q for q in tree.top_level_parents() if q not in tree.orphans()]
    if existing:
        return ("default-parent-queue" if "default-parent-queue" in existing else existing[0]), False
    return "default-parent-queue", "default-parent-queue" not in tree.names


def run(examined_kai_pods: List[Pod], queues: QueueTree, target_podgroups: Dict[Tuple[str, str], dict],
        kai_settings: kai.KaiSettings, context: Optional[str]) -> Verdict:
    pods = examined_kai_pods
    if not pods:
        return kai.NO_KAI_PODS
    settings: kai.KaiSettings = kai_settings
    release = settings.release
    tree: QueueTree = queues
    key = settings.queue_label.value
    # the PodGroup's spec.queue is the scheduler's answer; vcdoctor reads PodGroups whole only for a --pod target
    # (one per workload, never listed), else it follows the pod-grouper's order on the pod's labels
    podgroup_queues = {key: str((group.get("spec") or {}).get("queue") or "")
                       for key, group in target_podgroups.items()}
    placed: Dict[str, List[Tuple[Pod, PodQueue]]] = defaultdict(list)
    for pod in pods:
        found = pod_queue(pod, podgroup_queues, key, settings.node_pool_label.value)
        placed[found.queue].append((pod, found))
    orphans = tree.orphans()
    leaves = ", ".join(tree.leaves) or "none"
    evidence = [Evidence("queues.scheduling.run.ai", f"{len(tree.names)} queues, leaves: {leaves}",
                         {"queues": list(tree.names), "parents": list(tree.parents), "dropped": orphans}),
                Evidence("queue label key", key or "unknown", {"source": settings.queue_label.source,
                                                               "kai_release": release.text})]
    evidence += [Evidence(f"queue {q}", f"{len(found)} pod(s), by {found[0][1].how}",
                          {"pods": [podinfo.ref(p) for p, _ in found[:MAX_LISTED]]})
                 for q, found in sorted(placed.items())]
    vcluster = _vcluster(pods)
    count = lambda qs: sum(len(placed[q]) for q in qs)  # noqa: E731

    missing = sorted(q for q in placed if q not in tree.names)
    if missing:
        parent, create_parent = _parent_for(tree)
        plan: List[Tuple[str, Optional[str]]] = [(parent, None)] if create_parent else []
        plan += [(q, parent) for q in missing]
        fix = kai.queue_fix(context, plan, f"Create the missing queue(s) in the host cluster under {parent} (KAI "
                                           f"gives jobs only to leaf queues; unlimited quota, adjust to taste):",
                           release.has(compat.QUEUE_WEBHOOK))
        return QUEUE_MISSING.verdict(
            f"queue(s) {', '.join(missing)} do not exist ({count(missing)} pod(s)); KAI "
            f"leaves their pods Pending (v0.13+: QueueDoesNotExist)", tuple(evidence),
            f"Create the queue(s), or point the pods at an existing leaf queue ({leaves}) with the label "
            f"{key or kai.QUEUE_LABEL}.", fix, objects=missing)
    dropped = sorted(q for q in placed if q in orphans)
    if dropped:
        absent = sorted({orphans[q] for q in dropped})
        fix = kai.queue_fix(context, [(p, None) for p in absent],
                            f"Create the missing parent queue(s) {', '.join(absent)}; the scheduler then keeps their "
                            f"children:", release.has(compat.QUEUE_WEBHOOK))
        doomed = ", ".join(f"{q} (parent {orphans[q]} does not exist)" for q in dropped)
        return PARENT_MISSING.verdict(
            f"queue(s) {doomed}"
            + f": the scheduler deletes a queue whose parent is missing, with its children, so their "
              f"{count(dropped)} pod(s) are never scheduled", tuple(evidence),
            f"KAI drops orphan queues in every release ({compat.ORPHAN_QUEUES_SOURCE}; logged only at "
            f"scheduler verbosity 2). Create the parent, or move the queue under an existing one.", fix,
            objects=dropped)
    parents = sorted(q for q in placed if q in tree.parents)
    if parents:
        return PARENT_QUEUE.verdict(
            f"queue(s) {', '.join(parents)} are parent queues; KAI schedules pods only in "
            f"leaf queues and leaves these Pending without a clear message",
            tuple(evidence), f"Use a leaf queue in the {key or kai.QUEUE_LABEL} label inside the vCluster: "
                f"{', '.join(q for q in tree.leaves if q not in orphans) or '(create one)'}", objects=parents)
    roots = sorted(q for q in placed if q in tree.root_leaves())
    usable = release.has(compat.ROOT_LEAF_QUEUES)
    if roots and usable is not True:
        parent, create_parent = _parent_for(tree)
        patch = kai.QueueParents(why=("Give each root queue a parent:",),
                                 parents=tuple((q, parent) for q in roots), webhook=release.has(compat.QUEUE_WEBHOOK))
        text = (f"queue(s) {', '.join(roots)} have no parent; "
                + (f"KAI {release.text} gives jobs only to queues under a parent (root leaf queues from v0.13.0)"
                   if usable is False else f"{release.outside_message()}, and before v0.13.0 such queues get no jobs"))
        steps = ([kai.Queues(why=(f"Create the parent queue {parent}:",), queues=((parent, None),),
                             webhook=release.has(compat.QUEUE_WEBHOOK))]
                 if create_parent else []) + [patch]
        finding = ROOT_QUEUE if usable is False else ROOT_QUEUE_UNKNOWN
        return finding.verdict(text, tuple(evidence),
                               f"Put the queue(s) under a parent queue (e.g. {parent}), or upgrade KAI to v0.13.0 or "
                               f"later.", remedy.fix(context, *steps), objects=roots)
    ignored = [(p, found) for q in placed for p, found in placed[q] if found.ignored_label]
    if ignored:
        pod, found = ignored[0]
        label, value = found.ignored_label or ("", "")
        keep = ("runai/queue is the label this release reads: keep it" if key == kai.LEGACY_QUEUE_LABEL else "")
        fix = remedy.fix(context, inside_vcluster(vcluster, (
            f"Add the label {key}={value} to the pods (spec.template.metadata.labels of their controller), "
            f"then recreate them." + (f" {keep}." if keep else ""),)))
        return LABEL_NOT_READ.verdict(
            f"{len(ignored)} pod(s) carry {label}={value}, which KAI {release.text} does not "
            f"read (it reads {key}, {settings.queue_label.source}): {podinfo.ref(pod)} lands "
            f"in {found.queue}", tuple(evidence),
            f"Label the pods with {key} inside the vCluster (vCluster must sync that label).", fix,
            [podinfo.ref(p) for p, _ in ignored])
    return Verdict(Status.PASS, f"{len(pods)} KAI pod(s) in existing leaf queue(s): {', '.join(sorted(placed))}",
                   tuple(evidence))


QUEUE_MISSING = Finding("VCD310", Status.FAIL, "a queue does not exist: KAI leaves its pods Pending (v0.13+ says "
                        "`QueueDoesNotExist`)",
                        "Create the queue under a parent queue, or point the pods at an existing leaf queue.")
PARENT_MISSING = Finding("VCD311", Status.FAIL, "a queue's parent does not exist: the scheduler deletes such a queue"
                         " and its children (every release)",
                         "Create the parent queue, or move the queue under an existing one.")
PARENT_QUEUE = Finding("VCD312", Status.FAIL, "a queue is a parent queue: KAI schedules only into leaf queues",
                       "Use a leaf queue in the pods' queue label.")
ROOT_QUEUE = Finding("VCD313", Status.FAIL, "a queue has no parent, on KAI before v0.13.0 (root leaf queues get jobs"
                     " only from v0.13.0)",
                     "Put the queue under a parent queue, or upgrade KAI to v0.13.0 or later.")
ROOT_QUEUE_UNKNOWN = Finding("VCD314", Status.WARN, "the same, when the release is unknown",
                             "Put the queue under a parent queue, or upgrade KAI to v0.13.0 or later.")
LABEL_NOT_READ = Finding("VCD315", Status.WARN, "pods carry a queue label this release does not read (e.g. "
                         "`runai/queue` on v0.6+)",
                         "Label the pods with the queue label this release reads, inside the vCluster.")


CHECK = Check(
    id="kai-queue",
    title="expected: every pod in an existing leaf queue",
    summary=("each pod's queue (PodGroup, release's queue label, project, `default-queue`) exists, is a leaf, has "
             "an existing parent, and is not a root queue before KAI v0.13"),
    severity=Severity.HIGH,
    run=run,
    order=31,
    after=("pod-scheduler-name",),
    findings=(kai.NO_KAI_POD, QUEUE_MISSING, PARENT_MISSING, PARENT_QUEUE, ROOT_QUEUE, ROOT_QUEUE_UNKNOWN,
              LABEL_NOT_READ),
    passes=("every pod is in an existing leaf queue",),
    docs_url=f"{DOCS_BASE}#kai-queue",
)
