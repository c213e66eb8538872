"""KAI's GPU request validator by release: which texts it refuses a pod with, each verified at its upstream tag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from vcdoctor.products.kai.compat import OPEN, Known
from vcdoctor.versions import Span, Version

# Paths are relative to github.com/kai-scheduler/KAI-Scheduler, as in compat.py.

#: GPU requests: containers only (index 0, or 1 with a pipelines.kubeflow.org* label) up to v0.10.0; every
#: container and initContainer from v0.10.1 (getFirstGPULimit)
INIT_CONTAINERS_VALIDATED = Known(Span((0, 10, 1)), True,
                                  "pkg/binder/plugins/gpusharing/gpu-request/gpu_request_validator.go@v0.17.0:104-113;"
                                  " CHANGELOG v0.10.1 (#660)")
VALIDATOR_SOURCE = "pkg/binder/plugins/gpusharing/gpu-request/gpu_request_validator.go"


@dataclass(frozen=True)
class Denial:
    """One text of KAI's GPU request validator (verbatim, up to any %s)."""

    key: str
    text: str


#: the validator's texts and the releases that have them, in evaluation order (kai.md §5; the v0.4.0 line and
#: the v0.17.0 line of VALIDATOR_SOURCE)
DENIALS: Tuple[Known[Denial], ...] = (
    Known(Span((0, 0, 1), (0, 10, 1)), Denial("negative", "GPU resource limit cannot be negative"),
          f"{VALIDATOR_SOURCE}@v0.4.0:31"),
    Known(Span((0, 0, 1)), Denial("mps", "MPS is only supported with GPU fraction request"),
          f"{VALIDATOR_SOURCE}@v0.4.0:38, @v0.17.0:29"),
    Known(Span((0, 0, 1)), Denial("fraction-and-whole",
                                  "cannot have both GPU fraction request and whole GPU resource request/limit"),
          f"{VALIDATOR_SOURCE}@v0.4.0:42, @v0.17.0:33"),
    Known(Span((0, 0, 1), (0, 10, 1)), Denial("request-not-limit", "GPU is not not listed in resource limits"),
          f"{VALIDATOR_SOURCE}@v0.4.0:46"),
    Known(Span((0, 0, 1), (0, 7, 0)), Denial("limit-annotation",
                                             "cannot have GPU limit annotation without GPU fraction request"),
          f"{VALIDATOR_SOURCE}@v0.4.0:50"),
    Known(Span((0, 0, 1), (0, 10, 1)),
          Denial("limit-above-one", "GPU resource limit annotation cannot be larger than 1"),
          f"{VALIDATOR_SOURCE}@v0.4.0:54"),
    Known(Span((0, 0, 1)), Denial("memory-and-gpu", "cannot request both GPU and GPU memory"),
          f"{VALIDATOR_SOURCE}@v0.4.0:58, @v0.17.0:37"),
    Known(Span((0, 0, 1)), Denial("count-without-portion", "cannot request multiple fractional devices without "
                                                           "specifying fraction portion or gpu-memory"),
          f"{VALIDATOR_SOURCE}@v0.4.0:63, @v0.17.0:42"),
    Known(Span((0, 0, 1)), Denial("memory-value", "gpu-memory annotation value must be a positive integer greater "
                                                  "than 0"),
          f"{VALIDATOR_SOURCE}@v0.4.0:126, @v0.17.0:70"),
    Known(Span((0, 0, 1)), Denial("fraction-value", "gpu-fraction annotation value must be a positive number smaller "
                                                    "than 1.0"),
          f"{VALIDATOR_SOURCE}@v0.4.0:138, @v0.17.0:82"),
    Known(Span((0, 0, 1)), Denial("fraction-notation", "gpu-fraction annotation value must be a float written with a "
                                                       "decimal point or a scientific notation .given value: "),
          f"{VALIDATOR_SOURCE}@v0.17.0:84-88 (only v0.12.23, v0.14.7, v0.16.3+)"),
    Known(Span((0, 0, 1)), Denial("count-value", "fraction count annotation value must be a positive integer greater "
                                                 "than 0"),
          f"{VALIDATOR_SOURCE}@v0.4.0:149, @v0.17.0:99"),
)
#: the first check of the gpusharing webhook plugin, before the validator (every release):
#: pkg/binder/plugins/gpusharing/gpu_sharing.go@v0.4.0:47-55; pkg/admission/webhook/v1alpha2/gpusharing/
#: gpu_sharing.go@v0.7.13:43-49, @v0.17.0:40-47
SHARING_DISABLED = "while GPU sharing is disabled"
#: the quantity-notation check exists only in these releases (patch backports)
FRACTION_NOTATION_RELEASES = (Span((0, 12, 23), (0, 13, 0)), Span((0, 14, 7), (0, 15, 0)), Span((0, 16, 3), OPEN))


def denial_in(key: str, version: Version) -> bool:
    """Whether release ``version`` has the validator text ``key``."""
    row = next(r for r in DENIALS if r.value.key == key)
    if key == "fraction-notation":
        return any(version in span for span in FRACTION_NOTATION_RELEASES)
    return version in row.span


def denial_text(key: str) -> str:
    return next(r.value.text for r in DENIALS if r.value.key == key)
