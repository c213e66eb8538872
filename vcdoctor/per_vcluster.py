"""Evaluating a check once per vCluster and folding the per-vCluster verdicts into one."""

from __future__ import annotations

from typing import Callable, List

from vcdoctor import vcluster as vcl
from vcdoctor.access import could_not_look
from vcdoctor.gateway import GatewayError
from vcdoctor.model import Evidence, Status, Verdict, worst
from vcdoctor.scope import Scope
from vcdoctor.view import ClusterView, SecretKeyMissing

Examine = Callable[[ClusterView, Scope, vcl.VCluster, vcl.Settings], Verdict]


def each_vcluster(view: ClusterView, scope: Scope, examine: Examine) -> Verdict:
    """Run ``examine`` for every vCluster in scope; a vCluster whose config cannot be read is an error."""
    if not scope.vclusters:
        return Verdict(Status.SKIP, "no vCluster found in the host cluster",
                       (Evidence("StatefulSets and Deployments, all namespaces",
                                 f"none labelled {vcl.VCLUSTER_SELECTOR} with a release label"),))
    verdicts: List[Verdict] = []
    for vc in scope.vclusters:
        try:
            settings = vcl.read_settings(view, vc)
            verdicts.append(examine(view, scope, vc, settings))
        except (vcl.MalformedConfig, vcl.ConfigMissing, SecretKeyMissing) as exc:
            verdicts.append(Verdict(
                Status.ERROR, f"{vc.ref}: config unreadable: {exc}",
                (Evidence(f"Secret {vc.namespace}/{vc.config_secret}", str(exc), {"vcluster": vc.ref}),),
                f"Inspect the config (host cluster context): vcluster describe {vc.name} -n {vc.namespace}\n"
                f"  kubectl get secret {vc.config_secret} -n {vc.namespace} -o jsonpath='{{.data.config\\.yaml}}' "
                f"| base64 -d"))
        except GatewayError as exc:
            found = could_not_look(exc, f"vCluster {vc.ref}")
            verdicts.append(Verdict(found.status, f"{vc.ref}: {found.message}", found.evidence, found.remediation))
    return fold(verdicts)


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
    return Verdict(status, message, evidence, "\n\n".join(dict.fromkeys(fixes)) or None)
