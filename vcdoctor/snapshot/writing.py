"""Writing a snapshot archive: reproducible, private, redacted on request, never one the reader would refuse."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import re
import tarfile
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vcdoctor.redaction import Redactor
from vcdoctor import contributions, json_input
from vcdoctor.gateway.live import strip_userinfo
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.private_files import write_private
from vcdoctor.snapshot import reading
from vcdoctor.snapshot.layout import (
    FORMAT,
    META_FILE,
    PRIMARY,
    REPORT_FILE,
    RESPONSES_DIR,
    SnapshotError,
    request_from_dict,
    request_to_dict,
)


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
        documents = _Documents()
        redactor = _redactor(entries, meta, report, documents)
        entries = [_redacted_entry(redactor, documents, e) for e in entries]
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
    archive = buffer.getvalue()
    del buffer, members  # the archive is held once from here on
    _within_read_caps(archive, path)
    _write_private(path, archive, mtime)
    return len(entries)


#: what to say when a cluster is too big for one snapshot
NARROW = ("narrow it with --namespace, --vcluster or --check (a snapshot holds only what the selected checks read)")


def _within_read_caps(tar: bytes, path: str) -> None:
    """A snapshot the reader would refuse is never written: the writer reads it back under the reader's own caps
    (and each member under the JSON bounds replay decodes it with)."""
    try:
        for name, data in reading.stream_files(io.BufferedReader(io.BytesIO(tar)), path, lambda _: True):
            try:
                json_input.check_bounds(data)
            except json_input.JsonInputError as exc:
                raise SnapshotError(f"not writing {path}: {name} would be refused on replay ({exc}); {NARROW}") \
                    from None
    except reading.Refused as exc:
        raise SnapshotError(f"not writing {path}: replay would refuse it ({exc.reason}); {NARROW}") \
            from None


def _write_private(path: str, tar: bytes, mtime: int) -> None:
    """Only the owner may read a snapshot, and it appears whole (vcdoctor.private_files)."""
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=mtime) as gz:
        gz.write(tar)
    write_private(path, compressed.getvalue())


class _Documents:
    """The kept Secret values that name things in their keys (a vc-config), each decoded once for --redact:
    first to learn the names, then to hash them."""

    def __init__(self) -> None:
        self._decoded: dict[tuple[str, str], Any] = {}
        self._kinds = {key: value.names for key, value in contributions.secret_values().items() if value.names}

    def learn(self, secret: Any) -> list[str]:
        data = secret.get("data") if isinstance(secret, dict) else None
        names: list[str] = []
        for key, value in data.items() if isinstance(data, dict) else ():
            kind = self._kinds.get(key)
            if kind is not None and isinstance(value, str):
                document = self._document(kind, key, value)
                names += kind.names(document) if document is not None else []
        return names

    def redacted(self, redactor: Redactor, key: str, value: Any) -> Any:
        kind = self._kinds.get(key)
        if kind is None or not isinstance(value, str):
            return value
        document = self._document(kind, key, value)
        return kind.redacted(document, redactor) if document is not None else value

    def _document(self, kind: contributions.NamedDocument, key: str, value: str) -> Any:
        if (key, value) not in self._decoded:
            self._decoded[(key, value)] = kind.decode(value)
        return self._decoded[(key, value)]


def _redactor(entries: list[dict], meta: dict, report: dict | None, documents: _Documents) -> Redactor:
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
                for name in documents.learn(obj):
                    redactor.learn_namespace(name)
    _learn_host_pods_in_logs(redactor, entries, vclusters)
    target = meta.get("target") or {}
    if target.get("pod") and target.get("namespace"):
        # translated names the target was looked up under, found or not, must not leak the real names
        for vc in vclusters:
            redactor.learn_virtual_pod(target["pod"], target["namespace"], vc)
        redactor.learn_objects([{"metadata": {"namespace": target["namespace"], "name": target["pod"]}}], pods=True)
    return redactor


def _learn_host_pods_in_logs(redactor: Redactor, entries: list[dict], vclusters: list[str]) -> None:
    """Pods that exist only in log lines (denied by a webhook, already deleted), by their host names."""
    synced = contributions.virtual_pods()
    if synced is None or not vclusters:
        return
    for entry in entries:
        for run in _HOST_NAME_RUN.findall(entry.get("text", "")):
            run = run.rstrip(".")
            for vc in vclusters:
                virtual = synced.virtual_of(run, vc)
                if virtual is not None:
                    redactor.learn_virtual_pod(*virtual, vc)


#: a run that can be a host pod name; split without backtracking (a lazy pattern is quadratic on long lines)
_HOST_NAME_RUN = re.compile(r"[a-z0-9][a-z0-9.-]*")


def _redacted_entry(redactor: Redactor, documents: _Documents, entry: dict) -> dict:
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
            out["body"] = _redacted_secrets(redactor, documents, body)
        else:
            out["body"] = redactor.apply_json(body)
    return out


def _redacted_secrets(redactor: Redactor, documents: _Documents, body: Any) -> Any:
    """Secret data is base64: a kept value that names things (a reduced vc-config outline: targetNamespace, the
    keys of byName mappings) is rewritten by its product; one that holds no name (a reduced Helm release: chart
    metadata and schema) stays as is."""
    items = body.get("items") if isinstance(body, dict) and isinstance(body.get("items"), list) else None
    for obj in items if items is not None else [body]:
        if not isinstance(obj, dict):
            continue
        data = obj.pop("data", None)
        redacted = redactor.apply_json(obj)
        obj.clear()
        obj.update(redacted)
        if isinstance(data, dict):
            obj["data"] = {k: documents.redacted(redactor, k, v) for k, v in data.items()}
    return body


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

