"""The cluster as checks see it: typed, cached questions answered through the gateway."""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Callable, Dict, Optional, Tuple

from vcdoctor.gateway import Gateway
from vcdoctor.gateway import resources as r

#: Label every host pod synced by a vCluster carries (value: the vCluster name).
MANAGED_BY = "vcluster.loft.sh/managed-by"
KAI_NAMESPACE = "kai-scheduler"
RESERVATION_NAMESPACES = ("kai-resource-reservation", "runai-reservation")
#: A log tail big enough for hours of pod-grouper output and small enough to hold in memory.
LOG_TAIL_LINES = 5000
LOG_LIMIT_BYTES = 2 * 1024 * 1024


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
        self._lock = threading.Lock()
        self._derived: Dict[str, object] = {}

    @property
    def gateway(self) -> Gateway:
        return self._gw

    def memo(self, key: str, compute: Callable):
        """Compute a derived answer once per run (checks run concurrently and share it)."""
        with self._lock:
            if key in self._derived:
                return self._derived[key]
        value = compute()
        with self._lock:
            return self._derived.setdefault(key, value)

    # -- generic reads ---------------------------------------------------------------------

    def get(self, resource: r.Resource, name: str, namespace: Optional[str] = None) -> dict:
        return self._gw.get(resource, name, namespace)

    def list(self, resource: r.Resource, namespace: Optional[str] = None,
             labels: Optional[str] = None, fields: Optional[str] = None) -> Tuple[dict, ...]:
        return self._gw.list(resource, namespace, labels, fields)

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

    # -- shared, derived answers ------------------------------------------------------------

    def synced_pods(self) -> Tuple[dict, ...]:
        """Every host pod a vCluster synced, in all namespaces (one LIST, server-side selector)."""
        return self.list(r.PODS, None, MANAGED_BY)

    def kai_pods(self) -> Tuple[dict, ...]:
        """Every pod in the KAI namespace (one LIST shared by all KAI checks)."""
        return self.list(r.PODS, KAI_NAMESPACE)

    def vclusters(self):
        from vcdoctor.vcluster import discover  # local: vcluster imports this module

        return self.memo("vclusters", lambda: discover(self))
