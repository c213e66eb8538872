"""KAI facts: its pods, Config, pod-grouper logs, queues, PodGroups, reservation pods, nodes and events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Set, Tuple

from vcdoctor import logs
from vcdoctor import pods as podinfo
from vcdoctor.contributions import Contribution
from vcdoctor.engine.facts import RUNTIME, Fact, FactContext, Read, SideUnavailable
from vcdoctor.gateway import GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.pods import Pod
from vcdoctor.products.kai import compat, names, troubleshoot
from vcdoctor.products.kai.components import (
    CONFIG_NAME,
    FIND_SELECTOR,
    HELM_RELEASE_SELECTOR,
    NAMESPACE,
    POD_GROUPER_CONTAINERS,
    component_of,
)
from vcdoctor.products.kai.gpu import (
    GPU_FRACTION_NUM_DEVICES,
    GPU_LIMIT_ANNOTATION,
    MPS,
    SharingState,
    gpu_sharing,
)
from vcdoctor.products.kai.pod_grouper_log import LogScan, scan
from vcdoctor.products.kai.queues import QueueTree, queue_tree
from vcdoctor.products.kai.release import UNKNOWN, KaiRelease, KaiSettings, detect, is_component_pod, settings

#: KAI v0.6+ reserves shared GPUs here; earlier releases in the second namespace (compat.RESERVATION)
RESERVATION_NAMESPACES = ("kai-resource-reservation", "runai-reservation")


#: the facts whose reads wait until a check asks: each hands the check a function to call for the answer
NamespaceExists = Callable[[], bool]
Traces = Callable[[], Tuple[str, ...]]
#: the reservation pods, read from the namespace given first (default: the v0.6+ one)
ReservationPods = Callable[..., Tuple[Pod, ...]]
Nodes = Callable[[], Tuple[dict, ...]]
#: events about one object (namespace, kind, name), newest first
EventsAbout = Callable[[str, str, str], List[dict]]
#: may this user get Services in this namespace
ServiceAccess = Callable[[str, str], bool]
#: a host namespace's labels, None when it cannot be read
NamespaceLabels = Callable[[str], Optional[Dict[str, str]]]
#: the Pending pods that name KAI's scheduler, None when they cannot be listed
PendingKaiPods = Callable[[], Optional[List[Pod]]]


@dataclass
class PodGrouperLogs:
    pods: List[Pod]
    scan: LogScan
    read: List[str]
    #: (pod ref, GatewayError) for each log that could not be read
    failures: List[Tuple[str, GatewayError]] = field(default_factory=list)


@dataclass(frozen=True)
class KaiPlace:
    """Where KAI's components run, and how that was found."""

    namespace: str
    how: str


def _kai_place(ctx: FactContext) -> KaiPlace:
    """Config spec.namespace (operator installs, v0.9+); else the namespace KAI's webhook configurations call (a
    chart installed with `helm install -n <namespace>`); else KAI's default. A read that fails is no answer."""
    try:
        config = ctx.fact("kai_config")
    except (GatewayError, SideUnavailable):
        config = None
    namespace = ((config or {}).get("spec") or {}).get("namespace")
    if isinstance(namespace, str) and namespace:
        return KaiPlace(namespace, f"Config {CONFIG_NAME} spec.namespace")
    for resource, kind in ((r.MUTATING_WEBHOOKS, "MutatingWebhookConfiguration"),
                           (r.VALIDATING_WEBHOOKS, "ValidatingWebhookConfiguration")):
        try:
            configurations = ctx.api.list(resource)
        except (GatewayError, SideUnavailable):  # refused, or the host out of this run's reach: no answer
            continue
        for configuration in configurations:
            name = str(_meta(configuration).get("name") or "")
            if name not in compat.WEBHOOK_CONFIGURATIONS:
                continue
            for hook in configuration.get("webhooks") or []:
                service = ((hook or {}).get("clientConfig") or {}).get("service") or {}
                if isinstance(service.get("namespace"), str) and service["namespace"]:
                    return KaiPlace(service["namespace"], f"{kind} {name}: its webhooks call service "
                                                          f"{service.get('name')} there")
    try:
        pods = [p for p in ctx.api.pods(labels=FIND_SELECTOR) if is_component_pod(p)]
    except (GatewayError, SideUnavailable):
        pods = []
    if pods:
        counts = Counter(podinfo.namespace(p) for p in pods)
        namespace = sorted(counts, key=lambda ns: (-counts[ns], ns))[0]
        return KaiPlace(namespace, f"KAI's component pods run there ({counts[namespace]} pod(s) with KAI's app labels "
                                   f"and images; no Config {CONFIG_NAME}, no KAI webhook configuration)")
    return KaiPlace(NAMESPACE, f"KAI's default namespace (no Config {CONFIG_NAME}, no KAI webhook configuration, no "
                               f"KAI component pod)")


def _meta(obj: dict) -> dict:
    """An object's metadata (a webhook configuration, a Secret, a namespace: read whole, not as records)."""
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _kai_namespace(ctx: FactContext) -> str:
    return ctx.fact("kai_place").namespace


def _kai_pods(ctx: FactContext) -> Tuple[Pod, ...]:
    return ctx.api.pods(ctx.fact("kai_namespace"))


def _namespace_exists(ctx: FactContext) -> NamespaceExists:
    def exists() -> bool:
        try:
            ctx.api.get(r.NAMESPACES, ctx.fact("kai_namespace"))
        except NotFound:
            return False
        return True
    return exists


def _kai_config(ctx: FactContext) -> Optional[dict]:
    try:
        return ctx.api.get(r.KAI_CONFIGS, CONFIG_NAME)
    except NotFound:
        return None


def _gpu_sharing(ctx: FactContext) -> SharingState:
    return gpu_sharing(ctx.fact("kai_config"), ctx.fact("kai_pods"))


def _pod_grouper_logs(ctx: FactContext) -> PodGrouperLogs:
    grouper = [p for p in ctx.fact("kai_pods") if component_of(p) == "pod-grouper"]
    found = PodGrouperLogs(grouper, LogScan(), [])
    for pod in grouper:
        if podinfo.phase(pod) == "Pending":
            continue
        container = podinfo.container_named(pod, POD_GROUPER_CONTAINERS)
        try:
            data = ctx.api.log(podinfo.namespace(pod), podinfo.name(pod), container, logs.TAIL_LINES,
                               logs.LIMIT_BYTES)
        except GatewayError as exc:
            found.failures.append((podinfo.ref(pod), exc))
            continue
        found.scan.merge(scan(data))
        found.read.append(podinfo.ref(pod))
    return found


def _kai_release(ctx: FactContext) -> KaiRelease:
    return detect(ctx.fact("kai_pods"))


def _kai_settings(ctx: FactContext) -> KaiSettings:
    """Never fails: a read that fails leaves KAI's default in place and is named in ``problems``."""
    problems: List[str] = []
    try:
        kai_pods: Tuple[Pod, ...] = tuple(ctx.fact("kai_pods"))
        release = ctx.fact("kai_release")
    except GatewayError as exc:
        kai_pods, release = (), UNKNOWN
        problems.append(f"KAI pods: {exc.describe()}")
    except SideUnavailable as exc:
        # inside a vCluster without host access: KAI's names are unknown, its defaults stand (and are named so)
        kai_pods, release = (), UNKNOWN
        problems.append(f"KAI runs on the host, which this run cannot read ({exc})")
    try:
        config = ctx.fact("kai_config")
    except GatewayError as exc:
        config = None
        problems.append(f"Config {CONFIG_NAME}: {exc.describe()}")
    except SideUnavailable:
        config = None
    place = ctx.fact("kai_place")
    return replace(settings(release, kai_pods, config, tuple(problems)), namespace=place.namespace,
                   namespace_source=place.how)


def _kai_traces(ctx: FactContext) -> Traces:
    """Signs that KAI runs, or ran, in this cluster though its namespace holds no KAI pod: PodGroups (only KAI's
    pod-grouper creates them) and Queues (KAI's CRD is served). Asked only then: an install fix beside a working
    KAI would add a second set of fail-closed webhooks."""
    def traces() -> Tuple[str, ...]:
        found = []
        try:
            pods = [p for p in ctx.api.pods(labels=FIND_SELECTOR) if is_component_pod(p)]
        except GatewayError:
            pods = []  # not readable: no sign either way
        for namespace in sorted({podinfo.namespace(p) for p in pods}):
            apps = sorted({str(podinfo.labels(p).get("app")) for p in pods if podinfo.namespace(p) == namespace})
            found.append(f"KAI component pods run in namespace {namespace} ({', '.join(apps)})")
        try:
            releases = ctx.api.list(r.SECRETS, labels=HELM_RELEASE_SELECTOR, metadata_only=True)
        except GatewayError:
            releases = ()
        for namespace in sorted({str(_meta(s).get("namespace") or "") for s in releases}):
            status = sorted({str((_meta(s).get("labels") or {}).get("status")) for s in releases
                             if str(_meta(s).get("namespace") or "") == namespace})
            found.append(f"Helm release {compat.RELEASE_NAME} in namespace {namespace} ({', '.join(status)})")
        for resource, what in ((r.PODGROUPS, "PodGroup(s), which only KAI's pod-grouper creates"),
                               (r.QUEUES, "KAI Queue(s): KAI's CRDs are installed")):
            try:
                count = len(ctx.api.list_refs(resource))
            except GatewayError:
                continue  # not served, or not readable: no sign either way
            if count:
                found.append(f"{count} {what}")
        return tuple(found)
    return traces


def _examined_kai_pods(ctx: FactContext) -> List[Pod]:
    return names.kai_pods_of(ctx.fact("examined_pods"), ctx.fact("kai_settings").scheduler)


def _pending_kai_pods(ctx: FactContext) -> PendingKaiPods:
    """The examined pods naming KAI's scheduler that wait unbound, asked only when a scheduler shard is down (to
    name who waits for it); None when they cannot be read."""
    def pending() -> Optional[List[Pod]]:
        try:
            pods = ctx.fact("examined_kai_pods")
        except (GatewayError, SideUnavailable):
            return None
        return [p for p in pods if podinfo.phase(p) == "Pending" and not podinfo.node_name(p)]
    return pending


def _queues(ctx: FactContext) -> QueueTree:
    return queue_tree(ctx.api.list(r.QUEUES))


def _podgroup_refs(ctx: FactContext) -> Set[Tuple[str, str]]:
    return set(ctx.api.list_refs(r.PODGROUPS))


def _target_podgroups(ctx: FactContext) -> Dict[Tuple[str, str], dict]:
    """The PodGroup of each --pod target (there is one per workload: never listed whole)."""
    scope = ctx.fact("scope")
    found = {}
    for pod in scope.host_pods or ():
        group = podinfo.annotations(pod).get(names.PODGROUP_ANNOTATION)
        if group:
            key = (podinfo.namespace(pod), group)
            try:
                found[key] = ctx.api.get(r.PODGROUPS, group, key[0])
            except NotFound:
                continue
    return found


def _reservation_pods(ctx: FactContext) -> ReservationPods:
    """Read only when GPU sharing is on: the release's namespace first, then the other."""
    def pods(first: str = RESERVATION_NAMESPACES[0]) -> Tuple[Pod, ...]:
        order = [first] + [n for n in RESERVATION_NAMESPACES if n != first]
        found: Tuple[Pod, ...] = ()
        for namespace in order:
            found = ctx.api.pods(namespace)
            if found:
                break
        return found
    try:
        if ctx.fact("gpu_sharing").enabled:
            # the check will ask: read now, beside the other prefetched facts, not at the end of the run
            row = compat.at(compat.RESERVATION, ctx.fact("kai_release").effective)
            pods(row.value.namespace if row else RESERVATION_NAMESPACES[0])
    except (GatewayError, SideUnavailable):
        pass  # the check asks again and reports it
    return pods


def _nodes(ctx: FactContext) -> Nodes:
    """Read when a check gets that far: inside a vCluster, GPU requests are judged without the host's nodes."""
    return lambda: ctx.api.list(r.NODES)


def _namespace_labels(ctx: FactContext) -> NamespaceLabels:
    """A host namespace's labels; None when it cannot be read."""
    def labels(namespace: str) -> Optional[Dict[str, str]]:
        try:
            return dict(_meta(ctx.api.get(r.NAMESPACES, namespace)).get("labels") or {})
        except GatewayError:
            return None
    return labels


def _target_events(ctx: FactContext) -> EventsAbout:
    """Events about one object of the --pod target, newest first (a field-selected LIST per object)."""
    def about(namespace: str, kind: str, name: str) -> List[dict]:
        selector = f"involvedObject.kind={kind},involvedObject.name={name}"
        events = list(ctx.api.list(r.EVENTS, namespace, fields=selector))
        return sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
    return about


def _service_access(ctx: FactContext) -> ServiceAccess:
    """May this identity get Services in this namespace? A SubjectAccessReview, asked only when a check needs it."""
    def may(user: str, namespace: str) -> bool:
        return ctx.api.may(user, "get", "services", namespace)
    return may


FACTS = (
    Fact("kai_place", f"where KAI runs and how that was found: Config spec.namespace, the namespace its webhook "
         f"configurations call, else {NAMESPACE}", _kai_place,
         (Read("list", r.MUTATING_WEBHOOKS, when="without a Config naming KAI's namespace", optional=True),
          Read("list", r.VALIDATING_WEBHOOKS, when="without a Config naming KAI's namespace", optional=True),
          Read("list", r.PODS, labels=FIND_SELECTOR, when="without a Config or webhook configuration naming KAI's "
                                                          "namespace")),
         needs=("kai_config",)),
    Fact("kai_namespace", "where KAI runs (kai_place)", _kai_namespace, needs=("kai_place",)),
    Fact("kai_pods", "every pod in KAI's namespace", _kai_pods, (Read("list", r.PODS, RUNTIME),),
         needs=("kai_namespace",)),
    Fact("kai_namespace_exists", "whether KAI's namespace exists (asked only when it runs no pods)",
         _namespace_exists, (Read("get", r.NAMESPACES, name=RUNTIME, when="when it runs no pods"),),
         needs=("kai_namespace",)),
    Fact("kai_traces", "signs that KAI runs or ran elsewhere in the cluster (asked only when its namespace runs no "
         "pods)", _kai_traces, (Read("list", r.PODS, labels=FIND_SELECTOR, when="when KAI's namespace runs no pods"),
                                Read("list", r.SECRETS, labels=HELM_RELEASE_SELECTOR, metadata_only=True,
                                     when="when KAI's namespace runs no pods", optional=True),
                                Read("list", r.PODGROUPS, metadata_only=True, when="when KAI's namespace runs no pods",
                                     optional=True),
                                Read("list", r.QUEUES, metadata_only=True, when="when KAI's namespace runs no pods",
                                     optional=True))),
    Fact("kai_config", "KAI's Config CR (operator installs, v0.9+), None when absent", _kai_config,
         (Read("get", r.KAI_CONFIGS, name=CONFIG_NAME),)),
    Fact("gpu_sharing", "whether KAI's GPU sharing is on, and where that was read", _gpu_sharing,
         needs=("kai_config", "kai_pods")),
    Fact("pod_grouper_logs", "the pod-grouper's log tail, scanned for permission errors and the no-owner line",
         _pod_grouper_logs, (Read("log", namespace=RUNTIME, name=RUNTIME),), needs=("kai_pods",)),
    Fact("kai_release", "the KAI release its image tags name, and the one whose behaviour applies", _kai_release,
         needs=("kai_pods",)),
    Fact("kai_settings", "KAI's scheduler name, queue label key, node-pool label and log format: Config, flags or "
                         "the release's default", _kai_settings,
         needs=("kai_pods", "kai_release", "kai_config", "kai_place")),
    Fact("examined_kai_pods", "the examined pods that name KAI's configured scheduler", _examined_kai_pods,
         needs=("examined_pods", "kai_settings")),
    Fact("pending_kai_pods", "the examined KAI pods waiting unbound (asked only when a scheduler shard is down)",
         _pending_kai_pods, later=("examined_kai_pods",)),

    Fact("queues", "KAI's queue tree", _queues, (Read("list", r.QUEUES),)),
    Fact("podgroup_refs", "(namespace, name) of every PodGroup", _podgroup_refs,
         (Read("list", r.PODGROUPS, metadata_only=True),)),
    Fact("target_podgroups", "the PodGroups of the --pod target", _target_podgroups,
         (Read("get", r.PODGROUPS, namespace=RUNTIME, name=RUNTIME, when="with --pod", option="pod"),),
         needs=("scope",)),
    Fact("reservation_pods", "KAI's GPU reservation pods", _reservation_pods,
         (Read("list", r.PODS, RESERVATION_NAMESPACES[0], when="when GPU sharing is on"),
          Read("list", r.PODS, RESERVATION_NAMESPACES[1], when="when GPU sharing is on and the release's own "
                                                               "namespace has none")),
         needs=("gpu_sharing", "kai_release")),
    Fact("nodes", "every node (allocatable GPUs)", _nodes,
         (Read("list", r.NODES, when="when GPU requests are valid"),)),
    Fact("namespace_labels", "the labels of a host namespace whose pods KAI's pod-grouper left ungrouped",
         _namespace_labels, (Read("get", r.NAMESPACES, name=RUNTIME, when="when the pod-grouper watches only "
                                                                          "labelled namespaces and a pod has no "
                                                                          "PodGroup"),)),
    Fact("target_events", "events about the --pod target and its PodGroup", _target_events,
         (Read("list", r.EVENTS, namespace=RUNTIME, fields=RUNTIME, when="with --pod, for a Pending pod",
               option="pod"),)),
    Fact("service_access", "whether the pod-grouper may read a vCluster's Service (SubjectAccessReview)",
         _service_access, (Read("access-review", when="when pods still carry the Service owner reference",
                               optional=True),)),
)


#: what a snapshot keeps of KAI's objects (every other annotation and container argument is dropped): the
#: annotations and component flags vcdoctor reads
SNAPSHOT_ANNOTATIONS = (names.PODGROUP_ANNOTATION, names.GPU_FRACTION, names.GPU_MEMORY, GPU_FRACTION_NUM_DEVICES,
                        MPS, GPU_LIMIT_ANNOTATION, compat.SKIP_PODGROUPER.value)
#: the namespaces whose pods' termination messages a check quotes (the reservation pods'); every other pod's
#: are dropped (a FallbackToLogsOnError message is a log tail, and log tails hold passwords)
SNAPSHOT_MESSAGE_NAMESPACES = RESERVATION_NAMESPACES
SNAPSHOT_FLAGS = (compat.GPU_SHARING_FLAG, compat.QUEUE_LABEL_FLAG, compat.SCHEDULER_NAME_FLAG,
                  compat.NODE_POOL_LABEL_FLAG, compat.ZAP_DEVEL_FLAG, compat.POD_LABEL_SELECTOR_FLAG,
                  compat.NAMESPACE_LABEL_SELECTOR_FLAG, compat.PARTITION_FLAG)
SNAPSHOT_BOOL_FLAGS = (compat.GPU_SHARING_FLAG, compat.ZAP_DEVEL_FLAG)
CONTRIBUTION = Contribution("KAI", flags=SNAPSHOT_FLAGS, bool_flags=SNAPSHOT_BOOL_FLAGS,
                            annotations=SNAPSHOT_ANNOTATIONS, message_namespaces=SNAPSHOT_MESSAGE_NAMESPACES,
                            literal_names=(NAMESPACE, *RESERVATION_NAMESPACES), collectors=troubleshoot.collectors)
