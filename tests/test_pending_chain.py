"""`vcdoctor run -n x --pod y` walks the chain and names the first broken link; later links are blocked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.fakeapi import factories as f
from tests.fakeapi.scenarios import VC, VC_NS, guide_cluster
from vcdoctor.cli import main
from vcdoctor.products.vcluster.names import host_pod_name

CHAIN = ["pod-scheduler-name", "kai-queue", "kai-podgroup", "kai-gpu-request", "kai-pending-reason"]
HOST = host_pod_name("trainer", "team-a", VC)


def pending_trainer(cluster, *, scheduler="kai-scheduler", queue="test", podgroup="auto", gpus=1,
                    annotations=None, events=()):
    guide_cluster(cluster)
    pod = f.synced_pod("trainer", "team-a", VC, VC_NS, scheduler=scheduler, labels={"kai.scheduler/queue": queue},
                       phase="Pending", node=None, podgroup=podgroup, gpus=gpus, annotations=annotations)
    cluster.add(pod)
    group = pod["metadata"]["annotations"].get("pod-group-name")
    if group:
        cluster.add(f.podgroup(group, VC_NS, queue))
    cluster.add(*[f.event(VC_NS, kind, HOST if kind == "Pod" else group, reason, message)
                  for kind, reason, message in events])


def chain(kubeconfig, *extra):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "trainer",
                                       "-o", "json", *extra])
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    return result, {c["id"]: c for c in report["checks"]}


@pytest.mark.parametrize("broken, setup, words", [
    ("pod-scheduler-name", dict(scheduler="default-scheduler"), "this scheduler ignores"),
    ("kai-queue", dict(queue="ghost"), "ghost do not exist"),
    ("kai-podgroup", dict(podgroup=None), "pod-grouper has not processed"),
    ("kai-gpu-request", dict(gpus=16), "biggest node, gpu-node-1, has 8"),
    ("kai-pending-reason", dict(events=[("Pod", "Unschedulable",
                                         "0/2 nodes are available: 1 node(s) didn't have free nvidia.com/gpu")]),
     "didn't have free nvidia.com/gpu"),
])
def test_first_broken_link_fails_and_later_links_are_blocked(cluster, kubeconfig, broken, setup, words):
    pending_trainer(cluster, **setup)
    result, checks = chain(kubeconfig)
    assert result.exit_code == 1
    position = CHAIN.index(broken)
    for earlier in CHAIN[:position]:
        assert checks[earlier]["status"] == "pass", (earlier, checks[earlier]["message"])
    assert checks[broken]["status"] == "fail"
    assert words in checks[broken]["message"] or words in json.dumps(checks[broken]["evidence"])
    for later in CHAIN[position + 1:]:
        assert checks[later]["status"] == "skip" and checks[later]["message"] == f"blocked by {broken}: fix that first"


def test_gpu_share_annotation_error_is_the_gpu_link(cluster, kubeconfig):
    pending_trainer(cluster, gpus=0, annotations={"gpu-fraction": "1.5"})
    _, checks = chain(kubeconfig)
    gpu_request = checks["kai-gpu-request"]
    assert gpu_request["status"] == "fail" and "not between 0 and 1" in gpu_request["message"]


def test_podgroup_events_are_reported_too(cluster, kubeconfig):
    pending_trainer(cluster, events=[("PodGroup", "Unschedulable", "QueueDoesNotExist: Queue 'x' does not exist.")])
    _, checks = chain(kubeconfig)
    pending = checks["kai-pending-reason"]
    assert pending["status"] == "fail" and "QueueDoesNotExist" in pending["message"]


def test_pending_without_any_word_from_the_scheduler_warns(cluster, kubeconfig):
    pending_trainer(cluster)
    _, checks = chain(kubeconfig)
    pending = checks["kai-pending-reason"]
    assert pending["status"] == "warn" and "has not considered it" in pending["message"]


def test_without_pod_links_are_not_chained(cluster, kubeconfig):
    pending_trainer(cluster, queue="ghost")
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json"])
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["kai-queue"]["status"] == "fail"
    assert not checks["kai-pending-reason"]["message"].startswith("blocked")


def test_a_pod_the_host_refused_is_the_first_broken_link_not_a_usage_error(cluster, kubeconfig):
    from tests.fakeapi.scenarios import SCENARIOS

    SCENARIOS["gpu-sharing-disabled"](cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "gpu-sharing-pod",
                                       "-o", "json"])
    report = json.loads(result.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    assert result.exit_code == 1 and report["target"]["host_pods"] == []
    first = checks["pod-scheduler-name"]
    assert first["status"] == "fail" and "while GPU sharing is disabled" in first["message"]
    assert 'global.gpuSharing=true' in first["remediation"]
    assert all(checks[c]["status"] == "skip" for c in CHAIN[1:])


def test_a_pod_nobody_knows_is_still_a_usage_error(cluster, kubeconfig):
    guide_cluster(cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-n", "team-a", "--pod", "ghost"])
    assert result.exit_code == 2 and "not found" in result.stderr
