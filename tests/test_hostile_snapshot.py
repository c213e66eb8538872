"""Hostile snapshots: bombs, cycles, devices and damaged fields end in one SnapshotError line, quickly."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import zlib

import pytest
from click.testing import CliRunner

from tests.measured import run_vcdoctor
from vcdoctor import json_input, snapshot
from vcdoctor.cli import main
from vcdoctor.snapshot import FORMAT, SnapshotError

META = {"format": FORMAT, "tool": {"name": "vcdoctor", "version": "0"}, "collected_at": "2026-01-01T00:00:00Z",
        "cluster": {"context": "c", "server": "https://k", "kubernetes_version": None},
        "target": {"namespace": None, "pod": None, "vcluster": None, "vcluster_namespace": None},
        "checks": [], "responses": 0, "redacted": False}
PODS = {"group": "", "version": "v1", "plural": "pods", "namespaced": True}


def tar_member(name: str, data: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info.tobuf(tarfile.USTAR_FORMAT) + data + b"\0" * (-len(data) % 512)


def archive(members, meta=META) -> bytes:
    raw = b"".join(tar_member(n, d if isinstance(d, bytes) else json.dumps(d).encode())
                   for n, d in ([("snapshot.json", meta)] if meta is not None else []) + list(members))
    return gzip.compress(raw + b"\0" * 1024)


def page(token, items=(), cont=None, status=200) -> dict:
    request = {"verb": "list", "resource": PODS, "limit": 500}
    if token:
        request["continue_token"] = token
    metadata = {"continue": cont} if cont else {}
    return {"request": request, "status": status, "body": {"kind": "PodList", "metadata": metadata,
                                                           "items": list(items)}}


def write(tmp_path, content: bytes, name="snap.tar.gz"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def replay_in_subprocess(path: str):
    """(exit code, stderr, seconds, peak RSS of the child in MiB) of ``vcdoctor run --snapshot path``."""
    done = run_vcdoctor("run", "--snapshot", path, "-o", "json")
    return done.returncode, done.stderr, done.seconds, done.peak_mb


def test_cyclic_continue_tokens_end_quickly_as_a_damaged_snapshot(tmp_path):
    content = archive([("responses/0001.json", page(None, [{"metadata": {"name": "p"}}], "a")),
                       ("responses/0002.json", page("a", [{"metadata": {"name": "q"}}], "b")),
                       ("responses/0003.json", page("b", [], "a"))])
    assert len(content) < 7 * 1024
    code, stderr, _, rss = replay_in_subprocess(write(tmp_path, content))
    assert code == 2 and "form a cycle" in stderr and "Traceback" not in stderr
    assert rss < 500


def test_a_page_pointing_at_itself_and_an_unknown_token_are_damage(tmp_path):
    selfloop = archive([("responses/1.json", page(None, [], "a")), ("responses/2.json", page("a", [], "a"))])
    with pytest.raises(SnapshotError, match="cycle"):
        snapshot.read(write(tmp_path, selfloop))
    dangling = archive([("responses/1.json", page(None, [], "nowhere"))])
    with pytest.raises(SnapshotError, match="not recorded"):
        snapshot.read(write(tmp_path, dangling))


def test_records_handed_to_replay_directly_cannot_loop():
    records = {}
    for token, cont in ((None, "a"), ("a", "b"), ("b", "a")):
        request, response = snapshot.validate_entry(page(token, [], cont), "test")
        records[snapshot.request_key(request)] = response
    from vcdoctor.gateway import ApiError, Gateway
    from vcdoctor.gateway.resources import PODS

    with pytest.raises(ApiError, match="repeats an earlier page"):
        Gateway(snapshot.ReplayTransport(records)).list(PODS)


def bomb(members: int, member_bytes: int) -> bytes:
    """A valid-looking archive of large log answers, each compressed once and repeated: ~1000:1."""
    body = gzip.compress(b"a" * member_bytes, 9)
    raw_prefix = tar_member("snapshot.json", json.dumps(META).encode())
    parts = [gzip.compress(raw_prefix)]
    for i in range(members):
        head = json.dumps({"request": {"verb": "log", "namespace": "ns", "name": f"p{i:06d}"}, "status": 200,
                           "text": ""})[:-2].encode()  # ends in: "text": "
        size = len(head) + member_bytes + 2
        info = tarfile.TarInfo(f"responses/{i:06d}.json")
        info.size = size
        parts += [gzip.compress(info.tobuf(tarfile.USTAR_FORMAT) + head), body,
                  gzip.compress(b'"}' + b"\0" * (-size % 512))]
    return b"".join(parts) + gzip.compress(b"\0" * 1024)


def test_decompression_bomb_is_refused_quickly_in_bounded_memory(tmp_path):
    content = bomb(300, 8 * 1024 * 1024)
    assert 2 * 2**20 < len(content) < 3 * 2**20  # 2.5 MB that inflate to 2.4 GB
    code, stderr, _, rss = replay_in_subprocess(write(tmp_path, content))
    assert code == 2 and "inflates past" in stderr and "Traceback" not in stderr
    assert rss < 500


def test_member_larger_than_the_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot.reading, "MAX_MEMBER_BYTES", 1024)
    content = archive([("responses/1.json", {"request": {"verb": "version"}, "status": 200,
                                             "body": {"x": "a" * 2048}})])
    with pytest.raises(SnapshotError, match="larger than"):
        snapshot.read(write(tmp_path, content))


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot.reading, "MAX_MEMBERS", 5)
    content = archive([(f"other/{i}", b"") for i in range(10)])
    with pytest.raises(SnapshotError, match="more than 5 members"):
        snapshot.read(write(tmp_path, content))


def test_oversized_pax_header_is_refused(tmp_path):
    info = tarfile.TarInfo("x")
    info.pax_headers = {"comment": "c" * (snapshot.reading.MAX_HEADER_BYTES + 10)}
    raw = info.tobuf(tarfile.PAX_FORMAT)
    with pytest.raises(SnapshotError, match="tar header"):
        snapshot.read(write(tmp_path, gzip.compress(raw + b"\0" * 1024)))


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory"])
def test_non_regular_files_are_refused_without_reading(tmp_path, special):
    if special == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)  # nobody writes: a blocking open or read would hang the test
    elif special == "directory":
        path = str(tmp_path)
    else:
        path = special
    started = time.monotonic()
    with pytest.raises(SnapshotError, match="not a regular file"):
        snapshot.read(path)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_gzip_is_one_clear_line_not_an_abort(tmp_path, cut):
    content = archive([("responses/1.json", page(None, [{"metadata": {"name": f"p{i}", "x": "y" * 50}}
                                                         for i in range(2000)]))])
    path = write(tmp_path, content[:int(len(content) * cut)])
    result = CliRunner().invoke(main, ["run", "--snapshot", path, "-o", "json"])
    assert result.exit_code == 2, result.output
    assert "truncated" in result.stderr and "Traceback" not in result.output
    assert json.loads(result.stdout)["error"]["code"] == "usage"


def test_corrupt_gzip_is_one_clear_line(tmp_path):
    content = bytearray(archive([("responses/1.json", page(None, []))]))
    content[len(content) // 2] ^= 0xFF
    with pytest.raises(SnapshotError, match="damaged|cannot open"):
        snapshot.read(write(tmp_path, bytes(content)))


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    deep = b'{"request": {"verb": "version"}, "status": 200, "body": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(SnapshotError, match="nested deeper"):
        snapshot.read(write(tmp_path, archive([("responses/1.json", deep)])))


def test_depth_check_ignores_brackets_in_strings_and_is_linear():
    assert json_input.depth_ok(json.dumps({"a": "[[[[" * 10_000, "b": [[1]]}).encode(), limit=3)
    assert not json_input.depth_ok(b"[[[[1]]]]", limit=3)
    unterminated = b'"\\"' * 300_000  # escaped quotes with no closing one: must not backtrack
    started = time.monotonic()
    json_input.depth_ok(unterminated)
    assert time.monotonic() - started < 1


ENTRY = {"request": {"verb": "get", "resource": PODS, "namespace": "ns", "name": "p"}, "status": 200,
         "body": {"metadata": {"name": "p"}}}


def damaged(**changes):
    entry = json.loads(json.dumps(ENTRY))
    for dotted, value in changes.items():
        node, *path = [entry] + dotted.split("__")
        for key in path[:-1]:
            node = node[key]
        if value is DELETE:
            node.pop(path[-1])
        else:
            node[path[-1]] = value
    return entry


DELETE = object()


@pytest.mark.parametrize("entry", [
    pytest.param(b'{"request": {"verb": "version"}, "status": 1e400, "body": {}}', id="status-1e400"),
    pytest.param(b'{"request": {"verb": "version"}, "status": 200, "body": {"x": NaN}}', id="NaN"),
    pytest.param(b'{"request": {"verb": "version"}, "status": 200, "body": {"x": -Infinity}}', id="Infinity"),
    pytest.param(b"not json at all", id="non-JSON"),
    pytest.param(b'{"request": {"verb": "version"}, "status": 200, "body": {}', id="truncated-JSON"),
    pytest.param(b"\xff\xfe{}", id="not-UTF-8"),
    pytest.param(b'{"request": {"verb": "version"}, "status": 2' + b"0" * 5000 + b', "body": {}}', id="huge-int"),
    pytest.param(damaged(status="200"), id="status-string"),
    pytest.param(damaged(status=True), id="status-bool"),
    pytest.param(damaged(status=99999), id="status-range"),
    pytest.param(damaged(status=DELETE), id="status-missing"),
    pytest.param(damaged(request=[]), id="request-list"),
    pytest.param(damaged(request__verb="delete"), id="verb-unknown"),
    pytest.param(damaged(request__verb=7), id="verb-int"),
    pytest.param(damaged(request__namespace=["ns"]), id="namespace-list"),
    pytest.param(damaged(request__limit="5"), id="limit-string"),
    pytest.param(damaged(request__limit=-1), id="limit-negative"),
    pytest.param(damaged(request__surprise=1), id="request-unknown-key"),
    pytest.param(damaged(request__resource="pods"), id="resource-string"),
    pytest.param(damaged(request__resource__namespaced="yes"), id="resource-namespaced-string"),
    pytest.param(damaged(request__resource__plural=DELETE), id="resource-incomplete"),
    pytest.param(damaged(request__resource=DELETE), id="get-without-resource"),
    pytest.param(damaged(body=DELETE), id="no-body"),
    pytest.param(damaged(text="x"), id="two-bodies"),
    pytest.param(damaged(body="not an object"), id="get-body-string"),
    pytest.param(damaged(body=DELETE, base64="***"), id="bad-base64"),
    pytest.param(damaged(body=DELETE, text=5), id="text-int"),
    pytest.param(damaged(extra=1), id="entry-unknown-key"),
    pytest.param([1, 2], id="entry-list"),
    pytest.param({"request": {"verb": "access-review", "review": ["get", "", "pods"]}, "status": 201,
                  "body": {}}, id="review-short"),
    pytest.param(dict(page(None), body={"items": {"a": 1}}), id="list-items-object"),
    pytest.param(dict(page(None), body={"items": [], "metadata": {"continue": 5}}), id="continue-int"),
    pytest.param(dict(page(None), body=DELETE, text="[]"), id="list-body-text"),
])
def test_damaged_responses_are_snapshot_errors(tmp_path, entry):
    raw = entry if isinstance(entry, bytes) else json.dumps(
        {k: v for k, v in entry.items() if v is not DELETE} if isinstance(entry, dict) else entry).encode()
    with pytest.raises(SnapshotError) as info:
        snapshot.read(write(tmp_path, archive([("responses/1.json", raw)])))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("meta", [
    pytest.param([FORMAT], id="list"),
    pytest.param(dict(META, format=5), id="format-int"),
    pytest.param(dict(META, format="vcdoctor.snapshot/v99"), id="format-unknown"),
    pytest.param(dict(META, cluster=["c"]), id="cluster-list"),
    pytest.param(dict(META, cluster=dict(META["cluster"], server=5)), id="server-int"),
    pytest.param(dict(META, target="team-a"), id="target-string"),
    pytest.param(dict(META, target=dict(META["target"], pod={"a": 1})), id="pod-object"),
    pytest.param(dict(META, tool={"version": 1.5}), id="version-float"),
    pytest.param(dict(META, checks="all"), id="checks-string"),
    pytest.param(dict(META, checks=[1]), id="checks-int"),
    pytest.param(dict(META, redacted="no"), id="redacted-string"),
    pytest.param(None, id="missing"),
])
def test_damaged_metadata_is_a_snapshot_error_via_the_cli(tmp_path, meta):
    path = write(tmp_path, archive([], meta=meta))
    result = CliRunner().invoke(main, ["run", "--snapshot", path, "-o", "json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert json.loads(result.stdout)["error"]["code"] == "usage"
    assert "snapshot" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_duplicate_metadata_and_duplicate_responses_are_refused(tmp_path):
    with pytest.raises(SnapshotError, match="two snapshot.json"):
        snapshot.read(write(tmp_path, archive([("snapshot.json", META)])))
    with pytest.raises(SnapshotError, match="already recorded"):
        snapshot.read(write(tmp_path, archive([("responses/1.json", ENTRY), ("responses/2.json", ENTRY)])))


def test_metadata_is_reduced_to_known_fields_and_server_loses_userinfo(tmp_path):
    meta = dict(META, cluster=dict(META["cluster"], server="https://admin:hunter2@k:6443/x"), extra={"a": 1})
    read_meta, records, _ = snapshot.read(write(tmp_path, archive([("responses/1.json", ENTRY)], meta=meta)))
    assert read_meta["cluster"]["server"] == "https://k:6443/x" and "extra" not in read_meta
    assert len(records) == 1


def test_plain_uncompressed_tar_still_reads(tmp_path):
    raw = zlib.decompress(archive([("responses/1.json", ENTRY)]), 31)
    _, records, _ = snapshot.read(write(tmp_path, raw, "snap.tar"))
    assert len(records) == 1


def test_links_and_unknown_members_are_ignored(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = json.dumps(META).encode()
        info = tarfile.TarInfo("snapshot.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("responses/evil.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    meta, records, _ = snapshot.read(write(tmp_path, gzip.compress(buffer.getvalue())))
    assert meta["format"] == FORMAT and records == {}


@pytest.mark.parametrize("url, shown", [
    ("https://admin:hunter2@k.example:6443/base", "https://k.example:6443/base"),
    ("https://token@k", "https://k"),
    ("https://k:6443", "https://k:6443"),
    ("https://k/p?x=a@b", "https://k/p?x=a@b"),
    (None, None),
])
def test_userinfo_never_leaves_the_kubeconfig(url, shown):
    from vcdoctor.gateway.live import ClusterIdentity, strip_userinfo

    assert strip_userinfo(url) == shown
    if url:
        assert ClusterIdentity("ctx", url, "default").server == shown


def dict_bomb(tmp_path) -> str:
    """Four chained pages, each 60 MiB of `{},` (inside the member and total caps): 245 KB compressed."""
    members = []
    for i, (token, cont) in enumerate(((None, "a"), ("a", "b"), ("b", "c"), ("c", None))):
        entry = json.dumps(page(token, [], cont)).encode()
        filler = b"{}," * (20 * 1024 * 1024) + b"{}"
        members.append((f"responses/{i}.json", entry.replace(b'"items": []', b'"items": [' + filler + b"]")))
    return write(tmp_path, archive(members))


def test_a_dict_bomb_inside_every_byte_cap_is_refused_by_objects(tmp_path):
    """Refused by the count of objects, known before one is built, instead of decoding 80 million dicts."""
    # built in a process of its own: a child inherits its parent's peak RSS in ru_maxrss (Linux keeps the
    # forked mm's high-water mark across exec), so building the 240 MiB here would be measured as the replay's
    subprocess.run([sys.executable, "-c", f"import pathlib; from tests.test_hostile_snapshot import dict_bomb; "
                                          f"dict_bomb(pathlib.Path({str(tmp_path)!r}))"], check=True)
    code, stderr, seconds, rss = replay_in_subprocess(str(tmp_path / "snap.tar.gz"))
    assert code == 2 and "more than 2000000 objects" in stderr and len(stderr.strip().splitlines()) == 1
    assert rss < 800, f"{rss:.0f} MiB"
