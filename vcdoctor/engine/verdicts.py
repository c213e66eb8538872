"""Verdicts every check shares: honest "could not look" from gateway failures, and folding several into one."""

from __future__ import annotations

from typing import List

from vcdoctor.engine.facts import SideUnavailable
from vcdoctor.gateway import Forbidden, GatewayError, NotFound, NotInArchive, Unreachable
from vcdoctor.model import Evidence, Status, Verdict, worst
from vcdoctor.remedy import join


def could_not_look(exc: GatewayError, what: str = "") -> Verdict:
    """An ``error`` verdict for a read that failed (a ``skip`` naming the missing data and how to collect it when
    another tool's archive lacks it); never a pass."""
    request = exc.request
    subject = request.describe() if request else "API server"
    if isinstance(exc, NotInArchive):
        return Verdict(Status.SKIP, f"the archive lacks {exc.reason}{(' (for ' + what + ')') if what else ''}; "
                                    f"{exc.how}", (Evidence(subject, exc.reason, {"outcome": exc.kind,
                                                                                  "collect": exc.how}),))
    message = f"could not look{(' at ' + what) if what else ''}: {exc.kind} on {subject}"
    evidence = (Evidence(subject, exc.reason, {"outcome": exc.kind, "http_status": exc.status}),)
    return Verdict(Status.ERROR, message, evidence, remediation(exc))


def side_unavailable(exc: SideUnavailable) -> Verdict:
    """A ``skip`` for a check that needs a cluster the run cannot reach: it says how to give that access."""
    how = exc.hint or "run vcdoctor with --host-context NAME, or with a kubeconfig that has the host cluster's context"
    message = f"needs access to the {exc.side} cluster, which this run does not have: {how}"
    return Verdict(Status.SKIP, message, (Evidence(f"{exc.side} cluster", "not reachable from this run",
                                                   {"needs_side": exc.side, "fact": exc.fact}),))


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
    return Verdict(status, message, evidence, "\n\n".join(dict.fromkeys(fixes)) or None, scripts)
