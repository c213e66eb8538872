"""vCluster knowledge: finding vClusters, reading their effective config, translating pod names."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import yaml

from vcdoctor import pods as podinfo
from vcdoctor.gateway import resources as r
from vcdoctor.view import MANAGED_BY, ClusterView

VCLUSTER_SELECTOR = "app=vcluster"
CONFIG_HASH = "vClusterConfigHash"
OBJECT_NAME = "vcluster.loft.sh/object-name"
OBJECT_NAMESPACE = "vcluster.loft.sh/object-namespace"
VIRTUAL_NAMESPACE_LABEL = "vcluster.loft.sh/namespace"
VIRTUAL_LABELS = "vcluster.loft.sh/labels"

#: The only config keys vcdoctor reads; everything else in vc-config stays unread and unreported.
CONFIG_KEYS = (
    ("experimental", "syncSettings", "setOwner"),
    ("experimental", "syncSettings", "targetNamespace"),
    ("experimental", "syncSettings", "syncLabels"),
    ("experimental", "multiNamespaceMode", "enabled"),
    ("sync", "toHost", "namespaces", "enabled"),
    ("privateNodes", "enabled"),
    ("controlPlane", "distro", "k8s", "scheduler", "enabled"),
    ("controlPlane", "advanced", "virtualScheduler", "enabled"),
    ("sync", "toHost", "pods", "hybridScheduling", "enabled"),
    ("sync", "toHost", "pods", "hybridScheduling", "hostSchedulers"),
    ("sync", "toHost", "priorityClasses", "enabled"),
    ("sync", "fromHost", "priorityClasses", "enabled"),
    ("sync", "toHost", "pods", "priorityClassName"),
)


class MalformedConfig(Exception):
    """The vc-config Secret does not hold a YAML mapping."""


@dataclass(frozen=True)
class VCluster:
    name: str
    namespace: str
    #: StatefulSet or Deployment
    workload_kind: str
    version: Optional[Tuple[int, int, int]]
    template_config_hash: Optional[str]
    syncer_args: Tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version)) if self.version else "unknown"

    @property
    def config_secret(self) -> str:
        return f"vc-config-{self.name}"


@dataclass(frozen=True)
class OwnerSetting:
    """Whether the vCluster puts the Service owner reference on synced pods, and how we know."""

    #: True / False, or None when the value could not be established
    value: Optional[bool]
    source: str
    #: the config keys that were read (only KAI-relevant keys; never the whole config)
    keys: Dict[str, Any] = field(default_factory=dict)
    problem: Optional[str] = None


_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def parse_version(text: Optional[str]) -> Optional[Tuple[int, int, int]]:
    match = _VERSION.search(text or "")
    return tuple(int(g) for g in match.groups()) if match else None


def discover(view: ClusterView) -> List[VCluster]:
    """Every vCluster in the host cluster, the way ``vcluster list`` finds them."""
    found = {}
    for resource, kind in ((r.STATEFULSETS, "StatefulSet"), (r.DEPLOYMENTS, "Deployment")):
        for obj in view.list(resource, None, VCLUSTER_SELECTOR):
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
            )
    return [found[k] for k in sorted(found)]


def _syncer_container(template: dict) -> Optional[dict]:
    containers = (template.get("spec") or {}).get("containers") or []
    for c in containers:
        if c.get("name") == "syncer":
            return c
    return containers[0] if containers else None


def select(vclusters: List[VCluster], name: Optional[str], namespace: Optional[str]) -> List[VCluster]:
    return [v for v in vclusters if (name is None or v.name == name)
            and (namespace is None or v.namespace == namespace)]


def host_pod_name(pod: str, namespace: str, vcluster: str) -> str:
    """vCluster's SafeConcatName(pod, "x", namespace, "x", vcluster) for single-namespace mode."""
    full = f"{pod}-x-{namespace}-x-{vcluster}"
    if len(full) > 63:
        digest = hashlib.sha256(full.encode()).hexdigest()[:10]
        full = (full[:52] + "-" + digest).replace(".-", "-")
    return full


def _dig(data: Any, path: Tuple[str, ...]):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def load_config(text: bytes) -> Dict[str, Any]:
    """Parse a vc-config ``config.yaml`` (raises MalformedConfig)."""
    try:
        loaded = yaml.safe_load(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedConfig("config.yaml is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise MalformedConfig(f"config.yaml is not valid YAML{where}") from None
    if not isinstance(loaded, dict):
        raise MalformedConfig(f"config.yaml holds a {type(loaded).__name__}, not a mapping")
    return loaded


def reduce_config(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """The keys in CONFIG_KEYS, dotted, with their values."""
    reduced = {}
    for path in CONFIG_KEYS:
        value = _dig(loaded, path)
        if value is not None:
            reduced[".".join(path)] = value
    return reduced


def parse_config(text: bytes) -> Dict[str, Any]:
    """Reduce a vc-config ``config.yaml`` to the keys in CONFIG_KEYS (raises MalformedConfig)."""
    return reduce_config(load_config(text))


def config_outline(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """Every key of a config with its strings and numbers blanked to an empty value of the same JSON
    type ("", 0); booleans, nulls and the values of the keys in CONFIG_KEYS are kept.

    Enough to check key names and value types against the chart's schema, and nothing a user would mind
    seeing in a support ticket. Blanking an outline again changes nothing, so a snapshot that stores it
    gives the same verdicts as the live config."""
    outline = _blank(loaded)
    for dotted, value in reduce_config(loaded).items():
        *parents, leaf = dotted.split(".")
        node = outline
        for part in parents:
            node = node[part]
        node[leaf] = value
    return outline


def lookalike_keys(outline: Optional[Dict[str, Any]], path: Tuple[str, ...]) -> List[str]:
    """Other places in the config where the last key of ``path`` appears, spelt in any case: where a
    setting the user meant usually went (``experimental.syncSetting.setOwner``)."""
    found: List[str] = []

    def walk(node: Any, trail: Tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = trail + (str(key),)
            if str(key).lower() == path[-1].lower() and here != path:
                found.append(".".join(here))
            walk(value, here)
    walk(outline, ())
    return found


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0 if value.is_integer() else 0.5  # keeps "integer" vs "number" apart
    return ""


class ConfigMissing(Exception):
    """A v0.20+ vCluster without its vc-config Secret."""


@dataclass(frozen=True)
class Settings:
    """The effective vCluster settings vcdoctor needs, and where they were read."""

    source: str
    #: dotted config key -> value, only CONFIG_KEYS (v0.20+), or the syncer flags (<= v0.19)
    keys: Dict[str, Any]
    legacy: bool = False
    #: config_outline() of the whole config (v0.20+), for validation against the chart's schema
    outline: Optional[Dict[str, Any]] = field(default=None, compare=False, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.keys.get(key, default)

    @property
    def multi_namespace(self) -> bool:
        return bool(self.get("experimental.multiNamespaceMode.enabled") or self.get("sync.toHost.namespaces.enabled")
                    or self.get("--multi-namespace-mode"))


def read_settings(view: ClusterView, vc: VCluster) -> Settings:
    """vc-config (v0.20+) or the syncer flags (<= v0.19), once per run.

    Raises MalformedConfig, ConfigMissing, SecretKeyMissing or a GatewayError."""
    return view.memo(f"settings:{vc.ref}", lambda: _read_settings(view, vc))


def _read_settings(view: ClusterView, vc: VCluster) -> Settings:
    from vcdoctor.gateway import NotFound

    if vc.version is None or vc.version >= (0, 20, 0):
        try:
            loaded = load_config(view.secret_value(vc.namespace, vc.config_secret, "config.yaml"))
            return Settings(f"Secret {vc.namespace}/{vc.config_secret} key config.yaml", reduce_config(loaded),
                            outline=config_outline(loaded))
        except NotFound:
            if vc.version is not None:
                raise ConfigMissing(f"Secret {vc.namespace}/{vc.config_secret} not found although vCluster "
                                    f"{vc.version_text} keeps its config there") from None
    return Settings(f"{vc.workload_kind} {vc.ref} syncer args", syncer_flags(vc.syncer_args), legacy=True)


def syncer_flags(args) -> Dict[str, Any]:
    """The pre-v0.20 syncer flags that matter here, with their defaults."""
    flags: Dict[str, Any] = {"--set-owner": True, "--sync-labels": []}
    for arg in args:
        name, _, value = arg.partition("=")
        if name in ("--set-owner", "--multi-namespace-mode"):
            # pflag bools take no separate value; "--set-owner" alone means true
            text = value.lower() if value else "true"
            flags[name] = {"true": True, "1": True, "t": True, "false": False, "0": False, "f": False}.get(text, text)
        elif name == "--sync-labels" and value:
            flags[name] = flags[name] + [v.strip() for v in value.split(",") if v.strip()]
        elif name == "--target-namespace" and value:
            flags[name] = value
    return flags


def owner_setting(settings: Settings) -> OwnerSetting:
    """setOwner from the settings; absent means the default, true."""
    key = "--set-owner" if settings.legacy else "experimental.syncSettings.setOwner"
    value = settings.get(key, True)
    shown = {key: value}
    if not isinstance(value, bool):
        return OwnerSetting(None, settings.source, shown,
                            problem=f"{key} is {value!r} ({type(value).__name__}), not a boolean")
    return OwnerSetting(value, settings.source, shown)


def service_owner(pod: dict, vc_name: str) -> Optional[dict]:
    """The ownerReference vCluster adds with setOwner on, if the pod carries it."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("apiVersion") == "v1" and ref.get("kind") == "Service" and ref.get("name") == vc_name:
            return ref
    return None


def pods_of(view: ClusterView, vc: VCluster) -> List[dict]:
    """Host pods synced by ``vc`` (from the shared all-synced-pods list)."""
    return [p for p in view.synced_pods()
            if ((p.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY) == vc.name
            and p["metadata"].get("namespace") == vc.namespace]


def control_plane_pods(view: ClusterView, vc: VCluster) -> List[dict]:
    """The vCluster's own pods (one LIST for all vClusters, filtered here)."""
    return [p for p in view.list(r.PODS, None, VCLUSTER_SELECTOR)
            if p["metadata"].get("namespace") == vc.namespace
            and (p["metadata"].get("labels") or {}).get("release") == vc.name]


def stale_control_plane(view: ClusterView, vc: VCluster) -> List[dict]:
    """Control-plane pods whose vClusterConfigHash differs from the workload template's."""
    if not vc.template_config_hash:
        return []
    return [p for p in control_plane_pods(view, vc)
            if ((p.get("metadata") or {}).get("annotations") or {}).get(CONFIG_HASH) not in (None, vc.template_config_hash)]


def virtual_labels(pod: dict) -> Dict[str, str]:
    """The virtual pod's labels as the syncer recorded them (annotation vcluster.loft.sh/labels)."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(VIRTUAL_LABELS) or ""
    labels = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            labels[key.strip()] = value.strip().strip('"')
    return labels


def virtual_label(pod: dict, key: str) -> Optional[str]:
    """One label of the virtual pod, found without parsing the others (checks ask this of every pod)."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(VIRTUAL_LABELS) or ""
    prefix = f"{key}="
    if text.startswith(prefix):
        start = len(prefix)
    else:
        found = text.find("\n" + prefix)
        if found < 0:
            return virtual_labels(pod).get(key) if key in text else None  # unusual spacing: parse
        start = found + 1 + len(prefix)
    end = text.find("\n", start)
    return (text[start:] if end < 0 else text[start:end]).strip().strip('"')


def label_synced(patterns, key: str) -> bool:
    """Does a syncLabels / --sync-labels list keep ``key`` (exact, or a ``prefix/*`` wildcard)?"""
    for pattern in patterns or []:
        pattern = str(pattern)
        if pattern == key or (pattern.endswith("*") and key.startswith(pattern[:-1])):
            return True
    return False


def syncer_logs(view: ClusterView, vc: VCluster) -> List[Tuple[str, Any]]:
    """(control-plane pod, its syncer's log lines) per pod; a GatewayError instead of lines if unreadable.

    The syncer log is the only host-side trace of a virtual pod the host refused (webhook, quota)."""
    return view.memo(f"syncer-logs:{vc.ref}", lambda: _syncer_logs(view, vc))


def _syncer_logs(view: ClusterView, vc: VCluster) -> List[Tuple[str, Any]]:
    from vcdoctor.gateway import GatewayError
    from vcdoctor.podgrouper_log import iter_lines

    found = []
    for pod in control_plane_pods(view, vc):
        meta = pod["metadata"]
        try:
            data = view.log_tail(meta["namespace"], meta["name"], podinfo.container_named(pod, ("syncer",)))
        except GatewayError as exc:
            found.append((podinfo.ref(pod), exc))
            continue
        found.append((podinfo.ref(pod), list(iter_lines(data))))
    return found


def virtual_ref(pod: dict) -> str:
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    name, ns = ann.get(OBJECT_NAME), ann.get(OBJECT_NAMESPACE)
    return f"{ns}/{name}" if name and ns else "?"


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
