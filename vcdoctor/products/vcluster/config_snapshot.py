"""What a snapshot keeps of a vc-config Secret (its outline), and how --redact hashes the names it holds."""

from __future__ import annotations

import base64
from typing import Any, List

import yaml

from vcdoctor.contributions import NamedDocument, NameHasher, SecretValue
from vcdoctor.products.vcluster.config import (
    CONFIG_KEYS,
    MalformedConfig,
    blank_value,
    config_outline,
    has_declared_type,
    load_config,
)


def reduced_config(encoded: Any) -> str:
    """The base64 vc-config value a snapshot keeps: its outline; a malformed one stays malformed, minus content."""
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
    for path in CONFIG_KEYS:
        node: Any = outline
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict) or node.get(path[-1]) is None:
            continue
        if not has_declared_type(".".join(path), node[path[-1]]):
            node[path[-1]] = blank_value(node[path[-1]])
    return outline


def decoded_outline(encoded: Any) -> Any:
    """The outline in a kept value, None for a placeholder (it holds no content)."""
    try:
        loaded = yaml.safe_load(base64.b64decode(encoded, validate=True))
    except (ValueError, TypeError, yaml.YAMLError):
        return None
    return loaded if isinstance(loaded, dict) else None


#: vc-config keys whose own keys are names: sync.*.*.mappings.byName maps namespaces (or namespace/name refs)
MAPPING_KEY = "byName"


def mapping_names(config: Any) -> List[str]:
    """Every key of every ``byName`` mapping in a config, split at "/" (namespace, name)."""
    found: List[str] = []
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


def _redacted_keys(hasher: NameHasher, node: Any) -> Any:
    """The config with the keys of its ``byName`` mappings hashed too (apply_json keeps keys)."""
    if isinstance(node, list):
        return [_redacted_keys(hasher, v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == MAPPING_KEY and isinstance(value, dict):
            out[key] = {"/".join(hasher.apply(part) for part in str(k).split("/")): v for k, v in value.items()}
        else:
            out[key] = _redacted_keys(hasher, value)
    return out


def redacted_outline(outline: Any, hasher: NameHasher) -> str:
    """A kept value again, every value hashed where it names something and the keys of ``byName`` mappings too."""
    redacted = _redacted_keys(hasher, hasher.apply_json(outline))
    return base64.b64encode(yaml.safe_dump(redacted, sort_keys=True).encode()).decode()


#: the vc-config Secret's config.yaml, as a snapshot keeps it
VC_CONFIG = SecretValue("config.yaml", reduced_config,
                        NamedDocument(decode=decoded_outline, names=mapping_names, redacted=redacted_outline))
