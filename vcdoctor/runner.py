"""Runs checks concurrently, isolates crashes and enforces honest, evidenced verdicts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import List, Optional, Sequence

from vcdoctor.access import could_not_look
from vcdoctor.gateway import GatewayError
from vcdoctor.model import Check, CheckResult, Evidence, Status, Verdict
from vcdoctor.scope import Scope
from vcdoctor.view import ClusterView

MAX_WORKERS = 6


def run_checks(checks: Sequence[Check], view: ClusterView, scope: Scope,
               deadline_seconds: Optional[float] = None) -> List[CheckResult]:
    """Evaluate every check; results come back in the order of ``checks``."""
    if not checks:
        return []
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(checks)), thread_name_prefix="check")
    started = time.monotonic()
    futures = [pool.submit(_evaluate, check, view, scope) for check in checks]
    wait(futures, timeout=deadline_seconds)
    results = []
    for check, future in zip(checks, futures):
        if future.done():
            results.append(future.result())
        else:
            future.cancel()
            elapsed = int((time.monotonic() - started) * 1000)
            verdict = Verdict(Status.ERROR, f"deadline: not finished within {deadline_seconds:g} s",
                              (Evidence("run", "the global deadline ended the run", {"timeout_s": deadline_seconds}),),
                              "Retry with a longer deadline, e.g. vcdoctor run --timeout 120")
            results.append(_result(check, verdict, elapsed))
    pool.shutdown(wait=False, cancel_futures=True)
    return results


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
