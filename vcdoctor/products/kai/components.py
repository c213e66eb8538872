"""KAI's components: which pods make up an install of each release family."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.pods import Pod
from vcdoctor.products.kai import compat

#: component -> every ``app`` label value it has had (operator era first, then pre-operator).
COMPONENT_APPS: Dict[str, Tuple[str, ...]] = {
    "operator": ("kai-operator",),
    "scheduler": ("scheduler",),  # plus any kai-scheduler-<shard>, see component_of
    "binder": ("binder",),
    "pod-grouper": ("pod-grouper", "podgrouper"),
    "podgroup-controller": ("podgroup-controller",),
    "queue-controller": ("queue-controller", "queuecontroller"),
    "admission": ("admission", "kai-admission"),
}
#: every app label a KAI component pod has had (component_of), as one set-based selector
FIND_SELECTOR = "app in (" + ",".join(sorted({a for apps in COMPONENT_APPS.values() for a in apps}
                                              | {"kai-scheduler-default"})) + ")"
#: the labels Helm gives the release Secrets of KAI's chart (release name kai-scheduler)
HELM_RELEASE_SELECTOR = f"owner=helm,name={compat.RELEASE_NAME}"


#: the Config CR of operator installs (v0.9+)
CONFIG_NAME = "kai-config"
#: where KAI runs unless the Config names another namespace (the fact kai_namespace decides per run)
NAMESPACE = compat.DEFAULT_NAMESPACE
POD_GROUPER_CONTAINERS = ("pod-grouper", "podgrouper")


def component_of(pod: Pod) -> Optional[str]:
    app = podinfo.labels(pod).get("app") or ""
    if app.startswith("kai-scheduler-"):
        return "scheduler"
    for component, apps in COMPONENT_APPS.items():
        if app in apps:
            return component
    return None

