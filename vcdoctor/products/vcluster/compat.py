"""vCluster's compatibility table: which release does what, each fact with the upstream path@tag it was read at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Generic, Optional, Tuple, TypeVar

from vcdoctor.versions import Span, Version, show

T = TypeVar("T")

#: releases vcdoctor knows (v0.19.0 - v0.36.1 were read); outside them it says so instead of guessing
SUPPORTED = Span((0, 19, 0), (0, 37, 0))


@dataclass(frozen=True)
class Era(Generic[T]):
    """What a span of releases does, and where upstream says so (``path:line@tag``)."""

    span: Span
    value: T
    source: str


@dataclass(frozen=True)
class Table(Generic[T]):
    """One topic: eras in release order, none overlapping."""

    topic: str
    eras: Tuple[Era[T], ...]

    def era(self, version: Optional[Version]) -> Optional[Era[T]]:
        """The era ``version`` falls in; None for an unknown version or one outside every era."""
        if version is None:
            return None
        return next((e for e in self.eras if version in e.span), None)

    def at(self, version: Optional[Version], default: Optional[T] = None) -> Optional[T]:
        found = self.era(version)
        return default if found is None else found.value

    def source(self, version: Optional[Version]) -> str:
        found = self.era(version)
        return found.source if found else f"no {self.topic} entry for {show(version)}"

    def boundaries(self) -> Tuple[Version, ...]:
        """Every first release of an era (the tests check each side of each)."""
        return tuple(e.span.first for e in self.eras)


def supported(version: Optional[Version]) -> bool:
    return version is not None and version in SUPPORTED


# -- where the config lives ------------------------------------------------------------------------------

CONFIG_SOURCE: Table[str] = Table("config source", (
    Era(Span((0, 19, 0), (0, 20, 0)), "syncer flags",
        "pkg/options/flags.go@v0.19.0 (no vc-config in charts/@v0.19.10)"),
    Era(Span((0, 20, 0), (0, 37, 0)), "vc-config Secret",
        "chart/templates/config-secret.yaml:4,17@v0.20.0 (same @v0.36.1)"),
))
#: the config lives in Secret vc-config-<name> key config.yaml (before: syncer flags)
VC_CONFIG_SECRET = CONFIG_SOURCE.eras[1].span

#: strict parsing: how a key the release does not know gets into its config
STRICT_PARSING: Table[str] = Table("strict config parsing", (
    Era(Span((0, 19, 0), (0, 20, 0)), "syncer flags: cobra/pflag reject an unknown flag, the syncer does not start",
        "pkg/options/flags.go@v0.19.0"),
    Era(Span((0, 20, 0), (0, 34, 0)), "yaml.UnmarshalStrict in the syncer, the CLI and Helm's schema "
        "(additionalProperties: false) all refuse an unknown key", "pkg/config/parse.go:33@v0.20.0; "
        "config/config.go:282@v0.20.0; chart/values.schema.json@v0.20.0"),
    Era(Span((0, 34, 0), (0, 37, 0)), "yaml.UnmarshalStrict (ParseConfigBytes, ParseStandaloneConfigBytes), the CLI "
        "and Helm's schema refuse an unknown key", "pkg/config/parse.go:49,67@v0.34.0,@v0.36.1; "
        "config/config.go:1133@v0.36.1; chart/values.schema.json@v0.36.1"),
))

# -- labels ----------------------------------------------------------------------------------------------

#: which virtual pod labels single-namespace mode rewrites to vcluster.loft.sh/label-<vc>-x-<hash>
LABEL_REWRITING: Table[str] = Table("label rewriting", (
    Era(Span((0, 19, 0), (0, 21, 0)), "all",
        "pkg/util/translate/single_namespace.go:314-321@v0.19.0, :239-270,326-333@v0.20.0"),
    Era(Span((0, 21, 0), (0, 37, 0)), "reserved",
        "pkg/util/translate/single_namespace.go:138-148@v0.21.0; labels.go:23-29@v0.21.0 (identical to v0.36.1)"),
))
#: the keys v0.21+ still rewrite (LabelsToTranslate); every other label is copied as is
REWRITTEN_V021 = ("release", "vcluster.loft.sh/namespace", "vcluster.loft.sh/managed-by",
                  "vcluster.loft.sh/controlled-by")

#: the setting that keeps labels unrewritten (besides the hashed copy)
SYNC_LABELS_KEY: Table[Optional[str]] = Table("syncLabels key", (
    Era(Span((0, 19, 0), (0, 20, 0)), "--sync-labels", "pkg/options/flags.go:57@v0.19.0"),
    Era(Span((0, 20, 0), (0, 21, 0)), "experimental.syncSettings.syncLabels",
        "config/config.go:1717-1718@v0.20.0; chart/values.yaml:819@v0.20.0"),
    Era(Span((0, 21, 0), (0, 37, 0)), None, "absent from chart/values.schema.json@v0.21.0"),
))
#: an entry ending in "/*" is a regex (with "/*" -> "/.*") matched unanchored, "." unescaped; any other entry
#: is an exact key (so "kai*" matches nothing)
SYNC_LABELS_SEMANTICS = Era(Span((0, 19, 0), (0, 21, 0)), "suffix '/*' = unanchored regex, else exact key",
                            "pkg/util/translate/single_namespace.go:248-261@v0.20.0 (same function @v0.19.0)")

# -- priority classes ------------------------------------------------------------------------------------

#: when the host pod loses spec.priorityClassName:
#:   "controller": unless the priorityclasses sync controller runs (--sync=priorityclasses); off by default
#:   "to-host": unless sync.toHost.priorityClasses.enabled
#:   "both-off": only when sync.toHost and sync.fromHost priorityClasses are both off
PRIORITY_CLASSES: Table[str] = Table("priority class stripping", (
    Era(Span((0, 19, 0), (0, 20, 0)), "controller",
        "pkg/controllers/resources/pods/translate/translator.go:92,159-168@v0.19.0; pkg/constants/controllers.go"
        "@v0.19.0 (not in DefaultEnabledControllers); charts/k3s/values.yaml:96-97@v0.19.0"),
    Era(Span((0, 20, 0), (0, 21, 0)), "to-host",
        "pkg/controllers/resources/pods/translate/translator.go:108,179-184@v0.20.0 (sync.fromHost.priorityClasses "
        "not in chart/values.schema.json@v0.20.6)"),
    Era(Span((0, 21, 0), (0, 23, 0)), "to-host",
        "pkg/controllers/resources/pods/translate/translator.go:104,171-176@v0.21.0, :106,175-180@v0.22.6 "
        "(sync.fromHost.priorityClasses in the schema but not read by the pod translator)"),
    Era(Span((0, 23, 0), (0, 37, 0)), "both-off",
        "pkg/controllers/resources/pods/translate/translator.go:106-107,177-192@v0.23.0, :142-143,238-250@v0.36.1"),
))
#: the snippet that keeps spec.priorityClassName, per era (v0.19: Helm values of the legacy charts)
#: the syncer refuses to start with priority classes synced to and from the host at once
PRIORITY_CLASSES_EXCLUSIVE: Table[bool] = Table("priority classes to and from host", (
    Era(Span((0, 19, 0), (0, 21, 0)), False, "one direction only: sync.toHost.priorityClasses "
        "(config/config.go:363-364@v0.20.0), v0.19 the --sync=priorityclasses flag (pkg/setup/enable_controllers.go"
        "@v0.19.0)"),
    Era(Span((0, 21, 0), (0, 37, 0)), True, "pkg/config/validation.go:87-88@v0.21.0,@v0.22.0, :143-144@v0.23.0 "
        "(sync.fromHost.priorityClasses does not exist at v0.20.0: config/config.go:363-364@v0.20.0)"),
))
PRIORITY_SNIPPET: Table[str] = Table("priority class snippet", (
    Era(Span((0, 19, 0), (0, 20, 0)), "sync:\n  priorityclasses:\n    enabled: true",
        "charts/k3s/values.yaml:96-97@v0.19.0 -> --sync=priorityclasses (charts/k3s/templates/_helpers.tpl:73-95"
        "@v0.19.0)"),
    Era(Span((0, 20, 0), (0, 23, 0)), "sync:\n  toHost:\n    priorityClasses:\n      enabled: true",
        "chart/values.yaml:60-61@v0.20.0; translator.go:104@v0.21.0"),
    Era(Span((0, 23, 0), (0, 37, 0)), "sync:\n  fromHost:\n    priorityClasses:\n      enabled: true",
        "translator.go:106-107,177-192@v0.23.0 (fromHost alone keeps the name as is: the host's classes)"),
))

#: sync.toHost.pods.priorityClassName: the translator gives it to every host pod whose class is empty after the
#: priority class rules above, i.e. a pod without one of its own or, with both syncs off, every pod (its own class
#: was just dropped); never to a pod that keeps its own class. The name is not translated: it is a host class
POD_PRIORITY_CLASS = Era(Span((0, 23, 0), (0, 37, 0)), "sync.toHost.pods.priorityClassName",
                         "config/config.go:706-707@v0.23.0, :1642-1643@v0.36.1; pkg/controllers/resources/pods/"
                         "translate/translator.go:188-192,194-199@v0.23.0, :246-250,252-257@v0.36.1 (same condition "
                         "at every tag v0.23.0-v0.36.1; absent from config/config.go@v0.22.6)")

# -- node mode -------------------------------------------------------------------------------------------

#: the switch to private nodes (nothing is synced to the host, so a host KAI never sees a pod); None: the release
#: has no such mode, and a stray key is an unknown key its strict parsing refuses (STRICT_PARSING)
PRIVATE_NODES: Table[Optional[str]] = Table("private nodes", (
    Era(Span((0, 19, 0), (0, 26, 0)), None, "absent from pkg/options/flags.go@v0.19.0, config/config.go@v0.25.2 "
        "and chart/values.schema.json@v0.25.2"),
    Era(Span((0, 26, 0), (0, 37, 0)), "privateNodes.enabled",
        "config/config.go:63-64,97-101@v0.26.0, :71-72,111-115@v0.36.1; chart/values.schema.json:4737@v0.26.0, "
        ":5815@v0.36.1; no sync controllers: pkg/controllers/register.go:45-48@v0.26.0, :56-59@v0.36.1"),
))
#: the distro key that makes v0.26-v0.32 refuse private nodes at start ("private nodes mode is only supported for
#: kubernetes"); None: no private nodes yet (v0.19-v0.25) or no k3s distro any more (v0.33+)
PRIVATE_NODES_REFUSED_WITH: Table[Optional[str]] = Table("private nodes refused at start with", (
    Era(Span((0, 19, 0), (0, 26, 0)), None, "no private nodes before v0.26.0 (config/config.go@v0.25.2)"),
    Era(Span((0, 26, 0), (0, 33, 0)), "controlPlane.distro.k3s.enabled",
        "pkg/config/validation.go:216,931-934@v0.26.0, :212,797-800@v0.32.3 (from ParseConfig: pkg/config/parse.go:52"
        "@v0.26.0, :62@v0.32.3); Distro(): config/config.go:686-694@v0.26.0"),
    Era(Span((0, 33, 0), (0, 37, 0)), None, "k3s absent from config/config.go@v0.33.0 and from $defs.Distro of "
        "chart/values.schema.json:1184@v0.33.0 (only k8s; DistroK3s at :1222@v0.32.3), same @v0.36.1"),
))

# -- scheduling ------------------------------------------------------------------------------------------

#: the settings that turn on a virtual scheduler (which binds every pod before it reaches the host)
SCHEDULER_KEYS: Table[Tuple[str, ...]] = Table("virtual scheduler keys", (
    Era(Span((0, 19, 0), (0, 20, 0)), ("--enable-scheduler",),
        "pkg/options/flags.go:30@v0.19.0; pkg/controllers/resources/pods/syncer.go:218-221@v0.19.0 "
        "(set by chart values sync.nodes.enableScheduler, charts/k3s/templates/syncer.yaml:216-217@v0.19.0)"),
    Era(Span((0, 20, 0), (0, 26, 0)), ("controlPlane.advanced.virtualScheduler.enabled",),
        "pkg/controllers/resources/pods/syncer.go:82,213-216@v0.20.0, :97,230-234@v0.25.2; "
        "controlPlane.distro.k8s.scheduler has no 'enabled' in chart/values.schema.json@v0.25.2"),
    Era(Span((0, 26, 0), (0, 33, 0)), ("controlPlane.distro.k8s.scheduler.enabled@k8s",
                                       "controlPlane.advanced.virtualScheduler.enabled"),
        "config/config.go:696-699@v0.26.0, :912-915@v0.32.0 (k8s.scheduler counts only when the distro is k8s)"),
    Era(Span((0, 33, 0), (0, 37, 0)), ("controlPlane.distro.k8s.scheduler.enabled",
                                       "controlPlane.advanced.virtualScheduler.enabled"),
        "config/config.go:902-904@v0.33.0, :954-956@v0.36.1"),
))
#: hybrid scheduling (Pro) hands pods of the listed host schedulers to the host
HYBRID_SCHEDULING = Era(Span((0, 26, 0), (0, 37, 0)), "sync.toHost.pods.hybridScheduling",
                        "config/config.go:834@v0.26.0; pkg/controllers/resources/pods/scheduling/config.go@v0.26.0")

# -- runtime class --------------------------------------------------------------------------------------

#: sync.toHost.pods.runtimeClassName: set on every synced host pod, replacing the pod's own runtimeClassName
#: (unconditional, unlike priorityClassName); a host RuntimeClass name, not translated
POD_RUNTIME_CLASS = Era(Span((0, 23, 0), (0, 37, 0)), "sync.toHost.pods.runtimeClassName",
                        "config/config.go:703-704@v0.23.0, :1639-1640@v0.36.1; pkg/controllers/resources/pods/"
                        "translate/translator.go:347-350@v0.23.0, :418-421@v0.36.1 (same at every tag v0.23.0-v0.36.1; "
                        "absent from config/config.go@v0.22.6)")

#: with sync.fromHost.priorityClasses / runtimeClasses enabled and a selector set, the syncer leaves a pod whose
#: class the host lacks, or the selector excludes, unsynced and says so only in a SyncWarning event on the virtual
#: pod (not in its log): "did not sync pod %q to host because the priority|runtime class %q ..."
#: (pkg/controllers/resources/pods/syncer.go:189,285,565-620@v0.26.0, :181,277,606-715@v0.36.1; absent at v0.25.2)
CLASS_LIMIT_WARNING = Era(Span((0, 26, 0), (0, 37, 0)), "did not sync pod ",
                          "pkg/controllers/resources/pods/syncer.go:580-616@v0.26.0, :627-711@v0.36.1")

# -- multi-namespace mode --------------------------------------------------------------------------------

MULTI_NAMESPACE_KEY: Table[str] = Table("multi-namespace switch", (
    Era(Span((0, 19, 0), (0, 20, 0)), "--multi-namespace-mode", "pkg/options/flags.go:67-68@v0.19.0"),
    Era(Span((0, 20, 0), (0, 26, 0)), "experimental.multiNamespaceMode.enabled",
        "config/config.go:1679-1685@v0.20.0; chart/values.schema.json@v0.25.2"),
    Era(Span((0, 26, 0), (0, 37, 0)), "sync.toHost.namespaces.enabled",
        "config/config.go:830@v0.26.0 (Pro; pkg/util/translate/multi_namespace.go deleted @v0.26.0)"),
))
#: how host pods are named and labelled in multi-namespace mode: "open" (read in the OSS translator) or
#: "closed" (v0.26+: the Pro translator is not public, so vcdoctor does not guess)
MULTI_NAMESPACE_NAMING: Table[str] = Table("multi-namespace naming", (
    Era(Span((0, 19, 0), (0, 26, 0)), "open",
        "pkg/util/translate/multi_namespace.go:35,109-117,228@v0.19.0, :114-122,233-235@v0.20.0, :33-37,98-114@v0.21.0;"
        " labels.go:57-65@v0.21.0..@v0.25.2 (no managed-by label outside single-namespace mode)"),
    Era(Span((0, 26, 0), (0, 37, 0)), "closed", "multi_namespace.go absent @v0.26.0 (git ls-tree)"),
))
#: labels the namespace syncer puts on each host namespace of multi-namespace mode
MULTI_NAMESPACE_LABELS = Era(Span((0, 19, 0), (0, 26, 0)),
                             ("vcluster.loft.sh/vcluster-name", "vcluster.loft.sh/vcluster-namespace"),
                             "pkg/controllers/resources/namespaces/syncer.go:39-40@v0.19.0, :28-29,42-43@v0.21.0")
#: v0.19-v0.20 copy virtual labels verbatim in multi-namespace mode (no rewriting, syncLabels irrelevant)
MULTI_NAMESPACE_LABELS_VERBATIM = Era(Span((0, 19, 0), (0, 21, 0)), True,
                                      "pkg/util/translate/multi_namespace.go:228@v0.19.0, :233-235@v0.20.0")

# -- owner references ------------------------------------------------------------------------------------

SET_OWNER_KEY: Table[str] = Table("setOwner switch", (
    Era(Span((0, 19, 0), (0, 20, 0)), "--set-owner", "pkg/options/flags.go:23,84@v0.19.0 (default true)"),
    Era(Span((0, 20, 0), (0, 37, 0)), "experimental.syncSettings.setOwner",
        "chart/values.yaml:825@v0.20.0, :1307@v0.36.1 (default true)"),
))
#: setOwner is skipped when targetNamespace differs from the control plane's (the key is gone from v0.29)
TARGET_NAMESPACE = Era(Span((0, 19, 0), (0, 29, 0)), "targetNamespace",
                       "pkg/setup/controllers.go:96-117@v0.19.0; pkg/setup/config/config.go:233@v0.28.2; "
                       "absent @v0.29.0")

# -- config hash -----------------------------------------------------------------------------------------

#: the pod template's vClusterConfigHash: "none", "secret" (sha256 of the Secret's base64 text, so a hand-edited
#: Secret shows) or "filtered" (hash of a copy without privateNodes.autoNodes: not comparable to the Secret)
CONFIG_HASH: Table[str] = Table("config hash", (
    Era(Span((0, 19, 0), (0, 20, 0)), "none", "no ConfigHash in charts/@v0.19.0,@v0.19.10"),
    Era(Span((0, 20, 0), (0, 28, 0)), "secret", "chart/templates/statefulset.yaml:48@v0.20.0 (same to v0.27.3)"),
    # v0.28.0 hashes only privateNodes (minus autoNodes): a change to any other value does not roll the pod
    Era(Span((0, 28, 0), (0, 28, 1)), "private-nodes-only",
        "chart/templates/_vclusterconfighash.tpl:3@v0.28.0; chart/templates/statefulset.yaml:48@v0.28.0"),
    Era(Span((0, 28, 1), (0, 37, 0)), "filtered",
        "chart/templates/_vclusterconfighash.tpl:3-4@v0.28.1 (every value but privateNodes.autoNodes); "
        "chart/templates/statefulset.yaml:48@v0.28.1"),
))
#: whether a config change rolls the control plane by itself (the pod template's hash changes with it)
ROLLS_ON_CHANGE = ("secret", "filtered")

# -- syncer log ------------------------------------------------------------------------------------------

#: the INFO line the syncer writes when the host refuses a virtual pod (then controller-runtime's
#: "Reconciler error" with structured fields controller=pod, namespace, name of the virtual pod)
SYNCER_LOG: Table[str] = Table("syncer log format", (
    Era(Span((0, 19, 0), (0, 21, 0)), "error syncing pod {ns}/{name} to physical cluster: {err}",
        "pkg/controllers/syncer/translator/namespaced_translator.go:74-78@v0.19.0, :80-84@v0.20.0"),
    Era(Span((0, 21, 0), (0, 37, 0)), "error syncing Pod {ns}/{name} to host cluster: {err}",
        "pkg/patcher/apply.go:59-61@v0.21.0, :66@v0.32.0, :68-77@v0.36.1; Reconciler error fields: "
        "pkg/syncer/syncer.go:423-430@v0.21.0"),
))

# -- the settings vcdoctor reads ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One vCluster setting a check reads: its vc-config key (v0.20+) and the v0.19 syncer flag of the same meaning.

    A key is read from a config only when it is listed here, and nothing else of a config is kept or shown."""

    #: the dotted vc-config key; None for a v0.19 syncer flag that no config key replaced one for one
    path: Optional[str]
    #: bool, str or list (a list of strings); a value of another type is the user's mistake, reported as such
    type: type
    #: the releases whose config has the key (a flag alone: the releases configured by syncer flags)
    span: Span
    #: where upstream declares it, at its first and last release (``path:line@tag``)
    source: str
    #: the v0.19 syncer flag (pkg/options/flags.go@v0.19.0)
    flag: Optional[str] = None
    #: what the syncer assumes when the flag is absent
    flag_default: Any = None


_FLAGS_ONLY = Span((0, 19, 0), (0, 20, 0))  # CONFIG_SOURCE: syncer flags
_OPEN = SUPPORTED.until

SETTINGS: Tuple[Setting, ...] = (
    Setting("experimental.syncSettings.setOwner", bool, Span((0, 20, 0), _OPEN),
            "config/config.go:1715@v0.20.0, :3329@v0.36.1; pkg/options/flags.go:23@v0.19.0 (default true)",
            flag="--set-owner", flag_default=True),
    Setting("experimental.syncSettings.targetNamespace", str, Span((0, 20, 0), (0, 29, 0)),
            "config/config.go:1712@v0.20.0, :2909@v0.28.2 (absent @v0.29.0); pkg/options/flags.go:21@v0.19.0",
            flag="--target-namespace"),
    Setting("experimental.syncSettings.syncLabels", list, Span((0, 20, 0), (0, 21, 0)),
            "config/config.go:1718@v0.20.0, :1715@v0.20.6 (absent @v0.21.0); pkg/options/flags.go:57@v0.19.0",
            flag="--sync-labels", flag_default=[]),
    Setting("experimental.multiNamespaceMode.enabled", bool, Span((0, 20, 0), (0, 26, 0)),
            "config/config.go:1663@v0.20.0, :2084@v0.25.2 (absent @v0.26.0); pkg/options/flags.go:67@v0.19.0",
            flag="--multi-namespace-mode"),
    Setting("sync.toHost.namespaces.enabled", bool, Span((0, 26, 0), _OPEN),
            "config/config.go:999@v0.26.0, :1300@v0.36.1 (SyncToHost.Namespaces)"),
    Setting("privateNodes.enabled", bool, Span((0, 26, 0), _OPEN),
            "config/config.go:64,101@v0.26.0, :72,115@v0.36.1 (absent @v0.25.2)"),
    Setting("controlPlane.distro.k8s.scheduler.enabled", bool, Span((0, 26, 0), _OPEN),
            "config/config.go:1633@v0.26.0, :2052@v0.36.1 (DistroContainerEnabled; DistroContainer without 'enabled' "
            "at :1158@v0.25.2)"),
    Setting("controlPlane.distro.k3s.enabled", bool, Span((0, 20, 0), (0, 33, 0)),
            "config/config.go:732@v0.20.0, :1903@v0.32.3 (absent @v0.33.0)"),
    Setting("controlPlane.advanced.virtualScheduler.enabled", bool, Span((0, 20, 0), _OPEN),
            "config/config.go:1148@v0.20.0, :2503@v0.36.1; pkg/options/flags.go:30@v0.19.0",
            flag="--enable-scheduler"),
    Setting("sync.toHost.pods.hybridScheduling.enabled", bool, Span((0, 26, 0), _OPEN),
            "config/config.go:1268@v0.26.0, :1654@v0.36.1"),
    Setting("sync.toHost.pods.hybridScheduling.hostSchedulers", list, Span((0, 26, 0), _OPEN),
            "config/config.go:1292@v0.26.0, :1678@v0.36.1"),
    Setting("sync.toHost.priorityClasses.enabled", bool, Span((0, 20, 0), _OPEN),
            "config/config.go:364@v0.20.0, :1293@v0.36.1 (SyncToHost.PriorityClasses)"),
    Setting("sync.fromHost.priorityClasses.enabled", bool, Span((0, 21, 0), _OPEN),
            "config/config.go:482@v0.21.0, :1389@v0.36.1 (SyncFromHost.PriorityClasses; absent @v0.20.6)"),
    Setting("sync.toHost.pods.priorityClassName", str, Span((0, 23, 0), _OPEN),
            "config/config.go:707@v0.23.0, :1643@v0.36.1 (absent @v0.22.6)"),
    Setting("sync.toHost.pods.runtimeClassName", str, Span((0, 23, 0), _OPEN),
            "config/config.go:704@v0.23.0, :1640@v0.36.1 (absent @v0.22.6)"),
    # v0.19 controllers: "priorityclasses" on, "-priorityclasses" off, the last mention wins
    Setting(None, list, _FLAGS_ONLY, "pkg/options/flags.go:9@v0.19.0; pkg/setup/enable_controllers.go@v0.19.0",
            flag="--sync", flag_default=[]),
    Setting(None, bool, _FLAGS_ONLY, "pkg/options/flags.go:82@v0.19.0 (deprecated for --sync=priorityclasses)",
            flag="--enable-priority-classes"),
)


TABLES: Dict[str, Table] = {t.topic: t for t in (
    CONFIG_SOURCE, STRICT_PARSING, LABEL_REWRITING, SYNC_LABELS_KEY, PRIORITY_CLASSES, PRIORITY_SNIPPET,
    SCHEDULER_KEYS, MULTI_NAMESPACE_KEY, MULTI_NAMESPACE_NAMING, SET_OWNER_KEY, CONFIG_HASH, SYNCER_LOG,
    PRIORITY_CLASSES_EXCLUSIVE, PRIVATE_NODES, PRIVATE_NODES_REFUSED_WITH)}


def unsupported_message(version: Optional[Version]) -> str:
    if version is None:
        return "its version is unknown (no chart label, no image tag)"
    return (f"vCluster {show(version)} is outside the releases vcdoctor was verified against "
            f"({SUPPORTED.describe()})")
