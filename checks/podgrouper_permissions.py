"""podgrouper-permissions: KAI's pod-grouper logs no RBAC trouble walking pod owners."""

from __future__ import annotations

from typing import List, Optional, Tuple

from vcdoctor.products import kai
from vcdoctor import pods as podinfo
from vcdoctor.products import vcluster as vcl
from vcdoctor.engine.verdicts import remediation as access_remediation
from vcdoctor.gateway import GatewayError
from vcdoctor.fix_script import join
from vcdoctor.model import Fix
from vcdoctor.model import DOCS_BASE, Check, Evidence, Severity, Status, Verdict

MAX_EXAMPLES = 5

NO_POD_GROUPER = (f"Start with the kai-components check; the pod-grouper runs in {kai.NAMESPACE}:\n"
                  f"  kubectl get pods -n {kai.NAMESPACE} -l 'app in (pod-grouper,podgrouper)'")

NOT_READY = (f"Fix the pod-grouper first (see kai-components), then re-run vcdoctor. Its crashed run:\n"
             f"  kubectl logs -n {kai.NAMESPACE} {{pod}} --previous --tail=100")

RAISE_VERBOSITY = f"""KAI logs the owner-lookup fallback only at debug level, so a clean log is not proof.
Make it visible: run the pod-grouper with --zap-log-level=debug (with global.jsonLog=true / --zap-devel=false
debug lines are hidden), then re-run vcdoctor:
  kubectl -n {kai.NAMESPACE} get deploy -l 'app in (pod-grouper,podgrouper)' -o jsonpath='{{..args}}'
The lasting fix is the same as for errors: turn setOwner off in the vCluster and recreate the pods."""


def _fix(scope, context) -> Tuple[str, Optional[Fix]]:
    text = ("The pod-grouper may not read the vCluster Service it finds as the pods' owner. Stop vCluster from "
            "setting that owner reference (same fix as vcluster-set-owner). ")
    if not scope.found_vclusters:
        return f"{text}\n{vcl.SET_OWNER_SNIPPET}", None
    why = "vCluster must sync pods without the Service owner reference (experimental.syncSettings.setOwner: false)."
    return (text + " ".join(vcl.upgrade_explained(vc, vcl.SET_OWNER_SNIPPET) for vc in scope.found_vclusters),
            join([vcl.upgrade_fix(vc, context, vcl.SET_OWNER_SNIPPET, "kai-scheduler-values.yaml", why)
                  for vc in scope.found_vclusters]))


def _owned(examined: List[dict]) -> List[dict]:
    return [p for p in examined if vcl.service_owner(p, podinfo.labels(p).get(vcl.MANAGED_BY, ""))]


def _predict(scope, service_access, logs, owned, evidence, context) -> Verdict:
    """No error logged yet, but pods point at the vCluster Service: ask the API server (SubjectAccessReview)
    whether the pod-grouper's identity may read that Service, and say what will happen."""
    account = (logs.pods[0].get("spec") or {}).get("serviceAccountName") or "pod-grouper"
    user = f"system:serviceaccount:{kai.NAMESPACE}:{account}"
    namespaces = sorted({p["metadata"]["namespace"] for p in owned})
    try:
        denied = [ns for ns in namespaces if not service_access(user, ns)]
    except GatewayError as exc:
        return Verdict(Status.WARN, f"no permission errors logged, but {len(owned)} kai-scheduler pod(s) still carry "
                                    f"the vCluster Service owner reference; the fallback is logged at debug level "
                                    f"only, and vcdoctor could not ask whether {user} may read Services "
                                    f"({exc.kind})", evidence, RAISE_VERBOSITY)
    review = Evidence(f"SubjectAccessReview for {user}", f"get services: denied in {', '.join(denied) or 'none'}",
                      {"namespaces": namespaces, "denied": denied})
    if denied:
        return Verdict(Status.FAIL, f"{user} may not get services in {', '.join(denied)}: every owner lookup of "
                                    f"{len(owned)} pod(s) hits that wall (KAI falls back to grouping each pod alone, "
                                    f"logged only at debug level)", evidence + (review,), *_fix(scope, context))
    return Verdict(Status.WARN, f"{user} may read the vCluster Service, so the pod-grouper groups every pod of the "
                                f"vCluster under it (one PodGroup; see kai-podgroup)", evidence + (review,), *_fix(scope, context))


def run(scope, pod_grouper_logs, examined_kai_pods, service_access, context) -> Verdict:
    logs = pod_grouper_logs
    if not logs.pods:
        return Verdict(Status.ERROR, f"could not look: no pod-grouper pod in namespace {kai.NAMESPACE}",
                       (Evidence(f"pods in {kai.NAMESPACE}", "none labelled app=pod-grouper or app=podgrouper"),),
                       NO_POD_GROUPER)
    failed = tuple(Evidence(f"log of {ref}", exc.reason, {"outcome": exc.kind}) for ref, exc in logs.failures)
    scan = logs.scan
    read_ev = Evidence("pod-grouper logs", f"{scan.lines} lines read from {', '.join(logs.read) or 'no pod'}",
                       {"pods_read": logs.read, "permission_errors": scan.permission_count,
                        "undecodable_bytes": scan.undecodable_bytes})
    if scan.permission:
        findings = sorted(scan.permission.values(), key=lambda f: -f.count)
        examples = tuple(Evidence(f"{f.kind}: {f.subject}", f.example, {"count": f.count})
                         for f in findings[:MAX_EXAMPLES])
        summary = ", ".join(f"{f.subject} x{f.count}" for f in findings[:3])
        return Verdict(Status.FAIL, f"{scan.permission_count} permission error(s) in pod-grouper logs: {summary}",
                       (read_ev,) + examples + failed, *_fix(scope, context))
    if logs.failures:
        ref, exc = logs.failures[0]
        return Verdict(Status.ERROR, f"could not read the pod-grouper log of {ref}: {exc.kind}",
                       (read_ev,) + failed, access_remediation(exc))
    not_ready = [p for p in logs.pods if not podinfo.is_ready(p)]
    if not_ready:
        return Verdict(Status.WARN, f"no permission errors in {scan.lines} log lines, but pod-grouper "
                                    f"{podinfo.ref(not_ready[0])} is not ready ({podinfo.state_summary(not_ready[0])}); "
                                    f"the log covers only its current, failing run",
                       (read_ev,), NOT_READY.format(pod=not_ready[0]["metadata"]["name"]))
    owned = _owned(examined_kai_pods)
    if owned:
        owned_ev = Evidence("host pods", "ownerReference v1/Service present",
                            {"pods": [podinfo.ref(p) for p in owned[:10]], "count": len(owned)})
        return _predict(scope, service_access, logs, owned, (read_ev, owned_ev), context)
    return Verdict(Status.PASS, f"no permission errors in {scan.lines} pod-grouper log lines and no pod owned by a "
                                f"vCluster Service", (read_ev,))


CHECK = Check(
    id="podgrouper-permissions",
    title="KAI pod-grouper has no permission errors",
    severity=Severity.HIGH,
    run=run,
    order=50,
    docs_url=f"{DOCS_BASE}#podgrouper-permissions",
)
