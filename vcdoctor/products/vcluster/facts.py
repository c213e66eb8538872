"""vCluster facts: the vClusters on the host, their synced pods, settings, control planes and syncer logs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from vcdoctor import logs
from vcdoctor import pods as podinfo
from vcdoctor.chart_schema import ChartSchema
from vcdoctor.contributions import Contribution, RunKinds, SecretValue, TargetFacts, VirtualPods
from vcdoctor.engine.facts import RUNTIME, Fact, FactContext, Read, ScopedApi, SideUnavailable
from vcdoctor.gateway import GatewayError, NotFound
from vcdoctor.gateway import resources as r
from vcdoctor.pods import Pod
from vcdoctor.products.helm.release import MalformedRelease, NoRelease, chart_schema, reduced_release
from vcdoctor.products.vcluster import compat, debug_collect, syncer_log, troubleshoot
from vcdoctor.products.vcluster.config import (
    BOOL_FLAGS,
    FLAGS,
    ConfigMissing,
    MalformedConfig,
    PodClassSetting,
    Settings,
    config_outline,
    load_config,
    pod_priority_class,
    pod_runtime_class,
    reduce_config,
    syncer_flags,
)
from vcdoctor.products.vcluster.config_schema import UnusableSchema, compile_schema, load_schema_file
from vcdoctor.products.vcluster.config_snapshot import VC_CONFIG
from vcdoctor.products.vcluster.discovery import (
    ARGOCD_KEYS,
    CONFIG_HASH,
    HELM_NAMESPACE_ANNOTATION,
    HELM_RELEASE_ANNOTATION,
    VCLUSTER_SELECTOR,
    VCluster,
    discover,
    is_control_plane_of,
    owner_key,
)
from vcdoctor.products.vcluster.names import (
    MANAGED_BY,
    NAMESPACE_VCLUSTER_NAME,
    NAMESPACE_VCLUSTER_NAMESPACE,
    OBJECT_NAME,
    OBJECT_NAMESPACE,
    POD_NAME_ANNOTATION,
    POD_NAMESPACE_ANNOTATION,
    VIRTUAL_LABELS,
    host_pod_name,
    is_multi_namespace_of,
    multi_namespace_host_namespace,
    note_owner,
    synced_identity,
    virtual_of_host_pod_name,
    virtual_ref,
)
from vcdoctor.products.vcluster.sides import ClusterKind, classify, host_context
from vcdoctor.products.vcluster.syncer_log import Refusal
from vcdoctor.secret_values import DERIVED_FROM, SecretKeyMissing, decode_key, stored_digest
from vcdoctor.versions import Version

CONFIG_KEY = "config.yaml"
WORKLOAD_READS = (Read("list", r.STATEFULSETS, labels=VCLUSTER_SELECTOR),
                  Read("list", r.DEPLOYMENTS, labels=VCLUSTER_SELECTOR))
CONTROL_PLANE_READ = Read("list", r.PODS, labels=VCLUSTER_SELECTOR)
SYNCER_LOG_READ = Read("log", namespace=RUNTIME, name=RUNTIME)
SYNCED_PODS_READ = Read("list", r.PODS, labels=MANAGED_BY)
#: multi-namespace mode (v0.19-v0.25): host pods carry no managed-by label (labels.go:57-65@v0.21.0), but the
#: namespace syncer labels each host namespace with the vCluster (namespaces/syncer.go:28-29,42-43@v0.21.0)
MULTI_NAMESPACE_READS = (
    Read("list", r.NAMESPACES, labels=NAMESPACE_VCLUSTER_NAME, optional=True,
         when="for a vCluster in multi-namespace mode, without -n"),
    Read("list", r.PODS, namespace=RUNTIME, when="in each host namespace of a vCluster in multi-namespace mode"),
)
#: at most this many multi-namespace host namespaces are listed per run (one request each)
MAX_MULTI_NAMESPACES = 50


@dataclass(frozen=True)
class ConfigProblem:
    """Why a vCluster's settings could not be established (the vCluster's verdict is then an error)."""

    vcluster: VCluster
    reason: str
    #: the gateway failure, when the problem was access rather than content
    error: Union[GatewayError, None] = None


#: per vCluster ref: its settings, or why they could not be read
SettingsByVCluster = Mapping[str, Union[Settings, ConfigProblem]]
#: per vCluster ref: (control-plane pod, its syncer log lines or the failure reading them)
SyncerLogs = Mapping[str, List[Tuple[str, Union[List[str], GatewayError]]]]


def _found(ctx: FactContext) -> Tuple[VCluster, ...]:
    workloads = [(kind, obj) for resource, kind in ((r.STATEFULSETS, "StatefulSet"), (r.DEPLOYMENTS, "Deployment"))
                 for obj in ctx.api.list(resource, None, VCLUSTER_SELECTOR)]
    return tuple(discover(workloads))


def _synced_pods(ctx: FactContext) -> Tuple[Pod, ...]:
    return ctx.api.pods(None, MANAGED_BY)


def _multi_namespace_pods(ctx: FactContext) -> Tuple[Pod, ...]:
    """Only for examined vClusters in multi-namespace mode of a release whose naming is known (v0.19-v0.25)."""
    try:
        settings, examined = ctx.fact("vcluster_settings"), ctx.fact("vclusters")
    except GatewayError:
        return ()  # the vClusters could not be examined: their own checks say why; single-namespace pods stand
    chosen = [vc for vc in examined if isinstance(settings.get(vc.ref), Settings)
              and settings[vc.ref].multi_namespace and compat.MULTI_NAMESPACE_NAMING.at(vc.version) == "open"]
    if not chosen:
        return ()
    virtual_ns = ctx.inputs["target"].namespace
    if virtual_ns:
        # -n names the virtual namespace: its host namespace follows from it, no namespace list needed
        hosts = [(multi_namespace_host_namespace(virtual_ns, vc.namespace, vc.name), (vc.namespace, vc.name))
                 for vc in chosen]
        return _pods_in(ctx.api, hosts)
    return multi_namespace_pods(ctx.api, chosen)


def multi_namespace_pods(api: ScopedApi, vclusters: Sequence[VCluster]) -> Tuple[Pod, ...]:
    """Pods synced in multi-namespace mode, each noted with its vCluster (note_owner: a copy).

    A host namespace counts when both its vCluster labels name a found vCluster and its name carries that
    vCluster's hash suffix (IsManaged, multi_namespace.go:52-79@v0.21.0); a pod counts when it has the
    object-name annotation. A refused list is raised: the pod checks then say they could not look, instead of
    judging the pods they happened to see."""
    if not vclusters:
        return ()
    namespaces = api.list(r.NAMESPACES, None, NAMESPACE_VCLUSTER_NAME)
    known = {(vc.namespace, vc.name) for vc in vclusters}
    hosts: List[Tuple[str, Tuple[str, str]]] = []
    for obj in namespaces:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        owner = (str(labels.get(NAMESPACE_VCLUSTER_NAMESPACE) or ""), str(labels.get(NAMESPACE_VCLUSTER_NAME) or ""))
        host_ns = meta.get("name") or ""
        if owner in known and is_multi_namespace_of(host_ns, *owner):
            hosts.append((host_ns, owner))
    return _pods_in(api, hosts[:MAX_MULTI_NAMESPACES])


def _pods_in(api: ScopedApi, hosts: Sequence[Tuple[str, Tuple[str, str]]]) -> Tuple[Pod, ...]:
    """The synced pods of each (host namespace, vCluster), noted with the vCluster."""
    pods: List[Pod] = []
    for host_ns, owner in hosts:
        found = api.pods(host_ns)
        for pod in found:
            if pod.annotations.get(OBJECT_NAME) and MANAGED_BY not in pod.labels:
                pods.append(note_owner(pod, *owner))
    return tuple(pods)


def read_settings(api: ScopedApi, vc: VCluster) -> Settings:
    """vc-config (v0.20+) or the syncer flags (v0.19).

    Raises MalformedConfig, ConfigMissing, SecretKeyMissing or a GatewayError."""
    if vc.version is None or vc.version >= compat.VC_CONFIG_SECRET.first:
        where = f"{vc.namespace}/{vc.config_secret}"
        try:
            secret = api.get(r.SECRETS, vc.config_secret, vc.namespace)
        except NotFound:
            if vc.version is not None:
                raise ConfigMissing(f"Secret {where} not found although vCluster {vc.version_text} keeps its "
                                    f"config there") from None
        else:
            loaded = load_config(decode_key(secret, CONFIG_KEY, where))
            derived = ((secret.get("metadata") or {}).get("annotations") or {}).get(DERIVED_FROM)
            return Settings(f"Secret {where} key {CONFIG_KEY}" + (f", {derived}" if derived else ""),
                            reduce_config(loaded), outline=config_outline(loaded),
                            digest=stored_digest(secret, CONFIG_KEY))
    return Settings(f"{vc.workload_kind} {vc.ref} syncer args", syncer_flags(vc.syncer_args), legacy=True)


def _settings(ctx: FactContext) -> SettingsByVCluster:
    found: Dict[str, Union[Settings, ConfigProblem]] = {}
    for vc in ctx.fact("vclusters"):
        try:
            found[vc.ref] = read_settings(ctx.api, vc)
        except (MalformedConfig, ConfigMissing, SecretKeyMissing) as exc:
            found[vc.ref] = ConfigProblem(vc, str(exc))
        except GatewayError as exc:
            found[vc.ref] = ConfigProblem(vc, exc.describe(), exc)
    return found


def _control_plane_pods(ctx: FactContext) -> Tuple[Pod, ...]:
    return ctx.api.pods(None, VCLUSTER_SELECTOR)


def read_syncer_logs(api: ScopedApi, control_plane: Any, vc: VCluster) -> List[Tuple[str, Any]]:
    """The syncer log tail of each control-plane pod of ``vc``: the only host-side trace of a virtual pod the
    host refused (webhook, quota). A failed read is kept in place of the lines."""
    found: List[Tuple[str, Any]] = []
    for pod in control_plane:
        if not is_control_plane_of(pod, vc):
            continue
        try:
            data = api.log(podinfo.namespace(pod), podinfo.name(pod), podinfo.container_named(pod, ("syncer",)),
                           logs.TAIL_LINES, logs.LIMIT_BYTES)
        except GatewayError as exc:
            found.append((podinfo.ref(pod), exc))
            continue
        found.append((podinfo.ref(pod), list(logs.iter_lines(data))))
    return found


def syncer_log_refusals(ctx: FactContext, chosen: Sequence[VCluster], ns: str, name: str) -> List[Refusal]:
    """The host's refusals of virtual pod ns/name in the syncer logs of ``chosen`` (read with the asking fact's
    declared log read); unreadable logs give none."""
    try:
        control_plane = ctx.fact("control_plane_pods")
    except GatewayError:
        return []
    found: List[Refusal] = []
    for vc in chosen:
        for ref, lines in read_syncer_logs(ctx.api, control_plane, vc):
            if not isinstance(lines, GatewayError):
                found += syncer_log.refusals(lines, ref, vc.name, ns, name, vc.ref)
    return found


def _syncer_logs(ctx: FactContext) -> SyncerLogs:
    vclusters = ctx.fact("vclusters")
    try:
        control_plane = ctx.fact("control_plane_pods")
    except GatewayError as exc:
        return {vc.ref: [(f"control-plane pods of {vc.ref}", exc)] for vc in vclusters}
    return {vc.ref: read_syncer_logs(ctx.api, control_plane, vc) for vc in vclusters}


def _refused_pods(ctx: FactContext) -> Tuple[syncer_log.RefusedPod, ...]:
    """Virtual pods the syncer logs say the host refused and that have no host pod since, each with its newest
    refusal: a run without --pod still sees pods that never reached the host. Nothing when the logs are out of
    reach: the checks that read the logs report that."""
    try:
        logs_by_vcluster, examined = ctx.fact("syncer_logs"), ctx.fact("examined_pods")
    except (GatewayError, SideUnavailable):
        return ()
    synced = {(owner_key(p), virtual_ref(p)) for p in examined}
    newest: Dict[Tuple[str, str], Refusal] = {}
    for vc in ctx.fact("vclusters"):
        for ref, lines in logs_by_vcluster.get(vc.ref, ()):
            if isinstance(lines, GatewayError):
                continue
            for pod, refusal in syncer_log.refused_pods(lines, ref, vc.ref):
                if ((vc.namespace, vc.name), pod) not in synced:
                    newest[(vc.ref, pod)] = refusal  # lines run oldest first
    return tuple(syncer_log.RefusedPod(pod, refusal) for (_, pod), refusal in newest.items())


def _runtime_class_refusals(ctx: FactContext) -> Tuple[syncer_log.RuntimeClassRefusals, ...]:
    """The refused pods whose refusal is a missing RuntimeClass (KAI's admission sets one on GPU pods), by class,
    and whether the class exists now."""
    waiting: Dict[str, Dict[str, Refusal]] = {}
    for refused in ctx.fact("refused_pods"):
        missing = syncer_log.RUNTIME_CLASS_MISSING.search(refused.refusal.reason)
        if missing:
            waiting.setdefault(missing.group(1), {})[refused.pod] = refused.refusal
    if not waiting:
        return ()
    try:
        vclusters = ctx.fact("vclusters")
    except SideUnavailable:  # a tenant-only run: its events name the pods, the host cannot be asked about classes
        vclusters = ()
    return tuple(syncer_log.RuntimeClassRefusals(name, _exists(ctx.api, r.RUNTIME_CLASSES, name),
                                                 tuple(pods.items()), _set_by(ctx, vclusters, name, pods))
                 for name, pods in sorted(waiting.items()))


def _set_by(ctx: FactContext, vclusters: Sequence[VCluster], runtime_class: str,
            pods: Mapping[str, Refusal]) -> Tuple[Tuple[str, str], ...]:
    """The refusing vClusters that give every synced pod this class themselves (v0.23+): then they, not KAI's
    admission, chose it."""
    refs = {refusal.vcluster for refusal in pods.values()}
    refusing = [vc for vc in vclusters if vc.ref in refs]
    return tuple((vc.ref, given.source) for vc, given in _given_classes(ctx, refusing, pod_runtime_class)
                 if given.name == runtime_class)


def _given_classes(ctx: FactContext, vclusters: Sequence[VCluster],
                   given_by: Callable[[Settings, Optional[Version]], PodClassSetting]
                   ) -> List[Tuple[VCluster, PodClassSetting]]:
    """Each of ``vclusters`` that gives its host pods a class by its settings (``given_by``: the runtime or the
    priority class, v0.23+), with that setting; none when the settings are out of reach (the checks reading them
    say so)."""
    try:
        settings = ctx.fact("vcluster_settings")
    except (GatewayError, SideUnavailable):
        return []
    found = []
    for vc in vclusters:
        own = settings.get(vc.ref)
        given = given_by(own, vc.version) if isinstance(own, Settings) else None
        if given is not None and given.name:
            found.append((vc, given))
    return found


def _exists(api: ScopedApi, resource: r.Resource, name: str) -> Optional[bool]:
    try:
        api.get(resource, name)
    except NotFound:
        return False
    except (GatewayError, SideUnavailable):
        return None
    return True


#: per PriorityClass name a vCluster gives its host pods: whether the host has it (None: could not be read)
HostPriorityClasses = Mapping[str, Optional[bool]]


def _host_priority_classes(ctx: FactContext) -> HostPriorityClasses:
    """Whether the host has each PriorityClass an examined vCluster (v0.23+) gives its host pods
    (sync.toHost.pods.priorityClassName): without it the host refuses every pod that gets it."""
    wanted = {given.name for _, given in _given_classes(ctx, ctx.fact("vclusters"), pod_priority_class) if given.name}
    return {name: _exists(ctx.api, r.PRIORITY_CLASSES, name) for name in sorted(wanted)}


#: per vCluster ref: its chart's schema (validator compiled), None when the chart has none, or why it is unknown
ChartSchemas = Mapping[str, Union[ChartSchema, None, Exception]]


def _chart_schemas(ctx: FactContext) -> ChartSchemas:
    """Only with --read-helm-release: a metadata-only LIST of the release Secrets, then the current one by name."""
    if not ctx.inputs["target"].helm_release:
        return {}
    compiled: Dict[str, Any] = {}
    found: Dict[str, Union[ChartSchema, None, Exception]] = {}
    for vc in ctx.fact("vclusters"):
        try:
            schema = chart_schema(ctx.api, vc.namespace, vc.name)
            if schema is not None:
                # one compile per distinct chart: checking a big schema takes a few 100 ms
                key = schema.chart_version or schema.source
                if key not in compiled:
                    compiled[key] = compile_schema(schema.document, schema.source)
                schema = replace(schema, validator=compiled[key])
            found[vc.ref] = schema
        except (GatewayError, NoRelease, MalformedRelease, SecretKeyMissing, UnusableSchema) as exc:
            found[vc.ref] = exc
    return found


FACTS = (
    Fact("vclusters_found", "every vCluster on the host, found as `vcluster list` finds them", _found, WORKLOAD_READS),
    Fact("synced_pods", "every host pod a vCluster synced in single-namespace mode (labelled managed-by)",
         _synced_pods, (SYNCED_PODS_READ,)),
    Fact("multi_namespace_pods", "the host pods of examined vClusters in multi-namespace mode (v0.19-v0.25), in "
         "their own host namespaces", _multi_namespace_pods, MULTI_NAMESPACE_READS,
         needs=("vclusters", "vcluster_settings")),
    Fact("vcluster_settings", "each examined vCluster's settings: vc-config (v0.20+) or syncer flags (v0.19)",
         _settings, (Read("get", r.SECRETS, namespace=RUNTIME, name=RUNTIME),), needs=("vclusters",)),
    Fact("control_plane_pods", "the vClusters' own pods (config hash, syncer container)", _control_plane_pods,
         (CONTROL_PLANE_READ,)),
    Fact("syncer_logs", "each examined vCluster's syncer log tail", _syncer_logs, (SYNCER_LOG_READ,),
         needs=("vclusters", "control_plane_pods")),
    Fact("refused_pods", "virtual pods the syncer logs say the host refused, still without a host pod (the newest "
         "refusal of each)", _refused_pods, (), needs=("vclusters", "syncer_logs", "examined_pods")),
    Fact("runtime_class_refusals", "pods the syncer logs say the host refused for a missing RuntimeClass, still "
         "without a host pod, and whether it exists now", _runtime_class_refusals,
         (Read("get", r.RUNTIME_CLASSES, name=RUNTIME, when="when a syncer log says the host refused a pod for a "
                                                            "missing RuntimeClass", optional=True),),
         needs=("vclusters", "refused_pods", "vcluster_settings")),
    Fact("host_priority_classes", "whether the host has the PriorityClass each examined vCluster gives its host pods",
         _host_priority_classes,
         (Read("get", r.PRIORITY_CLASSES, name=RUNTIME, optional=True,
               when="when a vCluster sets sync.toHost.pods.priorityClassName"),),
         needs=("vclusters", "vcluster_settings")),
    Fact("vcluster_chart_schemas", "each examined vCluster's chart schema, from its current Helm release",
         _chart_schemas, (Read("list", r.SECRETS, namespace=RUNTIME, labels=RUNTIME, metadata_only=True,
                               when="with --read-helm-release", option="helm_release"),
                          Read("get", r.SECRETS, namespace=RUNTIME, name=RUNTIME, when="with --read-helm-release",
                               option="helm_release")),
         needs=("vclusters",)),
)


#: what a snapshot keeps of vCluster's objects: the config hash, the installer's marks (fix scripts differ for
#: Helm and Argo CD), the syncer's translation annotations, and the v0.19 syncer flags vcdoctor reads
SNAPSHOT_ANNOTATIONS = (CONFIG_HASH, HELM_RELEASE_ANNOTATION, HELM_NAMESPACE_ANNOTATION, *ARGOCD_KEYS, OBJECT_NAME,
                        OBJECT_NAMESPACE, VIRTUAL_LABELS, POD_NAME_ANNOTATION, POD_NAMESPACE_ANNOTATION)
SNAPSHOT_FLAGS = tuple(FLAGS)
SNAPSHOT_BOOL_FLAGS = BOOL_FLAGS
#: the Secret data a snapshot keeps, reduced: the vc-config outline, and the chart name, version and schema of a
#: Helm release (with --read-helm-release)
SNAPSHOT_SECRET_VALUES = (VC_CONFIG, SecretValue("release", reduced_release))
CONTRIBUTION = Contribution("vCluster", flags=SNAPSHOT_FLAGS, bool_flags=SNAPSHOT_BOOL_FLAGS,
                            annotations=SNAPSHOT_ANNOTATIONS, secret_values=SNAPSHOT_SECRET_VALUES,
                            virtual_pods=VirtualPods(identity=synced_identity, host_name=host_pod_name,
                                                     virtual_of=virtual_of_host_pod_name),
                            host_context=host_context, input_types={"cluster": ClusterKind},
                            run_kinds=RunKinds(classify=classify, recorded=ClusterKind.from_report),
                            target_facts=TargetFacts(resolved="scope", examined_pods="examined_pods"),
                            schema_loader=load_schema_file, archive_formats=(debug_collect.ARCHIVE,),
                            collectors=troubleshoot.collectors, redactors=troubleshoot.REDACTORS)
