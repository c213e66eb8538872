"""Offline snapshots: record what the checks read through the gateway (minimised), replay it without a cluster."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import io
import json
import os
import re
import stat
import tarfile
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any, Callable, Iterator

import yaml

if TYPE_CHECKING:
    from vcdoctor.redaction import Redactor
from vcdoctor import contributions, json_input
from vcdoctor.gateway.errors import NotInSnapshot
from vcdoctor.gateway.live import strip_userinfo
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import SECRETS, Resource
from vcdoctor.private_files import write_private
from vcdoctor.secret_values import SNAPSHOT_DIGEST, SNAPSHOT_REDUCED

FORMAT = "vcdoctor.snapshot/v1"
META_FILE = "snapshot.json"
REPORT_FILE = "report.json"
RESPONSES_DIR = "responses"
#: Secret keys that may enter a snapshot, each reduced to what checks read: the vc-config outline and the
#: chart name, version and schema of a Helm release.
SECRET_KEYS = ("config.yaml", "release")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: The only command-line flags any check parses, as each product declares them; every other container argument
#: is dropped from a snapshot. A product that starts reading a flag adds it to its contribution.
READ_FLAGS = contributions.every("flags")
#: Go's bool flags never take the next word as their value: that word is someone else's
BOOL_FLAGS = contributions.every("bool_flags")
#: The only annotations any check reads, by exact key; every other annotation is dropped from a snapshot.
READ_ANNOTATIONS = contributions.every("annotations")
#: ... and the snapshot's own digests, by prefix (no product's annotation is kept by prefix: vCluster keeps each
#: synced pod's ServiceAccount token under vcluster.loft.sh/token-<random>)
READ_ANNOTATION_PREFIXES = ("vcdoctor.snapshot/",)
#: the namespaces whose pods keep their containers' state messages (the products declare them)
MESSAGE_NAMESPACES = contributions.every("message_namespaces")
#: Container fields no check reads that commonly hold secrets or internal endpoints.
DROPPED_CONTAINER_FIELDS = ("envFrom", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle")
#: Archives are untrusted input: every size is bounded before it is read, never after.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: uncompressed bytes of the whole tar stream (headers, padding and skipped members included)
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: tar headers of any kind; a snapshot of a 50k-pod cluster has a few hundred members
MAX_MEMBERS = 20_000
#: pax and GNU long-name headers are read whole by tarfile: they must be small
MAX_HEADER_BYTES = 64 * 1024


#: responses of the context the run was pointed at carry no side; those of the host cluster of a tenant run (its
#: context a vCluster) carry "side": "host", so one file holds both and replay routes each to its gateway
PRIMARY = ""
SIDES = ("host",)


class SnapshotError(Exception):
    """The file is not a readable vcdoctor snapshot."""


def request_key(request: ApiRequest) -> str:
    return json.dumps(request_to_dict(request), sort_keys=True)


def request_to_dict(request: ApiRequest) -> dict:
    out = {k: v for k, v in dataclasses.asdict(request).items() if v is not None and k != "resource"}
    if request.resource is not None:
        out["resource"] = dataclasses.asdict(request.resource)
    if request.review is not None:
        out["review"] = list(request.review)
    return out


def request_from_dict(data: dict) -> ApiRequest:
    fields = dict(data)
    if "resource" in fields:
        known = {f.name for f in dataclasses.fields(Resource)}
        fields["resource"] = Resource(**{k: v for k, v in fields["resource"].items() if k in known})
    if "review" in fields:
        fields["review"] = tuple(fields["review"])
    return ApiRequest(**fields)


# -- minimisation ---------------------------------------------------------------------------------

def minimise(request: ApiRequest, response: RawResponse) -> RawResponse:
    if request.verb == "log" or not (200 <= response.status < 300):
        return response
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    is_secret = request.resource == SECRETS
    if not isinstance(body, dict):
        return response
    if isinstance(body.get("items"), list):
        body["items"] = [_minimise_object(o, is_secret) for o in body["items"]]
    else:
        body = _minimise_object(body, is_secret)
    return RawResponse(response.status, json.dumps(body, separators=(",", ":")).encode())


def _minimise_object(obj: Any, is_secret: bool) -> Any:
    if not isinstance(obj, dict):
        return obj
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        _keep_read_annotations(meta)
    if is_secret:
        data: dict = obj["data"] if isinstance(obj.get("data"), dict) else {}
        kept = {k: v for k, v in data.items() if k in SECRET_KEYS and isinstance(v, str)}
        if isinstance(meta, dict):
            annotations = meta["annotations"] if isinstance(meta.get("annotations"), dict) else {}
            meta["annotations"] = annotations
            annotations[SNAPSHOT_REDUCED] = "true"
            # checks compare the digest of the original value with the pod template's config hash
            for key, value in kept.items():
                annotations[SNAPSHOT_DIGEST + key] = hashlib.sha256(value.encode()).hexdigest()
        reducers = {"config.yaml": _reduced_config, "release": _reduced_release}
        obj["data"] = {k: reducers[k](v) for k, v in data.items() if k in SECRET_KEYS}
        obj.pop("stringData", None)
        return obj
    _strip_containers(obj.get("spec"))
    if not (isinstance(meta, dict) and meta.get("namespace") in MESSAGE_NAMESPACES):
        _strip_state_messages(obj.get("status"))
    template = (obj.get("spec") or {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(template, dict):
        if isinstance(template.get("metadata"), dict):
            _keep_read_annotations(template["metadata"])
        _strip_containers(template.get("spec"))
    return obj


def _keep_read_annotations(meta: dict) -> None:
    annotations = meta.get("annotations")
    if annotations is None:
        return
    if not isinstance(annotations, dict):
        meta.pop("annotations")
        return
    meta["annotations"] = {k: v for k, v in annotations.items() if isinstance(k, str) and _annotation_read(k)}


def _annotation_read(key: str) -> bool:
    return key in READ_ANNOTATIONS or key.startswith(READ_ANNOTATION_PREFIXES)


def _strip_state_messages(status: Any) -> None:
    """Container state messages no check reads: a terminated container's message can be its log tail."""
    if not isinstance(status, dict):
        return
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        containers = status.get(key)
        for container in containers if isinstance(containers, list) else ():
            for state in ("state", "lastState"):
                part = container.get(state) if isinstance(container, dict) else None
                if not isinstance(part, dict):
                    continue
                for detail in part.values():
                    if isinstance(detail, dict):
                        detail.pop("message", None)


def kept_args(args: Any) -> list[str]:
    """The container arguments vcdoctor parses (READ_FLAGS, as ``--flag=value``, or ``--flag value`` as KAI's
    operator writes them); the rest can hold passwords, tokens and internal hostnames, and no check reads them."""
    if not isinstance(args, list):
        return []
    kept: list[str] = []
    for i, arg in enumerate(args):
        if not (isinstance(arg, str) and arg.split("=", 1)[0] in READ_FLAGS):
            continue
        kept.append(arg)
        following = args[i + 1] if i + 1 < len(args) else None
        if arg in READ_FLAGS and arg not in BOOL_FLAGS and isinstance(following, str) and not following.startswith("-"):
            kept.append(following)
    return kept


def _strip_containers(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for key in ("containers", "initContainers", "ephemeralContainers"):
        containers = spec.get(key)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if not isinstance(container, dict):
                continue
            if isinstance(container.get("env"), list):
                container["env"] = [{"name": e.get("name")} for e in container["env"] if isinstance(e, dict)]
            for dropped in DROPPED_CONTAINER_FIELDS:
                container.pop(dropped, None)
            for listed in ("command", "args"):
                if listed in container:
                    container[listed] = kept_args(container[listed])


def _reduced_config(encoded: Any) -> str:
    """The vc-config value reduced to its outline; a malformed one stays malformed, minus content."""
    from vcdoctor.products.vcluster.config import MalformedConfig, config_outline, load_config

    try:
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, TypeError):
        return "!not-base64!"
    try:
        loaded = load_config(raw)
    except MalformedConfig as exc:
        text = str(exc)
        if "UTF-8" in text:
            placeholder = b"\xff\xfe"
        elif "holds a" in text:
            placeholder = b"- redacted\n"
        else:
            placeholder = b"redacted: [\n"
        return base64.b64encode(placeholder).decode()
    outline = _blank_mistyped(config_outline(loaded))
    return base64.b64encode(yaml.safe_dump(outline, sort_keys=True).encode()).decode()


def _blank_mistyped(outline: dict) -> dict:
    """The values of the keys checks read stay whole only when they have the type vCluster expects: a
    mapping or a long text under ``setOwner`` is the user's data, and its type is all a check reports."""
    from vcdoctor.products.vcluster.config import CONFIG_KEYS, blank_value, has_declared_type

    for path in CONFIG_KEYS:
        node: Any = outline
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict) or node.get(path[-1]) is None:
            continue
        if not has_declared_type(".".join(path), node[path[-1]]):
            node[path[-1]] = blank_value(node[path[-1]])
    return outline


def _reduced_release(encoded: Any) -> str:
    """A Helm release record without the user's values, manifests and templates; undecodable ones are dropped."""
    from vcdoctor.products.helm.release import MalformedRelease, decode_release, encode_release, reduce_release

    try:
        release = decode_release(base64.b64decode(encoded, validate=True))
    except (ValueError, TypeError, MalformedRelease):
        return base64.b64encode(b"!not-a-release!").decode()
    return base64.b64encode(encode_release(reduce_release(release))).decode()


# -- transports -----------------------------------------------------------------------------------

class RecordingTransport:
    """Wraps the live transport; checks see exactly the minimised responses that get stored."""

    def __init__(self, inner):
        self._inner = inner
        self._lock = threading.Lock()
        self.records: dict[str, tuple[ApiRequest, RawResponse]] = {}

    def send(self, request: ApiRequest) -> RawResponse:
        response = minimise(request, self._inner.send(request))
        with self._lock:
            self.records[request_key(request)] = (request, response)
        return response


def _unpaged_key(request: ApiRequest) -> str:
    return request_key(dataclasses.replace(request, limit=None, continue_token=None))


class ReplayTransport:
    """Answers from a snapshot; anything not recorded is an honest NotInSnapshot, never a guess.

    A LIST is answered page by page as recorded, whatever page size the replaying vcdoctor asks for: a page is
    found by the list's unpaged request and its continue token, so snapshots do not depend on the page size of the
    vcdoctor that collected them, and no page is joined, decoded or encoded again here (the gateway decodes each
    once, under its caps, and refuses a token that repeats).
    """

    def __init__(self, records: dict[str, RawResponse]):
        self._records = records
        self._pages: dict[tuple[str, str | None], RawResponse] = {}
        for key, response in records.items():
            request = request_from_dict(json.loads(key))
            if request.verb == "list":
                self._pages[(_unpaged_key(request), request.continue_token)] = response

    def _page(self, request: ApiRequest) -> RawResponse | None:
        return self._pages.get((_unpaged_key(request), request.continue_token))

    def send(self, request: ApiRequest) -> RawResponse:
        if request.verb == "list":
            response = self._page(request)
            if response is None and request.metadata_only:
                # a snapshot that recorded the full list answers a metadata-only question too
                full = self._page(dataclasses.replace(request, metadata_only=None))
                response = _metadata_only(full) if full is not None else None
        else:
            response = self._records.get(request_key(request))
        if response is None:
            raise NotInSnapshot(request, "this request was not recorded in the snapshot (collected by an older "
                                         "vcdoctor or with a different target)")
        return response


def _metadata_only(response: RawResponse) -> RawResponse:
    if not 200 <= response.status < 300:
        return response
    body = response.decoded if response.decoded is not None else json_input.decode(response.body)
    items = [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": i.get("metadata")}
             for i in body.get("items") or []]
    slim = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
            "metadata": body.get("metadata") or {}, "items": items}
    return RawResponse(response.status, b"", decoded=slim)


# -- archive --------------------------------------------------------------------------------------

def write(path: str, metadata: dict, records: dict[str, tuple[ApiRequest, RawResponse]],
          report: dict | None = None, redact: bool = False,
          sides: dict[str, dict[str, tuple[ApiRequest, RawResponse]]] | None = None) -> int:
    """Write a reproducible archive (sorted members, fixed mtimes); returns the number of responses.

    With ``redact`` every namespace and pod name is replaced by a consistent token (docs/snapshot.md).
    ``sides`` holds the responses of the other sides of the run (the host cluster of a tenant run), by side.
    """
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    entries = [_entry(request, response) for request, response in records.values()]
    for side, side_records in sorted((sides or {}).items()):
        entries += [dict(_entry(request, response), side=side) for request, response in side_records.values()]
    meta = {"format": FORMAT, **metadata, "responses": len(entries), "redacted": redact}
    if isinstance(meta.get("cluster"), dict):
        meta["cluster"] = dict(meta["cluster"], server=strip_userinfo(meta["cluster"].get("server")))
    if report is not None and isinstance(report.get("cluster"), dict):
        report = dict(report, cluster=dict(report["cluster"], server=strip_userinfo(report["cluster"].get("server"))))
    if redact:
        redactor = _redactor(entries, meta, report)
        entries = [_redacted_entry(redactor, e) for e in entries]
        meta["target"] = redactor.apply_json(meta.get("target"))
        if isinstance(meta.get("cluster"), dict) and isinstance(meta["cluster"].get("vcluster"), dict):
            meta["cluster"] = dict(meta["cluster"], vcluster=redactor.apply_json(meta["cluster"]["vcluster"]))
        # the collecting run's report quotes names in truncated examples and dict keys: leave it out,
        # a replay of the redacted responses rebuilds it
        report = None
    members: list[tuple[str, bytes]] = [(META_FILE, _dump(meta))]
    if report is not None:
        members.append((REPORT_FILE, _dump(report)))
    entries.sort(key=lambda e: (e.get("side", PRIMARY), json.dumps(e["request"], sort_keys=True)))
    for index, entry in enumerate(entries, 1):
        members.append((f"{RESPONSES_DIR}/{index:04d}-{_slug(request_from_dict(entry['request']))}.json",
                        _dump(entry)))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            tar.addfile(info, io.BytesIO(data))
    _within_read_caps(members, len(buffer.getbuffer()), path)
    _write_private(path, buffer.getvalue(), mtime)
    return len(entries)


#: what to say when a cluster is too big for one snapshot
NARROW = ("narrow it with --namespace, --vcluster or --check (a snapshot holds only what the selected checks read)")


def _within_read_caps(members: list[tuple[str, bytes]], tar_bytes: int, path: str) -> None:
    """A snapshot ``read`` would refuse is never written: the writer checks the reader's own caps."""
    if len(members) > MAX_MEMBERS:
        raise SnapshotError(f"not writing {path}: {len(members)} responses are more than a snapshot may hold "
                            f"({MAX_MEMBERS}); {NARROW}")
    if tar_bytes > MAX_TOTAL_BYTES:
        raise SnapshotError(f"not writing {path}: {tar_bytes // 2**20} MiB of responses are more than a snapshot "
                            f"may hold ({MAX_TOTAL_BYTES // 2**20} MiB); {NARROW}")
    for name, data in members:
        if len(data) > MAX_MEMBER_BYTES:
            raise SnapshotError(f"not writing {path}: {name} is {len(data) // 2**20} MiB, more than one response "
                                f"may be ({MAX_MEMBER_BYTES // 2**20} MiB); {NARROW}")
        try:
            json_input.check_bounds(data)
        except json_input.JsonInputError as exc:
            raise SnapshotError(f"not writing {path}: {name} would be refused on replay ({exc}); {NARROW}") \
                from None


def _write_private(path: str, tar: bytes, mtime: int) -> None:
    """Only the owner may read a snapshot, and it appears whole (vcdoctor.private_files)."""
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=mtime) as gz:
        gz.write(tar)
    write_private(path, compressed.getvalue())


def _redactor(entries: list[dict], meta: dict, report: dict | None) -> Redactor:
    """A Redactor that knows every namespace and pod name the entries, logs included, mention."""
    from vcdoctor.redaction import Redactor, objects_in

    vclusters = [ref.split("/", 1)[1] for ref in (report or {}).get("target", {}).get("vclusters", [])
                 if isinstance(ref, str) and "/" in ref]
    redactor = Redactor(keep=vclusters)  # vCluster names stay in clear: they are in every host pod name
    for entry in entries:
        request = entry["request"]
        resource = (request.get("resource") or {}).get("plural")
        objects = objects_in(entry.get("body"))
        redactor.learn_objects(objects, pods=resource == "pods")
        for obj in objects:
            meta_: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
            if resource == "namespaces" and isinstance(meta_.get("name"), str):
                redactor.learn_namespace(meta_["name"])
            involved: dict = obj["involvedObject"] if isinstance(obj.get("involvedObject"), dict) else {}
            if isinstance(involved.get("namespace"), str):
                redactor.learn_namespace(involved["namespace"])
            if involved.get("kind") == "Pod" and isinstance(involved.get("name"), str):
                redactor.learn_pod(involved["name"])
        if request.get("namespace"):
            redactor.learn_namespace(request["namespace"])
        if request.get("name") and (resource == "pods" or request.get("verb") == "log"):
            redactor.learn_pod(request["name"])
        if isinstance(entry.get("text"), str):
            redactor.learn_from_log(entry["text"])
        if resource == "secrets":
            for obj in objects:
                for key in _mapping_keys(_config_of(obj)):
                    redactor.learn_namespace(key)
    # pods that exist only in log lines (denied by a webhook, already deleted) by their host names
    suffixes = [(f"-x-{vc}", vc) for vc in vclusters]
    for entry in entries:
        for run in _HOST_NAME_RUN.findall(entry.get("text", "")) if suffixes else ():
            run = run.rstrip(".")
            for suffix, vc in suffixes:
                pod, found, namespace = run[:-len(suffix)].partition("-x-") if run.endswith(suffix) else ("", "", "")
                if found and pod and namespace:
                    redactor.learn_virtual_pod(pod, namespace, vc)
    target = meta.get("target") or {}
    if target.get("pod") and target.get("namespace"):
        # translated names the target was looked up under, found or not, must not leak the real names
        for vc in vclusters:
            redactor.learn_virtual_pod(target["pod"], target["namespace"], vc)
        redactor.learn_objects([{"metadata": {"namespace": target["namespace"], "name": target["pod"]}}], pods=True)
    return redactor


#: a run that can be a host pod name; split without backtracking (a lazy pattern is quadratic on long lines)
_HOST_NAME_RUN = re.compile(r"[a-z0-9][a-z0-9.-]*")


def _redacted_entry(redactor: Redactor, entry: dict) -> dict:
    out = {"request": redactor.apply_request(entry["request"]), "status": entry["status"]}
    if "side" in entry:
        out["side"] = entry["side"]
    if "text" in entry:
        out["text"] = redactor.apply(entry["text"])
    if "base64" in entry:
        # undecodable bytes survive the round trip unchanged; names in the decodable parts do not
        text = base64.b64decode(entry["base64"]).decode("utf-8", "surrogateescape")
        out["base64"] = base64.b64encode(redactor.apply(text).encode("utf-8", "surrogateescape")).decode()
    if "body" in entry:
        body = entry["body"]
        if (entry["request"].get("resource") or {}).get("plural") == "secrets":
            out["body"] = _redacted_secrets(redactor, body)
        else:
            out["body"] = redactor.apply_json(body)
    return out


def _redacted_secrets(redactor: Redactor, body: Any) -> Any:
    """Secret data is base64: a reduced vc-config outline is decoded and its values hashed (targetNamespace
    names a namespace); a reduced Helm release holds only chart metadata and schema and stays as is."""
    items = body.get("items") if isinstance(body, dict) and isinstance(body.get("items"), list) else None
    for obj in items if items is not None else [body]:
        if not isinstance(obj, dict):
            continue
        data = obj.pop("data", None)
        redacted = redactor.apply_json(obj)
        obj.clear()
        obj.update(redacted)
        if isinstance(data, dict):
            obj["data"] = {k: _redacted_config(redactor, v) if k == "config.yaml" else v for k, v in data.items()}
    return body


def _decoded_config(encoded: Any) -> Any:
    try:
        return yaml.safe_load(base64.b64decode(encoded, validate=True))
    except (ValueError, TypeError, yaml.YAMLError):
        return None  # a placeholder for a malformed config: it holds no content


def _config_of(secret: Any) -> Any:
    data = secret.get("data") if isinstance(secret, dict) else None
    return _decoded_config(data.get("config.yaml")) if isinstance(data, dict) else None


#: vc-config keys whose own keys are names: sync.*.*.mappings.byName maps namespaces (or namespace/name refs)
MAPPING_KEY = "byName"


def _mapping_keys(config: Any) -> list[str]:
    """Every key of every ``byName`` mapping in a config, split at "/" (namespace, name)."""
    found: list[str] = []
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == MAPPING_KEY and isinstance(value, dict):
                    found += [part for k in value for part in str(k).split("/") if part and part != "*"]
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _redacted_keys(redactor: Redactor, node: Any) -> Any:
    """The config with the keys of its ``byName`` mappings hashed too (apply_json keeps keys)."""
    if isinstance(node, list):
        return [_redacted_keys(redactor, v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == MAPPING_KEY and isinstance(value, dict):
            out[key] = {_redacted_ref(redactor, str(k)): v for k, v in value.items()}
        else:
            out[key] = _redacted_keys(redactor, value)
    return out


def _redacted_ref(redactor: Redactor, key: str) -> str:
    return "/".join(redactor.apply(part) for part in key.split("/"))


def _redacted_config(redactor: Redactor, encoded: Any) -> Any:
    loaded = _decoded_config(encoded)
    if not isinstance(loaded, dict):
        return encoded
    redacted = _redacted_keys(redactor, redactor.apply_json(loaded))
    return base64.b64encode(yaml.safe_dump(redacted, sort_keys=True).encode()).decode()


def _dump(value: dict) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def _slug(request: ApiRequest) -> str:
    parts = [request.verb]
    if request.resource is not None:
        parts.append(request.resource.plural)
    parts += [p for p in (request.namespace, request.name) if p]
    return "-".join(parts).replace("/", "_")[:80]


def _entry(request: ApiRequest, response: RawResponse) -> dict:
    entry: dict[str, Any] = {"request": request_to_dict(request), "status": response.status}
    if request.verb == "log":
        try:
            entry["text"] = response.body.decode("utf-8")
        except UnicodeDecodeError:
            entry["base64"] = base64.b64encode(response.body).decode()
        return entry
    try:
        entry["body"] = json.loads(response.body)
    except ValueError:
        entry["base64"] = base64.b64encode(response.body).decode()
    return entry


def read(path: str) -> tuple[dict, dict[str, RawResponse], dict | None]:
    """(metadata, responses of the context's side by request key, report of the collecting run); see read_sides."""
    meta, sides, report = read_sides(path)
    return meta, sides[PRIMARY], report


def read_sides(path: str) -> tuple[dict, dict[str, dict[str, RawResponse]], dict | None]:
    """(metadata, {side: responses by request key}, report of the collecting run), or SnapshotError with one line.
    The PRIMARY side is always there; a tenant run's snapshot may hold the host side too.

    The file is hostile input: it must be a regular file, and the archive is streamed with every size,
    count and nesting depth bounded before it is read; every field is validated by type
    (``validate_meta``, ``validate_entry``) and every paged list must form a finite, complete chain."""
    records: dict[str, dict[str, RawResponse]] = {PRIMARY: {}}
    continues: dict[str, dict[str, str | None]] = {PRIMARY: {}}
    meta, report = _read_members(path, records, continues)
    if meta is None:
        raise SnapshotError(f"{path} is not a {FORMAT} snapshot (format: missing)")
    for side, side_records in records.items():
        _check_page_chains(side_records, continues[side], path)
    return meta, records, report


def _open_regular(path: str) -> io.BufferedReader:
    """The file, opened without blocking: a FIFO, a device or a directory is refused, never read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise SnapshotError(f"cannot open snapshot {path}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SnapshotError(f"cannot open snapshot {path}: not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _Bounded(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes came through it."""

    def __init__(self, inner: Any, limit: int, path: str):
        self._inner, self._limit, self._path, self.count = inner, limit, path, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(min(len(buffer), 1024 * 1024))
        self.count += len(data)
        if self.count > self._limit:
            raise SnapshotError(f"snapshot {self._path} is refused: it inflates past {self._limit // 2**20} MiB")
        buffer[:len(data)] = data
        return len(data)


class _BoundedTarInfo(tarfile.TarInfo):
    """Refuses oversized pax / GNU long-name headers, which tarfile would otherwise read into memory whole."""

    def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _META_HEADERS and self.size > MAX_HEADER_BYTES:
            raise SnapshotError(f"snapshot tar header of {self.size} bytes is larger than {MAX_HEADER_BYTES}")
        return super()._proc_member(tar)  # type: ignore[misc]


_META_HEADERS = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME,
                 tarfile.GNUTYPE_LONGLINK)


def read_files(path: str, wanted: Callable[[str], bool], max_members: int = 0) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each regular member of the archive at ``path`` that ``wanted`` accepts, streamed with
    every size and count bounded before it is read (the caps of every archive vcdoctor reads); links, directories
    and devices are never followed or created, nothing is written; SnapshotError with one line otherwise."""
    max_members = max_members or MAX_MEMBERS
    with _open_regular(path) as fh:
        try:
            # gzip.GzipFile raises EOFError on truncation and checks the CRC; it is only read in bounded chunks
            inner = gzip.GzipFile(fileobj=fh, mode="rb") if fh.peek(2)[:2] == b"\x1f\x8b" else fh
            try:  # entered with `with` below: opening errors get a message of their own
                tar = tarfile.open(fileobj=_Bounded(inner, MAX_TOTAL_BYTES, path), mode="r|",  # noqa: SIM115
                                   tarinfo=_BoundedTarInfo)
            except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
                truncated = "the compressed data ends early (truncated file?)"
                raise SnapshotError(f"cannot open snapshot {path}: " + (truncated if isinstance(exc, EOFError) else
                                    f"not a gzip-compressed tar archive ({_one_line(exc)})")) from None
            with tar:
                for count, member in enumerate(tar, 1):
                    if count > max_members:
                        raise SnapshotError(f"snapshot {path} is refused: more than {max_members} members")
                    if not member.isfile() or not wanted(member.name):
                        continue
                    if member.size > MAX_MEMBER_BYTES:
                        raise SnapshotError(f"snapshot {path} is refused: member {member.name[:100]!r} is larger "
                                            f"than {MAX_MEMBER_BYTES // 2**20} MiB")
                    extracted = tar.extractfile(member)
                    yield member.name, extracted.read(MAX_MEMBER_BYTES + 1) if extracted is not None else b""
        except EOFError:
            raise SnapshotError(f"snapshot {path} is damaged: the compressed data ends early (truncated file?)") \
                from None
        except (OSError, zlib.error, tarfile.TarError, UnicodeDecodeError) as exc:
            raise SnapshotError(f"snapshot {path} is damaged: {_one_line(exc)}") from None


def _read_members(path: str, records: dict[str, dict[str, RawResponse]],
                  continues: dict[str, dict[str, str | None]]) -> tuple[dict | None, dict | None]:
    """Streams the archive into ``records`` (and the continue token of each list page into ``continues``);
    returns (metadata, report). Each member is validated and converted as soon as it is read."""
    meta, report = None, None
    for name, raw in read_files(path, lambda n: n in (META_FILE, REPORT_FILE) or n.startswith(RESPONSES_DIR + "/")):
        where = f"{path}: {name[:100]}"
        data = parse_json(raw, where)
        if name == META_FILE:
            if meta is not None:
                raise SnapshotError(f"snapshot {path} is damaged: two {META_FILE} members")
            meta = validate_meta(data, path)
        elif name == REPORT_FILE:
            if not isinstance(data, dict):
                raise SnapshotError(f"snapshot {where} is damaged: not a JSON object")
            report = data
        else:
            side = data.pop("side", PRIMARY) if isinstance(data, dict) else PRIMARY
            if side != PRIMARY and side not in SIDES:
                raise SnapshotError(f"snapshot {where} is damaged: unknown side")
            request, response, token = _checked_entry(data, where)
            del data  # keep only the response (its body decoded once, here), not the whole member
            key = request_key(request)
            if key in records.setdefault(side, {}):
                raise SnapshotError(f"snapshot {where} is damaged: it records a request already recorded")
            records[side][key] = response
            if request.verb == "list" and 200 <= response.status < 300:
                continues.setdefault(side, {})[key] = token
    return meta, report


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


# -- validation -----------------------------------------------------------------------------------

def parse_json(raw: bytes, where: str) -> Any:
    """Strict JSON with bounded nesting and finite numbers only (raises SnapshotError)."""
    try:
        return json_input.decode(raw)
    except json_input.JsonInputError as exc:
        raise SnapshotError(f"snapshot {where} is damaged: {exc}") from None


def _optional(data: dict, key: str, kinds: tuple, where: str) -> Any:
    value = data.get(key)
    if value is not None and (not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool))):
        names = "/".join(k.__name__ for k in kinds)
        raise SnapshotError(f"snapshot {where} is damaged: {key} is a {type(value).__name__}, not {names}")
    return value


def _fields(data: Any, spec: dict[str, tuple], where: str) -> dict:
    if not isinstance(data, dict):
        raise SnapshotError(f"snapshot {where} is damaged: not a JSON object")
    return {key: _optional(data, key, kinds, where) for key, kinds in spec.items()}


_META_SPEC: dict[str, tuple] = {"format": (str,), "collected_at": (str,), "tool": (dict,), "cluster": (dict,),
                                "target": (dict,), "checks": (list,), "responses": (int,), "redacted": (bool,)}
_CLUSTER_SPEC: dict[str, tuple] = {"context": (str,), "server": (str,), "kubernetes_version": (str,)}
#: what a tenant run adds to the cluster: host or virtual, which vCluster, and the host side examined with it
_KIND_SPEC: dict[str, tuple] = {"kind": (str,), "vcluster": (dict,), "host": (dict,)}
_VCLUSTER_SPEC: dict[str, tuple] = {"name": (str,), "namespace": (str,), "host_context": (str,)}
_TARGET_SPEC: dict[str, tuple] = {"namespace": (str,), "pod": (str,), "vcluster": (str,),
                                  "vcluster_namespace": (str,), "helm_release": (bool,), "selector": (str,)}


def validate_meta(data: Any, path: str) -> dict:
    """snapshot.json, checked field by field and reduced to the known fields (raises SnapshotError)."""
    where = f"{path}: {META_FILE}"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        shown = found[:80] if isinstance(found, str) else None
        raise SnapshotError(f"{path} is not a {FORMAT} snapshot (format: {shown or 'missing'})")
    meta = _fields(data, _META_SPEC, where)
    meta["tool"] = _fields(meta["tool"] or {}, {"name": (str,), "version": (str,)}, where + " tool")
    cluster = meta["cluster"] or {}
    meta["cluster"] = _fields(cluster, _CLUSTER_SPEC, where + " cluster")
    meta["cluster"]["server"] = strip_userinfo(meta["cluster"]["server"])
    kind = _fields(cluster, _KIND_SPEC, where + " cluster")
    if kind["kind"] in ("host", "virtual"):  # absent from snapshots of earlier releases: they are host snapshots
        meta["cluster"]["kind"] = kind["kind"]
        if kind["vcluster"] is not None:
            meta["cluster"]["vcluster"] = _fields(kind["vcluster"], _VCLUSTER_SPEC, where + " cluster vcluster")
        if kind["host"] is not None:
            host = _fields(kind["host"], _CLUSTER_SPEC, where + " cluster host")
            meta["cluster"]["host"] = dict(host, server=strip_userinfo(host["server"]))
    meta["target"] = _fields(meta["target"] or {}, _TARGET_SPEC, where + " target")
    checks = meta["checks"] or []
    if not all(isinstance(c, str) for c in checks):
        raise SnapshotError(f"snapshot {where} is damaged: checks holds a non-string")
    meta["checks"], meta["redacted"] = checks, bool(meta["redacted"])
    return meta


_VERBS = ("version", "get", "list", "log", "access-review")
_REQUEST_SPEC: dict[str, tuple] = {
    "verb": (str,), "resource": (dict,), "namespace": (str,), "name": (str,), "label_selector": (str,),
    "field_selector": (str,), "limit": (int,), "continue_token": (str,), "container": (str,), "tail_lines": (int,),
    "limit_bytes": (int,), "review": (list,), "user": (str,), "metadata_only": (bool,)}
_RESOURCE_SPEC: dict[str, tuple] = {"group": (str,), "version": (str,), "plural": (str,), "namespaced": (bool,)}
_BODY_KEYS = ("body", "text", "base64")


def validate_entry(data: Any, where: str) -> tuple[ApiRequest, RawResponse]:
    """One responses/*.json member as (request, response), every field checked (raises SnapshotError)."""
    request, response, _ = _checked_entry(data, where)
    return request, response


def _checked_entry(data: Any, where: str) -> tuple[ApiRequest, RawResponse, str | None]:
    if not isinstance(data, dict):
        raise SnapshotError(f"snapshot {where} is damaged: not a JSON object")
    unknown = set(data) - {"request", "status", *_BODY_KEYS}
    if unknown:
        raise SnapshotError(f"snapshot {where} is damaged: unknown field {min(unknown)[:40]!r}")
    status = data.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise SnapshotError(f"snapshot {where} is damaged: status is not an HTTP status code")
    bodies = [k for k in _BODY_KEYS if k in data]
    if len(bodies) != 1:
        raise SnapshotError(f"snapshot {where} is damaged: it needs exactly one of body, text, base64")
    request = _checked_request(data.get("request"), where)
    kind, value = bodies[0], data[bodies[0]]
    if kind == "text":
        if not isinstance(value, str):
            raise SnapshotError(f"snapshot {where} is damaged: text is not a string")
        body = value.encode("utf-8", "surrogatepass")
    elif kind == "base64":
        try:
            decoded = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except ValueError:
            decoded = None
        if decoded is None:
            raise SnapshotError(f"snapshot {where} is damaged: base64 is not base64 text")
        body = decoded
    else:
        body = b""  # kept decoded (below): the gateway takes it as it is, no page is decoded twice
    token = None
    if 200 <= status < 300 and request.verb not in ("log",) and kind == "body":
        if not isinstance(value, dict):
            raise SnapshotError(f"snapshot {where} is damaged: a successful {request.verb} answer is not an object")
        if request.verb == "list":
            if not isinstance(value.get("items"), (list, type(None))):
                raise SnapshotError(f"snapshot {where} is damaged: list items is not an array")
            list_meta = value.get("metadata")
            if not isinstance(list_meta, (dict, type(None))):
                raise SnapshotError(f"snapshot {where} is damaged: list metadata is not an object")
            token = (list_meta or {}).get("continue")
            if not isinstance(token, (str, type(None))):
                raise SnapshotError(f"snapshot {where} is damaged: continue token is not a string")
    elif 200 <= status < 300 and request.verb == "list":
        raise SnapshotError(f"snapshot {where} is damaged: a successful list answer is not JSON")
    if kind == "body" and not 200 <= status < 300:
        body = json.dumps(value).encode()  # a Status object: its message is read from the bytes, as live
    decoded = value if kind == "body" and 200 <= status < 300 else None
    return request, RawResponse(status, body, decoded=decoded), token or None


def _checked_request(data: Any, where: str) -> ApiRequest:
    where = f"{where} request"
    if not isinstance(data, dict):
        raise SnapshotError(f"snapshot {where} is damaged: not a JSON object")
    unknown = set(data) - set(_REQUEST_SPEC)
    if unknown:
        raise SnapshotError(f"snapshot {where} is damaged: unknown field {min(unknown)[:40]!r}")
    fields = _fields(data, _REQUEST_SPEC, where)
    if fields["verb"] not in _VERBS:
        raise SnapshotError(f"snapshot {where} is damaged: unknown verb")
    for key in ("limit", "tail_lines", "limit_bytes"):
        if fields[key] is not None and fields[key] < 0:
            raise SnapshotError(f"snapshot {where} is damaged: {key} is negative")
    if fields["resource"] is not None:
        resource = fields["resource"]
        # unknown keys are tolerated: v1 snapshots of older releases stored a "snake" name too
        checked = _fields(resource, _RESOURCE_SPEC, where + " resource")
        if any(checked[k] is None for k in _RESOURCE_SPEC):
            raise SnapshotError(f"snapshot {where} resource is damaged: it needs group, version, plural, namespaced")
        fields["resource"] = Resource(**checked)
    elif fields["verb"] in ("get", "list"):
        raise SnapshotError(f"snapshot {where} is damaged: a {fields['verb']} needs a resource")
    if fields["review"] is not None:
        review = fields["review"]
        if len(review) != 6 or not all(isinstance(v, str) for v in review):
            raise SnapshotError(f"snapshot {where} is damaged: review is not six strings")
        fields["review"] = tuple(review)
    elif fields["verb"] == "access-review":
        raise SnapshotError(f"snapshot {where} is damaged: an access-review needs a review")
    return ApiRequest(**{k: v for k, v in fields.items() if v is not None})


def _check_page_chains(records: dict[str, RawResponse], continues: dict[str, str | None], path: str) -> None:
    """Every paged list is a finite chain that ends: a repeated or dangling continue token is damage,
    never a loop or a guess."""
    for key, token in continues.items():
        request = request_from_dict(json.loads(key))
        if request.continue_token is not None:
            continue
        seen = set()
        while token:
            if token in seen:
                raise SnapshotError(f"snapshot {path} is damaged: the continue tokens of {request.describe()} "
                                    f"form a cycle")
            seen.add(token)
            page = request_key(dataclasses.replace(request, continue_token=token))
            if page not in records:
                raise SnapshotError(f"snapshot {path} is damaged: {request.describe()} continues with a page "
                                    f"that was not recorded")
            if page not in continues:
                break  # an error answer (410 Gone...) ends the list; replay reports it unfinished
            token = continues[page]

