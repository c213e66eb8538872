"""vcluster-scheduling-mode: a virtual scheduler binds pods before the host KAI scheduler can."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.facts import SettingsByVCluster

VIRTUAL = "controlPlane.distro.k8s.scheduler.enabled"
VIRTUAL_OLD = "controlPlane.advanced.virtualScheduler.enabled"
K3S = "controlPlane.distro.k3s.enabled"
LEGACY_FLAG = "--enable-scheduler"
HYBRID = "sync.toHost.pods.hybridScheduling.enabled"
HOST_SCHEDULERS = "sync.toHost.pods.hybridScheduling.hostSchedulers"

#: the values of each key, written as a vcluster.yaml fragment turning it off
OFF_VALUES: Dict[str, Dict[str, Any]] = {
    VIRTUAL: {"controlPlane": {"distro": {"k8s": {"scheduler": {"enabled": False}}}}},
    VIRTUAL_OLD: {"controlPlane": {"advanced": {"virtualScheduler": {"enabled": False}}}},
}
#: v0.19 legacy charts pass --enable-scheduler from sync.nodes.enableScheduler (charts/k3s/templates/syncer.yaml
#: :216-217@v0.19.0), the k8s chart also unless scheduler.disabled (charts/k8s/templates/syncer.yaml:235-236@v0.19.0)
LEGACY_OFF = {"sync": {"nodes": {"enableScheduler": False}}}
LEGACY_K8S_OFF = {"scheduler": {"disabled": True}}


def hybrid_values(scheduler: str, listed: List[object]) -> dict:
    """hostSchedulers is a list Helm replaces whole: the schedulers listed today, plus KAI's."""
    return {"sync": {"toHost": {"pods": {"hybridScheduling": {
        "enabled": True, "hostSchedulers": [str(s) for s in listed] + [scheduler]}}}}}


def virtual_keys_on(vc: vcl.VCluster, settings: vcl.Settings) -> List[str]:
    """The settings that turn the virtual scheduler on in this release, among those set (compat.SCHEDULER_KEYS)."""
    on = []
    for key in compat.SCHEDULER_KEYS.at(vc.version, ()) or ():
        name, _, condition = key.partition("@")
        if settings.get(name) is True and not (condition == "k8s" and settings.get(K3S) is True):
            on.append(name)
    return on


def off_values(vc: vcl.VCluster, keys: List[str]) -> dict:
    """The values that turn each of ``keys`` off, in the keys this release has."""
    if LEGACY_FLAG in keys:
        return vcl.deep_merge(LEGACY_OFF, LEGACY_K8S_OFF) if vc.chart == "vcluster-k8s" else dict(LEGACY_OFF)
    merged: dict = {}
    for key in keys:
        merged = vcl.deep_merge(merged, OFF_VALUES[key])
    return merged


def _examine(vc: vcl.VCluster, settings: vcl.Settings, context: Optional[str], scheduler: str) -> Verdict:
    keys = virtual_keys_on(vc, settings)
    hybrid_era = vc.version in compat.HYBRID_SCHEDULING.span
    hybrid = hybrid_era and settings.get(HYBRID) is True
    host_schedulers = settings.get(HOST_SCHEDULERS) or []
    shown = {"vcluster": vc.ref, "version": vc.version_text, "read": compat.SCHEDULER_KEYS.source(vc.version)}
    for key in (LEGACY_FLAG,) if settings.legacy else (VIRTUAL, VIRTUAL_OLD, K3S, HYBRID, HOST_SCHEDULERS):
        if settings.get(key) is not None:
            shown[key] = settings.get(key)
    ev = Evidence(settings.source, f"virtual scheduler = {bool(keys)}" + (f" ({', '.join(keys)})" if keys else "")
                  + (f", hybrid scheduling = {hybrid}" if hybrid_era else ""), shown)
    if hybrid:
        change = hybrid_values(scheduler, list(host_schedulers))
        if scheduler in host_schedulers:
            return Verdict(Status.PASS, f"{vc.ref}: hybrid scheduling hands {scheduler} pods to the host", (ev,))
        return HYBRID_WITHOUT_KAI.verdict(
            f"{vc.ref}: hybrid scheduling is on but {scheduler} is not in hostSchedulers, "
            f"so {scheduler} pods wait for a scheduler inside the vCluster",
            (ev,), f"Add {scheduler} to the host schedulers (vCluster Pro). "
            + vcl.upgrade_explained(vc, change, context),
            remedy.fix(context, vcl.VClusterValues(vc=vc, values=change, why=(
                f"Hand {scheduler} pods to the host scheduler (hybrid scheduling).",))))
    if keys:
        change = off_values(vc, keys)
        # v0.19-v0.25 and OSS v0.26+ wait for a node name on every pod, whatever its schedulerName
        # (pods/syncer.go:218-221@v0.19.0, :213-216@v0.20.0, :250-254@v0.26.0)
        alternative = (f" (or use hybrid scheduling with hostSchedulers: [{scheduler}], vCluster Pro)"
                       if hybrid_era else "")
        # --enable-scheduler may also come from syncer.extraArgs: setting it false there wins over the chart's
        legacy_flags = (f"{LEGACY_FLAG}=false",) if LEGACY_FLAG in keys else ()
        legacy_note = (" The remedy also sets --enable-scheduler=false in syncer.extraArgs, in case it was added there."
                       if LEGACY_FLAG in keys else "")
        return VIRTUAL_SCHEDULER.verdict(
            f"{vc.ref}: the virtual scheduler ({', '.join(keys)}) binds every pod inside "
            f"the vCluster before it is synced; the host KAI scheduler is bypassed and "
            f"{scheduler} pods stay Pending unless KAI runs inside the vCluster",
            (ev,), f"Turn the virtual scheduler off{alternative}.{legacy_note} "
            + vcl.upgrade_explained(vc, change, context),
            remedy.fix(context, vcl.VClusterValues(vc=vc, values=change, legacy_flags=legacy_flags, why=(
                "Turn the virtual scheduler off, so pods reach the host unbound.",))))
    return Verdict(Status.PASS, f"{vc.ref}: pods reach the host unbound; the host scheduler named in each pod "
                                f"schedules it", (ev,))


def run(vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster, kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, context, kai_settings.scheduler),
                             context)


VIRTUAL_SCHEDULER = Finding("VCD120", Status.FAIL, "a virtual scheduler key is on (named): every pod is bound inside"
                            " the vCluster before it is synced and KAI is bypassed",
                            "Turn the virtual scheduler off in the vCluster's values (the key named) and upgrade it,"
                            " so pods reach the host unbound.")
HYBRID_WITHOUT_KAI = Finding("VCD121", Status.FAIL, "hybrid scheduling on without `kai-scheduler` in "
                             "`hostSchedulers`: kai-scheduler pods wait for a scheduler "
                             "inside the vCluster",
                             "Add KAI's scheduler name to `sync.toHost.pods.hybridScheduling.hostSchedulers` and "
                             "upgrade the vCluster.")


CHECK = Check(
    id="vcluster-scheduling-mode",
    title="expected: the vCluster leaves scheduling to the host",
    summary=("no virtual scheduler (per release: `--enable-scheduler`, `virtualScheduler`, `distro.k8s.scheduler`) "
             "binds pods before KAI; hybrid scheduling lists `kai-scheduler`"),
    severity=Severity.CRITICAL,
    run=run,
    order=12,
    findings=(*vcl.EVERY_VCLUSTER, VIRTUAL_SCHEDULER, HYBRID_WITHOUT_KAI),
    passes=("no virtual scheduler: pods reach the host unbound; or hybrid scheduling with `kai-scheduler` in "
            "`hostSchedulers`",),
    docs_url=f"{DOCS_BASE}#vcluster-scheduling-mode",
)
