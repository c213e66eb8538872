"""The remedy cures what it claims: run vcdoctor, paste its plan (from the table, as a user would) into bash against a
simulated cluster, run vcdoctor again. Every check a scripted step resolves now passes, no new fail appears, each
release is upgraded at most once, nothing is left in the directory, and a second paste changes nothing."""

from __future__ import annotations

import collections
import copy
import json

import pytest
from click.testing import CliRunner

from tests import simulator
from tests.conftest import PROD_CONTEXT as CONTEXT
from tests.fakeapi.scenarios import SCENARIOS
from vcdoctor.cli import main


def _run(kubeconfig, *args):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--context", CONTEXT, *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _statuses(report):
    return {c["id"]: c["status"] for c in report["checks"]}


def _from_table(table: str) -> str:
    """The remedy as a user copies it from the terminal: from its first line to the end marker."""
    lines = table.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("# vcdoctor remedy"))
    end = lines.index("# end of remedy")
    return "\n".join(lines[start:end]) + "\n"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_remedy_cures_what_it_claims(scenario, cluster, prod_kubeconfig, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    SCENARIOS[scenario](cluster)
    before = json.loads(_run(prod_kubeconfig, "-o", "json"))
    remedy = before["remedy"]
    if not remedy["steps"]:
        assert remedy["script"] == "" and "Remedy:" not in _run(prod_kubeconfig)
        return
    script = _from_table(_run(prod_kubeconfig))
    assert script == remedy["script"]  # the table prints it verbatim
    pasted = simulator.paste(script, cluster, tmp_path / "first", CONTEXT)
    assert pasted.returncode == 0, f"{pasted.stderr}\n{script}"
    assert pasted.left_behind == [], "the remedy wrote into the user's directory or left its temporary folder"
    upgrades = collections.Counter(tuple(c.argv[2:4]) if c.argv[0] == "helm" else (c.argv[3],)
                                   for c in pasted.changes if "upgrade" in c.argv[:3])
    assert all(n == 1 for n in upgrades.values()), f"a release was upgraded more than once: {upgrades}"

    after = _statuses(json.loads(_run(prod_kubeconfig, "-o", "json")))
    claimed = {c for step in remedy["steps"] if not step["manual"] for c in step["resolves"]}
    assert {c: after[c] for c in claimed} == {c: "pass" for c in claimed}, script
    worse = {c for c, s in after.items() if s == "fail" and _statuses(before)[c] != "fail"}
    assert not worse, f"new failures after the remedy: {worse}"

    settled = copy.deepcopy(cluster.objects)
    again = simulator.paste(script, cluster, tmp_path / "second", CONTEXT)
    assert again.returncode == 0 and cluster.objects == settled, "pasting the remedy twice changed the cluster again"


def test_every_kind_of_step_is_exercised_by_the_closed_loop(cluster, prod_kubeconfig):
    """The scenarios above cover every step kind vcdoctor emits (a new kind needs a scenario and the simulator)."""
    kinds = set()
    for build in SCENARIOS.values():
        cluster.objects.clear()
        cluster.logs.clear()
        build(cluster)
        for step in json.loads(_run(prod_kubeconfig, "-o", "json"))["remedy"]["steps"]:
            kinds.add(step["target"].split(" ")[0])
    assert {"vCluster", "KAI", "statefulset", "inside", "nothing"} <= kinds, kinds
