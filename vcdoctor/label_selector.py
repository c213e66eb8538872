"""kubectl's -l/--selector: parse a label selector once and match pods' labels against it client-side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Mapping, Tuple

# a qualified label key (optional DNS prefix) and a label value, as apimachinery validates them
_KEY = re.compile(r"(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_VALUE = re.compile(r"(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_SET = re.compile(r"\s*(!?)\s*([^\s!=(),]+)(?:\s*(==|=|!=)\s*([^\s,()]*)|\s+(in|notin)\s*\(([^()]*)\))?\s*")


class SelectorError(ValueError):
    """The selector is not kubectl's syntax (a usage error)."""


@dataclass(frozen=True)
class Requirement:
    key: str
    #: "=", "!=", "in", "notin", "exists", "!"
    operator: str
    values: FrozenSet[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values  # != and notin match a missing key


@dataclass(frozen=True)
class Selector:
    text: str
    requirements: Tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(req.matches(labels) for req in self.requirements)


def parse(text: str) -> Selector:
    """`app=x,tier!=db,env in (a,b),!legacy,gpu` -> Selector; SelectorError names the part it cannot read."""
    if not text.strip():
        raise SelectorError("the selector is empty")
    requirements = []
    for part in _split(text):
        found = _SET.fullmatch(part)
        if not found or (found.group(1) and (found.group(3) or found.group(5))):
            raise SelectorError(f"cannot read {part.strip()!r} in selector {text!r}")
        negated, key, op, value, set_op, members = found.groups()
        if not _KEY.fullmatch(key):
            raise SelectorError(f"{key!r} in selector {text!r} is not a label key")
        if op:
            values = frozenset([value])
            operator = "!=" if op == "!=" else "="
        elif set_op:
            values = frozenset(v.strip() for v in members.split(","))
            operator = set_op
        else:
            values, operator = frozenset(), "!" if negated else "exists"
        bad = sorted(v for v in values if not _VALUE.fullmatch(v))
        if bad:
            raise SelectorError(f"{bad[0]!r} in selector {text!r} is not a label value")
        requirements.append(Requirement(key, operator, values))
    return Selector(text, tuple(requirements))


def _split(text: str) -> Tuple[str, ...]:
    """Split on the commas outside `in (...)` sets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        if depth not in (0, 1):
            raise SelectorError(f"unbalanced parentheses in selector {text!r}")
    if depth:
        raise SelectorError(f"unbalanced parentheses in selector {text!r}")
    parts.append(text[start:])
    return tuple(parts)
