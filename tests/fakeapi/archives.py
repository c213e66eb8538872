"""Other tools' archives of a fake cluster, laid out as upstream writes them (vcdoctor/archives/*.LAYOUT cites where).

debug_collect() is `vcluster debug collect` (cmd/vclusterctl/cmd/debug/collect.go@v0.24.0/v0.36.1); support_bundle()
runs a SupportBundle spec's collectors as replicatedhq/troubleshoot pkg/collect@v0.133.0 does."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from tests.fakeapi.server import KINDS, FakeCluster
from vcdoctor import label_selector
from vcdoctor.products.helm.release import decode_release

#: the host resources collect.go lists by default that vcdoctor reads, by their folder (collect.go:41-55@v0.24.0)
HOST_FOLDERS = {("", "pods"): "pods", ("", "events"): "events", ("apps", "statefulsets"): "statefulsets.apps",
                ("apps", "deployments"): "deployments.apps", ("", "services"): "services",
                ("", "configmaps"): "configmaps"}
TOKEN_ANNOTATION = "vcluster.loft.sh/token-"
BUNDLE_ROOT = "support-bundle-2026-12-06T06_30_00"
TROUBLESHOOT_VERSION = "v0.133.0"
KAI_CRDS = {("kai.scheduler", "configs"), ("scheduling.run.ai", "queues"), ("scheduling.run.ai", "podgroups")}


def _tar(members: Iterable[Tuple[str, Optional[bytes], str]]) -> bytes:
    """(name, data or None for a directory, symlink target or '') as a gzip-compressed tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_780_000_000
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            elif data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def _in(cluster: FakeCluster, key: Tuple[str, str], namespace: Optional[str] = None) -> List[dict]:
    return [o for o in cluster.objects.get(key, []) if namespace is None or o["metadata"].get("namespace") == namespace]


def _matches(obj: dict, selectors: List[str]) -> bool:
    if not selectors:
        return True
    return label_selector.parse(",".join(selectors)).matches(obj["metadata"].get("labels") or {})


def current_release(cluster: FakeCluster, name: str, namespace: str) -> Optional[dict]:
    secrets = [s for s in _in(cluster, ("", "secrets"), namespace)
               if (s["metadata"].get("labels") or {}).get("owner") == "helm"
               and s["metadata"]["labels"].get("name") == name]
    if not secrets:
        return None
    newest = max(secrets, key=lambda s: int(s["metadata"]["labels"]["version"]))
    return decode_release(base64.b64decode(newest["data"]["release"]))


#: virtual resources collect.go lists by default that vcdoctor reads, by their folder (collect.go:57-79@v0.24.0)
VIRTUAL_FOLDERS = {("", "pods"): "pods", ("", "events"): "events", ("", "namespaces"): "namespaces",
                   ("", "configmaps"): "configmaps"}


def debug_collect(cluster: FakeCluster, name: str, namespace: str, *, release: bool = True,
                  inside: Optional[FakeCluster] = None) -> bytes:
    """`vcluster debug collect <name> -n <namespace>` with its defaults (collect.go:133-140@v0.24.0); ``inside``: the
    vCluster's own API, whose resources land under /virtual (collect.go:348-366@v0.24.0)."""
    members: List[Tuple[str, Optional[bytes], str]] = []
    if inside is not None:
        members += [("/virtual", None, ""), ("/virtual/version.json", json.dumps(
            {"major": "1", "minor": inside.git_version.split(".")[1], "gitVersion": inside.git_version}).encode(), ""),
            ("/virtual/resources", None, "")]
        for key, folder in VIRTUAL_FOLDERS.items():
            for obj in _in(inside, key):
                where = obj["metadata"].get("namespace")
                members.append((f"/virtual/resources/{folder}/" + (f"{where}/" if where else "")
                                + f"{obj['metadata']['name']}.yaml", yaml.safe_dump(obj).encode(), ""))
    record = current_release(cluster, name, namespace) if release else None
    if record is not None:
        config = next((s for s in _in(cluster, ("", "secrets"), namespace)
                       if s["metadata"]["name"] == f"vc-config-{name}"), None)
        user = yaml.safe_load(base64.b64decode(config["data"]["config.yaml"])) if config else record.get("config")
        chart = record.get("chart") or {}
        # pkg/helm/secrets.go:42-58,152-156@v0.24.0: no manifest, no templates; values are the chart's defaults
        shown = {"name": record["name"], "info": record.get("info"), "version": record.get("version"),
                 "namespace": record.get("namespace"), "config": user,
                 "chart": {k: chart[k] for k in ("metadata", "values", "schema") if k in chart}}
        members.append(("/release.json", json.dumps(shown, indent=2).encode(), ""))
    members.append(("/logs", None, ""))
    for pod in _in(cluster, ("", "pods"), namespace):
        labels = pod["metadata"].get("labels") or {}
        if labels.get("app") == "vcluster" and labels.get("release") == name:
            containers = [c["name"] for c in pod["spec"]["containers"]]
            if len(containers) == 1:
                members.append((f"/logs/{pod['metadata']['name']}.log",
                                cluster.logs.get((namespace, pod["metadata"]["name"], containers[0]), b""), ""))
            else:
                members.append((f"/logs/{pod['metadata']['name']}.error.log", b"a container name must be specified",
                                ""))
    members += [("/host", None, ""), ("/host/version.json", json.dumps(
        {"major": "1", "minor": cluster.git_version.split(".")[1], "gitVersion": cluster.git_version,
         "platform": "linux/amd64"}, indent=2).encode(), ""), ("/host/resources", None, "")]
    for key, folder in HOST_FOLDERS.items():
        members.append((f"/host/resources/{folder}", None, ""))
        for obj in _in(cluster, key, namespace):
            obj = json.loads(json.dumps(obj))
            if key == ("", "pods"):
                annotations = obj["metadata"].get("annotations") or {}
                obj["metadata"]["annotations"] = {k: v for k, v in annotations.items()
                                                  if not k.startswith(TOKEN_ANNOTATION)}
            members.append((f"/host/resources/{folder}/{namespace}/{obj['metadata']['name']}.yaml",
                            yaml.safe_dump(obj).encode(), ""))
    return _tar(members)


def _list(kind: str, items: List[dict]) -> bytes:
    return json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items}, indent=2).encode()


def _namespaces(cluster: FakeCluster) -> List[str]:
    named = {o["metadata"]["name"] for o in cluster.objects.get(("", "namespaces"), [])}
    used = {o["metadata"].get("namespace") for objs in cluster.objects.values() for o in objs}
    return sorted(named | {n for n in used if n})


def _cluster_resources(cluster: FakeCluster) -> Dict[str, bytes]:
    """The clusterResources collector over every namespace (cluster_resources.go:103-433@v0.133.0)."""
    files: Dict[str, bytes] = {}
    base = "cluster-resources/"
    names = _namespaces(cluster)
    namespaces = {o["metadata"]["name"]: o for o in cluster.objects.get(("", "namespaces"), [])}
    files[base + "namespaces.json"] = _list("NamespaceList", [
        namespaces.get(n) or {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in names])
    for key, folder, kind in ((("", "pods"), "pods", "PodList"), (("apps", "statefulsets"), "statefulsets",
                                                                    "StatefulSetList"),
                              (("apps", "deployments"), "deployments", "DeploymentList"),
                              (("", "events"), "events", "EventList")):
        for namespace in names:
            files[f"{base}{folder}/{namespace}.json"] = _list(kind, _in(cluster, key, namespace))
        files[f"{base}{folder}-errors.json"] = b"[]"
    files[base + "nodes.json"] = _list("NodeList", _in(cluster, ("", "nodes")))
    for plural, file in (("mutatingwebhookconfigurations", "mutating-webhook-configurations.json"),
                         ("validatingwebhookconfigurations", "validating-webhook-configurations.json")):
        files[base + file] = _list("List", _in(cluster, ("admissionregistration.k8s.io", plural)))
    crds = []
    for kind in KINDS:
        if (kind.group, kind.plural) not in KAI_CRDS or kind.group in cluster.absent_groups:
            continue
        crd = f"{kind.plural}.{kind.group}"
        crds.append({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                     "metadata": {"name": crd}, "spec": {"group": kind.group, "names": {"plural": kind.plural},
                                                        "scope": "Namespaced" if kind.namespaced else "Cluster",
                                                        "versions": [{"name": kind.version}]}})
        objects = _in(cluster, (kind.group, kind.plural))
        if kind.namespaced:
            for namespace in names:
                held = [o for o in objects if o["metadata"].get("namespace") == namespace]
                if held:
                    files[f"{base}custom-resources/{crd}/{namespace}.json"] = json.dumps(held, indent=2).encode()
        elif objects:
            files[f"{base}custom-resources/{crd}.json"] = json.dumps(objects, indent=2).encode()
    files[base + "custom-resource-definitions.json"] = _list("CustomResourceDefinitionList", crds)
    files[base + "custom-resources/custom-resources-errors.json"] = b"[]"
    return files


def _logs(cluster: FakeCluster, spec: dict) -> Tuple[Dict[str, bytes], Dict[str, str]]:
    """A logs collector (logs.go:54-225@v0.133.0): every container of each selected pod, tail as its limits say."""
    files, links = {}, {}
    limits = spec.get("limits") or {}
    for pod in _in(cluster, ("", "pods"), spec.get("namespace") or None):
        if not _matches(pod, spec.get("selector") or []):
            continue
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        for container in [c["name"] for c in pod["spec"].get("containers", []) + pod["spec"].get("initContainers", [])]:
            data = cluster.logs.get((ns, name, container), b"")
            data = b"".join(data.splitlines(keepends=True)[-int(limits.get("maxLines", 10000)):])
            data = data[:int(limits.get("maxBytes", 5_000_000))]
            path = f"cluster-resources/pods/logs/{ns}/{name}/{container}.log"
            files[path] = data
            links[f"{spec.get('name') or ''}/{name}/{container}.log".lstrip("/")] = path
    return files, links


def _secrets(cluster: FakeCluster, spec: dict) -> Dict[str, bytes]:
    """A secret collector (secret.go:48-149@v0.133.0)."""
    namespace = spec.get("namespace") or ""
    if spec.get("name"):
        found = [s for s in _in(cluster, ("", "secrets"), namespace or None) if s["metadata"]["name"] == spec["name"]]
    else:
        found = [s for s in _in(cluster, ("", "secrets"), namespace or None) if _matches(s, spec.get("selector") or [])]
    files = {}
    for secret in found:
        key = spec.get("key", "")
        output = {"namespace": namespace, "name": secret["metadata"]["name"], "key": key, "secretExists": True,
                  "keyExists": key in (secret.get("data") or {})}
        if output["keyExists"] and spec.get("includeValue"):
            output["value"] = base64.b64decode(secret["data"][key]).decode()
        path = "/".join(p for p in ("secrets", namespace, secret["metadata"]["name"], key) if p) + ".json"
        files[path] = json.dumps(output, indent=2).encode()
    return files


def support_bundle(cluster: FakeCluster, spec_text: str = "") -> bytes:
    """`kubectl support-bundle` running the SupportBundle of ``spec_text`` (default: clusterInfo and
    clusterResources only, what every bundle holds); the archive as result.go:316-412@v0.133.0 writes it."""
    documents = [d for d in yaml.safe_load_all(spec_text) if d] if spec_text else []
    bundle = next((d for d in documents if d.get("kind") == "SupportBundle"), None)
    collectors = bundle["spec"]["collectors"] if bundle else [{"clusterInfo": {}}, {"clusterResources": {}}]
    files: Dict[str, bytes] = {}
    links: Dict[str, str] = {}
    for collector in collectors:
        (kind, spec), = collector.items()
        if kind == "clusterInfo":
            files["cluster-info/cluster_version.json"] = json.dumps(
                {"info": {"major": "1", "minor": cluster.git_version.split(".")[1], "gitVersion": cluster.git_version,
                          "platform": "linux/amd64"}, "string": cluster.git_version}, indent=2).encode()
        elif kind == "clusterResources":
            files.update(_cluster_resources(cluster))
        elif kind == "logs":
            found, made = _logs(cluster, spec)
            files.update(found)
            links.update(made)
        elif kind == "secret":
            files.update(_secrets(cluster, spec))
        else:
            raise AssertionError(f"the test troubleshoot does not run {kind} collectors")
    files["version.yaml"] = yaml.safe_dump({"apiVersion": "troubleshoot.sh/v1beta2", "kind": "SupportBundle",
                                            "spec": {"versionNumber": TROUBLESHOOT_VERSION}}).encode()
    members = [(f"{BUNDLE_ROOT}/{name}", data, "") for name, data in sorted(files.items())]
    members += [(f"{BUNDLE_ROOT}/{name}", b"", "../" * name.count("/") + target)
                for name, target in sorted(links.items())]
    return _tar(members)
