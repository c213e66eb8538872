"""Terminal rendering: one row per check, remediation under each non-passing one."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

STATUS_COLOURS = {"pass": "GREEN", "warn": "YELLOW", "fail": "RED", "error": "MAGENTA", "skip": "CYAN"}
MESSAGE_WIDTH = 80


def _paint(text: str, colour: str, enabled: bool) -> str:
    if not enabled:
        return text
    from colorama import Fore, Style

    return f"{getattr(Fore, colour)}{Style.BRIGHT}{text}{Style.RESET_ALL}"


def render(report: dict, colour: bool = False) -> str:
    lines = []
    cluster = report.get("cluster") or {}
    if cluster.get("context") or cluster.get("server"):
        lines.append(f"Cluster: {cluster.get('context')} ({cluster.get('server')}), "
                     f"Kubernetes {cluster.get('kubernetes_version') or 'unknown'}")
    target = report.get("target") or {}
    if target.get("host_pods"):
        lines.append("Examined: " + ", ".join(target["host_pods"]))
    for note in target.get("notes") or []:
        lines.append(f"Note: {note}")
    missing = (report.get("preflight") or {}).get("missing") or []
    if missing:
        lines.append(_paint("Missing permissions (cluster-wide; grant them with docs/rbac.yaml):", "YELLOW", colour))
        lines += [f"  - {m['permission']}: needed by {', '.join(m['needed_by'])}" for m in missing]
    rows = []
    for check in report["checks"]:
        status = check["status"]
        rows.append([_paint(status.upper(), STATUS_COLOURS[status], colour), check["id"],
                     textwrap.fill(check["message"], MESSAGE_WIDTH)])
    if lines:
        lines.append("")
    lines.append(tabulate(rows, headers=["STATUS", "CHECK", "FINDING"], tablefmt="simple"))
    for check in report["checks"]:
        if check["status"] == "pass" or not check.get("remediation"):
            continue
        lines.append("")
        lines.append(_paint(f"{check['status'].upper()} {check['id']}: {check['title']}",
                            STATUS_COLOURS[check["status"]], colour))
        lines.append(textwrap.indent(check["remediation"], "    "))
        if check.get("docs_url"):
            lines.append(f"    docs: {check['docs_url']}")
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: dict) -> str:
    summary = report["summary"]
    text = "Summary: " + ", ".join(f"{summary[k]} {k}" for k in ("pass", "warn", "fail", "error", "skip"))
    if report.get("kind") == "fleet":
        text += f" across {len(report['reports'])} clusters"
        if report.get("clusters_failed"):
            text += f" ({report['clusters_failed']} could not be examined)"
    return text


def render_fleet(fleet: dict, colour: bool = False) -> str:
    sections = []
    for report in fleet["reports"]:
        context = (report.get("cluster") or {}).get("context") or "?"
        body = (_paint(f"error ({report['error']['code']}): {report['error']['message']}", "RED", colour)
                if report.get("error") else render(report, colour))
        sections.append(_paint(f"=== context {context} ===", "CYAN", colour) + "\n" + body)
    return "\n\n".join(sections + [summary_line(fleet)])
