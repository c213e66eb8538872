"""The cluster as checks see it: typed, cached questions answered through the gateway."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from typing import Callable, Optional, Tuple

from vcdoctor.gateway import Gateway
from vcdoctor.gateway import resources as r
from vcdoctor.singleflight import SingleFlight

#: Label every host pod synced by a vCluster carries (value: the vCluster name).
MANAGED_BY = "vcluster.loft.sh/managed-by"
KAI_NAMESPACE = "kai-scheduler"
RESERVATION_NAMESPACES = ("kai-resource-reservation", "runai-reservation")
#: A log tail big enough for hours of pod-grouper output and small enough to hold in memory.
LOG_TAIL_LINES = 5000
LOG_LIMIT_BYTES = 2 * 1024 * 1024
#: annotation prefix under which a snapshot keeps the sha256 of a Secret value it reduced
SNAPSHOT_DIGEST = "vcdoctor.snapshot/sha256-"
#: annotation a snapshot puts on every Secret whose data it reduced
SNAPSHOT_REDUCED = "vcdoctor.snapshot/reduced"


class SecretKeyMissing(Exception):
    """The Secret exists but has no such key (or it is not valid base64)."""


class ClusterView:
    """Read-only questions about the host cluster. Every answer goes through one Gateway.

    Lists are asked as broadly as checks share them (all synced pods in one LIST, all pods of
    the KAI namespace in one LIST) and filtered here, so the request count does not grow
    with the number of checks or pods.
    """

    def __init__(self, gateway: Gateway):
        self._gw = gateway
        self._derived = SingleFlight()

    def memo(self, key: str, compute: Callable):
        """Compute a derived answer once per run; concurrent callers wait for the first one."""
        return self._derived.get(key, compute)

    # -- generic reads ---------------------------------------------------------------------

    def get(self, resource: r.Resource, name: str, namespace: Optional[str] = None) -> dict:
        return self._gw.get(resource, name, namespace)

    def list(self, resource: r.Resource, namespace: Optional[str] = None,
             labels: Optional[str] = None, fields: Optional[str] = None,
             metadata_only: bool = False) -> Tuple[dict, ...]:
        return self._gw.list(resource, namespace, labels, fields, metadata_only)

    def may(self, user: str, verb: str, resource: str, namespace: Optional[str] = None, group: str = "") -> bool:
        """Whether another identity may do something (a SubjectAccessReview; the API server decides)."""
        return self._gw.can_i(verb, resource, namespace, group, user=user)

    def log_tail(self, namespace: str, pod: str, container: Optional[str]) -> bytes:
        return self._gw.log(namespace, pod, container, LOG_TAIL_LINES, LOG_LIMIT_BYTES)

    def secret_value(self, namespace: str, name: str, key: str) -> bytes:
        """Decode one key of one Secret read by name; other keys never leave this method."""
        secret = self._gw.get(r.SECRETS, name, namespace)
        encoded = (secret.get("data") or {}).get(key)
        if encoded is None:
            raise SecretKeyMissing(f"Secret {namespace}/{name} has no key {key!r}")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise SecretKeyMissing(f"Secret {namespace}/{name} key {key!r} is not valid base64") from None

    def secret_digest(self, namespace: str, name: str, key: str) -> Optional[str]:
        """sha256 of one key's base64 text as stored (vCluster <= 0.27 puts it on the pod template).

        A snapshot stores the digest of the original value, since the value itself is reduced."""
        secret = self._gw.get(r.SECRETS, name, namespace)
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        if SNAPSHOT_REDUCED in annotations:
            return annotations.get(SNAPSHOT_DIGEST + key)  # the stored value is not the original
        encoded = (secret.get("data") or {}).get(key)
        return hashlib.sha256(encoded.encode()).hexdigest() if isinstance(encoded, str) else None

    # -- shared, derived answers ------------------------------------------------------------

    def synced_pods(self) -> Tuple[dict, ...]:
        """Every host pod a vCluster synced, in all namespaces (one LIST, server-side selector)."""
        return self.list(r.PODS, None, MANAGED_BY)

    def kai_pods(self) -> Tuple[dict, ...]:
        """Every pod in the KAI namespace (one LIST shared by all KAI checks)."""
        return self.list(r.PODS, KAI_NAMESPACE)

    def warm_up(self) -> None:
        """Start the lists every run needs, concurrently and in the background, so that their latency
        overlaps the pre-flight and target resolution instead of adding up. Failures are cached by the
        gateway and reported by the checks that need the answer."""
        from vcdoctor import kai
        from vcdoctor import vcluster as vcl

        def per_vcluster():  # config and syncer log of every vCluster, as soon as they are known
            for vc in self.vclusters():
                _quietly(lambda: vcl.read_settings(self, vc))
                _quietly(lambda: vcl.syncer_logs(self, vc))

        jobs = [self.synced_pods, self.kai_pods, per_vcluster, lambda: kai.pod_grouper_logs(self),
                lambda: self.list(r.PODS, None, vcl.VCLUSTER_SELECTOR),
                lambda: self.get(r.KAI_CONFIGS, "kai-config"),
                lambda: self.list(r.PODS, RESERVATION_NAMESPACES[0]),
                lambda: self.list(r.QUEUES), lambda: self.list(r.PODGROUPS, metadata_only=True),
                lambda: self.list(r.NODES)]
        for job in jobs:
            threading.Thread(target=_quietly, args=(job,), daemon=True, name="warm-up").start()

    def vclusters(self):
        from vcdoctor.vcluster import discover  # local: vcluster imports this module

        return self.memo("vclusters", lambda: discover(self))


def _quietly(job: Callable) -> None:
    try:
        job()
    except Exception:  # the same failure is cached and surfaces in the check that needs it
        pass
