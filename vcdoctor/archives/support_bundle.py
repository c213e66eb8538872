"""replicatedhq/troubleshoot support bundles (`kubectl support-bundle`) read into an ArchiveIndex.

Layout as pkg/collect writes it at v0.133.0 (LAYOUT cites each fact): one folder support-bundle-<time>/ holding
cluster-resources/ (JSON lists per namespace), pod logs, cluster-info/, secrets/ and version.yaml."""

from __future__ import annotations

import base64
import re
from typing import Any, Dict, List, Optional, Tuple

from vcdoctor.archives.decode import json_member, yaml_member
from vcdoctor.archives.store import ArchiveIndex, Coverage
from vcdoctor.contributions import ArchiveFormat
from vcdoctor.gateway import resources as r

FORMAT = "troubleshoot-support-bundle"
TOOL = "kubectl support-bundle (troubleshoot)"
TAG = "v0.133.0"
CR = "pkg/collect/cluster_resources.go"
LAYOUT = (
    ("every member sits in one folder support-bundle-<time>/", f"pkg/supportbundle/supportbundle.go:111,123@{TAG}",
     f"pkg/collect/result.go:347-354@{TAG}"),
    ("only regular files and symlinks are archived (symlinks are refused here and never needed)",
     f"pkg/collect/result.go:336-340@{TAG}"),
    ("version.yaml: kind SupportBundle, spec.versionNumber", f"pkg/supportbundle/supportbundle.go:178-183@{TAG}",
     f"pkg/version/version.go:104-119@{TAG}"),
    ("cluster-info/cluster_version.json: {info: GET /version, string}", f"pkg/collect/cluster_info.go:15-18,46@{TAG}"),
    ("cluster-resources/<kind>/<namespace>.json: one List per namespace collected, written even when empty",
     f"{CR}:170-174,219-223@{TAG}", f"{CR}:511-551,707-740@{TAG}"),
    ("cluster-resources/<kind>-errors.json: namespace -> error for the namespaces it could not list",
     f"{CR}:174,223@{TAG}"),
    ("cluster-resources/namespaces.json: a NamespaceList when every namespace was listed, else an array",
     f"{CR}:118-141,444-490@{TAG}"),
    ("cluster-resources/nodes.json, mutating-/validating-webhook-configurations.json: cluster-wide Lists",
     f"{CR}:321,427,432@{TAG}"),
    ("custom-resources/<plural>.<group>.json (cluster-scoped) or <plural>.<group>/<namespace>.json: arrays, "
     "written only when not empty; custom-resource-definitions.json lists the CRDs",
     f"{CR}:291,296-310@{TAG}", f"{CR}:1353-1456,2313-2321@{TAG}"),
    ("pod logs: cluster-resources/pods/logs/<namespace>/<pod>/<container>.log (the <collector>/ copy is a symlink)",
     f"pkg/collect/logs.go:159-193@{TAG}"),
    ("logs collector default tail: 10000 lines, 5000000 bytes", f"pkg/collect/logs.go:241-274@{TAG}"),
    ("secret collector: secrets/<namespace>/<name>/<key>.json {namespace, name, key, secretExists, keyExists, "
     "value}; value only with includeValue", f"pkg/collect/secret.go:20-28,88-114,142-149@{TAG}"),
)
NAMESPACED = {"pods": r.PODS, "statefulsets": r.STATEFULSETS, "deployments": r.DEPLOYMENTS, "events": r.EVENTS}
CLUSTER_LISTS = {"nodes.json": r.NODES, "mutating-webhook-configurations.json": r.MUTATING_WEBHOOKS,
                 "validating-webhook-configurations.json": r.VALIDATING_WEBHOOKS}
CUSTOM = (r.KAI_CONFIGS, r.QUEUES, r.PODGROUPS)
SECRET_KEYS = ("config.yaml", "release")
HOW_RESOURCES = ("add the `clusterResources` collector for every namespace (the spec of "
                 "`vcdoctor collect --troubleshoot-spec` has it)")
HOW_LOGS = "add a `logs` collector for this pod (the spec of `vcdoctor collect --troubleshoot-spec` has one)"
HOW_SECRETS = ("add a `secret` collector with includeValue: true for it (the spec of "
               "`vcdoctor collect --troubleshoot-spec` has one for each vCluster's vc-config and Helm release)")


#: the folder's name holds the collection time, in the collecting machine's zone (supportbundle.go:111@v0.133.0)
FOLDER_TIME = re.compile(r"support-bundle-(\d{4}-\d\d-\d\d)T(\d\d)_(\d\d)_(\d\d)")


def _split(member: str) -> str:
    """The path inside the bundle folder (a bundle packed again with tar czf ./folder starts with ./)."""
    parts = member.lstrip("/").removeprefix("./").split("/", 1)
    return parts[1] if len(parts) == 2 else ""


def wanted(member: str) -> bool:
    name = _split(member)
    parts = name.split("/")
    if name in ("version.yaml", "cluster-info/cluster_version.json"):
        return True
    if parts[0] == "secrets":
        return name.endswith(".json")
    if parts[0] != "cluster-resources" or len(parts) < 2:
        return False
    if parts[1:3] == ["pods", "logs"]:
        return len(parts) == 6 and name.endswith(".log") and not name.endswith(("-previous.log", "-errors.log"))
    # bundles before the JSON copies (2022: testdata/supportbundle/support-bundle.tar.gz@v0.133.0) hold custom
    # resources as YAML only
    return name.endswith(".json") or (parts[1] == "custom-resources" and name.endswith(".yaml"))


def looks_like(names: List[str]) -> bool:
    return any(_split(n) == "version.yaml" or _split(n).startswith("cluster-resources/") for n in names)


def _items(data: Any) -> List[Any]:
    if isinstance(data, dict):
        data = data.get("items")
    return data if isinstance(data, list) else []


def read(members: Dict[str, bytes], path: str) -> Tuple[ArchiveIndex, Dict[str, Any]]:
    index = ArchiveIndex(log_how=HOW_LOGS, default_how=HOW_RESOURCES, missing_how={("", "secrets"): HOW_SECRETS})
    files = {_split(n): data for n, data in members.items()}

    def load(name: str) -> Any:
        return json_member(files[name], f"{path}: {name[:100]}")

    base = "cluster-resources/"
    existing: Optional[frozenset] = None
    if base + "namespaces.json" in files:
        listed = load(base + "namespaces.json")
        for obj in _items(listed):
            index.add(r.NAMESPACES, obj)
        index.coverage[("", "namespaces")] = Coverage(HOW_RESOURCES)
        if isinstance(listed, dict) and listed.get("kind") == "NamespaceList":
            existing = frozenset(str((o.get("metadata") or {}).get("name")) for o in _items(listed)
                                 if isinstance(o, dict))
    for folder, resource in NAMESPACED.items():
        held = set()
        for name in sorted(files):
            parts = name.split("/")
            if parts[:2] == ["cluster-resources", folder] and len(parts) == 3:
                held.add(parts[2][:-len(".json")])
                for obj in _items(load(name)):
                    index.add(resource, obj)
        errors_file = f"{base}{folder}-errors.json"
        errors = load(errors_file) if errors_file in files else {}
        if held or errors:
            index.coverage[(resource.group, resource.plural)] = Coverage(
                HOW_RESOURCES, frozenset(held), existing=existing,
                errors={str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {})
    for file, resource in CLUSTER_LISTS.items():
        if base + file in files:
            for obj in _items(load(base + file)):
                index.add(resource, obj)
            index.coverage[(resource.group, resource.plural)] = Coverage(HOW_RESOURCES)
    index.not_served = _custom_resources(index, files, load, existing)
    _logs(index, files)
    secrets_held = _secrets(index, files, load)
    if secrets_held:
        index.coverage[("", "secrets")] = Coverage(HOW_SECRETS, frozenset(secrets_held), complete=False)
    if "cluster-info/cluster_version.json" in files:
        info = load("cluster-info/cluster_version.json")
        index.version = info.get("info") if isinstance(info, dict) and isinstance(info.get("info"), dict) else None
    version = None
    if "version.yaml" in files:
        found = yaml_member(files["version.yaml"], f"{path}: version.yaml")
        spec: Dict[str, Any] = found["spec"] if isinstance(found, dict) and isinstance(found.get("spec"), dict) else {}
        version = spec.get("versionNumber") if isinstance(spec.get("versionNumber"), str) else None
    notes = []
    pods = index.coverage.get(("", "pods"))
    if pods is not None and existing is None:
        notes.append(f"the bundle holds namespaces {', '.join(sorted(pods.namespaces or ()))} only: lists across "
                     f"namespaces are answered from them")
    elif pods is not None and existing is not None and existing - (pods.namespaces or frozenset()):
        # clusterResources leaves out the namespaces its identity may not read (cluster_resources.go:153-167@v0.133.0)
        left = sorted(existing - (pods.namespaces or frozenset()))
        shown = ", ".join(left[:10]) + (" ..." if len(left) > 10 else "")
        notes.append(f"the bundle holds no pods of namespace(s) {shown}: lists across namespaces are answered "
                     f"without them")
    stamp = FOLDER_TIME.fullmatch(next(iter(members), "").lstrip("/").removeprefix("./").split("/", 1)[0])
    collected = f"{stamp.group(1)}T{stamp.group(2)}:{stamp.group(3)}:{stamp.group(4)}Z" if stamp else None
    if collected:
        notes.append(f"collected {collected[:-1]} by the bundle's folder name (the collecting machine's clock and "
                     f"zone, taken as UTC)")
    about = {"format": FORMAT, "tool": TOOL, "tool_version": version, "vcluster": None, "collected_at": collected,
             "kubernetes_version": (index.version or {}).get("gitVersion"), "notes": notes}
    return index, about


#: what vcdoctor.archives.reader recognises and replays
ARCHIVE = ArchiveFormat(FORMAT, "a support bundle (support-bundle-<time>/version.yaml, cluster-resources/)", wanted,
                        looks_like, read)


def _custom_resources(index: ArchiveIndex, files: Dict[str, bytes], load: Any,
                      existing: Optional[frozenset]) -> frozenset:
    """KAI's custom resources; returns the kinds whose CRD the bundle shows not installed."""
    base = "cluster-resources/"
    if base + "custom-resource-definitions.json" not in files:
        return frozenset()
    listed = _items(load(base + "custom-resource-definitions.json"))
    specs = [o.get("spec") or {} for o in listed if isinstance(o, dict)]
    crds = {f"{(s.get('names') or {}).get('plural')}.{s.get('group')}" for s in specs if isinstance(s, dict)}
    errors_file = base + "custom-resources/custom-resources-errors.json"
    errors = load(errors_file) if errors_file in files else {}
    errors = errors if isinstance(errors, dict) else {}
    absent = set()
    for resource in CUSTOM:
        crd = f"{resource.plural}.{resource.group}"
        key = (resource.group, resource.plural)
        if crd not in crds:
            absent.add(key)
            continue
        if any(str(k).split("/")[0] == crd for k in errors):
            continue  # listing failed: not held, and NotInArchive says how to get it
        held = set()
        for name in sorted(files):
            parts = name.split("/")
            stem, _, suffix = name.rpartition(".")
            if parts[:2] != ["cluster-resources", "custom-resources"] or suffix not in ("json", "yaml") \
                    or (suffix == "yaml" and stem + ".json" in files):
                continue
            if resource.namespaced and len(parts) == 4 and parts[2] == crd:
                held.add(parts[3].rpartition(".")[0])
            elif resource.namespaced or len(parts) != 3 or parts[2].rpartition(".")[0] != crd:
                continue
            objects = load(name) if suffix == "json" else yaml_member(files[name], f"archive member {name[:100]}")
            for obj in _items(objects):
                index.add(resource, obj)
        # the collector writes a file only for a namespace that has objects: the others hold none
        index.coverage[key] = Coverage(HOW_RESOURCES, None if not resource.namespaced else
                                       (frozenset(held) if existing is None else None))
    return frozenset(absent)


def _logs(index: ArchiveIndex, files: Dict[str, bytes]) -> None:
    for name, data in files.items():
        parts = name.split("/")
        if parts[1:3] == ["pods", "logs"] and len(parts) == 6:
            index.logs[(parts[3], parts[4], parts[5][:-len(".log")])] = data


def _secrets(index: ArchiveIndex, files: Dict[str, bytes], load: Any) -> set:
    """Secrets from `secret` collectors, rebuilt as the API serves them (data base64); returns their namespaces.
    A collector without a namespace (a selector over all namespaces) leaves it unsaid: the vCluster's workload
    of that name says which, when only one has it."""
    held: set = set()
    for name in sorted(files):
        parts = name.split("/")
        if parts[0] != "secrets" or len(parts) not in (3, 4):
            continue
        output = load(name)
        if not isinstance(output, dict) or output.get("key") not in SECRET_KEYS:
            continue
        value = output.get("value")
        if not (output.get("secretExists") and output.get("keyExists") and isinstance(value, str)):
            continue
        secret_name = str(output.get("name") or "")
        namespace = str(output.get("namespace") or "") or _namespace_of(index, secret_name)
        if not namespace or not secret_name:
            continue
        secret: Dict[str, Any] = {"apiVersion": "v1", "kind": "Secret",
                                  "metadata": {"name": secret_name, "namespace": namespace},
                                  "data": {output["key"]: base64.b64encode(value.encode()).decode()}}
        release = _helm_release(secret_name)
        if release is not None:
            secret["metadata"]["labels"] = {"owner": "helm", "name": release[0], "version": release[1]}
        index.add(r.SECRETS, secret)
        held.add(namespace)
    return held


def _helm_release(secret_name: str) -> Optional[Tuple[str, str]]:
    """(release, revision) of Helm's storage Secret sh.helm.release.v1.<release>.v<revision>."""
    prefix = "sh.helm.release.v1."
    if not secret_name.startswith(prefix) or ".v" not in secret_name[len(prefix):]:
        return None
    release, _, revision = secret_name[len(prefix):].rpartition(".v")
    return (release, revision) if release and revision.isdigit() else None


def _namespace_of(index: ArchiveIndex, secret_name: str) -> str:
    release = _helm_release(secret_name)
    vcluster = release[0] if release else secret_name.removeprefix("vc-config-")
    workloads = index.objects.get(("apps", "statefulsets"), []) + index.objects.get(("apps", "deployments"), [])
    found = {str((o.get("metadata") or {}).get("namespace")) for o in workloads
             if (o.get("metadata") or {}).get("name") == vcluster
             and ((o.get("metadata") or {}).get("labels") or {}).get("app") == "vcluster"}
    return found.pop() if len(found) == 1 else ""

