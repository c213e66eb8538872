"""Running one call in a daemon thread and handing its result (or exception) back as a Future."""

from __future__ import annotations

import threading
from concurrent.futures import Future


def in_background(fn, *args, name: str = "background") -> Future:
    """Start ``fn(*args)`` now; a daemon thread, so a hung call never keeps the process alive."""
    future: Future = Future()

    def work():
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever calls result()
            future.set_exception(exc)
    threading.Thread(target=work, daemon=True, name=name).start()
    return future
