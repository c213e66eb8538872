"""pod-scheduler-name: targeted and cluster-wide, pass / fail / not found / could-not-look."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from vcdoctor.checks.pod_scheduler_name import CHECK
from vcdoctor.model import Status
from vcdoctor.target import UsageError

VC, NS = "my-vcluster", "vc-ns"


def test_virtual_pod_is_translated_to_its_host_pod(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS), f.synced_pod("gpu-pod", "team-a", VC, NS))
    result = run_check(CHECK, namespace="team-a", pod="gpu-pod")
    assert result.status is Status.PASS
    assert result.evidence[0].subject == f"pod {NS}/gpu-pod-x-team-a-x-{VC}"


def test_long_names_use_the_hashed_host_name(cluster, run_check):
    name = "a-very-long-training-job-name-that-overflows-" + "x" * 20
    cluster.add(*f.vcluster(VC, NS), f.synced_pod(name, "team-a", VC, NS, scheduler="default-scheduler",
                                                  annotations={"gpu-fraction": "0.5"}))
    result = run_check(CHECK, namespace="team-a", pod=name)
    assert result.status is Status.FAIL
    assert "ignores" in result.message and "schedulerName: kai-scheduler" in result.remediation


def test_host_pod_is_examined_directly(cluster, run_check):
    cluster.add(f.pod("plain", "team-b", scheduler="kai-scheduler"))
    assert run_check(CHECK, namespace="team-b", pod="plain").status is Status.PASS


def test_missing_pod_is_a_usage_error_naming_what_was_searched(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS))
    with pytest.raises(UsageError, match=f"ghost-x-team-a-x-{VC}"):
        run_check(CHECK, namespace="team-a", pod="ghost")


def test_cluster_wide_fails_only_for_kai_intent_elsewhere(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS),
                f.synced_pod("web", "team-a", VC, NS, scheduler=None),
                f.synced_pod("train", "team-a", VC, NS, scheduler=None, labels={"kai.scheduler/queue": "q"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert f"{NS}/train-x-team-a-x-{VC}" in result.message and "web" not in result.message


def test_cluster_wide_pass_and_skip(cluster, run_check):
    assert run_check(CHECK).status is Status.SKIP
    cluster.add(*f.vcluster(VC, NS), f.synced_pod("train", "team-a", VC, NS))
    assert run_check(CHECK).status is Status.PASS


def test_error_when_pods_cannot_be_listed(cluster, run_check):
    cluster.deny("list", "pods")
    result = run_check(CHECK)
    assert result.status is Status.ERROR and "list pods in all namespaces" in result.message


def test_refused_pod_points_at_gpu_sharing_reservations_and_gives_its_fix(cluster, run_check):
    from tests.fakeapi.scenarios import DENIAL

    cluster.add(*f.vcluster(VC, NS), *f.kai_install(gpu_sharing=False))
    cluster.set_log(NS, f"{VC}-0", "syncer", DENIAL + "\n" + DENIAL + "\n")
    result = run_check(CHECK, namespace="team-a", pod="gpu-sharing-pod")
    assert result.status is Status.FAIL
    assert "(2 syncer line(s))" in result.message and "(see gpu-sharing-reservations)" in result.message
    script = result.fix.script
    assert ('--version v0.10.2 --values "$work/step1-kai-installed.json" --set global.gpuSharing=true '
            "--kube-context fake\n") in script
    assert "\n# -- step 2: inside vCluster vc-ns/my-vcluster (vcluster connect my-vcluster -n vc-ns)" in script
    assert ("\n#   Recreate the pods that request GPU shares, now that sharing is on: team-a/gpu-sharing-pod.\n"
            in script)


def test_refused_by_quota_names_the_host_namespace(cluster, run_check):
    line = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/big to host cluster: pods "
            '"big-x-team-a-x-my-vcluster" is forbidden: exceeded quota: vc-my-vcluster, requested: cpu=64')
    cluster.add(*f.vcluster(VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK, namespace="team-a", pod="big")
    assert result.status is Status.FAIL
    assert "\nkubectl describe resourcequota --namespace vc-ns --context fake || true\n" in result.fix.script


def test_configured_scheduler_name_is_the_one_pods_must_use(cluster, run_check):
    from tests.fakeapi import kai_releases as kr

    cluster.add(*f.vcluster(VC, NS), *kr.install("v0.12.0", scheduler_name="gpu-sched"),
                f.synced_pod("train", "team-a", VC, NS, labels={"kai.scheduler/queue": "q"}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "schedulerName: gpu-sched" in result.remediation
    assert [s.target() for s in result.fix.steps if s.manual] == \
        ["inside vCluster vc-ns/my-vcluster (vcluster connect my-vcluster -n vc-ns), not the host cluster"]
    assert ("\n#   team-a/train: set spec.schedulerName: gpu-sched (in its controller's pod template) and "
            "recreate it\n") \
        in result.fix.script


@pytest.mark.parametrize("version, pods", [
    ("v0.9.6", None),  # a known release before the rule: not KAI's doing
    ("v0.9.7", "every GPU pod"), ("v0.15.3", "every GPU pod"), ("v0.16.0", "fractional GPU pods"),
])
def test_a_missing_runtime_class_names_the_pods_kais_admission_gives_it_to(cluster, run_check, version, pods):
    from tests.fakeapi import kai_releases as kr

    line = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/trainer to host cluster: pods "
            '"trainer-x-team-a-x-my-vcluster" is forbidden: pod rejected: RuntimeClass "nvidia" not found')
    cluster.add(*f.vcluster(VC, NS), *kr.install(version))
    cluster.set_log(NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK, namespace="team-a", pod="trainer")
    assert result.status is Status.FAIL and "no RuntimeClass nvidia" in result.remediation
    said = result.remediation.split(". ")[1]
    assert said.startswith(f"KAI {version}'s admission sets it on {pods} (" if pods else
                           f"KAI {version}'s admission sets no RuntimeClass (that starts at v0.9.7)")


REFUSED = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/{name} to host cluster: pods "
           '"{name}-x-team-a-x-my-vcluster" is forbidden: pod rejected: RuntimeClass "nvidia" not found\n')
NVIDIA = {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "nvidia"}, "handler": "nvidia"}


def test_every_run_names_the_pods_refused_for_a_missing_runtime_class(cluster, run_check):
    from tests.fakeapi import kai_releases as kr

    cluster.add(*f.vcluster(VC, NS), *kr.install("v0.14.0"), f.synced_pod("ok", "team-a", VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer") + REFUSED.format(name="trainer"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == ("the host refused 1 virtual pod(s) for a missing RuntimeClass nvidia "
                              f"({NS}/{VC}: team-a/trainer)")
    assert "KAI v0.14.0's admission sets it on every GPU pod" in result.remediation
    assert any(e.subject == "RuntimeClass nvidia" and e.observation == "not found" for e in result.evidence)


def test_a_refusal_before_the_runtime_class_existed_is_a_warning(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS), NVIDIA, f.synced_pod("ok", "team-a", VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer"))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "which exists now" in result.message


def test_a_refused_pod_that_reached_the_host_since_is_not_reported(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS), f.synced_pod("trainer", "team-a", VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer"))
    assert run_check(CHECK).status is Status.PASS


def test_an_unreadable_runtime_class_leaves_the_syncer_log_as_evidence(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer"))
    cluster.deny("get", "runtimeclasses.node.k8s.io")
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert any("could not be read" in e.observation for e in result.evidence)


@pytest.mark.parametrize("version, chooser", [("0.22.0", "KAI v0.14.0's admission"), ("0.23.0", "vCluster vc-ns/")])
def test_a_runtime_class_the_vcluster_gives_every_pod_is_blamed_on_it_from_v0_23(cluster, run_check, version, chooser):
    from tests.fakeapi import kai_releases as kr
    from tests.fakeapi import vcluster_releases as vr

    cluster.add(*f.vcluster(VC, NS, version=version, extra_values=vr.pod_classes(runtime_class="nvidia")),
                *kr.install("v0.14.0"))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and chooser in result.remediation


def test_refused_by_another_webhook_quotes_it(cluster, run_check):
    line = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/web to host cluster: admission webhook "
            '"policy.example.com" denied the request: image registry not allowed')
    cluster.add(*f.vcluster(VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK, namespace="team-a", pod="web")
    assert (result.status, result.code) == (Status.FAIL, "VCD205")
    assert "image registry not allowed" in result.message and "names the webhook or policy" in result.remediation


@pytest.mark.parametrize("target", [{}, {"namespace": "team-a", "pod": "trainer"}])
def test_a_runtime_class_the_vcluster_gives_every_pod_is_blamed_on_it_in_both_kinds_of_run(cluster, run_check,
                                                                                          target):
    """sync.toHost.pods.runtimeClassName (v0.23+) replaces the class KAI's admission sets: the same remediation
    whether the pod is named or found in a whole run."""
    from tests.fakeapi import kai_releases as kr

    values = {"sync": {"toHost": {"pods": {"enabled": True, "runtimeClassName": "kata"}}}}
    cluster.add(*f.vcluster(VC, NS, extra_values=values), *kr.install("v0.14.0"))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="trainer").replace('"nvidia"', '"kata"'))
    result = run_check(CHECK, **target)
    assert result.status is Status.FAIL and result.objects == ("kata",)
    assert f"vCluster {NS}/{VC} (" in result.remediation
    assert "gives it to every synced pod (sync.toHost.pods.runtimeClassName)" in result.remediation
    assert "KAI v0.14.0's admission" not in result.remediation


PRIORITY = ("2026-11-20T10:00:0{n}.000Z\tINFO\tpod\terror syncing Pod team-a/{name} to host cluster: pods "
            '"{name}-x-team-a-x-my-vcluster" is forbidden: no PriorityClass with name high was found\n')


def test_every_run_names_pods_the_host_refused_for_any_other_reason(cluster, run_check):
    """A refusal that is neither a missing RuntimeClass nor KAI's GPU webhook: quoted, and one pod to examine."""
    cluster.add(*f.vcluster(VC, NS), f.synced_pod("healed", "team-a", VC, NS))
    sharing_off = ('2026-11-20T10:00:05.000Z\tINFO\tpod\terror syncing Pod team-a/shared to host cluster: admission '
                   'webhook "gpusharing.kai.scheduler" denied the request: attempting to create a pod with gpu '
                   'sharing request, while GPU sharing is disabled\n')
    cluster.set_log(NS, f"{VC}-0", "syncer", PRIORITY.format(n=1, name="trainer") + PRIORITY.format(n=2, name="healed")
                    + sharing_off + PRIORITY.format(n=3, name="trainer"))
    result = run_check(CHECK)
    assert (result.status, result.code, result.objects) == (Status.FAIL, "VCD210", (f"{NS}/{VC}",))
    assert result.message == ("the host refused 1 virtual pod(s) that still have no host pod: "
                              f"{NS}/{VC}: team-a/trainer: pods \"trainer-x-team-a-x-my-vcluster\" is forbidden: no "
                              "PriorityClass with name high was found")
    assert (f"vcdoctor run --context fake --vcluster {VC} --vcluster-namespace {NS} --namespace team-a --pod trainer"
            in result.remediation)


def test_refusals_of_both_kinds_are_one_failure_with_a_part_each(cluster, run_check):
    cluster.add(*f.vcluster(VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", REFUSED.format(name="gpu") + PRIORITY.format(n=1, name="trainer"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and {o.code for o in result.findings} == {"VCD207", "VCD210"}
    assert "RuntimeClass nvidia" in result.message and "PriorityClass with name high" in result.message


def test_the_by_hand_line_inside_the_vcluster_quotes_the_target_it_names(cluster, run_check):
    """--pod is the user's text: the by-hand command inside the vCluster quotes it as one word, as a script would."""
    line = ("2026-11-20T10:00:01.000Z\tINFO\tpod\terror syncing Pod team-a/web;id to host cluster: admission webhook "
            '"policy.example.com" denied the request: image registry not allowed')
    cluster.add(*f.vcluster(VC, NS))
    cluster.set_log(NS, f"{VC}-0", "syncer", line + "\n")
    result = run_check(CHECK, namespace="team-a", pod="web;id")
    assert result.code == "VCD205"
    assert "#   kubectl describe pod 'web;id' --namespace team-a # look for SyncError events" in result.fix.script
