"""A one-line progress indicator on stderr, for people at a terminal and nobody else."""

from __future__ import annotations

import itertools
import sys
import threading

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Progress:
    """``with Progress(total, enabled):`` spins until the block ends; ``done()`` counts finished checks."""

    def __init__(self, total: int, enabled: bool, stream=None):
        self._total = total
        self._enabled = enabled
        self._stream = stream or sys.stderr
        self._finished = 0
        self._stop = threading.Event()
        self._thread = None

    def done(self, *_):
        self._finished += 1

    def __enter__(self):
        if self._enabled:
            self._thread = threading.Thread(target=self._spin, daemon=True, name="progress")
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=1)
            self._stream.write("\r\x1b[2K")  # leave no trace on the line
            self._stream.flush()
        return False

    def _spin(self):
        for frame in itertools.cycle(FRAMES):
            self._stream.write(f"\r{frame} vcdoctor: {self._finished}/{self._total} checks done")
            self._stream.flush()
            if self._stop.wait(0.1):
                return
