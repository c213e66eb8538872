"""Renderers turn a report dict into text for a terminal, a ticket or a CI system."""

from __future__ import annotations

import importlib

#: --output value -> module in this package exposing render(report, colour=False) -> str
FORMATS = {
    "table": "table",
    "json": "json_output",
    "yaml": "yaml_output",
    "markdown": "markdown",
    "junit": "junit",
    "sarif": "sarif",
}


def render(report: dict, output: str, colour: bool = False) -> str:
    module = importlib.import_module(f"vcdoctor.render.{FORMATS[output]}")
    return module.render(report, colour=colour)
