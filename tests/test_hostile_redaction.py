"""--redact against hostile names: namespaces called like API syntax, names only in logs, the promise kept."""

from __future__ import annotations

import gzip
import json
import tarfile

from click.testing import CliRunner

from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import PODGROUPER, QUIET_LOG, VC, VC_NS, guide_cluster
from vcdoctor.cli import main

#: namespaces named like the selector, resource and version strings vcdoctor sends
SYNTAX_NAMES = ("vcluster", "app", "pods", "v1", "helm")


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def statuses(report: dict):
    return [(c["id"], c["status"]) for c in report["checks"]]


def test_namespaces_named_like_api_syntax_do_not_break_a_redacted_replay(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    for name in SYNTAX_NAMES:
        cluster.add(f.namespace(name), f.synced_pod(f"job-{name}", name, VC, VC_NS, gpus=1))
    live = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-o", "json").stdout)
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--kubeconfig", kubeconfig, "--redact", "--out", str(out)).exit_code == 0
    replayed = invoke("run", "--snapshot", str(out), "-o", "json")
    assert replayed.exit_code == live_exit(live)
    assert statuses(json.loads(replayed.stdout)) == statuses(live)
    with tarfile.open(out) as tar:
        meta = json.loads(tar.extractfile("snapshot.json").read())
        requests = [json.loads(tar.extractfile(m).read())["request"] for m in tar if m.name.startswith("responses/")]
    assert meta["redacted"] is True
    assert any(r.get("label_selector") == "app=vcluster" for r in requests)
    assert all(r.get("resource", {}).get("version") in (None, "v1", "v2", "v2alpha2") for r in requests)


def live_exit(report: dict) -> int:
    return 1 if report["summary"].get("fail") or report["summary"].get("error") else 0


def test_names_that_appear_only_in_logs_are_hashed(cluster, kubeconfig, tmp_path):
    log = QUIET_LOG + "\n".join([
        f.reconciler_forbidden_line(ns="secret-project"),
        f.console_line("INFO", "podgroup created", {"pod": "finance/payroll-job-0", "namespace": "finance"}),
        f.no_owner_line("secret-project/quarterly-x-finance-x-" + VC),
    ]) + "\n"
    guide_cluster(cluster, podgrouper_log=log)
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--kubeconfig", kubeconfig, "--redact", "--out", str(out)).exit_code == 0
    raw = gzip.decompress(out.read_bytes())
    for name in (b"secret-project", b"finance", b"payroll-job-0", b"quarterly", b"team-a", b"gpu-sharing-pod",
                 PODGROUPER.encode()):
        assert name not in raw, name
    assert VC.encode() in raw and b"kai-scheduler" in raw  # in clear, as docs/snapshot.md says
