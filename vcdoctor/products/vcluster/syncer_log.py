"""Reading a vCluster syncer's log for the host's refusal of a virtual pod: which pod, and the reason quoted whole."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Iterable, List, Optional, Tuple

from vcdoctor.products.vcluster.names import host_pod_name

#: both formats of compat.SYNCER_LOG: v0.19-v0.20 "error syncing pod <vns>/<vname> to physical cluster: <err>"
#: (namespaced_translator.go:80-84@v0.20.0); v0.21+ "error syncing Pod <vns>/<vname> to host cluster: <err>"
#: (pkg/patcher/apply.go:59-61@v0.21.0). The name stops at the space before "to": name never matches name-2.
_SYNCING = re.compile(r'error syncing [Pp]od (?P<ns>[^/\s"\\]+)/(?P<name>[^\s"\\:]+) to (?:physical|host) cluster: '
                      r'(?P<err>.*)')
#: texts of a host-side refusal (admission webhooks, quota, policy)
REFUSAL_MARKERS = ("denied the request", "is forbidden", "exceeded quota", "failed quota", "rror syncing")
#: Kubernetes' RuntimeClass admission plugin refusing a pod (plugin/pkg/admission/runtimeclass), as quoted in a log
RUNTIME_CLASS_MISSING = re.compile(r'RuntimeClass \\?"([^"\\]{1,253})\\?" not found')
#: a quoted reason longer than this is cut at a word boundary (it is evidence, not a payload)
MAX_REASON = 1000


@dataclass(frozen=True)
class Refusal:
    """One reason the host refused a virtual pod, as the syncer logged it."""

    #: the control-plane pod whose syncer logged it
    source: str
    reason: str
    #: how many lines said the same
    count: int = 1
    #: namespace/name of the vCluster whose pod was refused, when known
    vcluster: str = ""


@dataclass(frozen=True)
class RuntimeClassRefusals:
    """Virtual pods the host refused for lacking one RuntimeClass, and still without a host pod."""

    runtime_class: str
    #: whether the host has it now; None when that could not be read
    exists: Optional[bool]
    #: (virtual namespace/name, the newest refusal) per pod
    pods: Tuple[Tuple[str, Refusal], ...]
    #: vClusters (ref, citation) whose sync.toHost.pods.runtimeClassName gives every synced pod this class
    set_by_vcluster: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RefusedPod:
    """A virtual pod (namespace/name inside its vCluster, ``refusal.vcluster``) the host refused, with no host pod
    since: its newest refusal."""

    pod: str
    refusal: Refusal


#: controller-runtime's "Reconciler error" names the syncer in ``controller`` ("pod"), and the virtual object in
#: ``namespace`` and ``name`` (pkg/syncer/syncer.go:423-430@v0.21.0: built with Watches, so no "Pod" field)
POD_CONTROLLER = "pod"


def _fields(line: str) -> Tuple[str, Optional[str], Optional[str]]:
    """(text, namespace, name) of a zap JSON line (controller-runtime's ``Reconciler error`` carries the
    object in structured fields), or the line itself. A line of another controller names no pod."""
    start = line.find("{")
    if start >= 0:
        try:
            data = json.loads(line[start:])
        except ValueError:
            data = None
        if isinstance(data, dict):
            text = " ".join(str(data.get(k)) for k in ("msg", "error") if data.get(k))
            if "msg" not in data:  # console encoding: the message stands before the fields
                text = (line[:start] + " " + text).strip()
            if data.get("controller") not in (None, POD_CONTROLLER):
                return text, "", ""
            ns, name = data.get("namespace"), data.get("name")
            obj = data.get("Pod") if isinstance(data.get("Pod"), dict) else None
            if obj:
                ns, name = obj.get("namespace", ns), obj.get("name", name)
            return text, ns if isinstance(ns, str) else None, name if isinstance(name, str) else None
    return line, None, None


def reason_of(text: str) -> str:
    """The error a line quotes: from an admission webhook's name, or after the sync message, cut whole."""
    match = _SYNCING.search(text)
    reason = match.group("err") if match else text
    for start in ('admission webhook "', "admission webhook ", "pods \""):
        at = reason.find(start)
        if at >= 0:
            reason = reason[at:]
            break
    reason = reason.strip().rstrip('"}').strip()
    if len(reason) > MAX_REASON:
        reason = reason[:MAX_REASON].rsplit(" ", 1)[0] + " …"
    return reason


def concerns(line: str, vcluster: str, namespace: str, name: str) -> bool:
    """Whether a syncer line is about virtual pod namespace/name (never name-2) or its host pod."""
    text, ns, obj = _fields(line)
    if ns is not None and obj is not None:
        return ns == namespace and obj == name
    match = _SYNCING.search(text)
    if match:
        return match.group("ns") == namespace and match.group("name") == name
    return f'"{host_pod_name(name, namespace, vcluster)}"' in text


def refusals(lines: Iterable[str], source: str, vcluster: str, namespace: str, name: str,
             vcluster_ref: str = "") -> List[Refusal]:
    found = []
    for line in lines:
        if any(marker in line for marker in REFUSAL_MARKERS) and concerns(line, vcluster, namespace, name):
            found.append(Refusal(source, reason_of(_fields(line)[0]), vcluster=vcluster_ref))
    return found


def refused_pods(lines: Iterable[str], source: str, vcluster_ref: str) -> List[Tuple[str, Refusal]]:
    """Every virtual pod (namespace/name) the host refused in these lines, with the refusal: a run without --pod
    still sees pods that never reached the host."""
    found = []
    for line in lines:
        if not any(marker in line for marker in REFUSAL_MARKERS):
            continue
        text, ns, name = _fields(line)
        if ns is None or name is None:
            match = _SYNCING.search(text)
            ns, name = (match.group("ns"), match.group("name")) if match else ("", "")
        if ns and name:
            found.append((f"{ns}/{name}", Refusal(source, reason_of(text), vcluster=vcluster_ref)))
    return found


def newest_distinct(found: Iterable[Refusal], keep: int = 5) -> Tuple[Refusal, ...]:
    """One refusal per distinct reason with the number of lines that gave it, newest reason last."""
    counted: dict = {}
    for refusal in found:
        key = (refusal.source, refusal.reason)
        earlier = counted.pop(key, None)
        counted[key] = replace(refusal, count=(earlier.count if earlier else 0) + refusal.count)
    return tuple(counted.values())[-keep:]
