"""--redact against hostile names: namespaces called like API syntax, names only in logs, the promise kept."""

from __future__ import annotations

import base64
import gzip
import json
import tarfile

import yaml
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


def test_bare_names_dns_names_and_config_mappings_are_hashed(cluster, kubeconfig, tmp_path):
    """Names in bare structured fields, namespaces inside DNS names, and the keys of vc-config's byName mappings:
    each a canary, none left in a --redact snapshot (the config is checked decoded: it is stored base64)."""
    log = QUIET_LOG + "\n".join([
        f.console_line("INFO", "grouped", {"pod": "payroll-job-0", "podgroup": "pg-quarterly-close",
                                           "owner": "ledger-ns/ledger-writer"}),
        f.console_line("ERROR", "dial tcp: lookup api.treasury-prod.svc.cluster.local: no such host"),
        f.console_line("INFO", "peer 10-0-0-7.audit-prod.pod.cluster.local ready"),
    ]) + "\n"
    guide_cluster(cluster, podgrouper_log=log)
    secret = next(o for o in cluster.objects[("", "secrets")] if o["metadata"]["name"] == f"vc-config-{VC}")
    config = yaml.safe_load(base64.b64decode(secret["data"]["config.yaml"]))
    config["sync"]["toHost"]["namespaces"] = {"mappings": {"byName": {"mergers-virtual": "mergers-host"}}}
    secret["data"]["config.yaml"] = base64.b64encode(yaml.safe_dump(config).encode()).decode()
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--kubeconfig", kubeconfig, "--redact", "--out", str(out)).exit_code == 0
    with tarfile.open(out) as tar:
        members = [tar.extractfile(m).read() for m in tar if m.isfile()]
    stored = []
    for member in members:
        body = json.loads(member).get("body")
        for item in (body.get("items") or [body]) if isinstance(body, dict) else ():
            if isinstance((item.get("data") or {}).get("config.yaml"), str):
                stored.append(base64.b64decode(item["data"]["config.yaml"]))
    assert stored, "the vc-config outline is in the snapshot"
    for text in members + stored:
        for name in (b"payroll-job-0", b"quarterly-close", b"ledger-ns", b"ledger-writer", b"treasury-prod",
                     b"audit-prod", b"mergers-virtual"):
            assert name not in text, name
