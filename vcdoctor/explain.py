"""`vcdoctor explain ID`: a check's section of docs/checks.md, which ships inside the package, read offline."""

from __future__ import annotations

import importlib.resources
import pathlib
from typing import Optional

from vcdoctor.model import DOCS_BASE, Check


def checks_markdown() -> str:
    """docs/checks.md, from the installed package (wheel) or the source tree (editable install)."""
    try:
        return importlib.resources.files("vcdoctor.docs").joinpath("checks.md").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, TypeError):
        return (pathlib.Path(__file__).parents[1] / "docs" / "checks.md").read_text(encoding="utf-8")


def section(markdown: str, check_id: str) -> Optional[str]:
    """The text under ``## `check_id` `` up to the next second-level heading."""
    lines = markdown.splitlines()
    heading = f"## `{check_id}`"
    if heading not in lines:
        return None
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]).strip() + "\n"


def explain(check: Check, reads: str) -> str:
    text = section(checks_markdown(), check.id) or f"## `{check.id}`\n\n{check.title}\n"
    return (f"{text}\nSeverity: {check.severity.value}\nReads: {reads}\n"
            f"Docs: {check.docs_url or DOCS_BASE + '#' + check.id}\n")
