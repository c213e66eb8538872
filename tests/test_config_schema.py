"""Config outlines, Helm release records and schema validation, from small inputs."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from tests.fakeapi import factories as f
from vcdoctor.products.helm import release as helm
from vcdoctor.products.vcluster.config import config_outline
from vcdoctor.products.vcluster.config_schema import (
    UNKNOWN_KEY,
    WRONG_TYPE,
    compile_schema,
    problems,
)

CONFIG = {"experimental": {"syncSettings": {"setOwner": False, "targetNamespace": "team-a"}},
          "exportKubeConfig": {"secret": {"name": "admin-kubeconfig"}},
          "controlPlane": {"statefulSet": {"labels": {"team": "ml"}}, "replicas": 3, "ratio": 0.25},
          "sync": {"toHost": {"pods": {"hybridScheduling": {"hostSchedulers": ["kai-scheduler"]}}}}}


def found_in(schema, config):
    return problems(compile_schema(schema, "test"), config, "test")


def test_outline_blanks_values_but_keeps_keys_types_and_the_keys_checks_read():
    outline = config_outline(CONFIG)
    assert outline["exportKubeConfig"]["secret"]["name"] == ""
    assert outline["controlPlane"] == {"statefulSet": {"labels": {"team": ""}}, "replicas": 0, "ratio": 0.5}
    assert outline["experimental"]["syncSettings"] == {"setOwner": False, "targetNamespace": "team-a"}
    assert outline["sync"]["toHost"]["pods"]["hybridScheduling"]["hostSchedulers"] == ["kai-scheduler"]
    assert config_outline(outline) == outline


def test_unknown_keys_get_the_closest_allowed_key():
    found = found_in(f.VCLUSTER_SCHEMA, {"experimental": {"syncSettings": {"setowner": False}}, "sync": {},
                                         "privateNode": {"enabled": True}, "zzz": 1})
    assert [(p.path, p.kind, p.suggestion) for p in found] == [
        ("experimental.syncSettings.setowner", UNKNOWN_KEY, "experimental.syncSettings.setOwner"),
        ("privateNode", UNKNOWN_KEY, "privateNodes"),
        ("zzz", UNKNOWN_KEY, None),
    ]


def test_free_form_maps_and_empty_values_are_not_problems():
    config = {"controlPlane": {"statefulSet": {"labels": {"any-key": ""}}}, "privateNodes": {"enabled": None}}
    assert found_in(f.VCLUSTER_SCHEMA, config) == []


def test_value_rules_are_not_judged_on_blanked_values():
    schema = {"type": "object", "properties": {"mode": {"enum": ["a", "b"]}, "n": {"type": "integer", "minimum": 5}}}
    assert found_in(schema, {"mode": "", "n": 0}) == []
    assert [p.kind for p in found_in(schema, {"mode": "", "n": "x"})] == [WRONG_TYPE]


def test_unknown_keys_inside_any_of_are_found():
    schema = {"type": "object", "properties": {"x": {"anyOf": [
        {"type": "string"}, {"type": "object", "additionalProperties": False, "properties": {"enabled": {}}}]}}}
    assert [p.path for p in found_in(schema, {"x": {"enable": True}})] == ["x.enable"]
    assert [p.detail for p in found_in(schema, {"x": 1})] == ["expected string or object, found integer"]


def test_release_records_decode_with_and_without_gzip():
    record = {"chart": {"metadata": {"version": "1.0"}}}
    assert helm.decode_release(helm.encode_release(record)) == record
    assert helm.decode_release(base64.b64encode(json.dumps(record).encode())) == record


@pytest.mark.parametrize("blob, message", [
    (b"%%%", "not base64"),
    (base64.b64encode(b"\x1f\x8b\x08garbage"), "not valid gzip"),
    (base64.b64encode(gzip.compress(b"[1]", mtime=0)), "not a JSON object"),
    (base64.b64encode(gzip.compress(b"\0" * (helm.MAX_RELEASE_BYTES + 1))), "inflates past"),
])
def test_malformed_release_records_are_refused(blob, message):
    with pytest.raises(helm.MalformedRelease, match=message):
        helm.decode_release(blob)


def test_reduced_release_keeps_only_chart_identity_and_schema():
    secret = f.helm_release("vc", "ns", values={"password": "hunter2"})
    record = helm.decode_release(base64.b64decode(secret["data"]["release"]))
    reduced = helm.reduce_release(record)
    assert reduced == {"chart": {"metadata": {"name": "vcluster", "version": "0.27.0"},
                                 "schema": record["chart"]["schema"]},
                       "info": {"status": "deployed"}, "version": 1}
