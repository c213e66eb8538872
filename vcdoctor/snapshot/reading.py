"""Reading untrusted archives: every size bounded before it is read, every field of a snapshot validated."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import io
import json
import os
import stat
import tarfile
import zlib
from typing import Any, Callable, Iterator

from vcdoctor import json_input
from vcdoctor.gateway.live import strip_userinfo
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import Resource
from vcdoctor.snapshot.layout import (
    FORMAT,
    META_FILE,
    PRIMARY,
    REPORT_FILE,
    RESPONSES_DIR,
    SIDES,
    SnapshotError,
    request_from_dict,
    request_key,
)

#: Archives are untrusted input: every size is bounded before it is read, never after.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: uncompressed bytes of the whole tar stream (headers, padding and skipped members included)
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: tar headers of any kind; a snapshot of a 50k-pod cluster has a few hundred members
MAX_MEMBERS = 20_000
#: pax and GNU long-name headers are read whole by tarfile: they must be small
MAX_HEADER_BYTES = 64 * 1024


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


class Refused(SnapshotError):
    """An archive over one of the caps; ``reason`` says which (the writer quotes it when it refuses to write one)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"snapshot {path} is refused: {reason}")
        self.reason = reason


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
            raise Refused(self._path, f"it inflates past {self._limit // 2**20} MiB")
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
    with _open_regular(path) as fh:
        yield from stream_files(fh, path, wanted, max_members)


def stream_files(fh: io.BufferedReader, path: str, wanted: Callable[[str], bool],
                 max_members: int = 0) -> Iterator[tuple[str, bytes]]:
    """read_files of an archive already open (``path`` only names it in messages)."""
    max_members = max_members or MAX_MEMBERS
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
                    raise Refused(path, f"more than {max_members} members")
                if not member.isfile() or not wanted(member.name):
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    raise Refused(path, f"member {member.name[:100]!r} is larger than "
                                            f"{MAX_MEMBER_BYTES // 2**20} MiB")
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

