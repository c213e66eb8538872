"""kubectl, a real client, confirms the fake API server answers like kube-apiserver."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.fakeapi import factories as f

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not on PATH")


@pytest.fixture
def kubectl(kubeconfig):
    def call(*args):
        done = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True,
                              timeout=60)
        return done.returncode, done.stdout, done.stderr
    return call


def test_list_with_label_selector_and_paging(cluster, kubectl):
    cluster.add(*[f.pod(f"p{i}", "ns1", labels={"app": "x"}) for i in range(3)], f.pod("other", "ns1"))
    code, out, err = kubectl("get", "pods", "-n", "ns1", "-l", "app=x", "-o", "name", "--chunk-size=2")
    assert code == 0, err
    assert out.split() == ["pod/p0", "pod/p1", "pod/p2"]
    pages = [q for q in cluster.requests if q.path == "/api/v1/namespaces/ns1/pods"]
    assert len(pages) == 2 and "continue" in pages[1].query


def test_all_namespaces_json_and_field_selector(cluster, kubectl):
    cluster.add(f.pod("a", "ns1", scheduler="kai-scheduler"), f.pod("b", "ns2"))
    code, out, err = kubectl("get", "pods", "-A", "-o", "json", "--field-selector", "spec.schedulerName=kai-scheduler")
    assert code == 0, err
    assert [i["metadata"]["name"] for i in json.loads(out)["items"]] == ["a"]


def test_status_bodies_are_understood(cluster, kubectl):
    cluster.add(f.namespace("ns1"))
    cluster.deny("list", "pods", "locked")
    _, _, err = kubectl("get", "pod", "ghost", "-n", "ns1")
    assert 'Error from server (NotFound): pods "ghost" not found' in err
    _, _, err = kubectl("get", "pods", "-n", "locked")
    assert 'Error from server (Forbidden): pods is forbidden: User "vcdoctor-test" cannot list resource "pods"' in err
    _, _, err = kubectl("get", "pods", "-n", "ns1", "--field-selector", "spec.priority=1")
    assert "(BadRequest)" in err and "field label not supported: spec.priority" in err


def test_logs_tail_and_limit_bytes(cluster, kubectl):
    cluster.add(f.pod("p0", "ns1"))
    cluster.set_log("ns1", "p0", "main", "one\ntwo\nthree\n")
    assert kubectl("logs", "p0", "-n", "ns1", "--tail=2")[1] == "two\nthree\n"
    assert kubectl("logs", "p0", "-n", "ns1", "--limit-bytes=5")[1] == "one\nt"


def test_access_review(cluster, kubectl):
    cluster.deny("get", "pods/log", "kai-scheduler")
    assert kubectl("auth", "can-i", "get", "pods", "--subresource=log", "-n", "kai-scheduler")[1].strip() == "no"
    assert kubectl("auth", "can-i", "list", "pods", "-n", "kai-scheduler")[1].strip() == "yes"


def test_custom_resources(cluster, kubectl):
    cluster.add(*f.kai_install())
    code, out, err = kubectl("get", "configs.kai.scheduler", "kai-config",
                             "-o", "jsonpath={.spec.admission.gpuSharing}")
    assert (code, out) == (0, "true"), err
