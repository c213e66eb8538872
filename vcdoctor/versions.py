"""Release numbers as comparable tuples, and release ranges for the products' compatibility tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

Version = Tuple[int, int, int]

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def parse_version(text: Optional[str]) -> Optional[Version]:
    """The first x.y.z in ``text`` (an image tag, a chart label), or None."""
    match = _VERSION.search(text or "")
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def show(version: Optional[Version]) -> str:
    return "v" + ".".join(map(str, version)) if version else "unknown"


@dataclass(frozen=True)
class Span:
    """Releases ``first`` <= v < ``until`` (``until`` None: no known end)."""

    first: Version
    until: Optional[Version] = None

    def __contains__(self, version: object) -> bool:
        return isinstance(version, tuple) and self.first <= version and (self.until is None or version < self.until)

    def describe(self) -> str:
        last = f"before {show(self.until)}" if self.until else "onwards"
        return f"{show(self.first)} {last}"
