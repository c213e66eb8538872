"""Markdown rendering for a ticket or GitHub issue; cluster text is shown only inside code."""

from __future__ import annotations

import json

from vcdoctor.model import FailOn
from vcdoctor.render import inert
from vcdoctor.render.scope import (
    finding_text,
    groups,
    remedy_of,
    remedy_summary,
    scope_lines,
    shown_status,
    steps_for,
    without_citations,
)

ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "⛔", "skip": "➖", "ignored": "🔕"}


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL, heading: str | None = None) -> str:
    # every value from the cluster or a snapshot goes through inert.md_code/md_fence: in a code
    # span or block no heading, link, image or HTML can form, whatever the text holds
    lines = [heading or "## vcdoctor report", ""]
    scope = scope_lines(report, inert.md_code)
    lines.append(scope[0])
    lines += [f"- {line}" for line in scope[1:]]
    lines.append("")
    if report.get("error"):
        error = report["error"]
        lines.append(f"**Error** ({inert.md_code(error.get('code'))}): {inert.md_code(error.get('message'))}")
        return "\n".join(lines)
    summary = report.get("summary") or {}
    lines.append(" · ".join(f"{summary.get(s, 0)} {s}" for s in ("pass", "warn", "fail", "error", "skip"))
                 + (f" ({summary['ignored']} ignored: accepted findings)" if summary.get("ignored") else ""))
    missing = (report.get("preflight") or {}).get("missing") or []
    if missing:
        lines += ["", "**Missing permissions** (cluster-wide; `vcdoctor rbac` prints the RBAC that grants them):", ""]
        lines += [f"- {inert.md_code(m.get('permission'))}: needed by "
                  f"{', '.join(inert.one_line(n) for n in m.get('needed_by') or [])}" for m in missing]
    blocks = groups(report.get("checks") or [])
    lines += ["", "| Status | Check | Finding |", "|---|---|---|"]
    for block in blocks:
        status = shown_status(block[0])
        ids = "<br>".join(inert.md_code(c["id"], table=True) for c in block)
        finding = inert.md_code(without_citations(finding_text(block[0])), table=True)
        lines.append(f"| {ICONS.get(status, '')} {status} | {ids} | {finding} |")
    for block in blocks:
        if shown_status(block[0]) not in ("pass", "ignored"):
            lines += _details(block, report)
    lines += _remedy(report)
    lines += _platform(report.get("platform"))
    return "\n".join(lines)


def _platform(ticket: dict | None) -> list[str]:
    """A tenant-only run ends with what the platform team needs to look at the host side."""
    if not isinstance(ticket, dict):
        return []
    vc = ticket.get("vcluster") or {}
    lines = ["", "### For the platform team", "",
             "This report was made inside a vCluster, without access to the host cluster; the skipped checks "
             "need the host.", "",
             f"- vCluster: {inert.md_code(vc.get('name') or '?')} in host namespace "
             f"{inert.md_code(vc.get('namespace') or '?')}"
             + (f" (host context {inert.md_code(vc['host_context'])})" if vc.get("host_context") else "")]
    if ticket.get("host_pod"):
        lines.append(f"- host pod (as the vCluster names it): {inert.md_code(ticket['host_pod'])}")
    lines += ["", "Run on the host cluster:", "", inert.md_fence(ticket.get("command"), "sh")]
    return lines


def _details(block: list[dict], report: dict) -> list[str]:
    first = block[0]
    icon = ICONS.get(first["status"], "")
    if len(block) == 1:
        title = f"### {icon} {inert.md_code(first['id'])}: {inert.md_escape(first.get('title'))}"
    else:
        title = f"### {icon} {len(block)} checks, one finding: " + ", ".join(inert.md_code(c["id"]) for c in block)
    lines = ["", title, "", inert.md_code(without_citations(first["message"]))]
    if first.get("remediation"):
        lines += ["", "**Remediation**", "", inert.md_fence(without_citations(first["remediation"]), "text")]
    steps = steps_for(report, block)
    if steps:
        lines += ["", "**Fix**: remedy step " + ", ".join(map(str, steps)) + " (below)"]
    for check in block:
        if check.get("evidence"):
            label = "Evidence" if len(block) == 1 else f"Evidence: {inert.md_code(check['id'])}"
            lines += ["", f"<details><summary>{label}</summary>", "",
                      inert.md_fence(json.dumps(check["evidence"], indent=2), "json"), "", "</details>"]
    if len(block) == 1 and first.get("docs_url"):
        lines += ["", f"Docs: {inert.md_code(first['docs_url'])}"]
    return lines


def _remedy(report: dict) -> list[str]:
    remedy = remedy_of(report)
    if remedy is None:
        return []
    context = f" (context {inert.md_code(remedy['context'])})" if remedy.get("context") else ""
    lines = ["", f"### Remedy: {len(remedy['steps'])} step(s){context}", ""]
    lines += [f"{line.split('. ', 1)[0]}. {inert.md_code(line.split('. ', 1)[1])}" for line in remedy_summary(remedy)]
    return lines + ["", "Paste into bash:", "", inert.md_verbatim(remedy["script"], "sh")]


def render_fleet(fleet: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    parts = [f"# vcdoctor fleet report ({len(fleet['reports'])} clusters)", ""]
    for report in fleet["reports"]:
        context = (report.get("cluster") or {}).get("context") or "?"
        parts.append(render(report, heading=f"## Cluster {inert.md_code(context)}"))
        parts.append("")
    return "\n".join(parts)
