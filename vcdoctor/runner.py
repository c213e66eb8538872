"""Runs checks concurrently, isolates crashes and enforces honest, evidenced verdicts."""

from __future__ import annotations

import threading
import time
from typing import Callable, List, Optional, Sequence

from vcdoctor.access import could_not_look
from vcdoctor.gateway import GatewayError
from vcdoctor.model import Check, CheckResult, Evidence, Status, Verdict
from vcdoctor.scope import Scope
from vcdoctor.view import ClusterView

def run_checks(checks: Sequence[Check], view: ClusterView, scope: Scope,
               deadline_seconds: Optional[float] = None,
               on_done: Optional[Callable[[CheckResult], None]] = None) -> List[CheckResult]:
    """Evaluate every check concurrently; results come back in the order of ``checks``.

    Checks run in daemon threads so that the deadline and Ctrl-C end the run at once: a request
    still blocked on a slow server must not hold the process open. Unfinished checks are reported
    as ``error`` (deadline, or interrupted).
    """
    started = time.monotonic()
    slots: List[Optional[CheckResult]] = [None] * len(checks)
    done = threading.Semaphore(0)
    finished = {check.id: threading.Event() for check in checks}
    by_id = {}
    chained = scope.host_pods is not None  # one pod: walk the chain, stop at the first broken link

    def work(index: int, check: Check) -> None:
        try:
            blocker = _blocker(check, finished, by_id) if chained else None
            slots[index] = _blocked(check, blocker) if blocker else _evaluate(check, view, scope)
            by_id[check.id] = slots[index]
            if on_done is not None:
                on_done(slots[index])
        finally:
            finished[check.id].set()
            done.release()

    for index, check in enumerate(checks):
        threading.Thread(target=work, args=(index, check), name=f"check-{check.id}", daemon=True).start()
    reason = None
    try:
        for _ in checks:
            remaining = None if deadline_seconds is None else deadline_seconds - (time.monotonic() - started)
            if remaining is not None and remaining <= 0 or not done.acquire(timeout=remaining):
                reason = f"deadline: not finished within {deadline_seconds:g} s"
                break
    except KeyboardInterrupt:
        reason = "interrupted: the run was stopped before this check finished"
    if reason is None:
        return list(slots)
    elapsed = int((time.monotonic() - started) * 1000)
    fix = ("Retry with a longer deadline, e.g. vcdoctor run --timeout 120" if reason.startswith("deadline")
           else "Run vcdoctor again and let it finish.")
    unfinished = Verdict(Status.ERROR, reason, (Evidence("run", reason.split(":")[0],
                                                         {"elapsed_ms": elapsed, "timeout_s": deadline_seconds}),),
                         fix)
    results = [slot if slot is not None else _result(check, unfinished, elapsed) for slot, check in zip(slots, checks)]
    if reason.startswith("interrupted"):
        raise Interrupted(results)
    return results


class Interrupted(Exception):
    """Ctrl-C during the run; carries the partial results so the CLI can still print them."""

    def __init__(self, results: List[CheckResult]):
        super().__init__("interrupted")
        self.results = results


def _blocker(check: Check, finished, by_id) -> Optional[CheckResult]:
    """The first earlier link of ``check`` that failed (waiting for the links that are running)."""
    for dep in check.after:
        if dep in finished:
            finished[dep].wait()
            result = by_id.get(dep)
            if result is not None and result.status is Status.FAIL:
                return result
            if result is not None and _root_blocker(result):
                return result  # blocked upstream blocks everything downstream
    return None


def _root_blocker(result: CheckResult) -> Optional[str]:
    """The failed check that blocked ``result``, if ``result`` was skipped for that reason."""
    if result.status is Status.SKIP and result.evidence:
        return result.evidence[0].data.get("blocked_by")
    return None


def _blocked(check: Check, blocker: CheckResult) -> CheckResult:
    root = _root_blocker(blocker) or blocker.id
    verdict = Verdict(Status.SKIP, f"blocked by {root}: fix that first",
                      (Evidence(f"check {root}", "an earlier link of the chain failed", {"blocked_by": root}),))
    return _result(check, verdict, 0)


def _evaluate(check: Check, view: ClusterView, scope: Scope) -> CheckResult:
    started = time.monotonic()
    try:
        verdict = check.run(view, scope)
        verdict = _enforce(check, verdict)
    except GatewayError as exc:
        verdict = could_not_look(exc)
    except Exception as exc:  # a crashing check must not take the others down
        verdict = Verdict(Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}",
                          (Evidence(f"check {check.id}", "raised an exception", {"type": type(exc).__name__}),),
                          "This is a bug in the check; attach this JSON report to an issue.")
    return _result(check, verdict, int((time.monotonic() - started) * 1000))


def _enforce(check: Check, verdict) -> Verdict:
    """A result that cannot be trusted or acted upon becomes an error, never a silent pass."""
    problem = None
    if not isinstance(verdict, Verdict):
        problem = f"returned {type(verdict).__name__}, not a Verdict"
    elif not isinstance(verdict.status, Status):
        problem = f"returned status {verdict.status!r}"
    elif verdict.status is not Status.PASS and not verdict.evidence:
        problem = f"returned {verdict.status.value} without evidence"
    elif verdict.status in (Status.WARN, Status.FAIL, Status.ERROR) and not verdict.remediation:
        problem = f"returned {verdict.status.value} without a remediation"
    if problem is None:
        return verdict
    return Verdict(Status.ERROR, f"check {check.id} {problem}",
                   (Evidence(f"check {check.id}", problem),),
                   "This is a bug in the check; attach this JSON report to an issue.")


def _result(check: Check, verdict: Verdict, duration_ms: int) -> CheckResult:
    return CheckResult(
        id=check.id, title=check.title, severity=check.severity, status=verdict.status,
        message=verdict.message, evidence=tuple(verdict.evidence), remediation=verdict.remediation,
        docs_url=check.docs_url, duration_ms=duration_ms,
    )
