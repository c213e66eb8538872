"""The SelfSubjectAccessReview pre-flight: which permissions vcdoctor needs, and which ones it lacks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from vcdoctor.gateway import Gateway, GatewayError


@dataclass(frozen=True)
class Permission:
    verb: str
    group: str
    resource: str
    subresource: str = ""
    #: the checks that need it (reported when it is missing)
    needed_by: Tuple[str, ...] = ()

    @property
    def display(self) -> str:
        what = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{self.verb} {what}.{self.group}" if self.group else f"{self.verb} {what}"


#: Everything the built-in checks read, cluster-wide. docs/rbac.yaml grants exactly this (a test holds
#: the two together).
REQUIRED: Tuple[Permission, ...] = (
    Permission("list", "", "pods", needed_by=("all checks",)),
    Permission("get", "", "pods", needed_by=("pod-scheduler-name (--pod)",)),
    Permission("get", "", "pods", "log", needed_by=("podgrouper-permissions", "podgrouper-no-owner-log",
                                                    "gpu-sharing-reservations")),
    Permission("get", "", "secrets", needed_by=("vcluster-set-owner",)),
    Permission("get", "", "namespaces", needed_by=("kai-components",)),
    Permission("list", "apps", "statefulsets", needed_by=("vCluster discovery",)),
    Permission("list", "apps", "deployments", needed_by=("vCluster discovery",)),
    Permission("get", "kai.scheduler", "configs", needed_by=("gpu-sharing-reservations",)),
    Permission("list", "scheduling.run.ai", "queues", needed_by=("kai-queue",)),
    Permission("list", "scheduling.run.ai", "podgroups", needed_by=("kai-podgroup",)),
    Permission("get", "scheduling.run.ai", "podgroups", needed_by=("kai-podgroup (--pod)",)),
    Permission("list", "", "nodes", needed_by=("kai-gpu-request",)),
    Permission("list", "", "events", needed_by=("kai-pending-reason (--pod)",)),
)
#: Only asked for with --read-helm-release (the names of Helm release Secrets; docs/rbac.yaml has it commented).
HELM_RELEASES = Permission("list", "", "secrets", needed_by=("vcluster-config-schema (--read-helm-release)",))


@dataclass(frozen=True)
class Preflight:
    missing: Tuple[Permission, ...] = ()
    checked: int = 0
    #: why the pre-flight itself could not run (then nothing is known up front)
    unavailable: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "checked": self.checked,
            "missing": [{"permission": p.display, "needed_by": list(p.needed_by)} for p in self.missing],
            "unavailable": self.unavailable,
        }


def run_preflight(gateway: Gateway, required: Sequence[Permission] = REQUIRED) -> Preflight:
    """Ask the API server about every permission at once (concurrently)."""
    def ask(p: Permission) -> bool:
        return gateway.can_i(p.verb, p.resource, None, p.group, p.subresource)

    try:
        # each worker opens a TLS connection of its own, and the answers are only needed for the report
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers: List[bool] = list(pool.map(ask, required))
    except GatewayError as exc:
        return Preflight(checked=len(required), unavailable=f"{exc.kind}: {exc.reason}")
    return Preflight(tuple(p for p, ok in zip(required, answers) if not ok), len(required))
