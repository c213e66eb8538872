"""The troubleshoot.sh collectors that gather what vCluster's facts read: control plane logs, vc-config and the
Helm release (contributed to vcdoctor.archives.spec)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from vcdoctor.archives.spec import LOG_LIMITS
from vcdoctor.engine.facts import Read
from vcdoctor.gateway import resources as r
from vcdoctor.products.vcluster.discovery import VCLUSTER_SELECTOR

#: facts whose log reads are a vCluster control plane's (the syncer's container)
LOG_FACTS = ("syncer_logs", "scope")
#: the fact reading vc-config, and the one reading the Helm release Secrets (--read-helm-release)
CONFIG_FACT, RELEASE_FACT = "vcluster_settings", "vcluster_chart_schemas"
#: the labels of vc-config (chart/templates/config-secret.yaml:6-9@v0.24.0)
VC_CONFIG_SELECTOR = VCLUSTER_SELECTOR


#: values in vc-config that look like credentials, in the files its secret collectors write
REDACTORS = ({
    "name": "vcdoctor: credentials in vc-config",
    "fileSelector": {"files": ["secrets/**/config.yaml.json", "secrets/*/config.yaml.json"]},
    "removals": {"regex": [{"redactor":
                            r'(?i)(password|token|secret|privateKey|apiKey)\\?"?\s*:\s*\\?"?(?P<mask>[^"\\\s]+)'}]},
},)


def collectors(fact: str, read: Read, vclusters: Sequence[Tuple[str, str]]) -> Optional[List[Dict[str, Any]]]:
    """The collectors for one read of vCluster's facts (None for a read of another product's); a vc-config or a
    Helm release is collected by name for each vCluster the user named, vc-config by its labels otherwise."""
    if read.verb == "log" and fact in LOG_FACTS:
        return [{"logs": {"collectorName": "vcdoctor-vcluster-control-planes", "name": "vcdoctor/vcluster",
                          "selector": [VCLUSTER_SELECTOR], "limits": dict(LOG_LIMITS)}}]
    if read.resource != r.SECRETS:
        return None
    if fact == RELEASE_FACT:
        return [{"secret": {"collectorName": f"vcdoctor-helm-release-{name}", "namespace": namespace,
                            "selector": ["owner=helm", f"name={name}"], "key": "release", "includeValue": True}}
                for namespace, name in vclusters]
    if fact == CONFIG_FACT:
        if vclusters:
            return [{"secret": {"collectorName": f"vcdoctor-vc-config-{name}", "namespace": namespace,
                                "name": f"vc-config-{name}", "key": "config.yaml", "includeValue": True}}
                    for namespace, name in vclusters]
        return [{"secret": {"collectorName": "vcdoctor-vc-config", "selector": [VC_CONFIG_SELECTOR],
                            "key": "config.yaml", "includeValue": True}}]
    return None
