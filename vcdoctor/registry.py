"""Discovers checks through the ``vcdoctor.checks`` entry-point group and validates them."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Dict, Iterable, List

from vcdoctor.model import Check

GROUP = "vcdoctor.checks"


class RegistryError(Exception):
    """A plugin is broken; the message names it."""


def _group_entry_points():
    eps = entry_points()
    if hasattr(eps, "select"):
        return list(eps.select(group=GROUP))
    return list(eps.get(GROUP, []))  # Python < 3.10


def load_checks(eps: Iterable = None) -> List[Check]:
    """Every registered check, validated, in report order (built-ins first)."""
    found: Dict[str, Check] = {}
    for ep in _group_entry_points() if eps is None else eps:
        try:
            check = ep.load()
        except Exception as exc:
            raise RegistryError(f"check plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if not isinstance(check, Check):
            raise RegistryError(f"check plugin {ep.name!r} ({ep.value}) is a {type(check).__name__}, not a Check")
        problems = check.problems()
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
    """--check ID keeps only those; --skip-check ID leaves those out. Unknown ids are an error."""
    only, skipped = list(only), list(skipped)
    known = {c.id for c in checks}
    unknown = [w for w in only + skipped if w not in known]
    if unknown:
        raise RegistryError(f"unknown check id(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [c for c in checks if (not only or c.id in only) and c.id not in skipped]
