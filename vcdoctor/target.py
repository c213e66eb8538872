"""What the user asked to examine: the target of a run, as the flags name it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vcdoctor.chart_schema import ChartSchema


class UsageError(Exception):
    """The request names something that does not exist (exit code 2)."""


@dataclass(frozen=True)
class Target:
    namespace: Optional[str] = None
    pod: Optional[str] = None
    vcluster: Optional[str] = None
    vcluster_namespace: Optional[str] = None
    #: -l/--selector: only pods whose (virtual) labels match
    selector: Optional[str] = None
    #: the user allowed a metadata-only LIST of each vCluster's Helm release Secrets (--read-helm-release)
    helm_release: bool = False
    #: a config schema the user supplied (--vcluster-schema)
    config_schema: Optional[ChartSchema] = None

    @property
    def names_vcluster(self) -> bool:
        return bool(self.vcluster or self.vcluster_namespace)

    def to_dict(self) -> dict:
        return {"namespace": self.namespace, "pod": self.pod, "vcluster": self.vcluster,
                "vcluster_namespace": self.vcluster_namespace, "selector": self.selector,
                "helm_release": self.helm_release,
                "config_schema": self.config_schema.source if self.config_schema else None}
