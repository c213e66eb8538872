"""How vCluster names and labels the host objects it syncs (single-namespace mode)."""

from __future__ import annotations

import hashlib
from typing import Dict, Optional

#: Label every host pod synced in single-namespace mode carries (value: the vCluster name).
MANAGED_BY = "vcluster.loft.sh/managed-by"
OBJECT_NAME = "vcluster.loft.sh/object-name"
OBJECT_NAMESPACE = "vcluster.loft.sh/object-namespace"


VIRTUAL_NAMESPACE_LABEL = "vcluster.loft.sh/namespace"
VIRTUAL_LABELS = "vcluster.loft.sh/labels"


def host_pod_name(pod: str, namespace: str, vcluster: str) -> str:
    """vCluster's SafeConcatName(pod, "x", namespace, "x", vcluster) for single-namespace mode."""
    full = f"{pod}-x-{namespace}-x-{vcluster}"
    if len(full) > 63:
        digest = hashlib.sha256(full.encode()).hexdigest()[:10]
        full = (full[:52] + "-" + digest).replace(".-", "-")
    return full


def virtual_labels(pod: dict) -> Dict[str, str]:
    """The virtual pod's labels as the syncer recorded them (annotation vcluster.loft.sh/labels)."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(VIRTUAL_LABELS) or ""
    labels = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            labels[key.strip()] = value.strip().strip('"')
    return labels


def virtual_label(pod: dict, key: str) -> Optional[str]:
    """One label of the virtual pod, found without parsing the others (checks ask this of every pod)."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(VIRTUAL_LABELS) or ""
    prefix = f"{key}="
    if text.startswith(prefix):
        start = len(prefix)
    else:
        found = text.find("\n" + prefix)
        if found < 0:
            return virtual_labels(pod).get(key) if key in text else None  # unusual spacing: parse
        start = found + 1 + len(prefix)
    end = text.find("\n", start)
    return (text[start:] if end < 0 else text[start:end]).strip().strip('"')


def virtual_ref(pod: dict) -> str:
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    name, ns = ann.get(OBJECT_NAME), ann.get(OBJECT_NAMESPACE)
    return f"{ns}/{name}" if name and ns else "?"


def label_synced(patterns, key: str) -> bool:
    """Does a syncLabels / --sync-labels list keep ``key`` (exact, or a ``prefix/*`` wildcard)?"""
    for pattern in patterns or []:
        pattern = str(pattern)
        if pattern == key or (pattern.endswith("*") and key.startswith(pattern[:-1])):
            return True
    return False



def is_virtual_pod(pod: dict, vcluster: str, namespace: str, name: str) -> bool:
    """Whether host ``pod`` is virtual pod namespace/name of ``vcluster`` (by the syncer's annotations)."""
    meta = pod.get("metadata") or {}
    ann = meta.get("annotations") or {}
    labels = meta.get("labels") or {}
    return (labels.get(MANAGED_BY) == vcluster
            and (ann.get(OBJECT_NAME) or ann.get("vcluster.loft.sh/name")) == name
            and (ann.get(OBJECT_NAMESPACE) or labels.get(VIRTUAL_NAMESPACE_LABEL)) == namespace)
