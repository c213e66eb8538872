"""KAI installs as each release family deploys them (kai.md §1, §2, §7), written out per family for the tests."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from tests.fakeapi import factories as f

Version = Tuple[int, int, int]


def _v(text: str) -> Version:
    major, minor, patch = (int(x) for x in text.lstrip("v").split("."))
    return (major, minor, patch)


def apps_of(version: str, scheduler_name: str = "kai-scheduler", cluster_autoscaling: bool = False) -> List[str]:
    """The app labels (= Deployment and container names) a healthy install of ``version`` runs."""
    v = _v(version)
    if v < (0, 9, 0):
        apps = ["scheduler", "binder", "podgrouper"]
        if v >= (0, 6, 0):
            apps += ["podgroup-controller", "queuecontroller"]
        if v >= (0, 7, 13):
            apps += ["kai-admission"]
    else:
        scheduler = "scheduler" if v < (0, 10, 0) else f"{scheduler_name}-default"
        apps = ["kai-operator", scheduler, "binder", "pod-grouper", "queue-controller", "podgroup-controller",
                "admission"]
    if cluster_autoscaling and v >= (0, 5, 0):
        apps.append("node-scale-adjuster")
    return apps


def _registry(v: Version) -> str:
    return "ghcr.io/kai-scheduler/kai-scheduler" if v >= (0, 13, 1) else "ghcr.io/nvidia/kai-scheduler"


def install(version: str, *, gpu_sharing: bool = True, scheduler_name: str = "kai-scheduler",
            queue_label_key: Optional[str] = None, cluster_autoscaling: bool = False, json_log: Optional[bool] = None,
            broken: Optional[Dict[str, dict]] = None, skip=(), with_config: bool = True) -> List[dict]:
    """Pods in kai-scheduler, the default queues and (v0.9+) the Config CR of a healthy ``version`` install.
    ``broken`` overrides pod kwargs by app label; ``skip`` leaves apps out."""
    v = _v(version)
    ns = "kai-scheduler"
    objs: List[dict] = [f.namespace(ns)]
    for app in apps_of(version, scheduler_name, cluster_autoscaling):
        if app in skip:
            continue
        container = "operator" if app == "kai-operator" else app
        args: List[str] = []
        if v < (0, 9, 0) and app == ("binder" if v < (0, 7, 13) else "kai-admission"):
            args.append(f"--gpu-sharing-enabled={str(gpu_sharing).lower()}")
        if app in ("podgrouper", "pod-grouper"):
            if v >= (0, 6, 0):
                # the chart (v0.6+) and the operator pass the key; v0.5.x's chart does not
                args.append(f"--queue-label-key={queue_label_key or 'kai.scheduler/queue'}")
            elif queue_label_key and v >= (0, 5, 1):
                args.append(f"--queue-label-key={queue_label_key}")
            if json_log and v >= (0, 15, 0):
                args.append("--zap-devel=false")
        kwargs = {"labels": {"app": app}, "containers": (container,), "image": f"{_registry(v)}/{app}:{version}",
                  "node": "cpu-node-1", "args": args or None}
        kwargs.update((broken or {}).get(app, {}))
        pod = f.pod(f"{app}-7d9f8c-abcde", ns, **kwargs)
        if app in ("podgrouper", "pod-grouper"):
            pod["spec"]["serviceAccountName"] = app
        objs.append(pod)
    objs += [f.queue("default-parent-queue"), f.queue("default-queue", "default-parent-queue")]
    if v >= (0, 9, 0) and with_config:
        glob: dict = {"schedulerName": scheduler_name}
        if queue_label_key:
            glob["queueLabelKey"] = queue_label_key
        if json_log is not None and v >= (0, 15, 0):
            glob["jsonLog"] = json_log
        spec = {"namespace": ns, "global": glob, "admission": {"gpuSharing": gpu_sharing}}
        objs.append({"apiVersion": "kai.scheduler/v1", "kind": "Config", "metadata": f.meta("kai-config"),
                     "spec": spec})
    return objs


def reservation_pod(node: str, version: str, ready: bool = True, **kwargs) -> dict:
    """A reservation pod in the namespace and with the container name of ``version`` (kai.md §7)."""
    v = _v(version)
    ns = "kai-resource-reservation" if v >= (0, 6, 0) else "runai-reservation"
    container = "resource-reservation" if v >= (0, 5, 0) else "runai-reservation"
    return f.pod(f"gpu-reservation-{node}-x7k2p", ns, labels={"app": ns, "runai-gpu-group": "g1"}, node=node,
                 ready=ready, containers=(container,), **kwargs)
