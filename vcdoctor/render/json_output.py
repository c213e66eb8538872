"""JSON rendering: exactly one document, the versioned contract (docs/report.schema.json)."""

from __future__ import annotations

import json

from vcdoctor.model import FailOn


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    # values stay exactly as seen: json.dumps (ensure_ascii) escapes every control character
    return json.dumps(report, indent=2, default=str)
