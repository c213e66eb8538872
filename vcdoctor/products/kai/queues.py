"""KAI's queues: the tree of Queue objects, the queues the scheduler drops, and the queue a pod lands in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.pods import Pod
from vcdoctor.products.kai import compat, names

DEFAULT_QUEUE = compat.DEFAULT_QUEUE
#: every queue label key a KAI release has read (compat.QUEUE_LABEL)
QUEUE_LABEL_KEYS = (names.QUEUE_LABEL, names.LEGACY_QUEUE_LABEL)


@dataclass(frozen=True)
class QueueTree:
    names: Tuple[str, ...]
    #: queues that are another queue's parent: pods there are never scheduled
    parents: Tuple[str, ...]
    #: queue -> its spec.parentQueue ("" for a top-level queue)
    parent_of: Mapping[str, str]

    @property
    def leaves(self) -> Tuple[str, ...]:
        return tuple(n for n in self.names if n not in self.parents)

    def orphans(self) -> Dict[str, str]:
        """Queues the scheduler deletes (cleanQueueOrphans): whose parent does not exist, and their children;
        each mapped to the missing queue that dooms it."""
        doomed: Dict[str, str] = {}
        for name in self.names:
            seen, current = set(), name
            while self.parent_of.get(current) and current not in seen:
                seen.add(current)
                parent = self.parent_of[current]
                if parent not in self.parent_of:
                    doomed[name] = parent
                    break
                current = parent
        return doomed

    def root_leaves(self) -> Tuple[str, ...]:
        """Top-level queues with no children: usable only from v0.13.0 (compat.ROOT_LEAF_QUEUES)."""
        return tuple(n for n in self.names if not self.parent_of.get(n) and n not in self.parents)

    def top_level_parents(self) -> Tuple[str, ...]:
        return tuple(n for n in self.parents if not self.parent_of.get(n) and n in self.parent_of)


def queue_tree(queues: Iterable[dict]) -> QueueTree:
    queues = list(queues)
    parent_of = {str((q.get("metadata") or {}).get("name") or ""): str((q.get("spec") or {}).get("parentQueue") or "")
                 for q in queues}
    known = tuple(sorted(parent_of))
    parents = tuple(sorted({p for p in parent_of.values() if p}))
    return QueueTree(known, parents, parent_of)


@dataclass(frozen=True)
class PodQueue:
    queue: str
    #: how KAI picked it, for evidence
    how: str
    #: a queue label the pod carries that this install does not read: (key, value)
    ignored_label: Optional[Tuple[str, str]] = None


def pod_queue(pod: Pod, podgroup_queues: Mapping[Tuple[str, str], str], queue_label: Optional[str],
              node_pool_label: Optional[str]) -> PodQueue:
    """The PodGroup's spec.queue (the scheduler's answer) when there is one, else the default grouper's order:
    the top owner's queue label, the pod's, the project label (<project> or <project>-<nodepool>), default-queue.
    A vCluster host pod is its own top owner (no owner with setOwner off; an unreadable Service owner with it on)."""
    labels = podinfo.labels(pod)
    # a label is ignored only next to a key known to be read: with the key unknown, nothing is said about it
    ignored = next(((k, labels[k]) for k in QUEUE_LABEL_KEYS if k != queue_label and labels.get(k)), None) \
        if queue_label else None
    if ignored and labels.get(queue_label or ""):
        ignored = None
    group = podinfo.annotations(pod).get(names.PODGROUP_ANNOTATION)
    if group and podgroup_queues.get((podinfo.namespace(pod), group)):
        return PodQueue(podgroup_queues[(podinfo.namespace(pod), group)], f"PodGroup {group} spec.queue", ignored)
    if queue_label and labels.get(queue_label):
        return PodQueue(labels[queue_label], f"label {queue_label}", ignored)
    project = labels.get(compat.PROJECT_LABEL)
    if project:
        pool = labels.get(node_pool_label) if node_pool_label else None
        if pool:
            return PodQueue(f"{project}-{pool}", f"label project + {node_pool_label}", ignored)
        return PodQueue(project, "label project", ignored)
    return PodQueue(DEFAULT_QUEUE, "no queue label: KAI's default", ignored)
