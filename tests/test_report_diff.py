"""vcdoctor diff: which checks changed status, appeared or disappeared, and whether things got worse."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.test_render_factories import make_check, make_fleet, make_report
from vcdoctor.report_diff import (
    CheckChange,
    CheckPresence,
    ReportDiff,
    diff_reports,
    render_diff,
)


def report(**statuses: str) -> dict:
    return make_report(*[make_check(k.replace("_", "-"), v) for k, v in statuses.items()])


def test_names_exactly_the_checks_that_changed():
    old = report(kai_queue="pass", kai_podgroup="fail", kai_components="pass", gone="warn")
    new = report(kai_queue="fail", kai_podgroup="pass", kai_components="pass", fresh="warn")
    diff = diff_reports(old, new)
    assert diff.changed == (CheckChange(None, "kai-podgroup", "fail", "pass"),
                            CheckChange(None, "kai-queue", "pass", "fail"))
    assert diff.appeared == (CheckPresence(None, "fresh", "warn"),)
    assert diff.disappeared == (CheckPresence(None, "gone", "warn"),)
    assert diff.worse is True
    assert [c.worse for c in diff.changed] == [False, True]


@pytest.mark.parametrize("old, new, worse", [
    ("skip", "pass", False), ("pass", "warn", True), ("warn", "error", True), ("error", "fail", True),
    ("fail", "error", False), ("warn", "pass", False), ("pass", "skip", False), ("skip", "warn", True),
])
def test_worse_follows_the_status_rank(old, new, worse):
    assert diff_reports(report(a=old), report(a=new)).worse is worse


def test_a_new_check_is_worse_when_it_finds_something_and_a_vanished_one_is_not():
    assert diff_reports(report(a="pass"), report(a="pass", b="pass")).worse is False
    assert diff_reports(report(a="pass"), report(a="pass", b="skip")).worse is False
    assert diff_reports(report(a="pass"), report(a="pass", b="warn")).worse is True
    assert diff_reports(report(a="pass", b="fail"), report(a="pass")).worse is False


def test_identical_reports_have_an_empty_diff():
    diff = diff_reports(report(a="fail"), report(a="fail"))
    assert diff == ReportDiff((), (), (), False) and diff.empty
    assert render_diff(diff) == "No change: every check has the status it had."


def test_fleets_are_keyed_by_context_and_check():
    old = make_fleet(make_report(make_check("kai-queue", "pass"), context="a"),
                     make_report(make_check("kai-queue", "pass"), context="b"))
    new = make_fleet(make_report(make_check("kai-queue", "pass"), context="a"),
                     make_report(make_check("kai-queue", "warn"), context="b"),
                     make_report(make_check("kai-queue", "pass"), context="c"))
    diff = diff_reports(old, new)
    assert diff.changed == (CheckChange("b", "kai-queue", "pass", "warn"),)
    assert diff.appeared == (CheckPresence("c", "kai-queue", "pass"),)
    assert diff.worse


def test_a_single_report_lines_up_with_its_context_in_a_fleet():
    single = make_report(make_check("kai-queue", "pass"), context="a")
    fleet = make_fleet(make_report(make_check("kai-queue", "fail"), context="a"))
    assert diff_reports(single, fleet).changed == (CheckChange("a", "kai-queue", "pass", "fail"),)


def test_the_diff_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        diff_reports(report(a="pass"), report(a="fail")).worse = False


def test_render_table_and_json():
    diff = diff_reports(report(kai_queue="pass", gone="warn"), report(kai_queue="fail", fresh="error"))
    text = render_diff(diff)
    assert text.split("\n") == ["worse   kai-queue: pass -> fail", "new     fresh: error", "gone    gone: was warn",
                                "", "Worse than before."]
    document = json.loads(render_diff(diff, "json"))
    assert document["worse"] is True
    assert document["changed"] == [{"context": None, "check": "kai-queue", "old": "pass", "new": "fail",
                                    "worse": True}]
    assert document["appeared"] == [{"context": None, "check": "fresh", "status": "error"}]
    with pytest.raises(ValueError):
        render_diff(diff, "yaml")


def test_rendered_diff_is_inert():
    hostile = make_fleet(make_report(make_check("a", "fail"), context="\x1b]52;c;eA==\x07ctx"))
    before = make_fleet(make_report(make_check("a", "pass"), context="\x1b]52;c;eA==\x07ctx"))
    text = render_diff(diff_reports(before, hostile))
    assert "\x1b" not in text and "\x07" not in text and "ctx/a: pass -> fail" in text


def test_reports_of_different_clusters_or_scopes_are_not_compared_unless_forced(tmp_path):
    from click.testing import CliRunner

    from tests.test_render_factories import make_check, make_report
    from vcdoctor.cli import main

    old, new = make_report(make_check("a", "fail")), make_report(make_check("a", "pass"))
    other = dict(new, cluster=dict(new["cluster"], server="https://elsewhere:6443"))
    scoped = dict(new, target={"namespace": "team-b"})
    paths = {}
    for name, report in (("old", old), ("new", new), ("other", other), ("scoped", scoped)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(report))
    runner = CliRunner()
    assert runner.invoke(main, ["diff", str(paths["old"]), str(paths["new"])]).exit_code == 0
    for name in ("other", "scoped"):
        refused = runner.invoke(main, ["diff", str(paths["old"]), str(paths[name])])
        assert refused.exit_code == 2 and "different clusters or scopes" in refused.output and name in refused.output
        assert runner.invoke(main, ["diff", "--force", str(paths["old"]), str(paths[name])]).exit_code == 0


def _found(check_id, status, *findings, ignored=()):
    """A check with findings: (code, object) pairs, those in ``ignored`` accepted."""
    listed = [{"code": code, "status": status, "objects": [obj] if obj else [], "message": "m",
               "ignored": (code, obj) in ignored} for code, obj in findings]
    return make_check(check_id, status, code=findings[0][0] if findings else None, findings=listed)


def test_findings_are_compared_by_code_and_object_within_a_check():
    old = make_report(_found("kai-queue", "fail", ("VCD310", "q1"), ("VCD310", "q2")),
                      _found("vcluster-set-owner", "fail", ("VCD100", "ns/a")))
    new = make_report(_found("kai-queue", "fail", ("VCD310", "q2"), ("VCD310", "q3")),
                      _found("vcluster-set-owner", "fail", ("VCD100", "ns/a"), ignored={("VCD100", "ns/a")}))
    diff = diff_reports(old, new)
    assert diff.changed == ()  # every check kept its status
    assert [(f.code, f.object, f.status) for f in diff.findings_appeared] == [("VCD310", "q3", "fail")]
    assert [(f.code, f.object) for f in diff.findings_disappeared] == [("VCD310", "q1")]
    assert [(f.code, f.old, f.new, f.worse) for f in diff.findings_changed] == [("VCD100", "fail", "ignored", False)]
    assert diff.worse  # a queue missing that was not before, though kai-queue failed both times
    assert "new     kai-queue VCD310 on q3: fail" in render_diff(diff)
    assert "better  vcluster-set-owner VCD100 on ns/a: fail -> ignored" in render_diff(diff)
    assert json.loads(render_diff(diff, "json"))["findings_appeared"][0]["object"] == "q3"


def test_a_check_whose_findings_are_all_accepted_reads_ignored_and_is_not_worse():
    accepted = make_report(make_check("kai-queue", "fail", ignored=True))
    assert diff_reports(report(kai_queue="pass"), accepted).changed == (
        CheckChange(None, "kai-queue", "pass", "ignored"),)
    assert diff_reports(report(kai_queue="pass"), accepted).worse is False
    assert diff_reports(accepted, report(kai_queue="fail")).worse is True


def test_accepting_or_fixing_findings_is_not_worse():
    old = make_report(_found("kai-queue", "fail", ("VCD310", "q1"), ("VCD310", "q2")))
    new = make_report(_found("kai-queue", "fail", ("VCD310", "q2"), ignored={("VCD310", "q2")}))
    assert diff_reports(old, new).worse is False
