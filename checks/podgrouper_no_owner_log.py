"""podgrouper-no-owner-log: the expected, harmless "no owner" line, and the pod-group-name annotations."""

from __future__ import annotations

import re
from typing import Dict, List

from vcdoctor import pods as podinfo
from vcdoctor.engine.verdicts import could_not_look
from vcdoctor.engine.verdicts import remediation as access_remediation
from vcdoctor.gateway import NotInArchive
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products.kai import compat

PODGROUP_NAME = re.compile(r"^pg-.+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _annotations(examined: List[Pod]) -> Evidence:
    examples: Dict[str, str] = {}
    unexpected: List[str] = []
    missing: List[str] = []
    for pod in examined:
        name = podinfo.annotations(pod).get(kai.PODGROUP_ANNOTATION)
        if not name:
            missing.append(podinfo.ref(pod))
            continue
        if len(examples) < 5:
            examples[podinfo.ref(pod)] = name
        if not PODGROUP_NAME.match(name):
            unexpected.append(podinfo.ref(pod))
    with_group = len(examined) - len(missing)
    data = {"kai_pods": len(examined), "with_pod_group_name": with_group, "examples": examples,
            "unexpected_format": sorted(unexpected)[:5]}
    if missing:
        data["without_annotation"] = sorted(missing)[:10]
    return Evidence("pod-group-name annotation", f"{with_group} of {len(examined)} kai-scheduler pod(s) carry the "
                                                 f"pod-group-name annotation", data)


def run(pod_grouper_logs: kai.PodGrouperLogs, examined_kai_pods: List[Pod], kai_settings: kai.KaiSettings) -> Verdict:
    logs = pod_grouper_logs
    if not logs.pods:
        return NO_GROUPER.verdict(f"no pod-grouper pod in namespace {kai_settings.namespace}; see kai-components",
                                  (Evidence(f"pods in {kai_settings.namespace}",
                                            "none labelled app=pod-grouper or app=podgrouper"),),
                                  objects=(kai_settings.namespace,))
    annotation_ev = _annotations(examined_kai_pods)
    seen = logs.scan.no_owner
    if seen:
        return Verdict(Status.PASS, f"seen {len(seen)} time(s): expected and non-blocking with setOwner false; "
                                    f"{annotation_ev.observation}",
                       (Evidence("pod-grouper logs", seen[0], {"count": len(seen)}), annotation_ev))
    if logs.failures:
        ref, exc = logs.failures[0]
        if isinstance(exc, NotInArchive):  # another tool's archive lacks it: a skip saying how to collect it
            return could_not_look(exc, f"the pod-grouper log of {ref}")
        return LOG_UNREADABLE.verdict(
            f"could not read the pod-grouper log of {ref}: {exc.kind}",
            tuple(Evidence(f"log of {r}", e.reason, {"outcome": e.kind}) for r, e in logs.failures)
            + (annotation_ev,), access_remediation(exc), objects=[r for r, _ in logs.failures])
    release = kai_settings.release
    logs_it = release.has(compat.NO_OWNER_LOG)
    if logs_it is False:
        why = f"KAI {release.text} no longer logs it (only up to v0.6.x, {compat.NO_OWNER_LOG.source})"
    elif logs_it:
        why = f"KAI {release.text} logs it only for pods with a podgroup annotation but no owner"
    else:
        why = "KAI v0.7+ no longer logs it; up to v0.6 it appears only for pods with a podgroup but no owner"
    if kai_settings.json_log:
        why += f"; jsonLog is on, which hides DEBUG lines ({kai_settings.json_log_source})"
    return NOT_SEEN.verdict(f"'{kai.NO_OWNER_MESSAGE}' not seen in {logs.scan.lines} lines ({why}); "
                            f"{annotation_ev.observation}",
                            (Evidence("pod-grouper logs", f"{logs.scan.lines} lines read", {"pods_read": logs.read}),
                             annotation_ev), objects=[podinfo.ref(p) for p in logs.pods])


NOT_SEEN = Finding("VCD410", Status.SKIP, "not seen; the message says whether the release logs it at all and whether"
                   " `jsonLog` hides it",
                   "Nothing to do: the line is informational (KAI v0.2–v0.6 log it for pods without owners).")
NO_GROUPER = Finding("VCD411", Status.SKIP, "no pod-grouper pod",
                     "See kai-components: KAI's pod-grouper does not run.")
LOG_UNREADABLE = Finding("VCD412", Status.ERROR, "the logs cannot be read",
                         "Grant get on pods/log in KAI's namespace (`vcdoctor rbac`).")


CHECK = Check(
    id="podgrouper-no-owner-log",
    title="expected: pod-grouper's 'no owner' line and pod-group-name annotations",
    summary=("the expected \"Detected pod with no owner\" line (KAI up to v0.6), and `pod-group-name` annotations"),
    severity=Severity.INFO,
    run=run,
    order=60,
    findings=(NOT_SEEN, NO_GROUPER, LOG_UNREADABLE),
    passes=("the line was seen: informational, expected",),
    docs_url=f"{DOCS_BASE}#podgrouper-no-owner-log",
)
