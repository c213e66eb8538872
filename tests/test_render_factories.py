"""Report factories for the renderer tests, and proof that what they build is a valid report."""

from __future__ import annotations

from typing import Any

from tests import report_schema

REMEDIATION = {"pass": None, "skip": None}


def make_check(check_id: str = "kai-queue", status: str = "pass", message: str | None = None,
               **extra: Any) -> dict:
    """One check as report.build() writes it; warn/fail/error get the remediation the schema demands."""
    check = {
        "id": check_id,
        "title": f"{check_id} title",
        "severity": "high",
        "status": status,
        "message": message or f"{check_id} is {status}",
        "evidence": [] if status == "pass" else [{"subject": f"pod team-a/{check_id}", "observation": "seen"}],
        "remediation": REMEDIATION.get(status, f"fix {check_id}"),
        "docs_url": f"docs/checks.md#{check_id}",
        "duration_ms": 5,
    }
    check.update(extra)
    return check


def make_report(*checks: dict, context: str | None = "gpu-prod", target: dict | None = None,
                **extra: Any) -> dict:
    """A single-cluster report around *checks* (summary counted from them)."""
    summary = {s: 0 for s in ("pass", "warn", "fail", "skip", "error")}
    for check in checks:
        summary[check["status"]] += 1
    report = {
        "schema_version": "vcdoctor.report/v1",
        "tool": {"name": "vcdoctor", "version": "1.0.0"},
        "generated_at": "2026-11-20T10:00:00Z",
        "cluster": {"context": context, "server": "https://10.0.0.1:6443", "kubernetes_version": "v1.30.2"},
        "target": target if target is not None else {},
        "summary": summary,
        "checks": list(checks),
        "permissions": [],
    }
    fixes = [c for c in checks if isinstance(c.get("fix"), dict) and str(c["fix"].get("script") or "").strip()]
    if fixes:  # as the real report: one step per check's fix here, the remedy printed once
        report["remedy"] = {"context": context, "script": "".join(c["fix"]["script"] for c in fixes), "steps": [
            {"id": i, "resolves": [c["id"]], "checks": [c["id"]], "target": f"what {c['id']} changes",
             "disruption": "none", "manual": False, "refused": False, "script": c["fix"]["script"]}
            for i, c in enumerate(fixes, 1)]}
    report.update(extra)
    return report


def make_fleet(*reports: dict) -> dict:
    summary = {s: sum(r["summary"][s] for r in reports) for s in ("pass", "warn", "fail", "skip", "error")}
    return {"schema_version": "vcdoctor.report/v1", "tool": {"name": "vcdoctor", "version": "1.0.0"},
            "generated_at": "2026-11-20T10:00:00Z", "kind": "fleet", "summary": summary,
            "clusters_failed": sum(1 for r in reports if r.get("error")), "reports": list(reports)}


def every_status() -> list:
    return [make_check(f"check-{s}", s) for s in ("pass", "warn", "fail", "skip", "error")]


def test_factories_build_schema_valid_reports_and_fleets():
    report = make_report(*every_status(), target={"namespace": "team-a", "pod": "p", "host_pods": ["team-a/p"]})
    report_schema.validate(report)
    report_schema.validate(make_fleet(report, make_report(context="b")))
