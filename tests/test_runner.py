"""The runner: crash isolation, honest-verdict enforcement, could-not-look errors, deadline."""

from __future__ import annotations

import threading

from vcdoctor.deadline import Deadline
from vcdoctor.engine.executor import Executor
from vcdoctor.engine.facts import FactStore
from vcdoctor.engine.runner import run_checks
from vcdoctor.gateway import ApiRequest, Forbidden
from vcdoctor.gateway import resources as r
from vcdoctor.model import Check, Evidence, Finding, Severity, Status, Verdict


def _check(check_id, run):
    return Check(id=check_id, title=check_id, severity=Severity.LOW, run=run)


def _run(checks, deadline=None):
    return run_checks(checks, FactStore(None, {}, {}), Executor(Deadline(deadline)))


def test_a_crashing_check_becomes_error_and_others_still_run():
    def boom():
        raise KeyError("spec")

    results = _run([_check("a", boom), _check("b", lambda: Verdict(Status.PASS, "fine"))])
    assert [x.status for x in results] == [Status.ERROR, Status.PASS]
    assert "check crashed: KeyError" in results[0].message and results[0].remediation


def test_gateway_errors_become_could_not_look():
    def denied():
        raise Forbidden(ApiRequest("list", r.PODS, "kai-scheduler"), "pods is forbidden", 403)

    (result,) = _run([_check("a", denied)])
    assert result.status is Status.ERROR and "forbidden on list pods in namespace kai-scheduler" in result.message
    assert "kubectl auth can-i list pods -n kai-scheduler" in result.remediation


def test_unevidenced_or_unremediated_verdicts_are_refused():
    bad = [
        _check("no-evidence", lambda: Verdict(Status.FAIL, "bad", (), "fix")),
        _check("no-fix", lambda: Verdict(Status.WARN, "meh", (Evidence("x", "y"),))),
        _check("wrong-type", lambda: "pass"),
        _check("skip-bare", lambda: Verdict(Status.SKIP, "n/a")),
    ]
    results = _run(bad)
    assert all(x.status is Status.ERROR for x in results)
    assert "without evidence" in results[0].message and "without a remediation" in results[1].message


def test_deadline_reports_unfinished_checks():
    release = threading.Event()

    def slow():
        release.wait(5)
        return Verdict(Status.PASS, "late")

    results = _run([_check("slow", slow), _check("quick", lambda: Verdict(Status.PASS, "ok"))], deadline=0.2)
    release.set()
    assert results[0].status is Status.ERROR and results[0].message.startswith("deadline")
    assert results[1].status is Status.PASS


def test_the_engine_gives_its_own_finding_codes():
    def denied():
        raise Forbidden(ApiRequest("list", r.PODS, "kai-scheduler"), "pods is forbidden", 403)

    crashed, refused = _run([_check("a", lambda: {}["x"]), _check("b", denied)])
    assert (crashed.code, refused.code) == ("VCD005", "VCD001")
    assert refused.findings[0].title.startswith("a read the check needs was refused")


def test_a_verdict_whose_code_the_check_did_not_declare_is_a_bug_said_as_such():
    declared = Finding("XYZ100", Status.FAIL, "declared", "fix it")
    stray = Finding("XYZ101", Status.FAIL, "not declared", "fix it")
    warned = Finding("XYZ102", Status.WARN, "declared as warn", "fix it")
    evidence = (Evidence("x", "y"),)

    def check(check_id, verdict):
        return Check(id=check_id, title=check_id, severity=Severity.LOW, run=lambda: verdict,
                     findings=(declared, warned))

    good, undeclared, uncoded, mismatched = _run([
        check("good", declared.verdict("bad", evidence)),
        check("undeclared", stray.verdict("bad", evidence)),
        check("uncoded", Verdict(Status.FAIL, "bad", evidence, "fix")),
        check("mismatched", Verdict(Status.FAIL, "bad", evidence, "fix", code="XYZ102")),
    ])
    assert (good.status, good.code, good.findings[0].title) == (Status.FAIL, "XYZ100", "declared")
    assert undeclared.code == "VCD005" and "returned finding XYZ101, which it does not declare" in undeclared.message
    assert uncoded.code == "VCD005" and "returned fail without a finding code" in uncoded.message
    assert mismatched.code == "VCD005" and "XYZ102 as fail; it is declared warn" in mismatched.message


def test_a_finding_fills_its_remediation_template_unless_the_check_words_its_own():
    missing = Finding("XYZ200", Status.FAIL, "a queue is missing", "Create the queue {queue}.")
    assert missing.verdict("m", (Evidence("x", "y"),), queue="team-a").remediation == "Create the queue team-a."
    assert missing.verdict("m", (), "Create it by hand.", queue="team-a").remediation == "Create it by hand."
    verdict = missing.verdict("m", (), objects=["team-a"])
    assert (verdict.status, verdict.code, verdict.objects) == (Status.FAIL, "XYZ200", ("team-a",))


def test_a_read_cut_by_the_deadline_is_the_deadline_whichever_thread_noticed_first():
    """The socket timeout is the run's remaining time: the check's own read may fail a moment before the runner
    stops waiting. Either way the verdict says deadline, not an unreachable server."""
    from vcdoctor.gateway import Unreachable

    def cut():
        raise Unreachable(ApiRequest("log", r.PODS, "kai-scheduler", "pod-grouper-0"), "timed out: read timed out")

    from vcdoctor.engine.runner import _evaluate

    result = _evaluate(_check("a", cut), FactStore(None, {}, {}), Deadline(0.0))  # the check's own thread
    assert result.status is Status.ERROR and result.message.startswith("deadline: not finished within 0 s")
    assert any("read timed out" in e.observation for e in result.evidence)
