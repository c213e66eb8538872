"""Offline snapshots: record what the checks read through the gateway, replay it later without a cluster.

A snapshot is a gzipped tar of JSON files (layout in docs/snapshot.md). Responses are minimised
before the checks see them and before they are stored, so a snapshot cannot hold what the checks never
needed: Secret data other than the vCluster config's outline and a Helm release's chart schema, container
env values, managed fields and last-applied annotations are dropped by construction.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import yaml

from vcdoctor.gateway.errors import NotInSnapshot
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import SECRETS, Resource
from vcdoctor.secret_values import SNAPSHOT_DIGEST, SNAPSHOT_REDUCED

FORMAT = "vcdoctor.snapshot/v1"
META_FILE = "snapshot.json"
REPORT_FILE = "report.json"
RESPONSES_DIR = "responses"
#: Secret keys that may enter a snapshot, each reduced to what checks read: the vc-config outline and the
#: chart name, version and schema of a Helm release.
SECRET_KEYS = ("config.yaml", "release")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: Archives are untrusted input: refuse absurd members instead of exhausting memory.
MAX_MEMBER_BYTES = 64 * 1024 * 1024


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
    if isinstance(body.get("items"), list):
        body["items"] = [_minimise_object(o, is_secret) for o in body["items"]]
    elif isinstance(body, dict):
        body = _minimise_object(body, is_secret)
    return RawResponse(response.status, json.dumps(body, separators=(",", ":")).encode())


def _minimise_object(obj: Any, is_secret: bool) -> Any:
    if not isinstance(obj, dict):
        return obj
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        if isinstance(meta.get("annotations"), dict):
            meta["annotations"].pop(LAST_APPLIED, None)
    if is_secret:
        data = obj.get("data") if isinstance(obj.get("data"), dict) else {}
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
    _strip_env(obj.get("spec"))
    template = (obj.get("spec") or {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(template, dict):
        _strip_env(template.get("spec"))
    return obj


def _strip_env(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            if not isinstance(container, dict):
                continue
            if isinstance(container.get("env"), list):
                container["env"] = [{"name": e.get("name")} for e in container["env"] if isinstance(e, dict)]
            container.pop("envFrom", None)


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
    return base64.b64encode(yaml.safe_dump(config_outline(loaded), sort_keys=True).encode()).decode()


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
        self.records: Dict[str, Tuple[ApiRequest, RawResponse]] = {}

    def send(self, request: ApiRequest) -> RawResponse:
        response = minimise(request, self._inner.send(request))
        with self._lock:
            self.records[request_key(request)] = (request, response)
        return response


def _unpaged_key(request: ApiRequest) -> str:
    return request_key(dataclasses.replace(request, limit=None, continue_token=None))


class ReplayTransport:
    """Answers from a snapshot; anything not recorded is an honest NotInSnapshot, never a guess.

    A LIST is answered whole, whatever page size the replaying vcdoctor asks for: the recorded pages
    are joined once, so snapshots do not depend on the page size of the vcdoctor that collected them.
    """

    def __init__(self, records: Dict[str, RawResponse]):
        self._records = records
        self._lists = _join_pages(records)

    def send(self, request: ApiRequest) -> RawResponse:
        if request.verb == "list":
            response = self._lists.get(_unpaged_key(request))
            if response is None and request.metadata_only:
                # a snapshot that recorded the full list answers a metadata-only question too
                full = self._lists.get(_unpaged_key(dataclasses.replace(request, metadata_only=None)))
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
    body = json.loads(response.body)
    items = [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": i.get("metadata")}
             for i in body.get("items") or []]
    slim = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
            "metadata": body.get("metadata") or {}, "items": items}
    return RawResponse(response.status, json.dumps(slim).encode())


def _join_pages(records: Dict[str, RawResponse]) -> Dict[str, RawResponse]:
    by_key = {}
    for key, response in records.items():
        request = request_from_dict(json.loads(key))
        if request.verb == "list":
            by_key[key] = (request, response)
    joined = {}
    for request, response in by_key.values():
        if request.continue_token is not None:
            continue
        if not 200 <= response.status < 300:
            joined[_unpaged_key(request)] = response
            continue
        body = json.loads(response.body)
        items = list(body.get("items") or [])
        token = (body.get("metadata") or {}).get("continue")
        complete = True
        while token:
            page = by_key.get(request_key(dataclasses.replace(request, continue_token=token)))
            if page is None or not 200 <= page[1].status < 300:
                complete = False  # an unfinished list is not an answer; replay says so instead
                break
            page_body = json.loads(page[1].body)
            items.extend(page_body.get("items") or [])
            token = (page_body.get("metadata") or {}).get("continue")
        if complete:
            body["items"] = items
            body.setdefault("metadata", {}).pop("continue", None)
            joined[_unpaged_key(request)] = RawResponse(response.status, json.dumps(body).encode())
    return joined


# -- archive --------------------------------------------------------------------------------------

def write(path: str, metadata: dict, records: Dict[str, Tuple[ApiRequest, RawResponse]],
          report: Optional[dict] = None, redact: bool = False) -> int:
    """Write a reproducible archive (sorted members, fixed mtimes); returns the number of responses.

    With ``redact`` every namespace and pod name is replaced by a consistent token (docs/snapshot.md).
    """
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    entries = [_entry(request, response) for request, response in records.values()]
    meta = {"format": FORMAT, **metadata, "responses": len(records), "redacted": redact}
    if redact:
        redactor = _redactor(entries, meta, report)
        entries = [redactor.apply_json(e) for e in entries]
        meta["target"] = redactor.apply_json(meta.get("target"))
        # the collecting run's report quotes names in truncated examples and dict keys: leave it out,
        # a replay of the redacted responses rebuilds it
        report = None
    members: List[Tuple[str, bytes]] = [(META_FILE, _dump(meta))]
    if report is not None:
        members.append((REPORT_FILE, _dump(report)))
    entries.sort(key=lambda e: json.dumps(e["request"], sort_keys=True))
    for index, entry in enumerate(entries, 1):
        members.append((f"{RESPONSES_DIR}/{index:04d}-{_slug(request_from_dict(entry['request']))}.json",
                        _dump(entry)))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            tar.addfile(info, io.BytesIO(data))
    import gzip

    with open(path, "wb") as fh:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=mtime) as gz:
            gz.write(buffer.getvalue())
    return len(records)


def _redactor(entries: List[dict], meta: dict, report: Optional[dict]):
    from vcdoctor.redaction import Redactor, objects_in

    redactor = Redactor()
    for entry in entries:
        resource = (entry["request"].get("resource") or {}).get("plural")
        redactor.learn_objects(objects_in(entry.get("body")), pods=resource == "pods")
        for key in ("namespace", "name"):
            if entry["request"].get(key) and (key == "namespace" or resource == "pods"):
                redactor.learn_objects([{"metadata": {key: entry["request"][key]}}], pods=True)
    vclusters = [ref.split("/", 1)[1] for ref in (report or {}).get("target", {}).get("vclusters", [])]
    # pods that exist only in log lines (denied by a webhook, already deleted) by their host names
    for entry in entries:
        for vc in vclusters:
            for m in re.finditer(rf"([a-z0-9][a-z0-9.-]*?)-x-([a-z0-9][a-z0-9-]*?)-x-{re.escape(vc)}\b",
                                 entry.get("text", "")):
                redactor.learn_virtual_pod(m.group(1), m.group(2), vc)
    target = meta.get("target") or {}
    if target.get("pod") and target.get("namespace"):
        # translated names the target was looked up under, found or not, must not leak the real names
        for vc in vclusters:
            redactor.learn_virtual_pod(target["pod"], target["namespace"], vc)
        redactor.learn_objects([{"metadata": {"namespace": target["namespace"], "name": target["pod"]}}], pods=True)
    return redactor


def _dump(value: dict) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def _slug(request: ApiRequest) -> str:
    parts = [request.verb]
    if request.resource is not None:
        parts.append(request.resource.plural)
    parts += [p for p in (request.namespace, request.name) if p]
    return "-".join(parts).replace("/", "_")[:80]


def _entry(request: ApiRequest, response: RawResponse) -> dict:
    entry: Dict[str, Any] = {"request": request_to_dict(request), "status": response.status}
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


def read(path: str) -> Tuple[dict, Dict[str, RawResponse], Optional[dict]]:
    """(metadata, responses by request key, report of the collecting run)."""
    try:
        tar = tarfile.open(path, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise SnapshotError(f"cannot open snapshot {path}: {exc}") from None
    meta, report, records = None, None, {}
    with tar:
        try:
            for member in tar:
                if not member.isfile():
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    raise SnapshotError(f"snapshot member {member.name} is larger than {MAX_MEMBER_BYTES} bytes")
                data = json.loads(tar.extractfile(member).read())
                if member.name == META_FILE:
                    meta = data
                elif member.name == REPORT_FILE:
                    report = data
                elif member.name.startswith(RESPONSES_DIR + "/"):
                    request = request_from_dict(data["request"])
                    records[request_key(request)] = RawResponse(int(data["status"]), _body(data))
        except (OSError, tarfile.TarError, ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"snapshot {path} is damaged: {type(exc).__name__}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise SnapshotError(f"{path} is not a {FORMAT} snapshot (format: {found or 'missing'})")
    return meta, records, report


def _body(entry: dict) -> bytes:
    if "text" in entry:
        return entry["text"].encode("utf-8")
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    return json.dumps(entry.get("body")).encode()
