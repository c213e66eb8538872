"""Compare two reports (or fleets) check by check, and within a check finding by finding (code and object): what
changed status, appeared or disappeared."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Optional, Tuple

from vcdoctor.render import inert

#: how bad a status is for "did it get worse?": skip and pass are both fine (a check that passes once the thing
#: it examines exists is not a regression, nor one that finds nothing left to examine)
RANK = {"skip": 0, "pass": 0, "ignored": 0, "warn": 2, "error": 3, "fail": 4}


class _StatusChange:
    """A status that went from ``old`` to ``new``: worse when it ranks higher."""

    old: str
    new: str

    @property
    def worse(self) -> bool:
        return RANK.get(self.new, 0) > RANK.get(self.old, 0)


@dataclass(frozen=True)
class CheckChange(_StatusChange):
    """One check present in both reports whose status differs."""

    context: str | None
    check: str
    old: str
    new: str


@dataclass(frozen=True)
class CheckPresence:
    """A check only one of the two reports has, with its status there."""

    context: str | None
    check: str
    status: str


@dataclass(frozen=True)
class FindingChange(_StatusChange):
    """One finding (a code on an object) in both reports whose status differs (``ignored`` when accepted)."""

    context: str | None
    check: str
    code: str
    object: str
    old: str
    new: str


@dataclass(frozen=True)
class FindingPresence:
    """A finding (a code on an object; "" for none named) only one report has, of a check both reports ran."""

    context: str | None
    check: str
    code: str
    object: str
    status: str


@dataclass(frozen=True)
class ReportDiff:
    """What changed from the old report to the new one; every tuple is sorted by context, check (then code and
    object)."""

    changed: tuple[CheckChange, ...]
    appeared: tuple[CheckPresence, ...]
    disappeared: tuple[CheckPresence, ...]
    #: a check's status got worse than pass or skip allow, a check appeared with a warn, error or fail, or a
    #: finding did (a new queue missing, where another was missing before, is worse though the status is the same)
    worse: bool
    findings_changed: tuple[FindingChange, ...] = ()
    findings_appeared: tuple[FindingPresence, ...] = ()
    findings_disappeared: tuple[FindingPresence, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.changed or self.appeared or self.disappeared or self.findings_changed
                    or self.findings_appeared or self.findings_disappeared)


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
    # a result whose findings were all accepted reads "ignored": accepting a finding is not getting worse
    return {(context, check["id"]): "ignored" if check.get("ignored") is True else check["status"]
            for context, report in pairs for check in report.get("checks") or []}


#: (context, check id, code, object)
FindingKey = Tuple[Optional[str], str, str, str]


def _findings(document: dict, by_context: bool) -> dict[FindingKey, str]:
    """(context, check id, code, object) -> status (``ignored`` when accepted), one key per object a finding names
    (object "" when it names none). A report made before codes has none: it is compared check by check only."""
    reports = list(document.get("reports") or []) if document.get("kind") == "fleet" else [document]
    found: dict[FindingKey, str] = {}
    for report in reports:
        context = (report.get("cluster") or {}).get("context") if by_context else None
        for check in report.get("checks") or []:
            for finding in check.get("findings") or []:
                status = "ignored" if finding.get("ignored") is True else str(finding.get("status"))
                for obj in finding.get("objects") or [""]:
                    found[(context, check["id"], str(finding.get("code")), str(obj))] = status
    return found


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
    # findings are compared within the checks both reports ran (a check that came or went is said above)
    both = before.keys() & after.keys()
    old_found = {k: v for k, v in _findings(old, by_context).items() if k[:2] in both}
    new_found = {k: v for k, v in _findings(new, by_context).items() if k[:2] in both}

    def key(k: FindingKey) -> tuple[str, str, str, str]:
        return (k[0] or "", k[1], k[2], k[3])

    findings_changed = tuple(FindingChange(*k, old_found[k], new_found[k])
                             for k in sorted(old_found.keys() & new_found.keys(), key=key)
                             if old_found[k] != new_found[k])
    findings_appeared = tuple(FindingPresence(*k, new_found[k])
                              for k in sorted(new_found.keys() - old_found.keys(), key=key))
    findings_disappeared = tuple(FindingPresence(*k, old_found[k])
                                 for k in sorted(old_found.keys() - new_found.keys(), key=key))
    worse = (any(c.worse for c in changed) or any(RANK.get(a.status, 0) > 0 for a in appeared)
             or any(c.worse for c in findings_changed) or any(RANK.get(a.status, 0) > 0 for a in findings_appeared))
    return ReportDiff(changed, appeared, disappeared, worse, findings_changed, findings_appeared, findings_disappeared)


def render_diff(diff: ReportDiff, output: str = "table") -> str:
    """The diff as text for a terminal ("table") or as one JSON document ("json")."""
    if output == "json":
        return json.dumps({**asdict(diff), "changed": [{**asdict(c), "worse": c.worse} for c in diff.changed],
                           "findings_changed": [{**asdict(c), "worse": c.worse} for c in diff.findings_changed]},
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

    def finding(found: FindingChange | FindingPresence) -> str:
        on = f" on {inert.one_line(found.object)}" if found.object else ""
        return f"{name(found.context, found.check)} {inert.one_line(found.code)}{on}"

    for fchange in diff.findings_changed:
        trend = "worse" if fchange.worse else "better"
        lines.append(f"{trend:<7} {finding(fchange)}: {inert.one_line(fchange.old)} -> {inert.one_line(fchange.new)}")
    for fpresence in diff.findings_appeared:
        lines.append(f"{'new':<7} {finding(fpresence)}: {inert.one_line(fpresence.status)}")
    for fpresence in diff.findings_disappeared:
        lines.append(f"{'gone':<7} {finding(fpresence)}: was {inert.one_line(fpresence.status)}")
    lines += ["", "Worse than before." if diff.worse else "Not worse than before."]
    return "\n".join(lines)
