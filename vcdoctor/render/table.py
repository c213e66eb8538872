"""Terminal rendering: a scope header, the checks worst first, then remediation and paste-able fixes."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections.abc import Sequence

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

STATUS_COLOURS = {"pass": "GREEN", "warn": "YELLOW", "fail": "RED", "error": "MAGENTA", "skip": "CYAN",
                  "ignored": "BLUE"}
#: width when stdout is no terminal and COLUMNS is unset (a pipe, a pager, a CI log): as kubectl, lines are not
#: folded below what they need; the pager or the reader's window wraps (COLUMNS=N lays out for N columns)
DEFAULT_WIDTH = 1000
#: below this nothing lays out sensibly; a narrower request is still honoured by wrapping harder
MIN_WIDTH = 20
#: a FINDING column narrower than this is unreadable: the checks are stacked instead
MIN_FINDING = 24
GAP = "  "
CONTINUATION = " \\"  # bash joins a line ending in a backslash with the next


def terminal_width() -> int:
    """COLUMNS when set, else the width of the terminal on stdout, else :data:`DEFAULT_WIDTH`."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    # shutil asks stdout's terminal; a pipe gets the fallback
    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def _paint(text: str, colour: str, enabled: bool) -> str:
    # only ever called on text that is already sanitised: the escape codes added here are the
    # only ones that can reach the terminal
    if not enabled:
        return text
    from colorama import Fore, Style

    return f"{getattr(Fore, colour)}{Style.BRIGHT}{text}{Style.RESET_ALL}"


#: where a token too long for its column may be broken: after a path's "/", a domain's "." or a ":"
_BREAKABLE = "/.:"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Word-wrapped lines, never broken inside a name at a hyphen; a token longer than the column is broken after
    a "/", "." or ":" (ns/pod, host.domain, path:line), or left whole on a line of its own."""
    lines = textwrap.wrap(text, max(1, width), initial_indent=indent, subsequent_indent=indent,
                          break_on_hyphens=False, break_long_words=False) or [indent.rstrip()]
    out: list[str] = []
    for line in lines:
        while len(line) > width:
            cut = max(line.rfind(c, len(indent) + 1, width) for c in _BREAKABLE)
            if cut <= len(indent):
                break
            out.append(line[:cut + 1])
            line = indent + line[cut + 1:]
        out.append(line)
    return out


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL, width: int | None = None) -> str:
    width = width or terminal_width()
    lines = [inert.one_line(line) for line in scope_lines(report)]
    lines = [wrapped for line in lines for wrapped in wrap(line, width)]
    missing = (report.get("preflight") or {}).get("missing") or []
    if missing:
        lines.append(_paint("Missing permissions (cluster-wide; `vcdoctor rbac | kubectl apply -f -` grants them):",
                            "YELLOW", colour))
        for m in missing:
            needed = ", ".join(inert.one_line(n) for n in m.get("needed_by") or [])
            lines += wrap(f"- {inert.one_line(m.get('permission'))}: needed by {needed}", width - 2, "  ")
    if report.get("error"):
        lines += ["", _paint(f"error ({inert.one_line(report['error'].get('code'))}): "
                             f"{inert.one_line(report['error'].get('message'))}", "RED", colour)]
        return "\n".join(lines)
    blocks = groups(report.get("checks") or [])
    if lines:
        lines.append("")
    lines += _table(blocks, width, colour)
    for block in blocks:
        lines += _details(block, report, width, colour)
    lines += remedy_lines(report, width, colour)
    lines.append("")
    lines += wrap(summary_line(report), width)
    return "\n".join(lines)


def _table(blocks: Sequence[list[dict]], width: int, colour: bool) -> list[str]:
    status_w = max(len("STATUS"), *(len(shown_status(b[0])) for b in blocks)) if blocks else len("STATUS")
    check_w = max([len("CHECK")] + [len(inert.one_line(c["id"])) for b in blocks for c in b])
    finding_w = width - status_w - check_w - 2 * len(GAP)
    if finding_w < MIN_FINDING:
        return _stacked(blocks, width, colour)
    # the rule under FINDING is as long as the longest finding needs, not the (possibly unbounded) width
    longest = max((len(inert.one_line(without_citations(finding_text(b[0])))) for b in blocks), default=len("FINDING"))
    lines = [GAP.join(["STATUS".ljust(status_w), "CHECK".ljust(check_w), "FINDING"]),
             GAP.join(["-" * status_w, "-" * check_w, "-" * min(finding_w, max(longest, len("FINDING")))])]
    for block in blocks:
        status = shown_status(block[0])
        ids = [inert.one_line(c["id"]) for c in block]
        finding = wrap(inert.one_line(without_citations(finding_text(block[0]))), finding_w)
        for row in range(max(len(ids), len(finding))):
            cell = (status.upper() if row == 0 else "").ljust(status_w)
            if row == 0:
                cell = _paint(cell, STATUS_COLOURS.get(status, "WHITE"), colour)
            check = (ids[row] if row < len(ids) else "").ljust(check_w)
            text = finding[row] if row < len(finding) else ""
            lines.append(GAP.join([cell, check, text]).rstrip())
    return lines


def _stacked(blocks: Sequence[list[dict]], width: int, colour: bool) -> list[str]:
    """A terminal too narrow for columns: status and ids on one line, the finding indented below."""
    lines: list[str] = []
    for block in blocks:
        status = shown_status(block[0])
        head = _paint(status.upper(), STATUS_COLOURS.get(status, "WHITE"), colour)
        ids = ", ".join(inert.one_line(c["id"]) for c in block)
        lines += [f"{head} {line}" if i == 0 else line
                  for i, line in enumerate(wrap(ids, width - len(status) - 1))]
        lines += wrap(inert.one_line(without_citations(finding_text(block[0]))), width - 4, "    ")
    return lines


def _details(block: list[dict], report: dict, width: int, colour: bool) -> list[str]:
    first = block[0]
    steps = steps_for(report, block)
    if shown_status(first) in ("pass", "ignored") or not (first.get("remediation") or steps):
        return []
    status = first["status"]
    if len(block) == 1:
        head = f"{status.upper()} {inert.one_line(first['id'])}: {inert.one_line(first.get('title'))}"
    else:
        head = f"{status.upper()} {len(block)} checks with the same finding: " + \
            ", ".join(inert.one_line(c["id"]) for c in block)
    lines = [""] + [_paint(line, STATUS_COLOURS.get(status, "WHITE"), colour) for line in wrap(head, width)]
    if first.get("remediation"):
        lines += remediation_lines(without_citations(first["remediation"]), width, "    ")
    if len(block) == 1 and first.get("docs_url"):
        lines += wrap(f"docs: {inert.one_line(first['docs_url'])} (offline: vcdoctor explain "
                      f"{inert.one_line(first['id'])})", width - 4, "    ")
    if steps:
        lines += wrap("fix: remedy step " + ", ".join(map(str, steps)) + " (below)", width - 4, "    ")
    return lines


def remediation_lines(remediation: str, width: int, indent: str) -> list[str]:
    """Remediation lines within *width*.

    Prose is word-wrapped. An indented line is a command: it is broken only between words, with
    a trailing backslash so bash still reads one command. Here-document bodies (YAML, mostly)
    stay whole, as any break would change what they mean.
    """
    out: list[str] = []
    heredoc: str | None = None
    room = width - len(indent)
    for line in inert.clean(remediation).expandtabs(4).split("\n"):
        opens = _heredoc_tag(line) if heredoc is None else None
        if heredoc is not None or not line.strip() or len(line) <= room:
            out.append((indent + line).rstrip())
        elif line[:1].isspace() or opens:
            lead = line[:len(line) - len(line.lstrip())]
            parts = wrap(line.strip(), room - len(lead) - 2)
            for i, part in enumerate(parts):
                more = CONTINUATION if i < len(parts) - 1 else ""
                out.append(f"{indent}{lead}{'    ' if i else ''}{part}{more}")
        else:
            out += wrap(line, room, indent)
        if heredoc is not None and line.strip() == heredoc:
            heredoc = None
        elif opens:
            heredoc = opens
    return out


def _heredoc_tag(line: str) -> str | None:
    match = re.search(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", line)
    return match.group(2) if match else None


def remedy_lines(report: dict, width: int, colour: bool) -> list[str]:
    """The run's one remedy: its steps in a few words, then the script verbatim at column 0, so it pastes as is."""
    remedy = remedy_of(report)
    if remedy is None:
        return []
    steps = remedy["steps"]
    head = f"Remedy: {len(steps)} step{'s' if len(steps) > 1 else ''}"
    lines = ["", _paint(head, "CYAN", colour)]
    for line in remedy_summary(remedy):
        lines += wrap(line, width, "    ")
    # no colour and no wrapping here: a terminal copy must give bash exactly these bytes
    return lines + ["", *inert.script(remedy["script"]).rstrip("\n").split("\n"), "# end of remedy"]


def summary_line(report: dict) -> str:
    summary = report["summary"]
    text = "Summary: " + ", ".join(f"{summary[k]} {k}" for k in ("pass", "warn", "fail", "error", "skip"))
    if summary.get("ignored"):
        text += f" ({summary['ignored']} ignored: accepted findings)"
    if report.get("kind") == "fleet":
        text += f" across {len(report['reports'])} clusters"
        if report.get("clusters_failed"):
            text += f" ({report['clusters_failed']} could not be examined)"
    return text


def render_fleet(fleet: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL, width: int | None = None) -> str:
    width = width or terminal_width()
    sections: list[str] = []
    for report in fleet["reports"]:
        context = inert.one_line((report.get("cluster") or {}).get("context") or "?")
        header = _paint(f"=== context {context} ===", "CYAN", colour)
        sections.append(header + "\n" + render(report, colour, fail_on, width))
    return "\n\n".join(sections + [summary_line(fleet)])


__all__: tuple[str, ...] = ("render", "render_fleet", "summary_line", "terminal_width", "wrap")
