"""YAML rendering: the same document as JSON, with no raw control character on the terminal."""

from __future__ import annotations

import yaml

from vcdoctor.model import FailOn
from vcdoctor.render import inert


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    text = yaml.safe_dump(report, sort_keys=False, allow_unicode=True, width=120).rstrip("\n")
    if inert.unsafe(text):
        # PyYAML escapes C0/C1 controls itself but writes printable-to-YAML bidi overrides raw;
        # ASCII-only output escapes every such character and still loads back to the same values
        text = yaml.safe_dump(report, sort_keys=False, allow_unicode=False, width=120).rstrip("\n")
    return text
