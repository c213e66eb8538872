"""GPU sharing in KAI: the install-time switch and the admission webhook's denials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from vcdoctor import pods as podinfo
from vcdoctor.products.kai.components import CONFIG_NAME, component_of

#: KAI admission-webhook texts that explain why a fractional pod never reached the host
SHARING_DENIALS = ("while GPU sharing is disabled", "gpu-fraction annotation value", "gpu-memory annotation value",
                   "cannot request both GPU and GPU memory")


@dataclass(frozen=True)
class SharingState:
    #: True / False, or None when nothing told us
    enabled: Optional[bool]
    source: str


def gpu_sharing(config: Optional[dict], kai_pods: Iterable[dict]) -> SharingState:
    """Read the switch from the Config CR (v0.9+) or a --gpu-sharing-enabled component flag."""
    if config is not None:
        value = ((config.get("spec") or {}).get("admission") or {}).get("gpuSharing")
        source = f"Config {CONFIG_NAME} spec.admission.gpuSharing"
        if value is None:
            return SharingState(False, source + " (unset: KAI defaults to false)")
        if isinstance(value, bool):
            return SharingState(value, source)
        return SharingState(None, f"{source} has non-boolean value {value!r}")
    for pod in kai_pods:
        if component_of(pod) not in ("binder", "admission"):
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            for arg in (container.get("args") or []) + (container.get("command") or []):
                if str(arg).startswith("--gpu-sharing-enabled="):
                    value = str(arg).split("=", 1)[1].lower()
                    return SharingState(value == "true", f"{podinfo.ref(pod)} arg {arg}")
    return SharingState(None, f"no Config {CONFIG_NAME} and no --gpu-sharing-enabled flag on binder/admission")

