"""Verdicts every check shares: honest "could not look" from gateway failures, and folding several into one."""

from __future__ import annotations

from typing import List

from vcdoctor.engine.facts import SideUnavailable
from vcdoctor.gateway import Forbidden, GatewayError, NotFound, NotInArchive, Unreachable
from vcdoctor.model import Evidence, Finding, Status, Verdict, worst
from vcdoctor.remedy import join

#: findings any check can end in, given by the engine, not the check (VCD0xx: docs/checks.md#finding-codes)
COULD_NOT_LOOK = Finding("VCD001", Status.ERROR, "a read the check needs was refused or failed (forbidden, not found, "
                         "timeout, API error): the request and the RBAC rule that allows it are named",
                         "Grant the permission named (`vcdoctor rbac` prints the minimal set) or fix the "
                         "connectivity, then run again.")
NEEDS_SIDE = Finding("VCD002", Status.SKIP, "the check needs a cluster this run cannot reach (the host cluster of a "
                     "tenant-only run)", "Run with --host-context NAME, or with a kubeconfig that has the host "
                     "cluster's context.")
BLOCKED = Finding("VCD003", Status.SKIP, "for a `--pod` target: an earlier link of the \"why is this pod Pending?\" "
                  "chain failed, so this one is not judged", "Fix the failing earlier check first, then run again.")
UNFINISHED = Finding("VCD004", Status.ERROR, "the check did not finish within the run's deadline (`--timeout`), or the "
                     "run was interrupted", "Retry with a longer deadline, e.g. vcdoctor run --timeout 120, and let it "
                                            "finish.")
CHECK_BUG = Finding("VCD005", Status.ERROR, "the check crashed, or returned a verdict vcdoctor cannot trust (no "
                    "evidence, no remediation, a code it did not declare): a bug in the check",
                    "This is a bug in the check; attach the JSON report to an issue.")
NOT_IN_ARCHIVE = Finding("VCD006", Status.SKIP, "the replayed archive (another tool's: `vcluster debug collect`, a "
                         "support bundle) lacks what the check reads; the message names it and how to collect it",
                         "Collect what the message names (or run vcdoctor collect, or vcdoctor run against the "
                         "cluster), then run again.")
#: given by the engine to any check, declared by none (the registry refuses a check that declares one of these codes)
ENGINE_FINDINGS = (COULD_NOT_LOOK, NEEDS_SIDE, BLOCKED, UNFINISHED, CHECK_BUG, NOT_IN_ARCHIVE)


def could_not_look(exc: GatewayError, what: str = "") -> Verdict:
    """An ``error`` verdict for a read that failed (a ``skip`` naming the missing data and how to collect it when
    another tool's archive lacks it); never a pass."""
    request = exc.request
    subject = request.describe() if request else "API server"
    if isinstance(exc, NotInArchive):
        return NOT_IN_ARCHIVE.verdict(f"the archive lacks {exc.reason}{(' (for ' + what + ')') if what else ''}; "
                                      f"{exc.how}", (Evidence(subject, exc.reason, {"outcome": exc.kind,
                                                                                    "collect": exc.how}),), exc.how)
    message = f"could not look{(' at ' + what) if what else ''}: {exc.kind} on {subject}"
    evidence = (Evidence(subject, exc.reason, {"outcome": exc.kind, "http_status": exc.status}),)
    return COULD_NOT_LOOK.verdict(message, evidence, remediation(exc))


def side_unavailable(exc: SideUnavailable) -> Verdict:
    """A ``skip`` for a check that needs a cluster the run cannot reach: it says how to give that access."""
    how = exc.hint or "run vcdoctor with --host-context NAME, or with a kubeconfig that has the host cluster's context"
    message = f"needs access to the {exc.side} cluster, which this run does not have: {how}"
    return NEEDS_SIDE.verdict(message, (Evidence(f"{exc.side} cluster", "not reachable from this run",
                                                 {"needs_side": exc.side, "fact": exc.fact}),), how)


def remediation(exc: GatewayError) -> str:
    request = exc.request
    if isinstance(exc, Forbidden) and request is not None:
        verb, group, resource, namespace = request.rbac()
        scope = f" -n {namespace}" if namespace else (" -A" if request.resource and request.resource.namespaced else "")
        kind = "Role" if namespace else "ClusterRole"
        return (
            f"vcdoctor's identity may not {verb} {resource}. Confirm with:\n"
            f"  kubectl auth can-i {verb} {resource}{scope}\n"
            f"then grant it with a {kind} rule (`vcdoctor rbac` prints the complete minimal set):\n"
            f"  - apiGroups: [\"{group}\"]\n"
            f"    resources: [\"{resource}\"]\n"
            f"    verbs: [\"{verb}\"]"
        )
    if isinstance(exc, NotFound):
        return ("The API server does not serve this object or resource type. If it is a KAI custom resource, "
                "KAI (or its CRDs) is not installed: kubectl get crd | grep -E 'kai.scheduler|scheduling.run.ai'")
    if isinstance(exc, Unreachable):
        return ("Check connectivity and retry with a longer deadline:\n"
                "  kubectl get --raw /version\n  vcdoctor run --timeout 120")
    return "Retry; if it persists, attach this report and `kubectl get --raw /version` to the ticket."


def fold(verdicts: List[Verdict]) -> Verdict:
    """The worst status wins; its messages lead, every vCluster's evidence is kept."""
    status = worst(v.status for v in verdicts)
    leading = [v for v in verdicts if v.status is status]
    message = "; ".join(v.message for v in leading)
    others = [v for v in verdicts if v.status is not status]
    if others and status is not Status.PASS:
        message += f" ({len(others)} other vCluster(s): " + ", ".join(sorted({v.status.value for v in others})) + ")"
    evidence = tuple(e for v in verdicts for e in v.evidence)
    fixes = [v.remediation for v in leading + others if v.remediation and v.status is not Status.PASS]
    scripts = join([v.fix for v in leading + others if v.status is not Status.PASS])
    parts = tuple(v for v in leading + others if v.status is not Status.PASS)
    objects = tuple(dict.fromkeys(o for v in parts for o in v.objects))
    return Verdict(status, message, evidence, "\n\n".join(dict.fromkeys(fixes)) or None, scripts,
                   leading[0].code if status is not Status.PASS else None, objects, parts)
