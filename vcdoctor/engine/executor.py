"""The only place a run starts threads: fact prefetch, page-ahead, checks and access reviews, under one deadline."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any, Callable, Iterable, List

from vcdoctor.deadline import Deadline


class Executor:
    """Starts every job of a run in a daemon thread and waits for them no longer than the deadline.

    Daemon threads, because a request blocked on a slow server must never hold the process open after
    the deadline or Ctrl-C: what did not finish is reported as such, and the process exits.
    """

    def __init__(self, deadline: Deadline):
        self.deadline = deadline

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "job") -> Future:
        future: Future = Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever asks for the result
                future.set_exception(exc)
        threading.Thread(target=work, daemon=True, name=name).start()
        return future

    def wait(self, futures: Iterable[Future]) -> List[Future]:
        """Wait for ``futures`` until the deadline; returns the ones still unfinished.

        Waits in short slices so that Ctrl-C (KeyboardInterrupt in the main thread) is seen at once.
        """
        pending = [f for f in futures if not f.done()]
        changed = threading.Event()
        for future in pending:
            future.add_done_callback(lambda _f: changed.set())
        while pending:
            left = self.deadline.remaining()
            if left is not None and left <= 0:
                break
            changed.wait(0.1 if left is None else min(0.1, left))
            changed.clear()
            pending = [f for f in pending if not f.done()]
        return pending
