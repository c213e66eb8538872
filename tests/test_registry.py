"""The check registry: entry-point discovery, id validation, metadata present for every check."""

from __future__ import annotations

import datetime
import importlib
import pathlib
import re
from importlib.metadata import EntryPoint
from typing import Any, List, Optional, Union

import pytest

from vcdoctor.engine.facts import HOST, INPUTS, VIRTUAL, Fact, FactStore, SideVariant
from vcdoctor.model import CHECK_ID, Check, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products.vcluster import tenant
from vcdoctor.products.vcluster.sides import TENANT, TENANT_ONLY
from vcdoctor.registry import RegistryError, input_types, load_checks, load_facts, select_checks


def _declared_in_setup_cfg():
    """The built-in checks as setup.cfg registers them (the one list; nothing here repeats it)."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(pathlib.Path(__file__).parents[1] / "setup.cfg")
    return [line.split("=")[0].strip() for line in cfg["options.entry_points"]["vcdoctor.checks"].splitlines()
            if line.strip()]


def _check(check_id="x-check", **kw):
    return Check(id=check_id, title=kw.pop("title", "A check"), severity=kw.pop("severity", Severity.LOW),
                 run=kw.pop("run", lambda: Verdict(Status.PASS, "ok")), **kw)


class _EP:
    """A stand-in entry point whose load() returns a given object."""

    def __init__(self, name, obj, value="plugin:CHECK"):
        self.name, self.value, self._obj = name, value, obj

    def load(self):
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_builtin_checks_are_registered_in_report_order():
    checks = load_checks()
    assert sorted(c.id for c in checks) == sorted(_declared_in_setup_cfg())
    assert [c.order for c in checks] == sorted(c.order for c in checks)


def test_every_module_in_checks_is_a_registered_check():
    """A module added to checks/ but not to setup.cfg's entry points would never run, and nothing else would say."""
    modules = {path.stem for path in (pathlib.Path(__file__).parents[1] / "checks").glob("*.py")} - {"__init__"}
    registered = {check.run.__module__.rpartition(".")[2] for check in load_checks()}
    assert modules and modules == registered


def test_a_check_asking_for_an_unknown_fact_fails_at_load_with_a_suggestion():
    with pytest.raises(RegistryError, match="unknown fact 'kai_pod'.*did you mean 'kai_pods'"):
        load_checks([_EP("typo", _check("typo", run=lambda kai_pod: Verdict(Status.PASS, "ok")))])


def test_a_check_gets_exactly_the_facts_its_signature_names():
    check = _check("named", run=lambda scope, kai_pods: Verdict(Status.PASS, "ok"))
    assert check.needs == ("scope", "kai_pods")


def test_every_check_has_metadata_docs_and_a_test_module():
    docs = (pathlib.Path(__file__).parents[1] / "docs" / "checks.md").read_text()
    for check in load_checks():
        assert CHECK_ID.match(check.id) and check.title and isinstance(check.severity, Severity)
        assert check.docs_url and check.docs_url.endswith("#" + check.id)
        assert f"## `{check.id}`" in docs
        module = check.id.replace("-", "_")
        importlib.import_module(f"tests.checks.test_{module}")


def test_entry_points_resolve_to_the_installed_package():
    ep = EntryPoint("kai-components", "vcdoctor.checks.kai_components:CHECK", "vcdoctor.checks")
    assert ep.load().id == "kai-components"


def test_third_party_check_is_loaded_after_builtins():
    checks = load_checks([_EP("zz-extra", _check("zz-extra")), _EP("aa-first", _check("aa-first", order=10))])
    assert [c.id for c in checks] == ["aa-first", "zz-extra"]


@pytest.mark.parametrize("ep, message", [
    (_EP("Bad_Id", _check("Bad_Id")), "not lowercase kebab-case"),
    (_EP("x-check", _check("other-id")), "does not match check id"),
    (_EP("x-check", "not a check"), "is a str, not a Check"),
    (_EP("x-check", ImportError("no module named plugin")), "failed to load"),
    (_EP("x-check", _check(title=" ")), "has no title"),
    (_EP("x-check", _check(severity="high")), "not a Severity"),
])
def test_broken_plugins_are_rejected_by_name(ep, message):
    with pytest.raises(RegistryError, match=message):
        load_checks([ep])


def test_duplicate_ids_are_rejected():
    with pytest.raises(RegistryError, match="registered twice"):
        load_checks([_EP("x-check", _check()), _EP("x-check", _check())])


def test_circular_after_links_are_rejected():
    with pytest.raises(RegistryError, match="depends on itself"):
        load_checks([_EP("a-check", _check("a-check", after=("b-check",))),
                     _EP("b-check", _check("b-check", after=("a-check",)))])


def test_no_checks_at_all_is_an_error():
    with pytest.raises(RegistryError, match="not installed"):
        load_checks([])


def test_select_unknown_id():
    with pytest.raises(RegistryError, match="unknown check id"):
        select_checks(load_checks(), ["nope"])


def test_every_builtin_title_states_the_expectation():
    """A title reads right next to any verdict ("FAIL x: expected: ..."), in every output format."""
    for check in load_checks():
        assert check.title.startswith("expected: "), check.id


def _typed(kai_pods: List[str]) -> Verdict:
    return Verdict(Status.PASS, f"{len(kai_pods)}")


def _untyped(kai_pods, context: Optional[str]) -> Verdict:
    return Verdict(Status.PASS, f"{kai_pods} {context}")


def _builtin_spelling(kai_pods: tuple[Pod, ...], context: Union[str, None], now: datetime.datetime) -> Verdict:
    return Verdict(Status.PASS, f"{kai_pods} {context} {now}")


def _anything(scope: Any) -> Verdict:
    return Verdict(Status.PASS, f"{scope}")


@pytest.mark.parametrize("run, message", [
    (_typed, "check 'typed' parameter 'kai_pods' is annotated List[str], but fact 'kai_pods' is Tuple[Pod, ...]"),
    (_untyped, "check 'typed' parameter 'kai_pods' has no annotation: annotate it Tuple[Pod, ...]"),
    (_anything, "check 'typed' parameter 'scope' is annotated Any, but fact 'scope' is Scope"),
])
def test_a_check_whose_parameters_are_not_typed_as_its_facts_is_refused_at_load(run, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_checks([_EP("typed", _check("typed", run=run))])


def test_the_builtin_spelling_of_a_fact_type_is_the_same_type():
    assert [c.id for c in load_checks([_EP("typed", _check("typed", run=_builtin_spelling))])] == ["typed"]


def test_a_fact_without_a_return_type_is_refused_for_the_check_that_names_it():
    facts = dict(load_facts(), kai_pods=Fact("kai_pods", "untyped", lambda ctx: ()))
    with pytest.raises(RegistryError, match="parameter 'kai_pods': fact 'kai_pods': its compute has no return"):
        load_checks([_EP("typed", _check("typed", run=_builtin_spelling))], facts=facts)


def test_every_input_has_a_type_and_every_tenant_variant_returns_what_the_fact_it_replaces_does():
    assert set(input_types()) == set(INPUTS)
    facts = load_facts()
    for variant in tenant.TENANT_FACTS:
        assert variant.returns() == facts[variant.name].returns(), variant.name


def _answer(ctx) -> int:
    return 1


def _variant(ctx) -> int:
    return 2


def _asks(ctx) -> int:
    return ctx.fact(ASKED) * 10


ASKED = Fact("answer", "the host's answer", _answer)


def test_a_fact_asked_by_itself_is_the_runs_fact_of_that_name():
    """Typed access (store.value(FACT) -> T) still gets the run's variant of the fact, a tenant run's say."""
    asker = Fact("asker", "needs answer", _asks, needs=("answer",))
    host = FactStore(None, {"answer": ASKED, "asker": asker}, {})
    tenant_run = FactStore(None, {"answer": Fact("answer", "the tenant's answer", _variant), "asker": asker}, {})
    assert (host.value(ASKED), host.value("asker")) == (1, 10)
    assert (tenant_run.value(ASKED), tenant_run.value("asker")) == (2, 20)


def test_a_tenant_run_uses_the_declared_variants_and_a_host_run_none():
    host, tenant_run = load_facts(), load_facts(variants=(TENANT,))
    tenant_only = load_facts(variants=(TENANT, TENANT_ONLY))
    assert {n for n in host if host[n] is not tenant_run[n]} == {f.name for f in tenant.TENANT_FACTS}
    assert (host["target_events"].side, tenant_run["target_events"].side, tenant_only["target_events"].side) == \
        (HOST, HOST, VIRTUAL)


def _variant_plugin(*facts):
    return [_FactsEP("variants", facts)]


@pytest.mark.parametrize("declared, message", [
    ((Fact("scope", "a scope of another type", _answer, variant="probe"),),
     "the 'probe' variant of fact 'scope' returns int, but the fact it replaces returns Scope"),
    ((Fact("nothing", "replaces no fact", _answer, variant="probe"),),
     "the 'probe' variant of fact 'nothing' replaces no fact of that name"),
    ((SideVariant("nothing", VIRTUAL, "probe"),),
     "the 'probe' variant of fact 'nothing' replaces no fact of that name"),
    ((SideVariant("scope", "moon", "probe"),), "reads side 'moon'"),
    ((Fact("scope", "asks what no fact answers", _asks, needs=("nothing",), variant="probe"),),
     "fact 'scope' needs unknown fact(s): nothing"),
])
def test_a_variant_is_refused_at_load_unless_it_stands_for_a_fact_of_the_same_type(declared, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_facts(_variant_plugin(*declared))


class _FactsEP:
    """A fact plugin's entry point: a name and the tuple it loads."""

    def __init__(self, name, facts):
        self.name, self.value, self._facts = name, f"{name}:FACTS", facts

    def load(self):
        return self._facts


def _builtins():
    from vcdoctor.registry import GROUP, _group_entry_points

    return list(_group_entry_points(GROUP))


def _quiet() -> Verdict:
    return Verdict(Status.PASS, "ok")


def test_a_plugin_check_declares_its_findings_and_loads_beside_the_builtins():
    from tests import plugin_checks
    from vcdoctor.registry import findings_by_code

    checks = load_checks(_builtins() + [_EP("acme-quota", plugin_checks.DECLARED)])
    known = findings_by_code(checks)
    assert known["ACME101"] == (plugin_checks.QUOTA_GONE, ("acme-quota",))
    assert known["VCD001"][1] == () and known["VCD010"][1][0] == "vcluster-set-owner"


def test_a_finding_the_check_can_return_but_does_not_declare_is_refused_at_load():
    from tests import plugin_checks

    with pytest.raises(RegistryError, match=r"'acme-quota' can return finding ACME101 \(QUOTA_GONE\) but does not "
                                            r"declare it"):
        load_checks(_builtins() + [_EP("acme-quota", plugin_checks.UNDECLARED)])


@pytest.mark.parametrize("findings, message", [
    ((Finding("VCD310", Status.FAIL, "mine", "x"),), "finding code VCD310 is declared by several checks: kai-queue, "
                                                      "acme-copy"),
    ((Finding("VCD001", Status.ERROR, "mine", "x"),), "declares finding VCD001, which vcdoctor's engine gives"),
    ((Finding("VCD010", Status.SKIP, "another meaning", "x", shared=True),), "VCD010 is declared by several checks"),
])
def test_a_code_means_one_thing_across_checks(findings, message):
    plugin = _check("acme-copy", run=_quiet, findings=findings)
    with pytest.raises(RegistryError, match=message):
        load_checks(_builtins() + [_EP("acme-copy", plugin)])


def test_the_same_shared_finding_may_be_declared_by_several_checks():
    from vcdoctor.products.vcluster import EVERY_VCLUSTER

    plugin = _check("acme-vc", run=_quiet, findings=EVERY_VCLUSTER)
    assert "acme-vc" in [c.id for c in load_checks(_builtins() + [_EP("acme-vc", plugin)])]


@pytest.mark.parametrize("finding, message", [
    (Finding("acme-1", Status.FAIL, "t", "r"), "finding code 'acme-1' is not letters then digits"),
    (Finding("ACME1", Status.PASS, "t", "r"), "a finding is warn, fail, skip or error"),
    (Finding("ACME1", Status.FAIL, " ", "r"), "finding 'ACME1' has no title"),
    (Finding("ACME1", Status.FAIL, "t", ""), "finding 'ACME1' has no remediation"),
])
def test_malformed_findings_are_refused_by_name(finding, message):
    with pytest.raises(RegistryError, match=message):
        load_checks([_EP("x-check", _check(run=_quiet, findings=(finding,)))])


def test_a_code_declared_twice_by_one_check_is_refused():
    twice = (Finding("ACME1", Status.FAIL, "t", "r"), Finding("ACME1", Status.WARN, "u", "r"))
    with pytest.raises(RegistryError, match="declares finding 'ACME1' twice"):
        load_checks([_EP("x-check", _check(run=_quiet, findings=twice))])
