"""The JSON report: the support-ticket contract (schema in docs/report.schema.json)."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from vcdoctor import __version__
from vcdoctor.model import CheckResult, Status
from vcdoctor.remedy import plan

SCHEMA_VERSION = "vcdoctor.report/v1"


#: the cluster of a report that never reached one
NO_CLUSTER = {"context": None, "server": None, "kubernetes_version": None}


@dataclass(frozen=True)
class Report:
    """One run's report, built once from everything the run found; :meth:`to_dict` is the JSON document."""

    results: Tuple[CheckResult, ...] = ()
    cluster: Mapping[str, Any] = field(default_factory=lambda: dict(NO_CLUSTER))
    #: what was asked and what it resolved to (Scope.to_dict)
    target: Mapping[str, Any] = field(default_factory=dict)
    #: every API permission the run used and what the API answered
    permissions: Tuple[Mapping[str, Any], ...] = ()
    #: why no check could run ({"code": ErrorCode value, "message": ...}); a report with an error has no remedy
    error: Optional[Mapping[str, str]] = None
    #: which permissions a refused read lacked, and which checks needed them
    preflight: Optional[Mapping[str, Any]] = None
    #: a tenant-only run: what the platform team needs to run vcdoctor on the host
    platform: Optional[Mapping[str, Any]] = None
    duration_ms: Optional[int] = None
    #: the replayed snapshot or archive: its format, the tool and version that made it, when, whether names are
    #: redacted (vcdoctor's own --redact)
    snapshot: Optional[Mapping[str, Any]] = None
    generated_at: datetime.datetime = field(default_factory=lambda: now())

    @classmethod
    def failed(cls, code: str, message: str, context: Optional[str] = None) -> "Report":
        """The report of a run that produced no check results."""
        return cls(cluster=dict(NO_CLUSTER, context=context), error={"code": code, "message": message})

    def to_dict(self) -> Dict[str, Any]:
        summary = {s.value: 0 for s in Status}
        for result in self.results:
            summary[result.status.value] += 1
        report: Dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "vcdoctor", "version": __version__},
            "generated_at": self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "cluster": dict(self.cluster),
            "target": dict(self.target),
            "summary": summary,
            "checks": [r.to_dict() for r in self.results],
            "permissions": [dict(p) for p in self.permissions],
        }
        if self.error is None:
            # every fix of one run is aimed at the same context (the host's, for a tenant run)
            context = next((r.fix.context for r in self.results if r.fix is not None), None)
            report["remedy"] = plan.for_results(self.results, context).to_dict()
        else:
            report["error"] = dict(self.error)
        for key, part in (("preflight", self.preflight), ("platform", self.platform)):
            if part is not None:
                report[key] = dict(part)
        if self.duration_ms is not None:
            report["duration_ms"] = self.duration_ms
        if self.snapshot is not None:
            report["snapshot"] = dict(self.snapshot)
        return report


def fleet(reports: Sequence[dict]) -> dict:
    """One document for several clusters: the per-cluster reports under one envelope."""
    summary = {s.value: 0 for s in Status}
    for report in reports:
        for status, count in report["summary"].items():
            summary[status] += count
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "vcdoctor", "version": __version__},
        "generated_at": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": "fleet",
        "summary": summary,
        "clusters_failed": sum(1 for r in reports if r.get("error")),
        "reports": list(reports),
    }


def now() -> datetime.datetime:
    # SOURCE_DATE_EPOCH pins the time for reproducible example snapshots
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc)

