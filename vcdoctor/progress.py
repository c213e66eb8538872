"""A one-line progress line on stderr, for people at a terminal and nobody else: what is being read, from the
first request on, then how many checks are done."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from typing import Any, Optional, TextIO

#: the gateway's request log: DEBUG when a request starts, INFO when its answer is in (vcdoctor.gateway.gateway)
API_LOG = "vcdoctor.api"


class Progress(logging.Handler):
    """``with Progress(total, enabled) as shown:`` redraws the line as requests start and finish, and
    ``shown.done()`` per finished check."""

    def __init__(self, total: int, enabled: bool, stream: Optional[TextIO] = None):
        super().__init__(logging.DEBUG)
        self._total = total
        # a terminal that cannot erase a line (TERM=dumb) gets no progress line at all
        self._enabled = enabled and os.environ.get("TERM") != "dumb"
        self._stream = stream or sys.stderr
        self._finished = 0
        self._answers = 0
        self._reading = ""
        self._shown = False
        self._lock = threading.Lock()
        self._level = logging.NOTSET

    def done(self, *_: Any) -> None:
        with self._lock:
            self._finished += 1
            self._draw()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            if record.levelno <= logging.DEBUG:
                self._reading = record.getMessage()
            else:
                self._answers += 1
            self._draw()

    def _draw(self) -> None:
        if not self._enabled:
            return
        from vcdoctor.render.inert import shown

        parts = [f"{self._finished}/{self._total} checks done" if self._finished else "reading the cluster",
                 f"{self._answers} answers"]
        if self._reading:
            parts.append(shown(self._reading))
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self._stream.write("\r\x1b[2K" + ("vcdoctor: " + " · ".join(parts))[:width])
        self._stream.flush()
        self._shown = True

    def __enter__(self) -> "Progress":
        if self._enabled:
            api = logging.getLogger(API_LOG)
            self._level = api.level
            api.addHandler(self)
            api.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._enabled:
            api = logging.getLogger(API_LOG)
            api.removeHandler(self)
            api.setLevel(self._level)
        if self._enabled and self._shown:
            self._stream.write("\r\x1b[2K")  # leave no trace on the line
            self._stream.flush()
