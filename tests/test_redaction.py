"""Name redaction: consistent tokens, word boundaries, translated host names, keys untouched."""

from __future__ import annotations

from vcdoctor.products.vcluster.names import host_pod_name, virtual_of_host_pod_name
from vcdoctor.redaction import Redactor


def test_host_names_map_to_the_translation_of_hashed_names():
    r = Redactor(salt="s")
    r.learn_virtual_pod("gpu-pod", "team-a", "my-vc")
    host = host_pod_name("gpu-pod", "team-a", "my-vc")
    assert r.apply(f"vc-ns/{host}") == f"vc-ns/{host_pod_name(r.token('gpu-pod'), r.token('team-a'), 'my-vc')}"


def test_a_host_pod_name_in_a_log_spells_its_virtual_pod_only_for_its_own_vcluster():
    host = host_pod_name("gpu-pod", "team-a", "my-vc")
    assert virtual_of_host_pod_name(host, "my-vc") == ("gpu-pod", "team-a")
    assert virtual_of_host_pod_name(host, "vc") is None
    assert virtual_of_host_pod_name(host_pod_name("p" * 60, "team-a", "my-vc"), "my-vc") is None  # shortened


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


def test_names_only_in_logs_are_learned_and_hashed():
    from tests.fakeapi import factories as f

    r = Redactor(salt="s")
    log = "\n".join([f.reconciler_forbidden_line(ns="other-ns"), f.owner_fallback_line(pod_name="lone-pod"),
                     'I1120 syncer.go:12] msg="sync" pod="tenant-b/web-0" namespace=tenant-c'])
    r.learn_from_log(log)
    out = r.apply(log)
    for name in ("other-ns", "trainer-0", "lone-pod", "tenant-b", "web-0", "tenant-c"):
        assert name in r.mapping and name not in out.replace("pod-grouper", "")
    assert "kai-scheduler" in out  # kept: checks look it up by name


def test_podgroup_names_hash_like_the_same_name_elsewhere():
    r = Redactor(salt="s")
    r.learn_pod("gpu-pod")
    uid = "0c7e1f0a-1111-2222-3333-444455556666"
    assert r.apply(f"gpu-pod pg-gpu-pod-{uid}.") == f"{r.token('gpu-pod')} pg-{r.token('gpu-pod')}-{uid}."


def test_requests_keep_their_syntax_whatever_the_namespaces_are_called():
    r = Redactor(salt="s")
    for name in ("vcluster", "app", "pods", "v1", "list", "helm", "owner", "involvedObject.name", "Pod"):
        r.learn_namespace(name)
    request = {"verb": "list", "resource": {"group": "", "version": "v1", "plural": "pods", "namespaced": True},
               "namespace": "app", "label_selector": "app=vcluster", "limit": 500, "continue_token": "app",
               "field_selector": "involvedObject.kind=Pod,involvedObject.name=app"}
    out = r.apply_request(request)
    assert out == dict(request, namespace=r.token("app"),
                       field_selector=f"involvedObject.kind={r.token('Pod')},involvedObject.name={r.token('app')}")
    review = {"verb": "access-review", "review": ["list", "", "pods", "", "app", "v1"]}
    assert r.apply_request(review)["review"] == ["list", "", "pods", "", r.token("app"), r.token("v1")]
    assert r.apply_json({"apiVersion": "v1", "kind": "Pod", "spec": {"schedulerName": "app"}, "x": "v1"}) == {
        "apiVersion": "v1", "kind": "Pod", "spec": {"schedulerName": "app"}, "x": r.token("v1")}


def test_vcluster_names_given_to_keep_stay_in_clear():
    r = Redactor(salt="s", keep=["my-vc"])
    r.learn_virtual_pod("p", "my-vc", "my-vc")
    assert r.apply("my-vc") == "my-vc" and r.apply("p") == r.token("p")


def test_apply_builds_no_pattern_and_costs_the_same_for_many_names(monkeypatch):
    import re
    import time

    text = " ".join(f"pod-{i % 50} ns-{i % 7}/other-{i}.svc" for i in range(20_000))
    few, many = Redactor(salt="s"), Redactor(salt="s")
    for i in range(10):
        few.learn_pod(f"pod-{i}")
    for i in range(5000):
        many.learn_virtual_pod(f"pod-{i}", f"ns-{i % 100}", "vc")
    compiled = []
    monkeypatch.setattr(re, "compile", lambda *a, **k: compiled.append(a) or None)

    def cost(redactor):
        started = time.perf_counter()
        for _ in range(3):
            redactor.apply(text)
        return time.perf_counter() - started

    cost(few)
    ratio = cost(many) / cost(few)
    print(f"apply with 5000 learned pods / with 10: {ratio:.2f}x")
    # the matcher is the module's one token pattern and a dict, built once at import: the work per word is one
    # dict lookup whatever the number of names (the ratio above is printed, not asserted)
    assert compiled == []
