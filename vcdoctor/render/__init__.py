"""Renderers turn a report dict into text for a terminal, a ticket, a CI system or a metrics scraper."""

from __future__ import annotations

import enum
import importlib
from typing import Union

from vcdoctor.model import FailOn


class OutputFormat(str, enum.Enum):
    """--output (and --report FORMAT=PATH): what a report is rendered as."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    SARIF = "sarif"
    PROMETHEUS = "prometheus"


#: each format's module in this package, exposing render(report, colour=False, fail_on=FailOn.FAIL) -> str
#: (and render_fleet with the same keywords when a fleet needs more than one render per cluster)
FORMATS = {
    OutputFormat.TABLE: "table",
    OutputFormat.JSON: "json_output",
    OutputFormat.YAML: "yaml_output",
    OutputFormat.MARKDOWN: "markdown",
    OutputFormat.JUNIT: "junit",
    OutputFormat.SARIF: "sarif",
    OutputFormat.PROMETHEUS: "prometheus",
}


def render(report: dict, output: Union[OutputFormat, str], colour: bool = False,
           fail_on: Union[FailOn, str] = FailOn.FAIL) -> str:
    """Render a report, or a fleet envelope (``kind: fleet``) with a section per cluster; ValueError for an
    unknown format or --fail-on value."""
    fmt, fail_on = OutputFormat(output), FailOn(fail_on)
    module = importlib.import_module(f"vcdoctor.render.{FORMATS[fmt]}")
    if report.get("kind") == "fleet" and hasattr(module, "render_fleet"):
        return module.render_fleet(report, colour=colour, fail_on=fail_on)
    return module.render(report, colour=colour, fail_on=fail_on)
