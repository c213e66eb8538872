"""vcluster-set-owner: pass / fail / warn / could-not-look."""

from __future__ import annotations

import base64

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_set_owner import CHECK
from vcdoctor.model import Status

VC, NS = "my-vcluster", "vc-ns"


def test_pass_when_set_owner_false_and_no_owned_pods(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS, set_owner=False), f.synced_pod("p", "team-a", VC, NS))
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert result.evidence[0].data["experimental.syncSettings.setOwner"] is False


def test_fail_when_set_owner_absent_defaults_to_true(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS, set_owner=None))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "setOwner: false" in result.remediation and "reset every other value" in result.remediation
    script = result.fix.script
    assert (f"\nhelm get values {VC} --namespace {NS} --output json --kube-context fake "
            '> "$work/step1-installed.json"\n') in script
    assert "\nexperimental:\n  syncSettings:\n    setOwner: false\nVCDOCTOR_EOF\n" in script
    assert (f"\nvcluster create --upgrade {VC} --namespace {NS} --chart-version 0.27.0 --connect=false --values "
            '"$work/step1-installed.json" --values "$work/step1-change.yaml" --context fake\n') in script


def test_warn_when_pods_still_owned(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS, set_owner=False), f.synced_pod("p", "team-a", VC, NS, owner=True))
    result = run_check(CHECK)
    assert result.status is Status.WARN
    assert "1 host pod(s) still carry" in result.message
    assert any(e.data.get("pods") == [f"{NS}/p-x-team-a-x-{VC}"] for e in result.evidence)


def test_warn_when_control_plane_runs_older_config(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS, set_owner=False, stale=True))
    result = run_check(CHECK)
    assert result.status is Status.WARN
    assert f"kubectl rollout restart statefulset/{VC} --namespace {NS} --context fake" in result.fix.script
    assert "vcluster create" not in result.fix.script  # a restart where only a restart is needed


def test_pre_020_reads_the_syncer_flag(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS, version="0.19.5", with_secret=False, syncer_args=["--set-owner=false"]))
    assert run_check(CHECK).status is Status.PASS


def test_pre_020_without_flag_fails(cluster, run_check):
    cluster.add(*f.vcluster("old", NS, version="0.19.5", with_secret=False, syncer_args=["--name=old"]))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "--set-owner=false" in result.fix.script
    upgrade = "helm upgrade old vcluster --repo https://charts.loft.sh --namespace vc-ns --version 0.19.5"
    assert upgrade in result.fix.script


def test_error_when_secret_is_forbidden(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS))
    cluster.deny("get", "secrets", NS)
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "forbidden" in result.message
    assert "kubectl auth can-i get secrets -n vc-ns" in result.remediation


def test_error_on_malformed_or_mistyped_config(cluster, run_check):
    objs = f.vcluster(VC, NS)
    secret = next(o for o in objs if o["kind"] == "Secret")
    secret["data"]["config.yaml"] = base64.b64encode(b"experimental: [unclosed").decode()
    cluster.add(*objs, *f.vcluster("typed", NS, set_owner="no"))
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "not valid YAML" in result.message and "'no' (str), not a boolean" in result.message


def test_skip_when_no_vcluster(cluster, run_check):
    result = run_check(CHECK)
    assert result.status is Status.SKIP and result.evidence


def test_worst_vcluster_wins_and_only_needed_keys_are_reported(cluster, run_check):
    cluster.add(*f.vcluster("good", "ns-good", set_owner=False), *f.vcluster("bad", "ns-bad", set_owner=True))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "ns-bad/bad" in result.message
    dumped = repr([e.to_dict() for e in result.evidence])
    assert "should-never-be-reported" not in dumped and "exportKubeConfig" not in dumped


def test_misplaced_set_owner_is_pointed_out(cluster, run_check):
    misspelt = {"experimental": {"syncSetting": {"setOwner": False}}}
    cluster.add(*f.vcluster("vc", "ns", set_owner=None, extra_values=misspelt))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "also set at experimental.syncSetting.setOwner, which vCluster ignores" in result.message
    assert result.remediation.startswith("The config sets setOwner at experimental.syncSetting.setOwner")
