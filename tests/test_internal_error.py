"""A crash is a bug, not a finding: exit code 4, one inert line, the traceback with -v only, JSON with -o json."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi.scenarios import guide_cluster
from vcdoctor.cli import main
from vcdoctor.cli_options import COLLECT_EXIT_CODES, EXIT_CODES
from vcdoctor.model import ErrorCode, ExitCode

#: a crash whose message carries what a cluster could have put there: an escape sequence and a second line
BUG = RuntimeError("boom on pod \x1b[31mred\nsecond line")


@pytest.fixture
def crashing(cluster, kubeconfig, mocker):
    guide_cluster(cluster)
    mocker.patch("vcdoctor.pipeline.run_checks", side_effect=BUG)

    def invoke(*args):
        return CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, *args])
    return invoke


def test_a_crash_exits_with_its_own_code_and_one_inert_line(crashing):
    result = crashing()
    assert result.exit_code == ExitCode.INTERNAL_ERROR == 4
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("vcdoctor: internal error: RuntimeError: boom on pod \\x1b[31mred second line (a bug")


def test_a_crash_with_json_output_prints_the_error_document(crashing):
    result = crashing("-o", "json")
    report = json.loads(result.stdout)
    report_schema.validate(report)
    assert result.exit_code == 4 and report["checks"] == []
    assert report["error"]["code"] == "internal-error" and "RuntimeError: boom" in report["error"]["message"]


def test_verbose_shows_the_traceback(crashing):
    result = crashing("-v")
    assert result.exit_code == 4
    assert "Traceback (most recent call last)" in result.stderr and "run_checks" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("vcdoctor: internal error: RuntimeError")


def test_a_crash_while_writing_a_snapshot_is_an_internal_error_too(cluster, kubeconfig, mocker, tmp_path):
    guide_cluster(cluster)
    mocker.patch("vcdoctor.snapshot.write", side_effect=KeyError("status"))
    out = tmp_path / "s.tar.gz"
    result = CliRunner().invoke(main, ["collect", "--kubeconfig", kubeconfig, "--out", str(out)])
    assert result.exit_code == 4 and not out.exists()
    assert result.stderr == "vcdoctor: internal error: KeyError: 'status' (a bug in vcdoctor, not a finding about " \
                            "the cluster; -v shows the traceback)\n"


def test_a_command_without_verbose_does_not_offer_it(mocker):
    mocker.patch("vcdoctor.explain.check_list", side_effect=ValueError("bad row"))
    result = CliRunner().invoke(main, ["checks"])
    assert result.exit_code == 4
    assert result.stderr == "vcdoctor: internal error: ValueError: bad row (a bug in vcdoctor, not a finding about " \
                            "the cluster)\n"


def test_the_exit_codes_keep_their_numbers_and_the_help_names_each():
    assert {c.name: c.value for c in ExitCode} == {"OK": 0, "FINDINGS": 1, "USAGE": 2, "CLUSTER": 3,
                                                   "INTERNAL_ERROR": 4, "INTERRUPTED": 130}
    assert all(f"\n  {int(c)}  " in EXIT_CODES for c in ExitCode)
    assert all(f"\n  {int(c)}  " in COLLECT_EXIT_CODES for c in ExitCode if c != ExitCode.FINDINGS)


def test_the_schema_lists_every_error_code():
    error = report_schema.SCHEMA["$defs"]["report"]["properties"]["error"]
    assert set(error["properties"]["code"]["enum"]) == {c.value for c in ErrorCode}
