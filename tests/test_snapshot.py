"""Snapshots: collect through the gateway, replay offline to the same verdicts, and leak nothing."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import pathlib
import tarfile

import pytest
from click.testing import CliRunner

from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS, guide_cluster
from vcdoctor.cli import main
from vcdoctor.snapshot import FORMAT

EXAMPLES = pathlib.Path(__file__).parents[1] / "docs" / "examples"
CANARY = "CANARY-9d2b-token"


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def verdicts(report: dict):
    return [(c["id"], c["status"], c["message"]) for c in report["checks"]]


@pytest.mark.parametrize("flags", [(), ("--read-helm-release",)], ids=["default", "helm-release"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_replay_gives_the_live_verdicts(cluster, kubeconfig, tmp_path, scenario, flags):
    SCENARIOS[scenario](cluster)
    live = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-o", "json", *flags).stdout)
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out), *flags).exit_code == 0
    requests_after_collect = len(cluster.requests)
    replayed = invoke("run", "--snapshot", str(out), "-o", "json")
    assert verdicts(json.loads(replayed.stdout)) == verdicts(live)
    assert len(cluster.requests) == requests_after_collect  # replay never touched the network
    assert json.loads(replayed.stdout)["snapshot"]["tool_version"]


def test_pod_target_is_replayed_by_default(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    out = tmp_path / "snap.tar.gz"
    invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-pod", "--out", str(out))
    report = json.loads(invoke("run", "--snapshot", str(out), "-o", "json").stdout)
    assert report["target"]["host_pods"] == [f"{VC_NS}/gpu-pod-x-team-a-x-{VC}"]
    other = invoke("run", "--snapshot", str(out), "-n", "team-a", "--pod", "cpu-only-pod")
    assert other.exit_code == 2 and "snapshot cannot answer" in other.stderr


def test_missing_responses_are_errors_not_passes(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    out = tmp_path / "snap.tar.gz"
    invoke("collect", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-pod", "--check", "kai-components",
           "--no-redact", "--out", str(out))
    report = json.loads(invoke("run", "--snapshot", str(out), "-o", "json").stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["kai-components"] == "pass"
    # kai-podgroup reads the target's PodGroup, which a kai-components-only collection never asked for
    podgroup = next(c for c in report["checks"] if c["id"] == "kai-podgroup")
    assert podgroup["status"] == "error" and "not-in-snapshot" in podgroup["message"]


def test_no_canary_in_snapshot_or_output(cluster, api, kubeconfig, tmp_path):
    guide_cluster(cluster)
    pod = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"].startswith("gpu-pod"))
    pod["spec"]["containers"][0]["env"] = [{"name": "DB_PASSWORD", "value": CANARY}]
    pod["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps({"pw": CANARY})
    pod["metadata"]["managedFields"] = [{"manager": CANARY}]
    secret = next(o for o in cluster.objects[("", "secrets")] if o["metadata"]["name"] == f"vc-config-{VC}")
    secret["data"]["extra-key"] = __import__("base64").b64encode(CANARY.encode()).decode()
    cluster.add({"apiVersion": "v1", "kind": "Secret", "metadata": f.meta("other", VC_NS), "data": {"k": CANARY}})
    out = tmp_path / "snap.tar.gz"
    collected = invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out))
    replayed = invoke("run", "--snapshot", str(out), "-o", "markdown")
    raw = gzip.decompress(out.read_bytes())
    for text in (raw, collected.output.encode(), replayed.output.encode()):
        assert CANARY.encode() not in text
        assert cluster.token.encode() not in text
        assert b"should-never-be-reported" not in text  # unrelated vc-config values are dropped too


def test_helm_release_enters_a_snapshot_as_chart_schema_only(cluster, kubeconfig, tmp_path):
    setowner = SCENARIOS["setowner-misspelt"](cluster)
    release = f.helm_release(VC, VC_NS, 3, values={"db": {"password": CANARY}})
    setowner.add(release)
    out = tmp_path / "snap.tar.gz"
    invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--read-helm-release", "--out", str(out))
    raw = gzip.decompress(out.read_bytes())
    with tarfile.open(out) as tar:
        bodies = [json.loads(tar.extractfile(m).read()) for m in tar.getmembers() if m.name.startswith("responses/")]
    stored = next(b["body"] for b in bodies if b["request"].get("name") == f"sh.helm.release.v1.{VC}.v3")
    from vcdoctor.products.helm.release import decode_release
    record = decode_release(__import__("base64").b64decode(stored["data"]["release"]))
    assert set(record) == {"chart", "info", "version"} and set(record["chart"]) == {"metadata", "schema"}
    assert CANARY.encode() not in raw
    replayed = json.loads(invoke("run", "--snapshot", str(out), "-o", "json").stdout)
    schema_check = next(c for c in replayed["checks"] if c["id"] == "vcluster-config-schema")
    assert schema_check["status"] == "fail" and "experimental.syncSettings" in schema_check["remediation"]


def test_archive_is_plain_tar_and_json(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    out = tmp_path / "snap.tar.gz"
    invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out))
    with tarfile.open(out) as tar:
        names = tar.getnames()
        meta = json.loads(tar.extractfile("snapshot.json").read())
        for name in names:
            json.loads(tar.extractfile(name).read())
    assert meta["format"] == FORMAT and meta["cluster"]["context"] == "fake"
    assert any(n.startswith("responses/") and n.endswith(".json") for n in names)


@pytest.mark.parametrize("content, message", [
    (b"not a tarball", "cannot open snapshot"),
    (gzip.compress(b"\x00" * 1024, mtime=0), "not a vcdoctor.snapshot/v1 snapshot"),
], ids=["not-gzip", "gzip-of-zeros"])
def test_unreadable_snapshot_is_a_usage_error(tmp_path, content, message):
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(content)
    result = invoke("run", "--snapshot", str(path), "-o", "json")
    assert result.exit_code == 2 and message in result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "usage"


@pytest.mark.parametrize("name, expected", [
    ("healthy", {"fail": 0, "error": 0}),
    ("setowner-on", {"fail": 1}),  # podgrouper-permissions warns: KAI v0.10.2 falls back to the pod
    ("gpu-sharing-disabled", {"fail": 1}),
    ("podgrouper-crashloop", {"fail": 2, "warn": 2}),
    ("kai-v0-5", {"fail": 0, "error": 0, "warn": 0}),  # a healthy pre-operator KAI is healthy
    ("reservation-crashloop", {"fail": 1}),
    ("multi-namespace", {"error": 0}),  # its synced pods are found although they carry no managed-by label
    ("gpu-sharing-disabled-pod", {"fail": 2, "skip": 4}),  # one pod the host refused: the chain stops at its cause
    ("tenant-setowner-on", {"fail": 1}),  # from inside the vCluster, with the host read too
])
def test_shipped_examples_replay(name, expected):
    result = invoke("run", "--snapshot", str(EXAMPLES / f"{name}.tar.gz"), "-o", "json")
    report = json.loads(result.stdout)
    summary = report["summary"]
    if name.startswith("tenant-"):
        assert report["cluster"]["kind"] == "virtual" and report["cluster"]["host"]["context"] == "example-host"
        assert report["target"]["host_pods"] == ["vc-ns/gpu-pod-x-team-a-x-my-vcluster"]
    assert {k: summary[k] for k in expected} == expected
    assert result.exit_code == (1 if summary["fail"] + summary["error"] else 0)


@pytest.mark.parametrize("scenario", ["setowner-on", "gpu-sharing-disabled"])
def test_redacted_snapshot_hides_names_and_keeps_verdicts(cluster, kubeconfig, tmp_path, scenario):
    SCENARIOS[scenario](cluster)
    live = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-o", "json").stdout)
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--kubeconfig", kubeconfig, "--redact", "--out", str(out)).exit_code == 0
    raw = gzip.decompress(out.read_bytes())
    for name in (b"team-a", b"vc-ns", b"gpu-sharing-pod", b"pod-grouper-7d9f8c"):
        assert name not in raw
    replayed = json.loads(invoke("run", "--snapshot", str(out), "-o", "json").stdout)
    assert [(c["id"], c["status"]) for c in replayed["checks"]] == [(c["id"], c["status"]) for c in live["checks"]]


def test_redacted_pod_target_still_resolves(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    out = tmp_path / "snap.tar.gz"
    invoke("collect", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-sharing-pod", "--redact",
           "--out", str(out))
    raw = gzip.decompress(out.read_bytes())
    assert b"gpu-sharing-pod" not in raw and b"team-a" not in raw
    report = json.loads(invoke("run", "--snapshot", str(out), "-o", "json").stdout)
    assert report["summary"]["error"] == 0 and len(report["target"]["host_pods"]) == 1


def test_snapshot_keeps_only_the_args_and_annotations_checks_read(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    pod = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"].startswith("gpu-pod"))
    container = pod["spec"]["containers"][0]
    container.update(command=["/app", f"--db-password={CANARY}"], args=["--set-owner=false", "--token", CANARY],
                     livenessProbe={"httpGet": {"path": f"/{CANARY}"}}, lifecycle={"preStop": {"exec": {
                         "command": [CANARY]}}})
    pod["metadata"]["annotations"].update({"note": CANARY, "gpu-fraction": "0.5"})
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out)).exit_code == 0
    raw = gzip.decompress(out.read_bytes())
    assert CANARY.encode() not in raw
    with tarfile.open(out) as tar:
        bodies = [json.loads(tar.extractfile(m).read()).get("body") for m in tar if m.name.startswith("responses/")]
    stored = next(i for b in bodies if isinstance(b, dict) for i in b.get("items") or []
                  if i["metadata"].get("name") == pod["metadata"]["name"])
    assert stored["spec"]["containers"][0]["args"] == ["--set-owner=false"]
    assert stored["spec"]["containers"][0]["command"] == []
    assert stored["metadata"]["annotations"]["gpu-fraction"] == "0.5"


def test_snapshot_file_is_private_and_written_whole(cluster, kubeconfig, tmp_path):
    import os
    import stat

    guide_cluster(cluster)
    out = tmp_path / "snap.tar.gz"
    out.write_bytes(b"previous")
    os.chmod(out, 0o644)
    assert invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out), "--force").exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kubeconfig", "snap.tar.gz"]  # no temporary left


def test_mistyped_config_values_are_blanked_not_kept():
    import base64

    import yaml

    from vcdoctor.products.vcluster.config_snapshot import reduced_config

    config = {"experimental": {"syncSettings": {"setOwner": {"secret": CANARY}, "targetNamespace": "team-a",
                                                "syncLabels": [CANARY, {"x": 1}]}}}
    outline = yaml.safe_load(base64.b64decode(reduced_config(base64.b64encode(yaml.safe_dump(config).encode()))))
    assert outline["experimental"]["syncSettings"] == {"setOwner": {"secret": ""}, "targetNamespace": "team-a",
                                                       "syncLabels": ["", {"x": 0}]}


def test_server_url_userinfo_never_reaches_the_snapshot(tmp_path):
    from vcdoctor import snapshot

    out = tmp_path / "s.tar.gz"
    report = {"cluster": {"server": "https://u:pw@k"}}
    snapshot.write(str(out), {"cluster": {"context": "c", "server": "https://u:pw@k"}}, {}, report)
    assert b"pw@" not in gzip.decompress(out.read_bytes())
    assert snapshot.read(str(out))[0]["cluster"]["server"] == "https://k"


def test_tokens_tracking_marks_and_log_tails_never_enter_a_snapshot(cluster, kubeconfig, tmp_path):
    """vCluster keeps a synced pod's ServiceAccount token in vcluster.loft.sh/token-<random>
    (pods/translate/translator.go:45,581@v0.27.0); a FallbackToLogsOnError termination message is a log tail."""
    jwt = "eyJhbGciOiJSUzI1NiJ9." + CANARY
    SCENARIOS["setowner-on"](cluster)
    pod = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"].startswith("gpu-pod"))
    pod["metadata"]["annotations"].update({"vcluster.loft.sh/token-x7k2p": jwt,
                                           "argocd.argoproj.io/sync-options": CANARY})
    pod["status"]["containerStatuses"][0]["lastState"] = {"terminated": {
        "reason": "Error", "exitCode": 1, "message": f"postgres://user:{CANARY}@db"}}
    workload = next(o for o in cluster.objects[("apps", "statefulsets")])
    workload["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] = "vc:apps/StatefulSet:vc-ns/my-vcluster"
    for flags in (("--no-redact",), ("--redact",)):
        out = tmp_path / f"snap{flags[0]}.tar.gz"
        assert invoke("collect", "--kubeconfig", kubeconfig, "--out", str(out), *flags).exit_code == 0
        raw = gzip.decompress(out.read_bytes())
        assert CANARY.encode() not in raw and b"token-x7k2p" not in raw
    live = json.loads(invoke("run", "--kubeconfig", kubeconfig, "-o", "json").output)
    replayed = json.loads(invoke("run", "--snapshot", str(tmp_path / "snap--no-redact.tar.gz"), "-o", "json").output)
    assert verdicts(live) == verdicts(replayed)  # Argo CD's tracking mark survives: the same fixes on replay
    assert "Argo CD" in json.dumps(replayed["remedy"])


def test_collect_never_writes_what_replay_would_refuse(cluster, kubeconfig, tmp_path, monkeypatch):
    """One set of caps for writer and reader: a cluster too big for one snapshot is a usage error that says how
    to narrow it, and no file is left."""
    from vcdoctor.snapshot import reading

    guide_cluster(cluster)
    monkeypatch.setattr(reading, "MAX_TOTAL_BYTES", 4 * 1024)  # the fake cluster is small: scale the cap down
    out = tmp_path / "snap.tar.gz"
    result = invoke("collect", "--kubeconfig", kubeconfig, "--out", str(out))
    assert result.exit_code == 2 and "narrow it with --namespace" in result.output and not out.exists()
    assert not list(tmp_path.glob(".vcdoctor-*"))


@pytest.mark.parametrize("cap, value", [("MAX_MEMBERS", 2), ("MAX_MEMBER_BYTES", 1024)])
def test_the_writer_refuses_what_each_of_the_readers_caps_would_refuse(cap, value, tmp_path, monkeypatch):
    from vcdoctor import snapshot
    from vcdoctor.gateway.requests import ApiRequest, RawResponse

    records = {str(i): (ApiRequest("get", name=f"n{i}"), RawResponse(200, json.dumps({"x": "a" * 2048}).encode()))
               for i in range(3)}
    out = tmp_path / "s.tar.gz"
    snapshot.write(str(out), {}, records)  # within the shipped caps
    monkeypatch.setattr(snapshot.reading, cap, value)
    with pytest.raises(snapshot.SnapshotError, match="not writing .* replay would refuse it .* narrow it"):
        snapshot.write(str(tmp_path / "t.tar.gz"), {}, records)
    assert not (tmp_path / "t.tar.gz").exists()


def test_redact_decodes_each_kept_vcluster_config_once(tmp_path, mocker):
    from vcdoctor import contributions, snapshot
    from vcdoctor.gateway.requests import ApiRequest, RawResponse
    from vcdoctor.gateway.resources import SECRETS
    from vcdoctor.products.vcluster import config_snapshot

    decode = mocker.Mock(side_effect=config_snapshot.decoded_outline)
    vc_config = contributions.SecretValue("config.yaml", config_snapshot.reduced_config, dataclasses.replace(
        config_snapshot.VC_CONFIG.names, decode=decode))
    mocker.patch.object(contributions, "secret_values", return_value={"config.yaml": vc_config})
    value = base64.b64encode(b"sync:\n  toHost:\n    secrets:\n      mappings:\n        byName:\n"
                             b"          team-a/db: x/y\n").decode()
    secret = {"metadata": {"name": "vc-config-vc", "namespace": "vc-ns"}, "data": {"config.yaml": value}}
    request = ApiRequest("get", SECRETS, "vc-ns", "vc-config-vc")
    records = {"s": (request, RawResponse(200, json.dumps(secret).encode()))}
    snapshot.write(str(tmp_path / "s.tar.gz"), {}, records, redact=True)
    assert decode.call_count == 1
    (kept,) = snapshot.read(str(tmp_path / "s.tar.gz"))[1].values()
    assert b"team-a" not in base64.b64decode(kept.decoded["data"]["config.yaml"])  # its byName key hashed


def test_collect_redacts_by_default_names_its_file_and_says_so(cluster, kubeconfig, tmp_path, monkeypatch):
    """As support-bundle tools do: names hashed unless --no-redact, a default file name, the choice said."""
    guide_cluster(cluster)
    monkeypatch.chdir(tmp_path)
    result = invoke("collect", "--kubeconfig", kubeconfig)
    assert result.exit_code == 0 and "names redacted (--no-redact keeps them)" in result.stderr
    (written,) = tmp_path.glob("vcdoctor-fake-*.tar.gz")
    raw = gzip.decompress(written.read_bytes())
    assert b"gpu-sharing-pod" not in raw and json.loads(invoke("run", "--snapshot", str(written), "-o", "json")
                                                       .stdout)["snapshot"]["redacted"] is True


def test_a_flag_written_as_two_words_keeps_its_value_and_nothing_else():
    from vcdoctor.snapshot.minimise import kept_args

    assert kept_args(["--namespace-label-selector", "kai=on", "--token", "s3cret", "--zap-devel", "positional",
                      "--scheduler-name", "--password=x"]) == ["--namespace-label-selector", "kai=on", "--zap-devel",
                                                               "--scheduler-name"]


def test_the_classes_vcluster_sets_on_host_pods_survive_a_snapshot(cluster, kubeconfig, tmp_path):
    """sync.toHost.pods.priorityClassName / runtimeClassName (v0.23+) are values checks read: kept, not blanked."""
    from tests.fakeapi import vcluster_releases as vr

    cluster.add(*f.vcluster(VC, VC_NS, version="0.23.0", extra_values=vr.pod_classes("kata", "train")),
                f.synced_pod("p", "team-a", VC, VC_NS, labels={"priorityClassName": "train"}, hashed_labels=True),
                f.priority_class("train"))
    out = tmp_path / "snap.tar.gz"
    assert invoke("collect", "--no-redact", "--kubeconfig", kubeconfig, "--out", str(out)).exit_code == 0
    replayed = json.loads(invoke("run", "--snapshot", str(out), "-o", "json", "--check",
                                 "vcluster-priority-class").stdout)
    (check,) = replayed["checks"]
    assert check["status"] == "pass" and "priority class train (sync.toHost.pods.priorityClassName)" in check["message"]
    with tarfile.open(out) as archive:
        secrets = [json.loads(archive.extractfile(m).read()) for m in archive.getmembers()
                   if m.isfile() and "secrets" in m.name]
    stored = [base64.b64decode(s["body"]["data"]["config.yaml"]) for s in secrets if "config.yaml" in
              (s.get("body") or {}).get("data", {})]
    assert stored and all(b"runtimeClassName: kata" in text for text in stored)
