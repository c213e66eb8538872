"""JUnit XML rendering for CI systems: one testcase per check, always well-formed XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from vcdoctor.model import FailOn
from vcdoctor.render import inert
from vcdoctor.render.scope import fix_of

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    suite = _suite(report, "vcdoctor", fail_on)
    ET.indent(suite)
    return HEADER + ET.tostring(suite, encoding="unicode")


def render_fleet(fleet: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    suites = ET.Element("testsuites", {"name": "vcdoctor"})
    for report in fleet["reports"]:
        context = (report.get("cluster") or {}).get("context") or "?"
        suites.append(_suite(report, f"vcdoctor[{context}]", fail_on))
    ET.indent(suites)
    return HEADER + ET.tostring(suites, encoding="unicode")


def _element(parent: ET.Element, tag: str, attrs: dict[str, object], body: object = None) -> ET.Element:
    # ElementTree escapes <, & and quotes but writes an ESC or U+FFFF as is, which no XML parser
    # accepts: every string passes through inert.xml on its way in
    node = ET.SubElement(parent, tag, {k: inert.xml(v) for k, v in attrs.items()})
    if body is not None:
        node.text = inert.xml(body)
    return node


def _failing(check: dict, fail_on: FailOn) -> bool:
    # a fail is a failed test whatever --fail-on says; a warn is one only with --fail-on warn, and an accepted
    # (ignored) finding never is, so the suite fails exactly when vcdoctor's exit code does (--fail-on never aside)
    status = check["status"]
    return not _ignored(check) and (status == "fail" or (status == "warn" and fail_on is FailOn.WARN))


def _ignored(check: dict) -> bool:
    return check.get("ignored") is True


def _suite(report: dict, name: str, fail_on: FailOn) -> ET.Element:
    checks = report.get("checks") or []
    suite = ET.Element("testsuite", {
        "name": inert.xml(name),
        "tests": str(len(checks) + (1 if report.get("error") else 0)),
        "failures": str(sum(_failing(c, fail_on) for c in checks)),
        "errors": str(sum(c["status"] == "error" and not _ignored(c) for c in checks)
                      + (1 if report.get("error") else 0)),
        "skipped": str(sum(c["status"] == "skip" or _ignored(c) for c in checks)),
        "timestamp": inert.xml(report.get("generated_at") or ""),
        "time": f"{sum(c.get('duration_ms') or 0 for c in checks) / 1000:.3f}",
    })
    cluster = report.get("cluster") or {}
    if cluster.get("context"):
        properties = ET.SubElement(suite, "properties")
        _element(properties, "property", {"name": "context", "value": cluster["context"]})
    if report.get("error"):
        case = _element(suite, "testcase", {"classname": "vcdoctor", "name": "run"})
        _element(case, "error", {"type": report["error"].get("code"), "message": report["error"].get("message")})
    for check in checks:
        case = _element(suite, "testcase", {"classname": f"vcdoctor.{check.get('severity')}", "name": check["id"],
                                            "time": f"{(check.get('duration_ms') or 0) / 1000:.3f}"})
        status = check["status"]
        if _ignored(check):
            _element(case, "skipped", {"message": f"ignored: accepted finding {check.get('code')} ({status}): "
                                                  f"{check['message']}"})
        elif _failing(check, fail_on):
            _element(case, "failure", {"type": status, "message": check["message"]}, _details(check, report))
        elif status == "error":
            _element(case, "error", {"type": "error", "message": check["message"]}, _details(check, report))
        elif status == "skip":
            _element(case, "skipped", {"message": check["message"]})
        elif status == "warn":
            _element(case, "system-out", {}, f"WARN: {check['message']}\n\n{_details(check, report)}")
        else:
            _element(case, "system-out", {}, check["message"])
    return suite


def _details(check: dict, report: dict) -> str:
    parts = [check.get("remediation") or ""]
    fix = fix_of(check)
    if fix:
        context = fix.get("context") or (report.get("cluster") or {}).get("context")
        parts.append(f"Fix{f' (context {context})' if context else ''}, paste into bash:\n"
                     f"{inert.script(fix['script']).strip()}")
    parts.append("Evidence:\n" + json.dumps(check.get("evidence") or [], indent=2))
    return "\n\n".join(p for p in parts if p)
