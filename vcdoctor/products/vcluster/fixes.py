"""Changing a vCluster's configuration as a script: the installed chart version pinned, every other value kept."""

from __future__ import annotations

from typing import Optional, Sequence

from vcdoctor.fix_script import Script
from vcdoctor.model import Fix
from vcdoctor.products.vcluster.config import Settings
from vcdoctor.products.vcluster.discovery import VCluster

SET_OWNER_SNIPPET = """experimental:
  syncSettings:
    setOwner: false"""
#: labels KAI reads that a v0.19 syncer rewrites unless --sync-labels lists them (pkg/options/flags.go:57@v0.19.0,
#: pods/translate/translator.go:94@v0.19.0; runai/queue: KAI <= v0.5, cmd/podgrouper/app/options.go:38@v0.5.5)
KAI_SYNC_LABELS = ("kai.scheduler/queue", "runai/queue", "priorityClassName")


def legacy_extra_args(settings: Settings) -> str:
    """v0.19 takes these settings as syncer flags in syncer.extraArgs, a list Helm replaces whole: every v0.19
    fix writes the whole list vcdoctor wants (setOwner off and the KAI labels kept), so that pasting several
    fixes, in any order, ends the same."""
    labels = sorted(set(str(p) for p in settings.get("--sync-labels") or []) | set(KAI_SYNC_LABELS))
    args = ["--set-owner=false", "--sync-labels=" + ",".join(labels)]
    return "syncer:\n  extraArgs:\n" + "\n".join(f"    - {a}" for a in args)


#: where vCluster publishes its charts (the chart of v0.19 installs is taken from the workload's chart label)
CHART_REPO = "https://charts.loft.sh"


def upgrade_explained(vc: VCluster, snippet: str) -> str:
    """The remediation prose that goes with upgrade_fix()."""
    return (f"Change the values of {vc.ref} (host cluster, not inside the vCluster), keeping every value it was "
            f"installed with and its chart version {vc.version_text}; the change is:\n{snippet}\n"
            f"`vcluster create --upgrade` alone would reset every other value to the chart default and move the "
            f"vCluster to the version of your vcluster CLI.")


def upgrade_fix(vc: VCluster, context: Optional[str], snippet: str, values_file: str, why: str) -> Fix:
    """Keep today's values, add ``snippet``, upgrade to the same chart version."""
    script = Script(context)
    script.comment(why)
    if vc.installed_by == "argocd":
        script.comment(f"{vc.ref} is managed by Argo CD: commands here would be reverted. Add this to the values of "
                       f"its Argo CD Application instead, and let Argo CD sync:")
        return script.write_file(values_file, snippet).build()
    if vc.installed_by is None:
        script.comment(f"vcdoctor could not tell how {vc.ref} was installed; this assumes the Helm release "
                       f"{vc.name} in {vc.namespace}. If it was rendered by `helm template` or a platform, put the "
                       f"values file below into that source instead.")
    saved = f"{vc.name}-values.yaml"
    script.comment("The values it runs with today:")
    script.run("helm", "get", "values", vc.name, "--namespace", vc.namespace, "--output", "yaml", redirect=saved)
    script.comment("The change:")
    script.write_file(values_file, snippet)
    if vc.version is None:
        script.comment(f"The installed chart version of {vc.ref} is unknown, so vcdoctor gives no upgrade command "
                       f"(it would move the vCluster to another version). Find it with: helm list -n {vc.namespace}")
        return script.build()
    if vc.version < (0, 20, 0):
        script.comment(f"vCluster {vc.version_text} predates vcluster.yaml and `vcluster create --upgrade` of current "
                       f"CLIs: upgrade the Helm release with the same chart version.")
        script.run("helm", "upgrade", vc.name, vc.chart or "vcluster", "--repo", CHART_REPO, "--namespace",
                   vc.namespace, "--version", vc.version_text, "--values", saved, "--values", values_file)
        return script.build()
    script.comment(f"Upgrade with both files (the later one wins), pinned to the installed chart {vc.version_text}:")
    script.run("vcluster", "create", "--upgrade", vc.name, "--namespace", vc.namespace, "--chart-version",
               vc.version_text, "--values", saved, "--values", values_file)
    return script.build()


def reapply_fix(vc: VCluster, context: Optional[str], why: str, notes: Sequence[str] = ()) -> Fix:
    """Render vc-config again from the Helm values (unchanged, same chart version), then roll the control plane.

    Helm's schema and the vCluster CLI refuse unknown keys (pkg/config/parse.go:33@v0.20.0, config/config.go:282
    @v0.20.0), so a key the Helm values cannot hold was written into the Secret by hand; Helm 3's three-way merge
    puts the rendered Secret back."""
    script = Script(context)
    script.comment(why)
    for note in notes:
        script.comment(note)
    if vc.installed_by == "argocd":
        script.comment(f"{vc.ref} is managed by Argo CD: let it sync the Application again (it renders vc-config "
                       f"from its values), then roll the control plane:")
        return _roll(script, vc).build()
    if vc.installed_by is None:
        script.comment(f"vcdoctor could not tell how {vc.ref} was installed; this assumes the Helm release "
                       f"{vc.name} in {vc.namespace}.")
    saved = f"{vc.name}-values.yaml"
    script.comment("The values it was installed with (Helm checked them against the chart's schema):")
    script.run("helm", "get", "values", vc.name, "--namespace", vc.namespace, "--output", "yaml", redirect=saved)
    if vc.version is None:
        script.comment(f"The installed chart version of {vc.ref} is unknown, so vcdoctor gives no upgrade command. "
                       f"Find it with: helm list -n {vc.namespace}")
        return script.build()
    script.comment(f"Render vc-config again from them, pinned to the installed chart {vc.version_text}. If the "
                   f"upgrade refuses a key, that key is in the values themselves: correct it in {saved} and rerun.")
    script.run("vcluster", "create", "--upgrade", vc.name, "--namespace", vc.namespace, "--chart-version",
               vc.version_text, "--values", saved)
    return _roll(script, vc).build()


def _roll(script: Script, vc: VCluster) -> Script:
    script.comment("The syncer reads its config only at start:")
    script.run("kubectl", "rollout", "restart", f"{vc.workload_kind.lower()}/{vc.name}", "--namespace", vc.namespace)
    script.run("kubectl", "rollout", "status", f"{vc.workload_kind.lower()}/{vc.name}", "--namespace", vc.namespace,
               "--timeout", "5m")
    return script


def restart_fix(vc: VCluster, context: Optional[str], why: str) -> Fix:
    """Roll the control plane so the syncer reads the stored config (nothing else changes)."""
    script = Script(context)
    script.comment(why)
    return _roll(script, vc).build()
