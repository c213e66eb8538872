"""kai-gpu-request: valid requests pass; bad annotations, no GPU nodes, too-big requests, gpu-memory labels."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import kai_releases as kr
from vcdoctor.checks.kai_gpu_request import CHECK
from vcdoctor.model import Status


def _cluster(cluster, nodes=(("gpu-1", 4),), **pod):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns", **pod),
                *[f.node(name, gpus) for name, gpus in nodes])


def test_valid_fraction_passes(cluster, run_check):
    _cluster(cluster, annotations={"gpu-fraction": "0.5"})
    assert run_check(CHECK).status is Status.PASS


@pytest.mark.parametrize("annotations, gpus, words", [
    ({"gpu-fraction": "1.0"}, 0, "gpu-fraction annotation value must be a positive number smaller than 1.0"),
    ({"gpu-fraction": "half"}, 0, "gpu-fraction annotation value must be a positive number smaller than 1.0"),
    ({"gpu-memory": "-5"}, 0, "gpu-memory annotation value must be a positive integer greater than 0"),
    ({"gpu-memory": "²"}, 0, "gpu-memory annotation value must be a positive integer greater than 0"),
    ({"gpu-fraction": "0.5", "gpu-memory": "2000"}, 0, "cannot request both GPU and GPU memory"),
    ({"gpu-memory": "2000"}, 1, "cannot request both GPU and GPU memory"),
    ({"gpu-fraction": "0.5"}, 1, "cannot have both GPU fraction request and whole GPU resource request/limit"),
    ({"gpu-fraction-num-devices": "2"}, 0, "cannot request multiple fractional devices"),
    ({"gpu-fraction": "0.5", "gpu-fraction-num-devices": "x"}, 0, "fraction count annotation value"),
])
def test_invalid_requests_fail(cluster, run_check, annotations, gpus, words):
    _cluster(cluster, annotations=annotations, gpus=gpus)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and words in result.message
    # the pod is a virtual object: a step by hand inside the vCluster, shown as comments
    assert [s.target() for s in result.fix.steps if s.manual] == \
        ["inside vCluster ns/vc (vcluster connect vc -n ns), not the host cluster"]
    assert any(line.startswith("#   team-a/p: ") and words in line for line in result.fix.script.splitlines())


@pytest.mark.parametrize("version, status", [("v0.10.0", Status.PASS), ("v0.10.1", Status.FAIL)])
def test_init_container_gpu_limits_count_from_v0_10_1(cluster, run_check, version, status):
    _cluster(cluster, annotations={"gpu-memory": "2000"})
    cluster.add(*kr.install(version))
    pod = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"].startswith("p-x-"))
    pod["spec"]["initContainers"] = [{"name": "warmup", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]
    cluster.add(f.node("gpu-1", labels={"nvidia.com/gpu.memory": "40960"}, gpus=4))
    result = run_check(CHECK)
    assert result.status is status, result.message
    if status is Status.FAIL:
        assert f"KAI {version} rejects it: cannot request both GPU and GPU memory" in result.message


@pytest.mark.parametrize("version, status", [("v0.16.2", Status.PASS), ("v0.16.3", Status.FAIL)])
def test_fraction_notation_check_only_where_backported(cluster, run_check, version, status):
    _cluster(cluster, annotations={"gpu-fraction": "0x1p-2"})
    cluster.add(*kr.install(version))
    assert run_check(CHECK).status is status


@pytest.mark.parametrize("version, status", [
    ("v0.12.22", Status.PASS), ("v0.12.23", Status.FAIL),
    ("v0.14.6", Status.PASS), ("v0.14.7", Status.FAIL),
    ("v0.16.2", Status.PASS), ("v0.16.3", Status.FAIL), ("v0.10.2", Status.PASS),
])
def test_nan_fraction_is_refused_only_where_the_notation_is_checked(cluster, run_check, version, status):
    """Go's ParseFloat accepts "NaN" and it passes `<= 0` and `>= 1`: only ParseQuantity refuses it
    (gpu_request_validator.go:79-89@v0.17.0), with the notation message."""
    _cluster(cluster, annotations={"gpu-fraction": "NaN"})
    cluster.add(*kr.install(version))
    result = run_check(CHECK)
    assert result.status is status
    if status is Status.FAIL:
        assert "written with a" in result.message


def test_no_gpu_nodes_fails(cluster, run_check):
    _cluster(cluster, nodes=(("cpu-1", 0),), gpus=1)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "device plugin" in result.remediation


def test_request_bigger_than_any_node_fails(cluster, run_check):
    _cluster(cluster, nodes=(("gpu-1", 4), ("gpu-2", 8)), gpus=16)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "gpu-2, has 8" in result.message


def test_gpu_memory_without_node_label_warns(cluster, run_check):
    _cluster(cluster, annotations={"gpu-memory": "2000"})
    assert run_check(CHECK).status is Status.WARN


def test_skip_without_gpu_requests(cluster, run_check):
    _cluster(cluster)
    assert run_check(CHECK).status is Status.SKIP


def test_forbidden_nodes_is_an_error(cluster, run_check):
    _cluster(cluster, gpus=1)
    cluster.deny("list", "nodes")
    assert run_check(CHECK).status is Status.ERROR
