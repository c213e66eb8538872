"""Products register what the generic modules ask of them once, validated; with nothing registered they still run."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from vcdoctor import contributions, pipeline
from vcdoctor.cli import main
from vcdoctor.contributions import Contribution, ContributionError, RunKinds, TargetFacts
from vcdoctor.pipeline import Options, Source
from vcdoctor.products.vcluster import debug_collect
from vcdoctor.products.vcluster.sides import ClusterKind, classify
from vcdoctor.run_kind import HostRun

EXAMPLES = pathlib.Path(__file__).parents[1] / "docs" / "examples"


def run(*args):
    result = CliRunner().invoke(main, ["run", *args, "-o", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_the_built_in_products_validate():
    assert contributions.validated(contributions.contributions()) == contributions.contributions()


@pytest.mark.parametrize("field, value", [("run_kinds", RunKinds(classify, ClusterKind.from_report)),
                                          ("target_facts", TargetFacts("scope", "examined_pods")),
                                          ("schema_loader", str)])
def test_what_one_product_alone_may_answer_is_refused_from_two(field, value):
    both = [Contribution("A", **{field: value}), Contribution("B", **{field: value})]
    with pytest.raises(ContributionError, match=f"{field} is contributed by A and B"):
        contributions.validated(both)


def test_a_contribution_of_another_type_is_refused():
    with pytest.raises(ContributionError, match="a dict, not a Contribution"):
        contributions.validated([Contribution("A"), {"product": "B"}])


def test_with_no_product_that_has_virtual_clusters_a_run_is_a_host_run(mocker):
    recorded = Source(gateway=None, cluster={}, default_namespace="default",
                      snapshot_meta={"cluster": {"kind": "virtual", "vcluster": {"name": "vc", "namespace": "ns"}}})
    assert pipeline.where(Options(), recorded, executor=None).to_report()["vcluster"]["name"] == "vc"
    mocker.patch.object(contributions, "run_kinds", return_value=None)
    assert pipeline.where(Options(), recorded, executor=None) == HostRun()


def test_a_schema_no_product_reads_is_a_usage_error(mocker, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text("{}")
    mocker.patch.object(contributions, "schema_loader", return_value=None)
    code, report = run("--snapshot", str(EXAMPLES / "healthy.tar.gz"), "--vcluster-schema", str(schema))
    assert code == 2 and report["error"]["message"] == "--vcluster-schema: no product reads a config schema"


def test_an_archive_format_contributed_twice_is_refused():
    twice = [Contribution("A", archive_formats=(debug_collect.ARCHIVE,)),
             Contribution("B", archive_formats=(debug_collect.ARCHIVE,))]
    with pytest.raises(ContributionError, match="archive format is contributed twice: vcluster-debug-collect"):
        contributions.validated(twice)


def test_the_reader_knows_the_archives_the_products_contribute(mocker):
    archive = str(EXAMPLES / "debug-collect-setowner-on.tar.gz")
    assert run("--snapshot", archive)[1]["snapshot"]["format"] == debug_collect.FORMAT
    mocker.patch.object(contributions, "archive_formats", return_value=())
    code, report = run("--snapshot", archive)
    assert code == 2 and report["error"]["message"].endswith("is not a vcdoctor.snapshot/v1 snapshot (format: "
                                                             "missing) or a support bundle (support-bundle-<time>/"
                                                             "version.yaml, cluster-resources/)")
