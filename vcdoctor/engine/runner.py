"""Runs the checks of a plan on the executor, isolates crashes and enforces honest, evidenced verdicts."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from vcdoctor.deadline import Deadline
from vcdoctor.engine.executor import Executor
from vcdoctor.engine.facts import FactStore, SideUnavailable
from vcdoctor.engine.verdicts import BLOCKED, CHECK_BUG, ENGINE_FINDINGS, UNFINISHED, could_not_look, side_unavailable
from vcdoctor.gateway import DeadlineReached, GatewayError
from vcdoctor.model import Check, CheckResult, Evidence, Status, Verdict

BUG = CHECK_BUG.remediation
ENGINE = {f.code: f for f in ENGINE_FINDINGS}
ENGINE_CODES = frozenset(ENGINE)


class Interrupted(Exception):
    """Ctrl-C during the run; carries the results so far (unfinished ones say so)."""

    def __init__(self, results: List[CheckResult]):
        super().__init__("interrupted")
        self.results = results


def run_checks(checks: Sequence[Check], store: FactStore, executor: Executor, chained: bool = False,
               on_done: Optional[Callable[[CheckResult], None]] = None) -> List[CheckResult]:
    """Evaluate every check concurrently; results come back in the order of ``checks``.

    With ``chained`` (one pod examined), a check whose earlier link (``after``) failed is skipped as
    "blocked by" it, so the cause comes first. Unfinished checks at the deadline are reported as ``error``.
    """
    futures: Dict[str, Future] = {}

    def work(check: Check) -> CheckResult:
        blocker = _blocker(check, futures) if chained else None
        result = _blocked(check, blocker) if blocker else _evaluate(check, store, executor.deadline)
        if on_done is not None:
            on_done(result)
        return result

    for check in checks:
        futures[check.id] = executor.submit(work, check, name=f"check-{check.id}")
    try:
        unfinished = executor.wait(futures.values())
    except KeyboardInterrupt:
        raise Interrupted(_collect(checks, futures, executor, "interrupted: the run was stopped before this check "
                                                             "finished")) from None
    if not unfinished:
        return [futures[c.id].result() for c in checks]
    return _collect(checks, futures, executor, f"deadline: not finished within {executor.deadline.seconds:g} s")


def _unfinished(deadline: Deadline, exc: Optional[GatewayError] = None, reason: str = "") -> Verdict:
    reason = reason or f"deadline: not finished within {deadline.seconds:g} s"
    fix = ("Retry with a longer deadline, e.g. vcdoctor run --timeout 120" if reason.startswith("deadline")
           else "Run vcdoctor again and let it finish.")
    seen: Tuple[Evidence, ...] = (Evidence("run", reason.split(":")[0], {"elapsed_ms": deadline.elapsed_ms(),
                                                                      "timeout_s": deadline.seconds}),)
    if exc is not None:
        seen += (Evidence(exc.request.describe() if exc.request else "API server", exc.reason, {"outcome": exc.kind}),)
    return UNFINISHED.verdict(reason, seen, fix)


def _collect(checks: Sequence[Check], futures: Dict[str, Future], executor: Executor, reason: str) -> List[CheckResult]:
    elapsed = executor.deadline.elapsed_ms()
    unfinished = _unfinished(executor.deadline, reason=reason)
    return [futures[c.id].result() if futures[c.id].done() else _result(c, unfinished, elapsed) for c in checks]


def _blocker(check: Check, futures: Dict[str, Future]) -> Optional[CheckResult]:
    """The first earlier link of ``check`` that failed (waiting for the links that are running)."""
    for dep in check.after:
        if dep in futures:
            result: CheckResult = futures[dep].result()
            if result.status is Status.FAIL or _root_blocker(result):
                return result  # blocked upstream blocks everything downstream
    return None


def _root_blocker(result: CheckResult) -> Optional[str]:
    """The failed check that blocked ``result``, if ``result`` was skipped for that reason."""
    if result.status is Status.SKIP and result.evidence:
        return result.evidence[0].data.get("blocked_by")
    return None


def _blocked(check: Check, blocker: CheckResult) -> CheckResult:
    root = _root_blocker(blocker) or blocker.id
    verdict = BLOCKED.verdict(f"blocked by {root}: fix that first",
                              (Evidence(f"check {root}", "an earlier link of the chain failed", {"blocked_by": root}),))
    return _result(check, verdict, 0)


def _evaluate(check: Check, store: FactStore, deadline: Deadline) -> CheckResult:
    started = time.monotonic()
    try:
        arguments = {name: store.argument(name) for name in check.needs}
        verdict = _enforce(check, check.run(**arguments))
    except SideUnavailable as exc:
        verdict = side_unavailable(exc)
    except GatewayError as exc:
        # a read cut by the run's deadline is the deadline's doing, whichever thread noticed it first
        cut = deadline.expired or isinstance(exc, DeadlineReached)
        verdict = _unfinished(deadline, exc) if cut else could_not_look(exc)
    except Exception as exc:  # a crashing check must not take the others down
        verdict = CHECK_BUG.verdict(f"check crashed: {type(exc).__name__}: {exc}",
                                    (Evidence(f"check {check.id}", "raised an exception",
                                              {"type": type(exc).__name__}),))
    return _result(check, verdict, int((time.monotonic() - started) * 1000))


def _enforce(check: Check, verdict: object) -> Verdict:
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
    else:
        problem = _code_problem(check, verdict)
    if problem is None:
        assert isinstance(verdict, Verdict)
        return verdict
    return CHECK_BUG.verdict(f"check {check.id} {problem}", (Evidence(f"check {check.id}", problem),))


def _code_problem(check: Check, verdict: Verdict) -> Optional[str]:
    """Every finding a verdict reports must be one its check declared, with the status declared for it (or one of
    the engine's): an undeclared code is a bug in the check, said as such, never passed on."""
    if verdict.status is not Status.PASS and not verdict.occurrences():
        return f"returned {verdict.status.value} without a finding code"
    declared = check.codes
    for found in verdict.occurrences():
        finding = declared.get(found.code)
        if finding is None and found.code not in ENGINE_CODES:
            return f"returned finding {found.code}, which it does not declare"
        if finding is not None and finding.status is not found.status:
            return f"returned finding {found.code} as {found.status.value}; it is declared {finding.status.value}"
    return None


def _result(check: Check, verdict: Verdict, duration_ms: int) -> CheckResult:
    return CheckResult(
        id=check.id, title=check.title, severity=check.severity, status=verdict.status,
        message=verdict.message, evidence=tuple(verdict.evidence), remediation=verdict.remediation,
        docs_url=check.docs_url, duration_ms=duration_ms,
        fix=verdict.fix if verdict.status is not Status.PASS else None,
        code=verdict.code if verdict.status is not Status.PASS else None,
        objects=verdict.objects if verdict.status is not Status.PASS else (),
        findings=tuple(replace(o, title=_title(check, o.code)) for o in verdict.occurrences()),
    )


def _title(check: Check, code: str) -> str:
    found = check.codes.get(code) or ENGINE.get(code)
    return found.title if found is not None else ""
