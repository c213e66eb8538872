"""Compare two reports (or fleets) check by check: what changed status, appeared or disappeared."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from vcdoctor.render import inert

#: how bad a status is for "did it get worse?": skip and pass are both fine (a check that passes once the thing
#: it examines exists is not a regression, nor one that finds nothing left to examine)
RANK = {"skip": 0, "pass": 0, "warn": 2, "error": 3, "fail": 4}


@dataclass(frozen=True)
class CheckChange:
    """One check present in both reports whose status differs."""

    context: str | None
    check: str
    old: str
    new: str

    @property
    def worse(self) -> bool:
        return RANK.get(self.new, 0) > RANK.get(self.old, 0)


@dataclass(frozen=True)
class CheckPresence:
    """A check only one of the two reports has, with its status there."""

    context: str | None
    check: str
    status: str


@dataclass(frozen=True)
class ReportDiff:
    """What changed from the old report to the new one; every tuple is sorted by context, check."""

    changed: tuple[CheckChange, ...]
    appeared: tuple[CheckPresence, ...]
    disappeared: tuple[CheckPresence, ...]
    #: a check's status got worse than pass or skip allow, or a check appeared with a warn, error or fail
    worse: bool

    @property
    def empty(self) -> bool:
        return not (self.changed or self.appeared or self.disappeared)


def _statuses(document: dict, by_context: bool) -> dict[tuple[str | None, str], str]:
    """(context, check id) -> status.

    Two single reports are compared check by check whatever their contexts (the same cluster seen
    through two kubeconfigs is still the same run); next to a fleet a report counts as its context.
    """
    if document.get("kind") == "fleet":
        reports = list(document.get("reports") or [])
    else:
        reports = [document]
    pairs = [((r.get("cluster") or {}).get("context") if by_context else None, r) for r in reports]
    return {(context, check["id"]): check["status"]
            for context, report in pairs for check in report.get("checks") or []}


#: what makes two reports comparable: the same cluster and the same scope
SCOPE_KEYS = ("namespace", "pod", "selector", "vcluster", "vcluster_namespace")


def _identity(report: dict) -> tuple:
    cluster = report["cluster"] if isinstance(report.get("cluster"), dict) else {}
    target = report["target"] if isinstance(report.get("target"), dict) else {}
    if report.get("kind") == "fleet":
        return ("fleet", tuple(sorted(str(_identity(r)) for r in report.get("reports") or [])))
    return (cluster.get("server") or cluster.get("context"), tuple(target.get(k) for k in SCOPE_KEYS))


def read_pair(old_file: Any, new_file: Any, force: bool = False) -> "ReportDiff":
    """Two saved reports, decoded as untrusted input and compared; ValueError says why they cannot be: not
    reports, or reports of different clusters or scopes (a "better" there would mean nothing) unless ``force``."""
    from vcdoctor.json_input import decode

    try:
        old, new = decode(old_file.read()), decode(new_file.read())
    except ValueError as exc:
        raise ValueError(f"not two vcdoctor JSON reports: {exc}") from None
    try:
        if not force and _identity(old) != _identity(new):
            raise ValueError(f"{getattr(old_file, 'name', 'the first')} and {getattr(new_file, 'name', 'the second')} "
                             f"are reports of different clusters or scopes ({_identity(old)} and {_identity(new)}); "
                             f"--force compares them anyway")
        return diff_reports(old, new)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not two vcdoctor JSON reports: {exc}") from None


def diff_reports(old: dict, new: dict) -> ReportDiff:
    """The differences between two reports, or two fleet envelopes (keyed by context and check id)."""
    by_context = "fleet" in (old.get("kind"), new.get("kind"))
    before, after = _statuses(old, by_context), _statuses(new, by_context)

    def order(key: tuple[str | None, str]) -> tuple[str, str]:
        return (key[0] or "", key[1])

    changed = tuple(CheckChange(k[0], k[1], before[k], after[k])
                    for k in sorted(before.keys() & after.keys(), key=order) if before[k] != after[k])
    appeared = tuple(CheckPresence(k[0], k[1], after[k]) for k in sorted(after.keys() - before.keys(), key=order))
    disappeared = tuple(CheckPresence(k[0], k[1], before[k])
                        for k in sorted(before.keys() - after.keys(), key=order))
    worse = any(c.worse for c in changed) or any(RANK.get(a.status, 0) > 0 for a in appeared)
    return ReportDiff(changed, appeared, disappeared, worse)


def render_diff(diff: ReportDiff, output: str = "table") -> str:
    """The diff as text for a terminal ("table") or as one JSON document ("json")."""
    if output == "json":
        return json.dumps({**asdict(diff), "changed": [{**asdict(c), "worse": c.worse} for c in diff.changed]},
                          indent=2)
    if output != "table":
        raise ValueError(f"render_diff output must be table or json, not {output!r}")
    if diff.empty:
        return "No change: every check has the status it had."

    def name(context: str | None, check: str) -> str:
        # contexts and ids came from report files: sanitised before they reach the terminal
        return f"{inert.one_line(context)}/{inert.one_line(check)}" if context else inert.one_line(check)

    lines = []
    for change in diff.changed:
        trend = "worse" if change.worse else "better"
        lines.append(f"{trend:<7} {name(change.context, change.check)}: "
                     f"{inert.one_line(change.old)} -> {inert.one_line(change.new)}")
    for presence in diff.appeared:
        lines.append(f"{'new':<7} {name(presence.context, presence.check)}: {inert.one_line(presence.status)}")
    for presence in diff.disappeared:
        lines.append(f"{'gone':<7} {name(presence.context, presence.check)}: was {inert.one_line(presence.status)}")
    lines += ["", "Worse than before." if diff.worse else "Not worse than before."]
    return "\n".join(lines)
