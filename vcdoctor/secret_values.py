"""One key of a Secret read by name, and the digest a snapshot keeps in place of a reduced value."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Optional

#: annotation prefix under which a snapshot keeps the sha256 of a Secret value it reduced
SNAPSHOT_DIGEST = "vcdoctor.snapshot/sha256-"
#: annotation a snapshot puts on every Secret whose data it reduced
SNAPSHOT_REDUCED = "vcdoctor.snapshot/reduced"
#: annotation on a Secret another tool's archive lacks and vcdoctor derived from what it holds: says from what
DERIVED_FROM = "vcdoctor.archive/derived-from"


class SecretKeyMissing(Exception):
    """The Secret exists but has no such key (or it is not valid base64)."""


def decode_key(secret: dict, key: str, where: str) -> bytes:
    """The decoded value of one key; other keys are never looked at."""
    encoded = (secret.get("data") or {}).get(key)
    if encoded is None:
        raise SecretKeyMissing(f"Secret {where} has no key {key!r}")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise SecretKeyMissing(f"Secret {where} key {key!r} is not valid base64") from None


def stored_digest(secret: dict, key: str) -> Optional[str]:
    """sha256 of one key's base64 text as stored; from a snapshot, the digest of the original value."""
    annotations = (secret.get("metadata") or {}).get("annotations") or {}
    if SNAPSHOT_REDUCED in annotations:
        return annotations.get(SNAPSHOT_DIGEST + key)
    encoded = (secret.get("data") or {}).get(key)
    return hashlib.sha256(encoded.encode()).hexdigest() if isinstance(encoded, str) else None
