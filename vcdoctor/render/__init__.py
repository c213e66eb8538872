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
    """Render a report, or a fleet envelope (``kind: fleet``) with a section per cluster."""
    module = importlib.import_module(f"vcdoctor.render.{FORMATS[output]}")
    if report.get("kind") == "fleet" and hasattr(module, "render_fleet"):
        return module.render_fleet(report, colour=colour)
    return module.render(report, colour=colour)
