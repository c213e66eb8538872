"""The Kubernetes resource kinds vcdoctor reads, described once for every transport."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    namespaced: bool
    #: snake_case singular used by the typed client methods (``list_namespaced_<snake>``).
    snake: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def display(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


PODS = Resource("", "v1", "pods", True, "pod")
NAMESPACES = Resource("", "v1", "namespaces", False, "namespace")
NODES = Resource("", "v1", "nodes", False, "node")
SECRETS = Resource("", "v1", "secrets", True, "secret")
SERVICES = Resource("", "v1", "services", True, "service")
EVENTS = Resource("", "v1", "events", True, "event")
STATEFULSETS = Resource("apps", "v1", "statefulsets", True, "stateful_set")
DEPLOYMENTS = Resource("apps", "v1", "deployments", True, "deployment")
KAI_CONFIGS = Resource("kai.scheduler", "v1", "configs", False)
QUEUES = Resource("scheduling.run.ai", "v2", "queues", False)
PODGROUPS = Resource("scheduling.run.ai", "v2alpha2", "podgroups", True)
