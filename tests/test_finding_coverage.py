"""The finding-coverage judgement (tests/finding_coverage.py), which fails the whole suite's session, fails when
it should: a declared code no test produced, a warn or fail never produced naming an object."""

from __future__ import annotations

from tests.finding_coverage import missing, nameless
from vcdoctor.model import Finding, Status

DECLARED = {"VCD900": (Finding("VCD900", Status.FAIL, "t", "r"), ("a-check",)),
            "VCD901": (Finding("VCD901", Status.SKIP, "t", "r"), ("a-check",)),
            "VCD902": (Finding("VCD902", Status.WARN, "t", "r"), ("b-check",))}


def test_a_declared_code_no_test_produced_is_named_with_its_check():
    assert missing(DECLARED, {"VCD900", "VCD902"}) == ["VCD901 (skip: a-check)"]
    assert missing(DECLARED, DECLARED) == []


def test_a_warn_or_fail_never_produced_with_objects_is_named():
    assert nameless(DECLARED, {"VCD900"}) == ["VCD902 (b-check)"]  # a skip may name nothing
    assert nameless(DECLARED, {"VCD900", "VCD902"}) == []
