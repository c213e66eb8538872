"""Accepted findings: ``--ignore CODE[:OBJECT]`` and the ``ignore:`` list of .vcdoctor.yaml, applied to a run's results.

As flake8's ``--extend-ignore`` and popeye's spinach ``excludes``: an accepted finding is still reported (marked
ignored), but it decides no exit code and its remedy steps are left out. ``OBJECT`` narrows it to the findings
that name that object (``namespace/name``, or a cluster-scoped name such as a queue), as popeye's ``fqns``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, replace
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from vcdoctor.model import FINDING_CODE, CheckResult, Occurrence

#: read from the working directory when --config is not given
CONFIG_FILE = ".vcdoctor.yaml"
#: a config file is the user's own, but still read bounded
MAX_CONFIG_BYTES = 256 * 1024


class IgnoreError(ValueError):
    """A malformed --ignore value or config file; the message says which and why (one line)."""


@dataclass(frozen=True)
class Ignore:
    """One accepted finding: a code, optionally on one object, with the reason the config gives."""

    code: str
    object: Optional[str] = None
    reason: Optional[str] = None

def accepted(found: Occurrence, ignores: Sequence[Ignore]) -> bool:
    """A finding is accepted by its code alone, or object by object: one naming three pods is accepted only when
    all three are (accepting one pod must not hide the other two); one naming no object only by its code."""
    scoped = [i for i in ignores if i.code == found.code]
    if any(i.object is None for i in scoped):
        return True
    named = {i.object for i in scoped}
    return bool(found.objects) and all(obj in named for obj in found.objects)

    def __str__(self) -> str:
        return self.code + (f":{self.object}" if self.object else "")


def parse(text: str, where: str = "--ignore") -> Ignore:
    """``CODE`` or ``CODE:OBJECT`` (an object is ``namespace/name`` or a name)."""
    code, _, obj = str(text).strip().partition(":")
    code = code.strip().upper()
    if not FINDING_CODE.match(code):
        raise IgnoreError(f"{where} {text!r}: expected CODE[:NAMESPACE/NAME] with a finding code such as VCD310 "
                          f"(`vcdoctor explain CODE` says what one means)")
    obj = obj.strip()
    if ":" in obj or obj.count("/") > 1 or obj.startswith("/") or obj.endswith("/"):
        raise IgnoreError(f"{where} {text!r}: the object must be NAMESPACE/NAME or NAME")
    return Ignore(code, obj or None)


def from_config(path: Optional[str]) -> Tuple[Ignore, ...]:
    """The ``ignore:`` list of ``path``, or of ./.vcdoctor.yaml when no path is given and it exists.

    Each entry is ``CODE[:OBJECT]`` or a mapping ``{code: CODE, object: NS/NAME, reason: why}``."""
    import yaml

    if path is None:
        if not os.path.isfile(CONFIG_FILE):
            return ()
        path = CONFIG_FILE
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise IgnoreError(f"config {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise IgnoreError(f"config {path}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        document = yaml.safe_load(raw.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise IgnoreError(f"config {path}: not YAML: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(document, dict) or set(document) - {"ignore"}:
        raise IgnoreError(f"config {path}: expected a mapping with one key, ignore (a list of CODE[:NAMESPACE/NAME])")
    entries = document.get("ignore") or []
    if not isinstance(entries, list):
        raise IgnoreError(f"config {path}: ignore must be a list")
    return tuple(_entry(entry, f"config {path}: ignore[{i}]") for i, entry in enumerate(entries))


def _entry(entry: Any, where: str) -> Ignore:
    if isinstance(entry, str):
        return parse(entry, where)
    if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or set(entry) - {"code", "object",
                                                                                                 "reason"}:
        raise IgnoreError(f"{where}: expected CODE[:NAMESPACE/NAME] or a mapping with code, object and reason")
    found = parse(entry["code"] + (f":{entry['object']}" if entry.get("object") else ""), where)
    reason = entry.get("reason")
    return replace(found, reason=str(reason) if reason is not None else None)


def unknown(ignores: Iterable[Ignore], known: Sequence[str]) -> Optional[str]:
    """A one-line error naming the codes no check declares (with the closest known one), else None."""
    hints = []
    for code in dict.fromkeys(i.code for i in ignores if i.code not in known):
        near = difflib.get_close_matches(code, list(known), 1, 0.6)
        hints.append(code + (f" (did you mean {near[0]}?)" if near else ""))
    if not hints:
        return None
    return f"unknown finding code(s) to ignore: {', '.join(hints)}; `vcdoctor explain CODE` describes a known one"


def accept(results: Sequence[CheckResult], ignores: Sequence[Ignore]) -> List[CheckResult]:
    """Each result with the findings ``ignores`` match marked; a result whose every finding is matched is ignored.
    A folded result (one finding per vCluster) is ignored only when all of them are: the rest still count."""
    if not ignores:
        return list(results)
    out = []
    for result in results:
        findings = tuple(replace(f, ignored=accepted(f, ignores)) for f in result.findings)
        out.append(replace(result, findings=findings, ignored=bool(findings) and all(f.ignored for f in findings)))
    return out
