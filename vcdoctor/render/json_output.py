"""JSON rendering: exactly one document, the versioned contract (docs/report.schema.json)."""

from __future__ import annotations

import json


def render(report: dict, colour: bool = False) -> str:
    return json.dumps(report, indent=2, default=str)
