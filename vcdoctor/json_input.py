"""The one JSON decoder for untrusted bytes (API responses, snapshots, saved reports): bounded nesting, finite
numbers, and a ValueError that says which, never a RecursionError."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Optional, Union

#: Kubernetes objects nest about 15 deep, a report about 10; a deeper document is hostile (the decoder recurses)
MAX_DEPTH = 100
#: objects and arrays in one document: a page of 2,000 pods holds about 200,000; each costs ~100 bytes decoded, so
#: 60 MiB of `{},` (20 million) would be gigabytes
MAX_CONTAINERS = 2_000_000

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonInputError(ValueError):
    """Bytes that are not JSON vcdoctor will decode: invalid, nested too deep, or with a non-finite number."""


def _brackets(raw: bytes) -> bytes:
    """The document's brackets, strings cut out (one linear pass)."""
    return _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)


def depth_ok(raw: bytes, limit: int = MAX_DEPTH, brackets: Optional[bytes] = None) -> bool:
    """Whether ``raw`` nests at most ``limit`` arrays/objects deep (or is unbalanced: the decoder says so).

    Done on the bytes, before decoding, in linear time: strings are cut out, the brackets left are
    reduced pair by pair, one nesting level per round, at most ``limit`` rounds."""
    brackets = _brackets(raw) if brackets is None else brackets
    for _ in range(limit):
        reduced = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if not reduced or len(reduced) == len(brackets):
            return True
        brackets = reduced
    return not brackets


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} overflows a double")
    return value


def check_bounds(data: bytes) -> None:
    """Raises JsonInputError when ``data`` holds more objects and arrays, or nests deeper, than vcdoctor decodes;
    linear in the bytes, before a single object is built (the snapshot writer checks with it too)."""
    brackets = _brackets(data)
    # each container has one opening and one closing bracket: the count is exact
    if len(brackets) > 2 * MAX_CONTAINERS:
        raise JsonInputError(f"JSON holds more than {MAX_CONTAINERS} objects and arrays")
    if not depth_ok(data, brackets=brackets):
        raise JsonInputError(f"JSON nested deeper than {MAX_DEPTH} levels")


def decode(raw: Union[bytes, str]) -> Any:
    """Strict JSON within :func:`check_bounds`, finite numbers only (raises JsonInputError)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    check_bounds(data)
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise JsonInputError("JSON nested too deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonInputError(f"not valid JSON: {str(exc).splitlines()[0][:200]}") from None
