"""Members of an untrusted archive decoded under vcdoctor's bounds: JSON by json_input, YAML without aliases."""

from __future__ import annotations

from typing import Any, Optional

import yaml

from vcdoctor import json_input
from vcdoctor.snapshot import SnapshotError

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


def json_member(raw: bytes, where: str) -> Any:
    try:
        return json_input.decode(raw)
    except json_input.JsonInputError as exc:
        raise SnapshotError(f"archive {where} is damaged: {exc}") from None


def yaml_member(raw: bytes, where: str) -> Any:
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise SnapshotError(f"archive {where} is damaged: not UTF-8 text") from None
    except (yaml.YAMLError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise SnapshotError(f"archive {where} is damaged: not valid YAML ({first})") from None
