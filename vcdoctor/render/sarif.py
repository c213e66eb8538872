"""SARIF 2.1.0 rendering: one rule per finding code, one result per finding, errors as notifications, accepted
findings as suppressed results."""

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


def findings_of(check: dict) -> list[dict]:
    """The check's findings as the report lists them; a report made before codes: the check as its own finding."""
    found = [f for f in check.get("findings") or [] if isinstance(f, dict) and isinstance(f.get("code"), str)]
    if found or check.get("status") == "pass":
        return found
    return [{"code": check.get("code") or check["id"], "status": check["status"], "title": check.get("title"),
             "objects": check.get("objects") or [], "message": check["message"], "ignored": bool(check.get("ignored"))}]


def _rule(check: dict, finding: dict) -> dict:
    """The rule of one code: named after its check, described by the finding's title."""
    code = str(finding["code"])
    rule = {
        "id": code,
        "name": check["id"].title().replace("-", "") + (code if code != check["id"] else ""),
        "shortDescription": {"text": inert.one_line(finding.get("title") or check.get("title")) or code},
        "properties": {"check": check["id"], "severity": check.get("severity"), "status": finding.get("status")},
    }
    if check.get("severity") in SEVERITY_LEVELS:
        rule["defaultConfiguration"] = {"level": SEVERITY_LEVELS[check["severity"]]}
    if check.get("docs_url"):
        rule["helpUri"] = check["docs_url"]  # the schema wants a URI here, never null
    return rule


def _text(check: dict, report: dict, message: object = None) -> str:
    # viewers (and terminals printing SARIF) show message.text: it gets no control characters;
    # properties keep the evidence exactly as seen
    text = inert.clean(check["message"] if message is None else message)
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
    rules: dict[str, dict] = {}
    results = []
    notifications = []
    for check in checks:
        for finding in findings_of(check):
            code, status = str(finding["code"]), str(finding.get("status"))
            rules.setdefault(code, _rule(check, finding))
            index = list(rules).index(code)
            if status == "error":
                # an error is vcdoctor failing to evaluate, not a finding about the cluster: SARIF
                # calls that a tool execution notification
                notifications.append({
                    "level": "error",
                    "message": {"text": _text(check, report, finding.get("message"))},
                    "associatedRule": {"id": code, "index": index},
                    "properties": {"check": check["id"], "evidence": check.get("evidence") or []},
                })
                continue
            results.append(_result(check, finding, index, report))
    if report.get("error"):
        notifications.insert(0, {"level": "error", "message": {"text": inert.clean(report["error"].get("message"))},
                                 "properties": {"code": report["error"].get("code")}})
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "tool": {"driver": {"name": "vcdoctor", "version": str((report.get("tool") or {}).get("version")),
                            "rules": list(rules.values())}},
        "invocations": [invocation],
        "results": results,
        "properties": {"cluster": report.get("cluster"), "target": report.get("target")},
    }


def _result(check: dict, finding: dict, index: int, report: dict) -> dict:
    status = str(finding.get("status"))
    objects = [str(o) for o in finding.get("objects") or []]
    # the objects the finding names locate it; a finding naming none, the objects its evidence is about
    where = objects or [str(e.get("subject")) for e in check.get("evidence") or []]
    properties: dict = {"status": status, "check": check["id"], "objects": objects,
                        "evidence": check.get("evidence") or []}
    result: dict = {
        "ruleId": str(finding["code"]),
        "ruleIndex": index,
        "level": LEVELS.get(status, "note"),
        "kind": "notApplicable" if status == "skip" else "fail",
        "message": {"text": _text(check, report, finding.get("message"))},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]} for name in where[:5]],
        "properties": properties,
    }
    if finding.get("ignored"):
        # accepted by the user (--ignore, .vcdoctor.yaml): SARIF's own word for it, so viewers hide it
        result["suppressions"] = [{"kind": "external", "justification": "accepted with --ignore or .vcdoctor.yaml"}]
    fix = fix_of(check)
    if fix:
        # SARIF's own fixes[] describe file edits (artifactChanges): a shell script is no such thing
        properties["fix"] = {"script": fix["script"], "context": fix.get("context")}
    return result
