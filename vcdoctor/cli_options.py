"""The click options, parameter types and completions the vcdoctor commands share."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, List, NoReturn, Optional, Tuple

import click
from click.shell_completion import CompletionItem

from vcdoctor.model import ErrorCode, ExitCode
from vcdoctor.render import FORMATS, OutputFormat

EXIT_CODES = """\b
Exit codes:
  0  no check failed (see --fail-on)
  1  at least one check ended fail or error (see --fail-on)
  2  usage error (bad flag, unknown --vcluster, pod not found, unreadable snapshot)
  3  kubeconfig missing/invalid, cluster unreachable, credentials or an answer refused
  4  internal error: vcdoctor crashed (a bug; -v shows the traceback)
  130  interrupted (Ctrl-C, SIGTERM); the report holds what finished"""
COLLECT_EXIT_CODES = """\b
Exit codes:
  0  the snapshot is written (whatever the checks found)
  2  usage error (the file exists, the cluster is too big for one snapshot, several contexts)
  3  kubeconfig missing/invalid, cluster unreachable, credentials or an answer refused
  4  internal error: vcdoctor crashed (a bug; -v shows the traceback)
  130  interrupted (Ctrl-C, SIGTERM); nothing is written"""
API_LOG = "vcdoctor.api"


def report_targets(ctx: click.Context, param: click.Parameter,
                   values: Tuple[str, ...]) -> List[Tuple[OutputFormat, str]]:
    """--report FORMAT=PATH, checked before the cluster is read: a format vcdoctor has, a path it can write (or
    "-" for stdout), each path once."""
    found: List[Tuple[OutputFormat, str]] = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or fmt not in FORMATS or not path:
            raise click.BadParameter(f"{value!r}: expected FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}")
        if path != "-" and any(path == p for _, p in found):
            raise click.BadParameter(f"{path} is given twice: each report needs a file of its own")
        directory = os.path.dirname(os.path.abspath(path))
        if path != "-" and (os.path.isdir(path) or not os.path.isdir(directory) or not os.access(directory, os.W_OK)):
            why = "is a directory" if os.path.isdir(path) else f"cannot be written (directory {directory})"
            raise click.BadParameter(f"{value!r}: {path} {why}")
        found.append((OutputFormat(fmt), path))
    return found


def pod_flags(flags: dict) -> None:
    """--pod NS/NAME as kubectl takes a namespaced name; --pod and -l exclude each other."""
    namespace, slash, pod = (flags.get("pod") or "").partition("/")
    if slash:
        if flags.get("namespace") not in (None, namespace) or not (namespace and pod):
            raise click.UsageError(f"--pod {flags['pod']} names another namespace than -n {flags['namespace']}"
                                   if namespace and pod else f"--pod {flags['pod']} is not NAME or NAMESPACE/NAME")
        flags["namespace"], flags["pod"] = namespace, pod
    if flags.get("pod") and flags.get("selector"):
        raise click.UsageError("--pod names one pod and -l selects pods: give one of them")


def signals() -> None:
    """`vcdoctor run | head` ends quietly on SIGPIPE, as other Unix tools do; SIGTERM (a CronJob's deadline,
    `kill`) stops a run as Ctrl-C does: the partial report, temporary files removed, exit 130."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, interrupt)


def say(message: str) -> None:
    """One line to stderr, inert whatever the message holds (a server's error text, a snapshot's names)."""
    from vcdoctor.render.inert import shown

    print(f"vcdoctor: {shown(message)}", file=sys.stderr)


class _CurrentStderr(logging.StreamHandler):
    """A handler writing to whatever sys.stderr is when a line is logged (added once per process, it must not keep
    the stream of the first run: click's test runner, or a redirected one)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class InertFormatter(logging.Formatter):
    """-v lines name pods and carry servers' words: each is one inert line."""

    def format(self, record: logging.LogRecord) -> str:
        from vcdoctor.render.inert import shown

        return shown(super().format(record))


def verbose(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> bool:
    """-v, or kubectl's -v=N / -vN / --v=N: any level shows every API request (kubectl shows them from 6)."""
    import logging

    level = (value or "").lstrip("=")
    if value is not None and not (level.isdigit() and int(level) >= 0):
        raise click.BadParameter(f"{value!r}: expected -v, or a level as in kubectl (-v=6)", ctx, param)
    on = value is not None and int(level) > 0
    api = logging.getLogger(API_LOG)
    if on and not any(getattr(h, "vcdoctor", False) for h in api.handlers):  # once per process
        handler = _CurrentStderr()
        handler.setLevel(logging.INFO)  # answers only: the progress line takes the DEBUG "reading" lines
        handler.setFormatter(InertFormatter("vcdoctor: %(relativeCreated)6.0f ms  %(message)s"))
        handler.vcdoctor = True  # type: ignore[attr-defined]
        api.addHandler(handler)
    api.setLevel(logging.INFO if on else logging.WARNING)  # each run says again, also in one process
    return on


def not_a_flag(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """`--pod -q` must not examine a pod named "-q": a value that looks like a flag is a usage error."""
    for item in value if isinstance(value, tuple) else (value,):
        if isinstance(item, str) and item.startswith("-"):
            raise click.BadParameter(f"{item!r} looks like a flag; give a value first", ctx, param)
    return value


def a_selector(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    """-l is read now, so a typo is a usage error before any request."""
    from vcdoctor.label_selector import SelectorError, parse

    if value is None:
        return None
    try:
        parse(not_a_flag(ctx, param, value))
    except SelectorError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    return value


class EnumChoice(click.Choice):
    """A choice among an Enum's values that hands the command the member (click before 8.2 takes strings only)."""

    def __init__(self, choices: Any) -> None:
        super().__init__([member.value for member in choices])
        self.enum = choices

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> Any:
        return self.enum(super().convert(getattr(value, "value", value), param, ctx))


class Duration(click.ParamType):
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


def complete_checks(ctx: click.Context, param: click.Parameter, incomplete: str) -> List[CompletionItem]:
    from vcdoctor import registry

    try:
        checks = registry.load_checks()
    except registry.RegistryError:
        return []
    return [CompletionItem(c.id, help=c.title) for c in checks if c.id.startswith(incomplete.rpartition(",")[2])]


def complete_contexts(ctx: click.Context, param: click.Parameter, incomplete: str) -> List[CompletionItem]:
    from vcdoctor.gateway.live import KubeconfigError, context_names

    try:
        names = context_names(ctx.params.get("kubeconfig"))
    except KubeconfigError:
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


TARGET_OPTIONS = [
    click.option("--kubeconfig", type=click.Path(dir_okay=False),
                 help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster config)."),
    click.option("--context", "contexts", multiple=True, callback=not_a_flag, shell_complete=complete_contexts,
                 help="Kubeconfig context (default: the current one)."),
    click.option("--host-context", metavar="NAME", callback=not_a_flag, shell_complete=complete_contexts,
                 help="When --context is a vCluster: the host cluster's context (same kubeconfig). Both sides are "
                      "examined in one run; -n/--pod stay the tenant's names. Default: the host context a "
                      "`vcluster connect` context name holds, if the kubeconfig has it and it answers."),
    click.option("--as", "as_user", callback=not_a_flag, metavar="USER",
                 help="Act as this user (impersonation, as kubectl --as): try `vcdoctor rbac` before you deploy it."),
    click.option("--as-group", "as_groups", multiple=True, callback=not_a_flag, metavar="GROUP",
                 help="Act as a member of this group (repeatable; with --as)."),
    click.option("-n", "--namespace", callback=not_a_flag,
                 help="Namespace of --pod (default: the context's namespace); without --pod, only pods of this "
                      "virtual or host namespace are examined."),
    click.option("-A", "--all-namespaces", is_flag=True, help="Examine pods of every namespace (the default)."),
    click.option("--pod", callback=not_a_flag,
                 help="Examine one pod: a host pod, or a virtual pod's name inside a vCluster."),
    click.option("-l", "--selector", callback=a_selector, metavar="SELECTOR",
                 help="Examine only the pods whose labels match (kubectl syntax: app=x,tier!=db,env in (a,b),!old), "
                      "a virtual pod by its labels inside the vCluster. Not with --pod."),
    click.option("--vcluster", callback=not_a_flag, help="Only this vCluster (release name)."),
    click.option("--vcluster-namespace", callback=not_a_flag, help="Host namespace of --vcluster."),
    click.option("--vcluster-schema", type=click.Path(dir_okay=False), metavar="FILE",
                 help="Validate each vCluster's config against this values.schema.json (the one of your chart "
                      "version: raw.githubusercontent.com/loft-sh/vcluster/v<version>/chart/values.schema.json)."),
    click.option("--read-helm-release", "helm_release", is_flag=True,
                 help="Take the config schema from each vCluster's Helm release: lists the names of its release "
                      "Secrets (metadata only) and reads the current one; needs list on secrets there."),
    click.option("--check", "only", multiple=True, metavar="ID[,ID]", shell_complete=complete_checks,
                 help="Run only these checks (repeatable, or comma-separated)."),
    click.option("--skip-check", "skipped", multiple=True, metavar="ID[,ID]", shell_complete=complete_checks,
                 help="Leave these checks out."),
    click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
                 help="Deadline in seconds for the whole run: every request, check and access review."),
    click.option("--request-timeout", type=Duration(), default=None, metavar="DURATION",
                 help="Timeout of one API request, as in kubectl (30, 30s, 1m; default: 30s or --timeout)."),
    click.option("-v", "--verbose", "--v", is_flag=False, flag_value="6", default=None, expose_value=False,
                 callback=verbose, is_eager=True, metavar="[=LEVEL]",
                 help="Show every API request (what, status, ms) on stderr; -v=N as in kubectl (0: off)."),
]


def ignored_findings(ctx: click.Context, param: click.Parameter, values: Tuple[str, ...]) -> Tuple[Any, ...]:
    """--ignore CODE[:NAMESPACE/NAME], read now: a malformed one is a usage error before any request (an unknown
    code is one too, once the registry is loaded)."""
    from vcdoctor.ignores import IgnoreError, parse

    try:
        return tuple(parse(part, "--ignore") for value in values for part in value.split(",") if part.strip())
    except IgnoreError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


FINDING_OPTIONS = [
    click.option("--ignore", "ignores", multiple=True, metavar="CODE[:NAMESPACE/NAME]", callback=ignored_findings,
                 help="Accept a known finding (repeatable, or comma-separated): it is still shown, marked ignored, "
                      "but decides no exit code and gets no remedy step; with an object, only where the finding "
                      "names it (`vcdoctor explain CODE` says what a code means)."),
    click.option("--config", type=click.Path(dir_okay=False), metavar="FILE",
                 help="Accepted findings from FILE (YAML: `ignore: [CODE[:NAMESPACE/NAME], ...]`); default: "
                      "./.vcdoctor.yaml when it exists."),
]


def finding_options(fn: Any) -> Any:
    for option in reversed(FINDING_OPTIONS):
        fn = option(fn)
    return fn


def target_options(fn: Any) -> Any:
    for option in reversed(TARGET_OPTIONS):
        fn = option(fn)
    return fn


class JsonAwareGroup(click.Group):
    """Usage errors still honour ``--output json``: one JSON document on stdout, the message on stderr."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = self.command_first(list(sys.argv[1:] if args is None else args))
        if prog_name is None and os.path.basename(sys.argv[0]) == "kubectl-vcdoctor":
            prog_name = "kubectl vcdoctor"  # as the user typed it: kubectl runs its plugins so
        try:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("vcdoctor: interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except click.ClickException as exc:
            from vcdoctor.render.inert import shown

            # a usage error can quote a value from a snapshot or the cluster: one inert line (click's stubs mark
            # the attribute Final, but it is the plain instance attribute show() formats)
            exc.message = shown(exc.message)  # type: ignore[misc]
            exc.show()
            if _wants_json(argv):
                _error_document(ErrorCode.USAGE, exc.format_message())
            sys.exit(int(ExitCode.USAGE))
        except Exception as exc:  # whatever escaped is vcdoctor's bug, and said as such
            command = self.commands.get(argv[0]) if argv else None
            internal_error(exc, _wants_json(argv), command is not None and any(
                "-v" in param.opts for param in command.params if isinstance(param, click.Option)))

    def command_first(self, argv: List[str]) -> List[str]:
        """`vcdoctor -n ml run` as `vcdoctor run -n ml`: kubectl takes flags before or after the verb. Only when
        every word before the command is one of its options (or an option's value); --help and --version stay."""
        takes_value = {name for command in self.commands.values() for param in command.params
                       if isinstance(param, click.Option) and not param.is_flag and not param.count
                       for name in param.opts}
        for i, word in enumerate(argv):
            if word in self.commands and not (i and argv[i - 1] in takes_value):
                lead = argv[:i]
                if lead and not {"--help", "--version"} & set(lead) and lead[0].startswith("-"):
                    return [word, *lead, *argv[i + 1:]]
                return argv
        return argv


#: how much of a crash's own message the one line keeps (the traceback, with -v, has all of it)
CRASH_MESSAGE_CHARS = 200


def internal_error(exc: BaseException, as_json: bool, has_verbose: bool = True) -> NoReturn:
    """A crash is a bug in vcdoctor, not a finding about the cluster: its own exit code (as pytest's
    INTERNAL_ERROR), one inert line naming it, the traceback only with -v (of a command that has it), and with
    -o json still one document."""
    import traceback

    said = " ".join(str(exc).split())
    said = said[:CRASH_MESSAGE_CHARS] + ("..." if len(said) > CRASH_MESSAGE_CHARS else "")
    message = (f"internal error: {type(exc).__name__}{': ' + said if said else ''} (a bug in vcdoctor, not a "
               f"finding about the cluster{'; -v shows the traceback' if has_verbose else ''})")
    if logging.getLogger(API_LOG).isEnabledFor(logging.INFO):  # -v (or -v=N, N > 0) of this run
        for line in "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines():
            say(line)
    say(message)
    if as_json:
        _error_document(ErrorCode.INTERNAL_ERROR, message)
    sys.exit(int(ExitCode.INTERNAL_ERROR))


def _error_document(code: ErrorCode, message: str) -> None:
    from vcdoctor import report as reporting
    from vcdoctor.render import render

    click.echo(render(reporting.Report.failed(code.value, message).to_dict(), "json"))


def _wants_json(argv: List[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1] == "json"
        if arg in ("-ojson", "--output=json"):
            return True
    return False


def use_colour(choice: str, stream: Any = None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def troubleshoot_spec_option(fn: Any) -> Any:
    """`collect --troubleshoot-spec`: print a SupportBundle spec made from the selected checks' plan instead of
    collecting (no cluster is read)."""
    import functools

    @functools.wraps(fn)
    def collect_or_print(*args: Any, troubleshoot_spec: bool = False, **flags: Any) -> Any:
        if not troubleshoot_spec:
            return fn(*args, **flags)
        from vcdoctor import registry
        from vcdoctor.archives.spec import UnmappedRead
        from vcdoctor.archives.spec import troubleshoot_spec as make_spec
        from vcdoctor.target import Target

        if flags.get("helm_release") and not (flags.get("vcluster") and flags.get("vcluster_namespace")):
            raise click.UsageError("--troubleshoot-spec --read-helm-release needs --vcluster and --vcluster-namespace "
                                   "(the Helm release Secret is collected by its release's name)")
        try:
            checks = registry.select_checks(registry.load_checks(), flags.get("only") or (), flags.get("skipped") or ())
            target = Target(vcluster=flags.get("vcluster"), vcluster_namespace=flags.get("vcluster_namespace"),
                            helm_release=bool(flags.get("helm_release")))
            named = (flags["vcluster_namespace"], flags["vcluster"]) if flags.get("vcluster") and \
                flags.get("vcluster_namespace") else None
            click.echo(make_spec(checks, registry.load_facts(), target, named), nl=False)
        except (registry.RegistryError, UnmappedRead) as exc:
            say(str(exc))
            sys.exit(int(ExitCode.USAGE))
        return None

    return click.option("--troubleshoot-spec", is_flag=True,
                        help="Print a troubleshoot.sh SupportBundle spec (for `kubectl support-bundle`) that "
                             "gathers what the selected checks read, instead of collecting (docs/snapshot.md)."
                        )(collect_or_print)
