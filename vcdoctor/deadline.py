"""The one time budget of a run, shared by every request, job and check."""

from __future__ import annotations

import time
from typing import Optional


class Deadline:
    """A point on the monotonic clock; ``None`` seconds means no limit (tests, library use)."""

    def __init__(self, seconds: Optional[float] = None):
        self.seconds = seconds
        self.started = time.monotonic()
        self._at = None if seconds is None else self.started + seconds

    def remaining(self) -> Optional[float]:
        """Seconds left (never negative), or None without a limit."""
        return None if self._at is None else max(0.0, self._at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self._at is not None and time.monotonic() >= self._at

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def bound(self, timeout: float) -> float:
        """``timeout``, shortened to what is left of the run."""
        left = self.remaining()
        return timeout if left is None else min(timeout, left)
