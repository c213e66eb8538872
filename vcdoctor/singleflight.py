"""Compute each keyed answer once and share it with every concurrent caller (checks run in parallel)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any, Callable, Dict, Hashable, Optional, Tuple, Type


class SingleFlight:
    """The first caller for a key computes; the others wait for its result or its exception.

    Exceptions of the ``cached`` types are answers too (a 403 stays a 403 for the whole run); any
    other exception is raised to the waiting callers and forgotten, so a later call may retry.
    """

    def __init__(self, cached: Tuple[Type[BaseException], ...] = (Exception,)):
        self._cached = cached
        self._lock = threading.Lock()
        self._futures: Dict[Hashable, Future] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            existing = self._futures.get(key)
            owner = existing is None
            future: Future = Future() if existing is None else existing
            if owner:
                self._futures[key] = future
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                if not isinstance(exc, self._cached):
                    with self._lock:
                        self._futures.pop(key, None)
                future.set_exception(exc)
        return future.result()

    def peek(self, key: Hashable) -> Optional[Any]:
        """The answer for ``key`` if it is already there (and not a failure), without computing it."""
        with self._lock:
            future = self._futures.get(key)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()
