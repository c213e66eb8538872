"""vcluster-config-schema: pass, misspelt and mistyped keys, each schema source, and honest could-not-look."""

from __future__ import annotations

import json

import pytest

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_config_schema import CHECK
from vcdoctor.model import Status
from vcdoctor.products.vcluster.config_schema import load_schema_file

MISSPELT = {"experimental": {"syncSetting": {"setOwner": False}}}


@pytest.fixture
def schema_file(tmp_path):
    path = tmp_path / "values.schema.json"
    path.write_text(json.dumps(f.VCLUSTER_SCHEMA))
    return load_schema_file(str(path))


def test_valid_config_passes_against_a_schema_file(cluster, run_check, schema_file):
    cluster.add(*f.vcluster("vc", "ns"))
    result = run_check(CHECK, config_schema=schema_file)
    assert result.status is Status.PASS and "schema file" in result.evidence[-1].subject


def test_misspelt_key_fails_with_the_rename(cluster, run_check, schema_file):
    cluster.add(*f.vcluster("vc", "ns", set_owner=None, extra_values=MISSPELT))
    result = run_check(CHECK, config_schema=schema_file)
    assert result.status is Status.FAIL and "experimental.syncSetting" in result.message
    assert "rename to experimental.syncSettings" in result.remediation
    assert "host cluster" in result.remediation
    assert "\nhelm get values vc --namespace ns --output json --kube-context fake > \"$work/step1-installed.json\"\n" \
        in result.fix.script


def test_wrong_type_fails_without_showing_the_value(cluster, run_check, schema_file):
    cluster.add(*f.vcluster("vc", "ns", set_owner=None,
                            extra_values={"experimental": {"syncSettings": {"setOwner": "nope-secret"}},
                                          "exportKubeConfig": {"secret": {"name": 7}}}))
    result = run_check(CHECK, config_schema=schema_file)
    assert result.status is Status.FAIL
    observed = " ".join(e.observation for e in result.evidence)
    assert "exportKubeConfig.secret.name: wrong type, expected string, found integer" in observed
    assert "setOwner: wrong type, expected boolean, found string" in observed
    assert "nope-secret" not in json.dumps([e.to_dict() for e in result.evidence]) + result.message


def test_no_schema_source_is_a_skip_that_says_how(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", extra_values=MISSPELT))
    result = run_check(CHECK)
    assert result.status is Status.SKIP and "--vcluster-schema" in result.remediation


def test_helm_release_schema_from_the_current_revision(cluster, run_check):
    strict = dict(f.VCLUSTER_SCHEMA, properties={})  # a superseded release whose schema would reject all
    cluster.add(*f.vcluster("vc", "ns", extra_values=MISSPELT),
                f.helm_release("vc", "ns", 2, status="superseded", schema=strict),
                f.helm_release("vc", "ns", 3, chart_version="0.27.1"),
                f.helm_release("other", "ns", 9, schema=strict))
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.FAIL and "experimental.syncSetting" in result.message
    assert "sh.helm.release.v1.vc.v3 (chart 0.27.1)" in result.evidence[-1].subject
    secret_reads = [r for r in cluster.requests if "/secrets" in r.path]
    lists = [r for r in secret_reads if r.path.endswith("/secrets")]
    assert len(lists) == 1 and lists[0].query["labelSelector"] == ["owner=helm,name=vc"]
    assert {r.path.rsplit("/", 1)[1] for r in secret_reads if r not in lists} == {"vc-config-vc",
                                                                                  "sh.helm.release.v1.vc.v3"}


def test_helm_release_list_is_metadata_only(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.helm_release("vc", "ns"))
    assert run_check(CHECK, helm_release=True).status is Status.PASS
    lists = [r for r in cluster.requests if r.path.endswith("/secrets")]
    assert lists and all("as=PartialObjectMetadataList" in r.accept for r in lists)


def test_forbidden_release_list_is_an_error_naming_both_ways_out(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.helm_release("vc", "ns"))
    cluster.deny("list", "secrets")
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.ERROR and "could not look" in result.message
    assert "kubectl auth can-i list secrets -n ns" in result.remediation and "--vcluster-schema" in result.remediation


def test_installed_without_helm_is_a_skip(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"))
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.SKIP and "without a Helm release" in result.message


def test_release_without_schema_is_a_skip(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.helm_release("vc", "ns", schema=None))
    assert run_check(CHECK, helm_release=True).status is Status.SKIP


def test_undecodable_release_is_an_error(cluster, run_check):
    release = f.helm_release("vc", "ns")
    release["data"]["release"] = "bm90IGd6aXA="  # base64 of "not gzip", itself not Helm's base64
    cluster.add(*f.vcluster("vc", "ns"), release)
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.ERROR and "cannot be decoded" in result.message


def test_unresolvable_schema_is_an_error(cluster, run_check):
    broken = dict(f.VCLUSTER_SCHEMA, properties={"experimental": {"$ref": "#/$defs/Missing"}})
    cluster.add(*f.vcluster("vc", "ns"), f.helm_release("vc", "ns", schema=broken))
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.ERROR and "$ref" in result.message


def test_pre_020_has_no_schema(cluster, run_check, schema_file):
    cluster.add(*f.vcluster("old", "ns", version="0.19.5", with_secret=False))
    assert run_check(CHECK, config_schema=schema_file).status is Status.SKIP


def test_each_vcluster_is_reported(cluster, run_check, schema_file):
    cluster.add(*f.vcluster("good", "a"), *f.vcluster("bad", "b", extra_values=MISSPELT))
    result = run_check(CHECK, config_schema=schema_file)
    assert result.status is Status.FAIL and "b/bad" in result.message
    assert {e.data.get("vcluster") for e in result.evidence} == {"a/good", "b/bad"}


def test_each_version_is_judged_by_its_own_chart_schema(cluster, run_check):
    """syncLabels exists only in v0.20.x: valid against that chart's schema, unknown to a v0.21+ one."""
    v020_schema = json.loads(json.dumps(f.VCLUSTER_SCHEMA))
    v020_schema["$defs"]["SyncSettings"]["properties"]["syncLabels"] = {"type": "array", "items": {"type": "string"}}
    labels = {"experimental": {"syncSettings": {"setOwner": False, "syncLabels": ["kai.scheduler/queue"]}}}
    cluster.add(*f.vcluster("old", "a", version="0.20.4", set_owner=None, extra_values=labels),
                f.helm_release("old", "a", chart_version="0.20.4", schema=v020_schema),
                *f.vcluster("new", "b", version="0.21.0", set_owner=None, extra_values=labels),
                f.helm_release("new", "b", chart_version="0.21.0"))
    result = run_check(CHECK, helm_release=True)
    assert result.status is Status.FAIL and result.message.startswith("b/new:")
    assert [e.data["key"] for e in result.evidence if "key" in e.data] == ["experimental.syncSettings.syncLabels"]
    assert "a/old" not in result.message.split("(")[0]
