"""`vcdoctor explain ID`: a check's section of docs/checks.md, which ships inside the package, read offline."""

from __future__ import annotations

import importlib.resources
import pathlib
import re
from typing import Any, Dict, List, Optional

from vcdoctor.model import DOCS_BASE, Check


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
         "reads": [read.describe() for read in reads_of(c, facts)], "docs_url": c.docs_url} for c in checks]
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


_MARKUP = re.compile(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`")


def for_terminal(markdown: str, width: int) -> str:
    """Markdown as plain text: headings as a line of their own, emphasis and code marks dropped, each paragraph
    wrapped to ``width``, pipe tables aligned in columns."""
    import textwrap

    from tabulate import tabulate

    out: List[str] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.splitlines()
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
