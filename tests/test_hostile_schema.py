"""Untrusted config schemas: their regexes cannot hang a run, and their remote $refs are never fetched."""

from __future__ import annotations

import json
import socket
import time

import pytest

from vcdoctor.products.vcluster import config_schema
from vcdoctor.products.vcluster.config_schema import (
    UNKNOWN_KEY,
    UnusableSchema,
    compile_schema,
    load_schema_file,
    problems,
)

EVIL = "^(a+)+$"  # exponential on Python's re for "aaa…a!"
LONG_KEY = "a" * 100_000 + "!"


def found_in(schema, config):
    return problems(compile_schema(schema, "test"), config, "test")


@pytest.mark.parametrize("schema", [
    pytest.param({"type": "object", "patternProperties": {EVIL: {}}, "additionalProperties": False},
                 id="patternProperties"),
    pytest.param({"type": "object", "propertyNames": {"pattern": EVIL}}, id="propertyNames"),
    pytest.param({"type": "object", "properties": {"k": {"type": "string", "pattern": EVIL}}}, id="pattern"),
    pytest.param({"type": "object", "patternProperties": {EVIL: {}}, "unevaluatedProperties": False},
                 id="unevaluatedProperties"),
])
def test_catastrophic_regexes_run_in_linear_time(schema):
    started = time.monotonic()
    found = found_in(schema, {LONG_KEY: 1, "k": "a" * 100_000 + "!"})
    assert time.monotonic() - started < 5  # Python's re would need about 2**100000 steps
    if "additionalProperties" in schema:
        assert [(p.kind, p.path[:3]) for p in found if p.path.startswith("aaa")] == [(UNKNOWN_KEY, "aaa")]


def test_the_matcher_is_re2_not_pythons_re(monkeypatch):
    import re

    monkeypatch.setattr(re, "search", lambda *a, **k: pytest.fail("Python's re ran a schema regex"))
    schema = {"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False}
    assert [p.path for p in found_in(schema, {"x-ok": "", "y": ""})] == ["y"]


def test_patterns_re2_cannot_run_never_produce_unknown_keys():
    schema = {"type": "object", "patternProperties": {"^(?=x)x-": {}}, "additionalProperties": False}
    assert config_schema.pattern_search("^(?=x)x-", "x-a") is None
    assert found_in(schema, {"x-a": 1}) == []


@pytest.fixture
def no_network(monkeypatch):
    """Records (and refuses) every attempt to resolve a host or open a connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize("ref", ["https://schemas.example.com/vcluster.json", "http://169.254.169.254/latest",
                                 "file:///etc/passwd", "urn:x:y"])
def test_remote_refs_are_refused_without_network_access(no_network, ref):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"sync": {"$ref": ref}}}
    validator = compile_schema(schema, "test")
    with pytest.raises(UnusableSchema, match="cannot resolve"):
        problems(validator, {"sync": {"x": 1}}, "test")
    assert no_network == []


def test_the_meta_schema_itself_resolves_offline(no_network):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": "https://json-schema.org/draft/2020-12/schema"}
    assert found_in(schema, {"type": "object"}) == []
    assert no_network == []


def test_retrieve_is_asked_and_refuses(monkeypatch):
    asked = []
    original = config_schema._refuse_remote
    monkeypatch.setattr(config_schema, "_refuse_remote", lambda uri: asked.append(uri) or original(uri))
    schema = {"type": "object", "properties": {"a": {"$ref": "https://evil.example/s.json"}}}
    with pytest.raises(UnusableSchema):
        found_in(schema, {"a": 1})
    assert asked == ["https://evil.example/s.json"]


def test_deeply_nested_schema_files_are_unusable_not_a_crash(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text('{"properties": {"a": ' * 5000 + "{}" + "}}" * 5000)
    with pytest.raises(UnusableSchema, match="nests too deep"):
        load_schema_file(str(path))
    path.write_text(json.dumps({"$ref": "#"}))  # a $ref to itself
    try:
        validator = load_schema_file(str(path)).validator
    except UnusableSchema:
        return
    with pytest.raises(UnusableSchema):
        problems(validator, {"a": 1}, "test")


def test_unique_items_is_judged_by_hashing_with_json_equality():
    """20,000 entries are one pass (jsonschema compares every pair); 1 and 1.0 are equal, true and 1 are not."""
    from jsonschema import Draft202012Validator

    schema = {"type": "object", "properties": {"m": {"type": "array", "uniqueItems": True}}}
    validator = config_schema._safe_class(Draft202012Validator, schema)(schema)
    assert validator.VALIDATORS["uniqueItems"] is config_schema._unique_items
    assert not list(validator.iter_errors({"m": [{"byName": {f"ns-{i}": "x"}} for i in range(20_000)]}))
    assert list(validator.iter_errors({"m": [{"a": 1}, {"a": 1.0}]}))
    assert not list(validator.iter_errors({"m": [True, 1]}))
