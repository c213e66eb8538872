"""Renderers turn a report dict into text for a terminal, a ticket, a CI system or a metrics scraper."""

from __future__ import annotations

import importlib

#: --output value -> module in this package exposing render(report, colour=False, fail_on="fail") -> str
#: (and render_fleet with the same keywords when a fleet needs more than one render per cluster)
FORMATS = {
    "table": "table",
    "json": "json_output",
    "yaml": "yaml_output",
    "markdown": "markdown",
    "junit": "junit",
    "sarif": "sarif",
    "prometheus": "prometheus",
}

#: --fail-on values: what makes the exit code 1, and what JUnit reports as a failure
FAIL_ON = ("fail", "warn", "never")


def render(report: dict, output: str, colour: bool = False, fail_on: str = "fail") -> str:
    """Render a report, or a fleet envelope (``kind: fleet``) with a section per cluster."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    module = importlib.import_module(f"vcdoctor.render.{FORMATS[output]}")
    if report.get("kind") == "fleet" and hasattr(module, "render_fleet"):
        return module.render_fleet(report, colour=colour, fail_on=fail_on)
    return module.render(report, colour=colour, fail_on=fail_on)
