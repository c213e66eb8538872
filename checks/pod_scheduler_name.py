"""pod-scheduler-name: pods meant for KAI must name kai-scheduler, or KAI never sees them."""

from __future__ import annotations

from vcdoctor.products import kai
from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.scope import Scope
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

MAX_LISTED = 20

FIX = """Set the scheduler in the pod spec inside the vCluster (spec.schedulerName is copied to the host pod
unchanged) and recreate the pod; schedulerName cannot be changed on an existing pod:
  spec:
    schedulerName: kai-scheduler
For a Deployment/Job, set spec.template.spec.schedulerName and let the controller roll the pods."""


def _evidence(pod: dict) -> Evidence:
    intent = kai.kai_intent(pod)
    data = {"schedulerName": podinfo.scheduler_name(pod), "virtual_pod": vcl.virtual_ref(pod)}
    if intent:
        data["kai_intent"] = intent
    return Evidence(f"pod {podinfo.ref(pod)}", f"spec.schedulerName = {podinfo.scheduler_name(pod)}", data)


def _never_synced(scope: Scope) -> Verdict:
    """The first link is broken: the virtual pod has no host pod, and the syncer said why."""
    evidence = tuple(Evidence(f"syncer log of {refusal.source}", refusal.reason, {"lines": refusal.count})
                     for refusal in scope.sync_errors)
    newest = scope.sync_errors[-1].reason
    if "while GPU sharing is disabled" in newest:
        fix = kai.ENABLE_GPU_SHARING
    elif any(t in newest for t in kai.SHARING_DENIALS):
        fix = kai.VALID_GPU_SHARE_VALUES
    elif "exceeded quota" in newest:
        fix = ("A ResourceQuota in the vCluster's host namespace refused the pod (vCluster creates vc-<name> when "
               "policies.resourceQuota is on):\n  kubectl describe resourcequota -n <vCluster namespace>")
    else:
        fix = ("The host cluster refused the pod the syncer tried to create; the log line above names the webhook "
               "or policy. Inside the vCluster: kubectl describe pod <name> (look for SyncError events).")
    pod = f"{scope.target.namespace}/{scope.target.pod}"
    return Verdict(Status.FAIL, f"virtual pod {pod} never reached the host: {newest}", evidence, fix)


def _targeted(scope: Scope) -> Verdict:
    wrong = [p for p in scope.host_pods if podinfo.scheduler_name(p) != kai.KAI_SCHEDULER]
    evidence = tuple(_evidence(p) for p in scope.host_pods)
    if not wrong:
        names = ", ".join(podinfo.ref(p) for p in scope.host_pods)
        return Verdict(Status.PASS, f"{names}: scheduled by kai-scheduler", evidence)
    parts = []
    for pod in wrong:
        text = f"{podinfo.ref(pod)} uses {podinfo.scheduler_name(pod)}"
        intent = kai.kai_intent(pod)
        if intent:
            text += f" although it carries KAI settings ({', '.join(intent)}) that this scheduler ignores"
        parts.append(text)
    return Verdict(Status.FAIL, "; ".join(parts), evidence, FIX)


def run(scope, examined_pods) -> Verdict:
    if scope.host_pods is not None:
        return _targeted(scope) if scope.host_pods else _never_synced(scope)
    examined = examined_pods
    if not examined:
        return Verdict(Status.SKIP, "no vCluster-synced pods to examine",
                       (Evidence("pods, all namespaces", f"none labelled {vcl.MANAGED_BY}"),))
    on_kai = sum(1 for p in examined if podinfo.scheduler_name(p) == kai.KAI_SCHEDULER)
    wrong = [p for p in examined if podinfo.scheduler_name(p) != kai.KAI_SCHEDULER and kai.kai_intent(p)]
    summary = Evidence("synced pods", f"{len(examined)} examined, {on_kai} use kai-scheduler",
                       {"examined": len(examined), "kai_scheduler": on_kai, "kai_intent_elsewhere": len(wrong)})
    if not wrong:
        return Verdict(Status.PASS, f"{len(examined)} synced pod(s): every pod with KAI settings uses kai-scheduler",
                       (summary,))
    listed = tuple(_evidence(p) for p in wrong[:MAX_LISTED])
    return Verdict(Status.FAIL,
                   f"{len(wrong)} synced pod(s) carry KAI settings but another scheduler ignores them: "
                   + ", ".join(podinfo.ref(p) for p in wrong[:5]) + (" ..." if len(wrong) > 5 else ""),
                   (summary,) + listed, FIX)


CHECK = Check(
    id="pod-scheduler-name",
    title="Pods are scheduled by kai-scheduler",
    severity=Severity.HIGH,
    run=run,
    order=20,
    docs_url=f"{DOCS_BASE}#pod-scheduler-name",
)
