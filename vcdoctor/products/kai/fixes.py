"""Remediations for KAI installs."""

from __future__ import annotations

ENABLE_GPU_SHARING = """GPU sharing is a KAI install-time setting. Keep your other values and turn it on:
  helm get values kai-scheduler -n kai-scheduler -o yaml > kai-values.yaml
  helm upgrade kai-scheduler oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler -n kai-scheduler \\
    --values kai-values.yaml --set "global.gpuSharing=true"
Check it took effect (KAI v0.9+): kubectl get configs.kai.scheduler kai-config -o jsonpath='{.spec.admission.gpuSharing}'
Then recreate the fractional pods inside the vCluster."""


VALID_GPU_SHARE_VALUES = """Fix the annotation on the pod inside the vCluster and recreate it; KAI accepts:
  gpu-fraction: "0.5"    # a number with 0 < x < 1
  gpu-memory: "2000"     # a positive integer of MiB (never together with gpu-fraction)"""

