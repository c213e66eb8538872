"""SARIF 2.1.0 rendering: one rule per check, one result per finding, errors as notifications."""

from __future__ import annotations

import json

from vcdoctor.model import FailOn
from vcdoctor.render import inert
from vcdoctor.render.scope import fix_of

LEVELS = {"fail": "error", "warn": "warning", "skip": "none"}
SEVERITY_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    return json.dumps(_document([_run(report)]), indent=2)


def render_fleet(fleet: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    return json.dumps(_document([_run(r) for r in fleet["reports"]]), indent=2)


def _document(runs: list[dict]) -> dict:
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


def _rule(check: dict) -> dict:
    rule = {
        "id": check["id"],
        "name": check["id"].title().replace("-", ""),
        "shortDescription": {"text": inert.one_line(check.get("title")) or check["id"]},
        "properties": {"severity": check.get("severity")},
    }
    if check.get("severity") in SEVERITY_LEVELS:
        rule["defaultConfiguration"] = {"level": SEVERITY_LEVELS[check["severity"]]}
    if check.get("docs_url"):
        rule["helpUri"] = check["docs_url"]  # the schema wants a URI here, never null
    return rule


def _text(check: dict, report: dict) -> str:
    # viewers (and terminals printing SARIF) show message.text: it gets no control characters;
    # properties keep the evidence exactly as seen
    text = inert.clean(check["message"])
    if check.get("remediation"):
        text += f"\n\nRemediation:\n{inert.clean(check['remediation'])}"
    fix = fix_of(check)
    if fix:
        context = fix.get("context") or (report.get("cluster") or {}).get("context")
        where = f" (context {inert.one_line(context)})" if context else ""
        text += f"\n\nFix{where}, paste into bash:\n{inert.script(fix['script']).strip()}"
    return text


def _run(report: dict) -> dict:
    checks = report.get("checks") or []
    results = []
    notifications = []
    for index, check in enumerate(checks):
        status = check["status"]
        if status == "pass":
            continue
        if status == "error":
            # an error is vcdoctor failing to evaluate, not a finding about the cluster: SARIF
            # calls that a tool execution notification
            notifications.append({
                "level": "error",
                "message": {"text": _text(check, report)},
                "associatedRule": {"id": check["id"], "index": index},
                "properties": {"evidence": check.get("evidence") or []},
            })
            continue
        result = {
            "ruleId": check["id"],
            "ruleIndex": index,
            "level": LEVELS.get(status, "note"),
            "kind": "notApplicable" if status == "skip" else "fail",
            "message": {"text": _text(check, report)},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": str(e.get("subject")), "kind": "resource"}]}
                          for e in (check.get("evidence") or [])[:5]],
            "properties": {"status": status, "evidence": check.get("evidence") or []},
        }
        fix = fix_of(check)
        if fix:
            # SARIF's own fixes[] describe file edits (artifactChanges): a shell script is no such thing
            result["properties"]["fix"] = {"script": fix["script"], "context": fix.get("context")}
        results.append(result)
    if report.get("error"):
        notifications.insert(0, {"level": "error", "message": {"text": inert.clean(report["error"].get("message"))},
                                 "properties": {"code": report["error"].get("code")}})
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "tool": {"driver": {"name": "vcdoctor", "version": str((report.get("tool") or {}).get("version")),
                            "rules": [_rule(c) for c in checks]}},
        "invocations": [invocation],
        "results": results,
        "properties": {"cluster": report.get("cluster"), "target": report.get("target")},
    }
