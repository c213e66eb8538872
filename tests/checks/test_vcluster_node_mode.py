"""vcluster-node-mode: host nodes pass, private nodes fail, unreadable config errors."""

from __future__ import annotations

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_node_mode import CHECK
from vcdoctor.model import Status


def test_host_nodes_pass(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0"))
    assert run_check(CHECK).status is Status.PASS


def test_private_nodes_fail(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0", extra_values={"privateNodes": {"enabled": True}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "install KAI inside the vCluster" in result.remediation


def test_forbidden_config_is_an_error(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"))
    cluster.deny("get", "secrets")
    assert run_check(CHECK).status is Status.ERROR


def test_pre_020_has_no_private_nodes(cluster, run_check):
    cluster.add(*f.vcluster("old", "ns", version="0.19.5", with_secret=False))
    assert run_check(CHECK).status is Status.PASS
