"""The Kubernetes resource kinds vcdoctor reads, described once for every transport."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    namespaced: bool

    @property
    def display(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


PODS = Resource("", "v1", "pods", True)
NAMESPACES = Resource("", "v1", "namespaces", False)
NODES = Resource("", "v1", "nodes", False)
SECRETS = Resource("", "v1", "secrets", True)
EVENTS = Resource("", "v1", "events", True)
STATEFULSETS = Resource("apps", "v1", "statefulsets", True)
DEPLOYMENTS = Resource("apps", "v1", "deployments", True)
KAI_CONFIGS = Resource("kai.scheduler", "v1", "configs", False)
QUEUES = Resource("scheduling.run.ai", "v2", "queues", False)
PODGROUPS = Resource("scheduling.run.ai", "v2alpha2", "podgroups", True)
RUNTIME_CLASSES = Resource("node.k8s.io", "v1", "runtimeclasses", False)
PRIORITY_CLASSES = Resource("scheduling.k8s.io", "v1", "priorityclasses", False)
MUTATING_WEBHOOKS = Resource("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", False)
VALIDATING_WEBHOOKS = Resource("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", False)
