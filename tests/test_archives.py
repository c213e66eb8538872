"""Other tools' archives of the fake clusters: the live verdict for every check their data supports, an honest
skip naming the missing data and its collector for every other, and the same bounds as snapshots."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import subprocess
import tarfile

import pytest
import yaml
from click.testing import CliRunner

from tests import report_schema
from tests.fakeapi import archives
from tests.fakeapi import factories as f
from tests.fakeapi import virtual as v
from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS, guide_cluster, setowner_on
from tests.fakeapi.server import FakeApiServer, FakeCluster
from vcdoctor import logs, registry
from vcdoctor.archives import spec, store, support_bundle
from vcdoctor.cli import main
from vcdoctor.engine.facts import RUNTIME, Fact, Read
from vcdoctor.gateway.resources import SECRETS, Resource
from vcdoctor.products.vcluster import debug_collect
from vcdoctor.target import Target

NARROWED = ("--vcluster", VC, "--vcluster-namespace", VC_NS)
TROUBLESHOOT = "/work/.mirror/replicatedhq+troubleshoot/repo"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def checks_of(result) -> dict:
    return {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def the_spec(*flags) -> str:
    made = invoke("collect", "--troubleshoot-spec", *flags)
    assert made.exit_code == 0
    return made.stdout


def assert_live_or_honest_skip(got: dict, live: dict) -> set:
    """Each check ends as live did, or skips saying what the archive lacks and how to collect it; returns the ids
    that ran as live."""
    ran = set()
    for check_id, result in got.items():
        if result["status"] == live[check_id]["status"]:
            ran.add(check_id)
            continue
        blocker = live[check_id]["message"].removeprefix("blocked by ").split(":")[0]
        if live[check_id]["message"].startswith("blocked by ") and got[blocker]["status"] == "skip":
            continue  # live, an earlier link of the --pod chain failed; the archive lacks that link's data
        assert result["status"] == "skip", (check_id, result["status"], live[check_id]["status"], result["message"])
        assert "collect" in result["message"] and "vcdoctor" in result["message"], result["message"]
    return ran


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_debug_collect_gives_the_live_verdicts_it_has_data_for(cluster, kubeconfig, tmp_path, scenario):
    SCENARIOS[scenario](cluster)
    live = checks_of(invoke("run", "--kubeconfig", kubeconfig, "-o", "json", *NARROWED))
    path = write(tmp_path, f"vcluster.{VC}.debug.1795000000.tar.gz", archives.debug_collect(cluster, VC, VC_NS))
    requests = len(cluster.requests)
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json"))
    assert len(cluster.requests) == requests  # an archive is read offline
    ran = assert_live_or_honest_skip(got, live)
    # host KAI objects are outside the vCluster's namespace: never judged from a debug collect
    assert {"kai-components", "kai-queue", "kai-podgroup"} - ran == {"kai-components", "kai-queue", "kai-podgroup"} \
        or all(live[c]["status"] == "skip" for c in {"kai-components", "kai-queue", "kai-podgroup"} & ran)
    if archives.current_release(cluster, VC, VC_NS) is not None:  # vc-config derived from release.json
        assert {"vcluster-set-owner", "vcluster-node-mode", "vcluster-scheduling-mode"} <= ran


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_bundle_made_with_the_generated_spec_lets_every_check_run(cluster, kubeconfig, tmp_path, scenario):
    SCENARIOS[scenario](cluster)
    live = checks_of(invoke("run", "--kubeconfig", kubeconfig, "-o", "json"))
    path = write(tmp_path, "bundle.tar.gz", archives.support_bundle(cluster, the_spec()))
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json"))
    assert {c: r["status"] for c, r in got.items()} == {c: r["status"] for c, r in live.items()}
    assert not [r for r in got.values() if "archive lacks" in r["message"]]


def test_the_spec_with_the_helm_release_lets_the_schema_check_run(cluster, kubeconfig, tmp_path):
    SCENARIOS["setowner-misspelt"](cluster)
    flags = ("--read-helm-release", *NARROWED)
    live = checks_of(invoke("run", "--kubeconfig", kubeconfig, "-o", "json", *flags))
    path = write(tmp_path, "bundle.tar.gz", archives.support_bundle(cluster, the_spec(*flags)))
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json", *flags))
    assert live["vcluster-config-schema"]["status"] == "fail"
    assert {c: r["status"] for c, r in got.items()} == {c: r["status"] for c, r in live.items()}


def test_release_json_gives_the_schema_check_its_chart_schema(cluster, kubeconfig, tmp_path):
    SCENARIOS["setowner-misspelt"](cluster)
    flags = ("--read-helm-release", *NARROWED)
    live = checks_of(invoke("run", "--kubeconfig", kubeconfig, "-o", "json", *flags))
    path = write(tmp_path, "vc.tar.gz", archives.debug_collect(cluster, VC, VC_NS))
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json", *flags))
    assert got["vcluster-config-schema"]["status"] == live["vcluster-config-schema"]["status"] == "fail"
    assert_live_or_honest_skip(got, live)


def test_a_default_bundle_skips_what_it_lacks_with_the_collector_to_add(cluster, kubeconfig, tmp_path):
    SCENARIOS["setowner-on"](cluster)
    live = checks_of(invoke("run", "--kubeconfig", kubeconfig, "-o", "json"))
    path = write(tmp_path, "bundle.tar.gz", archives.support_bundle(cluster))  # clusterInfo + clusterResources
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json"))
    ran = assert_live_or_honest_skip(got, live)
    assert {"kai-components", "kai-queue", "kai-podgroup", "kai-gpu-request", "pod-scheduler-name"} <= ran
    assert "`secret` collector" in got["vcluster-set-owner"]["message"]
    assert "`logs` collector" in got["podgrouper-permissions"]["message"]


def test_the_header_names_the_format_and_the_tool(cluster, tmp_path):
    guide_cluster(cluster)
    debug = write(tmp_path, f"vcluster.{VC}.debug.1795000000.tar.gz", archives.debug_collect(cluster, VC, VC_NS))
    table = invoke("run", "--snapshot", debug).stdout
    assert "Archive (vcluster-debug-collect): collected 2026-11-18T" in table and "by vcluster debug collect" in table
    assert "derived from release.json" in table
    report = json.loads(invoke("run", "--snapshot", debug, "-o", "json").stdout)
    assert report["snapshot"] == {"collected_at": "2026-11-18T11:06:40Z", "format": "vcluster-debug-collect",
                                  "tool": "vcluster debug collect", "tool_version": None}
    owner = next(c for c in report["checks"] if c["id"] == "vcluster-set-owner")
    assert any("derived from release.json" in e["subject"] + e["observation"] for e in owner["evidence"])
    bundle = write(tmp_path, "b.tar.gz", archives.support_bundle(cluster, the_spec()))
    table = invoke("run", "--snapshot", bundle).stdout
    assert f"by kubectl support-bundle (troubleshoot) {archives.TROUBLESHOOT_VERSION}" in table
    assert "Archive (troubleshoot-support-bundle): collected 2026-12-06T06:30:00Z" in table


def test_the_spec_follows_the_plan():
    text = the_spec()
    bundle, redactor = list(yaml.safe_load_all(text))
    assert (bundle["apiVersion"], bundle["kind"], redactor["kind"]) == ("troubleshoot.sh/v1beta2", "SupportBundle",
                                                                         "Redactor")
    kinds = [next(iter(c)) for c in bundle["spec"]["collectors"]]
    assert kinds.count("clusterResources") == 1 and "clusterInfo" in kinds
    for collector in bundle["spec"]["collectors"]:
        if "logs" in collector:
            assert collector["logs"]["limits"] == {"maxLines": logs.TAIL_LINES, "maxBytes": logs.LIMIT_BYTES}
        if "secret" in collector:
            assert collector["secret"]["includeValue"] and collector["secret"]["key"] == "config.yaml"
    only_kai = yaml.safe_load_all(the_spec("--check", "kai-components"))
    assert [next(iter(c)) for c in next(only_kai)["spec"]["collectors"]] == ["clusterInfo", "clusterResources"]
    assert invoke("collect", "--troubleshoot-spec", "--read-helm-release").exit_code == 2


def test_every_read_of_every_fact_has_a_collector_or_the_spec_refuses():
    checks, facts = registry.load_checks(), registry.load_facts()
    everything = Target(helm_release=True)
    assert spec.collectors(checks, facts, everything, [(VC_NS, VC)])
    # a fact a check needs starts reading a kind no collector gathers: the spec refuses instead of leaving it out
    stray = Fact("queues", "reads a kind no collector gathers", lambda ctx: None,
                 (Read("list", Resource("example.com", "v1", "widgets", False)),))
    with pytest.raises(spec.UnmappedRead, match="widgets"):
        spec.collectors(checks, dict(facts, queues=stray), everything)


@pytest.mark.parametrize("read", [Read("log", namespace=RUNTIME, name=RUNTIME),
                                  Read("get", SECRETS, namespace=RUNTIME, name=RUNTIME)], ids=["log", "secret"])
def test_a_log_or_secret_read_no_product_collects_is_refused(read):
    """Each product collects the logs and Secrets of its own facts: another fact's is no vCluster control plane's
    log nor vc-config."""
    checks, facts = registry.load_checks(), registry.load_facts()
    stray = Fact("queues", "reads what no product collects", lambda ctx: None, (read,))
    with pytest.raises(spec.UnmappedRead, match="fact 'queues'"):
        spec.collectors(checks, dict(facts, queues=stray), Target())


def test_the_spec_needs_no_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    assert invoke("collect", "--troubleshoot-spec").exit_code == 0


# -- the same bounds as snapshots -----------------------------------------------------------------------------

def tar_of(members) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            elif kind == "device":
                info.type = tarfile.CHRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue())


def test_links_and_devices_are_never_followed(cluster, tmp_path):
    guide_cluster(cluster)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archives.debug_collect(cluster, VC, VC_NS)))) as tar:
        members = [(m.name, tar.extractfile(m).read() if m.isfile() else b"", "file") for m in tar if m.isfile()]
    members = [m for m in members if not m[0].startswith("/logs/")]
    members += [(f"/logs/{VC}-0.log", "/etc/passwd", "link"), ("/logs/dev.log", "", "device")]
    path = write(tmp_path, "vc.tar.gz", tar_of(members))
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json"))
    assert "root:" not in json.dumps(got)
    assert got["gpu-sharing-reservations"]["status"] == "skip"  # the syncer log is missing, not read via the link


@pytest.mark.parametrize("content, message", [
    (b"a: &a [x, x]\nb: [*a, *a]\n", "aliases"),
    (b"[" * 5000 + b"]" * 5000, "not valid YAML"),
    (b"- " * 5000 + b"x\n", "not valid YAML"),  # compact sequences nest without brackets or indentation
    (b"? " * 5000 + b"x\n", "not valid YAML"),
    ("".join(f"{' ' * i}k{i}:\n" for i in range(3000)).encode() + b" " * 3000 + b"v\n", "not valid YAML"),
    (b"\xff\xfe", "not UTF-8"),
], ids=["aliases", "flow", "compact-sequences", "complex-keys", "indentation", "not-utf8"])
def test_hostile_yaml_is_one_line_and_exit_2(tmp_path, content, message):
    path = write(tmp_path, "vc.tar.gz", tar_of([("/host/resources/pods/vc-ns/p.yaml", content, "file")]))
    result = invoke("run", "--snapshot", path)
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_too_many_objects_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_OBJECTS", 3)
    pods = json.dumps({"items": [{"metadata": {"name": f"p{i}"}} for i in range(5)]}).encode()
    path = write(tmp_path, "b.tar.gz", tar_of([("support-bundle-x/cluster-resources/pods/default.json", pods, "file")]))
    result = invoke("run", "--snapshot", path)
    assert result.exit_code == 2 and "more than 3 objects" in result.stderr


def test_text_from_an_archive_is_inert_and_nothing_is_written(cluster, tmp_path):
    guide_cluster(cluster)
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", "\x1b]0;pwned\x07\x1b[31m red\n")
    for pod in cluster.objects[("", "pods")]:
        pod["metadata"].setdefault("labels", {})["kai.scheduler/queue"] = "q\x1b[2J"
    path = write(tmp_path, f"vcluster.{VC}.debug.1795000000.tar.gz", archives.debug_collect(cluster, VC, VC_NS))
    before = sorted(os.listdir(tmp_path))
    for output in ("table", "markdown", "json"):
        result = subprocess.run(["vcdoctor", "run", "--snapshot", path, "-o", output], capture_output=True,
                                cwd=tmp_path)
        assert b"\x1b]" not in result.stdout and b"\x1b[2J" not in result.stdout
    assert sorted(os.listdir(tmp_path)) == before


def test_an_unknown_layout_names_the_formats_read(tmp_path):
    path = write(tmp_path, "x.tar.gz", tar_of([("notes.txt", b"hello", "file")]))
    result = invoke("run", "--snapshot", path)
    assert result.exit_code == 2 and "vcluster debug collect" in result.stderr and "support bundle" in result.stderr


# -- upstream's own bundles ------------------------------------------------------------------------------------

@pytest.mark.parametrize("golden", ["testdata/supportbundle/support-bundle.tar.gz",
                                    "test/baselines/supportbundle/baseline.tar.gz"])
def test_troubleshoots_golden_bundles_are_read(tmp_path, golden):
    """replicatedhq/troubleshoot's own bundles (a k3s cluster without KAI or vCluster) at the tag the layout was
    read at; skipped where its mirror is absent."""
    if not os.path.isdir(TROUBLESHOOT):
        pytest.skip("no replicatedhq/troubleshoot mirror here")
    data = subprocess.run(["git", "-C", TROUBLESHOOT, "show", f"{support_bundle.TAG}:{golden}"], capture_output=True,
                          check=True).stdout
    report = json.loads(invoke("run", "--snapshot", write(tmp_path, "golden.tar.gz", data), "-o", "json").stdout)
    assert report["snapshot"]["format"] == "troubleshoot-support-bundle"
    assert report["cluster"]["kubernetes_version"].endswith("+k3s1")
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["kai-components"] == "fail" and statuses["vcluster-set-owner"] == "skip"


def test_layout_tables_cite_every_fact():
    for layout in (debug_collect.LAYOUT, support_bundle.LAYOUT):
        for fact, *sources in layout:
            assert fact and sources and all("@v" in s and ":" in s for s in sources), fact


@pytest.mark.parametrize("name, fails, lacking", [
    ("debug-collect-setowner-on", {"vcluster-set-owner"}, {"kai-components", "kai-queue", "kai-podgroup"}),
    ("support-bundle-setowner-on", {"vcluster-set-owner"}, set()),
])
def test_shipped_archive_examples_replay(name, fails, lacking):
    example = os.path.join(os.path.dirname(__file__), "..", "docs", "examples", f"{name}.tar.gz")
    result = invoke("run", "--snapshot", example, "-o", "json")
    checks = checks_of(result)
    assert {c for c, r in checks.items() if r["status"] == "fail"} == fails and result.exit_code == 1
    assert {c for c, r in checks.items() if "archive lacks" in r["message"]} >= lacking
    if not lacking:
        assert not [c for c, r in checks.items() if "archive lacks" in r["message"]]


# -- the vCluster's own side: the tenant view of a debug collect ---------------------------------------------

@pytest.fixture
def inside_api(tls_files):
    server = FakeApiServer(FakeCluster(), tls=tls_files).start()
    yield server
    server.stop()
    assert server.cluster.writes() == []


def two_sided_kubeconfig(tmp_path, host_api, inside_api) -> str:
    context = f"vcluster_{VC}_{VC_NS}_host-admin"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(v.kubeconfig({"host-admin": host_api, context: inside_api}, context)))
    return str(path)


@pytest.mark.parametrize("refused", [False, True], ids=["synced", "refused-by-the-host"])
def test_the_virtual_side_feeds_the_tenant_view(cluster, api, inside_api, tmp_path, refused):
    if refused:  # the host's webhook refused the pod: only its SyncError event inside the vCluster says why
        guide_cluster(cluster, gpu_sharing=False, reservations=False)
        err = v.denial(VC, VC_NS, "trainer-0", "ml", "while GPU sharing is disabled")
        v.vcluster_inside(inside_api.cluster, v.tenant_pod("trainer-0", "ml", annotations={"gpu-fraction": "0.5"}),
                          events=[v.sync_error("ml", "trainer-0", err)])
    else:
        guide_cluster(cluster, set_owner=None, owned_pods=True)
        cluster.add(f.synced_pod("trainer-0", "ml", VC, VC_NS, owner=True, labels={"kai.scheduler/queue": "test"},
                                 gpus=1))
        v.vcluster_inside(inside_api.cluster, v.tenant_pod("trainer-0", "ml", labels={"kai.scheduler/queue": "test"},
                                                           gpus=1, phase="Running", node="gpu-node-1"))
    target = ("-n", "ml", "--pod", "trainer-0")
    config = two_sided_kubeconfig(tmp_path, api, inside_api)
    live_report = json.loads(invoke("run", "--kubeconfig", config, "-o", "json", *target).stdout)
    live = {c["id"]: c for c in live_report["checks"]}
    path = write(tmp_path, "vc.tar.gz", archives.debug_collect(cluster, VC, VC_NS, inside=inside_api.cluster))
    report = json.loads(invoke("run", "--snapshot", path, "-o", "json", *target).stdout)
    got = {c["id"]: c for c in report["checks"]}
    report_schema.validate(report)
    assert report["cluster"]["kind"] == "virtual" and report["cluster"]["vcluster"]["name"] == VC
    assert report["target"]["host_pods"] == live_report["target"]["host_pods"]
    ran = assert_live_or_honest_skip(got, live)
    assert "pod-scheduler-name" in ran and "vcluster-set-owner" in ran
    if refused:
        assert got["pod-scheduler-name"]["status"] == "fail" and "GPU sharing is disabled" in \
            got["pod-scheduler-name"]["message"]
    # without --pod the same archive is the host's view, as before
    assert json.loads(invoke("run", "--snapshot", path, "-o", "json").stdout)["cluster"]["kind"] == "host"


def test_no_secret_value_of_an_archive_reaches_any_output(cluster, tmp_path):
    """release.json and a secret collector carry the user's whole config (a password among it): only the keys
    checks read may come out."""
    canary = "CANARY-7f3e-password"
    setowner_on(cluster)
    secret = next(o for o in cluster.objects[("", "secrets")] if o["metadata"]["name"] == f"vc-config-{VC}")
    config = yaml.safe_load(base64.b64decode(secret["data"]["config.yaml"])) or {}
    config["controlPlane"] = {"backingStore": {"database": {"external": {"password": canary}}}}
    secret["data"]["config.yaml"] = base64.b64encode(yaml.safe_dump(config).encode()).decode()
    paths = [write(tmp_path, "vc.tar.gz", archives.debug_collect(cluster, VC, VC_NS)),
             write(tmp_path, "b.tar.gz", archives.support_bundle(cluster, the_spec()))]
    for path in paths:
        assert canary.encode() in gzip.decompress(open(path, "rb").read())  # the archive holds it...
        for output in ("table", "json", "markdown", "yaml", "sarif", "junit", "prometheus"):
            for flags in ((), ("--read-helm-release",)):
                assert canary not in invoke("run", "--snapshot", path, "-o", output, *flags).output  # ...no output


def test_archive_reports_follow_the_report_schema(cluster, tmp_path):
    guide_cluster(cluster)
    for data in (archives.debug_collect(cluster, VC, VC_NS), archives.support_bundle(cluster, the_spec())):
        report_schema.validate(json.loads(invoke("run", "--snapshot", write(tmp_path, "a.tar.gz", data), "-o",
                                                 "json").stdout))


def test_a_bundle_packed_again_from_its_folder_is_read(cluster, tmp_path):
    """`tar czf again.tar.gz ./support-bundle-<time>` after unpacking: every member starts with ./"""
    guide_cluster(cluster)
    original = archives.support_bundle(cluster, the_spec())
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(original))) as tar:
        members = [("./" + m.name, tar.extractfile(m).read(), "file") for m in tar if m.isfile()]
    first = json.loads(invoke("run", "--snapshot", write(tmp_path, "a.tar.gz", original), "-o", "json").stdout)
    again = json.loads(invoke("run", "--snapshot", write(tmp_path, "b.tar.gz", tar_of(members)), "-o", "json").stdout)
    assert again["snapshot"] == first["snapshot"]
    assert [(c["id"], c["status"]) for c in again["checks"]] == [(c["id"], c["status"]) for c in first["checks"]]


def _repacked(data: bytes, change) -> bytes:
    """The archive with each regular member passed through change(name, content) -> content or None (dropped)."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = [(m.name, tar.extractfile(m).read(), "file") for m in tar if m.isfile()]
    kept = [(name, change(name, content)) for name, content, _ in members]
    return tar_of([(name, content, "file") for name, content in kept if content is not None])


def test_a_namespace_the_collector_could_not_list_is_a_skip_quoting_why(cluster, tmp_path):
    guide_cluster(cluster)
    refused = 'pods is forbidden: User "support" cannot list resource "pods" in the namespace "kai-scheduler"'

    def change(name, content):
        if name.endswith("cluster-resources/pods/kai-scheduler.json"):
            return None
        if name.endswith("cluster-resources/pods-errors.json"):
            return json.dumps({"kai-scheduler": refused}).encode()
        return content

    path = write(tmp_path, "b.tar.gz", _repacked(archives.support_bundle(cluster, the_spec()), change))
    got = checks_of(invoke("run", "--snapshot", path, "-o", "json"))
    assert got["kai-components"]["status"] == "skip" and "cannot list resource" in got["kai-components"]["message"]


@pytest.mark.parametrize("junk", [b'"text"', b"[1, [2], null]", b'{"items": "none"}', b"null",
                                  b'{"items": [{"metadata": "x", "spec": [1]}, 7]}'])
def test_wrongly_typed_members_give_verdicts_not_tracebacks(cluster, tmp_path, junk):
    guide_cluster(cluster)

    def change(name, content):
        return junk if name.endswith(".json") and "version" not in name else content

    for data in (archives.support_bundle(cluster, the_spec()), archives.debug_collect(cluster, VC, VC_NS)):
        result = invoke("run", "--snapshot", write(tmp_path, "j.tar.gz", _repacked(data, change)), "-o", "json")
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1
        else:
            assert not [c for c in json.loads(result.stdout)["checks"] if "crashed" in c["message"]]


def test_a_file_name_with_an_impossible_time_has_no_time(cluster, tmp_path):
    guide_cluster(cluster)
    path = write(tmp_path, f"vcluster.{VC}.debug.999999999999.tar.gz", archives.debug_collect(cluster, VC, VC_NS))
    assert json.loads(invoke("run", "--snapshot", path, "-o", "json").stdout)["snapshot"]["collected_at"] is None


def test_namespaces_the_collector_left_out_are_named_and_never_judged_empty(cluster, tmp_path):
    """clusterResources skips the namespaces its identity may not read: they exist, so they are not empty."""
    guide_cluster(cluster)

    def change(name, content):
        return None if "/kai-scheduler.json" in name else content

    path = write(tmp_path, "b.tar.gz", _repacked(archives.support_bundle(cluster, the_spec()), change))
    report = json.loads(invoke("run", "--snapshot", path, "-o", "json").stdout)
    assert any("no pods of namespace(s) kai-scheduler" in note for note in report["target"]["notes"])
    got = {c["id"]: c for c in report["checks"]}
    assert got["kai-components"]["status"] == "skip" and "pods in namespace kai-scheduler" in \
        got["kai-components"]["message"]


def test_both_yaml_loaders_read_what_debug_collect_writes_alike(cluster):
    from vcdoctor.archives import decode

    guide_cluster(cluster)
    for obj in [o for objs in cluster.objects.values() for o in objs]:
        text = yaml.safe_dump(obj)
        assert decode._plain(text) == ("&" not in text and "*" not in text and "?" not in text)
        assert decode.yaml_member(text.encode(), "x") == yaml.load(text, Loader=decode._BoundedLoader) == obj
