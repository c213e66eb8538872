"""Small builders for the Kubernetes objects the tests serve (no MagicMocks)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import uuid
from typing import Dict, List, Optional

import yaml


def _uid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, seed))


def meta(name: str, namespace: Optional[str] = None, labels=None, annotations=None, owners=None) -> dict:
    m = {"name": name, "uid": _uid(f"{namespace}/{name}"), "creationTimestamp": "2026-11-01T10:00:00Z"}
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owners:
        m["ownerReferences"] = list(owners)
    return m


def priority_class(name: str, value: int = 1000) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value}


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(name), "status": {"phase": "Active"}}


def container_status(name: str, ready=True, restarts=0, waiting: Optional[str] = None, last_exit=None) -> dict:
    status = {"name": name, "ready": ready, "restartCount": restarts, "image": f"{name}:latest",
              "state": {"running": {"startedAt": "2026-11-01T10:00:00Z"}}}
    if waiting:
        status["state"] = {"waiting": {"reason": waiting}}
    if last_exit:
        status["lastState"] = {"terminated": {"reason": last_exit[0], "exitCode": last_exit[1]}}
    return status


def pod(name: str, ns: str, *, labels=None, annotations=None, scheduler: Optional[str] = None,
        phase: str = "Running", ready: bool = True, containers=("main",), restarts: int = 0,
        waiting: Optional[str] = None, last_exit=None, node: Optional[str] = "node-1", owners=None,
        args: Optional[List[str]] = None, image: str = "ubuntu:22.04") -> dict:
    spec = {"containers": [{"name": c, "image": image, **({"args": list(args)} if args and i == 0 else {})}
                           for i, c in enumerate(containers)]}
    if scheduler:
        spec["schedulerName"] = scheduler
    if node and phase != "Pending":
        spec["nodeName"] = node
    statuses = [container_status(c, ready and phase == "Running", restarts if i == 0 else 0,
                                 waiting if i == 0 else None, last_exit if i == 0 else None)
                for i, c in enumerate(containers)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, labels, annotations, owners),
            "spec": spec, "status": {"phase": phase, "containerStatuses": statuses if phase != "Pending" else []}}


def config_secret(vc: str, ns: str, values: dict) -> dict:
    encoded = base64.b64encode(yaml.safe_dump(values).encode()).decode()
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": meta(f"vc-config-{vc}", ns, {"app": "vcluster", "release": vc}),
            "data": {"config.yaml": encoded}}


def config_hash(secret: dict) -> str:
    return hashlib.sha256(secret["data"]["config.yaml"].encode()).hexdigest()


def vcluster(name: str, ns: str, *, set_owner: Optional[bool] = False, version: str = "0.27.0",
             kind: str = "StatefulSet", extra_values: Optional[dict] = None, stale: bool = False,
             syncer_args: Optional[List[str]] = None, with_secret: bool = True) -> List[dict]:
    """The host objects of one vCluster: workload, Service, config Secret and control-plane pod."""
    values: Dict = {"sync": {"toHost": {"pods": {"enabled": True}}},
                    "controlPlane": {"distro": {"k8s": {"enabled": True}}},
                    "exportKubeConfig": {"secret": {"name": "should-never-be-reported"}}}
    if set_owner is not None:
        values["experimental"] = {"syncSettings": {"setOwner": set_owner}}
    values.update(extra_values or {})
    objs = [namespace(ns)]
    secret = config_secret(name, ns, values)
    template_hash = config_hash(secret) if with_secret else None
    if with_secret:
        objs.append(secret)
    labels = {"app": "vcluster", "release": name, "chart": f"vcluster-{version}", "heritage": "Helm"}
    template_meta = {"labels": {"app": "vcluster", "release": name}}
    if template_hash:
        template_meta["annotations"] = {"vClusterConfigHash": template_hash}
    container = {"name": "syncer", "image": f"ghcr.io/loft-sh/vcluster-pro:{version}"}
    if syncer_args:
        container["args"] = list(syncer_args)
    workload_meta = meta(name, ns, labels)
    # Helm 3 marks what it installs (vcluster create installs through Helm)
    workload_meta["annotations"] = {"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns}
    objs.append({"apiVersion": "apps/v1", "kind": kind, "metadata": workload_meta,
                 "spec": {"template": {"metadata": template_meta, "spec": {"containers": [container]}}}})
    objs.append({"apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns, labels), "spec": {}})
    pod_hash = "0" * 64 if stale else template_hash
    cp = pod(f"{name}-0", ns, labels={"app": "vcluster", "release": name},
             annotations={"vClusterConfigHash": pod_hash} if pod_hash else None,
             containers=("syncer",), image=container["image"])
    objs.append(cp)
    return objs


def synced_pod(vpod: str, vns: str, vc: str, host_ns: str, *, owner: bool = False, scheduler="kai-scheduler",
               labels=None, annotations=None, phase="Running", node: Optional[str] = "gpu-node-1",
               podgroup: Optional[str] = "auto", hashed_labels: bool = False, gpus: int = 0) -> dict:
    """A host pod as vCluster's syncer would create it for virtual pod ``vns/vpod``.

    ``hashed_labels`` mimics vCluster <= 0.20, which rewrote every label key it was not told to keep."""
    from vcdoctor.products.vcluster.names import host_pod_name

    ann = {"vcluster.loft.sh/object-name": vpod, "vcluster.loft.sh/object-namespace": vns,
           "vcluster.loft.sh/labels": "\n".join(f'{k}="{v}"' for k, v in sorted((labels or {}).items()))}
    if podgroup == "auto" and scheduler == "kai-scheduler":
        ann["pod-group-name"] = f"pg-{vpod}-{_uid(vpod)}"
    elif podgroup and podgroup != "auto":
        ann["pod-group-name"] = podgroup
    ann.update(annotations or {})
    host_labels = dict(labels or {})
    if hashed_labels:
        host_labels = {f"vcluster.loft.sh/label-{vc}-x-{hashlib.sha256(k.encode()).hexdigest()[:10]}": v
                       for k, v in host_labels.items()}
    lab = {"vcluster.loft.sh/managed-by": vc, "vcluster.loft.sh/namespace": vns, **host_labels}
    owners = None
    if owner:
        owners = [{"apiVersion": "v1", "kind": "Service", "name": vc, "uid": _uid(f"{host_ns}/{vc}"),
                   "controller": False}]
    host = pod(host_pod_name(vpod, vns, vc), host_ns, labels=lab, annotations=ann, scheduler=scheduler,
               phase=phase, node=node, owners=owners)
    if gpus:
        host["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)},
                                                      "requests": {"nvidia.com/gpu": str(gpus)}}
    return host


OPERATOR_COMPONENTS = ("kai-operator", "kai-scheduler-default", "binder", "pod-grouper", "podgroup-controller",
                       "queue-controller", "admission")
LEGACY_COMPONENTS = ("scheduler", "binder", "podgrouper", "podgroup-controller", "queuecontroller")


def kai_install(version: str = "v0.10.2", *, gpu_sharing: Optional[bool] = True, legacy: bool = False,
                broken: Optional[Dict[str, dict]] = None, skip=(), ns: str = "kai-scheduler") -> List[dict]:
    """KAI pods in ``ns`` (+ Config CR for operator releases, naming ``ns`` as the chart does). ``broken``
    overrides pod kwargs."""
    objs = [namespace(ns)]
    for app in LEGACY_COMPONENTS if legacy else OPERATOR_COMPONENTS:
        if app in skip:
            continue
        kwargs = {"labels": {"app": app}, "containers": (app,),
                  "image": f"ghcr.io/nvidia/kai-scheduler/{app}:{version}", "node": "cpu-node-1"}
        if legacy and app == "binder" and gpu_sharing is not None:
            kwargs["args"] = [f"--gpu-sharing-enabled={str(gpu_sharing).lower()}"]
        kwargs.update((broken or {}).get(app, {}))
        objs.append(pod(f"{app}-7d9f8c-abcde", ns, **kwargs))
    objs += [queue("default-parent-queue"), queue("default-queue", "default-parent-queue")]
    if not legacy:
        spec: Dict = {"namespace": ns, "global": {"schedulerName": "kai-scheduler"}}
        if gpu_sharing is not None:
            spec["admission"] = {"gpuSharing": gpu_sharing}
        objs.append({"apiVersion": "kai.scheduler/v1", "kind": "Config", "metadata": meta("kai-config"),
                     "spec": spec})
    return objs


def queue(name: str, parent: Optional[str] = None) -> dict:
    spec = {"resources": {"gpu": {"quota": -1, "limit": -1, "overQuotaWeight": 1}}}
    if parent:
        spec["parentQueue"] = parent
    return {"apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": meta(name), "spec": spec}


def podgroup(name: str, ns: str, queue_name: str = "default-queue", min_member: int = 1,
             phase: str = "Running") -> dict:
    return {"apiVersion": "scheduling.run.ai/v2alpha2", "kind": "PodGroup", "metadata": meta(name, ns),
            "spec": {"queue": queue_name, "minMember": min_member, "priorityClassName": "train"},
            "status": {"phase": phase}}


def node(name: str, gpus: int = 0, labels=None) -> dict:
    allocatable = {"cpu": "32", "memory": "256Gi"}
    if gpus:
        allocatable["nvidia.com/gpu"] = str(gpus)
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, labels=labels),
            "status": {"allocatable": allocatable, "capacity": dict(allocatable)}}


def event(ns: str, kind: str, name: str, reason: str, message: str, type_: str = "Warning",
          last: str = "2026-11-20T10:05:00Z", count: int = 1) -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": meta(f"{name}.{reason.lower()}{count}", ns),
            "involvedObject": {"kind": kind, "name": name, "namespace": ns}, "reason": reason, "message": message,
            "type": type_, "count": count, "lastTimestamp": last}


def reservation_pod(node: str, ready: bool = True, **kwargs) -> dict:
    return pod(f"gpu-reservation-{node}-x7k2p", "kai-resource-reservation", labels={"app": "kai-resource-reservation"},
               node=node, ready=ready, containers=("resource-reservation",), **kwargs)


# -- real-shaped pod-grouper log lines (zap console and JSON encoders) ---------------------------

def console_line(level: str, msg: str, fields: Optional[dict] = None) -> str:
    import json

    line = f"2026-11-20T10:15:02.123Z\t{level}\t{msg}"
    return line + (f"\t{json.dumps(fields)}" if fields else "")


def owner_fallback_line(vc: str = "my-vcluster", pod_name: str = "trainer-0-x-team-a-x-my-vcluster") -> str:
    return console_line("DEBUG", (
        f"No permissions to get resourceOwner 'Service': <&OwnerReference{{Kind:Service,Name:{vc},"
        f"UID:0c7e1f0a-1111-2222-3333-444455556666,APIVersion:v1,Controller:*false,BlockOwnerDeletion:nil,}}/{vc}>. "
        f"returning the pod as the owner '': <vc-ns/{pod_name}>"),
        {"controller": "pod", "controllerGroup": "", "controllerKind": "Pod"})


def reconciler_forbidden_line(vc: str = "my-vcluster", ns: str = "vc-ns", sa: str = "pod-grouper") -> str:
    return console_line("ERROR", "Reconciler error", {
        "controller": "pod", "Pod": {"name": "trainer-0", "namespace": ns},
        "error": f'services "{vc}" is forbidden: User "system:serviceaccount:kai-scheduler:{sa}" cannot get '
                 f'resource "services" in API group "" in the namespace "{ns}"'})


def no_owner_line(pod_ref: str = "vc-ns/trainer-0-x-team-a-x-my-vcluster") -> str:
    return console_line("ERROR", "Detected pod with no owner but with podgroup annotation",
                        {"pod": pod_ref, "podgroup": "pg-trainer-0-abc", "error": "orphan pod detected"})


def _closed(**properties) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _switch() -> dict:
    return _closed(enabled={"type": "boolean"})


#: A small config schema shaped like vCluster's generated one (draft 2020-12, $defs, closed objects),
#: covering the keys the factories and scenarios write.
VCLUSTER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://vcluster.com/schemas/config",
    "$defs": {
        "SyncSettings": _closed(setOwner={"type": "boolean"}, targetNamespace={"type": "string"}),
        "Pods": _closed(enabled={"type": "boolean"}, priorityClassName={"type": "string"},
                        runtimeClassName={"type": "string"},
                        hybridScheduling=_closed(enabled={"type": "boolean"},
                                                 hostSchedulers={"type": "array", "items": {"type": "string"}})),
        "Labels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    **_closed(
        sync=_closed(toHost=_closed(pods={"$ref": "#/$defs/Pods"}, priorityClasses=_switch(),
                                    namespaces=_switch()),
                     fromHost=_closed(priorityClasses=_switch())),
        controlPlane=_closed(distro=_closed(k8s=_closed(enabled={"type": "boolean"}, scheduler=_switch())),
                             advanced=_closed(virtualScheduler=_switch()),
                             statefulSet=_closed(labels={"$ref": "#/$defs/Labels"})),
        exportKubeConfig=_closed(secret=_closed(name={"type": "string"})),
        experimental=_closed(syncSettings={"$ref": "#/$defs/SyncSettings"}, multiNamespaceMode=_switch()),
        privateNodes=_switch(),
    ),
}


def helm_release(vc: str, ns: str, revision: int = 1, *, status: str = "deployed", chart_version: str = "0.27.0",
                 schema: Optional[dict] = VCLUSTER_SCHEMA, values: Optional[dict] = None) -> dict:
    """A Helm 3 release Secret as Helm's storage driver writes it (gzip, then base64 twice)."""
    chart = {"metadata": {"name": "vcluster", "version": chart_version},
             "templates": [{"name": "templates/statefulset.yaml", "data": base64.b64encode(b"kind: X").decode()}],
             "values": {"experimental": {"syncSettings": {"setOwner": True}}}}
    if schema is not None:
        chart["schema"] = base64.b64encode(json.dumps(schema).encode()).decode()
    record = {"name": vc, "namespace": ns, "version": revision, "info": {"status": status},
              "chart": chart, "config": values or {}, "manifest": "---\nkind: Secret\n"}
    helm_encoded = base64.b64encode(gzip.compress(json.dumps(record).encode()))
    return {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": meta(f"sh.helm.release.v1.{vc}.v{revision}", ns,
                             {"owner": "helm", "name": vc, "status": status, "version": str(revision)}),
            "data": {"release": base64.b64encode(helm_encoded).decode()}}
