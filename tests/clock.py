"""A manual clock for deadlines: retries and deadlines are reached by moving it, not by waiting."""

from __future__ import annotations

import threading
from typing import List

#: far past any --timeout a test gives
PAST_ANY_DEADLINE = 1e6


class ManualClock:
    """Time moves only when a test advances it or the product sleeps on it (each pause is kept in ``slept``)."""

    def __init__(self) -> None:
        self._now = 1000.0
        self._lock = threading.Lock()
        self.slept: List[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def expire(self) -> None:
        """Every deadline started so far has passed."""
        self.advance(PAST_ANY_DEADLINE)
