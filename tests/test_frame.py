"""The frame holds: no import cycles, a check reads only what its facts declare, time is an input, one deadline."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import json
import pathlib
import tarfile
import time

import pytest
from click.testing import CliRunner

from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS, guide_cluster
from vcdoctor import registry
from vcdoctor.cli import main
from vcdoctor.report import Report

ROOT = pathlib.Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.tar.gz"))
ACCESS_REVIEWS = ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                  "/apis/authorization.k8s.io/v1/subjectaccessreviews")


def _modules():
    """vcdoctor's modules by dotted name (checks/ installs as vcdoctor.checks)."""
    found = {}
    for base, package in ((ROOT / "vcdoctor", "vcdoctor"), (ROOT / "checks", "vcdoctor.checks")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package] + parts)] = path
    return found


def _imports(path, name, known):
    """Every vcdoctor module ``path`` imports, also inside functions (a lazy import is still a dependency)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def test_no_import_cycle_anywhere_in_vcdoctor():
    modules = _modules()
    graph = {name: _imports(path, name, modules) for name, path in modules.items()}
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycle = trail[trail.index(dep):] + [dep] if dep in trail else [node, dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, trail + [dep])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def _package(name):
    """The unit a package cycle is counted in: a product, a subpackage, checks/, or a top-level module."""
    parts = name.split(".")
    return ".".join(parts[:3] if parts[1:2] == ["products"] else parts[:2])


def test_no_package_cycle_between_products_and_the_rest():
    """A product's modules may use generic ones, and generic ones a product, but never both ways round."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph.setdefault(_package(name), set()).update(_package(d) for d in _imports(path, name, modules))
    reach = {}

    def reached(start):
        if start not in reach:
            seen, todo = set(), list(graph.get(start, ()))
            while todo:
                unit = todo.pop()
                if unit not in seen:
                    seen.add(unit)
                    todo.extend(graph.get(unit, ()))
            reach[start] = seen
        return reach[start]

    cycles = sorted(f"{a} <-> {b}" for a in graph for b in graph[a] if a < b and a in reached(b) and a != b)
    assert not cycles, cycles


def test_generic_modules_import_no_product():
    """Products register what generic modules must know of them (vcdoctor/contributions.py), never the reverse."""
    modules = _modules()
    importing = {name: sorted(dep for dep in _imports(path, name, modules) if dep.startswith("vcdoctor.products."))
                 for name, path in modules.items() if not name.startswith(("vcdoctor.products", "vcdoctor.checks"))}
    assert not {name: deps for name, deps in importing.items() if deps}


def test_cli_module_stays_small():
    assert len((ROOT / "vcdoctor" / "cli.py").read_text().splitlines()) <= 250


def test_no_module_outgrows_one_job():
    """A module past 500 lines does more than one thing: split it by what it is for."""
    sizes = {path: len(path.read_text(encoding="utf-8").splitlines())
             for folder in ("vcdoctor", "checks") for path in (ROOT / folder).rglob("*.py")}
    assert {str(path.relative_to(ROOT)): n for path, n in sizes.items() if n > 500} == {}


def test_one_check_reads_only_what_its_facts_need(cluster, kubeconfig):
    guide_cluster(cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--check", "kai-components", "-o", "json"])
    assert result.exit_code == 0, result.output
    gets = [r for r in cluster.requests if r.method == "GET"]
    assert len(gets) <= 4, [r.path for r in gets]
    assert not [r for r in cluster.requests if r.path in ACCESS_REVIEWS]


def test_a_healthy_run_sends_no_access_review(cluster, kubeconfig):
    guide_cluster(cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json"])
    assert result.exit_code == 0, result.output
    assert not [r for r in cluster.requests if r.path in ACCESS_REVIEWS]


def test_collect_records_only_what_the_selected_checks_read(cluster, kubeconfig, tmp_path):
    guide_cluster(cluster)
    out = tmp_path / "one.tar.gz"
    result = CliRunner().invoke(main, ["collect", "--kubeconfig", kubeconfig, "--check", "kai-components",
                                       "--no-redact", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with tarfile.open(out) as archive:
        responses = [m.name for m in archive.getmembers() if m.name.startswith("responses/")]
    # /version, nodes (is this a vCluster?), pods in kai-scheduler, its Config (configured names): nothing of
    # the vClusters, queues or logs
    assert len(responses) <= 4, responses


@pytest.mark.parametrize("snapshot", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_a_snapshot_gives_the_same_verdicts_a_year_later(snapshot, mocker):
    def verdicts():
        result = CliRunner().invoke(main, ["run", "--snapshot", str(snapshot), "-o", "json"])
        return {c["id"]: (c["status"], c["message"]) for c in json.loads(result.stdout)["checks"]}

    today = verdicts()
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=366)
    mocker.patch("vcdoctor.report.now", return_value=later)
    assert verdicts() == today


@pytest.mark.parametrize("check_id", [c.id for c in registry.load_checks()])
def test_every_check_says_it_could_not_look_when_everything_is_forbidden(check_id, cluster, kubeconfig):
    guide_cluster(cluster)
    cluster.allow_rules([])
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--check", check_id, "-o", "json"])
    (check,) = json.loads(result.stdout)["checks"]
    assert check["status"] in ("error", "skip"), check
    if check["status"] == "error":
        assert "forbidden" in check["message"] and check["remediation"]


TARGETS = {"all pods": [], "one pod": ["-n", "team-a", "--pod", "gpu-sharing-pod"],
           "one vCluster": ["--vcluster", VC, "--vcluster-namespace", VC_NS]}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_check_reads_only_declared_facts_in_every_mode(scenario, target, cluster, kubeconfig):
    """A fact that sends an undeclared request is a bug the engine raises; no mode and no era may hit one."""
    SCENARIOS[scenario](cluster)
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "-o", "json", *TARGETS[target]])
    report = json.loads(result.stdout)
    assert result.exit_code in (0, 1, 2), result.output
    crashed = [c for c in report["checks"] if "crashed" in c["message"]]
    assert not crashed, crashed


def test_the_deadline_bounds_slow_access_reviews(cluster, kubeconfig, clock):
    """Access reviews that never answer (they run only to explain a refused read) cannot hold a 3 s run: the run's
    clock passes its deadline as they hang."""
    guide_cluster(cluster)
    cluster.deny("get", "pods/log")
    cluster.hung_paths.append("selfsubjectaccessreviews")
    cluster.on_hang = clock.expire
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--timeout", "3", "-o", "json"])
    report = json.loads(result.stdout)
    # the reviews would answer after 8 s: a report that says the deadline cut them was not held by them
    assert report["checks"] and "deadline" in report["preflight"]["unavailable"]


def test_a_hung_version_request_cannot_outlive_the_deadline(cluster, kubeconfig):
    """The suite's one test on wall time: a run ends by its --timeout (with a generous margin), on the real clock."""
    guide_cluster(cluster)
    cluster.hung_paths.append("^/version$")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--timeout", "1", "-o", "json"])
    assert time.monotonic() - started < 5
    assert result.exit_code == 3 and json.loads(result.stdout)["error"]["code"] == "unreachable"


def test_a_list_whose_continue_token_repeats_is_an_error_not_a_loop():
    from vcdoctor.gateway import ApiError, Gateway, RawResponse
    from vcdoctor.gateway import resources as r

    class Repeating:
        """A server (or snapshot) that answers every page with the same continue token."""

        sent = 0

        def send(self, request):
            self.sent += 1
            return RawResponse(200, b'{"metadata": {"continue": "again"}, "items": [{"metadata": {}}]}')

    transport = Repeating()
    with pytest.raises(ApiError, match="continue token repeats"):
        Gateway(transport).list(r.PODS)
    assert transport.sent == 2


def test_multi_namespace_pods_that_cannot_be_listed_are_not_judged_as_absent(cluster, kubeconfig):
    SCENARIOS["multi-namespace"](cluster)
    cluster.deny("list", "namespaces")
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--check", "pod-scheduler-name",
                                       "-o", "json"])
    (check,) = json.loads(result.stdout)["checks"]
    assert check["status"] == "error" and "namespaces" in check["message"]


def test_the_report_is_built_once_frozen_and_its_document_is_a_copy():
    report = Report.failed("usage", "bad flag", context="ctx")
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.error = None
    document = report.to_dict()
    assert document["cluster"]["context"] == "ctx" and document["error"]["code"] == "usage"
    assert "remedy" not in document and "preflight" not in document
    document["cluster"]["context"] = "changed"
    assert report.to_dict()["cluster"]["context"] == "ctx"
