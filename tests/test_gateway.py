"""The gateway against the fake API server, through the real kubernetes client over HTTP."""

from __future__ import annotations

import base64
import socket
import threading
from urllib.parse import urlsplit

import pytest
import yaml

from tests.fakeapi import factories as f
from vcdoctor import pods as podinfo
from vcdoctor.gateway import ApiError, Forbidden, Gateway, NotFound, Unauthorized, Unreachable
from vcdoctor.gateway import resources as r
from vcdoctor.gateway.live import KubeconfigError, connect
from vcdoctor.gateway.requests import RawResponse


def gateway_for(kubeconfig, page_size=500):
    transport, _ = connect(kubeconfig, None, 5)
    return Gateway(transport, page_size=page_size)


def list_requests(cluster, path):
    return [q for q in cluster.requests if q.path == path]


def test_list_pages_with_limit_and_continue(cluster, kubeconfig):
    cluster.add(*[f.pod(f"p{i}", "ns1") for i in range(5)])
    gw = gateway_for(kubeconfig, page_size=2)
    names = [p["metadata"]["name"] for p in gw.list(r.PODS, "ns1")]
    assert names == ["p0", "p1", "p2", "p3", "p4"]
    calls = list_requests(cluster, "/api/v1/namespaces/ns1/pods")
    assert [q.query.get("limit") for q in calls] == [["2"]] * 3
    assert "continue" not in calls[0].query and all("continue" in q.query for q in calls[1:])


class _Pages:
    """A transport serving canned list pages by continue token (the unit seam for page order)."""

    def __init__(self, pages):
        self.pages, self.asked = pages, []

    def send(self, request):
        self.asked.append(request.continue_token)
        status, body = self.pages[request.continue_token]
        return RawResponse(status, body.encode())


def test_pages_whose_metadata_follows_the_items_are_read_in_turn():
    pages = _Pages({None: (200, '{"items": [{"n": 1}], "metadata": {"continue": "b"}}'),
                    "b": (200, '{"items": [{"n": 2}], "metadata": {}}')})
    assert [i["n"] for i in Gateway(pages, page_size=1).list(r.PODS)] == [1, 2]
    assert pages.asked == [None, "b"]


def test_listed_items_come_without_the_managed_fields_no_check_reads(cluster, kubeconfig):
    pod = f.pod("p0", "ns1", labels={"app": "train"})
    pod["metadata"]["managedFields"] = [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]
    cluster.add(pod)
    (listed,) = gateway_for(kubeconfig).list(r.PODS, "ns1")
    assert "managedFields" not in listed["metadata"] and listed["metadata"]["labels"] == {"app": "train"}


def test_refs_are_a_metadata_only_list_reduced_to_namespace_and_name(cluster, kubeconfig):
    cluster.add(*[f.podgroup(f"pg{i}", f"ns{i % 2}") for i in range(5)])
    gw = gateway_for(kubeconfig, page_size=2)
    assert sorted(gw.list_refs(r.PODGROUPS)) == [("ns0", "pg0"), ("ns0", "pg2"), ("ns0", "pg4"), ("ns1", "pg1"),
                                                 ("ns1", "pg3")]
    calls = list_requests(cluster, "/apis/scheduling.run.ai/v2alpha2/podgroups")
    assert len(calls) == 1 and "PartialObjectMetadataList" in (calls[0].accept or "")
    assert gw.list_refs(r.PODGROUPS) and len(list_requests(cluster, calls[0].path)) == 1  # asked once


def test_pods_are_records_of_what_checks_read_decoded_page_by_page(cluster, kubeconfig):
    gpu = f.synced_pod("train", "ml", "vc", "vc-ns", owner=True, gpus=2, labels={"app": "train"})
    cluster.add(gpu, *[f.pod(f"p{i}", "vc-ns", waiting="CrashLoopBackOff", restarts=3, last_exit=("Error", 1))
                       for i in range(3)])
    gw = gateway_for(kubeconfig, page_size=2)
    pods = gw.pods("vc-ns")
    assert [p.name for p in pods] == ["p0", "p1", "p2", gpu["metadata"]["name"]]
    assert len(list_requests(cluster, "/api/v1/namespaces/vc-ns/pods")) == 2
    crashing, synced = pods[0], pods[3]
    assert podinfo.state_summary(crashing) == ("Running, main: CrashLoopBackOff, last exit Error (code 1), "
                                               "3 restarts")
    assert synced.labels["app"] == "train" and synced.scheduler == "kai-scheduler" and synced.node == "gpu-node-1"
    assert synced.owners == (podinfo.OwnerReference("v1", "Service", "vc", False),)
    assert synced.containers[0].limit("nvidia.com/gpu") == "2" and synced.containers[0].request("cpu") is None
    assert gw.pod(gpu["metadata"]["name"], "vc-ns") == synced
    # a page's repeated values are one string each (50,000 pods repeat a few namespaces, nodes and images)
    assert crashing.node is pods[1].node and crashing.containers[0] is pods[1].containers[0]
    assert crashing.statuses[0] is pods[1].statuses[0] and synced.statuses[0] is not crashing.statuses[0]


def test_pod_fields_of_the_wrong_shape_read_as_absent():
    pages = _Pages({None: (200, '{"items": [{"metadata": {"name": 7, "labels": []}, "spec": {"containers": [1, '
                                '{"name": "c", "resources": {"limits": "x"}, "args": "--a"}]}, "status": '
                                '{"phase": [], "conditions": {}, "containerStatuses": [{"restartCount": "many", '
                                '"state": {"waiting": {}}}]}}, "text"], "metadata": {}}')})
    pod, = Gateway(pages).pods()
    assert (pod.name, pod.labels, podinfo.phase(pod), pod.conditions) == ("7", {}, "Unknown", ())
    assert [(c.name, c.words, c.limits) for c in pod.containers] == [("c", (), ())]
    assert podinfo.restarts(pod) == 0 and podinfo.state_summary(pod) == "Unknown"


def test_refs_of_items_without_usable_metadata_are_empty_names():
    pages = _Pages({None: (200, '{"items": [{"metadata": "x"}, {}, {"metadata": {"name": "a"}}], "metadata": {}}')})
    assert Gateway(pages).list_refs(r.PODGROUPS) == (("", ""), ("", ""), ("", "a"))


def test_a_failed_page_fetched_ahead_fails_the_list():
    pages = _Pages({None: (200, '{"kind": "PodList", "metadata": {"continue": "b"}, "items": [{"n": 1}]}'),
                    "b": (410, '{"kind": "Status", "message": "continue token expired"}')})
    with pytest.raises(ApiError, match="expired"):
        Gateway(pages, page_size=1).list(r.PODS)
    assert pages.asked == [None, "b"]


def test_label_selector_is_applied_by_the_server(cluster, kubeconfig):
    cluster.add(f.pod("a", "ns1", labels={"app": "x"}), f.pod("b", "ns1", labels={"app": "y"}), f.pod("c", "ns2"))
    gw = gateway_for(kubeconfig)
    assert [p["metadata"]["name"] for p in gw.list(r.PODS, None, "app in (x,y),app!=y")] == ["a"]
    assert [p["metadata"]["name"] for p in gw.list(r.PODS, None, "!app")] == ["c"]
    assert cluster.requests[-1].query["labelSelector"] == ["!app"]


def test_field_selector_and_unsupported_field_label(cluster, kubeconfig):
    cluster.add(f.pod("a", "ns1", scheduler="kai-scheduler"), f.pod("b", "ns1"))
    gw = gateway_for(kubeconfig)
    assert [p["metadata"]["name"] for p in gw.list(r.PODS, "ns1", fields="spec.schedulerName=kai-scheduler")] == ["a"]
    with pytest.raises(ApiError, match="field label not supported: spec.priority"):
        gw.list(r.PODS, "ns1", fields="spec.priority=1")


def test_same_list_is_requested_once_even_concurrently(cluster, kubeconfig):
    cluster.add(f.pod("a", "ns1"))
    cluster.latency = 0.05
    gw = gateway_for(kubeconfig)
    threads = [threading.Thread(target=gw.list, args=(r.PODS, "ns1")) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gw.list(r.PODS, "ns1")
    assert len(list_requests(cluster, "/api/v1/namespaces/ns1/pods")) == 1
    assert gw.requests_sent == 1


def test_not_found_and_forbidden_are_typed_with_the_server_message(cluster, kubeconfig):
    cluster.deny("list", "pods", "kai-scheduler")
    gw = gateway_for(kubeconfig)
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        gw.get(r.PODS, "ghost", "ns1")
    with pytest.raises(Forbidden) as exc:
        gw.list(r.PODS, "kai-scheduler")
    assert 'cannot list resource "pods"' in exc.value.reason
    assert exc.value.request.rbac() == ("list", "", "pods", "kai-scheduler")


def test_failures_are_cached_too(cluster, kubeconfig):
    gw = gateway_for(kubeconfig)
    for _ in range(3):
        with pytest.raises(NotFound):
            gw.get(r.SECRETS, "vc-config-x", "ns1")
    assert gw.requests_sent == 1


def test_missing_crd_is_not_found(cluster, kubeconfig):
    cluster.remove_group("kai.scheduler")
    with pytest.raises(NotFound, match="could not find the requested resource"):
        gateway_for(kubeconfig).get(r.KAI_CONFIGS, "kai-config")


def test_custom_resources_are_read_raw(cluster, kubeconfig):
    cluster.add(*f.kai_install())
    config = gateway_for(kubeconfig).get(r.KAI_CONFIGS, "kai-config")
    assert config["spec"]["admission"]["gpuSharing"] is True


def test_log_honours_tail_lines_and_limit_bytes(cluster, kubeconfig):
    cluster.add(f.pod("pg", "kai-scheduler", containers=("pod-grouper",)))
    cluster.set_log("kai-scheduler", "pg", "pod-grouper", "".join(f"line {i}\n" for i in range(100)))
    gw = gateway_for(kubeconfig)
    assert gw.log("kai-scheduler", "pg", "pod-grouper", 3, 1000) == b"line 97\nline 98\nline 99\n"
    assert gw.log("kai-scheduler", "pg", "pod-grouper", 50, 10) == b"line 50\nli"
    query = list_requests(cluster, "/api/v1/namespaces/kai-scheduler/pods/pg/log")[-1].query
    assert query["tailLines"] == ["50"] and query["limitBytes"] == ["10"]


def test_log_of_multi_container_pod_needs_a_container(cluster, kubeconfig):
    cluster.add(f.pod("cp", "vc", containers=("syncer", "etcd")))
    with pytest.raises(ApiError, match="a container name must be specified"):
        gateway_for(kubeconfig).log("vc", "cp", None, 10, 100)


def test_access_review_is_the_only_post(cluster, kubeconfig):
    cluster.deny("get", "pods/log", "kai-scheduler")
    gw = gateway_for(kubeconfig)
    assert gw.can_i("list", "pods", "kai-scheduler") is True
    assert gw.can_i("get", "pods", "kai-scheduler", subresource="log") is False
    assert {q.method for q in cluster.requests} == {"POST"}
    assert cluster.writes() == []


def test_bad_token_is_unauthorized(api, tmp_path):
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(api.kubeconfig(token="expired")))
    with pytest.raises(Unauthorized):
        gateway_for(str(path)).version()


def test_unreachable_server_fails_fast(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "c",
              "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
              "users": [{"name": "u", "user": {"token": "t"}}],
              "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(Unreachable, match="refused"):
        gateway_for(str(path)).version()


def test_connect_reports_the_context_namespace(kubeconfig):
    _, identity = connect(kubeconfig, None, 5)
    assert (identity.context, identity.namespace) == ("fake", "team-a")


@pytest.mark.parametrize("content, message", [
    (None, "no kubeconfig found"),
    ("clusters: [unclosed", "not valid YAML"),
    ("apiVersion: v1\nkind: Config\ncontexts: []\n", "no current-context"),
])
def test_kubeconfig_problems_are_clear(tmp_path, content, message):
    path = tmp_path / "kc"
    if content is not None:
        path.write_text(content)
    with pytest.raises(KubeconfigError, match=message):
        connect(str(path), None, 5)


def test_unknown_context_lists_the_known_ones(kubeconfig):
    with pytest.raises(KubeconfigError, match="context 'prod' not found.*known contexts: fake"):
        connect(kubeconfig, "prod", 5)


def test_kubeconfig_env_with_several_files(api, tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    cfg = api.kubeconfig(context="second")
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "second",
                                     "clusters": [], "users": [], "contexts": []}))
    second.write_text(yaml.safe_dump({k: v for k, v in cfg.items() if k != "current-context"}))
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    transport, identity = connect(None, None, 5)
    assert identity.context == "second"
    assert Gateway(transport).version()["gitVersion"] == "v1.30.2"


def test_the_certificate_authority_inline_as_base64(api, tmp_path):
    """The form most kubeconfigs carry (the other tests point at the CA's file)."""
    cfg = api.kubeconfig()
    entry = cfg["clusters"][0]["cluster"]
    with open(entry.pop("certificate-authority"), "rb") as fh:
        entry["certificate-authority-data"] = base64.b64encode(fh.read()).decode()
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    assert gateway_for(str(path)).version()["gitVersion"] == "v1.30.2"


def test_in_cluster_config_when_no_kubeconfig(api, tmp_path, monkeypatch, mocker):
    """Inside a pod: no kubeconfig, the ServiceAccount token and CA mounted, the service env vars set."""
    from kubernetes.config import incluster_config

    from vcdoctor.gateway import live

    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(api.cluster.token)
    (sa / "ca.crt").write_bytes(open(api.ca_file, "rb").read())
    (sa / "namespace").write_text("vcdoctor")
    mocker.patch.object(live, "SERVICE_ACCOUNT_DIR", str(sa))
    mocker.patch.object(incluster_config, "SERVICE_TOKEN_FILENAME", str(sa / "token"))
    mocker.patch.object(incluster_config, "SERVICE_CERT_FILENAME", str(sa / "ca.crt"))
    server = urlsplit(api.url)  # host and port only: the in-cluster config has no path for the test's mount
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", server.hostname)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    transport, identity = connect(None, None, 5)
    assert (identity.context, identity.namespace) == (live.IN_CLUSTER, "vcdoctor")
    assert Gateway(transport).version()["gitVersion"] == "v1.30.2"
