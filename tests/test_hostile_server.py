"""A hostile API server cannot exhaust the machine: bodies are read as sent (never inflated), in a stream, capped
per answer and bounded by the deadline; lists are capped in items and pages. Each run ends with a report."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
import yaml
from click.testing import CliRunner

from tests.fakeapi.scenarios import guide_cluster
from tests.measured import run_vcdoctor
from vcdoctor.cli import main
from vcdoctor.gateway import gateway

NODES = r"^/api/v1/nodes$"
#: the bound the issue sets for a vcdoctor run against any of these servers
MAX_RSS_MB = 600


def _run(kubeconfig, timeout=10):
    """vcdoctor in its own process (its peak memory is its own), against the server of this test."""
    done = run_vcdoctor("run", "--kubeconfig", kubeconfig, "-o", "json", "--timeout", str(timeout))
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout), done.seconds, done.peak_mb


def _refused(done, report):
    """The run ended on the refused answer: exit 3, one line on stderr, one JSON document with the error."""
    code = done.returncode if hasattr(done, "returncode") else done.exit_code  # its own process, or CliRunner
    assert code == 3 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert report["error"]["code"] == "refused-answer"
    return report["error"]["message"]


@pytest.fixture
def hostile(api, cluster, tmp_path):
    guide_cluster(cluster)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(api.kubeconfig(namespace="team-a")))
    return str(path)


def test_an_encoded_answer_is_refused_unread(cluster, hostile):
    """A gzip body though vcdoctor asked for identity: refused, not inflated (a 3 MB bomb is gigabytes)."""
    bomb = gzip.compress(b'{"kind":"NodeList","items":[' + b" " * (64 * 1024 * 1024) + b"]}")
    cluster.raw_bodies.append((NODES, bomb, {"Content-Encoding": "gzip"}))
    done, report, _, peak = _run(hostile)
    assert "gzip-encoded answer" in _refused(done, report)
    assert peak < MAX_RSS_MB


def test_an_endless_body_is_cut_at_the_cap(cluster, hostile):
    cluster.raw_bodies.append((NODES, lambda: iter(lambda: b" " * (1024 * 1024), None)))
    done, report, _, peak = _run(hostile, timeout=20)
    assert "larger than 256 MiB" in _refused(done, report)
    assert peak < MAX_RSS_MB


def test_ever_new_continue_tokens_end(cluster, hostile, mocker):
    """Cut by the page cap, long before the deadline; the cap is lowered here (in this process), as 5,000 real
    pages take seconds, and the run then ends the same way every time."""
    mocker.patch.object(gateway, "MAX_LIST_PAGES", 40)

    def page():
        yield json.dumps({"kind": "NodeList", "metadata": {"continue": str(uuid.uuid4())}, "items": []}).encode()
    cluster.raw_bodies.append((NODES, page))
    result = CliRunner().invoke(main, ["run", "--kubeconfig", hostile, "-o", "json", "--timeout", "60"])
    assert "goes on past 40 pages" in _refused(result, json.loads(result.stdout))
