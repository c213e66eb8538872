"""Property-based tests: the parsers take arbitrary input and never raise."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakeapi.server import parse_label_selector
from vcdoctor import pods as podinfo
from vcdoctor.products.kai.pod_grouper_log import parse_line, scan
from vcdoctor.products.vcluster.config import MalformedConfig, parse_config
from vcdoctor.products.vcluster.names import VIRTUAL_LABELS, host_pod_name, virtual_label, virtual_labels

NAMES = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,80}[a-z0-9])?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_scan_never_raises_on_bytes(data):
    result = scan(data)
    assert result.lines <= data.count(b"\n") + data.count(b"\r") + 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500), st.sampled_from(["INFO", "DEBUG", "ERROR", ""]),
       st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=50), st.integers(), st.none()), max_size=4))
def test_console_and_json_lines_never_raise(message, level, fields):
    for line in (f"2026-01-01T00:00:00Z\t{level}\t{message}\t{json.dumps(fields)}",
                 json.dumps({"level": level, "msg": message, **fields}), message):
        parsed = parse_line(line)
        assert isinstance(parsed.text, str)


@settings(max_examples=300, deadline=None)
@given(NAMES, NAMES, NAMES)
def test_host_pod_name_is_a_valid_bounded_name(pod, namespace, vcluster):
    name = host_pod_name(pod, namespace, vcluster)
    assert len(name) <= 63 and name == host_pod_name(pod, namespace, vcluster)
    if len(f"{pod}-x-{namespace}-x-{vcluster}") <= 63:
        assert name == f"{pod}-x-{namespace}-x-{vcluster}"  # kept as it is, whatever its characters
    else:
        assert ".-" not in name[52:]  # only a shortened name has its cut mended


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=512), st.text(max_size=512).map(str.encode)))
def test_config_extraction_raises_only_malformed_config(data):
    try:
        reduced = parse_config(data)
    except MalformedConfig:
        return
    assert isinstance(reduced, dict)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.one_of(st.booleans(), st.integers(), st.text(max_size=5), st.none()),
                    lambda inner: st.dictionaries(st.sampled_from(["experimental", "syncSettings", "setOwner", "sync",
                                                                   "toHost", "namespaces", "enabled", "x"]), inner,
                                                  max_size=4), max_leaves=12))
def test_config_extraction_on_arbitrary_shapes(value):
    try:
        parse_config(json.dumps(value).encode())
    except MalformedConfig:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fake_server_label_selector_parser_only_raises_value_error(text):
    try:
        match = parse_label_selector(text)
    except ValueError:
        return
    assert match({}) in (True, False)


@pytest.mark.parametrize("selector, labels, expected", [
    ("app=x", {"app": "x"}, True),
    ("app in (x, y),tier notin (db)", {"app": "y", "tier": "web"}, True),
    ("!app", {"app": "x"}, False),
    ("app,env!=prod", {"app": "a", "env": "dev"}, True),
])
def test_fake_server_label_selector_semantics(selector, labels, expected):
    assert parse_label_selector(selector)(labels) is expected


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9./-]{0,20}", fullmatch=True), st.text(max_size=20), max_size=6),
       st.sampled_from(["kai.scheduler/queue", "priorityClassName", "app"]),
       st.sampled_from(['{k}="{v}"', "{k}={v}", " {k} = {v}"]))
def test_virtual_label_lookup_agrees_with_the_full_parse(labels, key, line):
    text = "\n".join(line.format(k=k, v=v.replace("\n", " ")) for k, v in sorted(labels.items()))
    pod = podinfo.from_json({"metadata": {"annotations": {VIRTUAL_LABELS: text}}})
    assert virtual_label(pod, key) == virtual_labels(pod).get(key)
