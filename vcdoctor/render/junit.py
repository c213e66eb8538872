"""JUnit XML rendering for CI systems: one testcase per check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET


def render(report: dict, colour: bool = False) -> str:
    suite = _suite(report, "vcdoctor")
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode")


def render_fleet(fleet: dict, colour: bool = False) -> str:
    suites = ET.Element("testsuites", {"name": "vcdoctor"})
    for report in fleet["reports"]:
        context = (report.get("cluster") or {}).get("context") or "?"
        suites.append(_suite(report, f"vcdoctor[{context}]"))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _suite(report: dict, name: str) -> ET.Element:
    checks = report.get("checks") or []
    suite = ET.Element("testsuite", {
        "name": name,
        "tests": str(len(checks)),
        "failures": str(sum(c["status"] == "fail" for c in checks)),
        "errors": str(sum(c["status"] == "error" for c in checks) + (1 if report.get("error") else 0)),
        "skipped": str(sum(c["status"] == "skip" for c in checks)),
        "timestamp": report["generated_at"],
        "time": f"{sum(c['duration_ms'] for c in checks) / 1000:.3f}",
    })
    if report.get("error"):
        case = ET.SubElement(suite, "testcase", {"classname": "vcdoctor", "name": "run"})
        ET.SubElement(case, "error", {"type": report["error"]["code"], "message": report["error"]["message"]})
    for check in checks:
        case = ET.SubElement(suite, "testcase", {"classname": f"vcdoctor.{check['severity']}", "name": check["id"],
                                                 "time": f"{check['duration_ms'] / 1000:.3f}"})
        status = check["status"]
        details = (check.get("remediation") or "") + "\n\nEvidence:\n" + json.dumps(check["evidence"], indent=2)
        if status == "fail":
            node = ET.SubElement(case, "failure", {"type": status, "message": check["message"]})
            node.text = details
        elif status == "error":
            node = ET.SubElement(case, "error", {"type": "error", "message": check["message"]})
            node.text = details
        elif status == "skip":
            ET.SubElement(case, "skipped", {"message": check["message"]})
        else:
            text = check["message"] if status == "pass" else f"WARN: {check['message']}\n\n{details}"
            ET.SubElement(case, "system-out").text = text
    return suite
