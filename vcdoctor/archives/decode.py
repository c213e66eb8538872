"""Members of an untrusted archive decoded under vcdoctor's bounds: JSON by json_input, YAML without aliases."""

from __future__ import annotations

import re
from typing import Any, Optional

import yaml

from vcdoctor import json_input
from vcdoctor.snapshot.layout import SnapshotError

#: the nesting a Kubernetes object ever needs, with room to spare (json_input holds JSON to the same bound)
MAX_YAML_DEPTH = json_input.MAX_DEPTH


class _BoundedLoader(yaml.SafeLoader):
    """Refuses aliases (an alias bomb expands to gigabytes) and nesting past MAX_YAML_DEPTH; sigs.k8s.io/yaml,
    which writes debug-collect resources, emits neither."""

    depth = 0

    def compose_node(self, parent: Optional[yaml.Node], index: Any) -> Optional[yaml.Node]:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases (*name) are refused")
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            raise yaml.YAMLError(f"nested deeper than {MAX_YAML_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


#: what nests without brackets or indentation in YAML (compact sequences "- - x", complex keys "? "), or refers back
#: (anchors, aliases): a document without any of it nests only as deep as its brackets and indentation say
_SELF_NESTING = re.compile(r"[&*?]|-\s+-")
_INDENT = re.compile(r"^[ \t]*", re.MULTILINE)


def _plain(text: str) -> bool:
    """Whether libyaml's loader may read ``text``: nothing can nest past MAX_YAML_DEPTH or expand (its composer
    recurses in C, so only such documents are handed to it; the rest take the bounded pure-Python loader)."""
    if _SELF_NESTING.search(text):
        return False
    if max((len(m) for m in _INDENT.findall(text)), default=0) > MAX_YAML_DEPTH:
        return False
    return json_input.depth_ok(text.encode(), MAX_YAML_DEPTH // 2)


def json_member(raw: bytes, where: str) -> Any:
    try:
        return json_input.decode(raw)
    except json_input.JsonInputError as exc:
        raise SnapshotError(f"archive {where} is damaged: {exc}") from None


def yaml_member(raw: bytes, where: str) -> Any:
    try:
        text = raw.decode("utf-8")
        fast = getattr(yaml, "CSafeLoader", None) if _plain(text) else None
        return yaml.load(text, Loader=fast or _BoundedLoader)  # noqa: S506 - both safe loaders
    except UnicodeDecodeError:
        raise SnapshotError(f"archive {where} is damaged: not UTF-8 text") from None
    except (yaml.YAMLError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise SnapshotError(f"archive {where} is damaged: not valid YAML ({first})") from None
