"""The generated parts of a Markdown page, each between its begin and end marker lines: found, checked, rewritten.

Shared by docs/findings/generate.py and docs/versions/generate.py; never hand-edit what lies between markers."""

from __future__ import annotations

import pathlib
import sys
from typing import Mapping


def region(markdown: str, begin: str, end: str) -> str:
    """The part from ``begin`` to the next ``end``, markers included, as the page has it ("" when either is missing)."""
    start = markdown.find(begin)
    stop = markdown.find(end, start) if start >= 0 else -1
    return markdown[start:stop + len(end)] if stop >= 0 else ""


def sync(page: pathlib.Path, wanted: Mapping[str, str], check_only: bool, command: str) -> int:
    """Rewrite each named part of ``page`` to its wanted text (whose first and last lines are its markers), or with
    ``check_only`` only say which differ; 1 (said on stderr) when markers are missing or, checking, a part differs."""
    markdown = page.read_text(encoding="utf-8")
    current = {name: region(markdown, text.splitlines()[0], text.splitlines()[-1]) for name, text in wanted.items()}
    missing = [name for name, text in current.items() if not text]
    if missing:
        print(f"{page}: no generated part for {', '.join(missing)} (add its markers)", file=sys.stderr)
        return 1
    stale = [name for name, text in wanted.items() if current[name] != text]
    if check_only:
        if stale:
            print(f"{page}: the generated parts {', '.join(stale)} differ from what they are generated from; run "
                  f"{command}", file=sys.stderr)
            return 1
        return 0
    for name in stale:
        markdown = markdown.replace(current[name], wanted[name])
    if stale:
        page.write_text(markdown, encoding="utf-8")
    return 0
