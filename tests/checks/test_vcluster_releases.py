"""Every era of the vCluster compatibility table, judged on each side of its boundaries; per-vCluster attribution."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import vcluster_releases as vr
from vcdoctor.checks import (
    vcluster_config_applied,
    vcluster_config_schema,
    vcluster_label_sync,
    vcluster_priority_class,
    vcluster_scheduling_mode,
    vcluster_set_owner,
)
from vcdoctor.checks.pod_scheduler_name import CHECK as POD_SCHEDULER_NAME
from vcdoctor.model import Status
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.vcluster import compat
from vcdoctor.versions import parse_version

QUEUE = {"kai.scheduler/queue": "team-a"}
PRIORITY = {"priorityClassName": "train"}


def test_every_table_entry_names_its_upstream_source():
    for table in compat.TABLES.values():
        spans = [e.span for e in table.eras]
        assert spans[0].first == compat.SUPPORTED.first and spans[-1].until == compat.SUPPORTED.until, table.topic
        assert all(a.until == b.first for a, b in zip(spans, spans[1:])), f"{table.topic}: gaps or overlaps"
        assert all("@v0." in e.source for e in table.eras), table.topic


# -- supported releases ----------------------------------------------------------------------------------

@pytest.mark.parametrize("version, judged", [("0.18.9", False), ("0.19.0", True), ("0.36.1", True),
                                             ("0.37.0", False)])
def test_a_release_outside_the_table_is_a_warning_naming_it(cluster, run_check, version, judged):
    cluster.add(*f.vcluster("vc", "ns", version=version, set_owner=None, with_secret=version >= "0.20"))
    result = run_check(vcluster_set_owner.CHECK)
    if judged:
        assert result.status is Status.FAIL  # setOwner defaults to true in every known release
    else:
        assert result.status is Status.WARN and f"v{version}" in result.message and "not judged" in result.message
        assert result.fix is None


def test_an_unsupported_release_does_not_hide_a_known_one(cluster, run_check):
    cluster.add(*f.vcluster("new", "a", version="0.40.0", set_owner=None), *f.vcluster("ok", "b", set_owner=None))
    result = run_check(vcluster_set_owner.CHECK)
    assert result.status is Status.FAIL and result.message.startswith("b/ok:") and "1 other vCluster(s): warn" \
        in result.message


# -- label rewriting: v0.20.6 | v0.21.0; syncLabels key: v0.19 flag | v0.20 key ---------------------------

def test_v0206_still_rewrites_and_v0210_keeps(cluster, run_check):
    cluster.add(*f.vcluster("old", "a", version="0.20.6"), *f.vcluster("new", "b", version="0.21.0"),
                f.synced_pod("p", "t", "old", "a", labels=QUEUE, hashed_labels=True),
                f.synced_pod("p", "t", "new", "b", labels=QUEUE))
    result = run_check(vcluster_label_sync.CHECK)
    assert result.status is Status.FAIL and result.message.startswith("a/old:") and "b/new" not in result.message
    assert "experimental.syncSettings.syncLabels" in result.fix.script


@pytest.mark.parametrize("entry, status", [("kai.scheduler/*", Status.PASS), ("scheduler/*", Status.PASS),
                                           ("kai*", Status.FAIL), ("kai.scheduler/q*", Status.FAIL)])
def test_v020_sync_labels_wildcards(cluster, run_check, entry, status):
    values = {"experimental": {"syncSettings": {"setOwner": False, "syncLabels": [entry, "priorityClassName"]}}}
    cluster.add(*f.vcluster("vc", "ns", version="0.20.0", extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=QUEUE, hashed_labels=status is Status.FAIL))
    result = run_check(vcluster_label_sync.CHECK)
    assert result.status is status
    if status is Status.FAIL:
        assert f"{entry} is not a wildcard" in result.remediation


def test_v019_sync_labels_flag_is_fixed_through_the_legacy_chart_pinned(cluster, run_check, tmp_path):
    cluster.add(*vr.legacy("old", "ns", "--set-owner=false"),
                f.synced_pod("p", "t", "old", "ns", labels=QUEUE, hashed_labels=True))
    result = run_check(vcluster_label_sync.CHECK)
    assert result.status is Status.FAIL
    script = result.fix.script
    assert ('\nhelm upgrade old vcluster --repo https://charts.loft.sh --namespace ns --version 0.19.5 --values '
            '"$work/step1-installed.json" --values "$work/step1-extra-args.json" --kube-context fake\n') in script
    # --sync-labels is merged at paste time into the args the release was installed with (kept, not replaced)
    call = ('python3 - "$work/step1-installed.json" "$work/step1-extra-args.json" '
            "kai.scheduler/queue,priorityClassName,runai/queue <<'VCDOCTOR_PROGRAM'\n")
    assert call in script
    program = script.split(call, 1)[1].split("\nVCDOCTOR_PROGRAM\n", 1)[0]
    installed, out = tmp_path / "installed.json", tmp_path / "extra-args.json"
    installed.write_text(json.dumps({"syncer": {"extraArgs": ["--set-owner=false", "--sync-labels=team"]}}))
    subprocess.run([sys.executable, "-", str(installed), str(out), "kai.scheduler/queue,priorityClassName,runai/queue"],
                   input=program, text=True, check=True)
    assert json.loads(out.read_text()) == {"syncer": {"extraArgs": [
        "--set-owner=false", "--sync-labels=kai.scheduler/queue,priorityClassName,runai/queue,team"]}}


def test_v019_multi_namespace_copies_labels_verbatim(cluster, run_check):
    cluster.add(*vr.multi_namespace("vc", "ns", "0.19.5"))
    assert run_check(vcluster_label_sync.CHECK).status is Status.PASS


# -- priority classes: v0.19 | v0.20 | v0.22.6 | v0.23.0 ---------------------------------------------------

@pytest.mark.parametrize("version, values, kept, snippet", [
    ("0.19.5", None, False, "priorityclasses:\n    enabled: true"),
    ("0.20.0", {"sync": {"toHost": {"priorityClasses": {"enabled": True}}}}, True, None),
    ("0.20.6", None, False, "toHost:\n    priorityClasses:\n      enabled: true"),
    ("0.22.6", {"sync": {"fromHost": {"priorityClasses": {"enabled": True}}}}, False,
     "toHost:\n    priorityClasses:\n      enabled: true"),
    ("0.23.0", {"sync": {"fromHost": {"priorityClasses": {"enabled": True}}}}, True, None),
    ("0.23.0", None, False, "fromHost:\n    priorityClasses:\n      enabled: true"),
])
def test_priority_class_stripping_per_era(cluster, run_check, version, values, kept, snippet):
    if version.startswith("0.19"):
        objs = vr.legacy("vc", "ns", "--set-owner=false", "--sync-labels=kai.scheduler/queue", version=version)
    else:
        objs = f.vcluster("vc", "ns", version=version, extra_values=values)
    cluster.add(*objs, f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    result = run_check(vcluster_priority_class.CHECK)
    if kept:
        assert result.status is Status.PASS and result.fix is None
    else:
        assert result.status is Status.WARN and snippet in result.fix.script
        pinned = "--version " if version.startswith("0.19") else "--chart-version "
        assert pinned + version in result.fix.script


def test_v019_priority_classes_on_through_sync_flag(cluster, run_check):
    cluster.add(*vr.legacy("vc", "ns", "--sync=priorityclasses"),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    assert run_check(vcluster_priority_class.CHECK).status is Status.PASS


# -- virtual scheduler: v0.19 flag | v0.20-v0.25 | v0.26-v0.32 k8s only | v0.33+ ---------------------------

K8S_SCHED = {"controlPlane": {"distro": {"k8s": {"enabled": True, "scheduler": {"enabled": True}}}}}
K3S_SCHED = {"controlPlane": {"distro": {"k3s": {"enabled": True}, "k8s": {"scheduler": {"enabled": True}}}}}
OLD_KEY = {"controlPlane": {"advanced": {"virtualScheduler": {"enabled": True}}}}


def test_v019_enable_scheduler_flag_fails_with_the_chart_value(cluster, run_check):
    cluster.add(*vr.legacy("vc", "ns", "--enable-scheduler"))
    result = run_check(vcluster_scheduling_mode.CHECK)
    assert result.status is Status.FAIL and "--enable-scheduler" in result.message
    assert "enableScheduler: false" in result.fix.script and "--version 0.19.5" in result.fix.script
    cluster.objects.clear()
    cluster.add(*vr.legacy("vc", "ns", "--set-owner=false"))
    assert run_check(vcluster_scheduling_mode.CHECK).status is Status.PASS


@pytest.mark.parametrize("version, values, status, key", [
    ("0.25.2", OLD_KEY, Status.FAIL, "virtualScheduler:\n      enabled: false"),
    ("0.25.2", K8S_SCHED, Status.PASS, None),          # the key does not exist before v0.26
    ("0.26.0", K8S_SCHED, Status.FAIL, "k8s:\n      scheduler:\n        enabled: false"),
    ("0.32.3", K3S_SCHED, Status.PASS, None),          # k8s.scheduler counts only with the k8s distro
    ("0.33.0", K3S_SCHED, Status.FAIL, "k8s:\n      scheduler:\n        enabled: false"),
])
def test_scheduler_keys_per_era(cluster, run_check, version, values, status, key):
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=values))
    result = run_check(vcluster_scheduling_mode.CHECK)
    assert result.status is status
    if key:
        assert key in result.fix.script
        if version < "0.26":
            assert "distro" not in result.fix.script


def test_hybrid_key_before_v026_is_not_read(cluster, run_check):
    hybrid = {"sync": {"toHost": {"pods": {"hybridScheduling": {"enabled": True, "hostSchedulers": []}}}}}
    cluster.add(*f.vcluster("vc", "ns", version="0.25.0", extra_values=hybrid))
    assert run_check(vcluster_scheduling_mode.CHECK).status is Status.PASS


# -- config hash: v0.27 compares the Secret | v0.28.0 hashes privateNodes only | v0.28.1 a filtered copy ---------

@pytest.mark.parametrize("version, status, said", [
    ("0.27.3", Status.WARN, "changed after the last helm upgrade"),
    ("0.28.0", Status.WARN, "cannot tell whether the control plane runs the stored config"),
    ("0.28.1", Status.PASS, "runs the stored config"),
])
def test_hand_edited_secret_across_the_hash_boundaries(cluster, run_check, version, status, said):
    objs = f.vcluster("vc", "ns", version=version)
    secret = next(o for o in objs if o["kind"] == "Secret")
    secret["data"]["config.yaml"] = base64.b64encode(b"experimental:\n  syncSettings:\n    setOwner: false\n").decode()
    cluster.add(*objs)
    result = run_check(vcluster_config_applied.CHECK)
    assert result.status is status and said in result.message
    if version == "0.27.3":
        assert f"--chart-version {version}" in result.fix.script and "rollout restart" in result.fix.script


@pytest.mark.parametrize("version, restarts", [("0.27.3", False), ("0.28.0", True), ("0.28.1", False)])
def test_a_values_change_restarts_the_control_plane_where_the_hash_does_not(cluster, run_check, version, restarts):
    """v0.28.0's pod template hashes only privateNodes (_vclusterconfighash.tpl:3@v0.28.0): its upgrade is followed
    by a restart; elsewhere the changed hash rolls the pod by itself."""
    cluster.add(*f.vcluster("vc", "ns", version=version, set_owner=None))
    result = run_check(vcluster_set_owner.CHECK)
    assert result.status is Status.FAIL and "--connect=false" in result.fix.script
    assert ("rollout restart statefulset/vc" in result.fix.script) is restarts


@pytest.mark.parametrize("version, values, change", [
    ("0.20.6", None, {"sync": {"toHost": {"priorityClasses": {"enabled": True}}}}),
    ("0.22.6", {"sync": {"fromHost": {"priorityClasses": {"enabled": True}}}},
     {"sync": {"toHost": {"priorityClasses": {"enabled": True}}, "fromHost": {"priorityClasses": {"enabled": False}}}}),
    ("0.23.0", None,
     {"sync": {"fromHost": {"priorityClasses": {"enabled": True}}, "toHost": {"priorityClasses": {"enabled": False}}}}),
])
def test_priority_classes_are_never_synced_both_ways(cluster, run_check, version, values, change):
    """From v0.21 the syncer refuses both directions at once (validation.go:87-88@v0.21.0): the fix turning one on
    turns the other off; v0.20 has only toHost, so the fix names no fromHost key there."""
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.WARN
    (step,) = result.fix.steps
    assert step.values == change


def test_stale_control_plane_fix_is_a_restart_only(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", stale=True))
    result = run_check(vcluster_config_applied.CHECK)
    assert result.status is Status.WARN and "rollout restart statefulset/vc --namespace ns --context fake" \
        in result.fix.script
    assert "helm" not in result.fix.script and "vcluster create" not in result.fix.script


# -- strict parsing: wording and the script ------------------------------------------------------------------

def test_config_schema_says_the_key_was_written_by_hand_and_fixes_with_a_pinned_rerender(cluster, run_check,
                                                                                        tmp_path):
    from vcdoctor.products.vcluster.config_schema import load_schema_file

    path = tmp_path / "schema.json"
    path.write_text(json.dumps(f.VCLUSTER_SCHEMA))
    cluster.add(*f.vcluster("vc", "ns", set_owner=None, extra_values={"experimental": {"syncSetting": {}}}))
    result = run_check(vcluster_config_schema.CHECK, config_schema=load_schema_file(str(path)))
    assert result.status is Status.FAIL and "by hand" in result.message
    assert any("UnmarshalStrict" in e.data.get("read", "") + e.observation for e in result.evidence)
    script = result.fix.script
    assert "\n#   experimental.syncSetting -> rename to experimental.syncSettings\n" in script
    assert ("\nvcluster create --upgrade vc --namespace ns --chart-version 0.27.0 --connect=false "
            '--values "$work/step1-installed.json" --context fake\n') in script
    assert "\nkubectl rollout restart statefulset/vc --namespace ns --context fake\n" in script


def test_unreadable_config_fix_inspects_with_the_context(cluster, run_check):
    objs = f.vcluster("vc", "ns")
    next(o for o in objs if o["kind"] == "Secret")["data"]["config.yaml"] = base64.b64encode(b"a: [").decode()
    cluster.add(*objs)
    result = run_check(vcluster_set_owner.CHECK)
    assert result.status is Status.ERROR
    assert "kubectl get secret vc-config-vc --namespace ns" in result.fix.script
    assert "--context fake" in result.fix.script


# -- same name, different namespaces -----------------------------------------------------------------------

def test_two_vclusters_with_the_same_name_never_blame_each_other(cluster, run_check):
    cluster.add(*f.vcluster("vc", "a", set_owner=False), *f.vcluster("vc", "b", set_owner=False),
                f.synced_pod("p", "t", "vc", "a"), f.synced_pod("p", "t", "vc", "b", owner=True))
    result = run_check(vcluster_set_owner.CHECK)
    assert result.status is Status.WARN and result.message.startswith("b/vc:") and "a/vc" not in result.message
    assert "inside vCluster b/vc (vcluster connect vc -n b)" in result.fix.script
    assert not any(a in result.fix.script for a in ("a/vc", " -n a", "--namespace a"))
    cluster.objects.clear()
    values = {"experimental": {"syncSettings": {"setOwner": False, "syncLabels": ["kai.scheduler/queue"]}}}
    cluster.add(*f.vcluster("vc", "a", version="0.20.4", extra_values=values),
                *f.vcluster("vc", "b", version="0.20.4"),
                f.synced_pod("p", "t", "vc", "a", labels=QUEUE),
                f.synced_pod("p", "t", "vc", "b", labels=QUEUE, hashed_labels=True))
    result = run_check(vcluster_label_sync.CHECK)
    assert result.status is Status.FAIL and result.message.startswith("b/vc:") and "a/vc" not in result.message
    lost = [e.data.get("lost") for e in result.evidence if "lost" in e.data]
    assert lost == [[], ["b/p-x-t-x-vc"]]
    assert "\nvcluster create --upgrade vc --namespace b " in result.fix.script
    assert "--namespace a" not in result.fix.script


def test_a_healthy_vcluster_gets_no_advice(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns"), f.synced_pod("p", "t", "vc", "ns", labels=QUEUE))
    for check in (vcluster_set_owner, vcluster_label_sync, vcluster_priority_class, vcluster_scheduling_mode,
                  vcluster_config_applied):
        result = run_check(check.CHECK)
        assert result.status is Status.PASS and result.fix is None and not result.remediation, check.CHECK.id


# -- multi-namespace mode: v0.25 naming known | v0.26 Pro ---------------------------------------------------

def test_pod_target_resolves_in_the_derived_namespace(cluster, run_check):
    cluster.add(*vr.multi_namespace_install("vc", "vc-ns", [("trainer-0", "ml", QUEUE)], version="0.25.2"))
    result = run_check(POD_SCHEDULER_NAME, pod="trainer-0", namespace="ml")
    assert result.status is Status.PASS
    host = vr.multi_namespace_host_namespace("ml", "vc-ns", "vc")
    assert any(host in e.subject for e in result.evidence), [e.subject for e in result.evidence]
    # the target is attributed to its vCluster: the label check counts it
    labels = run_check(vcluster_label_sync.CHECK, pod="trainer-0", namespace="ml")
    assert labels.status is Status.PASS and "1 pod(s) carry their queue label" in labels.message


def test_pod_checks_see_multi_namespace_pods(cluster, run_check):
    cluster.add(*vr.multi_namespace_install("vc", "vc-ns", [("a", "ml", QUEUE), ("b", "web", PRIORITY)],
                                            version="0.22.0"))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.PASS and "1 of 2 carry" in result.evidence[1].observation
    # with -n only the derived namespace of that virtual namespace is listed, no namespace list at all
    cluster.requests.clear()
    assert "0 of 1 carry" in run_check(vcluster_priority_class.CHECK, namespace="ml").evidence[1].observation
    assert not [q for q in cluster.requests if q.path == "/api/v1/namespaces"]


MULTI_NAMESPACE_VCLUSTER = ["inside vCluster vc-ns/vc (vcluster connect vc -n vc-ns), not the host cluster"]


def test_a_multi_namespace_pod_is_attributed_to_its_vcluster_by_the_kai_checks(cluster, run_check, read_fact):
    """Its host pod carries no managed-by label (labels.go:57-65@v0.21.0): owner_key still names its vCluster."""
    from tests.fakeapi import kai_releases as kr
    from vcdoctor.checks import gpu_sharing_reservations, kai_gpu_request, kai_queue

    cluster.add(*vr.multi_namespace_install("vc", "vc-ns", [], version="0.22.0"),
                vr.host_namespace("ml", "vc", "vc-ns"),
                vr.multi_namespace_pod("a", "ml", "vc", "vc-ns", labels={"runai/queue": "team-a"},
                                       annotations={"gpu-fraction": "1.5"}),
                *kr.install("v0.6.0"), f.queue("team-a", "default-parent-queue"))
    for check in (kai_gpu_request.CHECK, kai_queue.CHECK):
        result = run_check(check)
        assert result.status in (Status.FAIL, Status.WARN) and result.fix is not None, (check.id, result.message)
        assert [s.target() for s in result.fix.steps if s.manual] == MULTI_NAMESPACE_VCLUSTER, check.id
    assert gpu_sharing_reservations._vcluster_of(read_fact("examined_pods"), []) == "vc-ns/vc"


def test_multi_namespace_pods_are_not_searched_for_pro_releases(cluster, run_check):
    cluster.add(*vr.multi_namespace("vc", "vc-ns", "0.26.0"))
    cluster.add(vr.host_namespace("ml", "vc", "vc-ns"), vr.multi_namespace_pod("a", "ml", "vc", "vc-ns"))
    with pytest.raises(Exception, match="not found"):
        run_check(POD_SCHEDULER_NAME, pod="a", namespace="ml")


# -- classes the translator sets on host pods: none v0.22.6 | sync.toHost.pods.<kind>ClassName v0.23.0+ -------

@pytest.mark.parametrize("version, applies, line", [("0.22.6", False, "translator.go:347-350@v0.23.0"),
                                                    ("0.23.0", True, "translator.go:347-350@v0.23.0"),
                                                    ("0.36.1", True, ":418-421@v0.36.1")])
def test_pod_runtime_class_is_read_from_v023(cluster, read_fact, version, applies, line):
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=vr.pod_classes(runtime_class="kata")))
    setting = vcl.pod_runtime_class(read_fact("vcluster_settings")["ns/vc"], parse_version(version))
    assert setting.key == "sync.toHost.pods.runtimeClassName" and line in setting.source and setting.problem is None
    assert setting.name == ("kata" if applies else None)
    assert applies or "not read by vCluster v0.22.6" in setting.source


@pytest.mark.parametrize("value, problem", [("", None), (7, "is 7 (int), not a string")])
def test_pod_runtime_class_unset_or_malformed_names_no_class(cluster, read_fact, value, problem):
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=vr.pod_classes(runtime_class=value)))
    setting = vcl.pod_runtime_class(read_fact("vcluster_settings")["ns/vc"], (0, 23, 0))
    assert setting.name is None and (setting.problem is None if problem is None else problem in setting.problem)


def test_pod_classes_of_a_v019_vcluster_are_never_set(cluster, read_fact):
    cluster.add(*vr.legacy("old", "ns"))
    settings = read_fact("vcluster_settings")["ns/old"]
    assert vcl.pod_runtime_class(settings, (0, 19, 5)).name is None
    assert vcl.pod_priority_class(settings, (0, 19, 5)).name is None


# -- sync.toHost.pods.priorityClassName: not read v0.22.6 | the class of every classless host pod v0.23.0+ ----

@pytest.mark.parametrize("version, status", [("0.22.6", Status.WARN), ("0.23.0", Status.PASS),
                                             ("0.36.1", Status.PASS)])
def test_a_vcluster_wide_class_is_not_a_lost_class_from_v023(cluster, run_check, version, status):
    """Both syncs off, the translator drops the pod's own class, then gives it the configured one
    (translator.go:188-199@v0.23.0): a pod asking for that class keeps it. v0.22.6 has no such key."""
    cluster.add(*f.vcluster("vc", "ns", version=version, extra_values=vr.pod_classes(priority_class="train")),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True), f.priority_class("train"))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is status
    if status is Status.PASS:
        assert "priority class train (sync.toHost.pods.priorityClassName" in result.message and result.fix is None
    else:
        assert "not read by vCluster v0.22.6" in str(result.evidence[0].data)
        assert "sync.toHost.pods.priorityClassName" not in result.remediation + result.fix.script


def test_a_vcluster_wide_class_replaces_another_class_the_pod_asked_for(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=vr.pod_classes(priority_class="inference")),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True), f.priority_class("inference"))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.WARN and "priority class inference" in result.message
    (step,) = result.fix.steps
    assert step.values == {"sync": {"fromHost": {"priorityClasses": {"enabled": True}},
                                    "toHost": {"priorityClasses": {"enabled": False}}}}


def test_synced_classes_with_a_vcluster_wide_class_pass_naming_it(cluster, run_check):
    values = vr.pod_classes(priority_class="build", from_host=True)
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True), f.priority_class("build"))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.PASS and "without a class of its own gets build" in result.message


@pytest.mark.parametrize("from_host", [False, True])
def test_a_vcluster_wide_class_the_host_lacks_fails_whatever_the_sync(cluster, run_check, from_host):
    """The host's Priority admission refuses a pod naming a PriorityClass it does not have: every pod given it."""
    values = vr.pod_classes(priority_class="build", from_host=from_host)
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    result = run_check(vcluster_priority_class.CHECK)
    assert (result.status, result.code, result.objects) == (Status.FAIL, "VCD144", ("ns/vc", "build"))
    assert "no PriorityClass with name build was found" in result.message
    assert "kubectl get priorityclasses --context fake" in result.remediation


def test_before_v023_the_key_is_not_read_so_no_class_is_looked_up(cluster, run_check):
    """v0.22.6 has no sync.toHost.pods.priorityClassName: a value there gives host pods nothing, so the host's
    lacking that class is no finding, and the lookup is not sent."""
    values = vr.pod_classes(priority_class="build", from_host=True)
    cluster.add(*f.vcluster("vc", "ns", version="0.22.6", extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.code != "VCD144" and "no PriorityClass" not in result.message
    assert not [q for q in cluster.requests if "priorityclasses" in q.path]


def test_a_vcluster_wide_class_that_cannot_be_looked_up_changes_no_verdict(cluster, run_check):
    """The lookup is optional: forbidden, the check judges as before and never fails on a guess."""
    values = vr.pod_classes(priority_class="build", from_host=True)
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=values),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    cluster.deny("get", "priorityclasses.scheduling.k8s.io")
    assert run_check(vcluster_priority_class.CHECK).status is Status.PASS


@pytest.mark.parametrize("version, proposed", [("0.22.6", False), ("0.23.0", True)])
def test_the_vcluster_wide_class_is_proposed_only_where_it_exists(cluster, run_check, version, proposed):
    cluster.add(*f.vcluster("vc", "ns", version=version),
                f.synced_pod("p", "t", "vc", "ns", labels=PRIORITY, hashed_labels=True))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.WARN
    assert ("sync.toHost.pods.priorityClassName: <a PriorityClass of the host>" in result.remediation) is proposed
    assert "pods.priorityClassName" not in result.fix.script  # which class is the user's choice: never scripted


def test_a_vcluster_wide_class_that_is_no_string_is_an_error(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.23.0", extra_values=vr.pod_classes(priority_class=["train"])))
    result = run_check(vcluster_priority_class.CHECK)
    assert result.status is Status.ERROR and "not a string" in result.message
