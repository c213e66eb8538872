"""The ``vcdoctor`` command line: flags -> options, the pipeline, rendering, the exit code.

Only click is imported at start-up: ``vcdoctor --help`` must not pay for the kubernetes client.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Tuple

import click

from vcdoctor import __version__
from vcdoctor.cli_options import (
    COLLECT_EXIT_CODES,
    EXIT_CODES,
    EnumChoice,
    JsonAwareGroup,
    complete_checks,
    finding_options,
    pod_flags,
    report_targets,
    say,
    signals,
    target_options,
    troubleshoot_spec_option,
    use_colour,
)
from vcdoctor.model import ExitCode, FailOn
from vcdoctor.render import OutputFormat

#: one text for `vcdoctor version` and `vcdoctor --version`
VERSION_TEXT = f"vcdoctor %(version)s (Python {sys.version.split()[0]})"

@click.group(cls=JsonAwareGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="vcdoctor", message=VERSION_TEXT)
def main() -> None:
    """Diagnose vCluster workloads scheduled by the NVIDIA KAI scheduler.

    Reads the host cluster (never writes), runs every check and reports pass, warn, fail,
    skip or error with the evidence seen and the remediation to paste.
    """


def console() -> None:
    """The console entry point. A run builds one large, acyclic graph of decoded JSON (50k pods: millions of
    dicts) and exits: the cyclic collector would re-scan it over and over (15-25 % of the wall time), and freeing
    it object by object at interpreter exit costs as much again. Both are skipped here only, so that library
    users and tests keep their collector and a normal shutdown."""
    import gc
    import os

    gc.disable()
    signals()
    try:
        main()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _options(**flags: Any) -> Any:
    from vcdoctor.pipeline import Options

    contexts = list(flags.pop("contexts", ()) or ())
    flags["context"] = contexts[0] if contexts else None
    pod_flags(flags)
    for name in ("only", "skipped", "as_groups"):
        flags[name] = tuple(flags.get(name) or ())
    return Options(**flags)


@main.command(epilog=EXIT_CODES)
@target_options
@finding_options
@click.option("--snapshot", type=click.Path(dir_okay=False),
              help="Replay a snapshot from `vcdoctor collect` instead of reading a cluster.")
@click.option("--all-contexts", is_flag=True, help="Run against every context of the kubeconfig.")
@click.option("-o", "--output", type=EnumChoice(OutputFormat), default="table", show_default=True)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the table; auto = only on a terminal and when NO_COLOR is unset.")
@click.option("--fail-on", type=EnumChoice(FailOn), default="fail", show_default=True,
              help="Which results make the exit code 1 (fail includes error); JUnit marks them as failures.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH", callback=report_targets,
              help="Also write the report in FORMAT to PATH, from the same run (repeatable), e.g. junit=vcdoctor.xml.")
@click.option("-q", "--quiet", is_flag=True, help="Table output: print only the summary line.")
def run(snapshot: Optional[str], all_contexts: bool, output: OutputFormat, color: str, fail_on: FailOn,
        reports: List[Tuple[OutputFormat, str]], quiet: bool, **flags: Any) -> None:
    """Run the checks against the current cluster (or a snapshot, or several clusters)."""
    from vcdoctor import runs

    contexts = list(flags["contexts"])
    try:
        if all_contexts:
            contexts = runs.all_contexts(flags["kubeconfig"])
        if snapshot and contexts:
            runs.refuse("--snapshot cannot be combined with --context/--all-contexts")
    except runs.Failure as failure:
        _emit(runs.failure_report(failure), output, color, fail_on, quiet)
        sys.exit(int(failure.exit_code))
    progress = output is OutputFormat.TABLE and not quiet and runs.stderr_is_tty()
    if len(contexts) > 1:
        report, code = runs.run_many([_options(**dict(flags, contexts=[c])) for c in contexts], fail_on)
    else:
        report, code = runs.run_one(_options(**dict(flags, contexts=contexts), snapshot=snapshot), fail_on,
                                     progress)
    _emit(report, output, color, fail_on, quiet)
    for fmt, path in reports:
        from vcdoctor.private_files import write_private
        from vcdoctor.render import render

        try:  # 0600 and whole, as snapshots: a report names the cluster's pods; "-" is stdout
            text = render(report, fmt, False, fail_on=fail_on) + "\n"
            if path == "-":
                click.echo(text, nl=False)
            else:
                write_private(path, text.encode())
        except OSError as exc:  # the run's own report is out; a CI job must still see this as a usage error
            say(f"--report {fmt}={path}: {exc.strerror or exc}")
            sys.exit(int(ExitCode.USAGE))
    sys.exit(int(code))


@main.command(epilog=COLLECT_EXIT_CODES)
@target_options
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Where to write the snapshot (default vcdoctor-<context>-<UTC time>.tar.gz here).")
@click.option("--redact/--no-redact", default=True, show_default=True,
              help="Replace namespace and pod names by consistent hashes throughout the snapshot.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@troubleshoot_spec_option
def collect(out_path: Optional[str], redact: bool, force: bool, **flags: Any) -> None:
    """Record what the selected checks read into a snapshot for offline analysis.

    Secret data never enters it except the vCluster config keys the checks need; container env
    values, managed fields and last-applied annotations are dropped.
    """
    import os

    from vcdoctor import runs

    if len(flags["contexts"]) > 1 or (out_path and os.path.exists(out_path) and not force):
        say(f"{out_path} exists; pass --force to overwrite it" if len(flags["contexts"]) < 2
                 else "collect takes one --context (one snapshot per cluster)")
        sys.exit(int(ExitCode.USAGE))
    try:
        message = runs.collect(_options(**flags, record=True), out_path, redact)
    except runs.Failure as failure:
        say(failure.message)
        sys.exit(int(failure.exit_code))
    except (KeyboardInterrupt, runs.RunInterrupted):
        say("interrupted; no snapshot written")
        sys.exit(int(ExitCode.INTERRUPTED))
    say(message)


@main.command("checks")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--wide", is_flag=True, help="Also what each check reads (the API requests its facts may make).")
def list_checks(output: str, wide: bool) -> None:
    """List the registered checks: id, severity, title and what each reads (derived from the facts it names)."""
    from vcdoctor import registry
    from vcdoctor.explain import check_list

    try:
        click.echo(check_list(output, wide))
    except registry.RegistryError as exc:
        say(str(exc))
        sys.exit(int(ExitCode.USAGE))


@main.command()
@click.argument("check_id", metavar="ID|CODE", shell_complete=complete_checks)
@click.option("--markdown", is_flag=True, help="The section of docs/checks.md as markdown, for a ticket or a wiki.")
def explain(check_id: str, markdown: bool) -> None:
    """What a check verifies and reads, every verdict it gives and its remediation; or what a finding code (e.g.
    VCD310) means and how to accept it (offline)."""
    from vcdoctor.explain import explain_word

    try:
        click.echo(explain_word(check_id, markdown), nl=False)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("old", type=click.File("r"))
@click.argument("new", type=click.File("r"))
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--force", is_flag=True, help="Compare reports of different clusters or scopes anyway.")
def diff(old: Any, new: Any, output: str, force: bool) -> None:
    """What changed between two JSON reports of one cluster and scope; exit 1 when something got worse."""
    from vcdoctor.report_diff import read_pair, render_diff

    try:
        changes = read_pair(old, new, force)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(render_diff(changes, output))
    sys.exit(int(ExitCode.FINDINGS if changes.worse else ExitCode.OK))


@main.command(help="Print the remedy of a saved JSON report (a live run's or a snapshot replay's), verbatim.")
@click.argument("report", type=click.File("r"))
@click.option("--steps", metavar="IDS", help="Only these steps, comma-separated (e.g. 1,3), in that order.")
@click.option("--context", metavar="NAME", help="Of a fleet report (several --context runs), this context's remedy.")
def remedy(report: Any, steps: Optional[str], context: Optional[str]) -> None:
    try:
        from vcdoctor.remedy.plan import saved  # lazy, as every command: --help must stay fast
        click.echo(saved(report.read(), steps, context), nl=False)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command(help="Print the minimal read-only RBAC vcdoctor needs: vcdoctor rbac | kubectl apply -f -")
def rbac() -> None:
    from vcdoctor.explain import shipped
    click.echo(shipped("rbac.yaml"), nl=False)


@main.command(help="Print the version of vcdoctor (and of Python).")
def version() -> None:
    click.echo(VERSION_TEXT % {"version": __version__})


def _emit(report: Dict[str, Any], output: OutputFormat, color: str, fail_on: FailOn, quiet: bool = False) -> None:
    from vcdoctor.render import render

    if output is OutputFormat.TABLE and report.get("error"):
        return  # the one-line message is on stderr already
    if output is OutputFormat.TABLE and quiet:
        from vcdoctor.render.table import summary_line
        click.echo(summary_line(report))
        return
    colour = output is OutputFormat.TABLE and use_colour(color)
    # click strips ANSI codes off non-terminals unless told the colour is wanted
    click.echo(render(report, output, colour, fail_on=fail_on), color=colour)
