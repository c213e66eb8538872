"""The ``vcdoctor`` command line (also installed as the kubectl plugin ``kubectl-vcdoctor``)."""

from __future__ import annotations

import os
import sys
import time
import click

from vcdoctor import __version__
from vcdoctor.model import ExitCode

EXIT_CODES = """\b
Exit codes:
  0  no check failed
  1  at least one check ended fail or error
  2  usage error (bad flag, unknown --vcluster, pod not found)
  3  kubeconfig missing/invalid, cluster unreachable or credentials refused"""

#: Per-request timeout ceiling; the global --timeout bounds the whole run.
REQUEST_TIMEOUT = 30.0


class Failure(Exception):
    """A run that cannot produce check results; carries the exit code and error code."""

    def __init__(self, exit_code: ExitCode, code: str, message: str):
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code
        self.message = message


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="vcdoctor")
def main():
    """Diagnose vCluster workloads scheduled by the NVIDIA KAI scheduler.

    Reads the host cluster (never writes), runs every check and reports pass, warn, fail,
    skip or error with the evidence seen and the remediation to paste.
    """


@main.command(epilog=EXIT_CODES)
@click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
@click.option("--context", help="Kubeconfig context (default: the current context).")
@click.option("-n", "--namespace", help="Namespace of --pod (default: the context's namespace).")
@click.option("--pod", help="Examine one pod: a host pod, or a virtual pod name inside a vCluster.")
@click.option("--vcluster", help="Only this vCluster (release name).")
@click.option("--vcluster-namespace", help="Host namespace of --vcluster.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the table; auto = only on a terminal and when NO_COLOR is unset.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Deadline in seconds for the whole run.")
@click.option("--check", "only", multiple=True, metavar="ID", help="Run only this check (repeatable).")
def run(kubeconfig, context, namespace, pod, vcluster, vcluster_namespace, output, color, timeout, only):
    """Run the checks against the current cluster."""
    started = time.monotonic()
    try:
        report, code = _run(kubeconfig, context, namespace, pod, vcluster, vcluster_namespace, timeout, only, started)
    except Failure as failure:
        from vcdoctor import report as reporting

        report = reporting.build([], error={"code": failure.code, "message": failure.message})
        code = failure.exit_code
        click.echo(f"vcdoctor: {failure.message}", err=True)
    except KeyboardInterrupt:
        click.echo("vcdoctor: interrupted", err=True)
        sys.exit(130)
    _emit(report, output, color)
    sys.exit(int(code))


def _run(kubeconfig, context, namespace, pod, vcluster, vcluster_namespace, timeout, only, started):
    from vcdoctor import report as reporting
    from vcdoctor import registry, runner
    from vcdoctor.gateway import Forbidden, Gateway, GatewayError, Unauthorized, Unreachable
    from vcdoctor.gateway.live import KubeconfigError, connect
    from vcdoctor.scope import Target, UsageError, resolve
    from vcdoctor.view import ClusterView

    try:
        checks = registry.select_checks(registry.load_checks(), only)
    except registry.RegistryError as exc:
        raise Failure(ExitCode.USAGE, "usage", str(exc)) from None
    try:
        transport, identity = connect(kubeconfig, context, min(REQUEST_TIMEOUT, timeout))
    except KubeconfigError as exc:
        raise Failure(ExitCode.CLUSTER, "kubeconfig", str(exc)) from None
    gateway = Gateway(transport)
    view = ClusterView(gateway)
    cluster = {"context": identity.context, "server": identity.server, "kubernetes_version": None}
    try:
        cluster["kubernetes_version"] = gateway.version().get("gitVersion")
    except (Unreachable, Unauthorized) as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind, f"cannot reach the cluster at {identity.server}: {exc.reason}") from None
    except (Forbidden, GatewayError):
        pass  # /version is informational; the checks report their own access
    target = Target(namespace or (identity.namespace if pod else None), pod, vcluster, vcluster_namespace)
    try:
        scope = resolve(view, target)
    except UsageError as exc:
        raise Failure(ExitCode.USAGE, "not-found", str(exc)) from None
    except (Unreachable, Unauthorized) as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind, exc.describe()) from None
    except GatewayError as exc:
        raise Failure(ExitCode.CLUSTER, exc.kind, f"cannot resolve the target: {exc.describe()}") from None
    remaining = max(1.0, timeout - (time.monotonic() - started))
    results = runner.run_checks(checks, view, scope, remaining)
    report = reporting.build(results, cluster, scope.to_dict())
    return report, reporting.exit_code(results)


def _emit(report: dict, output: str, color: str) -> None:
    if output == "json":
        from vcdoctor.render import json_output

        click.echo(json_output.render(report))
        return
    if report.get("error"):
        return  # the one-line message is on stderr already; stdout stays empty for tables
    from vcdoctor.render import table

    colour = _use_colour(color)
    # click strips ANSI codes off non-terminals unless told the colour is wanted
    click.echo(table.render(report, colour=colour), color=colour)


def _use_colour(choice: str, stream=None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
