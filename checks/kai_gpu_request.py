"""kai-gpu-request: GPU requests KAI can satisfy: valid share annotations and nodes that have GPUs."""

from __future__ import annotations

from typing import List, Optional

from vcdoctor import pods as podinfo
from vcdoctor import remedy
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Severity, Status, Verdict
from vcdoctor.pods import Pod
from vcdoctor.products import kai
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.kai import compat
from vcdoctor.products.kai.gpu import GPU_FRACTION_NUM_DEVICES, MPS, go_parse_float, validate
from vcdoctor.remedy.steps import inside_vcluster
from vcdoctor.versions import show

GPU_MEMORY_LABEL = "nvidia.com/gpu.memory"
#: annotations KAI's validator reads besides gpu-fraction / gpu-memory (pkg/common/constants/constants.go@v0.17.0:56-61)
GPU_ANNOTATIONS = {GPU_FRACTION_NUM_DEVICES, MPS}

VALID = """Fix the pod inside the vCluster and recreate it. KAI accepts:
  gpu-fraction: "0.5"    # 0 < x < 1, without an nvidia.com/gpu limit
  gpu-memory: "2000"     # MiB, a positive integer, without gpu-fraction or an nvidia.com/gpu limit
                         # (from KAI v0.10.1 initContainers' limits count too)
  resources.limits."nvidia.com/gpu": 1   # whole GPUs"""


def _vcluster(pod: Pod) -> Optional[str]:
    ns, name = vcl.owner_key(pod)
    return f"{ns}/{name}" if name else None

NO_GPUS = ("No node advertises allocatable nvidia.com/gpu: the NVIDIA GPU operator or device plugin is missing "
           "or unhealthy on the host cluster.\n"
           "  kubectl get nodes -o custom-columns=NAME:.metadata.name,GPU:.status.allocatable.nvidia\\.com/gpu\n"
           "  kubectl get pods -A -l app=nvidia-device-plugin-daemonset")


def _problems(pod: Pod, release: kai.KaiRelease) -> List[str]:
    """KAI's own answer for the installed release (its validator's first error), or vcdoctor's reading of the
    annotations when the release is unknown (the newest validator's rules)."""
    version = release.effective or compat.NEWEST
    text = validate(pod, version)
    if text is None:
        return []
    who = f"KAI {release.text}" if release.known else f"KAI {show(compat.NEWEST)} (release unknown)"
    return [_plain(pod, text) + f"{who} rejects it: {text}"]


def _plain(pod: Pod, text: str) -> str:
    """vcdoctor's own words for the value KAI refuses, before KAI's verbatim text."""
    ann = podinfo.annotations(pod)
    if text.startswith("gpu-fraction annotation value must be a positive number"):
        fraction = ann.get(kai.GPU_FRACTION)
        number = go_parse_float(str(fraction))
        return f"gpu-fraction {fraction!r} is {'not a number' if number is None else 'not between 0 and 1'}: "
    if text.startswith("gpu-memory annotation value"):
        return f"gpu-memory {ann.get(kai.GPU_MEMORY)!r} is not a positive integer of MiB: "
    return ""


def run(examined_kai_pods: List[Pod], nodes: kai.Nodes, kai_settings: kai.KaiSettings,
        context: Optional[str]) -> Verdict:
    pods = [p for p in examined_kai_pods
            if kai.wants_gpu_share(p) or kai.whole_gpus(p) or GPU_ANNOTATIONS & set(podinfo.annotations(p))]
    if not pods:
        return NO_GPU_POD.verdict("no kai-scheduler pod requests a GPU",
                                  (Evidence("examined pods", "no gpu-fraction, gpu-memory or nvidia.com/gpu request"),))
    invalid = [(p, found) for p, found in ((p, _problems(p, kai_settings.release)) for p in pods) if found]
    if invalid:
        fix = remedy.fix(context, inside_vcluster(_vcluster(invalid[0][0]), tuple(
            f"{vcl.virtual_ref(p) or podinfo.ref(p)}: {', '.join(problems)}" for p, problems in invalid[:5]) + (
            "Fix the GPU request of these pods (see the accepted forms above) and recreate them.",)))
        return REJECTED.verdict(
            "; ".join(f"{podinfo.ref(p)}: {', '.join(problems)}" for p, problems in invalid[:3]),
            tuple(Evidence(f"pod {podinfo.ref(p)}", ", ".join(problems),
                           {k: podinfo.annotations(p).get(k) for k in (kai.GPU_FRACTION, kai.GPU_MEMORY)})
                  for p, problems in invalid[:10]), VALID, fix, [podinfo.ref(p) for p, _ in invalid])
    all_nodes = nodes()
    capacity = {}
    for node in all_nodes:
        value = ((node.get("status") or {}).get("allocatable") or {}).get(kai.GPU_RESOURCE)
        try:
            capacity[node["metadata"]["name"]] = int(str(value)) if value is not None else 0
        except ValueError:
            capacity[node["metadata"]["name"]] = 0
    gpu_nodes = {n: c for n, c in capacity.items() if c > 0}
    nodes_ev = Evidence("nodes", f"{len(gpu_nodes)} of {len(all_nodes)} advertise nvidia.com/gpu",
                        {"allocatable": dict(sorted(gpu_nodes.items(), key=lambda kv: -kv[1])[:10])})
    if not gpu_nodes:
        return NO_GPU_NODE.verdict(f"{len(pods)} pod(s) request GPUs but no node advertises nvidia.com/gpu",
                                   (nodes_ev,), NO_GPUS, objects=[podinfo.ref(p) for p in pods])
    biggest = max(gpu_nodes, key=gpu_nodes.__getitem__)
    too_big = [p for p in pods if kai.whole_gpus(p) > gpu_nodes[biggest]]
    if too_big:
        return TOO_BIG.verdict(
            f"{podinfo.ref(too_big[0])} asks for {kai.whole_gpus(too_big[0])} GPUs; the "
            f"biggest node, {biggest}, has {gpu_nodes[biggest]}",
            (nodes_ev,) + tuple(Evidence(f"pod {podinfo.ref(p)}", f"nvidia.com/gpu: {kai.whole_gpus(p)}")
                                for p in too_big[:10]),
            f"Request at most {gpu_nodes[biggest]} GPUs per pod, or split the work over several pods "
            f"(KAI gang-schedules the pods of one PodGroup).", objects=[podinfo.ref(p) for p in too_big])
    memory_pods = [p for p in pods if kai.GPU_MEMORY in podinfo.annotations(p)]
    labelled = [n for n in all_nodes if GPU_MEMORY_LABEL in ((n.get("metadata") or {}).get("labels") or {})]
    if memory_pods and not labelled:
        return NO_MEMORY_LABEL.verdict(f"{len(memory_pods)} pod(s) request gpu-memory but no node has the "
                                       f"{GPU_MEMORY_LABEL} label KAI needs to place them", (nodes_ev,),
                                       "Label GPU nodes with their memory (GPU feature discovery does this), e.g.\n"
                                       f"  kubectl get nodes -L {GPU_MEMORY_LABEL}",
                                       objects=[podinfo.ref(p) for p in memory_pods])
    return Verdict(Status.PASS, f"{len(pods)} GPU request(s) are valid and fit on nodes with GPUs "
                                f"(up to {gpu_nodes[biggest]} on {biggest})", (nodes_ev,))


REJECTED = Finding("VCD330", Status.FAIL, "KAI's validator rejects a request: vcdoctor's plain words, then KAI's "
                   "text verbatim",
                   "Fix the pod's GPU request (annotations and limits) inside the vCluster and recreate it.")
NO_GPU_NODE = Finding("VCD331", Status.FAIL, "no node advertises `nvidia.com/gpu`",
                      "Install the NVIDIA GPU operator (or device plugin) on the GPU nodes.")
TOO_BIG = Finding("VCD332", Status.FAIL, "a pod asks for more whole GPUs than the biggest node has (named)",
                  "Lower the pod's GPU request, or add a node with enough GPUs.")
NO_MEMORY_LABEL = Finding("VCD333", Status.WARN, "`gpu-memory` requests but no node has the `nvidia.com/gpu.memory` "
                          "label",
                          "Run GPU feature discovery (the GPU operator) so nodes carry `nvidia.com/gpu.memory`, or "
                          "request gpu-fraction instead.")
NO_GPU_POD = Finding("VCD334", Status.SKIP, "no examined pod requests a GPU",
                     "Nothing to do.")


CHECK = Check(
    id="kai-gpu-request",
    title="expected: GPU requests KAI accepts and a node can hold",
    summary=("KAI's validator of the installed release accepts the GPU requests, and a node can hold them"),
    severity=Severity.HIGH,
    run=run,
    order=33,
    after=("kai-podgroup",),
    findings=(REJECTED, NO_GPU_NODE, TOO_BIG, NO_MEMORY_LABEL, NO_GPU_POD),
    passes=("requests are valid and the biggest GPU node can hold them",),
    docs_url=f"{DOCS_BASE}#kai-gpu-request",
)
