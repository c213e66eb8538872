"""Parsing KAI pod-grouper logs (zap console or JSON lines) for RBAC trouble and the no-owner line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from vcdoctor.logs import iter_lines

NO_OWNER_MESSAGE = "Detected pod with no owner but with podgroup annotation"
#: Longest line kept; a stack trace or binary blob must not become a huge evidence string.
EXAMPLE_CHARS = 300
#: how much of a line the permission patterns read: KAI's messages are a few hundred characters, and a crafted
#: line repeating a pattern's prefix costs each search time quadratic in what it reads (200 KB took 7 s)
SCANNED_CHARS = 8192

# KAI's handled-Forbidden fallback (podgrouper.go handleGetOwnerError), logged at V(1).
_OWNER_FALLBACK = re.compile(r"No permissions to get resourceOwner '([^']*)': <([^>]*)/([^/>]*)>\. returning")
# Kubernetes' Forbidden text; quotes may arrive JSON-escaped inside a console line.
_FORBIDDEN = re.compile(
    r'is forbidden: User \\*"([^"\\]+)\\*" cannot ([a-z]+) resource \\*"([^"\\]+)\\*"'
    r'(?: in API group \\*"([^"\\]*)\\*")?')
# What the refusal concerns: the object named before "is forbidden", the namespace after it, and the
# "<namespace/pod>" the fallback line returns (the pod's namespace is the vCluster's host namespace).
_FORBIDDEN_OBJECT = re.compile(r'([a-z][a-z0-9.]*) \\*"([^"\\]+)\\*" is forbidden')
_FORBIDDEN_NAMESPACE = re.compile(r'in the namespace \\*"([^"\\]+)\\*"')
_FALLBACK_POD = re.compile(r"returning (?:the pod as the owner|last owner) '[^']*': <([^/>]*)/([^>]*)>")
#: Every pattern below contains one of these, also when its quotes are JSON-escaped.
_MARKERS = (NO_OWNER_MESSAGE, "No permissions to get resourceOwner", "is forbidden")


@dataclass(frozen=True)
class LogLine:
    level: Optional[str]
    message: str
    #: message plus every string field, the text searched for patterns
    text: str
    raw: str


@dataclass
class Finding:
    """Deduplicated permission trouble: what was refused, how often, one example."""

    kind: str
    subject: str
    count: int
    example: str
    #: (namespace, name) of the core Service the pod-grouper was refused, when the line names one
    service: Optional[Tuple[str, str]] = None


@dataclass
class LogScan:
    lines: int = 0
    undecodable_bytes: bool = False
    permission: Dict[Tuple[str, str, Optional[Tuple[str, str]]], Finding] = field(default_factory=dict)
    no_owner: List[str] = field(default_factory=list)

    @property
    def permission_count(self) -> int:
        return sum(f.count for f in self.permission.values())

    def merge(self, other: "LogScan") -> None:
        self.lines += other.lines
        self.undecodable_bytes |= other.undecodable_bytes
        for key, finding in other.permission.items():
            if key in self.permission:
                self.permission[key].count += finding.count
            else:
                self.permission[key] = finding
        self.no_owner.extend(other.no_owner)


def parse_line(line: str) -> LogLine:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            message = str(obj.get("msg", ""))
            level = obj.get("level")
            return LogLine(str(level).upper() if level else None, message, _text(message, obj), line)
    parts = line.split("\t")
    if len(parts) >= 3:
        # <ts>\t<LEVEL>\t[<logger>\t]<msg>[\t{json}]
        level = parts[1].strip().upper()
        fields_obj = None
        if parts[-1].lstrip().startswith("{"):
            try:
                fields_obj = json.loads(parts[-1])
            except ValueError:
                fields_obj = None
            body = parts[2:-1]
        else:
            body = parts[2:]
        message = body[-1].strip() if body else ""
        extra = fields_obj if isinstance(fields_obj, dict) else {}
        text = _text(message, extra) if fields_obj is not None else "\t".join(parts[2:])
        return LogLine(level or None, message, text, line)
    return LogLine(None, stripped, stripped, line)


def _text(message: str, obj: dict) -> str:
    values = [message]
    for value in obj.values():
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, (dict, list)):
            values.append(json.dumps(value))
    return "\n".join(values)


def scan(data: bytes) -> LogScan:
    result = LogScan()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        result.undecodable_bytes = True
    for line in iter_lines(data):
        if not line.strip():
            continue
        result.lines += 1
        if not any(marker in line for marker in _MARKERS):
            continue  # most lines are routine; parse only those that can match
        parsed = parse_line(line)
        if NO_OWNER_MESSAGE in parsed.text:
            # Benign (setOwner false) although KAI logs it at ERROR with "orphan pod detected".
            result.no_owner.append(_example(line))
            continue
        for kind, subject, service in _permission_problems(parsed.text):
            key = (kind, subject, service)
            if key in result.permission:
                result.permission[key].count += 1
            else:
                result.permission[key] = Finding(kind, subject, 1, _example(line), service)
    return result


def _permission_problems(text: str) -> List[Tuple[str, str, Optional[Tuple[str, str]]]]:
    found: List[Tuple[str, str, Optional[Tuple[str, str]]]] = []
    text = text[:SCANNED_CHARS]
    match = _OWNER_FALLBACK.search(text)
    if match:
        kind = match.group(1) or _kind_from_struct(match.group(2)) or "?"
        pod = _FALLBACK_POD.search(text)
        service = (pod.group(1), match.group(3)) if pod and kind == "Service" and pod.group(1) else None
        found.append(("owner-lookup-forbidden", f"{kind} {match.group(3)}".strip(), service))
    for m in _FORBIDDEN.finditer(text):
        user, verb, resource, group = m.groups()
        what = f"{resource}.{group}" if group else resource
        service = None
        if resource == "services" and not group:
            obj = _FORBIDDEN_OBJECT.search(text[:m.start() + 20])
            ns = _FORBIDDEN_NAMESPACE.search(text, m.end())
            if obj and ns:
                service = (ns.group(1), obj.group(2))
        found.append(("forbidden", f"{user} cannot {verb} {what}", service))
    return found


def _kind_from_struct(text: str) -> Optional[str]:
    match = re.search(r"Kind:([A-Za-z]+)", text)
    return match.group(1) if match else None


def _example(line: str) -> str:
    line = line.strip()
    return line if len(line) <= EXAMPLE_CHARS else line[:EXAMPLE_CHARS] + "..."
