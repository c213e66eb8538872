"""Factories for vCluster installs per release era and mode: v0.19 syncer flags, multi-namespace mode."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from tests.fakeapi import factories as f
from vcdoctor.products.vcluster.names import (
    NAMESPACE_VCLUSTER_NAME,
    NAMESPACE_VCLUSTER_NAMESPACE,
    multi_namespace_host_namespace,
)


def legacy(name: str, ns: str, *args: str, version: str = "0.19.5") -> List[dict]:
    """A v0.19 vCluster: no vc-config Secret, settings are the syncer's flags."""
    return f.vcluster(name, ns, version=version, with_secret=False, syncer_args=list(args))


def pod_classes(runtime_class: object = None, priority_class: object = None, **priority_classes: bool) -> dict:
    """Values setting sync.toHost.pods.runtimeClassName / priorityClassName (v0.23+) and, as ``to_host`` /
    ``from_host``, the priority class syncs."""
    pods: Dict = {"enabled": True}
    if runtime_class is not None:
        pods["runtimeClassName"] = runtime_class
    if priority_class is not None:
        pods["priorityClassName"] = priority_class
    sync: Dict = {"toHost": {"pods": pods}}
    for direction, key in (("to_host", "toHost"), ("from_host", "fromHost")):
        if direction in priority_classes:
            sync.setdefault(key, {})["priorityClasses"] = {"enabled": priority_classes[direction]}
    return {"sync": sync}


def multi_namespace(name: str, ns: str, version: str = "0.22.0", extra_values: Optional[dict] = None,
                    **kwargs) -> List[dict]:
    """A vCluster in multi-namespace mode: the v0.19 flag, the v0.20-v0.25 key or the v0.26+ Pro key."""
    if version.startswith("0.19."):
        return legacy(name, ns, "--multi-namespace-mode=true", "--set-owner=false", version=version)
    minor = int(version.split(".")[1])
    switch: Dict = ({"experimental": {"multiNamespaceMode": {"enabled": True}}} if minor < 26
                    else {"sync": {"toHost": {"namespaces": {"enabled": True}}}})
    values = dict(extra_values or {})
    for key, value in switch.items():
        values[key] = {**values.get(key, {}), **value}
    set_owner = kwargs.pop("set_owner", False)
    if set_owner is not None and "experimental" in values:
        values["experimental"]["syncSettings"] = {"setOwner": set_owner}
        set_owner = None
    return f.vcluster(name, ns, version=version, extra_values=values, set_owner=set_owner, **kwargs)


def host_namespace(vns: str, vc: str, vc_ns: str) -> dict:
    """The host namespace multi-namespace mode creates for virtual namespace ``vns`` (v0.19-v0.25)."""
    obj = f.namespace(multi_namespace_host_namespace(vns, vc_ns, vc))
    obj["metadata"]["labels"] = {NAMESPACE_VCLUSTER_NAME: vc, NAMESPACE_VCLUSTER_NAMESPACE: vc_ns,
                                 "kubernetes.io/metadata.name": obj["metadata"]["name"]}
    return obj


def multi_namespace_pod(vpod: str, vns: str, vc: str, vc_ns: str, *, labels=None, scheduler="kai-scheduler",
                        annotations=None, phase: str = "Running", node: Optional[str] = "gpu-node-1") -> dict:
    """A host pod as multi-namespace mode syncs it: its own name, the derived namespace, labels verbatim and
    no managed-by label (multi_namespace.go:233-235@v0.20.0, labels.go:57-65@v0.21.0)."""
    host_ns = multi_namespace_host_namespace(vns, vc_ns, vc)
    ann = {"vcluster.loft.sh/object-name": vpod, "vcluster.loft.sh/object-namespace": vns,
           "vcluster.loft.sh/name": vpod, "vcluster.loft.sh/namespace": vns,
           "vcluster.loft.sh/labels": "\n".join(f'{k}="{v}"' for k, v in sorted((labels or {}).items())),
           "pod-group-name": f"pg-{vpod}-x"}
    ann.update(annotations or {})
    return f.pod(vpod, host_ns, labels=dict(labels or {}), annotations=ann, scheduler=scheduler, phase=phase,
                 node=node)


def multi_namespace_install(name: str, ns: str, pods: Sequence[tuple], version: str = "0.22.0",
                            extra_values: Optional[dict] = None) -> List[dict]:
    """The vCluster, one host namespace per virtual namespace used, and its pods ((vpod, vns, labels) tuples)."""
    objs = multi_namespace(name, ns, version, extra_values)
    for vns in dict.fromkeys(p[1] for p in pods):
        objs.append(host_namespace(vns, name, ns))
    for vpod, vns, labels in pods:
        objs.append(multi_namespace_pod(vpod, vns, name, ns, labels=labels))
    return objs
