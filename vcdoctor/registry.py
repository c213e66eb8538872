"""Discovers checks (entry-point group ``vcdoctor.checks``) and the facts they name, and validates both at load."""

from __future__ import annotations

import difflib
import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Dict, Iterable, List, Optional

from vcdoctor.engine.facts import INPUTS, Fact, closure
from vcdoctor.model import Check

GROUP = "vcdoctor.checks"
#: plugins add facts here (each entry point names a tuple of Fact); built-ins are listed below, explicitly
FACT_GROUP = "vcdoctor.facts"
BUILTIN_FACT_MODULES = (
    "vcdoctor.scope",
    "vcdoctor.products.vcluster.facts",
    "vcdoctor.products.kai.facts",
)


class RegistryError(Exception):
    """A plugin is broken; the message names it."""


def _group_entry_points(group: str) -> List[EntryPoint]:
    eps: Any = entry_points()
    if hasattr(eps, "select"):
        return list(eps.select(group=group))
    return list(eps.get(group, []))  # Python < 3.10


def load_facts(eps: Optional[Iterable[EntryPoint]] = None) -> Dict[str, Fact]:
    """Every fact by name: the built-in modules' FACTS, then plugins'; a name given twice is an error."""
    groups: List[Any] = [(name, importlib.import_module(name).FACTS) for name in BUILTIN_FACT_MODULES]
    for ep in _group_entry_points(FACT_GROUP) if eps is None else eps:
        try:
            groups.append((ep.name, ep.load()))
        except Exception as exc:
            raise RegistryError(f"fact plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
    found: Dict[str, Fact] = {}
    for origin, facts in groups:
        for fact in facts:
            if not isinstance(fact, Fact):
                raise RegistryError(f"fact plugin {origin!r} holds a {type(fact).__name__}, not a Fact")
            if fact.name in found or fact.name in INPUTS:
                raise RegistryError(f"fact {fact.name!r} is defined twice ({origin})")
            found[fact.name] = fact
    for fact in found.values():
        unknown = [n for n in fact.needs + fact.later if n not in found and n not in INPUTS]
        if unknown:
            raise RegistryError(f"fact {fact.name!r} needs unknown fact(s): {', '.join(unknown)}")
    try:
        closure(found, found)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    return found


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
        if check.id != ep.name:
            problems.append(f"entry point {ep.name!r} does not match check id {check.id!r}")
        if check.id in found:
            problems.append(f"check id {check.id!r} is registered twice")
        if problems:
            raise RegistryError("; ".join(problems))
        found[check.id] = check
    if not found:
        raise RegistryError("no checks registered: vcdoctor is not installed (run: pip install .)")
    _refuse_cycles(found)
    return sorted(found.values(), key=lambda c: (c.order, c.id))


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
