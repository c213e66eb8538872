"""podgrouper-permissions: KAI's pod-grouper walks pod owners without RBAC trouble that changes scheduling."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from vcdoctor import pods as podinfo
from vcdoctor.engine.verdicts import could_not_look
from vcdoctor.engine.verdicts import remediation as access_remediation
from vcdoctor.gateway import GatewayError, NotInArchive
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.products.kai.pod_grouper_log import Finding as LogFinding
from vcdoctor.products.vcluster.facts import SettingsByVCluster
from vcdoctor.products.vcluster.scope import Scope
from vcdoctor.remedy.script import said

MAX_EXAMPLES = 5
Key = Tuple[str, str]

NO_POD_GROUPER = ("Start with the kai-components check; the pod-grouper runs in {namespace} "
                  "(pods labelled app=pod-grouper from v0.9, app=podgrouper before).")

NOT_READY = ("Fix the pod-grouper first (see kai-components), then re-run vcdoctor. Its crashed run, on the host "
             "cluster:\n  ")

HARMLESS = ("from KAI v0.4.2 a refused owner lookup makes the pod its own top owner, so it is grouped exactly as with "
            "setOwner off (PodGroup pg-<pod>-<uid>); the cost is log noise on every reconcile and a setup that "
            f"deviates from the documented one ({compat.GRACEFUL_OWNER_LOOKUP.source})")
CRASHES = ("before KAI v0.4.2 the owner lookup goes through the cached client, whose informer fails on the refusal "
           "and crashes the reconciler (podgrouper.go@v0.4.1:133; fixed in v0.4.2, #77)")
ONE_GANG = ("the pod-grouper may read the vCluster Service, so it climbs to it as the top owner and puts every pod of "
            "the vCluster into one PodGroup: KAI gang-schedules unrelated pods together")


def _service_account(logs: kai.PodGrouperLogs) -> str:
    pod = logs.pods[0]
    account = pod.service_account or "pod-grouper"
    return f"system:serviceaccount:{podinfo.namespace(pod)}:{account}"


def _fix_for(vc: vcl.VCluster, vcluster_settings: SettingsByVCluster) -> str:
    """What vcluster-set-owner prescribes for this vCluster: setOwner off, or, when it already is off but not
    applied, the restart."""
    settings = vcluster_settings.get(vc.ref)
    if isinstance(settings, vcl.Settings) and vcl.owner_setting(settings).value is False:
        return (f"{vc.ref}: setOwner is already false but not in effect; restart its control plane and recreate the "
                f"pods.")
    how = ("the syncer flag --set-owner=false" if isinstance(settings, vcl.Settings) and settings.legacy
           else "experimental.syncSettings.setOwner: false")
    return f"{vc.ref}: turn setOwner off ({how})."


def _fixes(vcs: Sequence[vcl.VCluster], vcluster_settings: SettingsByVCluster) -> Tuple[str, Optional[Fix]]:
    # the fix script belongs to vcluster-set-owner, in the same report: printed twice it would be pasted twice
    text = ("Stop vCluster from setting the Service owner reference on the pods it syncs, for the vCluster(s) "
            "concerned only; the remedy does it under vcluster-set-owner (one upgrade per vCluster).")
    if not vcs:
        return f"{text}\n" + yaml.safe_dump(dict(vcl.SET_OWNER_VALUES)).rstrip("\n"), None
    return text + "\n" + "\n".join(_fix_for(vc, vcluster_settings) for vc in vcs), None


def _access(service_access: kai.ServiceAccess, user: str,
            namespaces: Sequence[str]) -> Tuple[Dict[str, Optional[bool]], Optional[str]]:
    """namespace -> may the pod-grouper get Services there (None: could not ask), and why not."""
    found: Dict[str, Optional[bool]] = {}
    problem = None
    for ns in namespaces:
        try:
            found[ns] = bool(service_access(user, ns))
        except GatewayError as exc:
            found[ns] = None
            problem = exc.kind
    return found, problem


def _judge(release: kai.KaiRelease, user: str, access: Dict[str, Optional[bool]], problem: Optional[str],
           what: str) -> Tuple[Finding, str, Evidence]:
    """The severity of refused (or would-be refused) owner lookups of ``what``, and which case applies."""
    readable = sorted(ns for ns, ok in access.items() if ok)
    review = Evidence(f"SubjectAccessReview for {user}",
                      "get services allowed in " + (", ".join(readable) or "none")
                      + (f" (could not ask: {problem})" if problem else ""),
                      {"access": {ns: ok for ns, ok in access.items()}})
    if readable:
        return ONE_GANG_FINDING, f"{what}; {ONE_GANG} (in {', '.join(readable)})", review
    graceful = release.has(compat.GRACEFUL_OWNER_LOOKUP)
    if graceful is False:
        return CRASH_FINDING, f"{what}; KAI {release.text}: {CRASHES}", review
    if graceful is None:
        return CRASH_FINDING, (f"{what}; {release.outside_message()}, so vcdoctor cannot rule out the crash of "
                               f"releases before v0.4.2 ({CRASHES})"), review
    unknown = " (whether it may read the Service could not be asked)" if problem else ""
    return HARMLESS_FINDING, f"{what}; KAI {release.text}: {HARMLESS}{unknown}", review


def run(scope: Scope, pod_grouper_logs: kai.PodGrouperLogs, examined_kai_pods: List[Pod],
        service_access: kai.ServiceAccess, kai_release: kai.KaiRelease, kai_settings: kai.KaiSettings,
        vcluster_settings: SettingsByVCluster, context: Optional[str]) -> Verdict:
    logs = pod_grouper_logs
    if not logs.pods:
        return NO_LOG.verdict(f"could not look: no pod-grouper pod in namespace {kai_settings.namespace}",
                              (Evidence(f"pods in {kai_settings.namespace}",
                                        "none labelled app=pod-grouper or app=podgrouper"),),
                              NO_POD_GROUPER.format(namespace=kai_settings.namespace), objects=[kai_settings.namespace])
    release: kai.KaiRelease = kai_release
    failed = tuple(Evidence(f"log of {ref}", exc.reason, {"outcome": exc.kind}) for ref, exc in logs.failures)
    scan = logs.scan
    read_ev = Evidence("pod-grouper logs", f"{scan.lines} lines read from {', '.join(logs.read) or 'no pod'}",
                       {"pods_read": logs.read, "permission_errors": scan.permission_count,
                        "undecodable_bytes": scan.undecodable_bytes, "kai_release": release.text,
                        "json_log": kai_settings.json_log})
    examined: Dict[Key, vcl.VCluster] = {(vc.namespace, vc.name): vc for vc in scope.found_vclusters}
    narrowed = scope.target.names_vcluster

    def concerned(finding: LogFinding) -> bool:
        # a line about a vCluster's Service belongs to that vCluster; with --vcluster, only the examined ones count
        if finding.service is None:
            return True
        return finding.service in examined or not narrowed

    findings = sorted((f for f in scan.permission.values() if concerned(f)), key=lambda f: -f.count)
    elsewhere = sum(f.count for f in scan.permission.values() if not concerned(f))
    if elsewhere:
        read_ev = Evidence(read_ev.subject, read_ev.observation + f"; {elsewhere} line(s) concern vClusters not "
                                                                  f"examined", dict(read_ev.data))
    user = _service_account(logs)
    if findings:
        examples = tuple(Evidence(f"{f.kind}: {f.subject}" + (f" (vCluster {f.service[0]}/{f.service[1]})"
                                                               if f.service else ""),
                                  f.example, {"count": f.count}) for f in findings[:MAX_EXAMPLES])
        total = sum(f.count for f in findings)
        summary = ", ".join(f"{f.subject} x{f.count}" for f in findings[:3])
        what = f"{total} permission error(s) in pod-grouper logs: {summary}"
        other = [f for f in findings if f.service is None and not f.subject.endswith("cannot get services")]
        services = sorted({f.service for f in findings if f.service})
        vcs = [examined[s] for s in services if s in examined]
        text, fix = _fixes(vcs, vcluster_settings)
        if other:
            # a refusal on another owner kind (Deployment, Job, ...) stops the climb early: grouping changes
            return OTHER_OWNER_KIND.verdict(
                f"{what}; the pod-grouper may not read owners of kind(s) it needs, so it "
                f"groups those workloads by a lower owner", (read_ev,) + examples + failed,
                f"Restore KAI's stock ClusterRole for {user} (kubectl get clusterrole kai-podgrouper -o "
                f"yaml). " + text, fix, logs.read)
        access, problem = _access(service_access, user, sorted({ns for ns, _ in services}))
        finding, message, review = _judge(release, user, access, problem, what)
        return finding.verdict(message, (read_ev,) + examples + (review,) + failed, text, fix,
                               [f"{ns}/{name}" for ns, name in services])
    if logs.failures:
        ref, exc = logs.failures[0]
        if isinstance(exc, NotInArchive):  # another tool's archive lacks it: a skip saying how to collect it
            return could_not_look(exc, f"the pod-grouper log of {ref}")
        return NO_LOG.verdict(f"could not read the pod-grouper log of {ref}: {exc.kind}",
                              (read_ev,) + failed, access_remediation(exc), objects=[ref])
    not_ready = [p for p in logs.pods if not podinfo.is_ready(p)]
    if not_ready:
        state = podinfo.state_summary(not_ready[0])
        return GROUPER_NOT_READY.verdict(
            f"no permission errors in {scan.lines} log lines, but pod-grouper "
            f"{podinfo.ref(not_ready[0])} is not ready ({state}); "
            f"the log covers only its current, failing run",
            (read_ev,), NOT_READY + said(context, "kubectl", "logs", podinfo.name(not_ready[0]),
                                         "--namespace", podinfo.namespace(not_ready[0]), "--previous",
                                         "--tail", "100"), objects=[podinfo.ref(p) for p in not_ready])
    owned = [p for p in examined_kai_pods if vcl.service_owner(p, vcl.owner_key(p)[1])]
    if owned:
        return _predict(owned, examined, service_access, release, kai_settings, vcluster_settings, user,
                        read_ev)
    return Verdict(Status.PASS, f"no permission errors in {scan.lines} pod-grouper log lines and no pod owned by a "
                                f"vCluster Service", (read_ev,))


def _predict(owned: List[Pod], examined: Dict[Key, vcl.VCluster], service_access: kai.ServiceAccess,
             release: kai.KaiRelease, settings: kai.KaiSettings, vcluster_settings: SettingsByVCluster, user: str,
             read_ev: Evidence) -> Verdict:
    """No refusal logged, but pods point at their vCluster's Service: ask the API server (SubjectAccessReview)
    whether the pod-grouper may read it, and say what follows."""
    owned_ev = Evidence("host pods", "ownerReference v1/Service present",
                        {"pods": [podinfo.ref(p) for p in owned[:10]], "count": len(owned)})
    keys = sorted({vcl.owner_key(p) for p in owned})
    if settings.json_log:
        quiet = (f"the fallback is a DEBUG line and jsonLog hides DEBUG lines ({settings.json_log_source}), so the "
                 f"clean log is no evidence either way")
    else:
        quiet = (f"KAI prints the DEBUG fallback line by default ({compat.DEBUG_LOGGED_SOURCE}); the log tail may "
                 f"predate these pods' last reconcile")
    access, problem = _access(service_access, user, sorted({ns for ns, _ in keys}))
    what = f"no permission errors logged, but {len(owned)} KAI pod(s) carry their vCluster's Service owner reference"
    finding, message, review = _judge(release, user, access, problem, what)
    text, fix = _fixes([examined[k] for k in keys if k in examined], vcluster_settings)
    if settings.json_log:
        text += ("\nTo see the fallback lines, turn JSON logging off (Helm value global.jsonLog=false, KAI v0.15+) "
                 "and re-run vcdoctor.")
    return finding.verdict(f"{message}; {quiet}", (read_ev, owned_ev, review), text, fix,
                           [f"{ns}/{name}" for ns, name in keys])


HARMLESS_FINDING = Finding("VCD400", Status.WARN, "refused Service lookups (logged, or predicted from owned pods) on"
                           " KAI v0.4.2+ while the pod-grouper may not read the Service: the "
                           "pod becomes its own top owner and is grouped as with setOwner "
                           "off; the cost is log noise and a setup that deviates from the "
                           "documented one",
                           "Turn setOwner off for the vCluster(s) concerned (the vcluster-set-owner upgrade script),"
                           " or restart the control plane when it is already off but not applied.")
ONE_GANG_FINDING = Finding("VCD401", Status.FAIL, "the pod-grouper may read the Service: it climbs to it and puts "
                           "every pod of the vCluster into one PodGroup",
                           "Turn setOwner off for the vCluster(s) concerned (the vcluster-set-owner upgrade script) "
                           "and recreate their pods.")
CRASH_FINDING = Finding("VCD402", Status.FAIL, "the same refusals on KAI before v0.4.2 (the reconciler crashes), or "
                        "on a release vcdoctor does not know",
                        "Turn setOwner off for the vCluster(s) concerned, or upgrade KAI to v0.4.2 or later.")
OTHER_OWNER_KIND = Finding("VCD403", Status.FAIL, "refusals on another owner kind (Deployment, Job, ...): those "
                           "workloads are grouped by a lower owner",
                           "Restore KAI's stock ClusterRole `kai-podgrouper` for the pod-grouper's ServiceAccount.")
GROUPER_NOT_READY = Finding("VCD404", Status.WARN, "no errors, but a pod-grouper pod is not Ready: the log covers "
                            "only its failing run",
                            "Read the pod-grouper's previous log (`kubectl logs --previous`) and fix why it fails.")
NO_LOG = Finding("VCD405", Status.ERROR, "no pod-grouper pod, or its log cannot be read",
                 "Check that KAI's pod-grouper runs (see kai-components) and that vcdoctor may get pods/log in KAI's"
                 " namespace.")


CHECK = Check(
    id="podgrouper-permissions",
    title="expected: no permission errors in the pod-grouper log",
    summary=("the pod-grouper logs (or, by SubjectAccessReview, would hit) no RBAC errors walking pod owners; warn "
             "on KAI v0.4.2+ when it only falls back to the pod, fail when it can read the Service or crashes"),
    severity=Severity.HIGH,
    run=run,
    order=50,
    findings=(HARMLESS_FINDING, ONE_GANG_FINDING, CRASH_FINDING, OTHER_OWNER_KIND, GROUPER_NOT_READY, NO_LOG),
    passes=("no permission error and no examined pod owned by a vCluster Service",),
    docs_url=f"{DOCS_BASE}#podgrouper-permissions",
)
