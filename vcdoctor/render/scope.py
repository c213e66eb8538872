"""What the human-readable renderers share: the scope header, worst-first order and folding of repeats."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from vcdoctor.render import inert

#: the order a reader triages in: what is broken, what could not be judged, then the rest
DISPLAY_ORDER = ("fail", "error", "warn", "skip", "pass")


def ordered(checks: Sequence[dict]) -> list[dict]:
    """Checks worst first; the report's own order within one status (sorted() is stable)."""
    rank = {s: i for i, s in enumerate(DISPLAY_ORDER)}
    return sorted(checks, key=lambda c: rank.get(str(c.get("status")), len(rank)))


def fix_of(check: dict) -> dict[str, str] | None:
    """The check's ``fix`` when it has a non-empty script (older reports have none)."""
    fix = check.get("fix")
    if isinstance(fix, dict) and isinstance(fix.get("script"), str) and fix["script"].strip():
        return fix
    return None


_CITED = re.compile(r"@v\d")
#: a bare upstream citation: path[:lines]@tag[:lines] (the JSON keeps it; operators read the sentence)
_CITATION = re.compile(r"\s*\b[\w./-]+\.(?:go|yaml|yml|tpl|md|json)(?::[\d,-]+)?@v[\d.]+(?::[\d,-]+)?[,;]?")


def without_citations(text: str) -> str:
    """Operator-facing text without the upstream ``path:line@tag`` citations: a parenthesis holding one goes
    whole (nested ones too), a bare one goes alone. The JSON report and `vcdoctor explain` keep them."""
    out: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                group = text[start:i + 1]
                if _CITED.search(group):
                    while out and out[-1] == " ":
                        out.pop()
                else:
                    out.append(group)
        elif depth == 0:
            out.append(char)
    if depth:  # an unclosed parenthesis: keep the text as it is
        out.append(text[start:])
    return _CITATION.sub("", "".join(out))


def remedy_of(report: dict) -> dict | None:
    """The report's remedy when it has steps (older reports have none)."""
    remedy = report.get("remedy")
    if isinstance(remedy, dict) and isinstance(remedy.get("script"), str) and remedy.get("steps"):
        return remedy
    return None


def steps_for(report: dict, block: Sequence[dict]) -> list[int]:
    """The remedy steps any check of ``block`` asked for."""
    ids = {c.get("id") for c in block}
    remedy = remedy_of(report) or {}
    return [s["id"] for s in remedy.get("steps") or [] if ids & set(s.get("checks") or [])]


def remedy_summary(remedy: dict, name: Callable[[object], str] = inert.one_line) -> list[str]:
    """One line per step: what it changes, what it disrupts and which checks it resolves."""
    lines = []
    for step in remedy.get("steps") or []:
        how = "by hand" if step.get("manual") else "script"
        if step.get("refused"):
            how = "stopped: a value could not be carried safely"
        resolves = ", ".join(name(c) for c in step.get("resolves") or []) or (
            "none alone; needed by " + ", ".join(name(c) for c in step.get("checks") or []))
        lines.append(f"{step.get('id')}. {name(step.get('target'))} [{how}]; disruption: "
                     f"{name(step.get('disruption'))}; resolves: {resolves}")
    return lines


def _fold_key(check: dict) -> tuple:
    fix = fix_of(check) or {}
    return (check.get("status"), inert.one_line(check.get("message")), check.get("remediation") or "",
            fix.get("script"), fix.get("context"))


def groups(checks: Sequence[dict]) -> list[list[dict]]:
    """Worst-first blocks; checks with the same status, message, remediation and fix share one."""
    blocks: dict[tuple, list[dict]] = {}
    for check in ordered(checks):
        blocks.setdefault(_fold_key(check), []).append(check)
    return list(blocks.values())


def scope_lines(report: dict, name: Callable[[object], str] = inert.one_line) -> list[str]:
    """Lines saying which cluster, what was examined and where the data came from.

    *name* formats every value that came from the cluster or a snapshot (plain sanitised text for
    a terminal, a code span for Markdown); the words around them are the renderer's own.
    """
    lines: list[str] = []
    cluster = report.get("cluster") or {}
    tool = report.get("tool") or {}
    head = f"vcdoctor {name(tool.get('version') or '?')}"
    if report.get("generated_at"):
        head += f" · {name(report['generated_at'])}"
    if cluster.get("context") or cluster.get("server"):
        head += f" · context {name(cluster.get('context') or '?')}"
        if cluster.get("server"):
            head += f" ({name(cluster['server'])})"
    if cluster.get("kubernetes_version"):
        head += f" · Kubernetes {name(cluster['kubernetes_version'])}"
    host = cluster.get("host")
    if isinstance(host, dict) and host.get("context"):  # a two-sided run: the host side was read too
        head += f" · host context {name(host['context'])}"
    lines.append(head)
    target = report.get("target") or {}
    asked = []
    if target.get("pod"):
        pod = f"{target['namespace']}/{target['pod']}" if target.get("namespace") else target["pod"]
        asked.append(f"pod {name(pod)}")
    elif target.get("namespace"):
        asked.append(f"namespace {name(target['namespace'])}")
    if target.get("selector"):
        asked.append(f"pods -l {name(target['selector'])}")
    if target.get("vcluster") or target.get("vcluster_namespace"):
        vc = target.get("vcluster") or "*"
        if target.get("vcluster_namespace"):
            vc = f"{target['vcluster_namespace']}/{vc}"
        asked.append(f"vCluster {name(vc)}")
    lines.append("Scope: " + (", ".join(asked) if asked else "whole cluster"))
    vclusters = target.get("vclusters")
    if vclusters:
        lines.append("vClusters: " + ", ".join(name(v) for v in vclusters))
    host_pods = target.get("host_pods")
    if host_pods:
        lines.append("Examined: " + ", ".join(name(p) for p in host_pods))
    nothing = _nothing_examined(target)
    if nothing:
        lines.append(nothing.format(**{k: name(v) for k, v in target.items() if isinstance(v, str)}))
    snapshot = report.get("snapshot")
    if isinstance(snapshot, dict):
        tool = snapshot.get("tool") or "vcdoctor"
        text = "Snapshot" if tool == "vcdoctor" else f"Archive ({name(snapshot.get('format') or 'unknown format')})"
        text += f": collected {name(snapshot.get('collected_at') or 'at an unknown time')} by {name(tool)}"
        if snapshot.get("tool_version"):
            text += f" {name(snapshot['tool_version'])}"
        if "redacted" in snapshot:
            text += ", redacted" if snapshot["redacted"] else ", not redacted (holds names and log lines as seen)"
        lines.append(text + "; this is a replay, not the live cluster")
    for note in target.get("notes") or []:
        lines.append(f"Note: {name(note)}")
    for line in target.get("sync_errors") or []:
        lines.append(f"Syncer: {name(line)}")
    return lines


def _nothing_examined(target: dict) -> str | None:
    """A sentence naming the namespace when a namespace was asked for and nothing in it was examined."""
    if not target.get("namespace") or ("host_pods" not in target and "vclusters" not in target):
        return None
    if target.get("host_pods") == []:
        if target.get("pod"):
            return "Nothing examined in namespace {namespace}: pod {pod} did not reach the host"
        return "Nothing examined in namespace {namespace}: no pod matched"
    if target.get("host_pods") is None and target.get("vclusters") == []:
        return "Nothing examined in namespace {namespace}: no vCluster found"
    return None
