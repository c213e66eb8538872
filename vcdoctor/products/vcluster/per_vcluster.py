"""Evaluating a check once per examined vCluster; the verdicts are folded into one."""

from __future__ import annotations

from typing import Callable, List, Sequence

from vcdoctor.engine.verdicts import could_not_look, fold
from vcdoctor.model import Evidence, Status, Verdict
from vcdoctor.products.vcluster.config import Settings
from vcdoctor.products.vcluster.discovery import VCLUSTER_SELECTOR, VCluster
from vcdoctor.products.vcluster.facts import ConfigProblem, SettingsByVCluster

Examine = Callable[[VCluster, Settings], Verdict]

NO_VCLUSTER = Verdict(Status.SKIP, "no vCluster found in the host cluster",
                      (Evidence("StatefulSets and Deployments, all namespaces",
                                f"none labelled {VCLUSTER_SELECTOR} with a release label"),))


def each_vcluster(vclusters: Sequence[VCluster], settings: SettingsByVCluster, examine: Examine) -> Verdict:
    """Run ``examine`` for every vCluster; a vCluster whose config cannot be read is an error of its own."""
    if not vclusters:
        return NO_VCLUSTER
    verdicts: List[Verdict] = []
    for vc in vclusters:
        found = settings[vc.ref]
        verdicts.append(unreadable(found) if isinstance(found, ConfigProblem) else examine(vc, found))
    return fold(verdicts)


def unreadable(problem: ConfigProblem) -> Verdict:
    vc = problem.vcluster
    if problem.error is not None:
        looked = could_not_look(problem.error, f"vCluster {vc.ref}")
        return Verdict(looked.status, f"{vc.ref}: {looked.message}", looked.evidence, looked.remediation)
    return Verdict(
        Status.ERROR, f"{vc.ref}: config unreadable: {problem.reason}",
        (Evidence(f"Secret {vc.namespace}/{vc.config_secret}", problem.reason, {"vcluster": vc.ref}),),
        f"Inspect the config (host cluster context): vcluster describe {vc.name} -n {vc.namespace}\n"
        f"  kubectl get secret {vc.config_secret} -n {vc.namespace} -o jsonpath='{{.data.config\\.yaml}}' "
        f"| base64 -d")
