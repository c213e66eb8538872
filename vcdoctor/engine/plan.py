"""One plan per run: selected checks -> the facts they name -> the reads, permissions and prefetch that follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from vcdoctor.engine.facts import Fact, Read, closure
from vcdoctor.model import Check

#: Target options that are flags a user adds on purpose (their reads are not part of the default access)
OPT_IN = ("helm_release",)


@dataclass(frozen=True)
class Permission:
    """An RBAC permission the plan needs, and the checks that need it (reported when it is missing)."""

    verb: str
    group: str
    #: resource, or resource/subresource
    resource: str
    needed_by: Tuple[str, ...] = ()
    #: every read behind it is optional: a verdict is still given without it, less precise
    optional: bool = False
    #: every read behind it happens only with a flag the user adds (--read-helm-release)
    opt_in: bool = False

    @property
    def display(self) -> str:
        return f"{self.verb} {self.resource}.{self.group}" if self.group else f"{self.verb} {self.resource}"


@dataclass(frozen=True)
class Plan:
    checks: Tuple[Check, ...]
    #: every fact the checks reach at once, dependencies first: what a run prefetches (not facts asked later)
    facts: Tuple[str, ...]
    #: check id -> the reads its facts may make
    reads: Mapping[str, Tuple[Read, ...]]

    def permissions(self) -> Tuple[Permission, ...]:
        """Each permission once, in a stable order, with the checks that need it."""
        needed: Dict[Tuple[str, str, str], List[str]] = {}
        wanted, always = set(), set()
        for check in self.checks:
            for read in self.reads[check.id]:
                users = needed.setdefault(read.rbac, [])
                if check.id not in users:
                    users.append(check.id)
                if not read.optional:
                    wanted.add(read.rbac)
                if read.option not in OPT_IN:
                    always.add(read.rbac)
        return tuple(Permission(verb, group, resource, tuple(users), (verb, group, resource) not in wanted,
                                (verb, group, resource) not in always)
                     for (verb, group, resource), users in sorted(needed.items()))


def reads_of(check: Check, facts: Mapping[str, Fact], target: Any = None) -> Tuple[Read, ...]:
    """Every read the facts of ``check`` may make (their dependencies included), each once; with a target, only
    the reads its options allow (without one: every read any option could add)."""
    found: Dict[Read, None] = {}
    for name in closure(check.needs, facts):
        for read in facts[name].reads:
            if target is None or read.option is None or getattr(target, read.option, None):
                found[read] = None
    return tuple(found)


def make_plan(checks: Sequence[Check], facts: Mapping[str, Fact], target: Any = None) -> Plan:
    needs = [name for check in checks for name in check.needs]
    return Plan(tuple(checks), closure(needs, facts, later=False),
                {c.id: reads_of(c, facts, target) for c in checks})
