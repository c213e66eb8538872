"""Changing a vCluster's configuration without losing the values it was installed with."""

from __future__ import annotations

from vcdoctor.products.vcluster.discovery import VCluster

SET_OWNER_SNIPPET = """experimental:
  syncSettings:
    setOwner: false"""


def upgrade_commands(vc: VCluster, snippet: str = SET_OWNER_SNIPPET, file: str = "kai-scheduler-values.yaml") -> str:
    """How to change the vCluster config without losing the values it was installed with."""
    return (
        f"Save the values the vCluster runs with today, then upgrade with both files:\n"
        f"  helm get values {vc.name} -n {vc.namespace} -o yaml > {vc.name}-values.yaml\n"
        f"  cat > {file} <<'EOF'\n{snippet}\nEOF\n"
        f"  vcluster create --upgrade {vc.name} -n {vc.namespace} "
        f"--values {vc.name}-values.yaml --values {file}\n"
        f"Run these against the host cluster (the kube context where the vCluster is installed), not inside "
        f"the vCluster. Warning: `vcluster create --upgrade {vc.name} --values {file}` alone "
        f"resets every other value you set before to the chart default (helm upgrade without --reuse-values)."
    )

