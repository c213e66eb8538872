"""YAML rendering: the same document as JSON."""

from __future__ import annotations

import yaml


def render(report: dict, colour: bool = False) -> str:
    return yaml.safe_dump(report, sort_keys=False, allow_unicode=True, width=120).rstrip("\n")
