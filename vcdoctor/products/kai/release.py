"""Which KAI release runs (from image tags), and the names it was configured with (Config CR, flags, defaults)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.pods import Pod
from vcdoctor.products.kai import compat
from vcdoctor.versions import Version, parse_version, show


@dataclass(frozen=True)
class KaiRelease:
    """The release found on the cluster and the one whose behaviour vcdoctor applies."""

    #: the version of the image tags, None when no tag gave one
    found: Optional[Version]
    #: how it was found (pods and tags), for evidence
    source: str
    #: the release whose behaviour applies: ``found`` if the table covers it, v0.10.2 for the retracted v0.20.x,
    #: None when unknown or outside the table (then checks say so instead of guessing)
    effective: Optional[Version]
    #: why ``effective`` is None, or a note about it (retracted release, mixed tags)
    note: Optional[str] = None

    @property
    def text(self) -> str:
        return show(self.found)

    @property
    def known(self) -> bool:
        return self.effective is not None

    def family(self) -> Optional[compat.Family]:
        row = compat.at(compat.FAMILIES, self.effective)
        return row.value if row else None

    def has(self, row: compat.Known) -> Optional[bool]:
        """Whether the release is in ``row``'s span; None when the release is unknown."""
        return None if self.effective is None else self.effective in row.span

    def outside_message(self) -> str:
        if self.found is None:
            return f"vcdoctor could not tell the KAI release from the image tags ({self.source})"
        return f"vcdoctor knows {compat.known_range()}; found {self.text}"


UNKNOWN = KaiRelease(None, "no KAI pod read", None, "the KAI pods could not be read")


def is_component_pod(pod: Pod) -> bool:
    """A pod of KAI's own Deployments (not a reservation pod or a stray pod in the namespace)."""
    app = podinfo.labels(pod).get("app") or ""
    image = " ".join(c.image for c in pod.containers)
    return app in compat.ALL_APPS or "kai-scheduler/" in image


def detect(kai_pods: Iterable[Pod]) -> KaiRelease:
    """The release the image tags name: the operator's when present (it drives the others), else the most common."""
    tagged: List[Tuple[Pod, Version, str]] = []
    for pod in kai_pods:
        if not is_component_pod(pod):
            continue
        tag = podinfo.image_tag(pod)
        version = parse_version(tag)
        if version is not None:
            tagged.append((pod, version, str(tag)))
    if not tagged:
        return KaiRelease(None, "no KAI component pod with a version tag in its image", None,
                          "no image tag names a version")
    operator = [t for t in tagged if podinfo.labels(t[0]).get("app") == "kai-operator"]
    counts = Counter(v for _, v, _ in tagged)
    found = operator[0][1] if operator else counts.most_common(1)[0][0]
    tags = sorted({tag for _, _, tag in tagged})
    source = f"image tag{'s' if len(tags) > 1 else ''} {', '.join(tags)} of {len(tagged)} KAI pod(s)"
    note = f"mixed tags ({', '.join(tags)}): an upgrade in progress?" if len(tags) > 1 else None
    if found in compat.RETRACTED.span:
        return KaiRelease(found, source, compat.RETRACTED.value,
                          f"{show(found)} is a retracted release built from v0.10.2-era code; it behaves like "
                          f"v0.10.2 ({compat.RETRACTED.source})")
    if found not in compat.SUPPORTED:
        return KaiRelease(found, source, None, f"vcdoctor knows {compat.known_range()}; found {show(found)}")
    return KaiRelease(found, source, found, note)


def flag_value(pod: Pod, flag: str) -> Optional[str]:
    """The value of ``--flag=value`` or ``--flag value`` in any container's command or args."""
    for container in pod.containers:
        words = container.words
        for i, word in enumerate(words):
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
            if word == flag and i + 1 < len(words):
                return words[i + 1]
    return None


@dataclass(frozen=True)
class Setting:
    value: Optional[str]
    source: str


@dataclass(frozen=True)
class KaiSettings:
    """The names KAI was configured with, each with where it was read."""

    release: KaiRelease
    scheduler_name: Setting
    queue_label: Setting
    node_pool_label: Setting
    #: True: JSON logs, pod-grouper DEBUG lines hidden (v0.15+ global.jsonLog)
    json_log: bool
    json_log_source: str
    #: reads that failed, so a default stood in
    problems: Tuple[str, ...] = field(default_factory=tuple)
    #: where KAI's components run: the Config's spec.namespace (operator installs), the namespace its webhook
    #: configurations call, else KAI's default
    namespace: str = compat.DEFAULT_NAMESPACE
    #: how ``namespace`` was found
    namespace_source: str = "KAI's default namespace"
    #: Config spec fields whose service.enabled is false: components switched off on purpose
    switched_off: Tuple[str, ...] = ()
    #: the pod-grouper's --pod-label-selector and --namespace-label-selector, as it parses them (v0.7+)
    pod_selector: Tuple[Tuple[str, str], ...] = ()
    namespace_selector: Tuple[Tuple[str, str], ...] = ()
    #: compat.QUEUE_LABEL_SELECTOR: the pod webhooks match only namespaces with the queue label key
    webhooks_need_queue_label: bool = False

    @property
    def scheduler(self) -> str:
        return self.scheduler_name.value or compat.DEFAULT_SCHEDULER_NAME


def _global(config: Optional[dict]) -> dict:
    return ((config or {}).get("spec") or {}).get("global") or {}


def _grouper(kai_pods: Sequence[Pod]) -> Optional[Pod]:
    return next((p for p in kai_pods if (podinfo.labels(p).get("app") or "") in ("pod-grouper", "podgrouper")), None)


def settings(release: KaiRelease, kai_pods: Sequence[Pod], config: Optional[dict],
             problems: Tuple[str, ...] = ()) -> KaiSettings:
    glob = _global(config)
    grouper = _grouper(kai_pods)
    return KaiSettings(release, _scheduler_name(glob, kai_pods), _queue_label(release, glob, grouper),
                       _node_pool_label(release, glob, grouper), *_json_log(release, glob, grouper), problems,
                       switched_off=_switched_off(config),
                       webhooks_need_queue_label=_admission(config).get(compat.QUEUE_LABEL_SELECTOR.value) is True,
                       pod_selector=_selector(grouper, compat.POD_LABEL_SELECTOR_FLAG),
                       namespace_selector=_selector(grouper, compat.NAMESPACE_LABEL_SELECTOR_FLAG))


def _where(grouper: Optional[Pod]) -> str:
    return podinfo.ref(grouper) if grouper else "/"


def _selector(grouper: Optional[Pod], flag: str) -> Tuple[Tuple[str, str], ...]:
    """key=value pairs as the pod-grouper parses them: split on ",", then on the first "=", trimmed; a pair
    without "=" is dropped."""
    value = flag_value(grouper, flag) if grouper else None
    pairs: Dict[str, str] = {}
    for pair in (value or "").split(","):
        key, equals, wanted = pair.partition("=")
        if equals:
            pairs[key.strip()] = wanted.strip()
    return tuple(sorted(pairs.items()))


def _admission(config: Optional[dict]) -> dict:
    admission = ((config or {}).get("spec") or {}).get("admission")
    return admission if isinstance(admission, dict) else {}


def _switched_off(config: Optional[dict]) -> Tuple[str, ...]:
    spec = (config or {}).get("spec") or {}
    return tuple(sorted(key for key, value in spec.items() if isinstance(value, dict)
                        and isinstance(value.get("service"), dict) and value["service"].get("enabled") is False))


def _scheduler_name(glob: dict, kai_pods: Sequence[Pod]) -> Setting:
    if isinstance(glob.get("schedulerName"), str) and glob["schedulerName"]:
        return Setting(glob["schedulerName"], "Config kai-config spec.global.schedulerName")
    for pod in kai_pods:
        value = flag_value(pod, compat.SCHEDULER_NAME_FLAG)
        if value:
            return Setting(value, f"{podinfo.ref(pod)} {compat.SCHEDULER_NAME_FLAG}")
    return Setting(compat.DEFAULT_SCHEDULER_NAME, "KAI's default (flag --scheduler-name / spec.global.schedulerName "
                                                  "unset)")


def _queue_label(release: KaiRelease, glob: dict, grouper: Optional[Pod]) -> Setting:
    row = compat.at(compat.QUEUE_LABEL, release.effective)
    if row is not None and row.value.how == "hard-coded":
        return Setting(row.value.key, f"hard-coded in KAI {release.text} ({row.source})")
    if row is not None and row.value.how == "config" and isinstance(glob.get("queueLabelKey"), str) \
            and glob["queueLabelKey"]:
        return Setting(glob["queueLabelKey"], "Config kai-config spec.global.queueLabelKey")
    # the chart (v0.6+) and the operator pass the flag: what the running pod-grouper was started with
    value = flag_value(grouper, compat.QUEUE_LABEL_FLAG) if grouper else None
    if value:
        return Setting(value, f"{_where(grouper)} {compat.QUEUE_LABEL_FLAG}")
    if row is not None:
        return Setting(row.value.key, f"KAI {release.text} default ({row.source})")
    return Setting(None, "unknown: the KAI release is unknown and neither Config nor pod-grouper flag names it")


def _node_pool_label(release: KaiRelease, glob: dict, grouper: Optional[Pod]) -> Setting:
    if isinstance(glob.get("nodePoolLabelKey"), str):
        return Setting(glob["nodePoolLabelKey"] or None, "Config kai-config spec.global.nodePoolLabelKey")
    value = flag_value(grouper, compat.NODE_POOL_LABEL_FLAG) if grouper else None
    if value is not None:
        return Setting(value or None, f"{_where(grouper)} --nodepool-label-key")
    row = compat.at(compat.NODE_POOL_LABEL, release.effective)
    if row is not None:
        return Setting(row.value, f"KAI {release.text} default ({row.source})")
    return Setting(None, "unknown KAI release")


def _json_log(release: KaiRelease, glob: dict, grouper: Optional[Pod]) -> Tuple[bool, str]:
    devel = flag_value(grouper, compat.ZAP_DEVEL_FLAG) if grouper else None
    if devel is not None:
        return devel.lower() == "false", f"{_where(grouper)} --zap-devel={devel}"
    if release.has(compat.JSON_LOG) and glob.get("jsonLog") is True:
        return True, "Config kai-config spec.global.jsonLog"
    return False, f"zap Development mode, KAI's default ({compat.DEBUG_LOGGED_SOURCE})"
