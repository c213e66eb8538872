"""JSON rendering: exactly one document, nothing else."""

from __future__ import annotations

import json


def render(report: dict) -> str:
    return json.dumps(report, indent=2, sort_keys=False, default=str)
