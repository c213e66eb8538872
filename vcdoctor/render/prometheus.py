"""Prometheus text exposition: per check and cluster a one-hot status gauge and an ignored gauge, plus run metrics."""

from __future__ import annotations

import calendar
import time

from vcdoctor.model import FailOn
from vcdoctor.render import inert

STATUSES = ("pass", "warn", "fail", "error", "skip")

#: name -> (help, type); the order families are written in
FAMILIES = {
    "vcdoctor_check_status": (
        "1 for the status the check ended in, 0 for the other four (one series per status).", "gauge"),
    "vcdoctor_checks": ("Number of checks that ended in each status.", "gauge"),
    # a family of its own, not a label on vcdoctor_check_status: accepting a finding must not rename that series
    "vcdoctor_check_ignored": (
        "1 when every finding of the check was accepted (--ignore or .vcdoctor.yaml): it decides no exit code.",
        "gauge"),
    "vcdoctor_checks_ignored": ("Number of checks whose every finding was accepted.", "gauge"),
    "vcdoctor_run_success": ("1 when vcdoctor could examine the cluster, 0 when the run failed before any check.",
                             "gauge"),
    "vcdoctor_run_duration_seconds": ("Time the run's checks took.", "gauge"),
    "vcdoctor_run_timestamp_seconds": ("When the report was generated, in Unix seconds.", "gauge"),
}

Sample = tuple[dict[str, str], float]


def render(report: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    return _exposition([report])


def render_fleet(fleet: dict, colour: bool = False, fail_on: FailOn = FailOn.FAIL) -> str:
    # one family each, with a context label per cluster: the format wants a family's samples together
    return _exposition(fleet.get("reports") or [])


def label_value(value: object) -> str:
    """A label value for the text format: sanitised to one line, then \\, " and newline escaped."""
    text = inert.one_line("" if value is None else value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def _timestamp(report: dict) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(report["generated_at"], "%Y-%m-%dT%H:%M:%SZ")))
    except (KeyError, TypeError, ValueError):
        return None


def _duration_seconds(report: dict) -> float:
    if isinstance(report.get("duration_ms"), (int, float)):
        return report["duration_ms"] / 1000
    return sum(c.get("duration_ms") or 0 for c in report.get("checks") or []) / 1000


def _samples(report: dict) -> dict[str, list[Sample]]:
    context = (report.get("cluster") or {}).get("context") or ""
    out: dict[str, list[Sample]] = {name: [] for name in FAMILIES}
    for check in report.get("checks") or []:
        for status in STATUSES:
            labels = {"context": context, "check": check["id"], "severity": check.get("severity") or "",
                      "status": status}
            out["vcdoctor_check_status"].append((labels, 1 if check["status"] == status else 0))
        out["vcdoctor_check_ignored"].append(({"context": context, "check": check["id"],
                                               "severity": check.get("severity") or ""},
                                              1 if check.get("ignored") is True else 0))
    summary = report.get("summary") or {}
    for status in STATUSES:
        out["vcdoctor_checks"].append(({"context": context, "status": status}, summary.get(status, 0)))
    out["vcdoctor_checks_ignored"].append(({"context": context}, summary.get("ignored", 0)))
    out["vcdoctor_run_success"].append(({"context": context}, 0 if report.get("error") else 1))
    out["vcdoctor_run_duration_seconds"].append(({"context": context}, _duration_seconds(report)))
    stamp = _timestamp(report)
    if stamp is not None:
        out["vcdoctor_run_timestamp_seconds"].append(({"context": context}, stamp))
    return out


def _exposition(reports: list[dict]) -> str:
    families: dict[str, list[Sample]] = {name: [] for name in FAMILIES}
    for report in reports:
        for name, samples in _samples(report).items():
            families[name] += samples
    lines: list[str] = []
    for name, (help_text, kind) in FAMILIES.items():
        if not families[name]:
            continue
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in families[name]:
            rendered = ",".join(f'{key}="{label_value(val)}"' for key, val in labels.items())
            lines.append(f"{name}{{{rendered}}} {_number(value)}")
    return "\n".join(lines)
