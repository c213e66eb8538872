"""Tenants control names, labels, annotations, args and logs: nothing they write becomes code in the admin's paste."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import simulator
from tests.conftest import PROD_CONTEXT as CONTEXT
from tests.fakeapi import factories as f
from tests.fakeapi import vcluster_releases as vr
from tests.fakeapi.scenarios import VC, VC_NS, _kai_world, guide_cluster, podgrouper_crashloop
from vcdoctor.cli import main
from vcdoctor.products.kai import KaiValues, QueueParents, Queues
from vcdoctor.products.kai.release import KaiRelease
from vcdoctor.products.vcluster import VCluster, VClusterValues, control_plane_rollout
from vcdoctor.remedy.plan import plan
from vcdoctor.remedy.steps import Inspect, Manual

CANARY = "vcdoctor-canary"
#: what an attacker puts in a name: line ends of every kind, the terminator, quotes, expansions, terminal escapes
ATTACKS = ("x\nVCDOCTOR_EOF\x1b\ntouch " + CANARY, "x'; touch " + CANARY + "; #\x1b", "$(touch " + CANARY + ")",
           "`touch " + CANARY + "`", "a\u2028touch " + CANARY, "a\rtouch " + CANARY, "\x9b2J", "a\x85b", "'\"\\",
           "VCDOCTOR_EOF", "x\n    rbac.clusterRole.create: true")


def _report(kubeconfig, *args):
    result = CliRunner().invoke(main, ["run", "--kubeconfig", kubeconfig, "--context", CONTEXT, *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _paste(script: str, cluster, tmp_path: pathlib.Path) -> simulator.Pasted:
    pasted = simulator.paste(script, cluster, tmp_path, CONTEXT)
    assert pasted.returncode == 0, pasted.stderr
    assert not any(CANARY in p.name for p in tmp_path.rglob("*")), "a tenant's text ran as a command"
    return pasted


def test_a_heredoc_terminator_in_a_config_value_stops_the_step(cluster, prod_kubeconfig, tmp_path):
    """A v0.20 vCluster whose syncLabels hold the terminator: the upgrade that would carry it is refused."""
    guide_cluster(cluster)
    cluster.objects[("apps", "statefulsets")].clear()
    cluster.objects[("", "secrets")].clear()
    for obj in f.vcluster(VC, VC_NS, version="0.20.4", extra_values={"experimental": {"syncSettings": {
            "setOwner": False, "syncLabels": [ATTACKS[0]]}}}):
        if obj["kind"] in ("StatefulSet", "Secret"):
            cluster.add(obj)
    report = json.loads(_report(prod_kubeconfig, "-o", "json"))
    step = next(s for s in report["remedy"]["steps"] if s["target"].startswith("vCluster"))
    assert step["refused"] and step["resolves"] == [] and "vcdoctor stops this step" in step["script"]
    table = _report(prod_kubeconfig)
    assert report["remedy"]["script"] in table  # verbatim: nothing cleaned after quoting
    pasted = _paste(report["remedy"]["script"], cluster, tmp_path)
    assert not [c for c in pasted.changes if "upgrade" in c.argv[:3]]


def test_a_pod_name_that_closes_a_quote_never_runs(cluster, prod_kubeconfig, tmp_path):
    podgrouper_crashloop(cluster)
    grouper = next(p for p in cluster.objects[("", "pods")] if p["metadata"]["name"].startswith("pod-grouper"))
    grouper["metadata"]["name"] = ATTACKS[1]
    table = _report(prod_kubeconfig)
    report = json.loads(_report(prod_kubeconfig, "-o", "json"))
    assert report["remedy"]["script"] in table and "\x1b" not in table
    pasted = _paste(report["remedy"]["script"], cluster, tmp_path)
    assert not any(ATTACKS[1] in call.argv for call in pasted.calls)


def test_a_newline_in_a_name_cannot_end_a_comment_of_a_tenant_run(tmp_path, cluster):
    """No host context: commands stay comments; a name with a line break is refused, not split into code."""
    script = plan([("c", [Inspect(commands=(("kubectl", "logs", ATTACKS[0], "--namespace", "ns"),)),
                          Manual(where="inside vCluster " + ATTACKS[0], lines=(ATTACKS[4],))])], None).script
    assert all(line.startswith("#") or line in ("(", ")") or line.startswith(("set ", "work=", "trap "))
               for line in script.splitlines() if line)
    _paste(script, cluster, tmp_path)


def test_a_syncer_arg_with_a_newline_adds_no_value(cluster, prod_kubeconfig, tmp_path):
    """v0.19: the user's args are merged at paste time as data, so a newline in one is an arg, never a YAML key."""
    cluster.add(*vr.legacy(VC, VC_NS, "--set-owner=true", ATTACKS[-1]), f.helm_release(VC, VC_NS, 1,
                                                                                     chart_version="0.19.5"))
    _kai_world(cluster)
    report = json.loads(_report(prod_kubeconfig, "-o", "json"))
    pasted = _paste(report["remedy"]["script"], cluster, tmp_path)
    upgrade = next(c for c in pasted.calls if c.argv[:2] == ["helm", "upgrade"])
    assert "rbac" not in upgrade.values()
    assert ATTACKS[-1] in upgrade.values()["syncer"]["extraArgs"]  # the user's arg, kept as it was


def test_a_workload_that_only_looks_like_a_vcluster_gets_no_command(cluster, prod_kubeconfig, tmp_path):
    """A tenant's Deployment labelled like a vCluster (no Helm release marks) is reported, never acted on."""
    forged = f.vcluster("evil", "team-a", set_owner=True, kind="Deployment")
    for obj in forged:
        if obj["kind"] == "Deployment":
            obj["metadata"]["annotations"] = {"meta.helm.sh/release-name": "my-vcluster",
                                              "meta.helm.sh/release-namespace": VC_NS}
    guide_cluster(cluster)
    cluster.add(*[o for o in forged if o["kind"] != "Namespace"])
    report = json.loads(_report(prod_kubeconfig, "-o", "json"))
    step = next(s for s in report["remedy"]["steps"] if "team-a/evil" in s["target"])
    assert step["manual"] and "could not verify" in step["script"]
    pasted = _paste(report["remedy"]["script"], cluster, tmp_path)
    assert not [c for c in pasted.calls if "team-a" in c.argv or "evil" in c.argv]


HOSTILE = st.one_of(st.sampled_from(ATTACKS), st.text(min_size=1, max_size=12),
                    st.builds(lambda a, b: a + b, st.sampled_from(ATTACKS), st.text(max_size=6)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE, namespace=HOSTILE, value=HOSTILE, pod=HOSTILE)
def test_any_hostile_field_makes_exactly_the_intended_calls(name, namespace, value, pod, tmp_path_factory):
    """Random hostile strings in every field a step reads: bash runs only the commands the steps mean, with the
    exact words, and a step holding an unusable value runs nothing."""
    from vcdoctor.remedy.script import usable

    vc = VCluster(name, namespace, "StatefulSet", (0, 27, 0), None, installed_by="helm")
    steps = [VClusterValues(vc=vc, values={"experimental": {"syncSettings": {"syncLabels": [value]}}}),
             Inspect(commands=(("kubectl", "logs", pod, "--namespace", namespace),)),
             control_plane_rollout(vc),
             KaiValues(release=KaiRelease((0, 10, 2), "tags", (0, 10, 2)), namespace=namespace,
                       sets=("global.gpuSharing=true",)),
             Queues(queues=((value, None),)), QueueParents(parents=((value, pod),)),
             Manual(where=f"inside vCluster {name}", lines=(value, pod))]
    remedy = plan([("c", steps)], CONTEXT)
    workdir = tmp_path_factory.mktemp("hostile")
    releases = {f"{namespace}/{name}": {}, f"{namespace}/kai-scheduler": {}}  # what `helm get values` answers
    pasted = simulator.run_stubbed(remedy.script, workdir, releases)
    assert pasted.returncode == 0, pasted.stderr
    assert not any(CANARY in p.name for p in workdir.rglob("*"))
    ok_vc, ok_pod, ok_value = usable(name) and usable(namespace), usable(pod) and usable(namespace), usable(value)
    expected = []
    if ok_pod:
        expected.append(["kubectl", "logs", pod, "--namespace", namespace, "--context", CONTEXT])
    calls = [c.argv for c in pasted.calls]
    assert [c for c in calls if c[:2] == ["kubectl", "logs"]] == expected
    upgrades = [c for c in pasted.calls if c.argv[:2] == ["vcluster", "create"]]
    if ok_vc and ok_value:
        assert upgrades and upgrades[0].values()["experimental"]["syncSettings"]["syncLabels"] == [value]
        assert upgrades[0].argv[3] == name and upgrades[0].flag("--namespace") == namespace
    else:
        assert not upgrades
    restarts = [c for c in calls if c[:3] == ["kubectl", "rollout", "restart"] and c[3] != "deployment"]
    assert restarts == ([["kubectl", "rollout", "restart", f"statefulset/{name}", "--namespace", namespace,
                          "--context", CONTEXT]] if ok_vc else [])
    kai = [c for c in pasted.calls if c.argv[:3] == ["helm", "upgrade", "kai-scheduler"]]
    assert [(c.flag("--namespace"), c.flag("--set")) for c in kai] == (
        [(namespace, "global.gpuSharing=true")] if usable(namespace) else [])
    # v0.10.2's upgrade recreates kai-config, so its components restart in that namespace
    assert [c for c in calls if c[:4] == ["kubectl", "rollout", "restart", "deployment"]] == (
        [["kubectl", "rollout", "restart", "deployment", "--namespace", namespace, "--context", CONTEXT]]
        if usable(namespace) else [])
    applied = [yaml.safe_load(c.files[c.flag("--filename")]) for c in pasted.calls
               if c.argv[:2] == ["kubectl", "apply"]]
    assert [[q["metadata"]["name"] for q in body["items"]] for body in applied] == ([[value]] if ok_value else [])
    patch = ["kubectl", "patch", f"queues.scheduling.run.ai/{value}", "--type", "merge", "--patch",
             json.dumps({"spec": {"parentQueue": pod}}), "--context", CONTEXT]
    assert [c for c in calls if c[:2] == ["kubectl", "patch"]] == ([patch] if ok_value and usable(pod) else [])


@pytest.mark.parametrize("flag", ["--namespace-label-selector", "--pod-label-selector"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_pod_grouper_selector_stays_a_quoted_comment(attack, flag, cluster, run_check, tmp_path):
    """The pod-grouper's --namespace-label-selector and --pod-label-selector reach kai-podgroup's by-hand steps
    (the labels to add): any text there stays a quoted word in a comment, or the step stops."""
    from tests.fakeapi import kai_releases as kr
    from vcdoctor.checks.kai_podgroup import CHECK

    args = [flag, f"kai={attack}"]
    cluster.add(*kr.install("v0.17.0", broken={"pod-grouper": {"args": args}}), *f.vcluster(VC, VC_NS),
                f.synced_pod("p", "team-a", VC, VC_NS, podgroup=None))
    result = run_check(CHECK, context=CONTEXT)
    assert result.fix is not None and "lack" in result.message  # the selector explained the missing PodGroup
    pasted = _paste(result.fix.script, cluster, tmp_path)
    assert pasted.calls == []  # by hand only: nothing runs


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_refused_pod_reaches_the_examine_command_only_as_quoted_words(attack, cluster, run_check):
    """VCD210 names one pod to examine with the namespace and name a syncer's JSON log line carries (a tenant
    chose them): the command pastes as exactly those words, an unusable one spelt as escapes."""
    import shlex

    from vcdoctor.checks.pod_scheduler_name import CHECK
    from vcdoctor.remedy.script import shown, usable

    line = json.dumps({"level": "error", "msg": "Reconciler error", "controller": "pod", "namespace": attack,
                       "name": attack + "-pod", "error": 'pods "x" is forbidden: exceeded quota: q'})
    cluster.add(*f.vcluster(VC, VC_NS))
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK)
    assert result.code == "VCD210"
    command = next(text for text in result.remediation.splitlines() if "vcdoctor run" in text)
    words = [w if usable(w) else shown(w) for w in (attack, attack + "-pod")]
    assert shlex.split(command) == ["vcdoctor", "run", "--context", "fake", "--vcluster", VC, "--vcluster-namespace",
                                    VC_NS, "--namespace", words[0], "--pod", words[1]]
