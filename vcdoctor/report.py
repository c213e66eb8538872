"""The JSON report: the support-ticket contract (schema in docs/report.schema.json)."""

from __future__ import annotations

import datetime
import os
from typing import Optional, Sequence

from vcdoctor import __version__
from vcdoctor.model import CheckResult, Status
from vcdoctor.remedy import plan

SCHEMA_VERSION = "vcdoctor.report/v1"


def build(results: Sequence[CheckResult], cluster: Optional[dict] = None, target: Optional[dict] = None,
          error: Optional[dict] = None, permissions: Optional[list] = None) -> dict:
    summary = {s.value: 0 for s in Status}
    for result in results:
        summary[result.status.value] += 1
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "vcdoctor", "version": __version__},
        "generated_at": now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cluster": cluster or {"context": None, "server": None, "kubernetes_version": None},
        "target": target or {},
        "summary": summary,
        "checks": [r.to_dict() for r in results],
        "permissions": permissions or [],
    }
    if error is None:
        # every fix of one run is aimed at the same context (the host's, for a tenant run)
        context = next((r.fix.context for r in results if r.fix is not None), None)
        report["remedy"] = plan.for_results(results, context).to_dict()
    if error is not None:
        report["error"] = error
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

