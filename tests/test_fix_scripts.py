"""Every fix vcdoctor emits pastes into bash: it parses, runs with stub tools, names the diagnosed context and
pins the installed versions; the table and markdown print the same lines."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from tests.fakeapi.scenarios import SCENARIOS
from tests.pasting import assert_pastes, merged_values
from vcdoctor.cli import main

CONTEXT = "gpu-prod"


@pytest.fixture
def prod_kubeconfig(api, tmp_path):
    """The diagnosed cluster is gpu-prod; the current context is another cluster, as on a real laptop."""
    config = api.kubeconfig(namespace="team-a", context=CONTEXT)
    config["contexts"].append({"name": "elsewhere", "context": {"cluster": "fake-cluster", "user": "fake-user"}})
    config["current-context"] = "elsewhere"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def _run(kubeconfig, *args):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--context", CONTEXT, *args])
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_fix_of_every_scenario_pastes(scenario, cluster, prod_kubeconfig, tmp_path):
    SCENARIOS[scenario](cluster)
    report = json.loads(_run(prod_kubeconfig, "-o", "json").stdout)
    fixes = [c for c in report["checks"] if c.get("fix")]
    for check in fixes:
        assert check["fix"]["context"] == CONTEXT
        assert_pastes(check["fix"]["script"], CONTEXT, tmp_path / check["id"])


def test_set_owner_fix_keeps_the_values_pins_the_version_and_prints_the_same_lines(cluster, prod_kubeconfig,
                                                                                     tmp_path):
    SCENARIOS["setowner-on"](cluster)
    report = json.loads(_run(prod_kubeconfig, "-o", "json").stdout)
    check = next(c for c in report["checks"] if c["id"] == "vcluster-set-owner")
    script = check["fix"]["script"]
    pasted = assert_pastes(script, CONTEXT, tmp_path)
    upgrade = next(call for call in pasted.calls if call[:2] == ["vcluster", "create"])
    assert upgrade[upgrade.index("--chart-version") + 1] == "0.27.0"
    values = merged_values(pasted)
    assert values["experimental"]["syncSettings"]["setOwner"] is False
    assert values["controlPlane"]["statefulSet"]["resources"]["limits"]["memory"] == "2Gi"  # kept
    table = _run(prod_kubeconfig, "-o", "table").stdout
    markdown = _run(prod_kubeconfig, "-o", "markdown").stdout
    for line in script.splitlines():
        assert f"\n{line}\n" in table or line == ""
        assert line in markdown


def test_the_harness_refuses_a_script_that_would_hit_the_current_context(tmp_path):
    with pytest.raises(AssertionError, match="does not name context"):
        assert_pastes("kubectl rollout restart statefulset/vc -n ns\n", CONTEXT, tmp_path)
    with pytest.raises(AssertionError, match="does not pin"):
        assert_pastes("vcluster create --upgrade vc -n ns --context gpu-prod\n", CONTEXT, tmp_path)
    with pytest.raises(AssertionError, match="does not parse"):
        assert_pastes("cat > f <<'EOF'\nx\n  EOF\nkubectl get pods --context gpu-prod\n", CONTEXT, tmp_path)


def test_the_builder_quotes_names_the_context_and_refuses_placeholders():
    from vcdoctor.fix_script import Script, ScriptError

    fix = Script("ctx with space").comment("why\nand how").run("kubectl", "get", "pod", "a b").build()
    assert fix.script == "# why\n# and how\nkubectl get pod 'a b' --context 'ctx with space'\n"
    with pytest.raises(ScriptError):
        Script("c").run("kubectl", "describe", "pod", "<name>").build()
    unaimed = Script(None).run("helm", "list").build().script
    assert unaimed.startswith("# for the cluster admin") and "\nhelm" not in unaimed


@pytest.mark.parametrize("installed_by, upgrades", [("helm", True), (None, True), ("argocd", False)])
def test_a_vcluster_fix_fits_how_the_vcluster_was_installed(installed_by, upgrades, tmp_path):
    from vcdoctor.products.vcluster import SET_OWNER_SNIPPET, VCluster, upgrade_fix

    vc = VCluster("vc", "vc-ns", "StatefulSet", (0, 27, 0), None, installed_by=installed_by)
    fix = upgrade_fix(vc, CONTEXT, SET_OWNER_SNIPPET, "kai-scheduler-values.yaml", "setOwner off")
    pasted = assert_pastes(fix.script, CONTEXT, tmp_path)
    assert any(c[:2] == ["vcluster", "create"] for c in pasted.calls) is upgrades
    assert yaml.safe_load(pasted.files["kai-scheduler-values.yaml"]) == {
        "experimental": {"syncSettings": {"setOwner": False}}}
    if installed_by == "argocd":
        assert not pasted.calls and "Argo CD" in fix.script  # commands would be reverted: the values change only


def test_v019_fixes_keep_each_others_flags_whatever_order_they_are_pasted_in(cluster, prod_kubeconfig, tmp_path):
    """Helm replaces syncer.extraArgs whole: every v0.19 fix writes the whole list vcdoctor wants."""
    SCENARIOS["vcluster-v019-legacy"](cluster)
    report = json.loads(_run(prod_kubeconfig, "-o", "json").stdout)
    lists = []
    for check in report["checks"]:
        if check.get("fix"):
            values = merged_values(assert_pastes(check["fix"]["script"], CONTEXT, tmp_path / check["id"]))
            if "extraArgs" in values.get("syncer", {}):
                lists.append(values["syncer"]["extraArgs"])
    assert len(lists) >= 2 and all(extra == lists[0] for extra in lists)
    assert "--set-owner=false" in lists[0] and any(a.startswith("--sync-labels=") for a in lists[0])
    assert not any("experimental" in check["fix"]["script"] for check in report["checks"] if check.get("fix"))
