"""Every fix vcdoctor emits pastes into bash on its own: it parses, runs with the stub tools, names the diagnosed
context, pins the installed versions and keeps the values (and v0.19 syncer args) the user installed with."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests import simulator
from tests.conftest import PROD_CONTEXT as CONTEXT
from tests.fakeapi import factories as f
from tests.fakeapi import vcluster_releases as vr
from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS, _kai_world
from vcdoctor.cli import main


def _report(kubeconfig):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--context", CONTEXT, "-o", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_fix_of_every_scenario_pastes_on_its_own(scenario, cluster, prod_kubeconfig, tmp_path):
    SCENARIOS[scenario](cluster)
    for check in _report(prod_kubeconfig)["checks"]:
        if check.get("fix"):
            assert check["fix"]["context"] == CONTEXT
            pasted = simulator.paste(check["fix"]["script"], cluster, tmp_path / check["id"], CONTEXT)
            assert pasted.returncode == 0, f"{pasted.stderr}\n{check['fix']['script']}"


def test_set_owner_fix_keeps_the_values_and_the_version_and_the_users_context(cluster, prod_kubeconfig, tmp_path):
    SCENARIOS["setowner-on"](cluster)
    check = next(c for c in _report(prod_kubeconfig)["checks"] if c["id"] == "vcluster-set-owner")
    pasted = simulator.paste(check["fix"]["script"], cluster, tmp_path, CONTEXT)
    upgrade = next(c for c in pasted.calls if c.argv[:2] == ["vcluster", "create"])
    assert upgrade.flag("--chart-version") == "0.27.0" and "--connect=false" in upgrade.argv
    values = upgrade.values()
    assert values["experimental"]["syncSettings"]["setOwner"] is False
    assert values["exportKubeConfig"]["secret"]["name"] == "should-never-be-reported"  # an installed value, kept


def test_a_v019_fix_keeps_every_syncer_arg_the_user_installed_with(cluster, prod_kubeconfig, tmp_path):
    """Helm replaces syncer.extraArgs whole: the remedy merges at paste time, keeping the user's own args."""
    cluster.add(*vr.legacy(VC, VC_NS, "--enable-scheduler", "--sync-labels=team.example.com/cost-center",
                           "--tls-san=vc.example.com"), f.helm_release(VC, VC_NS, 1, chart_version="0.19.5"))
    cluster.add(f.synced_pod("trainer-0", "team-a", VC, VC_NS, owner=True, hashed_labels=True,
                             labels={"kai.scheduler/queue": "test"}))
    _kai_world(cluster)
    report = _report(prod_kubeconfig)
    pasted = simulator.paste(report["remedy"]["script"], cluster, tmp_path, CONTEXT)
    assert pasted.returncode == 0, pasted.stderr
    args = simulator._syncer(simulator._workload(cluster, VC, VC_NS))["args"]
    assert "--tls-san=vc.example.com" in args and "--set-owner=false" in args
    assert "--enable-scheduler=false" in args and "--enable-scheduler" not in args
    labels = next(a for a in args if a.startswith("--sync-labels=")).split("=", 1)[1].split(",")
    assert {"team.example.com/cost-center", "kai.scheduler/queue", "runai/queue", "priorityClassName"} == set(labels)
    assert len([c for c in pasted.calls if c.argv[:2] == ["helm", "upgrade"]]) == 1


@pytest.mark.parametrize("installed_by, upgrades", [("helm", True), (None, False), ("argocd", False)])
def test_only_a_verified_helm_release_gets_commands(installed_by, upgrades, cluster, tmp_path):
    from vcdoctor.products.vcluster import SET_OWNER_VALUES, VCluster, VClusterValues
    from vcdoctor.remedy import fix

    vc = VCluster("vc", "vc-ns", "StatefulSet", (0, 27, 0), None, installed_by=installed_by)
    cluster.add(*f.vcluster("vc", "vc-ns"))
    script = fix(CONTEXT, VClusterValues(why=("setOwner off",), vc=vc, values=SET_OWNER_VALUES)).script
    pasted = simulator.paste(script, cluster, tmp_path, CONTEXT)
    assert pasted.returncode == 0
    assert any(c.argv[:2] == ["vcluster", "create"] for c in pasted.calls) is upgrades
    if not upgrades:
        assert pasted.calls == [] and "#       setOwner: false" in script  # the change, for whoever owns the release
        assert ("Argo CD" in script) is (installed_by == "argocd")


def test_the_builder_quotes_names_the_context_and_refuses_placeholders():
    from vcdoctor.remedy.script import Script, ScriptError

    script = Script("ctx with space").comment("why\nand how").run("kubectl", "get", "pod", "a b")
    assert script.lines == ["# why", "# and how", "kubectl get pod 'a b' --context 'ctx with space'"]
    with pytest.raises(ScriptError):
        Script("c").run("kubectl", "describe", "pod", "<name>")
    unaimed = Script(None).run("helm", "list").lines
    assert unaimed[0].startswith("# for the cluster admin") and len(unaimed) == 1


def test_prose_commands_name_the_context_and_the_pods_own_names(cluster, prod_kubeconfig):
    """A command in remediation text pastes like a script line: aimed at the diagnosed context, and a pod inside a
    vCluster is named as the vCluster names it."""
    SCENARIOS["kai-queue-missing"](cluster)
    pending = next(c for c in _report(prod_kubeconfig)["checks"] if c["id"] == "kai-pending-reason")
    assert f"vcdoctor run --context {CONTEXT} --namespace team-a --pod trainer-0" in pending["remediation"]


def test_remedy_command_prints_a_saved_reports_plan_or_some_steps(cluster, prod_kubeconfig, tmp_path):
    SCENARIOS["vcluster-v019-legacy"](cluster)
    report = _report(prod_kubeconfig)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    runner = CliRunner()
    whole = runner.invoke(main, ["remedy", str(saved)])
    assert whole.exit_code == 0 and whole.stdout == report["remedy"]["script"]
    second = runner.invoke(main, ["remedy", str(saved), "--steps", "2"])
    assert second.exit_code == 0 and "helm upgrade" not in second.stdout and "Recreate the pods" in second.stdout
    assert simulator.paste(second.stdout, cluster, tmp_path / "paste", CONTEXT).returncode == 0
    for bad in (["--steps", "9"], ["--steps", "x"]):
        refused = runner.invoke(main, ["remedy", str(saved), *bad])
        assert refused.exit_code == 2 and "Traceback" not in refused.output
    saved.write_text(json.dumps(dict(report, remedy=dict(report["remedy"], script="kubectl get pods\x1b[2J"))))
    assert runner.invoke(main, ["remedy", str(saved)]).exit_code == 2
    saved.write_text("[" * 100000 + "]" * 100000)
    deep = runner.invoke(main, ["remedy", str(saved)])
    assert deep.exit_code == 2 and "nested deeper" in deep.output
