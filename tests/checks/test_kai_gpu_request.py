"""kai-gpu-request: valid requests pass; bad annotations, no GPU nodes, too-big requests, gpu-memory labels."""

from __future__ import annotations

import pytest

from vcdoctor.checks.kai_gpu_request import CHECK
from tests.fakeapi import factories as f
from vcdoctor.model import Status


def _cluster(cluster, nodes=(("gpu-1", 4),), **pod):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "team-a", "vc", "ns", **pod),
                *[f.node(name, gpus) for name, gpus in nodes])


def test_valid_fraction_passes(cluster, run_check):
    _cluster(cluster, annotations={"gpu-fraction": "0.5"})
    assert run_check(CHECK).status is Status.PASS


@pytest.mark.parametrize("annotations, gpus, words", [
    ({"gpu-fraction": "1.0"}, 0, "not between 0 and 1"),
    ({"gpu-fraction": "half"}, 0, "not a number"),
    ({"gpu-memory": "-5"}, 0, "not a positive integer"),
    ({"gpu-fraction": "0.5", "gpu-memory": "2000"}, 0, "together"),
    ({"gpu-fraction": "0.5"}, 1, "nvidia.com/gpu limit"),
])
def test_invalid_requests_fail(cluster, run_check, annotations, gpus, words):
    _cluster(cluster, annotations=annotations, gpus=gpus)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and words in result.message


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
