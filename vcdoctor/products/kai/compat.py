"""KAI's compatibility table: which release does what, each entry with the upstream path@tag it was verified at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Optional, Tuple, TypeVar

from vcdoctor.versions import Span, Version, show

# Every path is relative to github.com/kai-scheduler/KAI-Scheduler (NVIDIA/KAI-Scheduler up to v0.13.0, same tag
# commits); charts live under deployments/kai-scheduler/ (abbreviated "chart/" below).

T = TypeVar("T")


@dataclass(frozen=True)
class Known(Generic[T]):
    """One row of the table: what holds for the releases in ``span``, and where upstream says so."""

    span: Span
    value: T
    source: str


def at(table: Tuple[Known[T], ...], version: Optional[Version]) -> Optional[Known[T]]:
    """The row of ``table`` that covers ``version`` (None for an unknown version or a gap)."""
    if version is None:
        return None
    return next((row for row in table if version in row.span), None)


#: releases vcdoctor knows. v0.17.0 is the newest verified tag; there are no v0.11.x, v0.18.x, v0.19.x tags.
SUPPORTED = Span((0, 2, 0), (0, 18, 0))
#: the end of every open row: a row still true at the newest verified tag ends here, so verifying a new release
#: moves this one bound (and NEWEST), not each row
OPEN = SUPPORTED.until
#: v0.20.0/v0.20.1 were retracted: cut from v0.10.2-era code (commit 5922dc7d "chore(release): retract versions
#: v0.20.0 and v0.20.1 (#701)"; CHANGELOG.md@v0.20.1 tops at v0.10.2), so they behave like v0.10.2
RETRACTED = Known(Span((0, 20, 0), (0, 21, 0)), (0, 10, 2), "CHANGELOG.md@v0.20.1; commit 5922dc7d (#701)")


def known_range() -> str:
    """The releases vcdoctor knows, from the table's own bounds."""
    def minor(version: Version) -> str:
        return f"v{version[0]}.{version[1]}"
    return (f"KAI {minor(SUPPORTED.first)}–{minor(NEWEST)} ({minor(RETRACTED.span.first)}.x retracted, treated as "
            f"{show(RETRACTED.value)})")


# -- components ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One Deployment of a KAI install. Its pods carry ``app: <app>`` and run a container named ``container``;
    the Deployment is named like the app label in every release (chart and operator)."""

    #: vcdoctor's name for it, stable across releases
    key: str
    app: str
    container: str
    #: installed only when this setting is on (else optional: checked when present)
    only_with: Optional[str] = None
    #: created by the operator (v0.9+), not by the Helm chart
    operator_managed: bool = False
    #: the operator creates it only while Config spec.<config_field>.service.enabled is true (its default)
    config_field: Optional[str] = None


#: the scheduler of v0.10+ is <spec.global.schedulerName>-<SchedulingShard>; its app label starts with this
SCHEDULER_SHARD_APP = "{scheduler_name}-"

_SCHEDULER = Component("scheduler", "scheduler", "scheduler")
_BINDER = Component("binder", "binder", "binder")
_PODGROUPER = Component("pod-grouper", "podgrouper", "podgrouper")
_NSA = Component("node-scale-adjuster", "node-scale-adjuster", "node-scale-adjuster",
                 only_with="global.clusterAutoscaling")
_PG_CONTROLLER = Component("podgroup-controller", "podgroup-controller", "podgroup-controller")
_QUEUE_CONTROLLER = Component("queue-controller", "queuecontroller", "queuecontroller")
_OPERATOR = Component("operator", "kai-operator", "operator")
#: the operator honours spec.<config_field>.service.enabled (default true, apis/kai/v1/common/service.go:14,31
#: @v0.9.0) for each operand: operands/{pod_grouper,queue_controller,pod_group_controller,admission,binder,
#: node_scale_adjuster}/*.go:27,29,26,28,27,27@v0.9.0 and :31,33,33,32,31,27@v0.17.0; the scheduler from v0.10.0
#: (operands/scheduler/scheduler.go:51@v0.10.0, @v0.17.0)
_OP_PODGROUPER = Component("pod-grouper", "pod-grouper", "pod-grouper", operator_managed=True,
                           config_field="podGrouper")
_OP_QUEUE_CONTROLLER = Component("queue-controller", "queue-controller", "queue-controller", operator_managed=True,
                                 config_field="queueController")
_OP_PG_CONTROLLER = Component("podgroup-controller", "podgroup-controller", "podgroup-controller",
                              operator_managed=True, config_field="podGroupController")
_OP_ADMISSION = Component("admission", "admission", "admission", operator_managed=True, config_field="admission")
_OP_NSA = Component("node-scale-adjuster", "node-scale-adjuster", "node-scale-adjuster",
                    only_with="global.clusterAutoscaling", operator_managed=True, config_field="nodeScaleAdjuster")
_OP_BINDER = Component("binder", "binder", "binder", operator_managed=True, config_field="binder")
#: app = container = Deployment = "<schedulerName>-<shard>", e.g. kai-scheduler-default
_OP_SCHEDULER = Component("scheduler", "{scheduler_name}-default", "{scheduler_name}-default", operator_managed=True,
                          config_field="scheduler")


@dataclass(frozen=True)
class Family:
    """A release family: the components an install runs."""

    name: str
    components: Tuple[Component, ...]
    #: a Config CR kai-config drives the install (operator)
    operator: bool


_V0_10 = (_OPERATOR, _OP_SCHEDULER, _OP_BINDER, _OP_PODGROUPER, _OP_QUEUE_CONTROLLER, _OP_PG_CONTROLLER, _OP_ADMISSION,
          _OP_NSA)

FAMILIES: Tuple[Known[Family], ...] = (
    # chart/templates/services/{scheduler,binder,podgrouper}.yaml@v0.2.0:7,18,22 (no metadata.labels, no
    # namespace: the release namespace); node-scale-adjuster chart/templates/services/nodescaleadjuster.yaml@v0.5.0
    # :4,8,17,21 only with global.clusterAutoscaling (default false, chart/values.yaml@v0.5.0:9), absent @v0.4.20;
    # podgroup-controller and queuecontroller absent @v0.5.5. The binder serves the pod webhooks, failurePolicy
    # Fail (chart/templates/binder-webhook.yaml@v0.2.0:15-18,48-51).
    Known(Span((0, 2, 0), (0, 6, 0)), Family("v0.2–v0.5 (chart: scheduler, binder, podgrouper)", (
        _SCHEDULER, _BINDER, _PODGROUPER, _NSA), False),
          "chart/templates/services/*.yaml@v0.2.0, @v0.4.20, @v0.5.0, @v0.5.5"),
    # chart/templates/services/podgroup-controller.yaml@v0.6.0:7,16,20, queuecontroller.yaml@v0.6.0:7,16,20;
    # the binder still serves the webhooks up to v0.7.12 (config kai-binder @v0.7.12)
    Known(Span((0, 6, 0), (0, 7, 13)), Family("v0.6–v0.7.12 (chart; binder serves the webhooks)", (
        _SCHEDULER, _BINDER, _PODGROUPER, _NSA, _PG_CONTROLLER,
        _QUEUE_CONTROLLER), False),
          "chart/templates/services/podgroup-controller.yaml@v0.6.0, queuecontroller.yaml@v0.6.0, "
          "binder-webhook.yaml@v0.7.12"),
    # chart/templates/services/admission.yaml@v0.7.13:7,18,22 (absent @v0.7.12); webhooks admission.run.ai,
    # failurePolicy Fail (chart/templates/admission-webhook.yaml@v0.7.13:17,60, same @v0.8.5)
    Known(Span((0, 7, 13), (0, 9, 0)), Family("v0.7.13–v0.8 (chart; kai-admission serves the webhooks)", (
        _SCHEDULER, _BINDER, _PODGROUPER, _NSA, _PG_CONTROLLER, _QUEUE_CONTROLLER,
        Component("admission", "kai-admission", "kai-admission")), False),
          "chart/templates/services/admission.yaml@v0.7.13, admission-webhook.yaml@v0.7.13, @v0.8.5"),
    # operator chart/templates/services/operator.yaml@v0.9.0:7-10,19,23; the chart still deploys scheduler and
    # binder (chart/templates/services/{scheduler,binder}.yaml@v0.9.0, @v0.9.20; operator has them commented out,
    # pkg/operator/controller/config_controller.go@v0.9.0:48); operands pod-grouper
    # (pkg/operator/operands/pod_grouper/resources.go@v0.9.0:20), queue-controller
    # (operands/queue_controller/resources.go@v0.9.0:28), podgroup-controller
    # (operands/pod_group_controller/resources.go@v0.9.0:20), admission (operands/admission/resources.go@v0.9.0:28,41)
    Known(Span((0, 9, 0), (0, 10, 0)), Family("v0.9 (operator; chart still runs scheduler and binder)", (
        _OPERATOR, _SCHEDULER, _BINDER, _OP_PODGROUPER, _OP_QUEUE_CONTROLLER, _OP_PG_CONTROLLER, _OP_ADMISSION,
        _OP_NSA), True),
          "chart/templates/services/{operator,scheduler,binder}.yaml@v0.9.0; pkg/operator/operands/*@v0.9.0"),
    # scheduler <schedulerName>-<shard> (pkg/operator/operands/scheduler/resources_for_shard.go@v0.10.0:38,62,70;
    # @v0.17.0:67,75), shard "default" (chart/templates/default-shard.yaml@v0.10.0:7), container name = Deployment
    # name (operands/common/common.go@v0.17.0:178); binder from the operator (operands/binder/resources.go@v0.10.0:30)
    Known(Span((0, 10, 0), (0, 16, 0)), Family("v0.10–v0.15 (operator runs every component)", _V0_10, True),
          "pkg/operator/operands/scheduler/resources_for_shard.go@v0.10.0, @v0.17.0; operands/binder/resources.go"
          "@v0.10.0"),
    # DaemonSet numa-placement-exporter, pods app=<name> (operands/numa_placement_exporter/resources.go:22,36-38
    # @v0.16.0; operands/common/common.go:201-210@v0.16.0), deployed when Config spec.numaPlacementExporter.service
    # .enabled says so, else when a shard enables the numa plugin (numa_placement_exporter.go:57-80@v0.16.0)
    Known(Span((0, 16, 0), OPEN), Family("v0.16+ (operator runs every component)", _V0_10 + (
        Component("numa-placement-exporter", "numa-placement-exporter", "numa-placement-exporter",
                  only_with="a shard's numa plugin", operator_managed=True, config_field="numaPlacementExporter"),),
        True), "pkg/operator/operands/numa_placement_exporter/resources.go@v0.16.0"),
)

#: What the API server refuses while a component that serves KAI's webhooks is down: every such webhook fails
#: closed (failurePolicy Fail), and which objects it matches changed across releases.
@dataclass(frozen=True)
class Outage:
    component: str
    refuses: str


_EVERY_POD = ("the creation of every pod outside {excluded}, the vCluster's own control plane and every pod its "
              "syncer creates included")
WEBHOOK_OUTAGES: Tuple[Known[Outage], ...] = (
    Known(Span((0, 2, 0), (0, 3, 0)), Outage("binder", _EVERY_POD.format(excluded="KAI's namespace (kube-system's "
                                                                                  "pods too)")),
          "deployments/kai-scheduler/templates/binder-webhook.yaml:17-24@v0.2.0"),
    Known(Span((0, 3, 0), (0, 7, 13)), Outage("binder", _EVERY_POD.format(excluded="kube-system and KAI's namespace")),
          "deployments/kai-scheduler/templates/binder-webhook.yaml:19-25@v0.3.0, @v0.6.0"),
    Known(Span((0, 7, 13), (0, 13, 0)), Outage("admission", _EVERY_POD.format(
        excluded="kube-system and KAI's namespace (narrowed only by KAI's namespace and pod label selectors)")),
          "deployments/kai-scheduler/templates/admission-webhook.yaml:17-30@v0.7.13; "
          "pkg/operator/operands/admission/resources.go:151-154@v0.9.0, "
          ":149-152@v0.12.23 (NotIn kube-system, KAI namespace)"),
    Known(Span((0, 13, 0), OPEN), Outage("admission", "the creation of pods whose schedulerName is KAI's "
                                                            "(matchConditions): other pods, the vCluster's control "
                                                            "plane included, are admitted"),
          "pkg/operator/operands/admission/resources.go:182-191,224,235@v0.13.0"),
    Known(Span((0, 10, 0), OPEN), Outage("podgroup-controller", "the creation and update of PodGroups: the "
                                                                      "pod-grouper cannot group new pods, so they "
                                                                      "stay Pending"),
          "pkg/operator/operands/pod_group_controller/resources.go:178-195@v0.10.0, :182-199@v0.17.0 (none @v0.9.20)"),
    Known(Span((0, 17, 0), OPEN), Outage("admission", "the creation and update of Topology objects"),
          "pkg/operator/operands/admission/resources.go:321-340@v0.17.0 (none @v0.16.0)"),
    Known(Span((0, 6, 0), OPEN), Outage("queue-controller", "the creation and update of Queues"),
          "deployments/kai-scheduler/templates/queuecontroller-webhook.yaml@v0.6.0:24; "
          "pkg/operator/operands/queue_controller/resources.go@v0.9.0:203, @v0.17.0:202"),
)


#: Config spec.admission.<this> narrows the pod webhooks to namespaces that carry the queue label key
QUEUE_LABEL_SELECTOR = Known(Span((0, 9, 0)), "queueLabelSelector",
                            "pkg/operator/operands/admission/resources.go:158@v0.9.0, :156@v0.12.0; "
                            "pkg/apis/kai/v1/admission/admission.go:37@v0.10.0, :42@v0.17.0")


def outages(component: str, version: Optional[Version]) -> Tuple[Known[Outage], ...]:
    """What a down ``component`` blocks at ``version`` (empty for an unknown release)."""
    if version is None:
        return ()
    return tuple(row for row in WEBHOOK_OUTAGES if row.value.component == component and version in row.span)


#: the pod-grouper groups only pods whose labels, and whose namespace's labels, match these flags ("k=v,k2=v2",
#: parsed by splitting on "," then the first "="): cmd/podgrouper/app/options.go:45-46@v0.7.0, :48-49@v0.17.0;
#: the pod selector filters its watch (app.go:131-132@v0.7.0, :187-188@v0.17.0), the namespace selector each event
#: (pkg/podgrouper/pod_controller.go:204-215@v0.7.0, :259-270@v0.17.0). Set from global.podLabelSelector /
#: namespaceLabelSelector (chart templates/services/podgrouper.yaml:26,29@v0.7.0; Config spec.global, operands/
#: pod_grouper/resources.go:87,91@v0.9.0, :104,108@v0.17.0). Absent before v0.7.0.
POD_LABEL_SELECTOR_FLAG = "--pod-label-selector"
NAMESPACE_LABEL_SELECTOR_FLAG = "--namespace-label-selector"
GROUPER_SELECTORS = Known(Span((0, 7, 0)), True, "cmd/podgrouper/app/options.go:45-46@v0.7.0, :48-49@v0.17.0")
#: a pod, or any of its owners, annotated so is left to whoever creates its PodGroup (pkg/common/constants/
#: constants.go:39@v0.15.0, :55@v0.17.0; pkg/podgrouper/pod_controller.go:100,118@v0.15.0, :101,119@v0.17.0)
SKIP_PODGROUPER = Known(Span((0, 15, 0)), "kai.scheduler/skip-podgrouper",
                        "pkg/common/constants/constants.go:39@v0.15.0, :55@v0.17.0")


#: every app label a KAI component has had, for recognising pods when the release is unknown
ALL_APPS = ("kai-operator", "scheduler", "binder", "podgrouper", "pod-grouper", "node-scale-adjuster",
            "podgroup-controller", "queuecontroller", "queue-controller", "kai-admission", "admission",
            "numa-placement-exporter")


# -- names a pod is read by --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLabel:
    key: str
    #: "hard-coded", "flag" (pod-grouper --queue-label-key) or "config" (Config spec.global.queueLabelKey)
    how: str


QUEUE_LABEL: Tuple[Known[QueueLabel], ...] = (
    Known(Span((0, 2, 0), (0, 5, 1)), QueueLabel("runai/queue", "hard-coded"),
          "pkg/podgrouper/podgrouper/plugins/constants/constants.go@v0.2.0:8, @v0.5.0:8"),
    Known(Span((0, 5, 1), (0, 6, 0)), QueueLabel("runai/queue", "flag"),
          "cmd/podgrouper/app/options.go@v0.5.1:38, @v0.5.5:38 (the chart does not pass the flag)"),
    Known(Span((0, 6, 0), (0, 9, 0)), QueueLabel("kai.scheduler/queue", "flag"),
          "cmd/podgrouper/app/options.go@v0.6.0:40; chart/templates/services/podgrouper.yaml@v0.6.0:24; "
          "chart/values.yaml@v0.6.0:31"),
    Known(Span((0, 9, 0), OPEN), QueueLabel("kai.scheduler/queue", "config"),
          "pkg/operator/operands/pod_grouper/resources.go@v0.9.0:58 (@v0.17.0:72); pkg/common/constants/constants.go"
          "@v0.9.0:15; pkg/apis/kai/v1/global.go@v0.9.0:46,83"),
)
#: the flag the pod-grouper reads the key from (v0.5.1+)
QUEUE_LABEL_FLAG = "--queue-label-key"

#: the scheduler name: flag --scheduler-name default kai-scheduler before the operator
#: (cmd/podgrouper/app/options.go@v0.5.5:37, cmd/binder/app/options.go@v0.5.5:41; the chart never sets it),
#: Config spec.global.schedulerName default kai-scheduler from v0.9.0 (pkg/apis/kai/v1/global.go@v0.9.0:51,84;
#: pkg/common/constants/constants.go@v0.9.0:16, @v0.17.0:21)
DEFAULT_SCHEDULER_NAME = "kai-scheduler"
SCHEDULER_NAME_FLAG = "--scheduler-name"
#: the pod-grouper's node-pool label flag, the zap development switch global.jsonLog turns off, and the
#: pre-operator GPU-sharing flag of the binder / kai-admission (rows above cite where each is read)
NODE_POOL_LABEL_FLAG = "--nodepool-label-key"
#: a shard's scheduler schedules the node pool of this value (resources_for_shard.go:310@v0.10.0, :361@v0.17.0)
PARTITION_FLAG = "--partition-label-value"
ZAP_DEVEL_FLAG = "--zap-devel"
GPU_SHARING_FLAG = "--gpu-sharing-enabled"

#: the node-pool label that turns the project label into <project>-<nodepool> (step 3 of the queue order)
NODE_POOL_LABEL: Tuple[Known[Optional[str]], ...] = (
    Known(Span((0, 2, 0), (0, 6, 0)), "runai/node-pool", "pkg/common/constants/constants.go@v0.4.0:30, @v0.5.5:29"),
    # flag --nodepool-label-key default "" (cmd/podgrouper/app/options.go@v0.6.0:33): plain <project>
    Known(Span((0, 6, 0), (0, 9, 0)), None, "cmd/podgrouper/app/options.go@v0.6.0:33"),
    Known(Span((0, 9, 0), (0, 10, 0)), "kai.scheduler/nodepool", "chart/templates/kai-config.yaml@v0.9.0:14"),
    Known(Span((0, 10, 0), OPEN), "kai.scheduler/node-pool",
          "pkg/common/constants/constants.go@v0.10.0:22, @v0.17.0:26 (unless spec.global.nodePoolLabelKey)"),
)
#: queue order (top owner label, pod label, project label, default-queue) is the same in every release:
#: pkg/podgrouper/podgrouper/plugins/default-grouper.go@v0.4.0:88-120; defaultgrouper/default_grouper.go@v0.6.0:118-150,
#: @v0.17.0:134-166; constants ProjectLabelKey/DefaultQueueName plugins/constants/constants.go@v0.2.0:9,18
PROJECT_LABEL = "project"
DEFAULT_QUEUE = "default-queue"

#: a root queue with no children (no parentQueue) gets jobs only from v0.13.0 (PR #858;
#: pkg/scheduler/actions/utils/input_jobs.go@v0.13.0:53-64; before: job_order_by_queue.go@v0.12.23:210-213 skips
#: every queue whose parent is not in the queue map, docs/queues/README.md@v0.12.x)
ROOT_LEAF_QUEUES = Known(Span((0, 13, 0)), True, "pkg/scheduler/actions/utils/input_jobs.go@v0.13.0:53-64 (#858)")
#: KAI validates queues with a webhook whose failurePolicy is Fail: while the queue controller is down, every queue
#: create or update is refused (the chart deploys it from v0.6.0; the operator from v0.9.0, where from v0.10
#: queueController.enableValidation can switch it off)
QUEUE_WEBHOOK = Known(Span((0, 6, 0)), True,
                      "deployments/kai-scheduler/templates/queuecontroller-webhook.yaml@v0.6.0:24, @v0.8.0:25; "
                      "pkg/operator/operands/queue_controller/resources.go@v0.9.0:203, @v0.17.0:202")
#: a queue whose parentQueue does not exist is deleted with its children in every release (cleanQueueOrphans,
#: pkg/scheduler/cache/cluster_info/queue.go@v0.2.0:84,97-107, @v0.17.0:92,105-115; logged at V(2) only)
ORPHAN_QUEUES_SOURCE = "pkg/scheduler/cache/cluster_info/queue.go@v0.2.0:97-107, @v0.17.0:105-115"


# -- GPU sharing, reservation pods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    namespace: str
    container: str


RESERVATION: Tuple[Known[Reservation], ...] = (
    Known(Span((0, 2, 0), (0, 5, 0)), Reservation("runai-reservation", "runai-reservation"),
          "pkg/binder/binding/resourcereservation/resource_reservation.go@v0.2.0:37-45; "
          "chart/templates/services/resourcereservation-namespace.yaml@v0.2.0:8"),
    Known(Span((0, 5, 0), (0, 6, 0)), Reservation("runai-reservation", "resource-reservation"),
          "cmd/binder/app/options.go@v0.5.5:44,47,53 (--resource-reservation-namespace)"),
    Known(Span((0, 6, 0), OPEN), Reservation("kai-resource-reservation", "resource-reservation"),
          "cmd/binder/app/options.go@v0.6.0:44,47,53; chart/values.yaml@v0.6.0:13-16; "
          "pkg/common/constants/constants.go@v0.9.0:18"),
)


@dataclass(frozen=True)
class SharingSwitch:
    #: where the switch is read on the cluster: the component carrying --gpu-sharing-enabled, or "config"
    where: str
    text: str


GPU_SHARING_SWITCH: Tuple[Known[SharingSwitch], ...] = (
    Known(Span((0, 2, 0), (0, 7, 13)), SharingSwitch("binder", "helm global.gpuSharing -> binder "
                                                                 "--gpu-sharing-enabled"),
          "chart/templates/services/binder.yaml@v0.2.0:30; chart/values.yaml@v0.2.0:8"),
    Known(Span((0, 7, 13), (0, 9, 0)), SharingSwitch("admission", "helm global.gpuSharing -> kai-admission "
                                                                    "--gpu-sharing-enabled"),
          "chart/templates/services/admission.yaml@v0.7.13:29, @v0.8.5:30"),
    Known(Span((0, 9, 0), OPEN), SharingSwitch("config", "helm global.gpuSharing -> Config kai-config "
                                                                 "spec.admission.gpuSharing"),
          "chart/templates/kai-config.yaml@v0.9.0:78; pkg/apis/kai/v1/admission/admission.go@v0.9.0:28-30; "
          "chart/templates/_helpers.tpl@v0.17.0:246"),
)


@dataclass(frozen=True)
class Chart:
    """Where `helm upgrade` finds the chart of a release (the chart version is the release tag)."""

    #: an oci:// reference, or the chart name in ``repo``
    ref: str
    repo: Optional[str] = None


_NVIDIA_CHART = "oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler"
_KAI_CHART = "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler"
#: chart versions are the release tags, e.g. v0.10.2 (helm package --version $GITHUB_REF_NAME,
#: .github/workflows/push-artifacts.yaml@v0.17.0:30,62)
CHART: Tuple[Known[Chart], ...] = (
    Known(Span((0, 2, 0), (0, 3, 0)), Chart("kai-scheduler", "https://helm.ngc.nvidia.com/nvidia/kai-scheduler"),
          "README.md@v0.2.0:44,46"),
    Known(Span((0, 3, 0), (0, 4, 2)), Chart("kai-scheduler", "https://helm.ngc.nvidia.com/nvidia/k8s"),
          "README.md@v0.4.1:43,45"),
    # the workflow pushes `helm push chart.tgz oci://$DOCKER_REGISTRY` (push-artifacts.yaml:66); the registry moved
    # to ghcr.io/kai-scheduler on three release branches at once: v0.9.16, v0.12.18 and v0.13.1
    Known(Span((0, 4, 2), (0, 9, 16)), Chart(_NVIDIA_CHART),
          "README.md@v0.4.2:45; .github/workflows/push-artifacts.yaml:17@v0.9.15"),
    Known(Span((0, 9, 16), (0, 10, 0)), Chart(_KAI_CHART), ".github/workflows/push-artifacts.yaml:17@v0.9.16,@v0.9.20"),
    Known(Span((0, 10, 0), (0, 12, 18)), Chart(_NVIDIA_CHART), ".github/workflows/push-artifacts.yaml:17@v0.12.17"),
    Known(Span((0, 12, 18), (0, 13, 0)), Chart(_KAI_CHART),
          ".github/workflows/push-artifacts.yaml:17@v0.12.18,@v0.12.23"),
    Known(Span((0, 13, 0), (0, 13, 1)), Chart(_NVIDIA_CHART),
          "README.md@v0.13.0:78; .github/workflows/push-artifacts.yaml:17@v0.13.0"),
    Known(Span((0, 13, 1), OPEN), Chart(_KAI_CHART),
          "README.md@v0.13.1:78, @v0.17.0:87; .github/workflows/push-artifacts.yaml:17@v0.13.1"),
)
#: a `helm upgrade` of these releases recreates Config kai-config through a pre-install/pre-upgrade hook, which
#: deletes the operands' ServiceAccounts: the components then get 401 until they restart (fixed by a post-upgrade
#: job that applies the Config server-side at v0.12.22, v0.14.6, v0.15.3 and v0.16.0)
_RECREATED = ("templates/kai-config.yaml:9-11@v0.9.5,@v0.10.0; fixed hooks/post/kai-config-deployer/job.yaml:10-12"
              "@v0.14.6")
CONFIG_RECREATED_ON_UPGRADE: Tuple[Known[bool], ...] = (
    Known(Span((0, 9, 5), (0, 11, 0)), True, _RECREATED),
    Known(Span((0, 12, 0), (0, 12, 22)), True, _RECREATED + " (templates/kai-config.yaml:3-10@v0.12.22)"),
    Known(Span((0, 13, 0), (0, 14, 6)), True, _RECREATED),
    Known(Span((0, 15, 0), (0, 15, 3)), True, _RECREATED + " (@v0.15.3)"),
)
#: KAI's admission sets runtimeClassName on the pods of its scheduler that use GPUs (every GPU pod up to v0.15.x,
#: fractional ones from v0.16.0); a host without that RuntimeClass refuses the pod ("RuntimeClass ... not found")
ADMISSION_RUNTIME_CLASS: Tuple[Known[str], ...] = (
    Known(Span((0, 9, 7), (0, 16, 0)), "every GPU pod (Config spec.admission.gpuPodRuntimeClassName, default nvidia; "
          "empty turns it off)", "pkg/admission/webhook/v1alpha2/runtimeenforcement/runtime_enforcement.go:34-45"
          "@v0.9.7; pkg/apis/kai/v1/admission/admission.go:40,57@v0.9.7; cmd/admission/main.go:48-49@v0.9.7"),
    Known(Span((0, 16, 0), OPEN), "fractional GPU pods (Config spec.admission.gpuFractionRuntimeClassName, "
          "default nvidia; empty turns it off)", "runtime_enforcement.go:31-44@v0.16.0; admission.go:52-64,89-92"
          "@v0.16.0"),
)
#: `helm rollback` is not supported (docs/migrationguides/README.md@v0.17.0)
NO_ROLLBACK_SOURCE = "docs/migrationguides/README.md@v0.17.0"
#: release name and namespace of every README's install command
RELEASE_NAME = "kai-scheduler"
NEWEST = (0, 17, 0)


# -- pod-grouper logging and owner lookup ------------------------------------------------------------------

#: zap Development: true in every release (cmd/podgrouper/app/app.go@v0.2.0:100-106, @v0.17.0:166-172): DEBUG lines
#: (the owner-lookup fallback) are printed by default
DEBUG_LOGGED_SOURCE = "cmd/podgrouper/app/app.go@v0.2.0:100-106, @v0.9.0:155-161, @v0.17.0:166-172"
#: global.jsonLog (Config spec.global.jsonLog) adds --zap-devel=false: JSON, Info level, DEBUG hidden
JSON_LOG = Known(Span((0, 15, 0), OPEN), True,
                 "chart/values.yaml@v0.15.0:19; pkg/apis/kai/v1/global.go@v0.15.0:84-86; "
                 "pkg/operator/operands/common/common.go@v0.15.0:219-225")
#: a Forbidden owner lookup falls back to the pod (uncached client) from v0.4.2 (#77); before, the cached client
#: started an informer that panics and crashes the reconciler (podgrouper.go@v0.4.1:133)
GRACEFUL_OWNER_LOOKUP = Known(Span((0, 4, 2)), True,
                              "pkg/podgrouper/podgrouper/podgrouper.go@v0.4.2:141,173-193, @v0.17.0:134,166-186")
#: "Detected pod with no owner but with podgroup annotation": pkg/podgrouper/pod_controller.go@v0.2.0:194 ...
#: v0.6.23, removed v0.7.0
NO_OWNER_LOG = Known(Span((0, 2, 0), (0, 7, 0)), True, "pkg/podgrouper/pod_controller.go@v0.2.0:194 … @v0.6.23")

#: the RuntimeClass of reservation pods: none before v0.7.12; hard-coded nvidia v0.7.12 - v0.9.20
#: (resource_reservation.go@v0.7.12:45,454); Config spec.binder.runtimeClassName default nvidia v0.10.0 - v0.15.x
#: (pkg/apis/kai/v1/binder/binder.go@v0.10.0:103-104,120); default empty from v0.16.0 (binder.go@v0.17.0:240-244)
RESERVATION_RUNTIME_CLASS: Tuple[Known[Optional[str]], ...] = (
    Known(Span((0, 2, 0), (0, 7, 12)), None, "resource_reservation.go@v0.7.11 (no runtimeClassName)"),
    Known(Span((0, 7, 12), (0, 9, 6)), "nvidia", "pkg/binder/binding/resourcereservation/resource_reservation.go"
                                                 "@v0.7.12:45,454, @v0.9.5:45"),
    # the chart passes --runtime-class-name from a value values.yaml does not set, and empty means none
    Known(Span((0, 9, 6), (0, 10, 0)), None, "templates/services/binder.yaml:34@v0.9.6; values.yaml:18-21@v0.9.6; "
                                             "resource_reservation.go:455-459@v0.9.6"),
    Known(Span((0, 10, 0), (0, 16, 0)), "nvidia", "pkg/apis/kai/v1/binder/binder.go@v0.10.0:103-104,120 "
                                                  "(Config spec.binder.resourceReservation.runtimeClassName)"),
    Known(Span((0, 16, 0), OPEN), None, "pkg/apis/kai/v1/binder/binder.go@v0.17.0:240-244"),
)


#: where KAI runs unless installed elsewhere: every README installs the release `kai-scheduler` into namespace
#: `kai-scheduler`; operator installs (v0.9+) name the components' namespace in Config spec.namespace, which the
#: chart sets to the release namespace (pkg/apis/kai/v1/config_types.go:42-44@v0.9.0, _helpers.tpl:59@v0.17.0)
DEFAULT_NAMESPACE = "kai-scheduler"
#: KAI's webhook configurations, whose services run in KAI's namespace whatever it is: chart templates until v0.8
#: (clientConfig.service.namespace is .Release.Namespace), the operator's from v0.9 (Config spec.namespace)
WEBHOOK_CONFIGURATIONS = ("kai-binder", "kai-admission", "kai-queuecontroller", "mutating-kai-admission",
                          "validating-kai-admission", "kai-queue-validation-v2", "kai-podgroup-validation-v2alpha2")
WEBHOOK_CONFIGURATIONS_SOURCE = (
    "templates/services/binder-webhook.yaml:7,14,41,48@v0.4.0; admission-webhook.yaml:7,14,50,57@v0.7.13; "
    "queuecontroller-webhook.yaml:7,15@v0.7.11; pkg/operator/operands/admission/resources.go:29-30,188@v0.9.0; "
    "queue_controller/resources.go:31,204@v0.9.0; pod_group_controller.go:17@v0.13.0")

