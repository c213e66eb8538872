"""Name redaction: consistent tokens, word boundaries, translated host names, keys untouched."""

from __future__ import annotations

from vcdoctor.redaction import Redactor
from vcdoctor.products.vcluster.names import host_pod_name


def test_host_names_map_to_the_translation_of_hashed_names():
    r = Redactor(salt="s")
    r.learn_virtual_pod("gpu-pod", "team-a", "my-vc")
    host = host_pod_name("gpu-pod", "team-a", "my-vc")
    assert r.apply(f"vc-ns/{host}") == f"vc-ns/{host_pod_name(r.token('gpu-pod'), r.token('team-a'), 'my-vc')}"


def test_only_whole_names_are_replaced():
    r = Redactor(salt="s")
    r.learn_objects([{"metadata": {"name": "a", "namespace": "team"}}], pods=True)
    assert r.apply("a team teams a-b team/a") == f"{r.token('a')} {r.token('team')} teams a-b " \
                                                 f"{r.token('team')}/{r.token('a')}"


def test_kai_namespaces_are_kept_and_json_keys_untouched():
    r = Redactor(salt="s")
    r.learn_objects([{"metadata": {"name": "status", "namespace": "kai-scheduler"}}], pods=True)
    assert r.apply_json({"status": "status", "ns": "kai-scheduler"}) == {"status": r.token("status"),
                                                                       "ns": "kai-scheduler"}


def test_podgroup_names_hide_the_owner_name():
    r = Redactor(salt="s")
    r.learn_virtual_pod("trainer", "team-a", "vc")
    text = r.apply("pg-trainer-0c7e1f0a-1111-2222-3333-444455556666")
    assert text == f"pg-{r.token('trainer')}-0c7e1f0a-1111-2222-3333-444455556666"
