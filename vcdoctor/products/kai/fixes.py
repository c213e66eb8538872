"""Remediations for KAI installs: prose that explains, and fix scripts aimed at the diagnosed context."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Tuple

import yaml

from vcdoctor import pods as podinfo
from vcdoctor.fix_script import Script
from vcdoctor.model import Fix
from vcdoctor.products.kai import compat
from vcdoctor.products.kai.components import CONFIG_NAME, NAMESPACE
from vcdoctor.products.kai.release import KaiRelease

ENABLE_GPU_SHARING = """GPU sharing is a KAI install-time setting (Helm global.gpuSharing=true). Keep the values KAI
was installed with, turn it on, and stay on the installed KAI version (the chart version is the release tag);
then recreate the fractional pods inside the vCluster. KAI does not support `helm rollback`: to undo, upgrade
again with the saved values."""

VALID_GPU_SHARE_VALUES = """Fix the annotation on the pod inside the vCluster and recreate it; KAI accepts:
  gpu-fraction: "0.5"    # a number with 0 < x < 1, without an nvidia.com/gpu limit
  gpu-memory: "2000"     # a positive integer of MiB (never with gpu-fraction or an nvidia.com/gpu limit)"""

#: the file every KAI values fix saves the installed values to
#: KAI's installed values, saved before an upgrade (the undo); never a name a vCluster fix writes
VALUES_FILE = "kai-installed-values.yaml"


def inside_vcluster(script: Script, vcluster: Optional[str], lines: Iterable[str]) -> Script:
    """Steps that act on the virtual pod: comments, since vcdoctor cannot know the vCluster's own kube context."""
    where = f"vCluster {vcluster}" if vcluster else "the vCluster"
    connect = ""
    if vcluster and "/" in vcluster:
        ns, name = vcluster.split("/", 1)
        connect = f" (e.g. `vcluster connect {name} -n {ns}`)"
    script.comment(f"Inside {where}, not the host cluster{connect}:")
    for line in lines:
        script.comment(f"  {line}")
    return script


def helm_upgrade(release: KaiRelease, context: Optional[str], why: str, sets: Sequence[str],
                 verify: Optional[Tuple[str, ...]] = None, namespace: str = NAMESPACE) -> Fix:
    """Keep KAI's installed values, add ``sets``, upgrade to the same release (never the newest chart)."""
    script = Script(context)
    script.comment(why)
    script.comment(f"The values KAI runs with today (release {compat.RELEASE_NAME} in {namespace}):")
    script.run("helm", "get", "values", compat.RELEASE_NAME, "--namespace", namespace, "--output", "yaml",
               redirect=VALUES_FILE)
    chart = compat.at(compat.CHART, release.effective)
    if chart is None or release.found is None:
        script.comment(f"{release.outside_message()}: vcdoctor gives no upgrade command, which would move KAI to "
                       f"another release. Find the installed chart and version, then upgrade with the same version, "
                       f"--values {VALUES_FILE} and " + " ".join(f"--set {s}" for s in sets) + ":")
        script.run("helm", "list", "--namespace", namespace)
        return script.build()
    script.comment(f"Same release, {release.text} (chart {chart.value.ref}; {chart.source}). KAI does not support "
                   f"`helm rollback` ({compat.NO_ROLLBACK_SOURCE}): to undo, upgrade again with {VALUES_FILE}.")
    words = ["upgrade", compat.RELEASE_NAME, chart.value.ref]
    if chart.value.repo:
        words += ["--repo", chart.value.repo]
    words += ["--namespace", namespace, "--version", release.text, "--values", VALUES_FILE]
    for value in sets:
        words += ["--set", value]
    script.run("helm", *words)
    if verify:
        script.comment("Check it took effect:")
        script.run("kubectl", *verify)
    return script.build()


def gpu_sharing_fix(release: KaiRelease, context: Optional[str], vcluster: Optional[str] = None,
                    pods: Sequence[str] = (), namespace: str = NAMESPACE) -> Fix:
    switch = compat.at(compat.GPU_SHARING_SWITCH, release.effective)
    verify: Optional[Tuple[str, ...]] = None
    if switch is not None and switch.value.where == "config":
        verify = ("get", f"configs.kai.scheduler/{CONFIG_NAME}", "--output", "jsonpath={.spec.admission.gpuSharing}")
    elif switch is not None:
        verify = ("get", "pods", "--namespace", namespace, "--selector", f"app={_switch_app(release, switch.value)}",
                  "--output", "jsonpath={..args}")
    why = ("Turn KAI's GPU sharing on" + (f" ({switch.value.text}; {switch.source})" if switch else "") + ".")
    fix = helm_upgrade(release, context, why, ["global.gpuSharing=true"], verify, namespace)
    script = Script(context)
    inside_vcluster(script, vcluster, ["Recreate the pods that request GPU shares, now that sharing is on"
                                       + (f": {', '.join(pods)}" if pods else "") + "."])
    return Fix(fix.script + script.build().script, fix.context)


def _switch_app(release: KaiRelease, switch: compat.SharingSwitch) -> str:
    family = release.family()
    component = next((c for c in (family.components if family else ()) if c.key == switch.where), None)
    return component.app if component else switch.where


def restart_fix(context: Optional[str], deployments: Sequence[str], why: str,
                inspect: Sequence[dict] = (), namespace: str = NAMESPACE) -> Fix:
    """Inspect the failing pods' previous run, then roll their Deployments (named like their app label)."""
    script = Script(context)
    script.comment(why)
    for pod in inspect:
        script.run("kubectl", "describe", "pod", podinfo.name(pod), "--namespace", podinfo.namespace(pod))
        script.run("kubectl", "logs", podinfo.name(pod), "--namespace", podinfo.namespace(pod), "--all-containers",
                   "--previous", "--tail", "50")
    if deployments:
        script.comment("When the cause is fixed, restart (the Deployment recreates the pods):")
    for name in deployments:
        script.run("kubectl", "rollout", "restart", f"deployment/{name}", "--namespace", namespace)
        script.run("kubectl", "rollout", "status", f"deployment/{name}", "--namespace", namespace, "--timeout", "5m")
    return script.build()


def queue_manifest(name: str, parent: Optional[str]) -> dict:
    """A Queue as KAI's CRD has it (scheduling.run.ai/v2, cluster-scoped; crds/scheduling.run.ai_queues.yaml@v0.2.0:32,
    @v0.17.0:36); -1 means no quota and no limit."""
    unlimited = {"quota": -1, "limit": -1, "overQuotaWeight": 1}
    spec: dict = {"resources": {"gpu": dict(unlimited), "cpu": dict(unlimited), "memory": dict(unlimited)}}
    if parent:
        spec = {"parentQueue": parent, **spec}
    return {"apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": {"name": name}, "spec": spec}


def queue_fix(context: Optional[str], queues: Sequence[Tuple[str, Optional[str]]], why: str) -> Fix:
    """Create each (queue, parent) in the host cluster with kubectl apply."""
    script = Script(context)
    script.comment(why)
    documents = [queue_manifest(name, parent) for name, parent in queues]
    script.write_file("kai-queues.yaml", yaml.safe_dump_all(documents, sort_keys=False))
    script.run("kubectl", "apply", "--filename", "kai-queues.yaml")
    return script.build()
