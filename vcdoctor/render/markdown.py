"""Markdown rendering for pasting into a ticket or GitHub issue."""

from __future__ import annotations

import json

ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "⛔", "skip": "➖"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(report: dict, colour: bool = False) -> str:
    cluster = report.get("cluster") or {}
    lines = ["## vcdoctor report", ""]
    lines.append(f"vcdoctor {report['tool']['version']} · {report['generated_at']} · context "
                 f"`{cluster.get('context')}` · Kubernetes {cluster.get('kubernetes_version') or 'unknown'}")
    target = report.get("target") or {}
    if target.get("host_pods"):
        lines.append(f"Examined: {', '.join('`' + p + '`' for p in target['host_pods'])}")
    lines.append("")
    if report.get("error"):
        lines.append(f"**Error ({report['error']['code']}):** {_cell(report['error']['message'])}")
        return "\n".join(lines)
    summary = report["summary"]
    lines.append(" · ".join(f"{summary[s]} {s}" for s in ("pass", "warn", "fail", "error", "skip")))
    missing = (report.get("preflight") or {}).get("missing") or []
    if missing:
        lines += ["", "**Missing permissions** (cluster-wide; `docs/rbac.yaml` grants them):", ""]
        lines += [f"- `{m['permission']}`: needed by {', '.join(m['needed_by'])}" for m in missing]
    lines += ["", "| Status | Check | Finding |", "|---|---|---|"]
    for check in report["checks"]:
        lines.append(f"| {ICONS[check['status']]} {check['status']} | `{check['id']}` | {_cell(check['message'])} |")
    for check in report["checks"]:
        if check["status"] == "pass":
            continue
        lines += ["", f"### {ICONS[check['status']]} `{check['id']}`: {check['title']}", "", check["message"]]
        if check.get("remediation"):
            lines += ["", "**Remediation**", "", "```", check["remediation"], "```"]
        if check.get("evidence"):
            lines += ["", "<details><summary>Evidence</summary>", "", "```json",
                      json.dumps(check["evidence"], indent=2), "```", "", "</details>"]
        if check.get("docs_url"):
            lines += ["", f"Docs: {check['docs_url']}"]
    return "\n".join(lines)


def render_fleet(fleet: dict, colour: bool = False) -> str:
    parts = [f"# vcdoctor fleet report ({len(fleet['reports'])} clusters)", ""]
    for report in fleet["reports"]:
        context = (report.get("cluster") or {}).get("context") or "?"
        parts.append(render(report).replace("## vcdoctor report", f"## Cluster `{context}`", 1))
        parts.append("")
    return "\n".join(parts)
