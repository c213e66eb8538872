"""kai-components: the KAI scheduler's component pods, as the installed release deploys them, are Running and Ready."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.remedy import join
from vcdoctor.remedy.script import said
from vcdoctor.remedy.steps import Inspect
from vcdoctor.versions import show

RESTART_WARNING = 5
#: what a pod that names KAI's scheduler misses when the component is switched off
NEEDED_TO_SCHEDULE = {"scheduler": "scheduled", "binder": "bound to its node", "pod-grouper": "grouped (no PodGroup)"}

INSTALL = (f"Install KAI in the host cluster, pinned to a release (every KAI README installs with --version); "
           f"GPU sharing is an install-time setting. vcdoctor knows {compat.known_range()}.")



def _install_fix(context: Optional[str], namespace: str) -> Fix:
    return remedy.fix(context, kai.KaiInstall(namespace=namespace))


def _members(component: compat.Component, pods: List[Pod], scheduler: str) -> List[Pod]:
    app = component.app.format(scheduler_name=scheduler)
    if component.key == "scheduler" and component.operator_managed:
        # one Deployment per SchedulingShard: <schedulerName>-<shard> (resources_for_shard.go@v0.10.0:38)
        prefix = compat.SCHEDULER_SHARD_APP.format(scheduler_name=scheduler)
        return [p for p in pods if (podinfo.labels(p).get("app") or "").startswith(prefix)]
    return [p for p in pods if podinfo.labels(p).get("app") == app]


def _shards(component: compat.Component, members: List[Pod], settings: kai.KaiSettings,
            waiting: Callable[[], Optional[List[Pod]]]) -> List[Tuple[str, List[Pod]]]:
    """Each SchedulingShard's scheduler is its own Deployment for its own node pool (resources_for_shard.go:65-76,
    394-396@v0.17.0): a partition, not a replica, judged on its own. Other components are one group."""
    if not (component.key == "scheduler" and component.operator_managed):
        return [("", members)]
    by_app: Dict[str, List[Pod]] = {}
    for pod in members:
        by_app.setdefault(str(podinfo.labels(pod).get("app")), []).append(pod)
    if len(by_app) == 1:
        return [("", members)]
    return [(_pool(app, pods, settings, waiting), pods) for app, pods in sorted(by_app.items())]


def _pool(app: str, pods: List[Pod], settings: kai.KaiSettings, waiting: Callable[[], Optional[List[Pod]]]) -> str:
    """The shard, its node pool and the Pending pods of that pool: the operator passes the pool as the scheduler's
    --partition-label-value (resources_for_shard.go:310@v0.10.0, :361@v0.17.0); the default shard's is empty and
    takes the objects without the node-pool label (kubernetes_lister.go:122-134@v0.17.0)."""
    value = kai.flag_value(pods[0], compat.PARTITION_FLAG)
    key = settings.node_pool_label.value
    if value is None or not key:
        return f"scheduler shard {app} (its node pool's pods wait for it)"
    pool = f"node pool {key}={value}" if value else f"the pods without {key}"
    if all(podinfo.is_ready(p) for p in pods):
        return f"scheduler shard {app} ({pool})"
    pending = waiting()
    if pending is None:
        return f"scheduler shard {app} ({pool}: its Pending pods could not be listed)"
    stuck = [p for p in pending if (podinfo.labels(p).get(key) or "") == value]
    named = ", ".join(vcl.virtual_ref(p) or podinfo.ref(p) for p in stuck[:5]) + (" ..." if len(stuck) > 5 else "")
    return (f"scheduler shard {app} ({pool}: " + (f"{len(stuck)} Pending pod(s) wait for it: {named}" if stuck
                                                  else "no examined pod of it is Pending") + ")")


def _deployments(pods: List[Pod]) -> List[str]:
    """The components' Deployments, ``namespace/name``: KAI names each after its pods' app label (as restart_fix
    does), and one outlives its pods, so an --ignore on it survives a restart. A pod known only by its image names
    none."""
    apps = [(podinfo.namespace(p), podinfo.labels(p).get("app")) for p in pods]
    return list(dict.fromkeys(f"{namespace}/{app}" for namespace, app in apps if app))


def _concerned(pods: List[Pod]) -> List[str]:
    """The objects a finding on these pods names, each accepted on its own: a pod's Deployment, or the pod when
    only its image says which component it is (the pods themselves are in the evidence)."""
    return list(dict.fromkeys(_deployments([p])[0] if _deployments([p]) else podinfo.ref(p) for p in pods))


def _pod_evidence(pod: Pod, component: str) -> Evidence:
    return Evidence(f"pod {podinfo.ref(pod)}", podinfo.state_summary(pod),
                    {"component": component, "ready": podinfo.is_ready(pod), "restarts": podinfo.restarts(pod),
                     "image": podinfo.image_tag(pod)})


def _blocks(component: compat.Component, settings: kai.KaiSettings) -> str:
    """What its fail-closed webhooks refuse while it is down, as this release and its Config configure them."""
    rows = compat.outages(component.key, settings.release.effective)
    narrowed = ""
    if component.key == "admission" and settings.webhooks_need_queue_label:
        narrowed = (f"; only in namespaces labelled {settings.queue_label.value or 'with the queue label'} (Config "
                    f"spec.admission.{compat.QUEUE_LABEL_SELECTOR.value})")
    return "".join(f"; it serves KAI's webhooks, which fail closed: while it is down the API server refuses "
                   f"{row.value.refuses} ({row.source})" for row in rows) + (narrowed if rows else "")


def _health(component: compat.Component, members: List[Pod],
            settings: kai.KaiSettings) -> Tuple[Optional[str], Optional[str]]:
    """(failure, warning) of one component's pods."""
    ready = [p for p in members if podinfo.is_ready(p)]
    blocks = _blocks(component, settings)
    if not ready:
        return f"{component.key} not ready ({podinfo.state_summary(members[0])}){blocks}", None
    if len(ready) < len(members):
        bad = next(p for p in members if not podinfo.is_ready(p))
        return None, f"{component.key}: {podinfo.ref(bad)} not ready ({podinfo.state_summary(bad)})"
    flapping = [p for p in ready if podinfo.restarts(p) >= RESTART_WARNING]
    if flapping:
        return None, f"{component.key} restarted {podinfo.restarts(flapping[0])} times"
    return None, None


def _missing_fix(context: Optional[str], family: compat.Family, missing: List[str], namespace: str) -> Fix:
    if family.operator:
        return remedy.fix(context, Inspect(
            why=(f"KAI's operator creates {', '.join(missing)} from Config {kai.CONFIG_NAME}; its log and the Config's "
                 f"status say why it did not:",),
            commands=(("kubectl", "logs", "deployment/kai-operator", "--namespace", namespace, "--tail", "100"),
                      ("kubectl", "get", f"configs.kai.scheduler/{kai.CONFIG_NAME}", "--output", "yaml"))))
    return remedy.fix(context, Inspect(
        why=(f"The KAI Helm chart creates {', '.join(missing)}; see what the release holds:",),
        commands=(("helm", "status", compat.RELEASE_NAME, "--namespace", namespace),
                  ("kubectl", "get", "deployments", "--namespace", namespace))))


def _unknown_release(pods: List[Pod], release: kai.KaiRelease, evidence: List[Evidence],
                     context: Optional[str], namespace: str) -> Verdict:
    """Outside the table: no list of expected components; say so, and still report pods that are down."""
    parts = [f"{release.outside_message()}: checked only that its {len(pods)} pod(s) are Running and Ready, not "
             f"which components a complete install runs"]
    down = [p for p in pods if not podinfo.is_ready(p)]
    evidence += [_pod_evidence(p, podinfo.labels(p).get("app") or "?") for p in pods]
    if down:
        fix = kai.restart_fix(context, [], "Inspect the KAI pods that are not ready:", down, namespace)
        return UNKNOWN_RELEASE_DOWN.verdict("; ".join(f"{podinfo.ref(p)} not ready ({podinfo.state_summary(p)})"
                                                      for p in down[:3]) + "; " + parts[0], tuple(evidence),
                                            "Inspect the failing pods' previous run (commands below).", fix,
                                            objects=_concerned(down))
    return UNKNOWN_RELEASE.verdict(
        parts[0], tuple(evidence),
        "Run a KAI release vcdoctor knows, or check the components against that release's own docs.",
        objects=_deployments(pods))


def _elsewhere(traces: Tuple[str, ...], namespace: str, context: Optional[str]) -> Verdict:
    """No KAI pod where vcdoctor looked, but KAI left its marks: find it, never install a second one."""
    return KAI_ELSEWHERE.verdict(
        f"no KAI pod in {namespace}, but KAI runs or ran in this cluster: "
        + "; ".join(traces), (Evidence(f"namespace {namespace}", "no KAI component pod"),)
        + tuple(Evidence("cluster", t) for t in traces),
        "KAI may run in another namespace (a chart installed with `helm install -n <namespace>`) or be "
        "scaled down. Find its components before anything else; installing KAI again would add a second "
        "set of fail-closed webhooks beside the first:\n  "
        + said(context, "kubectl", "get", "pods", "--all-namespaces", "--selector", kai.FIND_SELECTOR),
        remedy.fix(context, Inspect(why=("Where KAI's components run (a second install would compete "
                                         "with them):",),
                                    commands=(("kubectl", "get", "pods", "--all-namespaces", "--selector",
                                               kai.FIND_SELECTOR),))), objects=(namespace,))


def run(kai_pods: Tuple[Pod, ...], kai_namespace_exists: kai.NamespaceExists, kai_traces: kai.Traces,
        kai_release: kai.KaiRelease, kai_settings: kai.KaiSettings, pending_kai_pods: kai.PendingKaiPods,
        context: Optional[str]) -> Verdict:
    namespace = kai_settings.namespace
    pods = [p for p in kai_pods if podinfo.phase(p) != "Succeeded" and kai.is_component_pod(p)]
    if not pods:
        traces = kai_traces()
        if traces:
            return _elsewhere(traces, namespace, context)
        if not kai_namespace_exists():
            return NOT_INSTALLED.verdict(f"KAI not installed: namespace {namespace} does not exist",
                                         (Evidence(f"namespace {namespace}", "not found"),), INSTALL,
                                         _install_fix(context, namespace), objects=(namespace,))
        return NOT_INSTALLED.verdict(f"namespace {namespace} exists but runs no KAI pods",
                                     (Evidence(f"namespace {namespace}", "no KAI component pod"),),
                                     "KAI's operator or Helm release is missing or scaled to zero. " + INSTALL,
                                     _install_fix(context, namespace), objects=(namespace,))
    release: kai.KaiRelease = kai_release
    scheduler = kai_settings.scheduler
    family = release.family()
    evidence = [Evidence(f"KAI in {namespace}", f"release {release.text}"
                         + (f", {family.name}" if family else ", not in vcdoctor's table"),
                         {"version": release.text, "source": release.source, "note": release.note,
                          "scheduler_name": scheduler, "namespace_found_by": kai_settings.namespace_source})]
    if family is None:
        return _unknown_release(pods, release, evidence, context, namespace)
    failures: List[str] = []
    warnings: List[str] = []
    missing: List[str] = []
    inspect: List[Pod] = []
    restart: Dict[str, None] = {}
    disabled: Dict[str, str] = {}  # component key -> its Deployment, namespace/app
    concerned: Dict[str, None] = {}
    expected = 0
    for component in family.components:
        members = _members(component, pods, scheduler)
        if not members:
            if component.only_with:
                continue  # installed only with that setting (default off): absent is normal
            if component.config_field in kai_settings.switched_off:
                disabled[component.key] = f"{namespace}/{component.app.format(scheduler_name=scheduler)}"
                evidence.append(Evidence(f"component {component.key}", "no pod: switched off in Config "
                                         f"{kai.CONFIG_NAME} spec.{component.config_field}.service.enabled: false"))
                continue
            app = component.app.format(scheduler_name=scheduler)
            missing.append(app)
            concerned[f"{namespace}/{app}"] = None
            failures.append(f"{component.key} missing (no pod labelled app={app}"
                            + (", any shard" if component.key == "scheduler" and component.operator_managed else "")
                            + f"; KAI {release.text} runs it)")
            evidence.append(Evidence(f"component {component.key}", "no pod", {"app": app}))
            continue
        expected += 1
        evidence += [_pod_evidence(p, component.key) for p in members]
        for label, group in _shards(component, members, kai_settings, pending_kai_pods):
            failure, warning = _health(component, group, kai_settings)
            if failure or warning:
                bad = [p for p in group if not podinfo.is_ready(p) or podinfo.restarts(p) >= RESTART_WARNING]
                inspect += bad[:1]
                concerned.update(dict.fromkeys(_concerned(bad)))
                restart.update(dict.fromkeys(str(podinfo.labels(p).get("app")) for p in bad[:1]))
            if failure:
                failures.append(f"{label}: {failure}" if label else failure)
            elif warning:
                warnings.append(f"{label}: {warning}" if label else warning)
    if failures or warnings:
        fixes = []
        if inspect:
            fixes.append(kai.restart_fix(context, list(restart), "Inspect the failing KAI components' previous run:",
                                         inspect, namespace))
        if missing:
            fixes.append(_missing_fix(context, family, missing, namespace))
        finding = COMPONENT_DOWN if failures else COMPONENT_DEGRADED
        return finding.verdict("; ".join(failures or warnings), tuple(evidence),
                               "Inspect the failing components' previous run, fix the cause, then restart them; a "
                               "missing component points at the " + ("operator" if family.operator else "Helm release")
                               + ".", join(fixes), objects=concerned)
    needed = [key for key in disabled if key in NEEDED_TO_SCHEDULE]
    if needed:
        return SWITCHED_OFF.verdict(
            f"KAI {release.text}: {', '.join(needed)} switched off in Config "
            f"{kai.CONFIG_NAME}; {expected} other component(s) Running and Ready",
            tuple(evidence),
            "Without them no pod that names KAI's scheduler is " + ", ".join(
                NEEDED_TO_SCHEDULE[k] for k in needed) + " by this install. If another deployment does "
            "their job, accept this warning; otherwise set spec.<component>.service.enabled: true in the "
            "Config (or the matching value of KAI's Helm chart) and the operator creates them.",
            remedy.fix(context, Inspect(why=("What the Config switches off:",), commands=(
                ("kubectl", "get", f"configs.kai.scheduler/{kai.CONFIG_NAME}", "--output", "yaml"),))),
            objects=[disabled[key] for key in needed])
    summary = (f"all {expected} KAI components Running and Ready (KAI {release.text}, {family.name}; "
               f"scheduler name {scheduler})" + (f"; switched off in Config {kai.CONFIG_NAME}: {', '.join(disabled)}"
                                                  if disabled else ""))
    if release.note and release.found in compat.RETRACTED.span:
        return RETRACTED.verdict(f"{summary}; but {release.note}", tuple(evidence),
                                 "Move to a supported release (upstream retracted v0.20.x): upgrade to the newest "
                                 f"{show(compat.NEWEST)} with your saved values.",
                                 objects=_deployments(pods))
    return Verdict(Status.PASS, summary, tuple(evidence))


KAI_ELSEWHERE = Finding("VCD300", Status.FAIL, "no KAI pod in its namespace while KAI's component pods, its Helm "
                        "release (`owner=helm,name=kai-scheduler`, optional read), PodGroups "
                        "or Queues exist elsewhere: KAI runs or ran there (scaled down, or a "
                        "chart installed with `helm install -n <namespace>`); each trace is "
                        "named with its namespace, and the fix finds its pods, never installs"
                        " a second KAI",
                        "Find the KAI install the traces name and scale it up (or point vcdoctor at its namespace); "
                        "never install a second KAI.")
NOT_INSTALLED = Finding("VCD301", Status.FAIL, 'namespace `kai-scheduler` missing ("KAI not installed": no PodGroup,'
                        " no Queue), or no KAI pod in it",
                        "Install KAI with its Helm chart (the fix script), or scale its components up.")
COMPONENT_DOWN = Finding("VCD302", Status.FAIL, "a component missing, or none of its pods Ready (the last state and "
                         "exit are shown; for a webhook component: while it is down the API "
                         "server refuses the pods its webhooks match, so the syncer cannot "
                         "create host pods); or a SchedulingShard's scheduler has no ready "
                         "pod (each shard schedules its own node pool), named with its pool "
                         "and the Pending pods that wait for it",
                         "Inspect the failing components' previous run, fix the cause, then restart them; a missing "
                         "component points at the operator or the Helm release.")
COMPONENT_DEGRADED = Finding("VCD303", Status.WARN, "a component is Ready but another replica is not, or restarted 5"
                             " times or more",
                             "Inspect the replica's previous run (`kubectl logs --previous`) and fix why it "
                             "restarts.")
SWITCHED_OFF = Finding("VCD304", Status.WARN, "the scheduler, binder or pod-grouper switched off in the Config",
                       "If another deployment does their job, accept this finding (--ignore); else enable them in "
                       "KAI's Config.")
UNKNOWN_RELEASE_DOWN = Finding("VCD305", Status.FAIL, "release not in the table and a pod is not Ready",
                               "Inspect the failing pods' previous run and fix the cause.")
UNKNOWN_RELEASE = Finding("VCD306", Status.WARN, "release not in the table (e.g. v0.18+): only Running/Ready is "
                          "checked, and the message names the version found and the releases "
                          "vcdoctor knows",
                          "Run a KAI release vcdoctor knows, or a vcdoctor release that knows this KAI release.")
RETRACTED = Finding("VCD307", Status.WARN, "all Ready, but the release is a retracted v0.20.x (judged as v0.10.2 "
                    "everywhere)",
                    "Upgrade KAI to the newest supported release with your saved values.")


CHECK = Check(
    id="kai-components",
    title="expected: KAI's components Running and Ready",
    summary=("the components the installed KAI release runs (in its Config's namespace, else `kai-scheduler`) are "
             "Running and Ready; an unknown or retracted release is a warn"),
    severity=Severity.CRITICAL,
    run=run,
    order=30,
    findings=(KAI_ELSEWHERE, NOT_INSTALLED, COMPONENT_DOWN, COMPONENT_DEGRADED, SWITCHED_OFF, UNKNOWN_RELEASE_DOWN,
              UNKNOWN_RELEASE, RETRACTED),
    passes=("every component has a Ready pod (components switched off in the Config are named)",),
    docs_url=f"{DOCS_BASE}#kai-components",
)
