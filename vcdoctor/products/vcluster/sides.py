"""Where a run is: a host cluster, or a virtual cluster recognised from its context name and its own nodes."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from vcdoctor.engine.facts import HOST, VIRTUAL
from vcdoctor.products.vcluster.names import host_pod_name
from vcdoctor.run_kind import ResolvedTarget
from vcdoctor.target import Target

#: `vcluster connect` names the context "vcluster_" + name + "_" + namespace + "_" + current context
#: (cmd/vclusterctl/cmd/find/find.go:224@v0.19.0; pkg/cli/find/find.go:254@v0.20.0, :357@v0.36.1,
#: VClusterContextName); parsed back by splitting on "_", the host context being parts[3:] joined with "_"
#: (VClusterFromContext, pkg/cli/find/find.go:282-295@v0.20.0). The platform variants ("vcluster-pro_" v0.19,
#: "vcluster-platform_" v0.20+) carry a project, not the host namespace, and are not parsed.
CONTEXT_PREFIX = "vcluster"
#: only on nodes vCluster fakes (nodes not synced from the host, the default):
#: pkg/controllers/resources/nodes/fake_syncer.go:159@v0.19.0, :163@v0.20.0, :161@v0.21.0…v0.36.1
FAKE_NODE_LABEL = "vcluster.loft.sh/fake-node"
#: fake node status.nodeInfo: fake_syncer.go:182-249@v0.21.0 (same at every tag v0.19.0–v0.36.1)
FAKE_OS_IMAGE = "Fake Kubernetes Image"
FAKE_KERNEL = "4.19.76-fakelinux"
#: Hostname address of fake AND synced real nodes while networking.advanced.proxyKubelets.byHostname is on (the
#: default): fake_syncer.go:324-326@v0.21.0,@v0.36.1; nodes/translate.go:133-137@v0.21.0;
#: NodeSuffix in pkg/constants/annotation.go:12@v0.19.0, :21@v0.36.1
NODE_HOSTNAME_SUFFIX = ".nodes.vcluster.com"
#: vCluster names and namespaces are DNS-1123 labels: a context whose middle parts are not is not vcluster connect's
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class ContextRef:
    """The vCluster a `vcluster connect` context name points at."""

    name: str
    namespace: str
    host_context: str


def parse_context(context: Optional[str]) -> Optional[ContextRef]:
    """The vCluster named by a ``vcluster_<name>_<namespace>_<host context>`` context, else None."""
    parts = (context or "").split("_")
    if len(parts) < 4 or parts[0] != CONTEXT_PREFIX:
        return None
    name, namespace, host = parts[1], parts[2], "_".join(parts[3:])
    if not (_LABEL.match(name) and _LABEL.match(namespace) and host):
        return None
    return ContextRef(name, namespace, host)


def host_context(context: str) -> Optional[str]:
    """The host context a ``vcluster connect`` context names, else None."""
    ref = parse_context(context)
    return ref.host_context if ref else None


def node_markers(node: dict) -> List[str]:
    """What on ``node`` only vCluster writes (empty for a real node seen on the host)."""
    meta = node.get("metadata") or {}
    status = node.get("status") or {}
    info = status.get("nodeInfo") or {}
    found = []
    if str((meta.get("labels") or {}).get(FAKE_NODE_LABEL)) == "true":
        found.append(f"label {FAKE_NODE_LABEL}=true")
    if info.get("osImage") == FAKE_OS_IMAGE or info.get("kernelVersion") == FAKE_KERNEL:
        found.append(f"nodeInfo of a fake node ({info.get('osImage')}, {info.get('kernelVersion')})")
    for address in status.get("addresses") or []:
        if isinstance(address, dict) and str(address.get("address") or "").endswith(NODE_HOSTNAME_SUFFIX):
            found.append(f"address {address.get('address')}")
            break
    return found


#: the kinds of run whose fact variants vCluster declares (tenant.py): the context is a virtual cluster, and
#: (TENANT_ONLY) the host cluster is out of reach
TENANT, TENANT_ONLY = "tenant", "tenant-only"


@dataclass(frozen=True)
class ClusterKind:
    """Whether the context is a host or a virtual cluster, which vCluster, and why vcdoctor thinks so."""

    kind: str = HOST
    vcluster: Optional[str] = None
    vcluster_namespace: Optional[str] = None
    #: the host cluster's context: from --host-context or the vcluster_ context name (None: unknown)
    host_context: Optional[str] = None
    evidence: Tuple[str, ...] = ()

    @property
    def virtual(self) -> bool:
        return self.kind == VIRTUAL

    @property
    def ref(self) -> str:
        return f"{self.vcluster_namespace or '?'}/{self.vcluster or '?'}"

    def variants(self, host_reachable: bool) -> Tuple[str, ...]:
        """The fact variants a run in this cluster uses (none on a host cluster)."""
        if not self.virtual:
            return ()
        return (TENANT,) if host_reachable else (TENANT, TENANT_ONLY)

    def to_report(self, resolved: Optional[ResolvedTarget] = None) -> Dict[str, Any]:
        """What the report says about the cluster; a renamed vCluster context is named by the one vCluster the
        host found for it once the target is ``resolved``."""
        out: Dict[str, Any] = {"kind": self.kind}
        if self.virtual:
            name, namespace = self.vcluster, self.vcluster_namespace
            found = resolved.only_virtual_cluster() if resolved is not None else None
            if found is not None:
                name, namespace = name or found[0], namespace or found[1]
            out["vcluster"] = {"name": name, "namespace": namespace, "host_context": self.host_context}
        return out

    def access_hint(self) -> str:
        """How to give a tenant-only run the host cluster (shown in every skip for lack of it)."""
        if self.host_context:
            return (f"give it the host cluster's context: vcdoctor run --host-context {shlex.quote(self.host_context)} "
                    f"(the kubeconfig must hold context {self.host_context!r}, or merge it in with "
                    f"KUBECONFIG=vcluster.yaml:host.yaml), or ask the platform team to run the command at the end of "
                    f"the report")
        return ("give it the host cluster's context: vcdoctor run --host-context NAME (a context of the same "
                "kubeconfig), or ask the platform team to run vcdoctor on the host")

    def platform_ticket(self, target: Target) -> Optional[Dict[str, Any]]:
        """What the platform team needs to run vcdoctor on the host for this tenant (None on a host cluster)."""
        if not self.virtual:
            return None
        command = ["vcdoctor", "run"]
        if self.host_context:
            command += ["--context", self.host_context]
        if self.vcluster:
            command += ["--vcluster", self.vcluster]
        if self.vcluster_namespace:
            command += ["--vcluster-namespace", self.vcluster_namespace]
        if target.namespace:
            command += ["-n", target.namespace]
        if target.pod:
            command += ["--pod", target.pod]
        host_pod = None
        if target.pod and target.namespace and self.vcluster:
            host_pod = (f"{self.vcluster_namespace or '<vCluster namespace>'}/"
                        f"{host_pod_name(target.pod, target.namespace, self.vcluster)}")
        return {"vcluster": {"name": self.vcluster, "namespace": self.vcluster_namespace,
                             "host_context": self.host_context},
                "host_pod": host_pod, "command": " ".join(shlex.quote(part) for part in command + ["-o", "markdown"])}

    @staticmethod
    def from_report(cluster: Mapping[str, Any]) -> Optional["ClusterKind"]:
        """What a snapshot recorded (None for snapshots of releases that did not record it)."""
        if cluster.get("kind") not in (HOST, VIRTUAL):
            return None
        vc = cluster.get("vcluster")
        if not isinstance(vc, dict):
            vc = {}
        text = {k: v if isinstance(v, str) else None for k, v in vc.items()}
        return ClusterKind(cluster["kind"], text.get("name"), text.get("namespace"), text.get("host_context"),
                           ("recorded in the snapshot",))


def classify(context: Optional[str], nodes: Optional[Sequence[dict]], host_context: Optional[str] = None,
             vcluster: Optional[str] = None, vcluster_namespace: Optional[str] = None) -> ClusterKind:
    """Host or virtual. The cluster's own nodes decide; the context name only names the vCluster, or decides when
    there are no nodes to look at (a vCluster fakes a node only once a pod runs on it), so that a host context whose
    name merely has underscores, or even looks like vcluster connect's, is never taken for a virtual one.

    ``nodes`` is None when they could not be read. ``host_context`` (--host-context) says the context is virtual."""
    parsed = parse_context(context)
    marked = [(node, node_markers(node)) for node in nodes or ()]
    marked = [(node, found) for node, found in marked if found]
    evidence: List[str] = []
    if marked:
        node, found = marked[0]
        evidence.append(f"node {(node.get('metadata') or {}).get('name')}: {', '.join(found)}"
                        + (f" (and {len(marked) - 1} more node(s))" if len(marked) > 1 else ""))
    if parsed is not None:
        evidence.append(f"context {context} is named as `vcluster connect` names it")
    if host_context:
        evidence.append(f"--host-context {host_context} was given")
    virtual = bool(marked) or bool(host_context) or (parsed is not None and not nodes)
    if not virtual:
        if parsed is not None:
            evidence.append(f"but its {len(nodes or ())} node(s) are real: a host cluster")
        return ClusterKind(HOST, evidence=tuple(evidence))
    return ClusterKind(VIRTUAL, vcluster or (parsed.name if parsed else None),
                       vcluster_namespace or (parsed.namespace if parsed else None),
                       host_context or (parsed.host_context if parsed else None), tuple(evidence))
