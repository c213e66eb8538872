"""vcluster-node-mode: host nodes pass, private nodes fail, unreadable config errors; each release boundary."""

from __future__ import annotations

import pytest

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


# -- privateNodes: none v0.19-v0.25 | v0.26.0+; refused with k3s v0.26-v0.32 | k3s gone v0.33.0+ ----------------

PRIVATE = {"privateNodes": {"enabled": True}}
PRIVATE_K3S = {**PRIVATE, "controlPlane": {"distro": {"k3s": {"enabled": True}}}}


@pytest.mark.parametrize("version, status", [("0.25.2", Status.WARN), ("0.26.0", Status.FAIL),
                                             ("0.36.1", Status.FAIL)])
def test_private_nodes_are_judged_only_from_v026(cluster, run_check, version, status):
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=PRIVATE))
    result = run_check(CHECK)
    assert result.status is status
    if status is Status.WARN:
        # config/config.go@v0.25.2 has no privateNodes: a stray key is re-rendered away, never called private nodes
        assert "not judged on privateNodes.enabled" in result.message and "vCluster 0.25.2" in result.message
        assert "vcluster create --upgrade vc --namespace ns --chart-version 0.25.2" in result.fix.script
    else:
        assert "uses private nodes" in result.message and "config/config.go:63-64" in \
            result.evidence[0].data["rule"]


def test_a_release_without_private_nodes_passes_naming_it(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.25.2"))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "vCluster 0.25.2 has no private nodes" in result.message


@pytest.mark.parametrize("version, refused", [("0.25.2", None), ("0.26.0", True), ("0.32.3", True),
                                              ("0.33.0", False)])
def test_private_nodes_with_k3s_are_refused_only_v026_to_v032(cluster, run_check, version, refused):
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=PRIVATE_K3S))
    result = run_check(CHECK)
    if refused is None:
        assert result.status is Status.WARN and "not judged" in result.message
    elif refused:
        # validation.go:931-934@v0.26.0, :797-800@v0.32.3: the syncer does not start
        assert result.status is Status.FAIL and "refuses this config at start" in result.message
        (step,) = result.fix.steps
        assert step.values == {"privateNodes": {"enabled": False}}
    else:
        # v0.33.0 has no k3s distro: it is not judged on that key, only on private nodes
        assert result.status is Status.FAIL and "k3s" not in result.message and result.fix is None


@pytest.mark.parametrize("version", ["0.37.0", None])
def test_a_release_outside_the_table_is_not_judged_on_node_mode(cluster, run_check, version):
    objs = f.vcluster("vc", "ns", version=version or "0.27.0", extra_values=PRIVATE)
    if version is None:
        for obj in objs:  # no chart label, no image tag: the version cannot be read
            obj["metadata"].get("labels", {}).pop("chart", None)
            for container in ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers", []):
                container["image"] = "ghcr.io/loft-sh/vcluster-pro"
    cluster.add(*objs)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "not judged" in result.message and result.fix is None
    assert ("v0.37.0" if version else "version is unknown") in result.message


PRIVATE_KEY = "privateNodes.enabled"


def test_a_key_missing_from_the_settings_table_never_passes_private_nodes(cluster, run_check, monkeypatch):
    """Dropping privateNodes.enabled from compat.SETTINGS must not read as 'not set' (host nodes): the read fails."""
    from vcdoctor.products.vcluster import config

    monkeypatch.delitem(config._DECLARED, PRIVATE_KEY)
    monkeypatch.setattr(config, "CONFIG_KEYS", tuple(k for k in config.CONFIG_KEYS if ".".join(k) != PRIVATE_KEY))
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0", extra_values=PRIVATE))
    result = run_check(CHECK)
    assert result.status is Status.ERROR and "UndeclaredSetting" in str(result.evidence[0].data)



def test_a_private_nodes_switch_that_is_not_a_boolean_is_an_error(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0", extra_values={"privateNodes": {"enabled": "yes"}}))
    result = run_check(CHECK)
    assert (result.status, result.code, result.objects) == (Status.ERROR, "VCD113", ("ns/vc",))
