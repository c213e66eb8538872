"""Holds the suite to producing every finding code a check declares, each warn and fail naming its objects.

A pytest plugin (loaded by conftest): the engine's results are recorded as tests run, and when the whole suite has
run (nothing deselected), the session fails if a declared code was never produced (dead or untested) or a warn or
fail never named an object (so it could only be accepted everywhere). Judged once at the end of the session, in
one process or, under pytest-xdist, from what each worker recorded.
"""

from __future__ import annotations

import pathlib
from typing import Dict, Iterable, List, Set, Tuple

import pytest

from vcdoctor import registry
from vcdoctor.model import Finding

TESTS = pathlib.Path(__file__).parent
#: every finding code a check produced in this process, recorded where the engine makes a result (runner._result)
PRODUCED: Set[str] = set()
#: the codes produced naming objects (what --ignore CODE:OBJECT can accept)
NAMED: Set[str] = set()
#: under xdist: what each worker reported, and whether every worker ran the whole suite
_REPORTED: List[Tuple[Set[str], Set[str], bool]] = []
_PROBLEMS: List[str] = []


def missing(declared: Dict[str, Tuple[Finding, Tuple[str, ...]]], produced: Iterable[str]) -> List[str]:
    """The declared codes no test produced, each with its status and checks."""
    seen = set(produced)
    return [f"{code} ({finding.status.value}: {', '.join(checks) or 'engine'})"
            for code, (finding, checks) in sorted(declared.items()) if code not in seen]


def nameless(declared: Dict[str, Tuple[Finding, Tuple[str, ...]]], named: Iterable[str]) -> List[str]:
    """The declared warn and fail codes no test produced naming an object."""
    seen = set(named)
    return [f"{code} ({', '.join(checks)})" for code, (finding, checks) in sorted(declared.items())
            if finding.status.value in ("warn", "fail") and code not in seen]


@pytest.fixture(autouse=True, scope="session")
def _record_finding_codes():
    from vcdoctor.engine import runner

    original = runner._result

    def recording(check, verdict, duration_ms):
        result = original(check, verdict, duration_ms)
        PRODUCED.update(found.code for found in result.findings)
        NAMED.update(found.code for found in result.findings if found.objects)
        return result

    runner._result = recording
    yield
    runner._result = original


def _whole_suite(session: pytest.Session) -> bool:
    """Every test module collected and nothing deselected (-k, -m, --lf, a path): only then is a missing code news."""
    option = session.config.option
    if option.keyword or option.markexpr or getattr(option, "lf", False) or option.deselect:
        return False
    ran = {pathlib.Path(str(item.path)).resolve() for item in session.items}
    return all(path.resolve() in ran for path in TESTS.rglob("test_*.py"))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist's controller: a worker ended; keep what it recorded."""
    out = getattr(node, "workeroutput", {}).get("finding_coverage")
    _REPORTED.append((set(out["produced"]), set(out["named"]), bool(out["whole"])) if out and not error
                     else (set(), set(), False))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):  # an xdist worker: report to the controller, which judges
        config.workeroutput["finding_coverage"] = {"produced": sorted(PRODUCED), "named": sorted(NAMED),
                                                   "whole": _whole_suite(session)}
        return
    if session.exitstatus != pytest.ExitCode.OK:
        return  # a failing or interrupted suite has more pressing news than a gap
    if _REPORTED:
        if not all(whole for _, _, whole in _REPORTED):
            return
        produced = set().union(*(p for p, _, _ in _REPORTED))
        named = set().union(*(n for _, n, _ in _REPORTED))
    elif _whole_suite(session):
        produced, named = PRODUCED, NAMED
    else:
        return
    declared = registry.findings_by_code(registry.load_checks())
    gone = missing(declared, produced)
    if gone:
        _PROBLEMS.append("declared finding codes no test produces: " + ", ".join(gone))
    unnamed = nameless(declared, named)
    if unnamed:
        _PROBLEMS.append("warn/fail findings no test produces with objects: " + ", ".join(unnamed))
    if _PROBLEMS:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if _PROBLEMS:
        terminalreporter.section("finding coverage", red=True)
        for problem in _PROBLEMS:
            terminalreporter.line(problem, red=True)
