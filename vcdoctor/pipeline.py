"""One diagnosis: source -> target -> plan -> execute -> report, under one deadline; no click, no printing."""

from __future__ import annotations

import datetime
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from vcdoctor import contributions, ignores, registry
from vcdoctor import report as reporting
from vcdoctor.chart_schema import UnusableSchema
from vcdoctor.deadline import Deadline
from vcdoctor.engine.executor import Executor
from vcdoctor.engine.facts import HOST, VIRTUAL, Fact, FactStore, run_inputs
from vcdoctor.engine.plan import Plan, make_plan
from vcdoctor.engine.runner import Interrupted, run_checks
from vcdoctor.gateway import Gateway, GatewayError, NotInSnapshot, Transport, Unauthorized, Unreachable
from vcdoctor.ignores import Ignore
from vcdoctor.model import CheckResult, ErrorCode, ExitCode, FailOn, Status
from vcdoctor.run_kind import HostRun, ResolvedTarget, RunKind
from vcdoctor.target import Target, UsageError

#: Per-request timeout ceiling; --timeout bounds the whole run.
REQUEST_TIMEOUT = 30.0


class Failure(Exception):
    """A run that cannot produce check results."""

    def __init__(self, exit_code: ExitCode, code: ErrorCode, message: str):
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code
        self.message = message


def _cluster_failure(exc: GatewayError, what: str) -> Failure:
    code = ErrorCode(exc.kind) if exc.kind in ErrorCode._value2member_map_ else ErrorCode.API_ERROR
    if isinstance(exc, Unauthorized):  # said as such: the cluster answered, and refused who vcdoctor is
        what = what.replace("cannot reach", "credentials refused by", 1)
    return Failure(ExitCode.CLUSTER, code, f"{what}: {exc.reason}")


@dataclass(frozen=True)
class Options:
    """What the user asked for, as flags parse it."""

    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    #: impersonation, as kubectl --as / --as-group
    as_user: Optional[str] = None
    as_groups: Tuple[str, ...] = ()
    namespace: Optional[str] = None
    all_namespaces: bool = False
    pod: Optional[str] = None
    selector: Optional[str] = None
    vcluster: Optional[str] = None
    vcluster_namespace: Optional[str] = None
    vcluster_schema: Optional[str] = None
    helm_release: bool = False
    only: Tuple[str, ...] = ()
    skipped: Tuple[str, ...] = ()
    timeout: float = 60.0
    request_timeout: Optional[float] = None
    snapshot: Optional[str] = None
    #: record every response for `collect`
    record: bool = False
    #: the host cluster's context when --context is a vCluster: both sides are examined in one run
    host_context: Optional[str] = None
    #: accepted findings (--ignore), and the config file that lists more (None: ./.vcdoctor.yaml if present)
    ignores: Tuple[Ignore, ...] = ()
    config: Optional[str] = None


@dataclass
class Source:
    """A gateway and what the report says about where it points."""

    gateway: Gateway
    cluster: Dict[str, Any]
    #: namespace of the kubeconfig context: the default for --pod without -n
    default_namespace: str
    recorder: Optional[Any] = None
    #: metadata of the replayed snapshot, if any
    snapshot_meta: Optional[Dict[str, Any]] = None
    #: host or virtual, and which virtual cluster (set once the cluster was looked at)
    kind: RunKind = field(default_factory=HostRun)
    #: the host cluster's side of a run whose context is a vCluster, when it is reachable
    host: Optional["Source"] = None
    #: responses of the other sides a replayed snapshot holds, by side
    snapshot_sides: Dict[str, Any] = field(default_factory=dict)

    def side_records(self) -> Dict[str, Any]:
        """What `collect` stores besides this side's responses: the host side's, keyed by side."""
        if self.host is not None and self.host.recorder is not None:
            return {HOST: self.host.recorder.records}
        return {}


@dataclass
class Outcome:
    report: reporting.Report
    results: List[CheckResult] = field(default_factory=list)
    exit_code: ExitCode = ExitCode.OK
    source: Optional[Source] = None


def open_source(options: Options, executor: Executor) -> Source:
    if options.snapshot:
        return _open_snapshot(options.snapshot, executor, tenant=bool(options.pod))
    return _open_live(options, executor)


def _open_live(options: Options, executor: Executor) -> Source:
    from vcdoctor.gateway.live import KubeconfigError, connect

    timeout = options.request_timeout or min(REQUEST_TIMEOUT, options.timeout)
    transport: Transport  # the live one, or the recorder wrapping it
    try:
        transport, identity = connect(options.kubeconfig, options.context, timeout, executor.deadline,
                                      impersonate=(options.as_user, options.as_groups))
    except KubeconfigError as exc:
        raise Failure(ExitCode.CLUSTER, ErrorCode.KUBECONFIG, str(exc)) from None
    recorder = None
    if options.record:
        from vcdoctor.snapshot.transports import RecordingTransport

        transport = recorder = RecordingTransport(transport)
    gateway = Gateway(transport, deadline=executor.deadline, spawn=executor.submit)
    cluster = {"context": identity.context, "server": identity.server, "kubernetes_version": None}
    return Source(gateway, cluster, identity.namespace, recorder)


def _open_snapshot(path: str, executor: Executor, tenant: bool = False) -> Source:
    from vcdoctor import snapshot
    from vcdoctor.archives import reader

    transport: Transport  # a vcdoctor snapshot's, or another tool's archive's (the same gateway reads both)
    try:
        archive, sides = reader.read(path, tenant), {}  # type: Optional[reader.Archive], Dict[str, Any]
        if archive is None:
            meta, sides, _ = snapshot.read_sides(path)
            transport = snapshot.ReplayTransport(sides.pop(snapshot.PRIMARY))
        else:
            meta, transport = archive.meta, archive.transport
            sides = {HOST: archive.host} if archive.host is not None else {}
    except snapshot.SnapshotError as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE, str(exc)) from None
    cluster = dict(meta.get("cluster") or {})
    gateway = Gateway(transport, deadline=executor.deadline)
    return Source(gateway, {k: cluster.get(k) for k in ("context", "server", "kubernetes_version")},
                  (meta.get("target") or {}).get("namespace") or "default", snapshot_meta=meta,
                  snapshot_sides=sides)


def where(options: Options, source: Source, executor: Executor) -> RunKind:
    """Host or virtual cluster, as the product with virtual clusters tells them apart: as recorded in a snapshot,
    else from the context name and the cluster's nodes (the same cached LIST the nodes fact makes, so a host run
    pays nothing for it)."""
    from vcdoctor.gateway import resources

    kinds = contributions.run_kinds()
    if kinds is None:
        return HostRun()
    recorded = kinds.recorded((source.snapshot_meta or {}).get("cluster") or {})
    if source.snapshot_meta is not None and recorded is not None:
        return recorded
    try:
        nodes = _in_time(executor, source.gateway.list, resources.NODES, what="listing nodes")
    except GatewayError:
        nodes = None  # unreadable: the context name decides alone
    return kinds.classify(source.cluster.get("context"), nodes, options.host_context, options.vcluster,
                          options.vcluster_namespace)


def open_host(options: Options, source: Source, executor: Executor) -> Tuple[Optional[Source], Optional[str]]:
    """The host side of a run whose context is a vCluster: (its source, None), or (None, why it is not examined).

    --host-context that does not work is a failure (the user asked for it); a host context merely named in a
    vcluster_ context that the kubeconfig lacks or that does not answer leaves a tenant-only run."""
    if source.snapshot_meta is not None:
        from vcdoctor import snapshot

        records = source.snapshot_sides.get(HOST)
        if records is None:
            return None, "the snapshot holds no host cluster responses"
        recorded = (source.snapshot_meta.get("cluster") or {}).get("host") or {}
        # another tool's archive hands its host side over as a transport, a snapshot as recorded responses
        replay = records if hasattr(records, "send") else snapshot.ReplayTransport(records)
        gateway = Gateway(replay, deadline=executor.deadline)
        return Source(gateway, {k: recorded.get(k) for k in ("context", "server", "kubernetes_version")},
                      "default"), None
    from vcdoctor.gateway.live import KubeconfigError, connect

    name = options.host_context or source.kind.host_context
    if not name:
        return None, "the host cluster's context is not known (give it with --host-context)"
    explicit = options.host_context is not None
    timeout = options.request_timeout or min(REQUEST_TIMEOUT, options.timeout)
    transport: Transport  # the live one, or the recorder wrapping it
    try:
        transport, identity = connect(options.kubeconfig, name, timeout, executor.deadline,
                                      impersonate=(options.as_user, options.as_groups))
    except KubeconfigError as exc:
        if explicit:
            raise Failure(ExitCode.CLUSTER, ErrorCode.KUBECONFIG, f"--host-context: {exc}") from None
        return None, f"the host context {name!r} is not in the kubeconfig"
    recorder = None
    if options.record:
        from vcdoctor.snapshot.transports import RecordingTransport

        transport = recorder = RecordingTransport(transport)
    gateway = Gateway(transport, deadline=executor.deadline, spawn=executor.submit)
    try:
        version = _in_time(executor, gateway.version, what="GET /version of the host cluster").get("gitVersion")
    except GatewayError as exc:
        if explicit:
            raise _cluster_failure(exc, f"cannot reach the host cluster (context {name})") from None
        return None, f"the host context {name!r} does not answer ({exc.kind}: {exc.reason})"
    cluster = {"context": identity.context, "server": identity.server, "kubernetes_version": version}
    return Source(gateway, cluster, identity.namespace, recorder), None


def make_target(options: Options, source: Source) -> Target:
    asked: Dict[str, Optional[str]] = {"namespace": options.namespace, "pod": options.pod,
                                       "vcluster": options.vcluster, "vcluster_namespace": options.vcluster_namespace,
                                       "selector": options.selector}
    if options.all_namespaces and not asked["pod"]:
        asked["namespace"] = None
    meta = source.snapshot_meta
    recorded = (meta or {}).get("target") or {}
    if meta is not None and not any(asked.values()):
        asked = {k: recorded.get(k) for k in asked}  # replay what was collected
    if asked["pod"] and not asked["namespace"]:
        asked["namespace"] = source.default_namespace
    helm_release = bool(options.helm_release or (meta is not None and recorded.get("helm_release")))
    schema = None
    if options.vcluster_schema:
        load_schema_file = contributions.schema_loader()
        if load_schema_file is None:
            raise Failure(ExitCode.USAGE, ErrorCode.USAGE, "--vcluster-schema: no product reads a config schema")
        try:
            schema = load_schema_file(options.vcluster_schema)
        except UnusableSchema as exc:
            raise Failure(ExitCode.USAGE, ErrorCode.USAGE, f"--vcluster-schema: {exc}") from None
    return Target(**asked, helm_release=helm_release, config_schema=schema)


def run_time(source: Source) -> datetime.datetime:
    """"Now" for verdicts: the run's start live, the collection time on replay (so a snapshot gives the same
    verdicts whenever it is replayed)."""
    collected = (source.snapshot_meta or {}).get("collected_at")
    if isinstance(collected, str):
        try:
            return datetime.datetime.fromisoformat(collected.replace("Z", "+00:00"))
        except ValueError:
            pass
    return reporting.now()


def _in_time(executor: Executor, fn: Callable[..., Any], *args: Any, what: str) -> Any:
    """Call ``fn`` on the executor and wait for it no longer than the deadline."""
    future = executor.submit(fn, *args, name=what)
    if executor.wait([future]):
        raise Failure(ExitCode.CLUSTER, ErrorCode.UNREACHABLE,
                      f"{what} did not finish within the deadline of {executor.deadline.seconds:g} s")
    return future.result()


def diagnose(options: Options, on_done: Optional[Callable[[CheckResult], None]] = None,
             fail_on: FailOn = FailOn.FAIL) -> Outcome:
    """One cluster or snapshot, start to end; Failure for a run that cannot produce results."""
    executor = Executor(Deadline(options.timeout))
    try:
        table = registry.load_fact_table()
        every = registry.load_checks(facts=table.facts)
        checks = registry.select_checks(every, options.only, options.skipped)
        # collect records what checks read and judges nothing for the user: a config file there cannot stop it
        accepted = (() if options.record else ignores.from_config(options.config)) + tuple(options.ignores)
        problem = ignores.unknown(accepted, list(registry.findings_by_code(every)))
    except (registry.RegistryError, ignores.IgnoreError) as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE, str(exc)) from None
    if problem:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE, problem)
    source = open_source(options, executor)
    target = make_target(options, source)
    gateway = source.gateway
    try:
        version = _in_time(executor, gateway.version, what="GET /version").get("gitVersion")
        source.cluster["kubernetes_version"] = version or source.cluster.get("kubernetes_version")
    except (Unreachable, Unauthorized) as exc:
        raise _cluster_failure(exc, f"cannot reach the cluster of context {source.cluster.get('context')} at "
                                    f"{source.cluster['server']}") from None
    except GatewayError:
        pass  # /version is informational; checks report their own access problems
    source.kind = where(options, source, executor)
    source.cluster.update(source.kind.to_report())
    store_sides, hint, context = None, "", source.cluster.get("context")
    if source.kind.virtual:
        source.host, why = open_host(options, source, executor)
        source.cluster["host"] = source.host.cluster if source.host is not None else None
        if why:
            source.cluster["host_missing"] = why
        store_sides = {VIRTUAL: gateway, HOST: source.host.gateway if source.host is not None else None}
        hint = source.kind.access_hint() + (f" ({why})" if why else "")
        # fix scripts act on host objects: without the host's context they cannot name one, and stay comments
        context = source.host.cluster.get("context") if source.host is not None else None
    # a tenant run answers some host facts inside the vCluster: the variants its kind declares
    facts = table.for_run(source.kind.variants(source.host is not None))
    plan = make_plan(checks, facts, target)
    store = FactStore(gateway, facts, run_inputs(target, run_time(source), context, source.kind), store_sides, hint)
    for name in plan.facts:  # prefetch: every fact the plan needs starts now, concurrently
        executor.submit(_quietly, store.value, name, name=f"fact-{name}")
    if target.pod or target.selector or target.names_vcluster or source.kind.virtual:
        _resolve(executor, store, target)
    try:
        results = ignores.accept(run_checks(checks, store, executor, chained=target.pod is not None,
                                            on_done=on_done), accepted)
    except Interrupted as stop:
        outcome = _outcome(ignores.accept(stop.results, accepted), source, plan, executor, target, store, fail_on,
                           explain=False)
        outcome.exit_code = ExitCode.INTERRUPTED
        raise RunInterrupted(outcome) from None
    for side in (source, source.host):
        refused = side.gateway.refused if side is not None else None
        if refused is not None:  # a broken or hostile server: its other answers are not to be judged either
            asked = refused.request.describe() if refused.request else "a request"
            raise Failure(ExitCode.CLUSTER, ErrorCode.REFUSED_ANSWER, f"{asked}: {refused.reason}")
    return _outcome(results, source, plan, executor, target, store, fail_on)


class RunInterrupted(Exception):
    """Ctrl-C during the checks; carries the partial outcome."""

    def __init__(self, outcome: Outcome):
        super().__init__("interrupted")
        self.outcome = outcome


def _quietly(compute: Callable[[str], Any], name: str) -> None:
    try:
        compute(name)
    except Exception:  # the same failure is memoised and surfaces in the check that needs the fact
        pass


def _resolve(executor: Executor, store: FactStore, target: Target) -> None:
    """--pod / --vcluster must name something that exists: a usage error now, not 16 check errors later."""
    names = contributions.target_facts()
    if names is None:
        return
    try:
        resolved: ResolvedTarget = _in_time(executor, store.value, names.resolved, what="resolving the target")
        if target.selector:
            _selection(executor, store, resolved, names.examined_pods)
    except UsageError as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.NOT_FOUND, str(exc)) from None
    except NotInSnapshot as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE,
                      f"the snapshot cannot answer this target: {exc.describe()}") from None
    except (Unreachable, Unauthorized) as exc:
        raise _cluster_failure(exc, "cannot resolve the target") from None
    except GatewayError as exc:
        raise Failure(ExitCode.CLUSTER, ErrorCode.API_ERROR, f"cannot resolve the target: {exc.describe()}") from None


def _selection(executor: Executor, store: FactStore, resolved: ResolvedTarget, examined_pods: str) -> None:
    """-l that matches nothing is a usage error, as kubectl says "No resources found"; a refused list is the
    checks' to report."""
    try:
        if _in_time(executor, store.value, examined_pods, what="selecting pods"):
            return
    except GatewayError:
        return
    raise UsageError(resolved.empty_selection())


def _outcome(results: List[CheckResult], source: Source, plan: Plan, executor: Executor, target: Target,
             store: FactStore, fail_on: FailOn, explain: bool = True) -> Outcome:
    gateway = source.gateway
    names = contributions.target_facts()
    resolved: Optional[ResolvedTarget] = store.peek(names.resolved) if names is not None else None
    shown = resolved.to_dict() if resolved is not None else dict(target.to_dict(), vclusters=[], host_pods=None,
                                                                  notes=[])
    cluster = {k: v for k, v in source.cluster.items() if k != "host_missing"}
    cluster.update(source.kind.to_report(resolved))
    if source.cluster.get("host_missing"):
        shown["notes"] = [*shown.get("notes", []), f"host cluster not examined: {source.cluster['host_missing']}"]
    shown["notes"] = [*shown.get("notes", []), *((source.snapshot_meta or {}).get("notes") or [])]
    if not explain:
        preflight = _no_review("interrupted")
    elif source.kind.virtual:
        preflight = _preflight_sides(source, plan, store.facts, executor, target)
    else:
        preflight = explain_refusals(gateway, plan, executor)
    # a permission is "needed by" the checks whose verdict it changed: those that could not look (or were
    # skipped for it); a check that passed without it did not need it this time
    unjudged = {r.id for r in results if r.status in (Status.ERROR, Status.SKIP)}
    preflight["missing"] = [dict(missing, needed_by=[c for c in missing["needed_by"] if c in unjudged]
                                 or missing["needed_by"]) for missing in preflight.get("missing") or []]
    platform = source.kind.platform_ticket(target) if source.host is None else None
    meta = source.snapshot_meta
    snapshot: Optional[Dict[str, Any]] = None
    if meta is not None:
        snapshot = {"collected_at": meta.get("collected_at"), "format": meta.get("format"),
                    "tool": (meta.get("tool") or {}).get("name") or "vcdoctor",
                    "tool_version": (meta.get("tool") or {}).get("version")}
        if "redacted" in meta:  # vcdoctor's own --redact; other tools redact in their own ways
            snapshot["redacted"] = bool(meta["redacted"])
    report = reporting.Report(tuple(results), cluster, shown, tuple(_permissions(source)), preflight=preflight,
                              platform=platform, duration_ms=executor.deadline.elapsed_ms(), snapshot=snapshot)
    return Outcome(report, results, exit_code(results, fail_on), source)


def _permissions(source: Source) -> List[Dict[str, Any]]:
    if not source.kind.virtual:
        return source.gateway.permissions_used()
    rows = [dict(row, side=VIRTUAL) for row in source.gateway.permissions_used()]
    if source.host is not None:
        rows += [dict(row, side=HOST) for row in source.host.gateway.permissions_used()]
    return rows


def _preflight_sides(source: Source, plan: Plan, facts: Mapping[str, Fact], executor: Executor,
                     target: Target) -> Dict[str, Any]:
    """explain_refusals on each side, asking each cluster only about the permissions of the facts that read it."""
    import dataclasses

    merged: Dict[str, Any] = {"checked": 0, "missing": [], "unavailable": None}
    for side, side_source in ((VIRTUAL, source), (HOST, source.host)):
        if side_source is None:
            continue
        own = {n: f if f.side == side else dataclasses.replace(f, reads=()) for n, f in facts.items()}
        answer = explain_refusals(side_source.gateway, make_plan(plan.checks, own, target), executor)
        merged["checked"] += answer["checked"]
        merged["missing"] += [dict(m, side=side) for m in answer["missing"]]
        merged["unavailable"] = merged["unavailable"] or answer["unavailable"]
    return merged


def _no_review(why: str) -> Dict[str, Any]:
    return {"checked": 0, "missing": [], "unavailable": why}


def explain_refusals(gateway: Gateway, plan: Plan, executor: Executor) -> Dict[str, Any]:
    """Only when a read was refused: ask (SelfSubjectAccessReview) which of the plan's permissions are missing,
    and name the checks that need each. A run whose reads all succeeded sends no access review."""
    if not any(row["outcome"] == "forbidden" for row in gateway.permissions_used()):
        return {"checked": 0, "missing": [], "unavailable": None}
    # an optional permission (a less precise verdict without it) is not reported missing
    permissions = [p for p in plan.permissions() if not p.optional]

    def ask(verb: str, group: str, resource: str) -> bool:
        name, _, sub = resource.partition("/")
        return gateway.can_i(verb, name, None, group, sub)

    futures: List[Future] = [executor.submit(ask, p.verb, p.group, p.resource, name="access-review")
                             for p in permissions]
    try:
        unfinished = executor.wait(futures)
    except KeyboardInterrupt:  # the checks' results exist: keep them, skip the explanation
        return _no_review("interrupted before the refused reads were explained")
    if unfinished:
        return _no_review(f"access reviews did not finish within the deadline of {executor.deadline.seconds:g} s")
    missing = []
    for permission, future in zip(permissions, futures):
        try:
            if not future.result():
                missing.append({"permission": permission.display, "needed_by": list(permission.needed_by)})
        except GatewayError as exc:
            return _no_review(f"{exc.kind}: {exc.reason}")
    return {"checked": len(permissions), "missing": missing, "unavailable": None}


def exit_code(results: Sequence[CheckResult], fail_on: FailOn) -> ExitCode:
    """An accepted (ignored) finding decides nothing, as flake8's --extend-ignore."""
    return ExitCode.FINDINGS if any(r.status in fail_on.failing and not r.ignored for r in results) else ExitCode.OK


def fleet_exit_code(codes: Sequence[ExitCode]) -> ExitCode:
    if codes and all(c == ExitCode.CLUSTER for c in codes):
        return ExitCode.CLUSTER
    worst = max((c for c in codes if c != ExitCode.CLUSTER), default=ExitCode.OK)
    if worst == ExitCode.OK and ExitCode.CLUSTER in codes:
        return ExitCode.FINDINGS  # a cluster we could not look at is not a clean bill of health
    return ExitCode(worst)


def failure_report(failure: Failure, context: Optional[str] = None) -> Dict[str, Any]:
    return reporting.Report.failed(failure.code.value, failure.message, context).to_dict()
