"""vcdoctor: diagnose vCluster workloads scheduled by the NVIDIA KAI scheduler."""

__version__ = "1.0.0"
