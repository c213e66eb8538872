"""The ``vcdoctor`` command line (also installed as the kubectl plugin ``kubectl-vcdoctor``).

Only click is imported at start-up: ``vcdoctor --help`` must not pay for the kubernetes client.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Optional

import click

from vcdoctor import __version__
from vcdoctor.model import ExitCode

EXIT_CODES = """\b
Exit codes:
  0  no check failed (see --fail-on)
  1  at least one check ended fail or error (see --fail-on)
  2  usage error (bad flag, unknown --vcluster, pod not found, unreadable snapshot)
  3  kubeconfig missing/invalid, cluster unreachable or credentials refused"""

OUTPUTS = ["table", "json", "yaml", "markdown", "junit", "sarif"]
#: Per-request timeout ceiling; the global --timeout bounds the whole run.
REQUEST_TIMEOUT = 30.0


#: Conventional exit status after SIGINT (128 + 2).
INTERRUPTED = 130


class Interrupted(Exception):
    """Ctrl-C during the checks; carries the partial report."""

    def __init__(self, report: dict):
        super().__init__("interrupted")
        self.report = report


class Failure(Exception):
    """A run that cannot produce check results; carries the exit code and error code."""

    def __init__(self, exit_code: ExitCode, code: str, message: str):
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code
        self.message = message


@dataclass
class Session:
    """A gateway with what the report says about where it points."""

    gateway: object
    cluster: dict
    #: namespace of the kubeconfig context: the default for --pod without -n
    default_namespace: str
    recorder: Optional[object] = None
    #: metadata of the replayed snapshot, if any
    snapshot_meta: Optional[dict] = None


def _verbose(ctx, param, value):
    if value:
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("vcdoctor: %(relativeCreated)6.0f ms  %(message)s"))
        api = logging.getLogger("vcdoctor.api")
        api.addHandler(handler)
        api.setLevel(logging.INFO)
    return value


class _Duration(click.ParamType):
    """kubectl's --request-timeout: a number of seconds, optionally with s/m/h."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        factor = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
        number = text[:-1] if factor else text
        try:
            seconds = float(number) * (factor or 1)
        except ValueError:
            self.fail(f"{value!r} is not a duration like 30, 30s or 1m", param, ctx)
        if seconds <= 0:
            self.fail("must be positive", param, ctx)
        return seconds


def target_options(fn):
    for option in reversed([
        click.option("--kubeconfig", type=click.Path(dir_okay=False),
                     help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster config)."),
        click.option("--context", "contexts", multiple=True,
                     help="Kubeconfig context (default: the current one). `run` takes it repeatedly: one "
                          "report with a section per cluster."),
        click.option("-n", "--namespace",
                     help="Namespace of --pod (default: the context's namespace); without --pod, only pods of "
                          "this virtual or host namespace are examined."),
        click.option("-A", "--all-namespaces", is_flag=True,
                     help="Examine pods of every namespace (the default without -n)."),
        click.option("--pod", help="Examine one pod: a host pod, or a virtual pod's name inside a vCluster."),
        click.option("--vcluster", help="Only this vCluster (release name)."),
        click.option("--vcluster-namespace", help="Host namespace of --vcluster."),
        click.option("--vcluster-schema", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Validate each vCluster's config against this values.schema.json (the one of your chart "
                          "version: raw.githubusercontent.com/loft-sh/vcluster/v<version>/chart/values.schema.json)."),
        click.option("--read-helm-release", "helm_release", is_flag=True,
                     help="Take the config schema from each vCluster's Helm release: lists the names of its release "
                          "Secrets (metadata only) and reads the current one; needs list on secrets there."),
        click.option("--check", "only", multiple=True, metavar="ID", help="Run only this check (repeatable)."),
        click.option("--skip-check", "skipped", multiple=True, metavar="ID", help="Leave this check out (repeatable)."),
        click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
                     help="Deadline in seconds for the whole run."),
        click.option("--request-timeout", type=_Duration(), default=None, metavar="DURATION",
                     help="Timeout of one API request, as in kubectl (30, 30s, 1m; default: 30s or --timeout)."),
        click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_verbose, is_eager=True,
                     help="Show every API request (what, status, ms) on stderr."),
    ]):
        fn = option(fn)
    return fn


class _Group(click.Group):
    """Usage errors still honour ``--output json``: one JSON document on stdout, the message on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        try:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("vcdoctor: aborted", err=True)
            sys.exit(INTERRUPTED)
        except click.ClickException as exc:
            exc.show()
            if _wants_json(argv):
                from vcdoctor import report as reporting
                from vcdoctor.render import render

                click.echo(render(reporting.build([], error={"code": "usage", "message": exc.format_message()}),
                                  "json"))
            sys.exit(int(ExitCode.USAGE))


def _wants_json(argv) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1] == "json"
        if arg in ("-ojson", "--output=json"):
            return True
    return False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="vcdoctor")
def main():
    """Diagnose vCluster workloads scheduled by the NVIDIA KAI scheduler.

    Reads the host cluster (never writes), runs every check and reports pass, warn, fail,
    skip or error with the evidence seen and the remediation to paste.
    """


@main.command(epilog=EXIT_CODES)
@target_options
@click.option("--snapshot", type=click.Path(dir_okay=False),
              help="Replay a snapshot from `vcdoctor collect` instead of reading a cluster.")
@click.option("--all-contexts", is_flag=True, help="Run against every context of the kubeconfig.")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the table; auto = only on a terminal and when NO_COLOR is unset.")
@click.option("--fail-on", type=click.Choice(["fail", "warn", "never"]), default="fail", show_default=True,
              help="Which results make the exit code 1 (fail includes error).")
@click.option("-q", "--quiet", is_flag=True, help="Table output: print only the summary line.")
def run(snapshot, all_contexts, output, color, fail_on, quiet, **options):
    """Run the checks against the current cluster (or a snapshot, or several clusters)."""
    _no_cyclic_gc()
    contexts = list(options.pop("contexts"))
    progress = output == "table" and not quiet and _stderr_is_tty()
    try:
        if all_contexts:
            contexts = _all_contexts(options["kubeconfig"])
        if snapshot and contexts:
            raise Failure(ExitCode.USAGE, "usage", "--snapshot cannot be combined with --context/--all-contexts")
    except Failure as failure:
        _emit(_failure_report(failure), output, color, quiet)
        sys.exit(int(failure.exit_code))
    if len(contexts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        from vcdoctor import report as reporting

        with ThreadPoolExecutor(len(contexts)) as pool:
            outcomes = list(pool.map(lambda ctx: _run_one(None, dict(options, context=ctx), fail_on, False),
                                     contexts))
        report = reporting.fleet([r for r, _ in outcomes])
        code = _fleet_exit_code([c for _, c in outcomes])
    else:
        report, code = _run_one(snapshot, dict(options, context=contexts[0] if contexts else None), fail_on,
                                progress)
    _emit(report, output, color, quiet)
    sys.exit(int(code))


def _fleet_exit_code(codes) -> int:
    if all(c == ExitCode.CLUSTER for c in codes):
        return ExitCode.CLUSTER
    worst = max((c for c in codes if c != ExitCode.CLUSTER), default=ExitCode.OK)
    if worst == ExitCode.OK and ExitCode.CLUSTER in codes:
        return ExitCode.FINDINGS  # a cluster we could not look at is not a clean bill of health
    return worst


def _run_one(snapshot, options, fail_on, progress):
    """(report, exit code) for one cluster or snapshot; never raises for cluster problems."""
    started = time.monotonic()
    try:
        session = _open_snapshot(snapshot) if snapshot else _open_live(options, record=False)
        report, results = _diagnose(session, options, started, snapshot_target=bool(snapshot), progress=progress)
        return report, _exit_code(results, fail_on)
    except Failure as failure:
        report = _failure_report(failure)
        report["cluster"]["context"] = options.get("context")
        return report, failure.exit_code
    except Interrupted as stop:
        click.echo("vcdoctor: interrupted; the report below is partial", err=True)
        return stop.report, INTERRUPTED
    except KeyboardInterrupt:
        return _failure_report(Failure(ExitCode.USAGE, "interrupted", "interrupted before any check ran")), INTERRUPTED


def _all_contexts(kubeconfig):
    from vcdoctor.gateway.live import KubeconfigError, context_names

    try:
        names = context_names(kubeconfig)
    except KubeconfigError as exc:
        raise Failure(ExitCode.CLUSTER, "kubeconfig", str(exc)) from None
    if not names:
        raise Failure(ExitCode.CLUSTER, "kubeconfig", "the kubeconfig defines no contexts")
    return names


def _stderr_is_tty() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@main.command(epilog=EXIT_CODES)
@target_options
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Where to write the snapshot (.tar.gz).")
@click.option("--redact", is_flag=True,
              help="Replace namespace and pod names by consistent hashes throughout the snapshot.")
def collect(out_path, redact, **options):
    """Record everything the checks read into a snapshot for offline analysis.

    Secret data never enters it except the vCluster config keys the checks need; container env
    values, managed fields and last-applied annotations are dropped.
    """
    from vcdoctor import snapshot

    _no_cyclic_gc()
    started = time.monotonic()
    contexts = options.pop("contexts")
    if len(contexts) > 1:
        click.echo("vcdoctor: collect takes one --context (one snapshot per cluster)", err=True)
        sys.exit(int(ExitCode.USAGE))
    options["context"] = contexts[0] if contexts else None
    try:
        session = _open_live(options, record=True)
        if sys.stderr.isatty():
            click.echo(f"vcdoctor: collecting from {session.cluster['server']} ...", err=True)
        report, results = _diagnose(session, options, started, snapshot_target=False)
    except Failure as failure:
        click.echo(f"vcdoctor: {failure.message}", err=True)
        sys.exit(int(failure.exit_code))
    metadata = {
        "tool": report["tool"],
        "collected_at": report["generated_at"],
        "cluster": report["cluster"],
        # as resolved: a --pod without -n records the context namespace it was looked up in
        "target": {k: report["target"].get(k) for k in ("namespace", "pod", "vcluster", "vcluster_namespace",
                                                         "helm_release")},
        "checks": [r.id for r in results],
    }
    try:
        count = snapshot.write(out_path, metadata, session.recorder.records, report, redact=redact)
    except OSError as exc:
        click.echo(f"vcdoctor: cannot write {out_path}: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.USAGE))
    click.echo(f"vcdoctor: wrote {out_path} ({count} responses, {len(results)} checks); replay with: "
               f"vcdoctor run --snapshot {out_path}", err=True)


@main.command("checks")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_checks(output):
    """List the registered checks: id, severity, title and what each reads."""
    import json

    from vcdoctor import registry

    try:
        checks = registry.load_checks()
    except registry.RegistryError as exc:
        click.echo(f"vcdoctor: {exc}", err=True)
        sys.exit(int(ExitCode.USAGE))
    rows = [{"id": c.id, "severity": c.severity.value, "title": c.title, "reads": c.reads, "docs_url": c.docs_url}
            for c in checks]
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from tabulate import tabulate

    click.echo(tabulate([[r["id"], r["severity"], r["title"], r["reads"]] for r in rows],
                        headers=["ID", "SEVERITY", "TITLE", "READS"], maxcolwidths=[None, None, 30, 50]))


def _no_cyclic_gc() -> None:
    # A run builds one large, acyclic graph of decoded JSON (50k pods: millions of dicts) and exits.
    # The cyclic collector would re-scan it over and over: 15-25 % of the wall time, for nothing.
    import gc

    gc.disable()


# -- the pipeline ---------------------------------------------------------------------------------

def _open_live(options: dict, record: bool) -> Session:
    from vcdoctor.gateway import Gateway
    from vcdoctor.gateway.live import KubeconfigError, connect

    try:
        transport, identity = connect(options["kubeconfig"], options["context"],
                                      options.get("request_timeout") or min(REQUEST_TIMEOUT, options["timeout"]))
    except KubeconfigError as exc:
        raise Failure(ExitCode.CLUSTER, "kubeconfig", str(exc)) from None
    recorder = None
    if record:
        from vcdoctor.snapshot import RecordingTransport

        transport = recorder = RecordingTransport(transport)
    gateway = Gateway(transport)
    cluster = {"context": identity.context, "server": identity.server, "kubernetes_version": None}
    return Session(gateway, cluster, identity.namespace, recorder)


def _open_snapshot(path: str) -> Session:
    from vcdoctor import snapshot
    from vcdoctor.gateway import Gateway

    try:
        meta, records, _ = snapshot.read(path)
    except snapshot.SnapshotError as exc:
        raise Failure(ExitCode.USAGE, "usage", str(exc)) from None
    cluster = dict(meta.get("cluster") or {})
    cluster.setdefault("kubernetes_version", None)
    return Session(Gateway(snapshot.ReplayTransport(records)),
                   {k: cluster.get(k) for k in ("context", "server", "kubernetes_version")},
                   (meta.get("target") or {}).get("namespace") or "default", snapshot_meta=meta)


def _diagnose(session: Session, options: dict, started: float, snapshot_target: bool, progress: bool = False):
    from vcdoctor import registry, runner
    from vcdoctor.background import in_background
    from vcdoctor import report as reporting
    from vcdoctor.gateway import GatewayError, NotInSnapshot, Unauthorized, Unreachable
    from vcdoctor.preflight import HELM_RELEASES, REQUIRED, run_preflight
    from vcdoctor.progress import Progress
    from vcdoctor.scope import UsageError, resolve
    from vcdoctor.view import ClusterView

    try:
        checks = registry.select_checks(registry.load_checks(), options["only"], options["skipped"])
    except registry.RegistryError as exc:
        raise Failure(ExitCode.USAGE, "usage", str(exc)) from None
    target = _target(session, options, snapshot_target)
    gateway = session.gateway
    try:
        version = gateway.version().get("gitVersion")
        session.cluster["kubernetes_version"] = version or session.cluster.get("kubernetes_version")
    except (Unreachable, Unauthorized) as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind,
                      f"cannot reach the cluster at {session.cluster['server']}: {exc.reason}") from None
    except GatewayError:
        pass  # /version is informational; checks report their own access problems
    view = ClusterView(gateway)
    view.warm_up()
    # the pre-flight runs beside the checks: it explains missing access, it does not gate anything
    preflight = in_background(run_preflight, gateway, REQUIRED + ((HELM_RELEASES,) if target.helm_release else ()),
                              name="preflight")
    try:
        scope = resolve(view, target)
    except UsageError as exc:
        raise Failure(ExitCode.USAGE, "not-found", str(exc)) from None
    except (Unreachable, Unauthorized) as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind, exc.describe()) from None
    except NotInSnapshot as exc:
        raise Failure(ExitCode.USAGE, "usage", f"the snapshot cannot answer this target: {exc.describe()}") from None
    except GatewayError as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind, f"cannot resolve the target: {exc.describe()}") from None
    remaining = max(1.0, options["timeout"] - (time.monotonic() - started))
    try:
        with Progress(len(checks), progress) as shown:
            results = runner.run_checks(checks, view, scope, remaining, on_done=shown.done)
    except runner.Interrupted as stop:
        raise Interrupted(reporting.build(stop.results, session.cluster, scope.to_dict(),
                                          permissions=gateway.permissions_used())) from None
    report = reporting.build(results, session.cluster, scope.to_dict(), permissions=gateway.permissions_used())
    report["preflight"] = _announce(preflight.result()).to_dict()
    meta = session.snapshot_meta
    if meta is not None:
        report["snapshot"] = {"collected_at": meta.get("collected_at"),
                              "tool_version": (meta.get("tool") or {}).get("version")}
    return report, results


def _announce(preflight):
    for permission in preflight.missing:
        click.echo(f"vcdoctor: missing permission: {permission.display} (cluster-wide), needed by "
                   f"{', '.join(permission.needed_by)}", err=True)
    return preflight


def _target(session: Session, options: dict, snapshot_target: bool):
    from vcdoctor.config_schema import UnusableSchema, load_schema_file
    from vcdoctor.scope import Target

    asked = {k: options.get(k) for k in ("namespace", "pod", "vcluster", "vcluster_namespace")}
    if options.get("all_namespaces") and not asked["pod"]:
        asked["namespace"] = None
    meta = session.snapshot_meta
    recorded = (meta or {}).get("target") or {}
    if snapshot_target and meta is not None and not any(asked.values()):
        asked = {k: recorded.get(k) for k in asked}  # replay what was collected
    if asked["pod"] and not asked["namespace"]:
        asked["namespace"] = session.default_namespace
    helm_release = bool(options.get("helm_release") or (meta is not None and recorded.get("helm_release")))
    schema = None
    if options.get("vcluster_schema"):
        try:
            schema = load_schema_file(options["vcluster_schema"])
        except UnusableSchema as exc:
            raise Failure(ExitCode.USAGE, "usage", f"--vcluster-schema: {exc}") from None
    return Target(**asked, helm_release=helm_release, config_schema=schema)


def _exit_code(results, fail_on: str) -> ExitCode:
    from vcdoctor.model import Status

    failing = {"fail": (Status.FAIL, Status.ERROR), "warn": (Status.FAIL, Status.ERROR, Status.WARN),
               "never": ()}[fail_on]
    return ExitCode.FINDINGS if any(r.status in failing for r in results) else ExitCode.OK


def _failure_report(failure: Failure) -> dict:
    from vcdoctor import report as reporting

    click.echo(f"vcdoctor: {failure.message}", err=True)
    return reporting.build([], error={"code": failure.code, "message": failure.message})


def _emit(report: dict, output: str, color: str, quiet: bool = False) -> None:
    from vcdoctor.render import render

    if output == "table" and report.get("error"):
        return  # the one-line message is on stderr already
    if output == "table" and quiet:
        from vcdoctor.render.table import summary_line

        click.echo(summary_line(report))
        return
    colour = output == "table" and _use_colour(color)
    # click strips ANSI codes off non-terminals unless told the colour is wanted
    click.echo(render(report, output, colour), color=colour)


def _use_colour(choice: str, stream=None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
