"""Finding vClusters on the host: their workloads, versions, pods and the owner reference they set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.pods import OwnerReference, Pod
from vcdoctor.products.vcluster.names import MANAGED_BY
from vcdoctor.versions import Version, parse_version

VCLUSTER_SELECTOR = "app=vcluster"
CONFIG_HASH = "vClusterConfigHash"


@dataclass(frozen=True)
class VCluster:
    name: str
    namespace: str
    #: StatefulSet or Deployment
    workload_kind: str
    version: Optional[Version]
    template_config_hash: Optional[str]
    syncer_args: Tuple[str, ...] = ()
    #: the chart name of the `chart` label (vcluster, vcluster-k8s, ...), when known
    chart: Optional[str] = None
    #: "helm" (Helm 3 annotates what it installs), "argocd" (Argo CD tracking), or None when unknown
    installed_by: Optional[str] = None

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version)) if self.version else "unknown"

    @property
    def config_secret(self) -> str:
        return f"vc-config-{self.name}"


def discover(workloads: Iterable[Tuple[str, dict]]) -> List[VCluster]:
    """Every vCluster in the host cluster, the way ``vcluster list`` finds them."""
    found = {}
    for kind, obj in workloads:
        meta = obj.get("metadata") or {}
        name = (meta.get("labels") or {}).get("release")
        if not name:
            continue
        template = (obj.get("spec") or {}).get("template") or {}
        syncer = _syncer_container(template)
        version = parse_version((meta.get("labels") or {}).get("chart")) or parse_version(
            (syncer or {}).get("image", "").rpartition(":")[2])
        found[(meta.get("namespace"), name)] = VCluster(
            name=name,
            namespace=meta.get("namespace", ""),
            workload_kind=kind,
            version=version,
            template_config_hash=((template.get("metadata") or {}).get("annotations") or {}).get(CONFIG_HASH),
            syncer_args=tuple(str(a) for a in (syncer or {}).get("args") or ()),
            chart=_chart_name((meta.get("labels") or {}).get("chart")),
            installed_by=installer(meta, name),
        )
    return [found[k] for k in sorted(found)]


#: Helm 3 annotates every object it installs with its release; Argo CD renders charts itself and tracks objects
HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"
HELM_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace"
#: Argo CD's own marks on what it deploys: the annotation of annotation-based tracking, and the label (or
#: annotation) key of a custom instance label; exact keys, so a snapshot keeps only them
ARGOCD_KEYS = ("argocd.argoproj.io/tracking-id", "argocd.argoproj.io/instance")
#: the charts a vCluster is installed from: v0.19 per distro (charts/{k3s,k8s,k0s,eks}/Chart.yaml:2@v0.19.5),
#: one chart from v0.20 (chart/Chart.yaml:2@v0.20.0, @v0.27.0)
CHARTS = ("vcluster", "vcluster-k8s", "vcluster-k0s", "vcluster-eks")


def installer(meta: dict, release: str) -> Optional[str]:
    """"helm" only when the workload is a vcluster chart's, stamped by Helm with this release and namespace: a
    tenant's workload that merely carries app=vcluster gets no command that would act on it."""
    annotations = meta.get("annotations") or {}
    labels = meta.get("labels") or {}
    if any(key in annotations or key in labels for key in ARGOCD_KEYS):
        return "argocd"
    # not app.kubernetes.io/managed-by or heritage: charts template those, also under `helm template`
    if (annotations.get(HELM_RELEASE_ANNOTATION) == release
            and annotations.get(HELM_NAMESPACE_ANNOTATION) == meta.get("namespace")
            and _chart_name(labels.get("chart")) in CHARTS):
        return "helm"
    return None


def _chart_name(label: Optional[str]) -> Optional[str]:
    """``vcluster-0.27.0`` -> ``vcluster`` (the chart label is <name>-<version>)."""
    if not label:
        return None
    name, _, version = str(label).rpartition("-")
    return name if name and parse_version(version) else None


def _syncer_container(template: dict) -> Optional[dict]:
    containers = (template.get("spec") or {}).get("containers") or []
    for c in containers:
        if c.get("name") == "syncer":
            return c
    return containers[0] if containers else None


def select(vclusters: List[VCluster], name: Optional[str], namespace: Optional[str]) -> List[VCluster]:
    return [v for v in vclusters if (name is None or v.name == name)
            and (namespace is None or v.namespace == namespace)]


def service_owner(pod: Pod, vc_name: str) -> Optional[OwnerReference]:
    """The ownerReference vCluster adds with setOwner on, if the pod carries it."""
    return next((ref for ref in pod.owners if ref.api_version == "v1" and ref.kind == "Service"
                 and ref.name == vc_name), None)


def owner_key(pod: Pod) -> Tuple[str, str]:
    """(namespace, name) of the vCluster that synced a host pod: noted when found in multi-namespace mode, else
    as single-namespace mode places it (its namespace, the managed-by label)."""
    return pod.found_for or (pod.namespace, pod.labels.get(MANAGED_BY) or "")


def is_control_plane_of(pod: Pod, vc: VCluster) -> bool:
    return podinfo.namespace(pod) == vc.namespace and podinfo.labels(pod).get("release") == vc.name


def stale_control_plane(control_plane: Iterable[Pod], vc: VCluster) -> List[Pod]:
    """Control-plane pods whose vClusterConfigHash differs from the workload template's."""
    if not vc.template_config_hash:
        return []
    return [p for p in control_plane if is_control_plane_of(p, vc)
            and podinfo.annotations(p).get(CONFIG_HASH) not in (None, vc.template_config_hash)]
