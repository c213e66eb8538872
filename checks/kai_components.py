"""kai-components: the KAI scheduler's component pods are Running and Ready."""

from __future__ import annotations

from vcdoctor.products import kai
from vcdoctor import pods as podinfo
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

RESTART_WARNING = 5

INSTALL = """Install KAI in the host cluster (GPU sharing needs the flag at install time):
  helm upgrade -i kai-scheduler oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler \\
    -n kai-scheduler --create-namespace --set "global.gpuSharing=true"
Then: kubectl get pods -n kai-scheduler"""


def _inspect(component: str) -> str:
    apps = kai.COMPONENT_APPS[component] + (("kai-scheduler-default",) if component == "scheduler" else ())
    selector = f"'app in ({','.join(apps)})'"
    return (f"Inspect {component} and its previous run:\n"
            f"  kubectl get pods -n {kai.NAMESPACE} -l {selector} -o wide\n"
            f"  kubectl describe pods -n {kai.NAMESPACE} -l {selector}\n"
            f"  kubectl logs -n {kai.NAMESPACE} -l {selector} --previous --tail=50")


def run(kai_pods, kai_namespace_exists) -> Verdict:
    kai_pods = [p for p in kai_pods if podinfo.phase(p) not in ("Succeeded",)]
    if not kai_pods:
        if not kai_namespace_exists():
            return Verdict(Status.FAIL, f"KAI not installed: namespace {kai.NAMESPACE} does not exist",
                           (Evidence(f"namespace {kai.NAMESPACE}", "not found"),), INSTALL)
        return Verdict(Status.FAIL, f"namespace {kai.NAMESPACE} exists but runs no pods",
                       (Evidence(f"namespace {kai.NAMESPACE}", "0 pods"),),
                       "KAI's operator or Helm release is missing or scaled to zero:\n"
                       f"  kubectl get deploy -n {kai.NAMESPACE}\n  helm list -n {kai.NAMESPACE}\n" + INSTALL)
    era = kai.layout(kai_pods)
    by_component = {}
    for pod in kai_pods:
        component = kai.component_of(pod)
        if component:
            by_component.setdefault(component, []).append(pod)
    version = next((podinfo.image_tag(p) for p in kai_pods if podinfo.image_tag(p)), None)
    evidence = [Evidence(f"namespace {kai.NAMESPACE}", f"{era} layout, {len(kai_pods)} pods",
                         {"layout": era, "version": version or "unknown"})]
    failures, warnings = [], []
    for component in kai.REQUIRED[era]:
        members = by_component.get(component, [])
        if not members:
            failures.append((component, f"{component} missing (no pod labelled app={'|'.join(kai.COMPONENT_APPS[component])})"))
            evidence.append(Evidence(f"component {component}", "no pod"))
            continue
        ready = [p for p in members if podinfo.is_ready(p)]
        for pod in members:
            evidence.append(Evidence(f"pod {podinfo.ref(pod)}", podinfo.state_summary(pod),
                                     {"component": component, "ready": podinfo.is_ready(pod),
                                      "restarts": podinfo.restarts(pod)}))
        if not ready:
            failures.append((component, f"{component} not ready ({podinfo.state_summary(members[0])})"))
        elif len(ready) < len(members):
            bad = next(p for p in members if not podinfo.is_ready(p))
            warnings.append((component, f"{component}: {podinfo.ref(bad)} not ready ({podinfo.state_summary(bad)})"))
        else:
            flapping = [p for p in ready if podinfo.restarts(p) >= RESTART_WARNING]
            if flapping:
                warnings.append((component, f"{component} restarted {podinfo.restarts(flapping[0])} times"))
    for status, found in ((Status.FAIL, failures), (Status.WARN, warnings)):
        if found:
            fixes = "\n".join(dict.fromkeys(_inspect(component) for component, _ in found))
            return Verdict(status, "; ".join(text for _, text in found), tuple(evidence), fixes)
    return Verdict(Status.PASS, f"all {len(kai.REQUIRED[era])} KAI components Running and Ready "
                                f"({era} layout, version {version or 'unknown'})", tuple(evidence))


CHECK = Check(
    id="kai-components",
    title="KAI scheduler components are running",
    severity=Severity.CRITICAL,
    run=run,
    order=30,
    docs_url=f"{DOCS_BASE}#kai-components",
)
