"""`vcdoctor explain ID|CODE`: a check's section of docs/checks.md (shipped inside the package), or what a finding code
means, read offline."""

from __future__ import annotations

import importlib.resources
import pathlib
import re
from typing import Any, Dict, List, Optional, Sequence

from vcdoctor.model import DOCS_BASE, FINDING_CODE, Check, Finding


def check_list(output: str, wide: bool = False) -> str:
    """`vcdoctor checks`: id, severity and title, one line each (``wide``: and what each reads, derived from the
    facts it names), as a table fitted to the terminal, or everything as JSON. Raises registry.RegistryError."""
    import json

    from vcdoctor import registry
    from vcdoctor.engine.plan import reads_of

    facts = registry.load_facts()
    checks = registry.load_checks(facts=facts)
    rows: List[Dict[str, Any]] = [
        {"id": c.id, "severity": c.severity.value, "title": c.title, "facts": list(c.needs),
         "reads": [read.describe() for read in reads_of(c, facts)], "docs_url": c.docs_url,
         "findings": [{"code": f.code, "status": f.status.value, "title": f.title} for f in c.findings]}
        for c in checks]
    if output == "json":
        return json.dumps(rows, indent=2)
    from tabulate import tabulate

    from vcdoctor.render.table import terminal_width

    # id and severity whole; the title (or title and reads) share what the terminal has left (2 per gap)
    left = max(40, terminal_width() - max(len(r["id"]) for r in rows) - len("critical  ") - 8)
    titles = [r["title"].removeprefix("expected: ") for r in rows]
    if not wide:
        return tabulate([[r["id"], r["severity"], t] for r, t in zip(rows, titles)],
                        headers=["ID", "SEVERITY", "TITLE (what a pass means)"], maxcolwidths=[None, None, left])
    return tabulate([[r["id"], r["severity"], t, "; ".join(r["reads"])] for r, t in zip(rows, titles)],
                    headers=["ID", "SEVERITY", "TITLE", "READS"],
                    maxcolwidths=[None, None, left * 2 // 5, left - left * 2 // 5])


def shipped(name: str) -> str:
    """A file of docs/ the package ships (checks.md, rbac.yaml, report.schema.json), from the installed package
    (wheel) or the source tree (editable install)."""
    try:
        return importlib.resources.files("vcdoctor.docs").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, TypeError):
        return (pathlib.Path(__file__).parents[1] / "docs" / name).read_text(encoding="utf-8")


def checks_markdown() -> str:
    """docs/checks.md: each check's section, what `vcdoctor explain` shows."""
    return shipped("checks.md")


def section(markdown: str, check_id: str) -> Optional[str]:
    """The text under ``## `check_id` `` up to the next second-level heading."""
    lines = markdown.splitlines()
    heading = f"## `{check_id}`"
    if heading not in lines:
        return None
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]).strip() + "\n"


def explain(check: Check, reads: str, markdown: bool = False, width: int = 100) -> str:
    """The check's section of docs/checks.md with its severity, reads and docs link: as markdown, or laid out for
    a terminal (markup dropped, paragraphs wrapped to ``width``, tables aligned)."""
    import textwrap

    text = section(checks_markdown(), check.id) or f"## `{check.id}`\n\n{check.title}\n"
    trailer = [f"Severity: {check.severity.value}", f"Reads: {reads}",
               f"Docs: {check.docs_url or DOCS_BASE + '#' + check.id}"]
    if markdown:
        return text + "\n" + "\n".join(trailer) + "\n"
    return for_terminal(text, width) + "\n" + "\n".join(
        textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False)
        for line in trailer) + "\n"


def explain_word(word: str, markdown: bool = False) -> str:
    """`vcdoctor explain WORD`: a finding code (VCD310) or a check id; ValueError names what is unknown."""
    import difflib

    from vcdoctor import registry
    from vcdoctor.engine.plan import reads_of
    from vcdoctor.render.table import terminal_width

    width = min(terminal_width(), 100)
    try:
        facts = registry.load_facts()
        checks = registry.load_checks(facts=facts)
        if FINDING_CODE.match(word.upper()):
            known = registry.findings_by_code(checks)
            if word.upper() not in known:
                near = difflib.get_close_matches(word.upper(), list(known), 1, 0.6)
                raise ValueError(f"unknown finding code {word!r}" + (f" (did you mean {near[0]}?)" if near else "")
                                 + "; the codes are listed in docs/checks.md, under each check")
            finding, owners = known[word.upper()]
            return explain_finding(finding, [c for c in checks if c.id in owners], markdown, width)
        (check,) = registry.select_checks(checks, [word])
    except registry.RegistryError as exc:
        raise ValueError(str(exc)) from None
    return explain(check, "; ".join(r.describe() for r in reads_of(check, facts)), markdown, width)


def explain_finding(finding: Finding, checks: Sequence[Check], markdown: bool = False, width: int = 100) -> str:
    """One finding: its code and status, when it is given, what to do, which checks give it and how to accept it."""
    given = (", ".join(f"`{c.id}` (`vcdoctor explain {c.id}`)" for c in checks) if checks
             else "any check: vcdoctor's engine gives it when a check could not be evaluated")
    text = (f"## `{finding.code}` ({finding.status.value})\n\n{finding.title}\n\n"
            f"**Remediation.** {finding.remediation}\n\n**Given by** {given}.\n\n"
            f"**Accept it** (reported as ignored, no exit code, no remedy step): `--ignore {finding.code}`, or "
            f"`--ignore {finding.code}:NAMESPACE/NAME` for the findings that name that object, or under `ignore:` "
            f"in `.vcdoctor.yaml`.\n")
    docs = checks[0].docs_url if len(checks) == 1 and checks[0].docs_url else f"{DOCS_BASE}#finding-codes"
    if markdown:
        return text + f"\nDocs: {docs}\n"
    return for_terminal(text, width) + f"\nDocs: {docs}\n"


_MARKUP = re.compile(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`")


def for_terminal(markdown: str, width: int) -> str:
    """Markdown as plain text: headings as a line of their own, emphasis and code marks dropped, each paragraph
    wrapped to ``width``, pipe tables aligned in columns."""
    import textwrap

    from tabulate import tabulate

    out: List[str] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.splitlines()
        if block.lstrip().startswith("<!--") and block.rstrip().endswith("-->"):
            continue  # a generator's marker: nothing a reader needs
        if all(line.lstrip().startswith("|") for line in lines):
            rows = [[_MARKUP.sub("", cell).strip() for cell in line.strip().strip("|").split("|")]
                    for line in lines if not re.fullmatch(r"\|?[\s|:-]+\|?", line.strip())]
            columns = max(len(r) for r in rows)
            # each earlier column as wide as its longest cell, 2 spaces between columns; the last one wraps
            last = max(20, width - sum(max(len(r[i]) for r in rows if i < len(r)) + 2 for i in range(columns - 1))
                       - 2)
            out.append(tabulate(rows[1:], headers=rows[0], maxcolwidths=[None] * (columns - 1) + [last]))
        elif lines[0].startswith("#"):
            out.append(_MARKUP.sub("", lines[0].lstrip("#").strip()).upper())
        else:
            out.append("\n".join(textwrap.wrap(_MARKUP.sub("", " ".join(line.strip() for line in lines)), width,
                                                break_on_hyphens=False, break_long_words=False)))
    return "\n\n".join(out) + "\n"
