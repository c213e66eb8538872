"""Remediations for KAI installs: prose that explains, and remedy steps aimed at the diagnosed context."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import ClassVar, Optional, Sequence, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.model import Fix
from vcdoctor.pods import Pod
from vcdoctor.products.kai import compat
from vcdoctor.products.kai.components import CONFIG_NAME, NAMESPACE
from vcdoctor.products.kai.release import KaiRelease
from vcdoctor.remedy import fix
from vcdoctor.remedy.script import Script, WorkFile, usable
from vcdoctor.remedy.steps import Command, Inspect, Manual, Step, inside_vcluster, union
from vcdoctor.versions import show

ENABLE_GPU_SHARING = ("GPU sharing is a KAI install-time setting (Helm global.gpuSharing=true). Keep the values KAI "
                      "was installed with, turn it on, and stay on the installed KAI version (the chart version is "
                      "the release tag); then recreate the fractional pods inside the vCluster. KAI does not support "
                      "`helm rollback`: to undo, upgrade again with the saved values.")

VALID_GPU_SHARE_VALUES = """Fix the annotation on the pod inside the vCluster and recreate it; KAI accepts:
  gpu-fraction: "0.5"    # a number with 0 < x < 1, without an nvidia.com/gpu limit
  gpu-memory: "2000"     # a positive integer of MiB (never with gpu-fraction or an nvidia.com/gpu limit)"""


@dataclass(frozen=True)
class KaiValues(Step):
    """``--set`` values for the KAI release, by one upgrade that keeps the installed values and release."""

    release: Optional[KaiRelease] = None
    namespace: str = NAMESPACE
    sets: Tuple[str, ...] = ()
    verify: Tuple[Command, ...] = ()
    kind: ClassVar[str] = "kai-values"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("kai", self.namespace)

    def _chart(self) -> Optional[compat.Known[compat.Chart]]:
        if self.release is None or self.release.found is None:
            return None
        return compat.at(compat.CHART, self.release.effective)

    @property
    def manual(self) -> bool:
        return self._chart() is None

    def target(self) -> str:
        version = self.release.text if self.release else "unknown"
        return f"KAI Helm release {compat.RELEASE_NAME} in {self.namespace} (host cluster), release {version}"

    def disruption(self) -> str:
        restarts = ("every KAI component restarts (this release's upgrade recreates its Config)"
                    if self.release and compat.at(compat.CONFIG_RECREATED_ON_UPGRADE, self.release.effective)
                    else "KAI's components whose settings change are recreated")
        return f"{restarts}; KAI's pod webhooks fail closed, so pod creation waits while none of their pods is ready"

    def merge(self, other: Step) -> Step:
        assert isinstance(other, KaiValues)
        return replace(self, why=union(self.why, other.why), sets=union(self.sets, other.sets),
                       verify=union(self.verify, other.verify))

    def emit(self, script: Script) -> None:
        self.explain(script)
        chart = self._chart()
        if chart is None or self.release is None:
            outside = self.release.outside_message() if self.release else "KAI's release is unknown"
            script.comment(f"{outside}: vcdoctor gives no upgrade command, which would move KAI to another release. "
                           f"Upgrade it with the same chart version, the values it runs with and these --set values:")
            script.show("helm", "list", "--namespace", self.namespace)
            for value in self.sets:
                script.comment(f"  --set {value}")
            return
        script.comment(f"The values KAI runs with today (release {compat.RELEASE_NAME} in {self.namespace}); KAI "
                       f"does not support `helm rollback`: to undo, upgrade again with "
                       f"them:")
        script.run("helm", "get", "values", compat.RELEASE_NAME, "--namespace", self.namespace, "--output", "json",
                   stdout="kai-installed.json", what="KAI's namespace")
        script.comment(f"Same release, {self.release.text} (chart {chart.value.ref}):")
        words = ["upgrade", compat.RELEASE_NAME, chart.value.ref]
        if chart.value.repo:
            words += ["--repo", chart.value.repo]
        words += ["--namespace", self.namespace, "--version", self.release.text, "--values",
                  WorkFile("kai-installed.json")]
        for value in self.sets:
            words += ["--set", value]
        script.run("helm", *words, what="KAI's namespace")
        recreated = compat.at(compat.CONFIG_RECREATED_ON_UPGRADE, self.release.effective)
        if recreated is not None:
            script.comment(f"KAI {self.release.text}'s upgrade recreates Config {CONFIG_NAME} and with it the "
                           f"components' ServiceAccounts: restart them so they get new tokens:")
            script.run("kubectl", "rollout", "restart", "deployment", "--namespace", self.namespace,
                       what="KAI's namespace")
            script.run("kubectl", "wait", "--for=condition=Available", "deployment", "--all", "--namespace",
                       self.namespace, "--timeout", "5m", what="KAI's namespace")
        if self.verify:
            script.comment("Check it took effect:")
        for command in self.verify:
            script.run(*command, may_fail=True)


@dataclass(frozen=True)
class KaiInstall(Step):
    """Install KAI, pinned to the newest release vcdoctor knows, with GPU sharing on."""

    namespace: str = NAMESPACE
    kind: ClassVar[str] = "kai-install"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("kai-install", self.namespace)

    def target(self) -> str:
        return f"a new KAI Helm release {compat.RELEASE_NAME} in {self.namespace} (host cluster)"

    def disruption(self) -> str:
        return "none for running pods; KAI's webhooks apply to pods created from then on"

    def emit(self, script: Script) -> None:
        chart = compat.at(compat.CHART, compat.NEWEST)
        assert chart is not None
        version = show(compat.NEWEST)
        self.explain(script)
        script.comment(f"Install KAI {version}, the newest release vcdoctor knows (chart {chart.value.ref}), with GPU "
                       f"sharing on:")
        script.run("helm", "upgrade", "--install", compat.RELEASE_NAME, chart.value.ref, "--namespace",
                   self.namespace, "--create-namespace", "--version", version, "--set", "global.gpuSharing=true",
                   what="KAI's namespace")
        script.run("kubectl", "get", "pods", "--namespace", self.namespace, may_fail=True)


@dataclass(frozen=True)
class Queues(Step):
    """KAI Queues created with kubectl apply (parents before children in one List)."""

    queues: Tuple[Tuple[str, Optional[str]], ...] = ()
    #: the release validates queues with a fail-closed webhook (None: unknown release, so it may)
    webhook: Optional[bool] = None
    kind: ClassVar[str] = "kai-queues"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("kai-queues",)

    def target(self) -> str:
        return "KAI queues (cluster-scoped, host cluster): create " + ", ".join(q for q, _ in self.queues)

    def merge(self, other: Step) -> Step:
        assert isinstance(other, Queues)
        named = dict(self.queues)
        extra = tuple((q, p) for q, p in other.queues if q not in named)
        return replace(self, why=union(self.why, other.why), queues=self.queues + extra,
                       webhook=either(self.webhook, other.webhook))

    def emit(self, script: Script) -> None:
        self.explain(script)
        webhook_note(script, self.webhook)
        documents = {"apiVersion": "v1", "kind": "List",
                     "items": [queue_manifest(name, parent) for name, parent in self.queues]}
        script.write_file("queues.yaml", documents, what="a queue name")
        script.run("kubectl", "apply", "--filename", WorkFile("queues.yaml"))


@dataclass(frozen=True)
class QueueParents(Step):
    """Give existing queues a parent (kubectl patch, a merge patch built as JSON)."""

    parents: Tuple[Tuple[str, str], ...] = ()
    webhook: Optional[bool] = None
    kind: ClassVar[str] = "kai-queue-parents"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("kai-queue-parents",)

    def target(self) -> str:
        return "KAI queues (host cluster): set the parent of " + ", ".join(q for q, _ in self.parents)

    def merge(self, other: Step) -> Step:
        assert isinstance(other, QueueParents)
        return replace(self, why=union(self.why, other.why), parents=union(self.parents, other.parents),
                       webhook=either(self.webhook, other.webhook))

    def emit(self, script: Script) -> None:
        self.explain(script)
        webhook_note(script, self.webhook)
        for queue, parent in self.parents:
            if not usable(parent):
                script.refuse("a parent queue name", parent)
            patch = json.dumps({"spec": {"parentQueue": parent}})
            script.run("kubectl", "patch", f"queues.scheduling.run.ai/{queue}", "--type", "merge", "--patch", patch,
                       what="a queue name")


def either(one: Optional[bool], other: Optional[bool]) -> Optional[bool]:
    """Whether either release validates queues; unknown when either is unknown."""
    return None if one is None or other is None else one or other


def webhook_note(script: Script, webhook: Optional[bool]) -> None:
    """A release whose queue webhook fails closed refuses the change while that webhook is down: say what then."""
    if webhook is not False:
        script.comment("KAI's queue webhook refuses every queue change while its queue controller is down:\n"
                       "if kubectl says \"failed calling webhook\", make kai-components pass first, then paste again.")


def queue_manifest(name: str, parent: Optional[str]) -> dict:
    """A Queue as KAI's CRD has it (scheduling.run.ai/v2, cluster-scoped; crds/scheduling.run.ai_queues.yaml@v0.2.0:32,
    @v0.17.0:36); -1 means no quota and no limit."""
    unlimited = {"quota": -1, "limit": -1, "overQuotaWeight": 1}
    spec: dict = {"resources": {"gpu": dict(unlimited), "cpu": dict(unlimited), "memory": dict(unlimited)}}
    if parent:
        spec = {"parentQueue": parent, **spec}
    return {"apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": {"name": name}, "spec": spec}


def gpu_sharing_steps(release: KaiRelease, vcluster: Optional[str] = None, pods: Sequence[str] = (),
                      namespace: str = NAMESPACE) -> Tuple[Step, ...]:
    """GPU sharing on (same release, values kept); the refused pods are then recreated inside the vCluster."""
    switch = compat.at(compat.GPU_SHARING_SWITCH, release.effective)
    verify: Tuple[Command, ...] = ()
    if switch is not None and switch.value.where == "config":
        verify = (("kubectl", "get", f"configs.kai.scheduler/{CONFIG_NAME}", "--output",
                   "jsonpath={.spec.admission.gpuSharing}"),)
    elif switch is not None:
        verify = (("kubectl", "get", "pods", "--namespace", namespace, "--selector",
                   f"app={_switch_app(release, switch.value)}", "--output", "jsonpath={..args}"),)
    why = ("Turn KAI's GPU sharing on" + (f" ({switch.value.text})" if switch else "") + ".",)
    return (KaiValues(why=why, release=release, namespace=namespace, sets=("global.gpuSharing=true",),
                      verify=verify, cures=False),
            inside_vcluster(vcluster, ("Recreate the pods that request GPU shares, now that sharing is on"
                                       + (f": {', '.join(pods)}" if pods else "") + ".",), cures=True))


def gpu_sharing_fix(release: KaiRelease, context: Optional[str], vcluster: Optional[str] = None,
                    pods: Sequence[str] = (), namespace: str = NAMESPACE) -> Fix:
    return fix(context, *gpu_sharing_steps(release, vcluster, pods, namespace))


def _switch_app(release: KaiRelease, switch: compat.SharingSwitch) -> str:
    family = release.family()
    component = next((c for c in (family.components if family else ()) if c.key == switch.where), None)
    return component.app if component else switch.where


def inspect_pods(pods: Sequence[Pod], why: Tuple[str, ...] = ()) -> Inspect:
    """describe and the previous run's log of each pod (read-only)."""
    commands: Tuple[Command, ...] = ()
    for pod in pods:
        name, ns = podinfo.name(pod), podinfo.namespace(pod)
        commands += (("kubectl", "describe", "pod", name, "--namespace", ns),
                     ("kubectl", "logs", name, "--namespace", ns, "--all-containers", "--previous", "--tail", "50"))
    return Inspect(why=why, commands=commands)


def restart_later(deployments: Sequence[str], namespace: str = NAMESPACE) -> Manual:
    """Restarting a crashing component before its cause is known changes nothing: the commands, for afterwards."""
    later: Tuple[Command, ...] = tuple(("kubectl", "rollout", "restart", f"deployment/{name}", "--namespace",
                                        namespace) for name in deployments)
    return Manual(where="on the host cluster, once the cause is fixed",
                  lines=("Restart the components (their Deployments recreate the pods):",), later=later)


def restart_fix(context: Optional[str], deployments: Sequence[str], why: str,
                inspect: Sequence[Pod] = (), namespace: str = NAMESPACE) -> Fix:
    """Inspect the failing pods' previous run; the restart is for once the cause is fixed."""
    steps: Tuple[Step, ...] = (inspect_pods(inspect, (why,)),)
    if deployments:
        steps += (restart_later(deployments, namespace),)
    return fix(context, *steps)


def queue_fix(context: Optional[str], queues: Sequence[Tuple[str, Optional[str]]], why: str,
              webhook: Optional[bool]) -> Fix:
    """Create each (queue, parent) in the host cluster with kubectl apply."""
    return fix(context, Queues(why=(why,), queues=tuple(queues), webhook=webhook))
