"""The table sized to the terminal, worst first, repeats folded, fix scripts paste-able; the scope header."""

from __future__ import annotations

import os
import re

import pytest

from tests.test_render_factories import (
    every_status,
    make_check,
    make_fleet,
    make_report,
)
from vcdoctor.render import render, table

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FORBIDDEN = "vcluster-team/team-a"
LONG_POD = "gpu-training-job-with-a-rather-long-generated-name-7d9f8c6b5-abcde"
SCRIPT = """helm get values my-vcluster -n vc-ns -o yaml > my-vcluster-values.yaml
cat > kai-scheduler-values.yaml <<'EOF'
experimental:
  syncSettings:
    setOwner: false
EOF
vcluster create --upgrade my-vcluster -n vc-ns --values my-vcluster-values.yaml --values kai-scheduler-values.yaml"""


def overlong_lines(text: str, width: int) -> list:
    """Lines wider than *width* that are not a single word too long for it (plus its indent)."""
    return [line for line in ANSI.sub("", text).split("\n")
            if len(line) > width and not any(len(word) > width // 2 for word in line.split())]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_no_line_is_wider_than_columns(monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    message = " ".join(["the pod-grouper cannot read the Service of", FORBIDDEN] * 6)
    report = make_report(make_check("kai-queue", "fail", message), *every_status(),
                         target={"namespace": "team-a", "vclusters": ["vc-ns/vc1"], "host_pods": None})
    text = render(report, "table")
    assert max(len(line) for line in text.split("\n")) <= width
    assert not overlong_lines(render(report, "table", colour=True), width)


def test_width_comes_from_columns_then_the_terminal_then_a_default(monkeypatch):
    monkeypatch.setenv("COLUMNS", "77")
    assert table.terminal_width() == 77
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(os, "get_terminal_size", lambda *a: os.terminal_size((91, 30)))
    assert table.terminal_width() == 91

    def piped(*args):
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", piped)
    assert table.terminal_width() == table.DEFAULT_WIDTH == 1000  # piped: not folded, as kubectl


def test_names_are_never_split_at_a_hyphen_and_a_long_one_stands_alone(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    message = f"pod {LONG_POD} in {FORBIDDEN} waits for queue team-a-gpu-queue behind {FORBIDDEN}"
    text = render(make_report(make_check("kai-queue", "fail", message)), "table")
    words = [w for line in text.split("\n") for w in line.split()]
    assert {LONG_POD, FORBIDDEN, "team-a-gpu-queue"} <= set(words)
    assert not [w for w in words if w.endswith("-") and w.strip("-")]
    assert not overlong_lines(text, 50)


def _row_statuses(text: str) -> list:
    rows = text.split("\n")
    start = next(i for i, line in enumerate(rows) if line.startswith("STATUS"))
    return [line.split()[0] for line in rows[start + 2:]
            if line.split() and line.split()[0] in ("PASS", "WARN", "FAIL", "ERROR", "SKIP")
            and not line.startswith(tuple(f"{s} check" for s in ("PASS", "WARN", "FAIL", "ERROR", "SKIP")))]


def test_failures_first_then_errors_warnings_skips_passes(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    checks = list(reversed(every_status())) + every_status()
    text = render(make_report(*[dict(c, id=f"{c['id']}-{i}", message=f"m{i}") for i, c in enumerate(checks)]),
                  "table")
    assert _row_statuses(text) == ["FAIL", "FAIL", "ERROR", "ERROR", "WARN", "WARN", "SKIP", "SKIP", "PASS", "PASS"]


def test_identical_blocks_fold_into_one_naming_every_check(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    forbidden = "403: cannot list pods"
    ids = [f"check-{n}" for n in "abcdefg"]
    errors = [make_check(i, "error", forbidden, remediation="kubectl apply -f docs/rbac.yaml") for i in ids]
    text = render(make_report(make_check("kai-queue", "pass"), *errors), "table")
    assert text.count("cannot list pods") == 1
    assert text.count("kubectl apply -f docs/rbac.yaml") == 1
    assert "ERROR 7 checks with the same finding: " + ", ".join(ids) in text
    assert all(re.search(rf"^(ERROR)?\s+{i}\b", text, re.MULTILINE) for i in ids)
    markdown = render(make_report(*errors), "markdown")
    assert markdown.count("cannot list pods") == 2  # one table row, one section
    assert "### ⛔ 7 checks, one finding: " in markdown


def test_different_remediations_are_not_folded(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    a = make_check("check-a", "fail", "same", remediation="one")
    b = make_check("check-b", "fail", "same", remediation="two")
    text = render(make_report(a, b), "table")
    assert "FAIL check-a: check-a title" in text and "FAIL check-b: check-b title" in text


@pytest.mark.parametrize("colour", [False, True])
def test_fix_script_is_printed_verbatim_at_column_zero(monkeypatch, colour):
    monkeypatch.setenv("COLUMNS", "40")
    check = make_check("vcluster-set-owner", "fail", fix={"script": SCRIPT, "context": "gpu-prod"})
    text = render(make_report(check), "table", colour=colour)
    assert "fix: remedy step 1 (below)" in text and "Remedy: 1 step" in text
    assert f"\n{SCRIPT.rstrip()}\n# end of remedy" in text  # bytes as built: no colour, no wrapping


def test_long_remediation_commands_wrap_between_words_with_a_continuation(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    check = make_check("vcluster-set-owner", "fail", remediation="Run:\n  " + SCRIPT.replace("\n", "\n  "))
    text = render(make_report(check), "table")
    # the here-document body keeps its lines and indentation exactly
    assert "      experimental:\n        syncSettings:\n          setOwner: false\n      EOF\n" in text
    joined = re.sub(r" \\\n +", " ", text)
    assert "vcluster create --upgrade my-vcluster -n vc-ns --values my-vcluster-values.yaml --values " \
           "kai-scheduler-values.yaml" in joined


@pytest.mark.parametrize("output", ["table", "markdown", "junit", "sarif", "prometheus", "yaml", "json"])
def test_everything_works_without_fix_scripts_or_snapshot(output):
    render(make_report(*every_status()), output)
    render(make_report(*[dict(c, fix=None) for c in every_status()]), output)
    render(make_report(*[dict(c, fix={"script": "  "}) for c in every_status()]), output)


def test_header_names_context_target_and_snapshot():
    target = {"namespace": "team-a", "pod": "gpu-pod", "vcluster": "vc1", "vcluster_namespace": "vc-ns",
              "vclusters": ["vc-ns/vc1"], "host_pods": ["vc-ns/gpu-pod-x-team-a-x-vc1"]}
    snapshot = {"collected_at": "2026-11-18T11:06:40Z", "tool_version": "0.9.0", "redacted": True}
    report = make_report(*every_status(), target=target, snapshot=snapshot)
    head = render(report, "table").split("STATUS")[0]
    assert "context gpu-prod (https://10.0.0.1:6443)" in head
    assert "Scope: pod team-a/gpu-pod, vCluster vc-ns/vc1" in head
    assert "Examined: vc-ns/gpu-pod-x-team-a-x-vc1" in head
    assert "Snapshot: collected 2026-11-18T11:06:40Z by vcdoctor 0.9.0, redacted;" in head
    markdown = render(report, "markdown").split("| Status |")[0]
    assert "context `gpu-prod`" in markdown and "collected `2026-11-18T11:06:40Z`" in markdown
    assert ", redacted" in markdown and "pod `team-a/gpu-pod`" in markdown


def test_header_says_a_snapshot_was_not_redacted_and_when_nothing_was_examined():
    target = {"namespace": "team-b", "pod": None, "vclusters": ["vc-ns/vc1"], "host_pods": []}
    text = render(make_report(make_check(), target=target,
                              snapshot={"collected_at": None, "tool_version": None, "redacted": False}), "table")
    assert "Nothing examined in namespace team-b: no pod matched" in text
    assert "not redacted" in text and "collected at an unknown time" in text
    pod = render(make_report(make_check(), target=dict(target, pod="p")), "table")
    assert "Nothing examined in namespace team-b: pod team-b/p did not reach the host" not in pod
    assert "Nothing examined in namespace team-b: pod p did not reach the host" in pod
    assert "Nothing examined" not in render(make_report(make_check(), target={"namespace": "x", "host_pods": None,
                                                                               "vclusters": ["a/b"]}), "table")


def test_fleet_has_a_section_per_context_and_an_error_section():
    broken = make_report(context="gone", error={"code": "unreachable", "message": "no route"})
    text = render(make_fleet(make_report(*every_status()), broken), "table")
    assert "=== context gpu-prod ===" in text and "=== context gone ===" in text
    assert "error (unreachable): no route" in text
    assert "## Cluster `gone`" in render(make_fleet(broken), "markdown")


def test_markdown_puts_the_remedy_in_exactly_one_sh_block():
    script = SCRIPT + "\necho '```'"
    check = make_check("vcluster-set-owner", "fail", fix={"script": script, "context": "gpu-prod"})
    text = render(make_report(check, make_check("kai-queue", "warn")), "markdown")
    assert len(re.findall(r"^`{3,}sh$", text, re.MULTILINE)) == 1
    fence, rest = re.search(r"^(`{3,})sh\n(.*)", text, re.DOTALL | re.MULTILINE).groups()
    assert len(fence) == 4  # one longer than the ``` inside the script
    assert rest.split("\n" + fence)[0] == script.rstrip("\n")
    assert "(context `gpu-prod`)" in text and "**Fix**: remedy step 1 (below)" in text


def test_operator_text_leaves_upstream_citations_to_the_json(monkeypatch):
    """Findings and remediation read as sentences in the table and markdown; the JSON keeps the sources."""
    monkeypatch.setenv("COLUMNS", "120")
    cited = make_check("podgrouper-no-owner-log", "warn", "not seen (KAI v0.10.2 no longer logs it, only up to v0.6.x: "
                       "pkg/podgrouper/pod_controller.go@v0.2.0:194 … @v0.6.23)",
                       remediation="Read at pkg/podgrouper/podgrouper.go@v0.4.2:141,173-193 to see why.")
    report = make_report(cited)
    for output in ("table", "markdown"):
        text = render(report, output)
        assert "@v0." not in text and "not seen" in text and "Read at to see why." in text, output
    assert "@v0.2.0:194" in render(report, "json")


def test_a_token_longer_than_its_column_breaks_after_a_slash_dot_or_colon(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    ref = "very-long-host-namespace-of-a-vcluster/trainer-pod-with-a-long-generated-name-x-ml-x-vc"
    text = render(make_report(make_check("kai-queue", "fail", f"pod {ref} waits")), "table")
    rows = [line for line in text.split("\n") if "trainer-pod" in line or "very-long-host" in line]
    assert rows[0].rstrip().endswith("namespace-of-a-vcluster/")  # broken after the "/", not overflowing
    assert all(len(line) <= 60 or len(line.split()) == 1 for line in rows)  # or alone on its line
