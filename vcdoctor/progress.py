"""A one-line progress count on stderr, for people at a terminal and nobody else."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Optional, TextIO


class Progress:
    """``with Progress(total, enabled) as shown:`` and ``shown.done()`` per finished check redraws the line."""

    def __init__(self, total: int, enabled: bool, stream: Optional[TextIO] = None):
        self._total = total
        # a terminal that cannot erase a line (TERM=dumb) gets no progress line at all
        self._enabled = enabled and os.environ.get("TERM") != "dumb"
        self._stream = stream or sys.stderr
        self._finished = 0
        self._lock = threading.Lock()

    def done(self, *_: Any) -> None:
        with self._lock:
            self._finished += 1
            if self._enabled:
                self._stream.write(f"\r\x1b[2Kvcdoctor: {self._finished}/{self._total} checks done")
                self._stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._enabled and self._finished:
            self._stream.write("\r\x1b[2K")  # leave no trace on the line
            self._stream.flush()
