"""Evaluating a check once per examined vCluster, keyed by (namespace, name); the verdicts are folded into one."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, List, Optional, Sequence

from vcdoctor.engine.verdicts import could_not_look, fold
from vcdoctor.gateway import Forbidden
from vcdoctor.model import Evidence, Finding, Fix, Status, Verdict
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.config import Settings
from vcdoctor.products.vcluster.discovery import VCLUSTER_SELECTOR, VCluster
from vcdoctor.products.vcluster.facts import ConfigProblem, SettingsByVCluster
from vcdoctor.remedy import fix
from vcdoctor.remedy.script import said
from vcdoctor.remedy.steps import Inspect

Examine = Callable[[VCluster, Settings], Verdict]
#: kubectl's go-template printer decodes a Secret key itself (no pipe to base64 in a command)
CONFIG_TEMPLATE = 'go-template={{index .data "config.yaml" | base64decode}}'

#: the rows every vCluster check shares (declared by each: ``findings=(*EVERY_VCLUSTER, ...)``)
NO_VCLUSTER_FOUND = Finding("VCD010", Status.SKIP, "no vCluster in the host cluster (no StatefulSet/Deployment "
                            "labelled `app=vcluster` with a `release` label)",
                            "Nothing to do if no vCluster should run here; else check the context (`--context`) and "
                            "that the vCluster was installed by its chart (which sets those labels).", shared=True)
NOT_JUDGED = Finding("VCD011", Status.WARN, "the vCluster's release is outside the releases vcdoctor knows, or unknown "
                     "(no chart label, no image tag): \"not judged\", naming the version",
                     "Use a vcdoctor release that covers this vCluster release.", shared=True)
CONFIG_UNREADABLE = Finding("VCD012", Status.ERROR, "the config cannot be read: the `vc-config-<name>` Secret is "
                            "forbidden (fix: `kubectl auth can-i get secrets -n NS`), missing on v0.20+, lacks "
                            "`config.yaml`, or is not a YAML mapping (fix: a read-only script that decodes the Secret "
                            "and prints `helm get values`)",
                            "Grant get on secrets in the vCluster's namespace, or inspect the stored config (`vcluster "
                            "describe`, `kubectl get secret vc-config-NAME`).", shared=True)
EVERY_VCLUSTER = (NO_VCLUSTER_FOUND, NOT_JUDGED, CONFIG_UNREADABLE)

NO_VCLUSTER = NO_VCLUSTER_FOUND.verdict("no vCluster found in the host cluster",
                                        (Evidence("StatefulSets and Deployments, all namespaces",
                                                  f"none labelled {VCLUSTER_SELECTOR} with a release label"),))


def each_vcluster(vclusters: Sequence[VCluster], settings: SettingsByVCluster, examine: Examine,
                  context: Optional[str] = None) -> Verdict:
    """Run ``examine`` for every vCluster; a vCluster whose config cannot be read is an error of its own, and
    one whose release vcdoctor does not know is a warning naming the version (never a guess)."""
    if not vclusters:
        return NO_VCLUSTER
    verdicts: List[Verdict] = []
    for vc in vclusters:
        if not compat.supported(vc.version):
            verdicts.append(unsupported(vc))
            continue
        found = settings[vc.ref]
        verdicts.append(unreadable(found, context) if isinstance(found, ConfigProblem) else examine(vc, found))
    # each vCluster's finding concerns that vCluster (what --ignore CODE:namespace/name matches)
    return fold([v if v.objects or v.status is Status.PASS else replace(v, objects=(vc.ref,))
                 for v, vc in zip(verdicts, vclusters)])


def unsupported(vc: VCluster) -> Verdict:
    why = compat.unsupported_message(vc.version)
    return NOT_JUDGED.verdict(f"{vc.ref}: not judged: {why}",
                   (Evidence(f"{vc.workload_kind} {vc.ref}", f"chart label / syncer image say {vc.version_text}",
                             {"vcluster": vc.ref, "version": vc.version_text}),),
                   f"vcdoctor knows vCluster {compat.SUPPORTED.describe()}; what this release does with the settings "
                   f"this check reads was not verified, so it gives no verdict for {vc.ref}. Use a vcdoctor release "
                   f"that covers it.")


def unreadable(problem: ConfigProblem, context: Optional[str] = None) -> Verdict:
    vc = problem.vcluster
    if problem.error is not None:
        looked = could_not_look(problem.error, f"vCluster {vc.ref}")
        fix = _access_fix(vc, problem, context) if isinstance(problem.error, Forbidden) else None
        if looked.status is not Status.ERROR:  # an archive without the Secret: the engine's skip saying so
            return replace(looked, message=f"{vc.ref}: {looked.message}")
        return CONFIG_UNREADABLE.verdict(f"{vc.ref}: {looked.message}", looked.evidence, looked.remediation, fix)
    return CONFIG_UNREADABLE.verdict(
        f"{vc.ref}: config unreadable: {problem.reason}",
        (Evidence(f"Secret {vc.namespace}/{vc.config_secret}", problem.reason, {"vcluster": vc.ref}),),
        "Inspect the config, on the host cluster:\n  "
        + said(context, "vcluster", "describe", vc.name, "--namespace", vc.namespace) + "\n  "
        + said(context, "kubectl", "get", "secret", vc.config_secret, "--namespace", vc.namespace, "--output",
               CONFIG_TEMPLATE), _inspect_fix(vc, problem, context))


def _inspect_fix(vc: VCluster, problem: ConfigProblem, context: Optional[str]) -> Optional[Fix]:
    if not context:
        return None
    return fix(context, Inspect(why=(f"{vc.ref}: {problem.reason}. The stored config, and the values Helm installed "
                                     f"it with (the Secret is rendered from them):",),
                                commands=(("kubectl", "get", "secret", vc.config_secret, "--namespace", vc.namespace,
                                           "--output", CONFIG_TEMPLATE),
                                          ("helm", "get", "values", vc.name, "--namespace", vc.namespace, "--output",
                                           "yaml"))))


def _access_fix(vc: VCluster, problem: ConfigProblem, context: Optional[str]) -> Optional[Fix]:
    if not context:
        return None
    return fix(context, Inspect(why=(f"vcdoctor could not read the config of {vc.ref}; confirm the missing "
                                     f"permission:",),
                                commands=(("kubectl", "auth", "can-i", "get", "secrets", "--namespace",
                                           vc.namespace),)))
