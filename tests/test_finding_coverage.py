"""The suite's scenarios produce every finding code a check declares: a declared code no test reaches is either
dead (remove it) or untested (add the scenario)."""

from __future__ import annotations

import pathlib

import pytest

from tests import conftest
from vcdoctor import registry

ROOT = pathlib.Path(__file__).parent


def _whole_suite(session: pytest.Session) -> bool:
    """Every test module collected and nothing deselected (-k, -m, a path): only then is a missing code news."""
    config = session.config
    if config.option.keyword or config.option.markexpr or getattr(config.option, "lf", False):
        return False
    ran = {pathlib.Path(str(item.path)).resolve() for item in session.items}
    return all(path.resolve() in ran for path in ROOT.rglob("test_*.py"))


def test_every_declared_finding_code_is_produced_by_some_test(request):
    if not _whole_suite(request.session):
        pytest.skip("only the whole suite can tell which codes no test produces")
    declared = registry.findings_by_code(registry.load_checks())
    missing = sorted(set(declared) - conftest.PRODUCED)
    assert not missing, "declared finding codes no test produces: " + ", ".join(
        f"{code} ({declared[code][0].status.value}: {', '.join(declared[code][1]) or 'engine'})" for code in missing)


def test_every_warn_and_fail_finding_names_the_objects_it_concerns(request):
    """So each can be accepted on one object (--ignore CODE:OBJECT), not only everywhere."""
    if not _whole_suite(request.session):
        pytest.skip("only the whole suite can tell which codes no test produces with objects")
    declared = registry.findings_by_code(registry.load_checks())
    nameless = sorted(code for code, (finding, _) in declared.items()
                      if finding.status.value in ("warn", "fail") and code not in conftest.NAMED)
    assert nameless == [], "warn/fail findings no test produces with objects: " + ", ".join(
        f"{code} ({', '.join(declared[code][1])})" for code in nameless)
