"""One remedy per run: the steps of every failing check merged by what they change, ordered, rendered as one script."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from vcdoctor.model import CheckResult, Fix, Status
from vcdoctor.remedy.script import Script, prose, usable
from vcdoctor.remedy.steps import Step

#: the statuses a remedy acts on: a check that could not look (error) gets no change built on what it did not see
ACTED_ON = (Status.FAIL, Status.WARN)
#: the subshell keeps the paste away from the user's shell: `set -e` cannot close it, `exit` cannot end it, the
#: directory and the environment stay as they were; every file goes to a folder that is removed at the end
OPEN = ["(", "set -euo pipefail", 'work="$(mktemp -d)"', "trap 'rm -rf -- \"$work\"' EXIT"]
CLOSE = ")"


def preamble(context: Optional[str]) -> List[str]:
    where = f" for kube context {prose(context)}" if context else ""
    return [f"# vcdoctor remedy{where}: paste into bash. It runs in a subshell that stops at the first failing "
            f"change; your shell, its directory and its current kube context stay as they are.", *OPEN]


def wrap(context: Optional[str], body: Sequence[str]) -> str:
    """A body of step lines as a script that pastes on its own."""
    return "\n".join([*preamble(context), *body, CLOSE]) + "\n"


@dataclass(frozen=True)
class PlannedStep:
    id: int
    step: Step
    #: checks this step makes pass (for a manual step: once done by hand)
    resolves: Tuple[str, ...]
    #: every check that asked for it
    checks: Tuple[str, ...]
    body: Tuple[str, ...]
    refused: bool

    def to_dict(self, context: Optional[str]) -> Dict[str, Any]:
        return {"id": self.id, "kind": self.step.kind, "resolves": list(self.resolves), "checks": list(self.checks),
                "target": prose(self.step.target()), "disruption": prose(self.step.disruption()),
                "manual": self.step.manual, "refused": self.refused, "script": wrap(context, self.body)}


@dataclass(frozen=True)
class Remedy:
    context: Optional[str]
    steps: Tuple[PlannedStep, ...]

    @property
    def script(self) -> str:
        if not self.steps:
            return ""
        body: List[str] = []
        for planned in self.steps:
            if body:
                body.append("")
            body.append(f"# -- step {planned.id}: {prose(planned.step.target())}")
            body.extend(planned.body)
        return wrap(self.context, body)

    def to_dict(self) -> Dict[str, Any]:
        return {"context": self.context, "script": self.script,
                "steps": [s.to_dict(self.context) for s in self.steps]}


def _render(step: Step, context: Optional[str], prefix: str) -> Tuple[Tuple[str, ...], bool]:
    script = Script(context, prefix)
    step.emit(script)
    return tuple(script.lines), script.refused is not None


def _aim(context: Optional[str]) -> Optional[str]:
    # a kube context is the user's own text, but a name no command can carry is no context to aim at
    return context if context is not None and usable(context) else None


def fix(context: Optional[str], *steps: Step) -> Fix:
    """One check's steps as a script that pastes on its own (the check's ``fix`` in the JSON)."""
    context = _aim(context)
    planned = plan([("", list(steps))], context)
    return Fix(planned.script, context, tuple(steps))


def plan(requests: Sequence[Tuple[str, Sequence[Step]]], context: Optional[str]) -> Remedy:
    """Steps that change the same thing become one (all values of one release, one upgrade); phases keep their
    order (inspect, change, restart, by hand), and within a phase the order checks asked in."""
    merged: Dict[Tuple[str, ...], Step] = {}
    asked: Dict[Tuple[str, ...], List[str]] = {}
    cures: Dict[Tuple[str, ...], List[str]] = {}
    for check_id, steps in requests:
        for step in steps:
            key = step.key
            merged[key] = merged[key].merge(step) if key in merged else step
            asked.setdefault(key, []).append(check_id)
            if step.cures:
                cures.setdefault(key, []).append(check_id)
    first_asked = {key: i for i, key in enumerate(merged)}
    order = sorted(merged, key=lambda k: (merged[k].phase, first_asked[k]))
    rendered = {k: _render(merged[k], context, f"step{i}") for i, k in enumerate(order, 1)}
    # a check is cured only when none of its steps was refused
    spoiled = {c for k, (_, refused) in rendered.items() if refused for c in asked[k]}
    planned = []
    for i, key in enumerate(order, 1):
        body, refused = rendered[key]
        resolves = tuple(c for c in dict.fromkeys(cures.get(key, [])) if c and c not in spoiled)
        planned.append(PlannedStep(i, merged[key], resolves, tuple(c for c in dict.fromkeys(asked[key]) if c),
                                   body, refused))
    return Remedy(context, tuple(planned))


def for_results(results: Sequence[CheckResult], context: Optional[str]) -> Remedy:
    """The run's remedy: the steps of every check that failed or warned, unless its findings were accepted."""
    requests = [(r.id, r.fix.steps) for r in results
                if r.status in ACTED_ON and r.fix is not None and not r.ignored]
    return plan(requests, _aim(context))


def select(remedy: Dict[str, Any], ids: Sequence[int]) -> str:
    """Some steps of a saved report's remedy as one script (``vcdoctor remedy --steps``)."""
    context = remedy.get("context")
    head = "\n".join(preamble(context)) + "\n"
    by_id = {s.get("id"): s for s in remedy.get("steps") or []}
    body: List[str] = []
    for i in ids:
        if i not in by_id:
            raise KeyError(i)
        script = by_id[i].get("script") or ""
        if not script.startswith(head) or not script.endswith(f"\n{CLOSE}\n"):
            raise ValueError(f"step {i} of this report was not written by this vcdoctor")
        if body:
            body.append("")
        body += script[len(head):-len(f"{CLOSE}\n")].rstrip("\n").split("\n")
    return wrap(context, body)


def saved(text: str, steps: Optional[str] = None, context: Optional[str] = None) -> str:
    """The remedy of a saved JSON report, or only ``steps`` ("1,3"); of a fleet report, the run of ``context`` (one
    plan per run: each names its own context). ValueError says what is wrong with it."""
    from vcdoctor.json_input import decode
    from vcdoctor.render.inert import unsafe

    try:
        document = decode(text)
    except ValueError as exc:
        raise ValueError(f"not a vcdoctor JSON report: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("not a vcdoctor JSON report: not a JSON object")
    remedy = _run_of(document, context).get("remedy")
    if not isinstance(remedy, dict) or not isinstance(remedy.get("script"), str):
        raise ValueError("the report has no remedy (made by an older vcdoctor, or a run that ended in an error)")
    try:
        script = select(remedy, [int(i) for i in steps.split(",")]) if steps else remedy["script"]
    except KeyError as exc:
        raise ValueError(f"the report's remedy has no step {exc.args[0]}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot take steps {steps!r} of this remedy: {exc}") from None
    if unsafe(script):
        raise ValueError("the remedy holds control characters vcdoctor never writes: the report was edited")
    return script


def _run_of(document: dict, context: Optional[str]) -> dict:
    """The one run of a report, or of a fleet report the run of ``context``; ValueError when that is not one."""
    reports = document.get("reports") if document.get("kind") == "fleet" else [document]
    runs = [r for r in reports or [] if isinstance(r, dict)]
    clusters = [r.get("cluster") for r in runs]
    contexts = [str(c.get("context") if isinstance(c, dict) else None) for c in clusters]
    if context is None:
        if len(runs) == 1:
            return runs[0]
        raise ValueError(f"a fleet report holds one remedy per context ({', '.join(contexts)}): choose one with "
                         f"--context")
    if context not in contexts:
        raise ValueError(f"the report holds no run of context {context!r} (it holds: {', '.join(contexts)})")
    return runs[contexts.index(context)]
