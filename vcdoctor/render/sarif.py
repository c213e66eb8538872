"""SARIF 2.1.0 rendering: one rule per check, one result per non-passing check."""

from __future__ import annotations

import json

LEVELS = {"fail": "error", "error": "error", "warn": "warning", "skip": "none"}
SEVERITY_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def render(report: dict, colour: bool = False) -> str:
    return json.dumps(_document([_run(report)]), indent=2)


def render_fleet(fleet: dict, colour: bool = False) -> str:
    return json.dumps(_document([_run(r) for r in fleet["reports"]]), indent=2)


def _document(runs: list) -> dict:
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": runs}


def _run(report: dict) -> dict:
    checks = report.get("checks") or []
    rules = [{
        "id": c["id"],
        "name": c["id"].title().replace("-", ""),
        "shortDescription": {"text": c["title"]},
        "helpUri": c.get("docs_url"),
        "defaultConfiguration": {"level": SEVERITY_LEVELS[c["severity"]]},
        "properties": {"severity": c["severity"]},
    } for c in checks]
    results = []
    for index, check in enumerate(checks):
        if check["status"] == "pass":
            continue
        result = {
            "ruleId": check["id"],
            "ruleIndex": index,
            "level": LEVELS[check["status"]],
            "kind": "notApplicable" if check["status"] == "skip" else "fail",
            "message": {"text": check["message"] + (f"\n\nRemediation:\n{check['remediation']}"
                                                    if check.get("remediation") else "")},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": e["subject"], "kind": "resource"}]}
                          for e in check["evidence"][:5]],
            "properties": {"status": check["status"], "evidence": check["evidence"]},
        }
        results.append(result)
    invocation = {"executionSuccessful": not report.get("error")}
    if report.get("error"):
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": report["error"]["message"]}}]
    return {
        "tool": {"driver": {"name": "vcdoctor", "version": report["tool"]["version"], "rules": rules}},
        "invocations": [invocation],
        "results": results,
        "properties": {"cluster": report.get("cluster"), "target": report.get("target")},
    }
