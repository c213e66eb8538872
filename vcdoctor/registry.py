"""Discovers checks (entry-point group ``vcdoctor.checks``) and the facts they name, and validates both at load."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import importlib
import re
import sys
import typing
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from vcdoctor import contributions
from vcdoctor.engine.facts import HOST, INPUTS, VIRTUAL, Fact, SideVariant, closure
from vcdoctor.engine.verdicts import ENGINE_FINDINGS
from vcdoctor.model import Check, Finding, Verdict
from vcdoctor.target import Target

GROUP = "vcdoctor.checks"
#: plugins add facts here (each entry point names a tuple of Fact, and of SideVariant); built-ins are listed below
FACT_GROUP = "vcdoctor.facts"
BUILTIN_FACT_MODULES = (
    "vcdoctor.products.vcluster.scope",
    "vcdoctor.products.vcluster.facts",
    "vcdoctor.products.vcluster.tenant",
    "vcdoctor.products.kai.facts",
)


#: the type of each generic run input (engine.facts.INPUTS) a check or fact may name; products add theirs
INPUT_TYPES: Dict[str, Any] = {"target": Target, "now": datetime.datetime, "context": Optional[str]}
#: the findings the engine gives any check (could not look, crashed, ...): no check may declare their codes
ENGINE_CODES = {f.code: f for f in ENGINE_FINDINGS}

Variant = Union[Fact, SideVariant]


class RegistryError(Exception):
    """A plugin is broken; the message names it."""


def _group_entry_points(group: str) -> List[EntryPoint]:
    eps: Any = entry_points()
    if hasattr(eps, "select"):
        return list(eps.select(group=group))
    return list(eps.get(group, []))  # Python < 3.10


@dataclass(frozen=True)
class FactTable:
    """Every fact by name, and the variants some kinds of run use instead (validated: same name, same type)."""

    facts: Dict[str, Fact]
    variants: Dict[str, Tuple[Variant, ...]]

    def for_run(self, variants: Sequence[str] = ()) -> Dict[str, Fact]:
        """The facts of a run of these kinds (their variants applied in order)."""
        found = dict(self.facts)
        for name in variants:
            for variant in self.variants.get(name, ()):
                found[variant.name] = (variant if isinstance(variant, Fact)
                                       else dataclasses.replace(found[variant.name], side=variant.side))
        return found


def load_facts(eps: Optional[Iterable[EntryPoint]] = None, variants: Sequence[str] = ()) -> Dict[str, Fact]:
    """Every fact by name, as a run of the kinds ``variants`` uses them (none: a host run)."""
    return load_fact_table(eps).for_run(variants)


def load_fact_table(eps: Optional[Iterable[EntryPoint]] = None) -> FactTable:
    """The built-in modules' FACTS, then plugins'; a name given twice, a variant of no fact or of another type
    is an error."""
    groups: List[Any] = [(name, importlib.import_module(name).FACTS) for name in BUILTIN_FACT_MODULES]
    for ep in _group_entry_points(FACT_GROUP) if eps is None else eps:
        try:
            groups.append((ep.name, ep.load()))
        except Exception as exc:
            raise RegistryError(f"fact plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
    found: Dict[str, Fact] = {}
    variants: Dict[str, Dict[str, Variant]] = {}
    for origin, facts in groups:
        for fact in facts:
            if isinstance(fact, SideVariant) or (isinstance(fact, Fact) and fact.variant):
                own = variants.setdefault(fact.variant, {})
                if fact.name in own:
                    raise RegistryError(f"fact {fact.name!r} has two variants for {fact.variant!r} runs ({origin})")
                own[fact.name] = fact
                continue
            if not isinstance(fact, Fact):
                raise RegistryError(f"fact plugin {origin!r} holds a {type(fact).__name__}, not a Fact")
            if fact.name in found or fact.name in INPUTS:
                raise RegistryError(f"fact {fact.name!r} is defined twice ({origin})")
            found[fact.name] = fact
    table = FactTable(found, {name: tuple(own.values()) for name, own in variants.items()})
    _check_facts(found)
    for kind, declared in table.variants.items():
        for variant in declared:
            _check_variant(variant, found)
        _check_facts(table.for_run((kind,)))
        for variant in declared:
            _check_variant_type(variant, found)
    return table


def _check_facts(found: Dict[str, Fact]) -> None:
    for fact in found.values():
        unknown = [n for n in fact.needs + fact.later if n not in found and n not in INPUTS]
        if unknown:
            raise RegistryError(f"fact {fact.name!r} needs unknown fact(s): {', '.join(unknown)}")
    try:
        closure(found, found)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


def _check_variant(variant: Variant, found: Dict[str, Fact]) -> None:
    """A variant stands for a fact checks already name: the same name, the same type (a check's parameter is
    annotated once, whatever kind of run it is in), a side the engine knows."""
    what = f"the {variant.variant!r} variant of fact {variant.name!r}"
    if variant.name not in found:
        raise RegistryError(f"{what} replaces no fact of that name")
    if variant.side not in (HOST, VIRTUAL):
        raise RegistryError(f"{what} reads side {variant.side!r}, neither {HOST!r} nor {VIRTUAL!r}")


def _check_variant_type(variant: Variant, found: Dict[str, Fact]) -> None:
    if isinstance(variant, SideVariant):
        return  # the fact itself, read elsewhere
    what = f"the {variant.variant!r} variant of fact {variant.name!r}"
    try:
        returned, wanted = variant.returns(), found[variant.name].returns()
    except TypeError as exc:
        raise RegistryError(f"{what}: {exc}") from None
    if _shape(returned) != _shape(wanted):
        raise RegistryError(f"{what} returns {type_name(returned)}, but the fact it replaces returns "
                            f"{type_name(wanted)}")


def load_checks(eps: Optional[Iterable[EntryPoint]] = None, facts: Optional[Dict[str, Fact]] = None) -> List[Check]:
    """Every registered check, validated, in report order (built-ins first).

    A check's parameters must name known facts: a typo fails here, not in the middle of a run."""
    facts = load_facts() if facts is None else facts
    found: Dict[str, Check] = {}
    for ep in _group_entry_points(GROUP) if eps is None else eps:
        try:
            check = ep.load()
        except Exception as exc:
            raise RegistryError(f"check plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if not isinstance(check, Check):
            raise RegistryError(f"check plugin {ep.name!r} ({ep.value}) is a {type(check).__name__}, not a Check")
        problems = check.problems()
        if not problems:
            for name in check.needs:
                if name not in facts and name not in INPUTS:
                    near = difflib.get_close_matches(name, list(facts) + list(INPUTS), 1)
                    problems.append(f"check {check.id!r} asks for unknown fact {name!r}"
                                    + (f" (did you mean {near[0]!r}?)" if near else ""))
        if not problems:
            problems += type_problems(check, facts) + undeclared_findings(check)
        if check.id != ep.name:
            problems.append(f"entry point {ep.name!r} does not match check id {check.id!r}")
        if check.id in found:
            problems.append(f"check id {check.id!r} is registered twice")
        if problems:
            raise RegistryError("; ".join(problems))
        found[check.id] = check
    if not found:
        raise RegistryError("no checks registered: vcdoctor is not installed (run: pip install .)")
    _refuse_duplicate_codes(found)
    _refuse_cycles(found)
    return sorted(found.values(), key=lambda c: (c.order, c.id))


def type_problems(check: Check, facts: Dict[str, Fact]) -> List[str]:
    """Each parameter of ``run`` must be annotated with the type its fact's compute returns (or the input's type),
    as pluggy checks a hook implementation's arguments at registration: a mismatch fails at load, naming the check
    and the parameter, not in the middle of a run (and mypy then holds every check's body to that type)."""
    try:
        annotations = typing.get_type_hints(check.run)
    except Exception as exc:  # a name the annotations use is not importable in the check's module
        return [f"check {check.id!r}: the annotations of run do not resolve ({exc})"]
    found = []
    inputs = input_types()
    for name in check.needs:
        try:
            wanted = inputs[name] if name in INPUTS else facts[name].returns()
        except TypeError as exc:
            found.append(f"check {check.id!r} parameter {name!r}: {exc}")
            continue
        if name not in annotations:
            found.append(f"check {check.id!r} parameter {name!r} has no annotation: annotate it "
                         f"{type_name(wanted)} (the type of {'input' if name in INPUTS else 'fact'} {name!r})")
        elif not fits(annotations[name], wanted):
            found.append(f"check {check.id!r} parameter {name!r} is annotated {type_name(annotations[name])}, "
                         f"but {'input' if name in INPUTS else 'fact'} {name!r} is {type_name(wanted)}")
    return found


def input_types() -> Dict[str, Any]:
    """The type of every run input: the generic ones, and those the products describe."""
    return {**contributions.input_types(), **INPUT_TYPES}


def fits(annotation: Any, returned: Any) -> bool:
    """Whether a parameter annotated ``annotation`` takes a value of type ``returned``: the same type (typing's
    and the builtins' spellings alike, a Union in any order), or a base class of a plain class. Never Any: that
    would leave the body unchecked."""
    if annotation is Any:
        return False
    plain = [t for t in (annotation, returned) if isinstance(t, type) and typing.get_origin(t) is None]
    if len(plain) == 2:
        return issubclass(returned, annotation)
    return _shape(annotation) == _shape(returned)


def _shape(annotation: Any) -> Any:
    """A comparable form of a type: Tuple[X, ...] and tuple[X, ...] alike, Optional[X] as Union[X, None]."""
    if isinstance(annotation, list):  # the parameters of a Callable
        return tuple(_shape(a) for a in annotation)
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    args = typing.get_args(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        return (Union, frozenset(_shape(a) for a in args))
    return (origin, tuple(_shape(a) for a in args))


def type_name(annotation: Any) -> str:
    """A type as it is written in a check (Tuple[VCluster, ...], not its module path)."""
    text = annotation.__qualname__ if isinstance(annotation, type) else repr(annotation)
    return re.sub(r"(?:\b[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def undeclared_findings(check: Check) -> List[str]:
    """A finding (or a ready-made verdict with a code) defined in the check's module that the check does not
    declare: the check could return it, so it must be on the Check, where docs, explain and --ignore see it. The
    runner catches the rest at run time (a verdict with an undeclared code is an error naming the bug)."""
    module = sys.modules.get(getattr(check.run, "__module__", "") or "")
    declared = set(check.codes)
    found = []
    for name, value in sorted(vars(module).items()) if module is not None else ():
        code = value.code if isinstance(value, (Finding, Verdict)) else None
        if code is not None and code not in declared and code not in ENGINE_CODES:
            found.append(f"check {check.id!r} can return finding {code} ({name}) but does not declare it in "
                         f"Check(findings=...)")
    return found



def _refuse_duplicate_codes(checks: Dict[str, Check]) -> None:
    """A code means one thing: two checks may declare it only as the same shared finding (the rows every vCluster
    check gives), and no check may declare one of the engine's codes."""
    owners: Dict[str, List[Tuple[str, Finding]]] = {}
    for check in checks.values():
        for finding in check.findings:
            owners.setdefault(finding.code, []).append((check.id, finding))
    for code, declared in sorted(owners.items()):
        if code in ENGINE_CODES:
            raise RegistryError(f"check {declared[0][0]!r} declares finding {code}, which vcdoctor's engine gives "
                                f"({ENGINE_CODES[code].title}): choose another code")
        first = declared[0][1]
        if len(declared) > 1 and not all(f.shared and f == first for _, f in declared):
            raise RegistryError(f"finding code {code} is declared by several checks: "
                                f"{', '.join(i for i, _ in declared)}; each code must be unique")


def findings_by_code(checks: Iterable[Check]) -> Dict[str, Tuple[Finding, Tuple[str, ...]]]:
    """Every finding a run can give: the engine's (any check) and each check's, with the checks that declare it."""
    found: Dict[str, Tuple[Finding, Tuple[str, ...]]] = {f.code: (f, ()) for f in ENGINE_FINDINGS}
    for check in checks:
        for finding in check.findings:
            found[finding.code] = (finding, found.get(finding.code, (finding, ()))[1] + (check.id,))
    return dict(sorted(found.items()))


def _refuse_cycles(checks: Dict[str, Check]) -> None:
    """`after` links must form a chain, not a loop (a loop would make the runner wait forever)."""
    for start in checks.values():
        seen, todo = set(), list(start.after)
        while todo:
            dep = todo.pop()
            if dep == start.id:
                raise RegistryError(f"check {start.id!r} depends on itself through its 'after' links")
            if dep in checks and dep not in seen:
                seen.add(dep)
                todo.extend(checks[dep].after)


def select_checks(checks: List[Check], only: Iterable[str] = (), skipped: Iterable[str] = ()) -> List[Check]:
    """--check ID keeps only those; --skip-check ID leaves those out (each also as a comma-separated list).
    Unknown ids are an error that suggests the closest known one."""
    only, skipped = _ids(only), _ids(skipped)
    known = [c.id for c in checks]
    unknown = [w for w in only + skipped if w not in known]
    if unknown:
        hints = []
        for word in unknown:
            near = difflib.get_close_matches(word, known, 1, 0.5)
            hints.append(f"{word!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        raise RegistryError(f"unknown check id(s): {', '.join(hints)}; `vcdoctor checks` lists them")
    return [c for c in checks if (not only or c.id in only) and c.id not in skipped]


def _ids(words: Iterable[str]) -> List[str]:
    return [part.strip() for word in words for part in str(word).split(",") if part.strip()]
