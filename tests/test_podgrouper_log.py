"""Parsing real-shaped pod-grouper log lines: zap console and JSON encoders, junk input."""

from __future__ import annotations

import json

from tests.fakeapi import factories as f
from vcdoctor.products.kai.pod_grouper_log import NO_OWNER_MESSAGE, parse_line, scan


def test_console_line_fields_are_split():
    line = parse_line(f.console_line("INFO", "Starting workers", {"worker count": 10}))
    assert (line.level, line.message) == ("INFO", "Starting workers")


def test_console_line_with_logger_name():
    line = parse_line("2026-11-20T10:15:02Z\tDEBUG\tpodgrouper\tsome message\t{\"a\": \"b\"}")
    assert (line.level, line.message) == ("DEBUG", "some message")
    assert "b" in line.text


def test_json_line():
    line = parse_line(json.dumps({"level": "error", "ts": "t", "msg": "Reconciler error", "error": "boom"}))
    assert (line.level, line.message) == ("ERROR", "Reconciler error") and "boom" in line.text


def test_owner_fallback_is_found_with_kind_and_name():
    result = scan((f.owner_fallback_line("vc-a") + "\n").encode())
    (finding,) = result.permission.values()
    assert (finding.kind, finding.subject, finding.count) == ("owner-lookup-forbidden", "Service vc-a", 1)


def test_returning_last_owner_variant():
    line = ("2026-11-20T10:15:02Z\tDEBUG\tNo permissions to get resourceOwner 'Service': "
            "<&OwnerReference{Kind:Service,Name:vc,APIVersion:v1,}/vc>. returning last owner 'ReplicaSet': <ns/rs-1>")
    (finding,) = scan(line.encode()).permission.values()
    assert finding.subject == "Service vc"


def test_forbidden_inside_escaped_json_field_is_found_and_deduplicated():
    data = "\n".join([f.reconciler_forbidden_line()] * 5).encode()
    result = scan(data)
    assert result.permission_count == 5 and len(result.permission) == 1
    (finding,) = result.permission.values()
    assert finding.subject == "system:serviceaccount:kai-scheduler:pod-grouper cannot get services"


def test_forbidden_with_api_group_names_the_group():
    line = ('E1120 10:00:00 x.go:1] deployments.apps "d" is forbidden: User "system:serviceaccount:kai-scheduler:'
            'podgrouper" cannot get resource "deployments" in API group "apps" in the namespace "n"')
    (finding,) = scan(line.encode()).permission.values()
    assert finding.subject.endswith("cannot get deployments.apps")


def test_no_owner_line_is_counted_separately_not_as_permission():
    result = scan((f.no_owner_line() + "\n" + f.no_owner_line() + "\n").encode())
    assert result.permission == {} and len(result.no_owner) == 2
    assert NO_OWNER_MESSAGE in result.no_owner[0]


def test_binary_ansi_and_huge_lines_never_raise():
    junk = b"\x00\x01\xff\xfe\x1b[31mERROR\x1b[0m\t" + b"A" * 100_000 + b"\n\x89PNG\r\n\x1a\n" + bytes(range(256))
    result = scan(junk)
    assert result.undecodable_bytes and result.lines >= 2


def test_examples_are_truncated():
    line = f.reconciler_forbidden_line(vc="v" * 1000)
    (finding,) = scan(line.encode()).permission.values()
    assert len(finding.example) <= 303


def test_a_line_crafted_against_the_patterns_is_read_only_so_far(monkeypatch):
    """Each permission pattern reads at most SCANNED_CHARS of a line: a line repeating a pattern's prefix cannot make
    a search quadratic in the whole line (the scan itself is bounded, no timing is asserted)."""
    from vcdoctor.products.kai import pod_grouper_log

    prefix = "No permissions to get resourceOwner '': <"
    line = (prefix + "a/" * 8) * 20000
    calls = []
    real = pod_grouper_log._OWNER_FALLBACK

    class Spy:
        def search(self, text):
            calls.append(len(text))
            return real.search(text)

    monkeypatch.setattr(pod_grouper_log, "_OWNER_FALLBACK", Spy())
    pod_grouper_log._permission_problems(line)
    assert calls == [pod_grouper_log.SCANNED_CHARS]
