"""KAI's queues: the tree of Queue objects and the queue a pod asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.products.kai import names

DEFAULT_QUEUE = "default-queue"


@dataclass(frozen=True)
class QueueTree:
    names: Tuple[str, ...]
    #: queues that are another queue's parent: pods there are never scheduled
    parents: Tuple[str, ...]

    @property
    def leaves(self) -> Tuple[str, ...]:
        return tuple(n for n in self.names if n not in self.parents)


def queue_tree(queues: Iterable[dict]) -> QueueTree:
    queues = list(queues)
    known = tuple(sorted(podinfo.name(q) for q in queues))
    parents = tuple(sorted({(q.get("spec") or {}).get("parentQueue") for q in queues} - {None, ""}))
    return QueueTree(known, parents)


def pod_queue(pod: dict) -> Tuple[str, bool]:
    """(queue, named only by the legacy Run:ai label): the KAI label, runai/queue, or KAI's default."""
    labels = podinfo.labels(pod)
    if labels.get(names.QUEUE_LABEL):
        return labels[names.QUEUE_LABEL], False
    if labels.get(names.LEGACY_QUEUE_LABEL):
        return labels[names.LEGACY_QUEUE_LABEL], True
    return DEFAULT_QUEUE, False
