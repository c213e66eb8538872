"""The one time budget of a run, shared by every request, job and check."""

from __future__ import annotations

import time
from typing import Optional, Protocol


class Clock(Protocol):
    """Where a deadline reads the time and sits out a pause (a retry's back-off, a Retry-After)."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def sleep(self, seconds: float) -> None:
        """Return after ``seconds``."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


#: the clock of every deadline made without one; tests put a manual clock here to reach deadlines without waiting
SYSTEM_CLOCK: Clock = SystemClock()


class Deadline:
    """A point on the monotonic clock; ``None`` seconds means no limit (tests, library use)."""

    def __init__(self, seconds: Optional[float] = None, clock: Optional[Clock] = None):
        self.seconds = seconds
        self.clock = clock or SYSTEM_CLOCK
        self.started = self.clock.now()
        self._at = None if seconds is None else self.started + seconds

    def remaining(self) -> Optional[float]:
        """Seconds left (never negative), or None without a limit."""
        return None if self._at is None else max(0.0, self._at - self.clock.now())

    @property
    def expired(self) -> bool:
        return self._at is not None and self.clock.now() >= self._at

    def elapsed_ms(self) -> int:
        return int((self.clock.now() - self.started) * 1000)

    def bound(self, timeout: float) -> float:
        """``timeout``, shortened to what is left of the run."""
        left = self.remaining()
        return timeout if left is None else min(timeout, left)

    def sleep(self, seconds: float) -> None:
        """Pause on this deadline's clock (the caller keeps the pause within what is left)."""
        self.clock.sleep(seconds)
