"""Changing a vCluster's values as a remedy step: only for a Helm release vcdoctor verified, the installed chart
version pinned, every other value (and every syncer arg) kept."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple

from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.discovery import VCluster
from vcdoctor.remedy.script import Script, WorkFile
from vcdoctor.remedy.steps import Manual, Rollout, Step, union

SET_OWNER_VALUES: Mapping[str, Any] = {"experimental": {"syncSettings": {"setOwner": False}}}
#: labels KAI reads that a v0.19 syncer rewrites unless --sync-labels lists them (pkg/options/flags.go:57@v0.19.0,
#: pods/translate/translator.go:94@v0.19.0; runai/queue: KAI <= v0.5, cmd/podgrouper/app/options.go:38@v0.5.5)
KAI_SYNC_LABELS = ("kai.scheduler/queue", "runai/queue", "priorityClassName")
#: where vCluster publishes its charts (the chart of v0.19 installs is taken from the workload's chart label)
CHART_REPO = "https://charts.loft.sh"

#: v0.19 charts append syncer.extraArgs to the syncer's args (charts/k3s/templates/syncer.yaml:280-282@v0.19.5,
#: charts/k8s/templates/syncer.yaml:310-312@v0.19.5), and Helm replaces a list whole: at paste time this keeps every
#: arg the user installed with, drops the flags the step sets and merges --sync-labels
MERGE_EXTRA_ARGS = """import json, sys
installed, out, labels, flags = sys.argv[1], sys.argv[2], [v for v in sys.argv[3].split(",") if v], sys.argv[4:]
with open(installed) as f:
    values = json.load(f) or {}
args = [str(a) for a in ((values.get("syncer") or {}).get("extraArgs") or [])]
setting = {flag.split("=", 1)[0] for flag in flags} | ({"--sync-labels"} if labels else set())
kept, synced = [], []
for arg in args:
    name, _, value = arg.partition("=")
    if name == "--sync-labels":
        synced += [v.strip() for v in value.split(",") if v.strip()]
    if name not in setting:
        kept.append(arg)
if labels:
    flags.append("--sync-labels=" + ",".join(sorted(set(synced) | set(labels))))
with open(out, "w") as f:
    json.dump({"syncer": {"extraArgs": kept + flags}}, f, indent=2)"""


def deep_merge(into: Dict[str, Any], update: Mapping[str, Any]) -> Dict[str, Any]:
    """Helm's rule for several values files: maps merge key by key, anything else the later one wins."""
    out = copy.deepcopy(into)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def managed(vc: VCluster) -> bool:
    """Whether vcdoctor may act on the vCluster's release: its workload and Helm's own marks agree."""
    return vc.installed_by == "helm" and vc.version is not None


@dataclass(frozen=True)
class VClusterValues(Step):
    """A change to one vCluster release's values, applied by one pinned upgrade that keeps every other value.

    ``values`` merge into the installed values; ``legacy_flags`` (v0.19) are syncer flags set in syncer.extraArgs
    and ``sync_labels`` labels added to its --sync-labels, keeping the user's own args."""

    vc: Optional[VCluster] = None
    values: Mapping[str, Any] = field(default_factory=dict, compare=False)
    legacy_flags: Tuple[str, ...] = ()
    sync_labels: Tuple[str, ...] = ()
    kind: ClassVar[str] = "vcluster-values"

    @property
    def key(self) -> Tuple[str, ...]:
        assert self.vc is not None
        return ("vcluster", self.vc.namespace, self.vc.name)

    @property
    def manual(self) -> bool:
        return self.vc is None or not managed(self.vc)

    def target(self) -> str:
        assert self.vc is not None
        return f"vCluster {self.vc.ref} (host cluster): its values" + \
            ("" if self.manual else f", Helm release {self.vc.name} at chart {self.vc.version_text}")

    def disruption(self) -> str:
        assert self.vc is not None
        why = {"none": "its syncer args change", "private-nodes-only": "the step restarts it"}.get(
            compat.CONFIG_HASH.at(self.vc.version) or "", "its pod template carries the config's hash")
        return (f"the control plane of {self.vc.ref} restarts with the new config ({why}); workload pods keep "
                f"running, new pods wait until the syncer is back")

    def merge(self, other: Step) -> Step:
        assert isinstance(other, VClusterValues)
        return replace(self, why=union(self.why, other.why), values=deep_merge(dict(self.values), other.values),
                       legacy_flags=union(self.legacy_flags, other.legacy_flags),
                       sync_labels=union(self.sync_labels, other.sync_labels))

    def change(self) -> Dict[str, Any]:
        """The change as values (v0.19 flags shown as the extraArgs they add)."""
        values = dict(self.values)
        if self.legacy_flags or self.sync_labels:
            labels = [f"--sync-labels={','.join(sorted(self.sync_labels))}"] if self.sync_labels else []
            values = deep_merge(values, {"syncer": {"extraArgs": [*self.legacy_flags, *labels]}})
        return values

    def emit(self, script: Script) -> None:
        vc = self.vc
        assert vc is not None
        self.explain(script)
        if self.manual:
            self._by_hand(script, vc)
            return
        legacy = vc.version is not None and vc.version < (0, 20, 0)
        script.comment(f"The values {vc.ref} runs with today (Helm release {vc.name}):")
        script.run("helm", "get", "values", vc.name, "--namespace", vc.namespace, "--output", "json",
                   stdout="installed.json", what=f"vCluster {vc.ref}")
        files = [WorkFile("installed.json")]
        if self.values:
            script.comment("The change:")
            script.write_file("change.yaml", dict(self.values), what=f"a value for vCluster {vc.ref}")
            files.append(WorkFile("change.yaml"))
        if self.legacy_flags or self.sync_labels:
            script.comment("syncer.extraArgs is a list Helm replaces whole: keep every arg installed with, set these:")
            script.raw('command -v python3 >/dev/null || { echo "this step needs python3" >&2; exit 1; }')
            script.program("python3", MERGE_EXTRA_ARGS, WorkFile("installed.json"), WorkFile("extra-args.json"),
                           ",".join(sorted(self.sync_labels)), *self.legacy_flags, what="a syncer label")
            files.append(WorkFile("extra-args.json"))
        values = [word for f in files for word in ("--values", f)]
        if legacy:
            script.comment(f"vCluster {vc.version_text} predates vcluster.yaml: upgrade its Helm release, same chart "
                           f"version (the later values file wins):")
            script.run("helm", "upgrade", vc.name, vc.chart or "vcluster", "--repo", CHART_REPO, "--namespace",
                       vc.namespace, "--version", vc.version_text, *values, what=f"vCluster {vc.ref}")
        else:
            script.comment(f"Upgrade with these files (the later one wins), pinned to the installed chart "
                           f"{vc.version_text}; --connect=false keeps your current kube context:")
            script.run("vcluster", "create", "--upgrade", vc.name, "--namespace", vc.namespace, "--chart-version",
                       vc.version_text, "--connect=false", *values, what=f"vCluster {vc.ref}")
        if compat.CONFIG_HASH.at(vc.version) not in compat.ROLLS_ON_CHANGE + ("none",):
            script.comment(f"vCluster {vc.version_text}'s pod template does not change with this config "
                           f"({compat.CONFIG_HASH.source(vc.version)}): roll the control plane so it reads it:")
            script.run("kubectl", "rollout", "restart", f"{vc.workload_kind.lower()}/{vc.name}", "--namespace",
                       vc.namespace, what=f"vCluster {vc.ref}")
        script.run("kubectl", "rollout", "status", f"{vc.workload_kind.lower()}/{vc.name}", "--namespace",
                   vc.namespace, "--timeout", "5m", what=f"vCluster {vc.ref}")

    def _by_hand(self, script: Script, vc: VCluster) -> None:
        if vc.installed_by == "argocd":
            where = (f"{vc.ref} is managed by Argo CD: a command here would be reverted. Add this to the values of its "
                     f"Argo CD Application, keeping the chart version {vc.version_text}, and let Argo CD sync:")
        elif vc.installed_by == "helm":
            where = (f"The installed chart version of {vc.ref} is unknown, so vcdoctor gives no upgrade command (it "
                     f"would move the vCluster to another version). Add this to its Helm values and upgrade with the "
                     f"same chart version:")
        else:
            where = (f"vcdoctor could not verify that {vc.ref} is a Helm release of the vcluster chart (its workload "
                     f"does not carry Helm's release marks for that name): it gives no command that would act on it. "
                     f"Whoever installed it (Flux, helm template, a platform) adds this to its values:")
        script.comment(where)
        script.show_yaml(self.change(), what=f"a value for vCluster {vc.ref}")
        if self.legacy_flags or self.sync_labels:
            script.comment("keeping every other entry of syncer.extraArgs it was installed with.")


def control_plane_rollout(vc: VCluster, why: Tuple[str, ...] = ("The syncer reads its config only at start:",)) -> Step:
    """Roll the control plane so the syncer reads its stored config, only for a vCluster vcdoctor may act on."""
    if managed(vc) or vc.installed_by == "argocd":
        return Rollout(why=why, workload=vc.workload_kind.lower(), name=vc.name, namespace=vc.namespace)
    return Manual(why=why, where=f"on the host cluster, by whoever runs {vc.ref}",
                  lines=(f"{vc.ref} is not verified as a Helm release of the vcluster chart: roll its control plane "
                         f"only once you know it is one.",),
                  later=(("kubectl", "rollout", "restart", f"{vc.workload_kind.lower()}/{vc.name}", "--namespace",
                          vc.namespace),))


def reapply(vc: VCluster, why: Tuple[str, ...]) -> Tuple[Step, ...]:
    """Render vc-config again from the Helm values (unchanged, same chart version), then roll the control plane.

    Helm's schema and the vCluster CLI refuse unknown keys (pkg/config/parse.go:33@v0.20.0, config/config.go:282
    @v0.20.0), so a key the Helm values cannot hold was written into the Secret by hand; the upgrade writes the
    rendered Secret back."""
    return (VClusterValues(why=why, vc=vc), control_plane_rollout(vc))


def upgrade_explained(vc: VCluster, change: Mapping[str, Any], context: Optional[str]) -> str:
    """The remediation prose that goes with a VClusterValues step."""
    import yaml

    where = f"kube context {context}" if context else "the host cluster's kube context"
    return (f"Change the values of {vc.ref} on the host cluster ({where}, not inside the vCluster), keeping every "
            f"value it was installed with and its chart version {vc.version_text}; the change is:\n"
            + yaml.safe_dump(dict(change), sort_keys=False).rstrip("\n") + "\n"
            "`vcluster create --upgrade` alone would reset every other value to the chart default and move the "
            "vCluster to the version of your vcluster CLI; the remedy keeps both.")
