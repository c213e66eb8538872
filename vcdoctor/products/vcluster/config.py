"""A vCluster's effective configuration: vc-config (v0.20+) or syncer flags (v0.19), reduced to what checks read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import yaml

from vcdoctor.engine.facts import UndeclaredRead
from vcdoctor.products.vcluster import compat
from vcdoctor.versions import Version, show

#: The only config keys vcdoctor reads (compat.SETTINGS); everything else in vc-config stays unread and unreported.
CONFIG_KEYS: Tuple[Tuple[str, ...], ...] = tuple(tuple(s.path.split(".")) for s in compat.SETTINGS if s.path)
#: v0.19 syncer flags vcdoctor reads, each with its setting
FLAGS: Dict[str, compat.Setting] = {s.flag: s for s in compat.SETTINGS if s.flag}
#: Go's bool flags never take the next word as their value
BOOL_FLAGS = tuple(flag for flag, s in FLAGS.items() if s.type is bool)
_DECLARED: Dict[str, compat.Setting] = {**{s.path: s for s in compat.SETTINGS if s.path}, **FLAGS}


class UndeclaredSetting(UndeclaredRead):
    """A check read a setting compat.SETTINGS does not list: a bug (its value would never have been read)."""


def declared(key: str) -> compat.Setting:
    """The table's row for a dotted config key or a v0.19 flag (raises UndeclaredSetting)."""
    try:
        return _DECLARED[key]
    except KeyError:
        raise UndeclaredSetting(f"setting {key!r} is not declared in vcluster compat.SETTINGS") from None


def has_declared_type(key: str, value: Any) -> bool:
    """Whether ``value`` has the type the table declares for ``key`` (a list: of strings only)."""
    expected = declared(key).type
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)


class MalformedConfig(Exception):
    """The vc-config Secret does not hold a YAML mapping."""


class ConfigMissing(Exception):
    """A v0.20+ vCluster without its vc-config Secret."""


@dataclass(frozen=True)
class OwnerSetting:
    """Whether the vCluster puts the Service owner reference on synced pods, and how we know."""

    #: True / False, or None when the value could not be established
    value: Optional[bool]
    source: str
    #: the config keys that were read (only KAI-relevant keys; never the whole config)
    keys: Dict[str, Any] = field(default_factory=dict)
    problem: Optional[str] = None


def _dig(data: Any, path: Tuple[str, ...]):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases: a 600-byte alias bomb would otherwise expand to gigabytes.

    vc-config is written by Helm's toYaml, which never emits aliases, so a real config loses nothing."""

    def compose_node(self, parent: Optional[yaml.Node], index: int) -> Optional[yaml.Node]:
        if self.check_event(yaml.AliasEvent):
            raise MalformedConfig("config.yaml uses YAML aliases (*name), which vcdoctor refuses to expand")
        return super().compose_node(parent, index)


def load_config(text: bytes) -> Dict[str, Any]:
    """Parse a vc-config ``config.yaml`` (raises MalformedConfig)."""
    try:
        loaded = yaml.load(text.decode("utf-8"), Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise MalformedConfig("config.yaml is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise MalformedConfig(f"config.yaml is not valid YAML{where}") from None
    if not isinstance(loaded, dict):
        raise MalformedConfig(f"config.yaml holds a {type(loaded).__name__}, not a mapping")
    return loaded


def reduce_config(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """The keys in CONFIG_KEYS, dotted, with their values."""
    reduced = {}
    for path in CONFIG_KEYS:
        value = _dig(loaded, path)
        if value is not None:
            reduced[".".join(path)] = value
    return reduced


def parse_config(text: bytes) -> Dict[str, Any]:
    """Reduce a vc-config ``config.yaml`` to the keys in CONFIG_KEYS (raises MalformedConfig)."""
    return reduce_config(load_config(text))


def config_outline(loaded: Dict[str, Any]) -> Dict[str, Any]:
    """Every key of a config with its strings and numbers blanked to an empty value of the same JSON
    type ("", 0); booleans, nulls and the values of the keys in CONFIG_KEYS are kept.

    Enough to check key names and value types against the chart's schema, and nothing a user would mind
    seeing in a support ticket. Blanking an outline again changes nothing, so a snapshot that stores it
    gives the same verdicts as the live config."""
    outline = blank_value(loaded)
    for dotted, value in reduce_config(loaded).items():
        *parents, leaf = dotted.split(".")
        node = outline
        for part in parents:
            node = node[part]
        node[leaf] = value
    return outline


def lookalike_keys(outline: Optional[Dict[str, Any]], path: Tuple[str, ...]) -> List[str]:
    """Other places in the config where the last key of ``path`` appears, spelt in any case: where a
    setting the user meant usually went (``experimental.syncSetting.setOwner``)."""
    found: List[str] = []

    def walk(node: Any, trail: Tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = trail + (str(key),)
            if str(key).lower() == path[-1].lower() and here != path:
                found.append(".".join(here))
            walk(value, here)
    walk(outline, ())
    return found


def blank_value(value: Any) -> Any:
    """An empty value of the same JSON type (nested: every leaf blanked); a snapshot keeps only this of values
    no check reads."""
    if isinstance(value, dict):
        return {str(k): blank_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blank_value(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0 if value.is_integer() else 0.5  # keeps "integer" vs "number" apart
    return ""


@dataclass(frozen=True)
class Settings:
    """The effective vCluster settings vcdoctor needs, and where they were read."""

    source: str
    #: dotted config key -> value, only CONFIG_KEYS (v0.20+), or the syncer flags (<= v0.19)
    keys: Dict[str, Any]
    legacy: bool = False
    #: config_outline() of the whole config (v0.20+), for validation against the chart's schema
    outline: Optional[Dict[str, Any]] = field(default=None, compare=False, repr=False)
    #: sha256 of the stored config text, as vCluster <= v0.27 puts it on the pod template (None if unknown)
    digest: Optional[str] = None

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a declared setting (raises UndeclaredSetting for any other key: it was never read)."""
        declared(key)
        return self.keys.get(key, default)

    def controller_enabled(self, controller: str) -> bool:
        """v0.19: whether --sync enables a controller that is off by default (the last mention wins)."""
        state = False
        for entry in self.get("--sync") or []:
            if entry == controller:
                state = True
            elif entry == "-" + controller:
                state = False
        return state

    @property
    def multi_namespace(self) -> bool:
        return bool(self.get("experimental.multiNamespaceMode.enabled") or self.get("sync.toHost.namespaces.enabled")
                    or self.get("--multi-namespace-mode"))


def syncer_flags(args) -> Dict[str, Any]:
    """The pre-v0.20 syncer flags in FLAGS, with their defaults.

    ``--sync`` is the controller list (``priorityclasses`` on, ``-priorityclasses`` off; later entries win,
    pkg/setup/enable_controllers.go@v0.19.0)."""
    flags: Dict[str, Any] = {flag: list(s.flag_default) if isinstance(s.flag_default, list) else s.flag_default
                             for flag, s in FLAGS.items() if s.flag_default is not None}
    for arg in args:
        name, _, value = arg.partition("=")
        kind = FLAGS[name].type if name in FLAGS else None
        if kind is bool:
            # pflag bools take no separate value; "--set-owner" alone means true
            text = value.lower() if value else "true"
            flags[name] = {"true": True, "1": True, "t": True, "false": False, "0": False, "f": False}.get(text, text)
        elif kind is list and value:
            flags[name] = flags.get(name, []) + [v.strip() for v in value.split(",") if v.strip()]
        elif kind is str and value:
            flags[name] = value
    return flags


def owner_setting(settings: Settings) -> OwnerSetting:
    """setOwner from the settings; absent means the default, true."""
    key = "--set-owner" if settings.legacy else "experimental.syncSettings.setOwner"
    value = settings.get(key, True)
    shown = {key: value}
    if not isinstance(value, bool):
        return OwnerSetting(None, settings.source, shown,
                            problem=f"{key} is {value!r} ({type(value).__name__}), not a boolean")
    return OwnerSetting(value, settings.source, shown)


@dataclass(frozen=True)
class PodClassSetting:
    """A class vCluster's pod translator writes into synced host pods (``sync.toHost.pods.<kind>ClassName``)."""

    #: the dotted config key
    key: str
    #: the host class the translator sets; None when unset, empty, not read by this release or not a string
    name: Optional[str]
    #: where upstream says what the key does (compat's ``path:line@tag``), or why this release ignores it
    source: str
    #: the value as found when it is not a string (the syncer refuses such a config at start)
    problem: Optional[str] = None


def _pod_class(settings: Settings, version: Optional[Version], era: compat.Era[str]) -> PodClassSetting:
    key = era.value
    value = settings.get(key)
    if settings.legacy or version is None or version not in era.span:
        note = f"; {key} is set but not read by vCluster {show(version)}" if value not in (None, "") else ""
        return PodClassSetting(key, None, f"{key} exists from {era.span.describe()} ({era.source}){note}")
    if value is None or value == "":
        return PodClassSetting(key, None, era.source)
    if not isinstance(value, str):
        return PodClassSetting(key, None, era.source, f"{key} is {value!r} ({type(value).__name__}), not a string")
    return PodClassSetting(key, value, era.source)


def pod_runtime_class(settings: Settings, version: Optional[Version]) -> PodClassSetting:
    """sync.toHost.pods.runtimeClassName (v0.23+): the RuntimeClass every synced host pod gets, replacing its own."""
    return _pod_class(settings, version, compat.POD_RUNTIME_CLASS)


def pod_priority_class(settings: Settings, version: Optional[Version]) -> PodClassSetting:
    """sync.toHost.pods.priorityClassName (v0.23+): the PriorityClass a host pod gets when it has none once the
    priority class sync rules ran (compat.POD_PRIORITY_CLASS)."""
    return _pod_class(settings, version, compat.POD_PRIORITY_CLASS)
