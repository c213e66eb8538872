"""The result model: statuses, verdicts a check returns and the rows a report holds."""

from __future__ import annotations

import enum
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple


class Status(str, enum.Enum):
    """Outcome of one check."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    #: Not applicable here; the message says why.
    SKIP = "skip"
    #: Could not evaluate (forbidden, timeout, API error, malformed input).
    ERROR = "error"


#: How much a status weighs when several findings are folded into one verdict.
STATUS_RANK = {Status.SKIP: 0, Status.PASS: 1, Status.WARN: 2, Status.ERROR: 3, Status.FAIL: 4}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=STATUS_RANK.__getitem__, default=Status.SKIP)


class FailOn(str, enum.Enum):
    """--fail-on: which results make the exit code FINDINGS (and JUnit's failures)."""

    FAIL = "fail"
    WARN = "warn"
    NEVER = "never"

    @property
    def failing(self) -> Tuple[Status, ...]:
        """The statuses that fail a run (fail includes error: a check that could not look is no pass)."""
        return {FailOn.FAIL: (Status.FAIL, Status.ERROR), FailOn.WARN: (Status.FAIL, Status.ERROR, Status.WARN),
                FailOn.NEVER: ()}[self]


class Severity(str, enum.Enum):
    """How much a failure of the check hurts scheduling."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class ExitCode(enum.IntEnum):
    """Process exit codes of ``vcdoctor``."""

    #: No check failed or errored.
    OK = 0
    #: At least one check ended ``fail`` or ``error``.
    FINDINGS = 1
    #: Bad flag, unknown --vcluster, pod not found.
    USAGE = 2
    #: Kubeconfig missing/invalid, cluster unreachable, credentials or an answer refused.
    CLUSTER = 3
    #: vcdoctor itself crashed (a bug, not a finding about the cluster), as pytest's INTERNAL_ERROR.
    INTERNAL_ERROR = 4
    #: Ctrl-C (128 + SIGINT); the report holds what finished.
    INTERRUPTED = 130


class ErrorCode(str, enum.Enum):
    """Why a run produced no check results (``error.code`` in the JSON report)."""

    USAGE = "usage"
    KUBECONFIG = "kubeconfig"
    UNREACHABLE = "unreachable"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not-found"
    FORBIDDEN = "forbidden"
    API_ERROR = "api-error"
    NOT_IN_SNAPSHOT = "not-in-snapshot"
    #: the server's answer broke a bound vcdoctor keeps (a bomb, an endless body or list, deep nesting)
    REFUSED_ANSWER = "refused-answer"
    INTERRUPTED = "interrupted"
    #: vcdoctor crashed (exit code INTERNAL_ERROR)
    INTERNAL_ERROR = "internal-error"


@dataclass(frozen=True)
class Evidence:
    """One thing a check saw: the object it looked at and what it found there."""

    subject: str
    observation: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"subject": self.subject, "observation": self.observation}
        if self.data:
            out["data"] = dict(self.data)
        return out


@dataclass(frozen=True)
class Fix:
    """The remediation as a bash script that runs as-is against ``context`` (built by vcdoctor.remedy)."""

    script: str
    #: the kube context every command of the script names
    context: Optional[str]
    #: the typed steps (vcdoctor.remedy.steps) the script was rendered from; the run's remedy merges them
    steps: Tuple[Any, ...] = field(default=(), compare=False)

    def to_dict(self) -> Dict[str, Any]:
        return {"script": self.script, "context": self.context}


@dataclass(frozen=True)
class Verdict:
    """What a check function returns: the remediation explains, the fix (when there is one) applies it.

    A non-pass verdict carries the ``code`` of the :class:`Finding` it is (built with ``Finding.verdict``) and the
    ``objects`` it concerns (``namespace/name``, or a cluster-scoped name): what ``--ignore CODE:OBJECT`` matches.
    A verdict folded from several (one per vCluster) keeps the non-pass ones as ``parts``."""

    status: Status
    message: str
    evidence: Tuple[Evidence, ...] = ()
    remediation: Optional[str] = None
    fix: Optional[Fix] = None
    code: Optional[str] = None
    objects: Tuple[str, ...] = ()
    parts: Tuple["Verdict", ...] = ()

    def occurrences(self) -> Tuple["Occurrence", ...]:
        """Each finding this verdict reports: its parts', or its own (none for a pass)."""
        if self.parts:
            return tuple(o for part in self.parts for o in part.occurrences())
        if self.status is Status.PASS or self.code is None:
            return ()
        return (Occurrence(self.code, self.status, self.objects, self.message),)


#: a finding's code: letters then digits, as flake8's (built-ins: VCD and three digits; docs/checks.md#finding-codes)
FINDING_CODE = re.compile(r"^[A-Z]{2,8}[0-9]{2,5}$")


@dataclass(frozen=True)
class Finding:
    """One non-pass result a check can give, declared as data beside the check (as popeye's and flake8's codes):
    a stable ``code`` that --ignore, SARIF rules, ``diff`` and ``vcdoctor explain CODE`` key on, the ``status`` it
    carries, a ``title`` saying when it is given, and the ``remediation`` a verdict of it gets unless the check
    words its own for the case (``{name}`` fields are filled from the keywords of :meth:`verdict`)."""

    code: str
    status: Status
    title: str
    remediation: str
    #: the same finding declared by several checks (the rows every vCluster check shares): not a duplicate code
    shared: bool = False

    def verdict(self, message: str, evidence: Iterable[Evidence] = (), remediation: Optional[str] = None,
                fix: Optional[Fix] = None, objects: Iterable[str] = (), **fields: Any) -> Verdict:
        """A verdict of this finding: its status and code, the check's remediation or the template filled."""
        text = remediation if remediation is not None else self.remediation.format(**fields) if fields \
            else self.remediation
        return Verdict(self.status, message, tuple(evidence), text, fix, self.code, tuple(objects))

    def problems(self, owner: str) -> List[str]:
        found = []
        if not isinstance(self.code, str) or not FINDING_CODE.match(self.code):
            found.append(f"{owner}: finding code {self.code!r} is not letters then digits (e.g. VCD101)")
        if not isinstance(self.status, Status) or self.status is Status.PASS:
            found.append(f"{owner}: finding {self.code!r} has status {self.status!r}; a finding is warn, fail, "
                         f"skip or error")
        if not (self.title or "").strip():
            found.append(f"{owner}: finding {self.code!r} has no title")
        if not (self.remediation or "").strip():
            found.append(f"{owner}: finding {self.code!r} has no remediation")
        return found


@dataclass(frozen=True)
class Occurrence:
    """One finding as a run reported it: which code, on which objects, and whether the user accepted it."""

    code: str
    status: Status
    objects: Tuple[str, ...]
    message: str
    ignored: bool = False
    #: what the code means (its Finding's title): a saved report explains itself
    title: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {"code": self.code, "status": self.status.value, "title": self.title,
                **listed_objects(self.objects), "message": self.message, "ignored": self.ignored}


#: a report lists this many objects per finding: thousands of pods with one problem would otherwise make the
#: report a ticket carries megabytes of names; the count of the rest is kept
OBJECTS_LISTED = 100


def listed_objects(objects: Tuple[str, ...]) -> Dict[str, Any]:
    """The ``objects`` of a report entry, cut at OBJECTS_LISTED, and ``objects_more`` saying how many were cut."""
    out: Dict[str, Any] = {"objects": list(objects[:OBJECTS_LISTED])}
    if len(objects) > OBJECTS_LISTED:
        out["objects_more"] = len(objects) - OBJECTS_LISTED
    return out


CHECK_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: the published docs/checks.md; a check links to its section (the anchor is the check id)
DOCS_BASE = "https://github.com/vcdoctor/vcdoctor/blob/main/docs/checks.md"


@dataclass(frozen=True)
class Check:
    """A registered check: stable id, metadata and the pure function that evaluates it.

    ``run`` names the facts it needs as its parameters (``def run(scope, kai_pods)``), as flake8 hands a
    checker what its signature asks for; it returns a :class:`Verdict` and has no other way to the cluster.
    What it reads, the permissions it needs and what a snapshot keeps for it all follow from those names.
    """

    id: str
    title: str
    severity: Severity
    run: Callable[..., Verdict]
    #: Position in reports; built-ins use 10, 20, ...; plugins default after them.
    order: int = 1000
    docs_url: Optional[str] = None
    #: ids of the earlier links in the "why is this pod Pending?" chain; when one of them fails for
    #: a --pod target, this check is skipped as "blocked by <id>" instead of piling up failures
    after: Tuple[str, ...] = ()
    #: every non-pass result ``run`` can give, as data (docs/checks.md's verdict tables are generated from it);
    #: the engine's own findings (could not look, crashed, ...) come on top, undeclared
    findings: Tuple[Finding, ...] = ()
    #: when the check passes, one line each (the pass rows of the docs' verdict table)
    passes: Tuple[str, ...] = ()
    #: what it verifies, in one sentence for the README's checks table (default: the title)
    summary: str = ""

    @property
    def verifies(self) -> str:
        return self.summary or self.title.removeprefix("expected: ")

    @property
    def codes(self) -> Dict[str, Finding]:
        return {f.code: f for f in self.findings}

    @property
    def needs(self) -> Tuple[str, ...]:
        """The facts ``run`` asks for, by parameter name."""
        return tuple(inspect.signature(self.run).parameters)

    def problems(self) -> List[str]:
        """Metadata errors, each naming the offending check (empty when valid)."""
        found = []
        if not CHECK_ID.match(self.id or ""):
            found.append(f"check id {self.id!r} is not lowercase kebab-case")
        if not (self.title or "").strip():
            found.append(f"check {self.id!r} has no title")
        if not isinstance(self.severity, Severity):
            found.append(f"check {self.id!r} has severity {self.severity!r}, not a Severity")
        if not callable(self.run):
            found.append(f"check {self.id!r} has no callable run")
        else:
            kinds = {p.kind for p in inspect.signature(self.run).parameters.values()}
            if kinds - {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}:
                found.append(f"check {self.id!r}: run may take only named parameters (the facts it needs)")
        seen = set()
        for finding in self.findings:
            if not isinstance(finding, Finding):
                found.append(f"check {self.id!r} declares a {type(finding).__name__} among its findings")
                continue
            found += finding.problems(f"check {self.id!r}")
            if finding.code in seen:
                found.append(f"check {self.id!r} declares finding {finding.code!r} twice")
            seen.add(finding.code)
        return found


@dataclass(frozen=True)
class CheckResult:
    """One row of the report."""

    id: str
    title: str
    severity: Severity
    status: Status
    message: str
    evidence: Tuple[Evidence, ...]
    remediation: Optional[str]
    docs_url: Optional[str]
    duration_ms: int
    fix: Optional[Fix] = None
    #: the leading finding's code (None for a pass) and the objects the findings concern
    code: Optional[str] = None
    objects: Tuple[str, ...] = ()
    findings: Tuple[Occurrence, ...] = ()
    #: every finding of this result was accepted (--ignore, .vcdoctor.yaml): shown, but it decides no exit code
    #: and its remedy steps are left out
    ignored: bool = False

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
            "docs_url": self.docs_url,
            "duration_ms": self.duration_ms,
        }
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        if self.code is not None:
            out["code"] = self.code
            out.update(listed_objects(self.objects))
            out["findings"] = [o.to_dict() for o in self.findings]
        out["ignored"] = self.ignored
        return out
