"""pod-scheduler-name: pods meant for KAI must name kai-scheduler, or KAI never sees them."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.products.vcluster import syncer_log
from vcdoctor.products.vcluster.scope import Scope
from vcdoctor.remedy.script import said, said_inside
from vcdoctor.remedy.steps import Inspect, inside_vcluster

MAX_LISTED = 20

FIX = ("Set the scheduler in the pod spec inside the vCluster (spec.schedulerName is copied to the host pod "
       "unchanged) and recreate the pod; schedulerName cannot be changed on an existing pod:\n"
       "  spec:\n"
       "    schedulerName: {scheduler}\n"
       "For a Deployment/Job, set spec.template.spec.schedulerName and let the controller roll the pods.")


def _scheduler_fix(context: Optional[str], pods: List[Pod], scheduler: str) -> Fix:
    """The change is inside the vCluster: comments naming each pod's virtual name and its vCluster."""
    steps = []
    for key in sorted({vcl.owner_key(p) for p in pods}):
        mine = [p for p in pods if vcl.owner_key(p) == key]
        ref = "/".join(key) if key[1] else None
        steps.append(inside_vcluster(ref, tuple(f"{vcl.virtual_ref(p) or podinfo.ref(p)}: set spec.schedulerName: "
                                                f"{scheduler} (in its controller's pod template) and recreate it"
                                                for p in mine[:MAX_LISTED])))
    return remedy.fix(context, *steps)


def _evidence(pod: Pod) -> Evidence:
    intent = kai.kai_intent(pod)
    data: Dict[str, Any] = {"schedulerName": podinfo.scheduler_name(pod), "virtual_pod": vcl.virtual_ref(pod)}
    if intent:
        data["kai_intent"] = intent
    return Evidence(f"pod {podinfo.ref(pod)}", f"spec.schedulerName = {podinfo.scheduler_name(pod)}", data)


def _never_synced(scope: Scope, release: kai.KaiRelease, context: Optional[str], namespace: str,
                  refusals: Sequence[syncer_log.RuntimeClassRefusals]) -> Verdict:
    """The first link is broken: the virtual pod has no host pod, and the syncer said why (quoted whole)."""
    evidence = tuple(Evidence(f"syncer log of {refusal.source}", refusal.reason, {"lines": refusal.count})
                     for refusal in scope.sync_errors)
    newest = scope.sync_errors[-1]
    pod = f"{scope.target.namespace}/{scope.target.pod}"
    vcluster = newest.vcluster or None
    host_ns = vcluster.split("/", 1)[0] if vcluster else None
    denial = kai.denial_of(newest.reason)
    # the pod never reached the host, so the host object it concerns is its vCluster
    where = [vcluster] if vcluster else []
    message = f"virtual pod {pod} never reached the host ({newest.count} syncer line(s)): {newest.reason}"
    if denial == kai.validator_compat.SHARING_DISABLED:
        return NEVER_SYNCED_SHARING.verdict(
            f"{message} (see gpu-sharing-reservations)", evidence,
            kai.ENABLE_GPU_SHARING, kai.gpu_sharing_fix(release, context, vcluster, [pod], namespace), where)
    if denial is not None:
        fix = remedy.fix(context, inside_vcluster(vcluster, (f"KAI's webhook refused {pod}: {denial}",
                                                             "Fix its GPU request and recreate it.")))
        return NEVER_SYNCED_GPU.verdict(f"{message} (see gpu-sharing-reservations)", evidence,
                                        kai.VALID_GPU_SHARE_VALUES, fix, where)
    if newest.reason.startswith(vcl.compat.CLASS_LIMIT_WARNING.value):
        kind = "priority" if "priority class" in newest.reason else "runtime"
        fix = remedy.fix(context, inside_vcluster(vcluster, (
            said_inside("kubectl", "get", "pod", scope.target.pod or "", "--namespace", scope.target.namespace or "",
                        "--output", "yaml") + f"   # its {kind} class",)))
        return NEVER_SYNCED_CLASS.verdict(
            f"{message} (the vCluster itself held it back)", evidence,
            f"The vCluster syncs {kind} classes from the host (sync.fromHost.{kind}Classes, vCluster v0.26+, "
            f"{vcl.compat.CLASS_LIMIT_WARNING.source}) and does not sync a pod whose {kind} class the host lacks or "
            f"sync.fromHost.{kind}Classes.selector excludes. Give the pod a class the selector admits, create the "
            f"class on the host, or widen the selector; then recreate the pod.", fix, where)
    missing_class = syncer_log.RUNTIME_CLASS_MISSING.search(newest.reason)
    if missing_class:
        runtime_class = missing_class.group(1)
        same = next((r for r in refusals if r.runtime_class == runtime_class), None)
        return NEVER_SYNCED_RUNTIME.verdict(
            message, evidence, _runtime_remediation(runtime_class, same.set_by_vcluster if same else (), release),
            _runtime_class_fix(context), [runtime_class])
    if "exceeded quota" in newest.reason or "failed quota" in newest.reason:
        look = Inspect(why=(f"A ResourceQuota in {host_ns or 'the vCluster host namespace'} refused the pod (vCluster "
                            f"creates one when policies.resourceQuota is on):",),
                       commands=(("kubectl", "describe", "resourcequota", "--namespace", host_ns),) if host_ns else ())
        return NEVER_SYNCED_QUOTA.verdict(message, evidence, "Raise the quota or lower the pod's requests.",
                                          remedy.fix(context, look), where)
    fix = remedy.fix(context, inside_vcluster(vcluster, (
        said_inside("kubectl", "describe", "pod", scope.target.pod or "", "--namespace", scope.target.namespace or "")
        + "   # look for SyncError events",)))
    return NEVER_SYNCED.verdict(message, evidence, "The host cluster refused the pod the syncer tried to create; the "
                                                   "quoted reason names the webhook or policy.", fix, where)


def _runtime_class_fix(context: Optional[str]) -> Fix:
    return remedy.fix(context, Inspect(why=("The RuntimeClasses the host has (the refused pod asks for one it has "
                                            "not):",), commands=(("kubectl", "get", "runtimeclass"),)))


def _runtime_remediation(runtime_class: str, set_by_vcluster: Sequence[Tuple[str, str]],
                         release: kai.KaiRelease) -> str:
    """Who gave the pod the class the host lacks: a vCluster that sets it on every synced pod (v0.23+), else KAI's
    admission (from v0.9.7), and what to change."""
    if set_by_vcluster:
        return (f"The host has no RuntimeClass {runtime_class}, and vCluster "
                + ", ".join(f"{ref} ({source})" for ref, source in set_by_vcluster)
                + " gives it to every synced pod (sync.toHost.pods.runtimeClassName), replacing the class KAI's "
                  "admission sets. Create that RuntimeClass on the host (the NVIDIA GPU operator creates nvidia), "
                  "or change sync.toHost.pods.runtimeClassName to a class the host has, then recreate the pods.")
    row = compat.at(compat.ADMISSION_RUNTIME_CLASS, release.effective)
    if row:
        who = f"KAI {release.text}'s admission sets it on {row.value} ({row.source})"
    elif release.known:
        who = f"KAI {release.text}'s admission sets no RuntimeClass (that starts at v0.9.7), so something else set it"
    else:
        who = "KAI's admission sets it on GPU pods of its scheduler from v0.9.7 (fractional ones only from v0.16.0)"
    return (f"The host has no RuntimeClass {runtime_class}. {who}. Install the NVIDIA container runtime and "
            f"its RuntimeClass on the GPU nodes (the NVIDIA GPU operator does), or set that Config field to "
            f"the class your nodes have; on vCluster v0.23+ sync.toHost.pods.runtimeClassName overrides the "
            f"host pod's class. Recreate the pod inside the vCluster afterwards.")


def _runtime_class_refusals(refusals: Sequence[syncer_log.RuntimeClassRefusals], release: kai.KaiRelease,
                            context: Optional[str]) -> Optional[Verdict]:
    """Pods that never reached the host because it has no RuntimeClass they ask for (KAI's admission sets one
    from v0.9.7): seen in every run, from the syncer logs, not only when the pod is named."""
    failures: List[str] = []
    healed: List[str] = []
    evidence: List[Evidence] = []
    remediation: List[str] = []
    for refused in refusals:
        evidence += [Evidence(f"syncer log of {refusal.source}", refusal.reason,
                              {"virtual_pod": pod, "vcluster": refusal.vcluster})
                     for pod, refusal in refused.pods[:MAX_LISTED]]
        named = ", ".join(f"{refusal.vcluster}: {pod}" for pod, refusal in refused.pods[:5])
        said = (f"the host refused {len(refused.pods)} virtual pod(s) for a missing RuntimeClass "
                f"{refused.runtime_class}")
        if refused.exists:
            evidence.append(Evidence(f"RuntimeClass {refused.runtime_class}", "exists now"))
            healed.append(f"{said}, which exists now ({named}{' ...' if len(refused.pods) > 5 else ''})")
            continue
        evidence.append(Evidence(f"RuntimeClass {refused.runtime_class}", "not found" if refused.exists is False
                                 else "could not be read: the syncer log is the only evidence"))
        failures.append(f"{said} ({named}{' ...' if len(refused.pods) > 5 else ''})")
        remediation.append(_runtime_remediation(refused.runtime_class, refused.set_by_vcluster, release))
    if failures:
        return RUNTIME_CLASS_REFUSED.verdict("; ".join(failures), tuple(evidence), " ".join(remediation),
                                             _runtime_class_fix(context),
                                             [r.runtime_class for r in refusals if not r.exists])
    if healed:
        return RUNTIME_CLASS_HEALED.verdict(
            "; ".join(healed), tuple(evidence),
            "The syncer retries a refused pod; one that still has no host pod can be recreated inside its "
            "vCluster now that the RuntimeClass exists.", objects=[r.runtime_class for r in refusals if r.exists])
    return None


def _targeted(host_pods: Sequence[Pod], scheduler: str, context: Optional[str]) -> Verdict:
    """The --pod target's host pod(s)."""
    wrong = [p for p in host_pods if podinfo.scheduler_name(p) != scheduler]
    evidence = tuple(_evidence(p) for p in host_pods)
    if not wrong:
        names = ", ".join(podinfo.ref(p) for p in host_pods)
        return Verdict(Status.PASS, f"{names}: scheduled by {scheduler}", evidence)
    parts = []
    for pod in wrong:
        text = f"{podinfo.ref(pod)} uses {podinfo.scheduler_name(pod)}"
        intent = kai.kai_intent(pod)
        if intent:
            text += f" although it carries KAI settings ({', '.join(intent)}) that this scheduler ignores"
        parts.append(text)
    return WRONG_SCHEDULER.verdict("; ".join(parts), evidence, FIX.format(scheduler=scheduler),
                                   _scheduler_fix(context, wrong, scheduler), [podinfo.ref(p) for p in wrong])


def _refused_otherwise(refused_pods: Sequence[syncer_log.RefusedPod], context: Optional[str]) -> Optional[Verdict]:
    """Pods the host refused for another reason than a missing RuntimeClass or KAI's GPU webhook (those have their
    own findings here and in gpu-sharing-reservations): another webhook, a quota, a policy, a PriorityClass."""
    other = [p for p in refused_pods if not syncer_log.RUNTIME_CLASS_MISSING.search(p.refusal.reason)
             and kai.denial_of(p.refusal.reason) is None]
    if not other:
        return None
    evidence = tuple(Evidence(f"syncer log of {p.refusal.source}", p.refusal.reason,
                              {"virtual_pod": p.pod, "vcluster": p.refusal.vcluster}) for p in other[:MAX_LISTED])
    first = other[0]
    namespace, _, name = first.pod.partition("/")
    vc_namespace, _, vc_name = first.refusal.vcluster.partition("/")
    examine = said(None, "vcdoctor", "run", *(("--context", context) if context else ()),
                   *(("--vcluster", vc_name, "--vcluster-namespace", vc_namespace) if vc_name else ()),
                   "--namespace", namespace, "--pod", name)
    return REFUSED_OTHERWISE.verdict(
        f"the host refused {len(other)} virtual pod(s) that still have no host pod: "
        + "; ".join(f"{p.refusal.vcluster}: {p.pod}: {p.refusal.reason}" for p in other[:3])
        + (" ..." if len(other) > 3 else ""), evidence,
        "Each quoted reason names the webhook, quota or policy of the host cluster that refused the pod; once that "
        "admits it, the syncer creates the host pod on its next retry. Examine one pod, its refusal and the later "
        "links:\n  " + examine,
        objects=sorted({p.refusal.vcluster for p in other if p.refusal.vcluster}))


def run(scope: Scope, examined_pods: List[Pod], refused_pods: Tuple[syncer_log.RefusedPod, ...],
        runtime_class_refusals: Tuple[syncer_log.RuntimeClassRefusals, ...], kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    scheduler = kai_settings.scheduler
    if scope.host_pods is not None:
        return (_targeted(scope.host_pods, scheduler, context) if scope.host_pods
                else _never_synced(scope, kai_settings.release, context, kai_settings.namespace,
                                   runtime_class_refusals))
    verdict = _whole_cluster(examined_pods, scheduler, context)
    problems = [v for v in (_runtime_class_refusals(runtime_class_refusals, kai_settings.release, context),
                            _refused_otherwise(refused_pods, context)) if v is not None]
    if verdict.status is Status.FAIL:
        problems.append(verdict)
    if not problems:
        return verdict
    if len(problems) == 1:
        return problems[0]
    lead = next((v for v in problems if v.status is Status.FAIL), problems[0])
    return Verdict(lead.status, "; ".join(v.message for v in problems),
                   tuple(e for v in problems for e in v.evidence),
                   "\n".join(v.remediation for v in problems if v.remediation), remedy.join([v.fix for v in problems]),
                   lead.code, tuple(dict.fromkeys(o for v in problems for o in v.objects)), tuple(problems))


def _whole_cluster(examined: Sequence[Pod], scheduler: str, context: Optional[str]) -> Verdict:
    if not examined:
        return NO_SYNCED_POD.verdict("no vCluster-synced pods to examine",
                                     (Evidence("pods, all namespaces", f"none labelled {vcl.MANAGED_BY}"),))
    on_kai = sum(1 for p in examined if podinfo.scheduler_name(p) == scheduler)
    wrong = [p for p in examined if podinfo.scheduler_name(p) != scheduler and kai.kai_intent(p)]
    summary = Evidence("synced pods", f"{len(examined)} examined, {on_kai} use {scheduler}",
                       {"examined": len(examined), "kai_scheduler": on_kai, "kai_intent_elsewhere": len(wrong)})
    if not wrong:
        return Verdict(Status.PASS, f"{len(examined)} synced pod(s): every pod with KAI settings uses {scheduler}",
                       (summary,))
    listed = tuple(_evidence(p) for p in wrong[:MAX_LISTED])
    return KAI_SETTINGS_IGNORED.verdict(
        f"{len(wrong)} synced pod(s) carry KAI settings but another scheduler ignores them: "
        + ", ".join(podinfo.ref(p) for p in wrong[:5]) + (" ..." if len(wrong) > 5 else ""),
        (summary,) + listed, FIX.format(scheduler=scheduler), _scheduler_fix(context, wrong, scheduler),
        [podinfo.ref(p) for p in wrong])


WRONG_SCHEDULER = Finding("VCD200", Status.FAIL, "the `--pod` target uses another scheduler (the message says when "
                          "it carries KAI settings, `kai.scheduler/queue`, `gpu-fraction`, "
                          "`gpu-memory`, that this scheduler ignores)",
                          "Set `schedulerName: kai-scheduler` in the pod spec (its controller's template) inside the"
                          " vCluster and recreate the pod.")
KAI_SETTINGS_IGNORED = Finding("VCD201", Status.FAIL, "without `--pod`: synced pods carry KAI settings but name "
                               "another scheduler",
                               "Set `schedulerName: kai-scheduler` in those pods' specs inside the vCluster and "
                               "recreate them.")
NEVER_SYNCED_SHARING = Finding("VCD202", Status.FAIL, "the virtual pod never reached the host: KAI's webhook refused"
                               " a GPU share because GPU sharing is disabled",
                               "Turn KAI's GPU sharing on (global.gpuSharing), then recreate the pod (see "
                               "gpu-sharing-reservations).")
NEVER_SYNCED_GPU = Finding("VCD203", Status.FAIL, "the virtual pod never reached the host: KAI's webhook refused an "
                           "invalid GPU request (quoted)",
                           "Fix the pod's GPU request inside the vCluster and recreate it.")
NEVER_SYNCED_QUOTA = Finding("VCD204", Status.FAIL, "the virtual pod never reached the host: a ResourceQuota refused"
                             " it",
                             "Raise the quota or lower the pod's requests.")
NEVER_SYNCED = Finding("VCD205", Status.FAIL, "the virtual pod never reached the host: another webhook or policy "
                       "refused it (the syncer's reason is quoted with its line count)",
                       "Read the quoted reason: it names the webhook or policy that refused the pod; fix it, then "
                       "recreate the pod.")
NEVER_SYNCED_RUNTIME = Finding("VCD206", Status.FAIL, "the virtual pod never reached the host: a RuntimeClass the "
                               "host lacks (KAI's admission sets one on a GPU pod from "
                               "v0.9.7, on fractional ones only from v0.16.0)",
                               "Create the RuntimeClass on the host (the NVIDIA GPU operator creates nvidia), or "
                               "clear the class KAI's admission sets.")
RUNTIME_CLASS_REFUSED = Finding("VCD207", Status.FAIL, "without `--pod`: a syncer log shows virtual pods the host "
                                "refused for a RuntimeClass it still lacks (or that could not"
                                " be read), named with their vCluster",
                                "Create the RuntimeClass on the host, or change the class set on the pods (KAI's "
                                "admission or `sync.toHost.pods.runtimeClassName`), then recreate them.")
RUNTIME_CLASS_HEALED = Finding("VCD208", Status.WARN, "without `--pod`: pods were refused for a RuntimeClass that "
                               "exists now (the syncer retries; recreate a pod that still has"
                               " no host pod)",
                               "Recreate, inside its vCluster, a pod that still has no host pod.")
NEVER_SYNCED_CLASS = Finding("VCD211", Status.FAIL, "the virtual pod never reached the host: the vCluster (v0.26+) "
                             "held it back, as its priority or runtime class is not on the host or not selected by "
                             "`sync.fromHost.*Classes.selector` (a SyncWarning event, read in tenant runs)",
                             "Give the pod a class the selector admits, create the class on the host, or widen the "
                             "selector; then recreate the pod.")
REFUSED_OTHERWISE = Finding("VCD210", Status.FAIL, "without `--pod`: a syncer log shows virtual pods the host "
                            "refused for another reason (a webhook, quota, policy or PriorityClass), still without a "
                            "host pod, named with their vCluster and the reason quoted",
                            "Fix what the quoted reason names on the host; examine one pod with vcdoctor run --pod.")
NO_SYNCED_POD = Finding("VCD209", Status.SKIP, "no vCluster-synced pod to examine",
                        "Nothing to do until a vCluster syncs pods to the host.")


CHECK = Check(
    id="pod-scheduler-name",
    title="expected: pods with KAI settings name kai-scheduler and reach the host",
    summary=("pods with KAI settings name KAI's configured scheduler (`kai-scheduler` by default), and virtual pods "
             "reach the host (else the host's refusal, quoted, from the syncer log)"),
    severity=Severity.HIGH,
    run=run,
    order=20,
    findings=(WRONG_SCHEDULER, KAI_SETTINGS_IGNORED, NEVER_SYNCED_SHARING, NEVER_SYNCED_GPU, NEVER_SYNCED_QUOTA,
              NEVER_SYNCED, NEVER_SYNCED_RUNTIME, RUNTIME_CLASS_REFUSED, RUNTIME_CLASS_HEALED, REFUSED_OTHERWISE,
              NEVER_SYNCED_CLASS, NO_SYNCED_POD),
    passes=("the `--pod` target uses the configured scheduler; or every synced pod with KAI settings does",),
    docs_url=f"{DOCS_BASE}#pod-scheduler-name",
)
