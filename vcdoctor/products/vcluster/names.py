"""How vCluster names and labels the host objects it syncs, in single- and multi-namespace mode."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Dict, Iterable, Mapping, Optional, Tuple

from vcdoctor.pods import Pod

#: Label every host pod synced in single-namespace mode carries (value: the vCluster name).
MANAGED_BY = "vcluster.loft.sh/managed-by"
OBJECT_NAME = "vcluster.loft.sh/object-name"
OBJECT_NAMESPACE = "vcluster.loft.sh/object-namespace"


VIRTUAL_NAMESPACE_LABEL = "vcluster.loft.sh/namespace"
#: the virtual pod's own labels, kept on the host pod whatever the label keys became there
#: (pods/translate/translator.go:39@v0.19.0, :38@v0.21.0, :40@v0.27.0)
VIRTUAL_LABELS = "vcluster.loft.sh/labels"
#: pod-specific annotations of every synced pod, all modes (pods/translate/translator.go:37-45@v0.19.0)
POD_NAME_ANNOTATION = "vcluster.loft.sh/name"
POD_NAMESPACE_ANNOTATION = "vcluster.loft.sh/namespace"
#: labels the namespace syncer puts on each host namespace of multi-namespace mode
#: (pkg/controllers/resources/namespaces/syncer.go:39-40@v0.19.0, :28-29,42-43@v0.21.0)
NAMESPACE_VCLUSTER_NAME = "vcluster.loft.sh/vcluster-name"
NAMESPACE_VCLUSTER_NAMESPACE = "vcluster.loft.sh/vcluster-namespace"


def host_pod_name(pod: str, namespace: str, vcluster: str) -> str:
    """vCluster's SafeConcatName(pod, "x", namespace, "x", vcluster) for single-namespace mode."""
    full = f"{pod}-x-{namespace}-x-{vcluster}"
    if len(full) > 63:
        digest = hashlib.sha256(full.encode()).hexdigest()[:10]
        full = (full[:52] + "-" + digest).replace(".-", "-")
    return full


def virtual_of_host_pod_name(host_name: str, vcluster: str) -> Optional[Tuple[str, str]]:
    """(pod, namespace) whose host_pod_name for ``vcluster`` is ``host_name`` unshortened, else None."""
    suffix = f"-x-{vcluster}"
    if not host_name.endswith(suffix):
        return None
    pod, found, namespace = host_name[:-len(suffix)].partition("-x-")
    return (pod, namespace) if found and pod and namespace else None


def virtual_labels(pod: Pod) -> Dict[str, str]:
    """The virtual pod's labels as the syncer recorded them (annotation vcluster.loft.sh/labels)."""
    text = pod.annotations.get(VIRTUAL_LABELS) or ""
    labels = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            labels[key.strip()] = value.strip().strip('"')
    return labels


def virtual_label(pod: Pod, key: str) -> Optional[str]:
    """One label of the virtual pod, found without parsing the others (checks ask this of every pod)."""
    text = pod.annotations.get(VIRTUAL_LABELS) or ""
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


def virtual_ref(pod: Pod) -> Optional[str]:
    """namespace/name of the virtual pod a host pod stands for, None when it carries no such annotations."""
    ann = pod.annotations
    name, ns = ann.get(OBJECT_NAME), ann.get(OBJECT_NAMESPACE)
    return f"{ns}/{name}" if name and ns else None


def label_synced(patterns: Optional[Iterable[object]], key: str) -> bool:
    """Does a syncLabels / --sync-labels list keep ``key``?

    As vCluster does it (single_namespace.go:248-261@v0.20.0, same @v0.19.0): only an entry ending in ``/*`` is a
    wildcard, compiled as a regex with ``/*`` -> ``/.*`` and matched anywhere in the key (unanchored, ``.``
    unescaped), so ``scheduler/*`` keeps ``kai.scheduler/queue``; any other entry is an exact key, so ``kai*``
    keeps nothing. Go's regexp is RE2, and so is the matcher here (the config is untrusted input); a plain
    key-like entry is matched without RE2 too."""
    from vcdoctor.products.vcluster.config_schema import pattern_search

    for pattern in patterns or []:
        pattern = str(pattern)
        if pattern.endswith("/*"):
            regex = pattern.replace("/*", "/.*")
            found = pattern_search(regex, key)
            if found is None and _PLAIN.fullmatch(pattern[:-2]):
                found = re.search(regex, key) is not None  # only "." and one ".*": linear
            if found:
                return True
        elif pattern == key:
            return True
    return False


#: a wildcard prefix with no regex syntax but "." (the common case: a label domain)
_PLAIN = re.compile(r"[A-Za-z0-9._/-]*")


def _hex8(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def multi_namespace_suffix(vcluster_namespace: str, vcluster: str) -> str:
    """getNamespaceSuffix: sha256(namespace + "x" + name)[:8] (multi_namespace.go:109-117@v0.19.0)."""
    return _hex8(vcluster_namespace + "x" + vcluster)


def multi_namespace_host_namespace(virtual_namespace: str, vcluster_namespace: str, vcluster: str) -> str:
    """The host namespace of a virtual namespace in multi-namespace mode, v0.19-v0.25
    (multi_namespace.go:109-117@v0.19.0, :114-122@v0.20.0, :98-114@v0.21.0): the host pod keeps its name there."""
    return f"vcluster-{_hex8(virtual_namespace)}-{multi_namespace_suffix(vcluster_namespace, vcluster)}"


def is_multi_namespace_of(host_namespace: str, vcluster_namespace: str, vcluster: str) -> bool:
    """Whether a host namespace is one of this vCluster's (IsManaged: prefix "vcluster", suffix the hash;
    multi_namespace.go:52-79@v0.21.0)."""
    return (host_namespace.startswith("vcluster-")
            and host_namespace.endswith("-" + multi_namespace_suffix(vcluster_namespace, vcluster)))


def synced_identity(labels: Mapping, annotations: Mapping) -> Optional[Tuple[str, str, str]]:
    """(virtual name, virtual namespace, vCluster) of a host object synced in single-namespace mode, else None."""
    vc, name, namespace = labels.get(MANAGED_BY), annotations.get(OBJECT_NAME), annotations.get(OBJECT_NAMESPACE)
    if isinstance(vc, str) and isinstance(name, str) and isinstance(namespace, str) and vc and name and namespace:
        return name, namespace, vc
    return None


def note_owner(pod: Pod, vcluster_namespace: str, vcluster: str) -> Pod:
    """A copy of a multi-namespace pod noting the vCluster that synced it, since such pods carry no managed-by
    label (the pod itself, maybe shared, is left alone)."""
    return replace(pod, found_for=(vcluster_namespace, vcluster))


def is_virtual_pod(pod: Pod, vcluster: str, namespace: str, name: str,
                   vcluster_namespace: Optional[str] = None) -> bool:
    """Whether host ``pod`` is virtual pod namespace/name of ``vcluster`` (by the syncer's annotations).

    Single-namespace pods carry managed-by = the vCluster name; multi-namespace pods (v0.19-v0.25) carry no
    such label, so with ``vcluster_namespace`` given they are recognised by their host namespace instead."""
    ann, labels = pod.annotations, pod.labels
    if (ann.get(OBJECT_NAME) or ann.get(POD_NAME_ANNOTATION)) != name:
        return False
    if (ann.get(OBJECT_NAMESPACE) or ann.get(POD_NAMESPACE_ANNOTATION) or labels.get(VIRTUAL_NAMESPACE_LABEL)) \
            != namespace:
        return False
    if labels.get(MANAGED_BY) == vcluster:
        return True
    if vcluster_namespace is None or MANAGED_BY in labels:
        return False
    return (pod.found_for == (vcluster_namespace, vcluster)
            or is_multi_namespace_of(pod.namespace, vcluster_namespace, vcluster))
