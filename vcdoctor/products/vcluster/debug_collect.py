"""`vcluster debug collect` archives (loft-sh/vcluster, v0.24+) read into an ArchiveIndex: a format vCluster
contributes to vcdoctor.archives.reader (ARCHIVE).

Layout, as cmd/vclusterctl/cmd/debug/collect.go writes it (the same at v0.24.0 and v0.36.1; LAYOUT cites each fact)."""

from __future__ import annotations

import base64
import datetime
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import yaml

from vcdoctor.archives.decode import json_member, yaml_member
from vcdoctor.archives.store import ArchiveIndex, Coverage
from vcdoctor.contributions import ArchiveFormat
from vcdoctor.gateway import resources as r
from vcdoctor.products.helm.release import encode_release
from vcdoctor.products.vcluster.discovery import VCLUSTER_SELECTOR
from vcdoctor.secret_values import DERIVED_FROM, SNAPSHOT_REDUCED

FORMAT = "vcluster-debug-collect"
TOOL = "vcluster debug collect"
COLLECT = "cmd/vclusterctl/cmd/debug/collect.go"
#: every layout fact the reader relies on, with where upstream lays it out
LAYOUT = (
    ("members are named by their path in the collection folder, with a leading '/'", f"{COLLECT}:718@v0.24.0",
     f"{COLLECT}:648@v0.36.1"),
    ("release.json: the vCluster's Helm release (name, namespace, info, chart {metadata, values, schema}, config)",
     f"{COLLECT}:551-556@v0.24.0", f"{COLLECT}:481-486@v0.36.1", "pkg/helm/secrets.go:42-58,152-156@v0.24.0"),
    ("host/version.json: the host's GET /version", f"{COLLECT}:368-375,521-537@v0.24.0",
     f"{COLLECT}:298-306,451-467@v0.36.1"),
    ("host/resources/<resource>[.<group>]/<namespace>/<name>.yaml, only the vCluster's namespace",
     f"{COLLECT}:385,424-454@v0.24.0", f"{COLLECT}:315,354-384@v0.36.1"),
    ("host resources collected by default: pods, events, statefulsets, deployments (and others vcdoctor does not "
     "read); no Secrets", f"{COLLECT}:41-55@v0.24.0", f"{COLLECT}:38-52@v0.36.1"),
    ("logs/<pod>.log: the whole default-container log of each pod labelled app=vcluster,release=<name>; "
     "<pod>.error.log when it could not be read", f"{COLLECT}:566-589@v0.24.0", f"{COLLECT}:496-519@v0.36.1"),
    ("pods keep no vcluster.loft.sh/token-* annotation", f"{COLLECT}:435-443@v0.24.0", f"{COLLECT}:365-373@v0.36.1"),
    ("virtual/version.json and virtual/resources/<resource>[.<group>]/[<namespace>/]<name>.yaml: the vCluster's own "
     "objects in every namespace (pods, events and namespaces among the defaults)", f"{COLLECT}:57-79,348-366@v0.24.0",
     f"{COLLECT}:54-76,278-296@v0.36.1"),
    ("default file name vcluster.<name>.debug.<unix time>.tar.gz", f"{COLLECT}:254@v0.24.0", f"{COLLECT}:267@v0.36.1"),
    ("vc-config holds toYaml of the release's values (chart defaults merged with the user's), labelled "
     "app=vcluster,release=<name>", "chart/templates/config-secret.yaml:6-9,17@v0.24.0",
     "chart/templates/config-secret.yaml:6-9,17@v0.36.1"),
)
#: the default file name holds the collection time (collect.go:254@v0.24.0, :267@v0.36.1); a renamed file has none
FILE_TIME = re.compile(r"vcluster\.[^/]*\.debug\.(\d{1,12})\.tar\.gz")
#: the host resources vcdoctor reads, by their folder under host/resources/
HOST_RESOURCES = {"pods": r.PODS, "events": r.EVENTS, "statefulsets.apps": r.STATEFULSETS,
                  "deployments.apps": r.DEPLOYMENTS}
#: the virtual resources vcdoctor reads, by their folder under virtual/resources/ (collected by default, every
#: namespace: collect.go:57-79,358-366@v0.24.0, :54-76,288-296@v0.36.1)
VIRTUAL_RESOURCES = {"pods": r.PODS, "events": r.EVENTS, "namespaces": r.NAMESPACES}
#: kubectl's default-container annotation, which the API server honours for a log without a container
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
HOW = ("`vcluster debug collect` gathers only the vCluster's namespace and its own pod logs: run "
       "`kubectl support-bundle` with the spec of `vcdoctor collect --troubleshoot-spec`, or vcdoctor itself "
       "(`vcdoctor collect`)")
HOW_VIRTUAL = ("`vcluster debug collect` gathers only the virtual resources it lists (`--virtual-resources`) and no "
               "log inside the vCluster: run vcdoctor inside the vCluster (vcdoctor collect with the vcluster connect "
               "context)")
HOW_SECRETS = ("`vcluster debug collect` collects no Secret, and vc-config is derived only from a release.json: "
               "collect a support bundle with the spec of `vcdoctor collect --troubleshoot-spec`, or run vcdoctor")


def name_of(member: str) -> str:
    """A member's path in the collection folder (collect.go writes it with a leading '/')."""
    return member.lstrip("/").removeprefix("./")


def wanted(member: str) -> bool:
    name = name_of(member)
    parts = name.split("/")
    return (name in ("release.json", "host/version.json", "virtual/version.json")
            or (parts[0] == "logs" and name.endswith(".log"))
            or (parts[:2] == ["host", "resources"] and len(parts) == 5 and parts[2] in HOST_RESOURCES
                and name.endswith(".yaml"))
            or (parts[:2] == ["virtual", "resources"] and len(parts) in (4, 5) and parts[2] in VIRTUAL_RESOURCES
                and name.endswith(".yaml")))


def looks_like(names: List[str]) -> bool:
    found = {name_of(n) for n in names}
    return "release.json" in found or "host/version.json" in found or any(
        n.startswith(("host/resources/", "logs/")) for n in found)


def read(members: Dict[str, bytes], path: str) -> Tuple[ArchiveIndex, Dict[str, Any]]:
    """(index, what the report says about the archive) from the members ``wanted`` kept."""
    index = ArchiveIndex(log_how=HOW, default_how=HOW, missing_how={("", "secrets"): HOW_SECRETS})
    files = {name_of(n): data for n, data in members.items()}
    release = _release(files.get("release.json"), path)
    namespaces = set()
    for name, data in sorted(files.items()):
        parts = name.split("/")
        if parts[:2] == ["host", "resources"] and len(parts) == 5:
            obj = yaml_member(data, f"{path}: {name[:100]}")
            index.add(HOST_RESOURCES[parts[2]], obj)
            namespaces.add(parts[3])
    vc_name, vc_ns = _identity(release, index)
    if vc_ns:
        namespaces.add(vc_ns)
    held = frozenset(namespaces)
    if any(n.startswith("host/resources/") for n in files) or held:
        for resource in HOST_RESOURCES.values():
            index.coverage[(resource.group, resource.plural)] = Coverage(HOW, held)
    version = files.get("host/version.json")
    if version is not None:
        decoded = json_member(version, f"{path}: host/version.json")
        index.version = decoded if isinstance(decoded, dict) else None
    for name, data in files.items():
        if name.startswith("logs/") and not name.endswith((".error.log", ".previous.log")):
            pod = name[len("logs/"):-len(".log")]
            if "/" not in pod and vc_ns:
                index.logs[(vc_ns, pod, _default_container(index, vc_ns, pod))] = data
    notes = []
    if release is not None and vc_name and vc_ns:
        index.coverage[("", "secrets")] = Coverage(HOW_SECRETS, frozenset({vc_ns}), complete=False)
        for secret in derived_secrets(release, vc_name, vc_ns):
            index.add(r.SECRETS, secret)
        notes.append(f"vc-config-{vc_name} is not in the archive: its config was derived from release.json (the "
                     f"chart's default values merged with the user's values, as Helm renders vc-config)")
    chart = _chart_version(release)
    if chart:
        notes.append(f"the archive does not record the vcluster CLI version; the vCluster runs {chart}")
    about = {"format": FORMAT, "tool": TOOL, "tool_version": None, "collected_at": _collected(path),
             "virtual": _virtual(files, path),
             "vcluster": {"name": vc_name, "namespace": vc_ns} if vc_name and vc_ns else None,
             "kubernetes_version": (index.version or {}).get("gitVersion"),
             "notes": notes + [f"the archive holds only namespace {', '.join(sorted(held)) or '(none)'} of the host "
                               f"cluster: lists across namespaces are answered from it"]}
    return index, about


#: what vcdoctor.archives.reader recognises and replays (registered in the product's CONTRIBUTION)
ARCHIVE = ArchiveFormat(FORMAT, "a `vcluster debug collect` archive (release.json, host/, logs/)", wanted, looks_like,
                        read)


def _collected(path: str) -> Optional[str]:
    """The collection time the default file name holds (UTC), if it is one."""
    named = FILE_TIME.fullmatch(os.path.basename(path))
    try:
        stamp = datetime.datetime.fromtimestamp(int(named.group(1)), datetime.timezone.utc) if named else None
    except (ValueError, OverflowError, OSError):  # a year past 9999 is a name, not a time
        return None
    return stamp.isoformat().replace("+00:00", "Z") if stamp else None


def _virtual(files: Dict[str, bytes], path: str) -> Optional[ArchiveIndex]:
    """The vCluster's own side: its pods, events and namespaces, every namespace (no logs, no Secrets)."""
    if not any(n.startswith("virtual/resources/") for n in files):
        return None
    index = ArchiveIndex(log_how=HOW_VIRTUAL, default_how=HOW_VIRTUAL)
    for name, data in sorted(files.items()):
        parts = name.split("/")
        if parts[:2] == ["virtual", "resources"] and len(parts) in (4, 5):
            index.add(VIRTUAL_RESOURCES[parts[2]], yaml_member(data, f"{path}: {name[:100]}"))
    for resource in VIRTUAL_RESOURCES.values():
        index.coverage[(resource.group, resource.plural)] = Coverage(HOW_VIRTUAL)
    if "virtual/version.json" in files:
        decoded = json_member(files["virtual/version.json"], f"{path}: virtual/version.json")
        index.version = decoded if isinstance(decoded, dict) else None
    return index


def _release(raw: Optional[bytes], path: str) -> Optional[dict]:
    if raw is None:
        return None
    decoded = json_member(raw, f"{path}: release.json")
    return decoded if isinstance(decoded, dict) else None


def _chart_version(release: Optional[dict]) -> Optional[str]:
    chart = (release or {}).get("chart")
    metadata = chart.get("metadata") if isinstance(chart, dict) else None
    version = metadata.get("version") if isinstance(metadata, dict) else None
    return f"chart {version}" if isinstance(version, str) else None


def _mapping(obj: Any, key: str) -> Dict[str, Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def _identity(release: Optional[dict], index: ArchiveIndex) -> Tuple[Optional[str], Optional[str]]:
    """The vCluster's name and namespace: its release's, else its workload's."""
    name, namespace = (release or {}).get("name"), (release or {}).get("namespace")
    if isinstance(name, str) and isinstance(namespace, str) and name and namespace:
        return name, namespace
    for key in (("apps", "statefulsets"), ("apps", "deployments")):
        for obj in index.objects.get(key, []):
            meta = _mapping(obj, "metadata")
            if _mapping(meta, "labels").get("app") == VCLUSTER_SELECTOR.split("=", 1)[1] \
                    and isinstance(meta.get("name"), str):
                return meta["name"], meta.get("namespace")
    return None, None


def _default_container(index: ArchiveIndex, namespace: str, pod: str) -> str:
    """The container a log without one names: kubectl's default-container annotation, else the only container."""
    for obj in index.objects.get(("", "pods"), []):
        meta = _mapping(obj, "metadata")
        if (meta.get("namespace"), meta.get("name")) != (namespace, pod):
            continue
        chosen = _mapping(meta, "annotations").get(DEFAULT_CONTAINER)
        if isinstance(chosen, str):
            return chosen
        containers = _mapping(obj, "spec").get("containers")
        if isinstance(containers, list) and len(containers) == 1 \
                and isinstance(containers[0], dict) and isinstance(containers[0].get("name"), str):
            return containers[0]["name"]
    return ""


def coalesce(defaults: Any, user: Any) -> Any:
    """Helm's merge of the user's values over the chart's defaults: mappings merge, a user null removes the key,
    anything else replaces."""
    if not isinstance(defaults, dict) or not isinstance(user, dict):
        return user
    merged = dict(defaults)
    for key, value in user.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = coalesce(defaults.get(key), value)
    return merged


def derived_secrets(release: dict, name: str, namespace: str) -> List[dict]:
    """vc-config as the chart renders it (config.yaml: toYaml of the merged values, chart/templates/config-secret.yaml:
    17@v0.24.0) and the release's Helm Secret (chart metadata and schema only); both marked as derived, with no
    digest: a derived config says nothing about a hand edit of the real Secret."""
    chart: Dict[str, Any] = release["chart"] if isinstance(release.get("chart"), dict) else {}
    values = coalesce(chart.get("values") if isinstance(chart.get("values"), dict) else {},
                      release.get("config") if isinstance(release.get("config"), dict) else {})
    how = "derived from release.json of the vcluster debug collect archive (chart defaults + user values)"
    annotations = {DERIVED_FROM: how, SNAPSHOT_REDUCED: "true"}
    config = base64.b64encode(yaml.safe_dump(values, sort_keys=True).encode()).decode()
    secrets = [{"apiVersion": "v1", "kind": "Secret", "data": {"config.yaml": config},
                "metadata": {"name": f"vc-config-{name}", "namespace": namespace, "annotations": annotations,
                             "labels": {"app": "vcluster", "release": name}}}]
    revision = release.get("version")
    info: Dict[str, Any] = release["info"] if isinstance(release.get("info"), dict) else {}
    if isinstance(revision, int) and not isinstance(revision, bool):
        record = {"chart": {k: v for k, v in chart.items() if k in ("metadata", "schema")},
                  "info": {"status": info.get("status")}, "version": revision}
        labels = {"owner": "helm", "name": name, "version": str(revision)}
        if isinstance(info.get("status"), str):
            labels["status"] = info["status"]
        secrets.append({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
                        "data": {"release": base64.b64encode(encode_release(record)).decode()},
                        "metadata": {"name": f"sh.helm.release.v1.{name}.v{revision}", "namespace": namespace,
                                     "labels": labels, "annotations": dict(annotations)}})
    return secrets
