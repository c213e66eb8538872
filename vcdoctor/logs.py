"""Container log tails: how much vcdoctor reads of one, and how it decodes the bytes."""

from __future__ import annotations

import re
from typing import Iterator

#: A log tail big enough for hours of pod-grouper output and small enough to hold in memory.
TAIL_LINES = 5000
LIMIT_BYTES = 2 * 1024 * 1024
#: longer lines are cut: a log line is evidence, not a payload
MAX_LINE = 4096
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def iter_lines(data: bytes) -> Iterator[str]:
    """Decode line by line; invalid UTF-8 and control bytes never raise."""
    for raw in data.splitlines():
        line = raw[:MAX_LINE].decode("utf-8", "replace").replace("\x00", "")
        yield _ANSI.sub("", line)
