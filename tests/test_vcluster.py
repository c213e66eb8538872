"""vCluster knowledge: host pod names, config reduction, version parsing."""

from __future__ import annotations

import hashlib

import pytest

from vcdoctor import pods as podinfo
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


# -- syncer log: both formats, structured fields, never name-2, every quota text --------------------------

from vcdoctor.products.vcluster import syncer_log  # noqa: E402

V020 = ("I1120 10:00:01.000000 1 namespaced_translator.go:80] pod: error syncing pod team-a/trainer-0 to physical "
        "cluster: pods \"trainer-0-x-team-a-x-vc\" is forbidden: exceeded quota: gpu-quota, requested: "
        "requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=8")
V021 = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/trainer-0 to host cluster: pods "
        "\"trainer-0-x-team-a-x-vc\" is forbidden: failed quota: compute: must specify limits.cpu for: main")
RECONCILER = ('{"level":"error","ts":"2026-11-20T10:00:01Z","msg":"Reconciler error","controller":"pod",'
              '"namespace":"team-a","name":"trainer-0","reconcileID":"1f2e","error":"pods \\"trainer-0-x-team-a-x-vc'
              '\\" is forbidden: exceeded quota: gpu-quota"}')
CONSOLE_RECONCILER = ('2026-11-20T10:00:01.000Z\tERROR\tReconciler error\t{"controller": "pod", "namespace": '
                      '"team-a", "name": "trainer-0", "reconcileID": "1f2e", "error": "admission webhook '
                      '\\"validating-kai-admission.kai.scheduler\\" denied the request: no"}')


@pytest.mark.parametrize("line", [V020, V021, RECONCILER, CONSOLE_RECONCILER])
def test_syncer_log_formats_are_recognised_for_their_pod(line):
    found = syncer_log.refusals([line], "vc-ns/vc-0", "vc", "team-a", "trainer-0")
    assert len(found) == 1 and ("quota" in found[0].reason or "denied the request" in found[0].reason)
    assert syncer_log.refusals([line], "vc-ns/vc-0", "vc", "team-a", "trainer") == []


@pytest.mark.parametrize("line", [V020, V021, RECONCILER, CONSOLE_RECONCILER])
def test_syncer_log_never_takes_name_2_for_name(line):
    other = line.replace("trainer-0", "trainer-0-2")
    assert syncer_log.refusals([other], "vc-ns/vc-0", "vc", "team-a", "trainer-0") == []
    assert syncer_log.refusals([line.replace("team-a", "team-a-2")], "s", "vc", "team-a", "trainer-0") == []


def test_syncer_log_quota_texts_are_quoted_whole():
    (exceeded,) = syncer_log.refusals([V020], "s", "vc", "team-a", "trainer-0")
    assert "exceeded quota: gpu-quota" in exceeded.reason and "physical cluster" not in exceeded.reason
    (must,) = syncer_log.refusals([V021], "s", "vc", "team-a", "trainer-0")
    assert "failed quota: compute: must specify limits.cpu" in must.reason


def test_reconciler_error_of_another_controller_is_not_the_pod():
    line = RECONCILER.replace('"controller":"pod"', '"controller":"configmap"')
    assert syncer_log.refusals([line], "s", "vc", "team-a", "trainer-0") == []


# -- syncLabels wildcards and multi-namespace naming ------------------------------------------------------

from vcdoctor.products.vcluster.names import (  # noqa: E402
    is_virtual_pod,
    label_synced,
    multi_namespace_host_namespace,
)


@pytest.mark.parametrize("patterns, kept", [
    (["kai.scheduler/queue"], True),
    (["kai.scheduler/*"], True),
    (["scheduler/*"], True),          # unanchored: matches inside kai.scheduler/queue
    (["kai*"], False),                # no "/*": an exact key, which no label is
    (["kai.scheduler/q*"], False),    # same
    (["kaiXscheduler/*"], False),
    (["kai.scheduler/*".replace(".", "?")], False),
    (["k.i.scheduler/*"], True),      # "." is a regex any-char
    ([], False),
])
def test_sync_labels_judges_wildcards_as_vcluster_does(patterns, kept):
    assert label_synced(patterns, "kai.scheduler/queue") is kept


def test_multi_namespace_host_namespace_is_vclusters_formula():
    vns, ns, vc = "ml", "vc-ns", "my-vcluster"
    expected = (f"vcluster-{hashlib.sha256(vns.encode()).hexdigest()[:8]}-"
                f"{hashlib.sha256((ns + 'x' + vc).encode()).hexdigest()[:8]}")
    assert multi_namespace_host_namespace(vns, ns, vc) == expected


def test_multi_namespace_pod_is_recognised_without_managed_by():
    from tests.fakeapi import vcluster_releases as vr

    pod = podinfo.from_json(vr.multi_namespace_pod("trainer-0", "ml", "vc", "vc-ns"))
    assert is_virtual_pod(pod, "vc", "ml", "trainer-0", "vc-ns")
    assert not is_virtual_pod(pod, "vc", "ml", "trainer-0", "other-ns")    # same name, other vCluster
    assert not is_virtual_pod(pod, "vc", "ml", "trainer-0")                # single-namespace lookup


def test_only_vcdoctor_notes_the_vcluster_it_found_a_pod_for():
    from tests.fakeapi import factories as f
    from vcdoctor.products.vcluster import owner_key
    from vcdoctor.products.vcluster.names import note_owner

    # the annotation earlier releases of vcdoctor noted with: on a pod it is the pod's word, and not taken
    pod = podinfo.from_json(f.pod("trainer-0", "other", annotations={"vcdoctor.internal/vcluster": "vc-ns/vc"}))
    assert owner_key(pod) == ("other", "")
    assert owner_key(note_owner(pod, "vc-ns", "vc")) == ("vc-ns", "vc") and pod.found_for is None


# -- the settings table: every key a check reads is declared once, typed, cited, within the supported releases --

from vcdoctor.products.vcluster import compat, config  # noqa: E402
from vcdoctor.products.vcluster.config import Settings, UndeclaredSetting  # noqa: E402


def test_reading_an_undeclared_setting_raises_instead_of_returning_the_default():
    settings = Settings("test", {"privateNodes.enabled": True, "privateNodes.enabledd": True})
    assert settings.get("privateNodes.enabled") is True
    with pytest.raises(UndeclaredSetting, match="privateNodes.enabledd"):
        settings.get("privateNodes.enabledd", False)


def test_every_settings_row_is_unique_typed_cited_and_supported():
    keys = [k for s in compat.SETTINGS for k in (s.path, s.flag) if k]
    assert len(keys) == len(set(keys))
    for setting in compat.SETTINGS:
        assert setting.path or setting.flag
        assert setting.type in (bool, str, list) and "@v0." in setting.source
        assert setting.span.first >= compat.SUPPORTED.first and setting.span.until <= compat.SUPPORTED.until
        if setting.flag:
            assert setting.flag.startswith("--") and "pkg/options/flags.go" in setting.source


def _keys_named_by_compat():
    """Every config key or flag the compat tables tell checks to read, with the releases they read it in."""
    tables = (compat.SYNC_LABELS_KEY, compat.SCHEDULER_KEYS, compat.MULTI_NAMESPACE_KEY, compat.SET_OWNER_KEY,
              compat.PRIVATE_NODES, compat.PRIVATE_NODES_REFUSED_WITH)
    eras = [e for t in tables for e in t.eras] + [compat.POD_PRIORITY_CLASS, compat.POD_RUNTIME_CLASS]
    for era in eras:
        for key in era.value if isinstance(era.value, tuple) else (era.value,):
            if key:
                yield key.partition("@")[0], era.span


@pytest.mark.parametrize("key, span", list(_keys_named_by_compat()))
def test_every_key_the_compat_tables_name_is_declared_for_those_releases(key, span):
    setting = config.declared(key)
    releases = setting.span if key == setting.path else compat.CONFIG_SOURCE.eras[0].span
    assert releases.first <= span.first and span.until <= releases.until


def test_syncer_flags_and_snapshot_flags_derive_from_the_table():
    from vcdoctor.products.vcluster import facts

    assert set(facts.SNAPSHOT_FLAGS) == {s.flag for s in compat.SETTINGS if s.flag}
    assert set(config.BOOL_FLAGS) == {"--set-owner", "--multi-namespace-mode", "--enable-scheduler",
                                      "--enable-priority-classes"}
    assert config.syncer_flags(["--set-owner=false", "--sync-labels=a,b", "--sync=priorityclasses",
                                "--target-namespace=t", "--multi-namespace-mode", "--tls-san=x"]) == {
        "--set-owner": False, "--sync-labels": ["a", "b"], "--sync": ["priorityclasses"], "--target-namespace": "t",
        "--multi-namespace-mode": True}
