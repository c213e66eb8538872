"""kai-components: every release family on both sides of its boundaries, unknown releases, crash loops, 403."""

from __future__ import annotations

import pytest

from tests.fakeapi import factories as f
from tests.fakeapi import kai_releases as kr
from vcdoctor.checks.kai_components import CHECK
from vcdoctor.ignores import accept, parse
from vcdoctor.model import Status


def accepted(result, *ignores):
    return accept([result], [parse(i) for i in ignores])[0].ignored


def _in_namespace(objs, namespace):
    for obj in objs:
        meta = obj["metadata"]
        if meta.get("namespace") == "kai-scheduler" or meta["name"] == "kai-scheduler":
            meta["namespace" if "namespace" in meta else "name"] = namespace
    return objs


def _webhooks(name, service, namespace):
    hook = {"name": f"{service}.kai.scheduler", "clientConfig": {"service": {"name": service, "namespace": namespace}}}
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": name}, "webhooks": [hook]}


@pytest.mark.parametrize("version, count", [
    ("v0.2.0", 3), ("v0.4.1", 3), ("v0.5.5", 3),          # scheduler, binder, podgrouper only
    ("v0.6.0", 5), ("v0.7.12", 5),                          # + podgroup-controller, queuecontroller
    ("v0.7.13", 6), ("v0.8.5", 6),                          # + kai-admission
    ("v0.9.0", 7), ("v0.9.20", 7),                          # operator; chart scheduler/binder
    ("v0.10.0", 7), ("v0.13.1", 7), ("v0.17.0", 7),         # kai-scheduler-default, operator binder
])
def test_healthy_install_of_every_family_passes(cluster, run_check, version, count):
    cluster.add(*kr.install(version))
    result = run_check(CHECK)
    assert result.status is Status.PASS, result.message
    assert f"all {count} KAI components Running and Ready (KAI {version}" in result.message


@pytest.mark.parametrize("older, newer, app", [
    ("v0.5.5", "v0.6.0", "podgroup-controller"),
    ("v0.5.5", "v0.6.0", "queuecontroller"),
    ("v0.7.12", "v0.7.13", "kai-admission"),
    ("v0.8.5", "v0.9.0", "kai-operator"),
    ("v0.9.20", "v0.10.0", "kai-scheduler-default"),
])
def test_boundaries_a_component_is_required_only_from_its_release(cluster, run_check, older, newer, app):
    # the older release runs fine without it (an install of the newer layout minus the app, relabelled)
    cluster.add(*kr.install(older))
    assert run_check(CHECK).status is Status.PASS
    cluster.objects[("", "pods")].clear()
    cluster.add(*kr.install(newer, skip=(app,)))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "missing" in result.message and f"KAI {newer} runs it" in result.message


def test_v0_9_scheduler_is_the_chart_scheduler_not_a_shard(cluster, run_check):
    cluster.add(*kr.install("v0.9.3", skip=("scheduler",)))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "no pod labelled app=scheduler" in result.message


def test_configured_scheduler_name_names_the_shard_deployment(cluster, run_check):
    cluster.add(*kr.install("v0.12.4", scheduler_name="gpu-sched"))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "scheduler name gpu-sched" in result.message


def test_node_scale_adjuster_only_with_cluster_autoscaling(cluster, run_check):
    cluster.add(*kr.install("v0.5.2", cluster_autoscaling=True,
                            broken={"node-scale-adjuster": {"ready": False, "waiting": "CrashLoopBackOff"}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "node-scale-adjuster not ready" in result.message


def test_pod_grouper_is_found_by_pod_label_before_the_operator(cluster, run_check):
    cluster.add(*kr.install("v0.6.3", broken={"podgrouper": {"ready": False, "waiting": "CrashLoopBackOff",
                                                             "restarts": 12, "last_exit": ("Error", 1)}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "pod-grouper not ready" in result.message and "last exit Error (code 1)" in result.message
    script = result.fix.script
    assert "kubectl logs podgrouper-7d9f8c-abcde --namespace kai-scheduler --all-containers --previous" in script
    assert "kubectl rollout restart deployment/podgrouper --namespace kai-scheduler --context fake" in script


@pytest.mark.parametrize("version, app, refused", [
    ("v0.2.0", "binder", "every pod outside KAI's namespace (kube-system's pods too)"),
    ("v0.3.0", "binder", "every pod outside kube-system and KAI's namespace, the vCluster's own control plane"),
    ("v0.8.1", "kai-admission", "every pod outside kube-system and KAI's namespace"),
    ("v0.12.23", "admission", "every pod outside kube-system and KAI's namespace"),
    ("v0.13.0", "admission", "pods whose schedulerName is KAI's (matchConditions): other pods, the vCluster's"),
    ("v0.10.0", "podgroup-controller", "the creation and update of PodGroups"),
    ("v0.6.0", "queuecontroller", "the creation and update of Queues"),
])
def test_a_down_webhook_server_says_what_the_release_refuses(cluster, run_check, version, app, refused):
    cluster.add(*kr.install(version, broken={app: {"ready": False, "waiting": "CrashLoopBackOff"}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "which fail closed" in result.message
    assert f"refuses the creation of {refused}" in result.message or f"refuses {refused}" in result.message


def test_podgroup_controller_serves_no_webhook_before_v0_10(cluster, run_check):
    cluster.add(*kr.install("v0.9.20", broken={"podgroup-controller": {"ready": False, "waiting": "CrashLoopBackOff"}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "fail closed" not in result.message


@pytest.mark.parametrize("version", ["v0.9.0", "v0.17.0"])
def test_a_component_switched_off_in_the_config_is_not_missing(cluster, run_check, version):
    objs = kr.install(version, skip=("queue-controller",))
    objs[-1]["spec"]["queueController"] = {"service": {"enabled": False}}
    cluster.add(*objs)
    result = run_check(CHECK)
    assert result.status is Status.PASS, result.message
    assert "switched off in Config kai-config: queue-controller" in result.message


def test_switching_off_what_schedules_pods_is_a_warning(cluster, run_check):
    objs = kr.install("v0.17.0", skip=("pod-grouper",))
    objs[-1]["spec"]["podGrouper"] = {"service": {"enabled": False}}
    cluster.add(*objs)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "pod-grouper switched off in Config kai-config" in result.message
    assert "grouped (no PodGroup)" in result.remediation
    assert result.objects == ("kai-scheduler/pod-grouper",)  # the Deployment the Config switches off
    assert accepted(result, "VCD304:kai-scheduler/pod-grouper") and not accepted(result, "VCD304:kai-scheduler/binder")


def test_an_absent_component_the_config_leaves_on_is_missing(cluster, run_check):
    objs = kr.install("v0.17.0", skip=("queue-controller",))
    objs[-1]["spec"]["queueController"] = {"service": {"enabled": True}}
    cluster.add(*objs)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and result.objects == ("kai-scheduler/queue-controller",)


def test_the_binder_is_no_webhook_server_from_v0_7_13(cluster, run_check):
    cluster.add(*kr.install("v0.7.13", broken={"binder": {"ready": False, "waiting": "CrashLoopBackOff"}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "failurePolicy" not in result.message


@pytest.mark.parametrize("version", ["v0.25.0", "v0.1.9"])
def test_release_outside_the_table_warns_naming_it(cluster, run_check, version):
    cluster.add(*kr.install("v0.17.0"))
    for pod in cluster.objects[("", "pods")]:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].replace("v0.17.0", version)
    result = run_check(CHECK)
    assert result.status is Status.WARN
    assert f"vcdoctor knows KAI v0.2–v0.17 (v0.20.x retracted, treated as v0.10.2); found {version}" in result.message
    assert "kai-scheduler/binder" in result.objects and all(o.count("/") == 1 for o in result.objects)


def test_retracted_release_is_read_as_v0_10_2_and_warned(cluster, run_check):
    cluster.add(*kr.install("v0.20.1"))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "retracted" in result.message and "all 7" in result.message


def test_untagged_images_warn_that_the_release_is_unknown(cluster, run_check):
    cluster.add(*kr.install("v0.10.2"))
    for pod in cluster.objects[("", "pods")]:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].split(":")[0] + "@sha256:" + "a" * 64
    result = run_check(CHECK)
    assert result.status is Status.WARN and "could not tell the KAI release" in result.message


def test_fail_when_not_installed_gives_a_pinned_install(cluster, run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "KAI not installed" in result.message
    assert result.objects == ("kai-scheduler",)  # the namespace it looked in
    assert "--version v0.17.0 --set global.gpuSharing=true" in result.fix.script
    assert "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler" in result.fix.script


def test_warn_on_many_restarts(cluster, run_check):
    cluster.add(*f.kai_install(broken={"binder": {"restarts": 7}}))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "binder restarted 7 times" in result.message
    # the Deployment (it outlives a restart; the pod is evidence): --ignore accepts the binder's finding only
    assert result.objects == ("kai-scheduler/binder",)
    assert any(e.subject.startswith("pod kai-scheduler/binder-") for e in result.evidence)
    assert accepted(result, "VCD303:kai-scheduler/binder")
    assert not accepted(result, "VCD303:kai-scheduler/kai-admission")


def test_error_when_forbidden(cluster, run_check):
    cluster.deny("list", "pods", "kai-scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "kubectl auth can-i list pods -n kai-scheduler" in result.remediation


def test_kai_v0_5_scenario_is_healthy_for_every_kai_check(cluster, run_check):
    from tests.fakeapi.scenarios import SCENARIOS
    from vcdoctor.checks import (
        gpu_sharing_reservations,
        kai_gpu_request,
        kai_podgroup,
        kai_queue,
        podgrouper_permissions,
    )

    SCENARIOS["kai-v0-5"](cluster)
    for check in (CHECK, kai_queue.CHECK, kai_podgroup.CHECK, gpu_sharing_reservations.CHECK,
                  podgrouper_permissions.CHECK):
        result = run_check(check)
        assert result.status is Status.PASS, (check.id, result.message)
    assert run_check(kai_gpu_request.CHECK).status in (Status.PASS, Status.WARN)


def test_kai_installed_in_another_namespace_is_found_through_its_config(cluster, run_check):
    """Operator installs name the components' namespace in Config spec.namespace (config_types.go:42@v0.9.0);
    on the other side of that boundary (no Config, pre-operator) vcdoctor looks in kai-scheduler."""
    cluster.add(*f.kai_install("v0.10.2", ns="gpu-system"))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "gpu-system" in result.evidence[0].subject


def test_pre_operator_kai_outside_kai_scheduler_is_found_by_its_component_pods(cluster, run_check):
    cluster.add(*f.kai_install("v0.6.0", legacy=True, ns="gpu-system"))
    result = run_check(CHECK)
    assert result.status is Status.PASS and "gpu-system" in result.evidence[0].subject
    assert "component pods run there" in result.evidence[0].data["namespace_found_by"]


def test_scaled_down_kai_with_a_helm_release_elsewhere_is_never_installed_again(cluster, run_check):
    cluster.add(f.helm_release("kai-scheduler", "gpu-system", 3))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "Helm release kai-scheduler in namespace gpu-system (deployed)" in \
        result.message
    assert "helm upgrade --install" not in (result.fix.script if result.fix else "")


def test_a_shard_without_a_ready_scheduler_fails_though_another_shard_runs(cluster, run_check):
    """Shards partition the node pools: a second shard's crash-looping scheduler strands its pool (was a warn)."""
    cluster.add(*kr.install("v0.17.0"))
    shard = f.pod("kai-scheduler-gpu-pool-a-7d9f8c-abcde", "kai-scheduler", labels={"app": "kai-scheduler-gpu-pool-a"},
                  containers=("scheduler",), ready=False, waiting="CrashLoopBackOff", restarts=12,
                  image="ghcr.io/nvidia/kai-scheduler/scheduler:v0.17.0")
    cluster.add(shard)
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "scheduler shard kai-scheduler-gpu-pool-a" in result.message
    assert "kai-scheduler-default" not in result.message  # the healthy shard is not blamed


def test_kai_scaled_down_elsewhere_is_looked_for_never_installed_again(cluster, run_check):
    """A pre-operator chart installed with `helm install -n gpu-platform` (every template uses .Release.Namespace,
    services/scheduler.yaml:27@v0.7.11), scaled to zero: its PodGroups show KAI ran, so the fix finds it instead of
    installing a second KAI with a second set of fail-closed webhooks."""
    objs = [o for o in _in_namespace(kr.install("v0.7.11"), "gpu-platform") if o["kind"] != "Pod"]
    cluster.add(*objs, f.podgroup("pg-trainer-0-x", "vc-ns"))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "runs or ran in this cluster" in result.message
    assert [s.kind for s in result.fix.steps] == ["inspect"]
    assert "upgrade --install" not in result.fix.script and "--all-namespaces" in result.fix.script
    assert result.objects == ("kai-scheduler",)


def test_no_trace_of_kai_anywhere_gets_the_install(cluster, run_check):
    cluster.remove_group("scheduling.run.ai")
    result = run_check(CHECK)
    assert result.status is Status.FAIL and [s.kind for s in result.fix.steps] == ["kai-install"]


@pytest.mark.parametrize("version, configuration, service", [("v0.7.11", "kai-binder", "binder"),
                                                             ("v0.7.13", "kai-admission", "kai-admission")])
def test_kai_is_found_where_its_webhooks_point(cluster, run_check, version, configuration, service):
    """A chart installed with `helm install -n gpu-platform`: no Config, but its webhook configurations call
    services in gpu-platform (.Release.Namespace: binder-webhook.yaml:14@v0.4.0, admission-webhook.yaml:14@v0.7.13)."""
    cluster.add(*_in_namespace(kr.install(version), "gpu-platform"), _webhooks(configuration, service, "gpu-platform"))
    result = run_check(CHECK)
    assert result.status is Status.PASS, result.message
    assert f"{configuration}: its webhooks call service {service}" in result.evidence[0].data["namespace_found_by"]


def test_an_unrelated_webhook_says_nothing_about_kai(cluster, run_check):
    cluster.add(*_in_namespace(kr.install("v0.7.11"), "gpu-platform"), _webhooks("istio-sidecar", "istiod", "istio"),
                f.podgroup("pg-x", "vc-ns"))
    found_by = run_check(CHECK).evidence[0].data["namespace_found_by"]
    assert "component pods run there" in found_by and "istio" not in found_by


def test_a_stranded_pool_names_its_pending_pods(cluster, run_check):
    cluster.add(*kr.install("v0.17.0"), *f.vcluster("vc", "ns"))
    cluster.add(f.pod("kai-scheduler-gpu-pool-a-7d9f8c-abcde", "kai-scheduler",
                      labels={"app": "kai-scheduler-gpu-pool-a"},
                      containers=("scheduler",), ready=False, waiting="CrashLoopBackOff",
                      image="ghcr.io/nvidia/kai-scheduler/scheduler:v0.17.0",
                      args=["--nodepool-label-key=kai.scheduler/node-pool", "--partition-label-value=pool-a"]))
    cluster.add(f.synced_pod("trainer", "team-a", "vc", "ns", phase="Pending", node=None,
                             labels={"kai.scheduler/node-pool": "pool-a"}),
                f.synced_pod("other", "team-a", "vc", "ns", phase="Pending", node=None))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert ("scheduler shard kai-scheduler-gpu-pool-a (node pool kai.scheduler/node-pool=pool-a: 1 Pending pod(s) "
            "wait for it: team-a/trainer)") in result.message


@pytest.mark.parametrize("version, topology", [("v0.16.8", False), ("v0.17.0", True)])
def test_the_admission_validates_topologies_from_v0_17(cluster, run_check, version, topology):
    cluster.add(*kr.install(version, broken={"admission": {"ready": False, "waiting": "CrashLoopBackOff"}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and ("Topology objects" in result.message) is topology


@pytest.mark.parametrize("version, judged", [("v0.15.3", False), ("v0.16.0", True)])
def test_the_numa_placement_exporter_is_judged_from_v0_16(cluster, run_check, version, judged):
    cluster.add(*kr.install(version), f.pod("numa-placement-exporter-x7k2p", "kai-scheduler",
                                            labels={"app": "numa-placement-exporter"},
                                            containers=("numa-placement-exporter",), ready=False,
                                            waiting="CrashLoopBackOff",
                                            image=f"ghcr.io/nvidia/kai-scheduler/numa-placement-exporter:{version}"))
    result = run_check(CHECK)
    assert (result.status is Status.FAIL) is judged, result.message
    assert ("numa-placement-exporter not ready" in result.message) is judged


def test_a_config_that_narrows_the_webhooks_to_queue_labelled_namespaces_says_so(cluster, run_check):
    objs = kr.install("v0.14.0", broken={"admission": {"ready": False, "waiting": "CrashLoopBackOff"}})
    objs[-1]["spec"]["admission"]["queueLabelSelector"] = True
    cluster.add(*objs)
    result = run_check(CHECK)
    assert ("only in namespaces labelled kai.scheduler/queue (Config spec.admission.queueLabelSelector)"
            in result.message)


def test_release_outside_the_table_with_a_pod_down_fails_naming_it(cluster, run_check):
    cluster.add(*kr.install("v0.17.0"))
    pods = cluster.objects[("", "pods")]
    for pod in pods:
        for c in pod["spec"]["containers"]:
            c["image"] = c["image"].replace("v0.17.0", "v0.25.0")
    for status in pods[0]["status"]["containerStatuses"]:
        status["ready"] = False
    result = run_check(CHECK)
    assert (result.status, result.code) == (Status.FAIL, "VCD305")
    assert "not ready" in result.message and "found v0.25.0" in result.message
    down = f"{pods[0]['metadata']['namespace']}/{pods[0]['metadata']['labels']['app']}"
    assert result.objects == (down,) and accepted(result, f"VCD305:{down}")
    assert not accepted(result, f"VCD305:{down}-other")
