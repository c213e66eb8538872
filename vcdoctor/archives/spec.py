"""A troubleshoot.sh/v1beta2 SupportBundle spec whose collectors gather exactly what vcdoctor's plan reads.

Each read of the plan maps to one collector (_collector); a read no collector answers fails generation, so a fact
that starts reading something new cannot leave the spec behind (tests/test_archives.py). Only optional reads, which
no verdict depends on, may have none (troubleshoot collects no RuntimeClass)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from vcdoctor import logs
from vcdoctor.engine.facts import Fact, Read
from vcdoctor.engine.plan import make_plan
from vcdoctor.gateway import resources as r
from vcdoctor.model import Check
from vcdoctor.products.kai.components import COMPONENT_APPS, HELM_RELEASE_SELECTOR, NAMESPACE
from vcdoctor.products.vcluster.discovery import VCLUSTER_SELECTOR

API_VERSION = "troubleshoot.sh/v1beta2"
#: the resources troubleshoot's clusterResources collector writes (support_bundle.LAYOUT cites where)
CLUSTER_RESOURCES = (r.PODS, r.NAMESPACES, r.NODES, r.EVENTS, r.STATEFULSETS, r.DEPLOYMENTS, r.MUTATING_WEBHOOKS,
                     r.VALIDATING_WEBHOOKS, r.KAI_CONFIGS, r.QUEUES, r.PODGROUPS)
#: facts whose log reads are KAI's pod-grouper; every other log read is a vCluster control plane's
KAI_LOG_FACTS = ("pod_grouper_logs",)
#: the labels of vc-config (chart/templates/config-secret.yaml:6-9@v0.24.0)
VC_CONFIG_SELECTOR = VCLUSTER_SELECTOR
LOG_LIMITS = {"maxLines": logs.TAIL_LINES, "maxBytes": logs.LIMIT_BYTES}


class UnmappedRead(Exception):
    """A read of the plan that no collector gathers: the spec would leave a check without its data."""


def _collector(fact: str, read: Read, vclusters: Sequence[Tuple[str, str]]) -> List[Dict[str, Any]]:
    if read.verb == "access-review":
        return []  # no archive can answer it: podgrouper-permissions says so (and reads the log instead)
    if read.verb == "log":
        if fact in KAI_LOG_FACTS:
            apps = ",".join(COMPONENT_APPS["pod-grouper"])
            return [{"logs": {"collectorName": "vcdoctor-kai-pod-grouper", "name": "vcdoctor/kai",
                              "namespace": NAMESPACE, "selector": [f"app in ({apps})"], "limits": dict(LOG_LIMITS)}}]
        return [{"logs": {"collectorName": "vcdoctor-vcluster-control-planes", "name": "vcdoctor/vcluster",
                          "selector": [VCLUSTER_SELECTOR], "limits": dict(LOG_LIMITS)}}]
    if read.resource in CLUSTER_RESOURCES:
        return [{"clusterResources": {"collectorName": "vcdoctor-cluster-resources"}}]
    if read.resource == r.SECRETS and read.option == "helm_release":
        return [{"secret": {"collectorName": f"vcdoctor-helm-release-{name}", "namespace": namespace,
                            "selector": ["owner=helm", f"name={name}"], "key": "release", "includeValue": True}}
                for namespace, name in vclusters]
    uncollected = read.resource not in CLUSTER_RESOURCES + (r.SECRETS,) or read.labels == HELM_RELEASE_SELECTOR
    if read.optional and uncollected:
        # no collector gathers it (RuntimeClasses; KAI's Helm release, a trace whose values no bundle should carry):
        # the checks give their verdict without it, as live
        return []
    if read.resource == r.SECRETS:
        if vclusters:
            return [{"secret": {"collectorName": f"vcdoctor-vc-config-{name}", "namespace": namespace,
                                "name": f"vc-config-{name}", "key": "config.yaml", "includeValue": True}}
                    for namespace, name in vclusters]
        return [{"secret": {"collectorName": "vcdoctor-vc-config", "selector": [VC_CONFIG_SELECTOR],
                            "key": "config.yaml", "includeValue": True}}]
    raise UnmappedRead(f"fact {fact!r} reads {read.describe()}, which no troubleshoot collector vcdoctor knows "
                       f"gathers")


def collectors(checks: Sequence[Check], facts: Mapping[str, Fact], target: Any,
               vclusters: Sequence[Tuple[str, str]] = ()) -> List[Dict[str, Any]]:
    """One collector per distinct need of the plan, in a stable order (raises UnmappedRead)."""
    plan = make_plan(checks, facts, target)
    found: List[Dict[str, Any]] = [{"clusterInfo": {"collectorName": "vcdoctor-cluster-info"}}]
    # facts asked only later (Fact.later: detail for a rare verdict, e.g. who waits for a down scheduler shard) are
    # left out: the check says it could not list them rather than making every bundle carry more
    for name in plan.facts:
        for read in facts[name].reads:
            if read.option is not None and not getattr(target, read.option, None):
                continue
            for collector in _collector(name, read, vclusters):
                if collector not in found:
                    found.append(collector)
    return found


#: values in vc-config that look like credentials; troubleshoot's default redactors run as well
REDACTOR = {"apiVersion": API_VERSION, "kind": "Redactor", "metadata": {"name": "vcdoctor"},
            "spec": {"redactors": [{
                "name": "vcdoctor: credentials in vc-config",
                "fileSelector": {"files": ["secrets/**/config.yaml.json", "secrets/*/config.yaml.json"]},
                "removals": {"regex": [{"redactor":
                                        r'(?i)(password|token|secret|privateKey|apiKey)\\?"?\s*:\s*\\?"?(?P<mask>[^"\\\s]+)'}]},
            }]}}


def troubleshoot_spec(checks: Sequence[Check], facts: Mapping[str, Fact], target: Any,
                      vcluster: Optional[Tuple[str, str]] = None) -> str:
    """The SupportBundle and Redactor documents, as YAML to give `kubectl support-bundle`."""
    found = collectors(checks, facts, target, [vcluster] if vcluster else [])
    bundle = {"apiVersion": API_VERSION, "kind": "SupportBundle", "metadata": {"name": "vcdoctor"},
              "spec": {"collectors": found}}
    head = ("# Generated by `vcdoctor collect --troubleshoot-spec` from the checks' read plan: a bundle made with\n"
            "# it (kubectl support-bundle this.yaml) lets every check run:\n"
            "#   vcdoctor run --snapshot support-bundle-*.tar.gz\n")
    return head + yaml.safe_dump_all([bundle, REDACTOR], sort_keys=False)
