"""gpu-sharing-reservations: fractional GPU pods need GPU sharing on and running reservation pods (binder's view)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.engine.verdicts import could_not_look
from vcdoctor.engine.verdicts import remediation as access_remediation
from vcdoctor.gateway import GatewayError, NotInArchive
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.products.vcluster.facts import SyncerLogs
from vcdoctor.products.vcluster.scope import Scope
from vcdoctor.remedy.steps import Inspect, Manual, inside_vcluster

MAX_LISTED = 10
DENIAL = "denied the request"

# one paragraph: the renderers wrap prose to the terminal, a newline here would break a sentence in two
RESERVATIONS = ("The binder reserves each shared GPU with a reservation pod on the node at bind time; a shared pod "
                "binds only once that pod runs. A reservation pod failing with 'unable to initialize NVML', or "
                "refused for a missing RuntimeClass, means the NVIDIA container runtime (RuntimeClass nvidia), "
                "driver or device plugin is missing on that node.")


def _syncer_denials(scope: Scope, vclusters: Tuple[vcl.VCluster, ...],
                    syncer_logs: SyncerLogs) -> Tuple[List[Evidence], List[GatewayError], Dict[str, str]]:
    """Webhook denials in each vCluster syncer's log tail (the only trace a denied pod leaves on the host), and the
    unread logs: what could not be read -> the vCluster it is of."""
    found: List[Evidence] = []
    problems: List[GatewayError] = []
    unread: Dict[str, str] = {}
    for vc in vclusters:
        for ref, lines in syncer_logs.get(vc.ref, ()):
            if isinstance(lines, GatewayError):
                problems.append(lines)
                unread[ref] = vc.ref
                continue
            for line in lines:
                denial = kai.denial_of(line) if DENIAL in line else None
                if denial is None:
                    continue
                if scope.target.pod and scope.target.pod not in line:
                    continue
                found.append(Evidence(f"syncer log of {ref}", line.strip()[:400],
                                      {"vcluster": vc.ref, "denial": denial}))
    return found, problems, unread


def _pod_evidence(pod: Pod) -> Evidence:
    data = {k: podinfo.annotations(pod)[k] for k in (kai.GPU_FRACTION, kai.GPU_MEMORY)
            if k in podinfo.annotations(pod)}
    data["node"] = podinfo.node_name(pod)
    data["phase"] = podinfo.phase(pod)
    return Evidence(f"pod {podinfo.ref(pod)}", "requests a GPU share", data)


def _denied_in(denials: List[Evidence]) -> List[str]:
    """The vCluster each denial is in: a denied pod never reached the host, its vCluster is the object to name."""
    return list(dict.fromkeys(str(d.data.get("vcluster")) for d in denials))


def _vcluster_of(pods: List[Pod], denials: List[Evidence]) -> Optional[str]:
    refs = {str(d.data.get("vcluster")) for d in denials}
    refs |= {f"{ns}/{name}" for ns, name in map(vcl.owner_key, pods) if name}
    return next(iter(refs)) if len(refs) == 1 else None


def run(scope: Scope, vclusters: Tuple[vcl.VCluster, ...], examined_pods: List[Pod], syncer_logs: SyncerLogs,
        gpu_sharing: kai.SharingState, reservation_pods: kai.ReservationPods, kai_release: kai.KaiRelease,
        kai_settings: kai.KaiSettings, context: Optional[str]) -> Verdict:
    examined = examined_pods
    shared = [p for p in examined if kai.wants_gpu_share(p)]
    denials, problems, unread = _syncer_denials(scope, vclusters, syncer_logs)
    pod_ev = [_pod_evidence(p) for p in shared[:MAX_LISTED]]
    if not shared and not denials:
        if problems:
            exc = problems[0]
            if isinstance(exc, NotInArchive):  # another tool's archive lacks it: a skip saying how to collect it
                return could_not_look(exc, "the syncer log, where KAI webhook denials of pods would show")
            return LOG_UNREADABLE.verdict(
                f"no host pod requests a GPU share, but the syncer log of {', '.join(unread)} could not be "
                f"read ({exc.kind}); pods denied by KAI's webhook would only show there",
                tuple(Evidence(e.request.describe() if e.request else "the API server", e.reason,
                               {"outcome": e.kind}) for e in problems),
                access_remediation(exc), objects=dict.fromkeys(unread.values()))
        return NO_SHARES.verdict("no pod requests a GPU share (gpu-fraction/gpu-memory) and no syncer log shows a "
                                 "KAI webhook denial",
                                 (Evidence("examined pods", f"{len(examined)} without gpu-fraction/gpu-memory"),))

    release: kai.KaiRelease = kai_release
    state = gpu_sharing
    state_ev = Evidence("GPU sharing", f"enabled = {state.enabled}", {"source": state.source,
                                                                      "kai_release": release.text})
    evidence = tuple([state_ev] + pod_ev + denials[:MAX_LISTED])
    vcluster = _vcluster_of(shared, denials)
    concerned = [podinfo.ref(p) for p in shared] + _denied_in(denials)
    if state.enabled is None:
        return STATE_UNREADABLE.verdict(
            f"{len(shared)} pod(s) request GPU shares but KAI's GPU sharing state could not "
            f"be read: {state.source}", evidence,
            "Check the KAI install: kubectl get configs.kai.scheduler kai-config -o yaml", objects=concerned)
    if not state.enabled:
        what = []
        if shared:
            what.append(f"{len(shared)} pod(s) request GPU shares")
        if denials:
            what.append(f"KAI's admission webhook denied {len(denials)} pod creation(s) in the syncer log")
        names = [vcl.virtual_ref(p) or podinfo.ref(p) for p in shared[:MAX_LISTED]]
        return SHARING_OFF.verdict(f"GPU sharing is disabled but {' and '.join(what)}", evidence,
                                   kai.ENABLE_GPU_SHARING, kai.gpu_sharing_fix(release, context, vcluster, names,
                                                                                    kai_settings.namespace),
                                   objects=concerned)
    invalid = [d for d in denials if d.data.get("denial") in kai.INVALID_REQUEST_DENIALS]
    if invalid:
        quoted = sorted({str(d.data["denial"]) for d in invalid})
        fix = remedy.fix(context, inside_vcluster(vcluster, tuple(f"KAI's webhook said: {text}" for text in quoted) + (
            "Fix the gpu-fraction / gpu-memory annotation (or the nvidia.com/gpu limit) and recreate the pod.",)))
        return REJECTED.verdict(f"KAI's admission webhook rejected {len(invalid)} pod(s) for their GPU request: "
                                + "; ".join(quoted), evidence, kai.VALID_GPU_SHARE_VALUES, fix,
                                objects=_denied_in(invalid))
    row = compat.at(compat.RESERVATION, release.effective)
    namespace = row.value.namespace if row else kai.RESERVATION_NAMESPACES[0]
    return _reservations(list(reservation_pods(namespace)), shared, evidence, release, namespace, context,
                         kai_settings.namespace, _denied_in(denials))


def _termination(pod: Pod) -> str:
    """The container's own last words: the termination message, else the waiting message, else the reason."""
    for status in podinfo.container_statuses(pod):
        if status.last_words:
            return f"{status.name}: {status.last_words[:400]}"
    for cond in pod.conditions:
        if cond.message:
            return cond.message[:400]
    return pod.message or podinfo.state_summary(pod)


def _reservation_fix(context: Optional[str], broken: List[Pod], release: kai.KaiRelease, namespace: str) -> Fix:
    why = ["The reservation pods the binder could not start, and the binder's own account:"]
    look = kai.inspect_pods(broken[:3])
    commands = look.commands + (("kubectl", "logs", "deployment/binder", "--namespace", namespace, "--tail", "100"),)
    runtime = compat.at(compat.RESERVATION_RUNTIME_CLASS, release.effective)
    if runtime is None or runtime.value:
        why.append(f"KAI {release.text} runs reservation pods with RuntimeClass nvidia"
                   + ("" if runtime else " (v0.7.12 - v0.15.x)")
                   + "; it must exist and the NVIDIA container runtime must be on the node.")
        commands += (("kubectl", "get", "runtimeclass", "nvidia"),)
    nodes = ", ".join(sorted({podinfo.node_name(p) or "unscheduled" for p in broken}))
    return remedy.fix(context, Inspect(why=tuple(why), commands=commands),
                      Manual(where="on the GPU node(s)" + (f" {nodes}" if broken else ""),
                             lines=("Check the NVIDIA GPU operator / device plugin and the container runtime.",)))


def _reservations(reservations: List[Pod], shared: List[Pod], evidence: tuple, release: kai.KaiRelease,
                  namespace: str, context: Optional[str], kai_namespace: str, denied_in: List[str]) -> Verdict:
    by_node: dict = {}
    for pod in reservations:
        by_node.setdefault(podinfo.node_name(pod), []).append(pod)
    res_ev = tuple(Evidence(f"pod {podinfo.ref(p)}", podinfo.state_summary(p), {"node": podinfo.node_name(p)})
                   for p in reservations[:MAX_LISTED])
    evidence = evidence + (res_ev or (Evidence(f"namespace {namespace}", "no reservation pods",
                                               {"kai_release": release.text}),))
    scheduled = [p for p in shared if podinfo.node_name(p)]
    pending = [p for p in shared if not podinfo.node_name(p)]
    broken = [p for p in reservations if podinfo.phase(p) != "Running" or not podinfo.is_ready(p)]
    relevant = [p for p in broken if pending or podinfo.node_name(p) in {podinfo.node_name(s) for s in scheduled}]
    if relevant:
        said = [Evidence(f"reservation pod {podinfo.ref(p)}", _termination(p),
                         {"node": podinfo.node_name(p), "state": podinfo.state_summary(p)}) for p in relevant[:3]]
        waiting = (f"; {len(pending)} fractional pod(s) wait to bind" if pending else "")
        return RESERVATION_DOWN.verdict(
            "reservation pod(s) not running: " + "; ".join(
 f"{podinfo.ref(p)} ({podinfo.state_summary(p)}): {_termination(p)}" for p in relevant[:2]) + waiting,
 evidence + tuple(said), RESERVATIONS, _reservation_fix(context, relevant, release, kai_namespace),
            objects=dict.fromkeys(podinfo.node_name(p) or podinfo.ref(p) for p in relevant))
    scheduled_nodes = {node for node in map(podinfo.node_name, scheduled) if node}  # every scheduled pod has one
    uncovered = sorted(scheduled_nodes - set(by_node))
    if uncovered:
        return NO_RESERVATION.verdict(f"GPU sharing is on but node(s) {', '.join(uncovered)} run shared pods without a "
                                      f"reservation pod in {namespace}", evidence, RESERVATIONS,
                                      _reservation_fix(context, [], release, kai_namespace),
                                      objects=uncovered)
    if pending and not reservations:
        return NOT_BOUND_YET.verdict(
            f"GPU sharing is on; {len(pending)} fractional pod(s) are not bound and no "
            f"reservation pod exists yet in {namespace} (the binder creates them at bind "
            f"time)", evidence, RESERVATIONS, objects=[podinfo.ref(p) for p in pending])
    if not shared:
        return EARLIER_DENIALS.verdict(
            "GPU sharing is on; the syncer log shows earlier webhook denials of GPU-share pods",
            evidence, "Recreate the denied pods inside the vCluster now that sharing is on.",
            objects=denied_in)
    return Verdict(Status.PASS, f"GPU sharing is on; {len(scheduled)} bound fractional pod(s) have reservation pods "
                                f"on their nodes" + (f", {len(pending)} not bound yet" if pending else ""), evidence)


SHARING_OFF = Finding("VCD350", Status.FAIL, "sharing off while pods ask for shares or the syncer log shows denials",
                      "Turn KAI's GPU sharing on (global.gpuSharing), then recreate the refused pods.")
REJECTED = Finding("VCD351", Status.FAIL, "sharing on, and the webhook rejected GPU requests (quoted)",
                   "Fix the pods' GPU share requests (valid gpu-fraction / gpu-memory values) and recreate them.")
RESERVATION_DOWN = Finding("VCD352", Status.FAIL, "a reservation pod on a relevant node is not running: its "
                           "termination message is quoted (e.g. `unable to initialize NVML`)",
                           "Fix the node's GPU runtime (the quoted message), then delete the reservation pod so the "
                           "binder recreates it.")
NO_RESERVATION = Finding("VCD353", Status.FAIL, "a node runs shared pods without a reservation pod",
                         "Check KAI's binder and the reservation namespace; recreate the shared pods.")
NOT_BOUND_YET = Finding("VCD354", Status.WARN, "sharing on, fractional pods not bound yet and no reservation pod yet"
                        " (the binder creates them at bind time)",
                        "Wait for the pods to bind, or examine one with --pod.")
EARLIER_DENIALS = Finding("VCD355", Status.WARN, "sharing on, no shared pod left, but the syncer log shows earlier "
                          "denials",
                          "Recreate the pods that were denied, if they are still wanted.")
NO_SHARES = Finding("VCD356", Status.SKIP, "no pod asks for a share and no denial in the syncer logs",
                    "Nothing to do.")
STATE_UNREADABLE = Finding("VCD357", Status.ERROR, "the sharing state cannot be read",
                           "Grant vcdoctor read access to KAI's Config or its components (`vcdoctor rbac`).")
LOG_UNREADABLE = Finding("VCD358", Status.ERROR, "no shared pod, but a syncer log is unreadable",
                         "Grant get on pods/log of the vCluster control plane (`vcdoctor rbac`).")


CHECK = Check(
    id="gpu-sharing-reservations",
    title="expected: GPU sharing on for fractional pods, with running reservation pods",
    summary=("pods asking for GPU shares have GPU sharing on (no webhook denials in the syncer log) and running "
             "reservation pods in the release's reservation namespace"),
    severity=Severity.HIGH,
    run=run,
    order=40,
    findings=(SHARING_OFF, REJECTED, RESERVATION_DOWN, NO_RESERVATION, NOT_BOUND_YET, EARLIER_DENIALS, NO_SHARES,
              STATE_UNREADABLE, LOG_UNREADABLE),
    passes=("sharing on, and each node running bound shared pods has a reservation pod",),
    docs_url=f"{DOCS_BASE}#gpu-sharing-reservations",
)
