"""The troubleshoot.sh collectors that gather what KAI's facts read beyond cluster resources: the pod-grouper's
log (contributed to vcdoctor.archives.spec)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from vcdoctor.archives.spec import LOG_LIMITS
from vcdoctor.engine.facts import Read
from vcdoctor.products.kai.components import COMPONENT_APPS, NAMESPACE

#: facts whose log reads are the pod-grouper's
LOG_FACTS = ("pod_grouper_logs",)


def collectors(fact: str, read: Read, vclusters: Sequence[Tuple[str, str]]) -> Optional[List[Dict[str, Any]]]:
    """The collectors for one read of KAI's facts (None for any other read). Its Helm release Secrets (an optional
    trace of KAI installed elsewhere) are left to the spec's rule for optional reads: no bundle carries them."""
    if read.verb == "log" and fact in LOG_FACTS:
        apps = ",".join(COMPONENT_APPS["pod-grouper"])
        return [{"logs": {"collectorName": "vcdoctor-kai-pod-grouper", "name": "vcdoctor/kai",
                          "namespace": NAMESPACE, "selector": [f"app in ({apps})"], "limits": dict(LOG_LIMITS)}}]
    return None
