"""The ``vcdoctor`` command line: flags -> options, the pipeline, rendering, the exit code.

Only click is imported at start-up: ``vcdoctor --help`` must not pay for the kubernetes client.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional

import click

from vcdoctor import __version__
from vcdoctor.model import ExitCode

EXIT_CODES = """\b
Exit codes:
  0  no check failed (see --fail-on)
  1  at least one check ended fail or error (see --fail-on)
  2  usage error (bad flag, unknown --vcluster, pod not found, unreadable snapshot)
  3  kubeconfig missing/invalid, cluster unreachable or credentials refused
  130  interrupted (Ctrl-C); the report holds what finished"""

OUTPUTS = ["table", "json", "yaml", "markdown", "junit", "sarif"]
API_LOG = "vcdoctor.api"


def _verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    import logging

    api = logging.getLogger(API_LOG)
    if value and not any(getattr(h, "vcdoctor", False) for h in api.handlers):  # once per process
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("vcdoctor: %(relativeCreated)6.0f ms  %(message)s"))
        handler.vcdoctor = True  # type: ignore[attr-defined]
        api.addHandler(handler)
        api.setLevel(logging.INFO)
    return value


class _Duration(click.ParamType):
    """kubectl's --request-timeout: a number of seconds, optionally with s/m/h."""

    name = "duration"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        factor = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
        try:
            seconds = float(text[:-1] if factor else text) * (factor or 1)
        except ValueError:
            self.fail(f"{value!r} is not a duration like 30, 30s or 1m", param, ctx)
        if seconds <= 0:
            self.fail("must be positive", param, ctx)
        return seconds


TARGET_OPTIONS = [
    click.option("--kubeconfig", type=click.Path(dir_okay=False),
                 help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster config)."),
    click.option("--context", "contexts", multiple=True,
                 help="Kubeconfig context (default: the current one). `run` takes it repeatedly: one report with "
                      "a section per cluster."),
    click.option("--host-context", metavar="NAME",
                 help="When --context is a vCluster: the host cluster's context (same kubeconfig). Both sides are "
                      "examined in one run; -n/--pod stay the tenant's names. Default: the host context a "
                      "`vcluster connect` context name holds, if the kubeconfig has it and it answers."),
    click.option("-n", "--namespace", help="Namespace of --pod (default: the context's namespace); without --pod, "
                                           "only pods of this virtual or host namespace are examined."),
    click.option("-A", "--all-namespaces", is_flag=True, help="Examine pods of every namespace (the default)."),
    click.option("--pod", help="Examine one pod: a host pod, or a virtual pod's name inside a vCluster."),
    click.option("--vcluster", help="Only this vCluster (release name)."),
    click.option("--vcluster-namespace", help="Host namespace of --vcluster."),
    click.option("--vcluster-schema", type=click.Path(dir_okay=False), metavar="FILE",
                 help="Validate each vCluster's config against this values.schema.json (the one of your chart "
                      "version: raw.githubusercontent.com/loft-sh/vcluster/v<version>/chart/values.schema.json)."),
    click.option("--read-helm-release", "helm_release", is_flag=True,
                 help="Take the config schema from each vCluster's Helm release: lists the names of its release "
                      "Secrets (metadata only) and reads the current one; needs list on secrets there."),
    click.option("--check", "only", multiple=True, metavar="ID[,ID]", help="Run only these checks (repeatable)."),
    click.option("--skip-check", "skipped", multiple=True, metavar="ID[,ID]", help="Leave these checks out."),
    click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
                 help="Deadline in seconds for the whole run: every request, check and access review."),
    click.option("--request-timeout", type=_Duration(), default=None, metavar="DURATION",
                 help="Timeout of one API request, as in kubectl (30, 30s, 1m; default: 30s or --timeout)."),
    click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_verbose, is_eager=True,
                 help="Show every API request (what, status, ms) on stderr."),
]


def target_options(fn: Any) -> Any:
    for option in reversed(TARGET_OPTIONS):
        fn = option(fn)
    return fn


class _Group(click.Group):
    """Usage errors still honour ``--output json``: one JSON document on stdout, the message on stderr."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,  # type: ignore[override]
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("vcdoctor: aborted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except click.ClickException as exc:
            exc.show()
            if _wants_json(argv):
                from vcdoctor import report as reporting
                from vcdoctor.render import render

                click.echo(render(reporting.build([], error={"code": "usage", "message": exc.format_message()}),
                                  "json"))
            sys.exit(int(ExitCode.USAGE))


def _wants_json(argv: List[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1] == "json"
        if arg in ("-ojson", "--output=json"):
            return True
    return False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="vcdoctor")
def main() -> None:
    """Diagnose vCluster workloads scheduled by the NVIDIA KAI scheduler.

    Reads the host cluster (never writes), runs every check and reports pass, warn, fail,
    skip or error with the evidence seen and the remediation to paste.
    """


def console() -> None:
    """The console entry point. A run builds one large, acyclic graph of decoded JSON (50k pods: millions of
    dicts) and exits; the cyclic collector would re-scan it over and over for 15-25 % of the wall time.
    Switched off here only, so that library users and tests keep their collector."""
    import gc

    gc.disable()
    main()


def _options(**flags: Any) -> "Any":
    from vcdoctor.pipeline import Options

    contexts = list(flags.pop("contexts", ()) or ())
    flags["context"] = contexts[0] if contexts else None
    flags["only"], flags["skipped"] = tuple(flags.get("only") or ()), tuple(flags.get("skipped") or ())
    return Options(**flags)


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
def run(snapshot: Optional[str], all_contexts: bool, output: str, color: str, fail_on: str, quiet: bool,
        **flags: Any) -> None:
    """Run the checks against the current cluster (or a snapshot, or several clusters)."""
    from vcdoctor import runs

    contexts = list(flags["contexts"])
    try:
        if all_contexts:
            contexts = runs.all_contexts(flags["kubeconfig"])
        if snapshot and contexts:
            runs.refuse("--snapshot cannot be combined with --context/--all-contexts")
    except runs.Failure as failure:
        _emit(runs.failure_report(failure), output, color, quiet)
        sys.exit(int(failure.exit_code))
    progress = output == "table" and not quiet and runs.stderr_is_tty()
    if len(contexts) > 1:
        report, code = runs.run_many([_options(**dict(flags, contexts=[c])) for c in contexts], fail_on)
    else:
        report, code = runs.run_one(_options(**dict(flags, contexts=contexts), snapshot=snapshot), fail_on,
                                     progress)
    _emit(report, output, color, quiet)
    sys.exit(int(code))


@main.command(epilog=EXIT_CODES)
@target_options
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Where to write the snapshot (.tar.gz).")
@click.option("--redact", is_flag=True,
              help="Replace namespace and pod names by consistent hashes throughout the snapshot.")
def collect(out_path: str, redact: bool, **flags: Any) -> None:
    """Record what the selected checks read into a snapshot for offline analysis.

    Secret data never enters it except the vCluster config keys the checks need; container env
    values, managed fields and last-applied annotations are dropped.
    """
    from vcdoctor import runs

    if len(flags["contexts"]) > 1:
        click.echo("vcdoctor: collect takes one --context (one snapshot per cluster)", err=True)
        sys.exit(int(ExitCode.USAGE))
    try:
        message = runs.collect(_options(**flags, record=True), out_path, redact)
    except runs.Failure as failure:
        click.echo(f"vcdoctor: {failure.message}", err=True)
        sys.exit(int(failure.exit_code))
    click.echo(message, err=True)


@main.command("checks")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_checks(output: str) -> None:
    """List the registered checks: id, severity, title and what each reads (derived from the facts it names)."""
    import json

    from vcdoctor import registry
    from vcdoctor.engine.plan import reads_of

    try:
        facts = registry.load_facts()
        checks = registry.load_checks(facts=facts)
    except registry.RegistryError as exc:
        click.echo(f"vcdoctor: {exc}", err=True)
        sys.exit(int(ExitCode.USAGE))
    rows: List[Dict[str, Any]] = [
        {"id": c.id, "severity": c.severity.value, "title": c.title, "facts": list(c.needs),
         "reads": [read.describe() for read in reads_of(c, facts)], "docs_url": c.docs_url} for c in checks]
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from tabulate import tabulate

    click.echo(tabulate([[r["id"], r["severity"], r["title"], "; ".join(r["reads"])] for r in rows],
                        headers=["ID", "SEVERITY", "TITLE", "READS"], maxcolwidths=[None, None, 30, 60]))


def _emit(report: Dict[str, Any], output: str, color: str, quiet: bool = False) -> None:
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


def _use_colour(choice: str, stream: Any = None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
