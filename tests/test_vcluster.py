"""vCluster knowledge: host pod names, config reduction, version parsing."""

from __future__ import annotations

import hashlib

import pytest

from vcdoctor.products.vcluster.config import MalformedConfig, parse_config
from vcdoctor.products.vcluster.names import host_pod_name
from vcdoctor.versions import parse_version


def test_host_pod_name_short():
    assert host_pod_name("trainer-0", "team-a", "my-vcluster") == "trainer-0-x-team-a-x-my-vcluster"


def test_host_pod_name_at_63_is_kept():
    assert host_pod_name("a" * 40, "team-a", "my-vcluster") == "a" * 40 + "-x-team-a-x-my-vcluster"


def test_host_pod_name_long_is_hashed_to_63():
    full = "a" * 41 + "-x-team-a-x-my-vcluster"
    name = host_pod_name("a" * 41, "team-a", "my-vcluster")
    # vCluster SafeConcatName: first 52 chars, "-", first 10 hex of sha256 of the full name
    assert name == full[:52] + "-" + hashlib.sha256(full.encode()).hexdigest()[:10]
    assert len(name) == 63


def test_host_pod_name_replaces_dot_dash_after_hashing():
    name = host_pod_name("x" * 51 + ".y", "namespace", "vc")
    assert name.startswith("x" * 51 + "-") and ".-" not in name and len(name) == 62


def test_parse_config_keeps_only_the_keys_checks_read():
    text = b"experimental:\n  syncSettings:\n    setOwner: false\nexportKubeConfig:\n  token: secret\n"
    assert parse_config(text) == {"experimental.syncSettings.setOwner": False}


@pytest.mark.parametrize("text, message", [
    (b"a: [", "not valid YAML"),
    (b"- a\n- b\n", "holds a list"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_parse_config_rejects_malformed(text, message):
    with pytest.raises(MalformedConfig, match=message):
        parse_config(text)


def test_parse_version():
    assert parse_version("vcluster-0.27.0") == (0, 27, 0)
    assert parse_version("v0.20.0-beta.1") == (0, 20, 0)
    assert parse_version("latest") is None


def test_a_yaml_alias_bomb_is_a_malformed_config_not_gigabytes():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    with pytest.raises(MalformedConfig, match="aliases"):
        parse_config(bomb.encode())
