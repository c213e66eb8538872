"""Helm release records: a vCluster's current release and the config schema its chart carries."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from typing import Any, Mapping, Optional

from vcdoctor.chart_schema import ChartSchema
from vcdoctor.engine.facts import ScopedApi
from vcdoctor.gateway import resources as r
from vcdoctor.secret_values import decode_key

#: Helm's storage driver labels every release Secret so; vCluster's own reader lists by the same labels.
OWNER_LABEL = "owner=helm"
RELEASE_KEY = "release"
#: Statuses Helm's storage skips when it looks for the current release.
INACTIVE = ("superseded", "uninstalled")
GZIP_MAGIC = b"\x1f\x8b\x08"
#: Release records are at most 1 MiB compressed (the Secret size limit); refuse to inflate past this.
MAX_RELEASE_BYTES = 32 * 1024 * 1024


class MalformedRelease(Exception):
    """The Secret does not hold a Helm release record vcdoctor can decode."""


class NoRelease(Exception):
    """No current Helm release of that name (installed by `helm template`, Argo CD and the like)."""


def current_release_secret(api: ScopedApi, namespace: str, release: str) -> Optional[str]:
    """Name of the Secret holding the release Helm considers current, or None when there is none.

    Lists metadata only: names and labels, never the data of any Secret."""
    candidates = []
    for obj in api.list(r.SECRETS, namespace, f"{OWNER_LABEL},name={release}", metadata_only=True):
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get("status") in INACTIVE:
            continue
        try:
            candidates.append((int(labels.get("version", "")), meta.get("name")))
        except ValueError:
            continue
    return max(candidates)[1] if candidates else None


def decode_release(helm_encoded: bytes) -> dict:
    """Helm's stored form (base64, usually of gzip) to the release JSON; the Secret's own base64 is
    already undone by the caller."""
    try:
        packed = base64.b64decode(helm_encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedRelease("the release record is not base64") from None
    if packed.startswith(GZIP_MAGIC):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            packed = inflater.decompress(packed, MAX_RELEASE_BYTES)
        except zlib.error:
            raise MalformedRelease("the release record is not valid gzip") from None
        if inflater.unconsumed_tail:
            raise MalformedRelease(f"the release record inflates past {MAX_RELEASE_BYTES // 2**20} MiB")
    try:
        release = json.loads(packed)
    except (UnicodeDecodeError, ValueError):
        raise MalformedRelease("the release record is not JSON") from None
    if not isinstance(release, dict):
        raise MalformedRelease("the release record is not a JSON object")
    return release


def encode_release(release: dict) -> bytes:
    """The inverse of decode_release (snapshots store reduced releases in Helm's own form)."""
    return base64.b64encode(gzip.compress(json.dumps(release, separators=(",", ":")).encode(), mtime=0))


def _object_at(obj: Mapping[str, Any], key: str) -> dict:
    """obj[key] when it is a JSON object, else {} (a release record is untrusted JSON)."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def reduce_release(release: dict) -> dict:
    """What vcdoctor uses of a release: the chart's name, version and schema, and the release status.

    The user's values, the rendered manifests and the chart's templates are dropped."""
    chart = _object_at(release, "chart")
    metadata = _object_at(chart, "metadata")
    info = _object_at(release, "info")
    reduced_chart: dict = {"metadata": {k: metadata[k] for k in ("name", "version") if k in metadata}}
    if "schema" in chart:
        reduced_chart["schema"] = chart["schema"]
    return {"chart": reduced_chart, "info": {"status": info.get("status")}, "version": release.get("version")}


def chart_schema(api: ScopedApi, namespace: str, release: str) -> Optional[ChartSchema]:
    """The config schema of the chart behind the current release, or None when the release has none.

    Raises NoRelease, MalformedRelease, SecretKeyMissing or a GatewayError."""
    name = current_release_secret(api, namespace, release)
    if name is None:
        raise NoRelease(f"no current Helm release named {release} in namespace {namespace} "
                          f"(no Secret labelled {OWNER_LABEL},name={release} outside statuses {'/'.join(INACTIVE)})")
    record = decode_release(decode_key(api.get(r.SECRETS, name, namespace), RELEASE_KEY, f"{namespace}/{name}"))
    chart = _object_at(record, "chart")
    version = _object_at(chart, "metadata").get("version")
    encoded = chart.get("schema")
    if not encoded:
        return None
    try:
        # Go marshals the chart's []byte schema as base64
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, TypeError, ValueError):
        raise MalformedRelease(f"Secret {namespace}/{name}: chart.schema is not base64-encoded JSON") from None
    if not isinstance(document, dict):
        raise MalformedRelease(f"Secret {namespace}/{name}: chart.schema is not a JSON object")
    return ChartSchema(f"Helm release Secret {namespace}/{name} (chart {version or 'version unknown'})",
                       version, document)


def reduced_release(encoded: Any) -> str:
    """The base64 release record a snapshot keeps: without the user's values, manifests and templates
    (reduce_release); an undecodable one is replaced by a placeholder."""
    try:
        release = decode_release(base64.b64decode(encoded, validate=True))
    except (ValueError, TypeError, MalformedRelease):
        return base64.b64encode(b"!not-a-release!").decode()
    return base64.b64encode(encode_release(reduce_release(release))).decode()
