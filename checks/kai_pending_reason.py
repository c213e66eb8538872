"""kai-pending-reason: for a Pending pod, the scheduler's own words (condition and events), newest first."""

from __future__ import annotations

from typing import List, Optional

from vcdoctor import pods as podinfo
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster.scope import Scope
from vcdoctor.remedy.script import said

MAX_EVENTS = 8


def _event_evidence(event: dict) -> Evidence:
    obj = event.get("involvedObject") or {}
    return Evidence(f"event on {obj.get('kind')} {obj.get('name')}",
                    f"{event.get('reason')}: {event.get('message')}",
                    {"type": event.get("type"), "count": event.get("count"),
                     "last_seen": event.get("lastTimestamp") or event.get("eventTime")})


def _when(event: dict) -> str:
    return event.get("lastTimestamp") or event.get("eventTime") or ""


def _scheduled_message(pod: Pod) -> Optional[str]:
    scheduled = podinfo.condition(pod, "PodScheduled")
    return scheduled.message if scheduled else None


def _targeted(scope: Scope, events_about: kai.EventsAbout, scheduler: str, context: Optional[str]) -> Verdict:
    pods = kai.kai_pods_of(scope.host_pods or (), scheduler)
    if not pods:
        return NOT_KAI_TARGET.verdict("the examined pod is not scheduled by kai-scheduler",
                                      (Evidence("examined pods", "no kai-scheduler pod"),),
                                      objects=[podinfo.ref(p) for p in scope.host_pods or ()])
    pending = [p for p in pods if podinfo.phase(p) == "Pending" and not podinfo.node_name(p)]
    if not pending:
        return Verdict(Status.PASS, ", ".join(f"{podinfo.ref(p)} is bound to {podinfo.node_name(p)}" for p in pods
                                              if podinfo.node_name(p)) or "not Pending",
                       tuple(Evidence(f"pod {podinfo.ref(p)}", podinfo.state_summary(p)) for p in pods))
    pod = pending[0]
    ns, name = podinfo.namespace(pod), podinfo.name(pod)
    pod_events = list(events_about(ns, "Pod", name))
    group = podinfo.annotations(pod).get(kai.PODGROUP_ANNOTATION)
    group_events = list(events_about(ns, "PodGroup", group)) if group else []
    # both lists are newest first; merged, they must be again (the newest word leads the evidence)
    events = sorted(pod_events + group_events, key=_when, reverse=True)
    scheduled = podinfo.condition(pod, "PodScheduled")
    scheduler_said = scheduled.message if scheduled else None
    spoken = f"{scheduled.reason or ''} {scheduler_said or ''}".strip() if scheduled else ""
    evidence = [Evidence(f"pod {podinfo.ref(pod)}",
                         f"PodScheduled={(scheduled.status if scheduled else None) or 'unset'}: {spoken}".strip())]
    evidence += [_event_evidence(e) for e in events[:MAX_EVENTS]]
    # an event of any type is something said: KAI reports a gang still waiting for its pods as a Normal event on
    # the PodGroup ("NotReady: Job is not ready for scheduling", default_status_updater.go:289-304@v0.17.0)
    said_about = [f"{e.get('reason')}: {e.get('message')}" for e in pod_events[:1]]
    said_about += [f"PodGroup {group}: {e.get('reason')}: {e.get('message')}" for e in group_events[:1]]
    if said_about or scheduler_said:
        message = "; ".join(said_about) if said_about else scheduler_said
        return PENDING_WITH_REASON.verdict(
            f"{podinfo.ref(pod)} is Pending; the scheduler says: {message}", tuple(evidence),
            "Act on the scheduler's message above; the full history, on the host cluster:\n"
            "  " + said(context, "kubectl", "describe", "pod", name, "--namespace", ns)
            + ("\n  " + said(context, "kubectl", "describe", "podgroups.scheduling.run.ai", group,
                              "--namespace", ns) if group else ""), objects=[podinfo.ref(pod)])
    return PENDING_UNSEEN.verdict(
        f"{podinfo.ref(pod)} is Pending and no scheduler has said anything about it "
        f"(no condition, no events): KAI has not considered it", tuple(evidence),
        "KAI only schedules pods that have a PodGroup; see the kai-podgroup and kai-components checks"
        + (", and for a pod that shares a GPU gpu-sharing-reservations (the binder waits for the "
           "reservation pod)" if kai.wants_gpu_share(pod) else "") + ", and on the host cluster\n"
        "  " + said(context, "kubectl", "get", "events", "--namespace", ns, "--field-selector",
                    f"involvedObject.name={name}"), objects=[podinfo.ref(pod)])


def run(scope: Scope, examined_kai_pods: List[Pod], target_events: kai.EventsAbout, kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    if scope.host_pods is not None:
        return _targeted(scope, target_events, kai_settings.scheduler, context)
    pods = examined_kai_pods
    pending = [p for p in pods if podinfo.phase(p) == "Pending" and not podinfo.node_name(p)]
    if not pods:
        return kai.NO_KAI_PODS
    if not pending:
        return Verdict(Status.PASS, f"none of {len(pods)} kai-scheduler pod(s) is Pending",
                       (Evidence("kai-scheduler pods", f"{len(pods)} bound or finished"),))
    evidence = tuple(Evidence(f"pod {podinfo.ref(p)}", _scheduled_message(p)
                              or "no PodScheduled message") for p in pending[:10])
    first = pending[0]
    # the pod's name as its owner knows it: inside the vCluster when it is a synced pod, else the host's
    ns, _, name = (vcl.virtual_ref(first) or podinfo.ref(first)).partition("/")
    return PENDING_PODS.verdict(
        f"{len(pending)} of {len(pods)} kai-scheduler pod(s) are Pending", evidence,
        "Examine one to get its cause first, the earlier links checked in order (by its name inside the "
        "vCluster, against the host cluster):\n"
        "  " + said(None, "vcdoctor", "run", *(("--context", context) if context else ()), "--namespace",
                    ns, "--pod", name), objects=[podinfo.ref(p) for p in pending])


PENDING_WITH_REASON = Finding("VCD340", Status.FAIL, "the pod is Pending and the scheduler said why (the newest "
                              "warning, or the condition's message, is the message)",
                              "Act on the scheduler's reason (quota, resources, node affinity).")
PENDING_UNSEEN = Finding("VCD341", Status.WARN, "the pod is Pending with no condition and no events: KAI has not "
                         "considered it",
                         "Check the earlier links of the chain (queue, PodGroup) and that KAI's scheduler runs.")
PENDING_PODS = Finding("VCD342", Status.WARN, "without `--pod`: Pending pods exist (examine one with `--pod`)",
                       "Examine one of them: vcdoctor run --pod NAMESPACE/NAME.")
NOT_KAI_TARGET = Finding("VCD343", Status.SKIP, "the `--pod` target does not name KAI's scheduler",
                         "See pod-scheduler-name.")


CHECK = Check(
    id="kai-pending-reason",
    title="expected: no Pending pod (else the scheduler's own words)",
    summary=("no Pending pod; for a Pending pod, the scheduler's own words"),
    severity=Severity.MEDIUM,
    run=run,
    order=34,
    after=("kai-gpu-request",),
    findings=(kai.NO_KAI_POD, PENDING_WITH_REASON, PENDING_UNSEEN, PENDING_PODS, NOT_KAI_TARGET),
    passes=("the pod is bound, or none of the examined pods is Pending",),
    docs_url=f"{DOCS_BASE}#kai-pending-reason",
)
