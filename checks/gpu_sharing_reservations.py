"""gpu-sharing-reservations: fractional GPU pods need GPU sharing on and reservation pods on their nodes."""

from __future__ import annotations

from typing import List, Tuple

from vcdoctor.products import kai
from vcdoctor import pods as podinfo
from vcdoctor.engine.verdicts import remediation as access_remediation
from vcdoctor.gateway import GatewayError
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

MAX_LISTED = 10
DENIAL = "denied the request"
INVALID_VALUE_TEXTS = ("gpu-fraction annotation value", "gpu-memory annotation value", "cannot request both")

RESERVATIONS = """The binder creates one reservation pod per shared GPU in kai-resource-reservation at bind time.
  kubectl get pods -n kai-resource-reservation -o wide
  kubectl logs -n kai-scheduler -l 'app in (binder)' --tail=100
A reservation pod failing with 'unable to initialize NVML' means the nvidia RuntimeClass or the GPU
driver/device plugin is missing on that node: kubectl get runtimeclass nvidia"""


def _syncer_denials(scope, vclusters, syncer_logs) -> Tuple[List[Evidence], List[GatewayError], List[str]]:
    """Webhook denials in each vCluster syncer's log tail (the only trace a denied pod leaves on the host)."""
    found: List[Evidence] = []
    problems: List[GatewayError] = []
    unread: List[str] = []
    for vc in vclusters:
        for ref, lines in syncer_logs.get(vc.ref, ()):
            if isinstance(lines, GatewayError):
                problems.append(lines)
                unread.append(ref)
                continue
            for line in lines:
                if DENIAL in line and any(t in line for t in kai.SHARING_DENIALS):
                    if scope.target.pod and scope.target.pod not in line:
                        continue
                    found.append(Evidence(f"syncer log of {ref}", line.strip()[:400], {"vcluster": vc.ref}))
    return found, problems, unread


def _pod_evidence(pod: dict) -> Evidence:
    data = {k: podinfo.annotations(pod)[k] for k in (kai.GPU_FRACTION, kai.GPU_MEMORY)
            if k in podinfo.annotations(pod)}
    data["node"] = podinfo.node_name(pod)
    data["phase"] = podinfo.phase(pod)
    return Evidence(f"pod {podinfo.ref(pod)}", "requests a GPU share", data)


def run(scope, vclusters, examined_pods, syncer_logs, gpu_sharing, reservation_pods) -> Verdict:
    examined = examined_pods
    shared = [p for p in examined if kai.wants_gpu_share(p)]
    denials, problems, unread = _syncer_denials(scope, vclusters, syncer_logs)
    pod_ev = [_pod_evidence(p) for p in shared[:MAX_LISTED]]
    if not shared and not denials:
        if problems:
            exc = problems[0]
            return Verdict(Status.ERROR,
                           f"no host pod requests a GPU share, but the syncer log of {', '.join(unread)} could not be "
                           f"read ({exc.kind}); pods denied by KAI's webhook would only show there",
                           tuple(Evidence(e.request.describe(), e.reason, {"outcome": e.kind}) for e in problems),
                           access_remediation(exc))
        return Verdict(Status.SKIP, "no pod requests a GPU share (gpu-fraction/gpu-memory) and no syncer log shows a "
                                    "KAI webhook denial",
                       (Evidence("examined pods", f"{len(examined)} without gpu-fraction/gpu-memory"),))

    state = gpu_sharing
    state_ev = Evidence("GPU sharing", f"enabled = {state.enabled}", {"source": state.source})
    evidence = tuple([state_ev] + pod_ev + denials[:MAX_LISTED])
    if state.enabled is None:
        return Verdict(Status.ERROR, f"{len(shared)} pod(s) request GPU shares but KAI's GPU sharing state could not "
                                     f"be read: {state.source}", evidence,
                       "Check the KAI install: kubectl get configs.kai.scheduler kai-config -o yaml")
    if not state.enabled:
        what = []
        if shared:
            what.append(f"{len(shared)} pod(s) request GPU shares")
        if denials:
            what.append(f"KAI's admission webhook denied {len(denials)} pod creation(s) in the syncer log")
        return Verdict(Status.FAIL, f"GPU sharing is disabled but {' and '.join(what)}", evidence, kai.ENABLE_GPU_SHARING)
    invalid = [d for d in denials if any(t in d.observation for t in INVALID_VALUE_TEXTS)]
    if invalid:
        return Verdict(Status.FAIL, f"KAI's admission webhook rejected {len(invalid)} pod(s) for invalid GPU-share "
                                    f"values", evidence, kai.VALID_GPU_SHARE_VALUES)
    return _reservations(list(reservation_pods()), shared, evidence)


def _reservations(reservations: List[dict], shared: List[dict], evidence: tuple) -> Verdict:
    by_node = {}
    for pod in reservations:
        by_node.setdefault(podinfo.node_name(pod), []).append(pod)
    res_ev = tuple(Evidence(f"pod {podinfo.ref(p)}", podinfo.state_summary(p), {"node": podinfo.node_name(p)})
                   for p in reservations[:MAX_LISTED])
    evidence = evidence + (res_ev or (Evidence(f"namespaces {', '.join(kai.RESERVATION_NAMESPACES)}",
                                               "no reservation pods"),))
    scheduled = [p for p in shared if podinfo.node_name(p)]
    uncovered = sorted({podinfo.node_name(p) for p in scheduled} - set(by_node))
    if uncovered:
        return Verdict(Status.FAIL, f"GPU sharing is on but node(s) {', '.join(uncovered)} run shared pods without a "
                                    f"reservation pod in kai-resource-reservation", evidence, RESERVATIONS)
    broken = [p for node in {podinfo.node_name(s) for s in scheduled} for p in by_node.get(node, [])
              if not podinfo.is_ready(p)]
    if broken:
        return Verdict(Status.FAIL, "reservation pod(s) not running: " + "; ".join(
            f"{podinfo.ref(p)} ({podinfo.state_summary(p)})" for p in broken[:3]), evidence, RESERVATIONS)
    pending = [p for p in shared if not podinfo.node_name(p)]
    if pending and not reservations:
        return Verdict(Status.WARN, f"GPU sharing is on; {len(pending)} fractional pod(s) are not bound and no "
                                    f"reservation pod exists yet (the binder creates them at bind time)",
                       evidence, RESERVATIONS)
    if not shared:
        return Verdict(Status.WARN, "GPU sharing is on; the syncer log shows earlier webhook denials of GPU-share pods",
                       evidence, "Recreate the denied pods inside the vCluster now that sharing is on.")
    return Verdict(Status.PASS, f"GPU sharing is on; {len(scheduled)} bound fractional pod(s) have reservation pods "
                                f"on their nodes" + (f", {len(pending)} not bound yet" if pending else ""), evidence)


CHECK = Check(
    id="gpu-sharing-reservations",
    title="GPU sharing is enabled and reservation pods exist",
    severity=Severity.HIGH,
    run=run,
    order=40,
    docs_url=f"{DOCS_BASE}#gpu-sharing-reservations",
)
