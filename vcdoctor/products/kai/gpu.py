"""GPU sharing in KAI: the install-time switch and the admission webhook's denials."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from vcdoctor import pods as podinfo
from vcdoctor.pods import Container, Pod
from vcdoctor.products.kai import compat, names, validator_compat
from vcdoctor.products.kai.components import CONFIG_NAME, component_of
from vcdoctor.versions import Version

#: every text KAI's pod webhook answers a GPU request with (any release): they explain why a pod never reached
#: the host. The first is the sharing switch, the others the validator's (validator_compat.DENIALS).
SHARING_DENIALS: Tuple[str, ...] = ((validator_compat.SHARING_DISABLED,)
                                    + tuple(row.value.text for row in validator_compat.DENIALS))
#: the denials that mean "fix the pod", not "turn sharing on"
INVALID_REQUEST_DENIALS: Tuple[str, ...] = SHARING_DENIALS[1:]

GPU_FRACTION_NUM_DEVICES = "gpu-fraction-num-devices"
MPS = "mps"
#: v0.2.0 - v0.6.x only (validator_compat.DENIALS "limit-annotation")
GPU_LIMIT_ANNOTATION = "runai-gpu-limit"
GPU_RESOURCE = names.GPU_RESOURCE
_UINT64 = 2 ** 64 - 1
# Go strconv.ParseFloat's decimal syntax (no spaces, no underscores without a base prefix), inf/nan and hex floats
_GO_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GO_SPECIAL = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)
_GO_HEX = re.compile(r"^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+$")
# a Kubernetes quantity that ParseQuantity accepts for a fraction: a plain decimal or scientific number
_QUANTITY = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
#: what the validator reads of a pod without containers
_NO_CONTAINER = Container(None, "", (), (), ())


def go_parse_uint(text: str) -> Optional[int]:
    """strconv.ParseUint(text, 10, 64): ASCII digits only (so "²", "1Gi", "-1", " 1" fail)."""
    if not re.fullmatch(r"[0-9]+", text, flags=re.ASCII):
        return None
    value = int(text)
    return value if value <= _UINT64 else None


def go_parse_float(text: str) -> Optional[float]:
    """strconv.ParseFloat(text, 64), close enough for annotation values; None when Go would fail."""
    try:
        if _GO_DECIMAL.match(text) or _GO_SPECIAL.match(text):
            return float(text)
        if _GO_HEX.match(text):
            return float.fromhex(text)
    except (ValueError, OverflowError):
        return None
    return None


def _limit(container: Container) -> Optional[str]:
    return container.limit(GPU_RESOURCE)


def _request(container: Container) -> Optional[str]:
    return container.request(GPU_RESOURCE)


def _whole(quantity: str) -> Optional[int]:
    """resource.Quantity.AsInt64 for the values people write: an integer, else None (fractional or odd)."""
    try:
        return int(quantity)
    except ValueError:
        return None


def _milli(quantity: str) -> Optional[float]:
    number = go_parse_float(quantity[:-1]) if quantity.endswith("m") else go_parse_float(quantity)
    if number is None:
        return None
    return number if quantity.endswith("m") else number * 1000


def _sharing_container(pod: Pod) -> Container:
    """Up to v0.10.0 the validator reads one container: the first, or the second of a Kubeflow pipeline pod
    (getRunaiContainerIndex, gpu_request_validator.go@v0.4.0:85-97)."""
    containers = pod.containers or (_NO_CONTAINER,)
    if len(containers) > 1 and any(str(k).startswith("pipelines.kubeflow.org") for k in podinfo.labels(pod)):
        return containers[1]
    return containers[0]


def validate(pod: Pod, version: Version) -> Optional[str]:
    """What KAI release ``version``'s validator answers this pod (the first error, verbatim), or None.

    Mirrors ValidateGpuRequests (validator_compat.VALIDATOR_SOURCE at v0.4.0, v0.10.0, v0.10.1 and v0.17.0)."""
    ann = podinfo.annotations(pod)
    fraction, memory = ann.get(names.GPU_FRACTION), ann.get(names.GPU_MEMORY)
    count, mps = ann.get(GPU_FRACTION_NUM_DEVICES), ann.get(MPS)
    has_fraction, has_memory, has_count = fraction is not None, memory is not None, count is not None
    if version in validator_compat.INIT_CONTAINERS_VALIDATED.span:
        limit = next((q for c in pod.containers + pod.init_containers for q in [_limit(c)] if q is not None), None)
        has_limit = limit is not None
        fractional = has_fraction or has_memory
        checks = []
    else:
        container = _sharing_container(pod)
        limit, request = _limit(container), _request(container)
        has_limit = limit is not None
        whole = _whole(limit) if limit is not None else None
        milli = _milli(limit) if limit is not None else None
        fractional = has_fraction or has_memory or (has_limit and whole is None)
        checks = [("negative", whole is not None and whole < 0)]
    checks += [
        ("mps", not fractional and mps == "true"),
        ("fraction-and-whole", has_fraction and has_limit),
    ]
    if version not in validator_compat.INIT_CONTAINERS_VALIDATED.span:
        checks += [
            ("request-not-limit", request is not None and not has_limit),
            ("limit-annotation", GPU_LIMIT_ANNOTATION in ann and not fractional),
            ("limit-above-one", has_limit and whole is None and (milli is None or milli > 1000)),
        ]
    checks += [
        ("memory-and-gpu", has_memory and (has_fraction or has_limit)),
        ("count-without-portion", has_count and not (has_fraction or has_memory)),
    ]
    if has_memory:
        value = go_parse_uint(str(memory))
        checks.append(("memory-value", not value))
    if has_fraction:
        number = go_parse_float(str(fraction))
        # NaN passes ParseFloat and both comparisons (`<= 0`, `>= 1`: gpu_request_validator.go:79-80 at every tag):
        # only the releases that also ParseQuantity the text refuse it, with the notation message (:84-89@v0.17.0)
        bad = number is None or not (math.isnan(number) or 0 < number < 1)
        checks.append(("fraction-value", bad))
        if not bad:
            checks.append(("fraction-notation", not _QUANTITY.match(str(fraction))))
    if has_count:
        checks.append(("count-value", not go_parse_uint(str(count))))
    for key, failed in checks:
        if failed and validator_compat.denial_in(key, version):
            text = validator_compat.denial_text(key)
            return text + str(fraction) if key == "fraction-notation" else text
    return None


def denial_of(text: str) -> Optional[str]:
    """The KAI webhook text quoted in ``text`` (a syncer log line, a refusal reason), if any."""
    return next((d for d in SHARING_DENIALS if d in text), None)




@dataclass(frozen=True)
class SharingState:
    #: True / False, or None when nothing told us
    enabled: Optional[bool]
    source: str


def gpu_sharing(config: Optional[dict], kai_pods: Iterable[Pod]) -> SharingState:
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
        for container in pod.containers:
            for arg in container.words:
                if str(arg).startswith(compat.GPU_SHARING_FLAG + "="):
                    value = str(arg).split("=", 1)[1].lower()
                    return SharingState(value == "true", f"{podinfo.ref(pod)} arg {arg}")
    return SharingState(None, f"no Config {CONFIG_NAME} and no --gpu-sharing-enabled flag on binder/admission")

