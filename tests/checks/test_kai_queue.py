"""kai-queue: the queue a pod lands in per release (PodGroup, label key, project, default), missing, orphan, parent
and root queues, the v0.5 runai/queue key, the configured key, CRD missing."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import kai_releases as kr
from vcdoctor.checks.kai_queue import CHECK
from vcdoctor.model import Status


def _cluster(cluster, labels, version="v0.10.2", queues=(("team-a", "default-parent-queue"),), podgroup=None,
             **install):
    cluster.add(*f.vcluster("vc", "ns"), *kr.install(version, **install), *[f.queue(q, p) for q, p in queues],
                f.synced_pod("p", "team-a", "vc", "ns", labels=labels, podgroup=podgroup or "auto"))


def test_existing_leaf_queue_passes(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"})
    assert run_check(CHECK).status is Status.PASS


def test_no_label_uses_default_queue(cluster, run_check):
    _cluster(cluster, {})
    result = run_check(CHECK)
    assert result.status is Status.PASS and "default-queue" in result.message


def test_podgroup_spec_queue_is_the_schedulers_answer(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"}, podgroup="pg-p-1")
    cluster.add(f.podgroup("pg-p-1", "ns", "ghost"))
    assert run_check(CHECK).status is Status.PASS  # cluster-wide: the pod-grouper's order on the labels
    result = run_check(CHECK, namespace="team-a", pod="p")
    assert result.status is Status.FAIL and "ghost do not exist" in result.message


@pytest.mark.parametrize("labels, queue", [
    ({"project": "team-a"}, "team-a"),
    ({"project": "team", "kai.scheduler/node-pool": "a"}, "team-a"),
])
def test_project_label_names_the_queue(cluster, run_check, labels, queue):
    _cluster(cluster, labels)
    result = run_check(CHECK)
    assert result.status is Status.PASS and queue in result.message


def test_missing_queue_fails_with_an_apply_script(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "ghost"})
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "ghost do not exist" in result.message
    assert "default-queue, team-a" in result.remediation
    script = result.fix.script
    assert "\ncat > \"$work/step1-queues.yaml\" <<'VCDOCTOR_EOF'\n" in script and "    name: ghost\n" in script
    assert "    parentQueue: default-parent-queue\n" in script
    assert "\nkubectl apply --filename \"$work/step1-queues.yaml\" --context fake\n)\n" in script


def test_orphan_queue_is_dropped_in_every_release(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-b"}, version="v0.4.5",
             queues=(("team-b", "research"),))
    cluster.objects[("", "pods")][-1]["metadata"]["labels"]["runai/queue"] = "team-b"
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "team-b (parent research does not exist)" in result.message
    assert "  name: research" in result.fix.script


def test_parent_queue_fails(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "default-parent-queue"})
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "leaf" in result.message


@pytest.mark.parametrize("version, status", [("v0.12.9", Status.FAIL), ("v0.13.0", Status.PASS)])
def test_root_leaf_queue_usable_only_from_v0_13(cluster, run_check, version, status):
    _cluster(cluster, {"kai.scheduler/queue": "solo"}, version=version, queues=(("solo", None),))
    result = run_check(CHECK)
    assert result.status is status, result.message
    if status is Status.FAIL:
        assert "root leaf queues from v0.13.0" in result.message
        assert 'kubectl patch queues.scheduling.run.ai/solo --type merge --patch' in result.fix.script


@pytest.mark.parametrize("version", ["v0.2.0", "v0.5.0", "v0.5.5"])
def test_v0_5_reads_runai_queue_and_is_never_told_to_rename_it(cluster, run_check, version):
    _cluster(cluster, {"runai/queue": "team-a"}, version=version)
    result = run_check(CHECK)
    assert result.status is Status.PASS, result.message
    assert result.evidence[1].observation == "runai/queue"


def test_v0_5_ignores_the_kai_label(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"}, version="v0.5.5")
    result = run_check(CHECK)
    assert result.status is Status.WARN and "does not read (it reads runai/queue" in result.message
    assert "Add the label runai/queue=team-a" in result.fix.script
    assert "rename" not in (result.remediation + result.fix.script).lower()


@pytest.mark.parametrize("older, newer", [("v0.5.5", "v0.6.0")])
def test_queue_label_boundary(cluster, run_check, older, newer):
    _cluster(cluster, {"runai/queue": "team-a"}, version=newer)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "runai/queue=team-a, which KAI v0.6.0 does not read" in result.message
    assert "kai.scheduler/queue=team-a" in result.fix.script


def test_v0_5_1_flag_changes_the_key(cluster, run_check):
    _cluster(cluster, {"team": "team-a"}, version="v0.5.1", queue_label_key="team")
    result = run_check(CHECK)
    assert result.status is Status.PASS and result.evidence[1].observation == "team"


def test_configured_queue_label_key_from_the_config(cluster, run_check):
    _cluster(cluster, {"acme.io/queue": "team-a"}, version="v0.16.0", queue_label_key="acme.io/queue")
    result = run_check(CHECK)
    assert result.status is Status.PASS and "Config kai-config spec.global.queueLabelKey" in \
        result.evidence[1].data["source"]


def test_configured_scheduler_name_selects_the_pods(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "ghost"}, version="v0.12.0", scheduler_name="gpu-sched")
    assert run_check(CHECK).status is Status.SKIP
    cluster.objects[("", "pods")][-1]["spec"]["schedulerName"] = "gpu-sched"
    assert run_check(CHECK).status is Status.FAIL


def test_missing_crd_is_an_error(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "team-a"})
    cluster.remove_group("scheduling.run.ai")
    assert run_check(CHECK).status is Status.ERROR


def test_an_unknown_release_prints_no_none_for_the_label_key(cluster, run_check):
    """KAI not found where vcdoctor looks: the release and its queue label key are unknown, nothing is called
    ignored, and no None is printed as a name."""
    objs = kr.install("v0.7.11")
    for obj in objs:  # a pre-operator chart installed with `helm install -n gpu-platform`: no Config says where
        meta = obj["metadata"]
        if meta.get("namespace") == "kai-scheduler" or meta["name"] == "kai-scheduler":
            meta["namespace" if "namespace" in meta else "name"] = "gpu-platform"
    cluster.add(*f.vcluster("vc", "ns"), *objs, f.queue("team-a", "default-parent-queue"),
                f.synced_pod("p", "team-a", "vc", "ns", labels={"kai.scheduler/queue": "team-a"}))
    result = run_check(CHECK)
    said = " ".join([result.message, result.remediation or ""] + [e.observation for e in result.evidence])
    assert "None" not in said and "does not read" not in said


@pytest.mark.parametrize("version, warned", [("v0.5.5", False), ("v0.6.0", True), ("v0.17.0", True)])
def test_the_queue_step_warns_of_the_fail_closed_webhook_from_v0_6(cluster, run_check, version, warned):
    _cluster(cluster, {"kai.scheduler/queue": "ghost", "runai/queue": "ghost"}, version=version)
    script = run_check(CHECK).fix.script
    assert "kubectl apply --filename" in script
    assert ("failed calling webhook" in script) is warned


def test_a_root_leaf_queue_on_an_unknown_release_warns(cluster, run_check):
    _cluster(cluster, {"kai.scheduler/queue": "solo"}, version="v0.12.9", queues=(("solo", None),))
    for pod in cluster.objects[("", "pods")]:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].replace("v0.12.9", "v0.30.0")
    result = run_check(CHECK)
    assert (result.status, result.code, result.objects) == (Status.WARN, "VCD314", ("solo",)), result.message
