"""Whole runs as the commands need them: one cluster or snapshot, several clusters, or a collect."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from vcdoctor import contributions
from vcdoctor import report as reporting
from vcdoctor.cli_options import say
from vcdoctor.deadline import Deadline
from vcdoctor.engine.executor import Executor
from vcdoctor.model import ErrorCode, ExitCode, FailOn
from vcdoctor.pipeline import (
    Failure,
    Options,
    RunInterrupted,
    diagnose,
    failure_report,
    fleet_exit_code,
)

__all__ = ["Failure", "RunInterrupted", "all_contexts", "collect", "failure_report", "refuse", "run_many", "run_one"]


def refuse(message: str) -> None:
    raise Failure(ExitCode.USAGE, ErrorCode.USAGE, message)


def all_contexts(kubeconfig: Optional[str]) -> List[str]:
    from vcdoctor.gateway.live import KubeconfigError, context_names

    try:
        names = context_names(kubeconfig)
    except KubeconfigError as exc:
        raise Failure(ExitCode.CLUSTER, ErrorCode.KUBECONFIG, str(exc)) from None
    if not names:
        raise Failure(ExitCode.CLUSTER, ErrorCode.KUBECONFIG, "the kubeconfig defines no contexts")
    # a virtual cluster's context (`vcluster connect`'s) whose host context is in the list too: the host's run
    # examines that vCluster (a second run would read the host again and count its findings twice)
    hosts = {n: host for n in names for host in [contributions.host_context(n)] if host in names}
    for name, host in hosts.items():
        say(f"--all-contexts: {name} is examined through its host context {host}")
    return [n for n in names if n not in hosts]


def stderr_is_tty() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())





def run_one(options: Options, fail_on: FailOn, progress: bool = False) -> Tuple[Dict[str, Any], ExitCode]:
    """(report, exit code) for one cluster or snapshot; never raises for cluster problems."""
    from vcdoctor.progress import Progress

    try:
        with Progress(_selected(options) if progress else 0, progress) as shown:
            outcome = diagnose(options, on_done=shown.done, fail_on=fail_on)
    except Failure as failure:
        say(failure.message)
        return failure_report(failure, options.context), failure.exit_code
    except RunInterrupted as stop:
        say("interrupted; the report below is partial")
        return stop.outcome.report.to_dict(), ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        stopped = Failure(ExitCode.USAGE, ErrorCode.INTERRUPTED, "interrupted before any check ran")
        say(stopped.message)
        return failure_report(stopped, options.context), ExitCode.INTERRUPTED
    report = outcome.report.to_dict()
    _announce(report)
    return report, outcome.exit_code


def _selected(options: Options) -> int:
    from vcdoctor import registry

    try:
        return len(registry.select_checks(registry.load_checks(), options.only, options.skipped))
    except registry.RegistryError:
        return 0


def _announce(report: Dict[str, Any]) -> None:
    for missing in (report.get("preflight") or {}).get("missing") or []:
        say(f"missing permission: {missing['permission']} (cluster-wide), needed by "
             f"{', '.join(missing['needed_by'])}")


def run_many(options: Sequence[Options], fail_on: FailOn) -> Tuple[Dict[str, Any], ExitCode]:
    """One report for several clusters: each diagnosed on its own, concurrently, on the engine's executor (daemon
    threads: Ctrl-C ends the fleet at once, as it does one run). Each run keeps its own --timeout, so the fleet
    waits without a deadline of its own."""
    fleet = Executor(Deadline())
    started = [fleet.submit(run_one, o, fail_on, name=f"context-{o.context}") for o in options]
    fleet.wait(started)
    outcomes = [run.result() for run in started]
    return reporting.fleet([r for r, _ in outcomes]), fleet_exit_code([c for _, c in outcomes])


def collect(options: Options, out_path: Optional[str], redact: bool) -> str:
    """Diagnose live while recording what the checks read, and write the snapshot; returns what to tell the user."""
    from vcdoctor import snapshot

    outcome = diagnose(options)
    report = outcome.report.to_dict()
    out_path = out_path or default_snapshot_name(report["cluster"].get("context"), report["generated_at"])
    metadata = {
        "tool": report["tool"],
        "collected_at": report["generated_at"],
        "cluster": report["cluster"],
        # as resolved: a --pod without -n records the context namespace it was looked up in
        "target": {k: report["target"].get(k) for k in ("namespace", "pod", "vcluster", "vcluster_namespace",
                                                         "helm_release", "selector")},
        "checks": [r.id for r in outcome.results],
    }
    assert outcome.source is not None and outcome.source.recorder is not None
    try:
        count = snapshot.write(out_path, metadata, outcome.source.recorder.records, report, redact=redact,
                               sides=outcome.source.side_records())
    except OSError as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE, f"cannot write {out_path}: {exc.strerror or exc}") from None
    except snapshot.SnapshotError as exc:
        raise Failure(ExitCode.USAGE, ErrorCode.USAGE, str(exc)) from None
    privacy = ("names redacted (--no-redact keeps them)" if redact
               else "not redacted: it holds namespace and pod names as seen")
    return (f"wrote {out_path} ({count} responses, {len(outcome.results)} checks; {privacy}); replay with: "
            f"vcdoctor run --snapshot {out_path}")


def default_snapshot_name(context: Optional[str], generated_at: str) -> str:
    """vcdoctor-<context>-<UTC time>.tar.gz, the context reduced to characters every file system takes."""
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", context or "cluster").strip("._") or "cluster"
    return f"vcdoctor-{safe[:60]}-{re.sub(r'[^0-9TZ]', '', generated_at)}.tar.gz"
