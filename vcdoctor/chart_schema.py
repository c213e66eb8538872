"""A chart's config JSON Schema and where it came from: the one type a run's target (--vcluster-schema) and a
Helm release's chart (--read-helm-release) both give a check, and the error for one that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional


class UnusableSchema(Exception):
    """The schema cannot be used to validate anything."""


@dataclass(frozen=True)
class ChartSchema:
    """A vCluster config JSON Schema and where it came from."""

    source: str
    #: the chart version that shipped it, when known
    chart_version: Optional[str]
    document: Mapping[str, Any] = field(compare=False, repr=False)
    #: the compiled validator, when it was already built (checking a big schema takes a few 100 ms)
    validator: Any = field(default=None, compare=False, repr=False)
