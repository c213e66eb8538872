"""Benchmark a full `vcdoctor run --output json` on generated host clusters served by the fake API server.

Prints, per cluster size (median of --repeat runs after one discarded warm-up): wall time, peak RSS, API requests,
bytes received, with and without injected per-request latency; `vcdoctor --help` start-up; and, where kubectl is on
PATH, the guide's manual steps against the same server and their ratio to vcdoctor. Figures only: nothing here asserts
a time.

    python benchmarks/bench.py                      # 1k, 10k and 50k pods, 0 and 20 ms latency
    python benchmarks/bench.py --pods 10000 --latency 0.02
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeapi import factories as f  # noqa: E402
from tests.fakeapi.scenarios import PODGROUPER, QUIET_LOG, VC, VC_NS  # noqa: E402
from tests.fakeapi.server import FakeApiServer, FakeCluster, make_certificate  # noqa: E402

VIRTUAL_NAMESPACES = 100


def build_cluster(pods: int) -> FakeCluster:
    """One vCluster with ``pods`` synced pods (and their PodGroups) over 100 virtual namespaces and queues,
    50 GPU nodes, a full KAI install with sharing."""
    cluster = FakeCluster()
    cluster.add(*f.vcluster(VC, VC_NS, set_owner=False))
    for i in range(pods):
        ns = f"team-{i % VIRTUAL_NAMESPACES}"
        annotations = {"gpu-fraction": "0.5"} if i % 10 == 0 else None
        pod = f.synced_pod(f"job-{i}", ns, VC, VC_NS, labels={"kai.scheduler/queue": ns, "app": "train"},
                           annotations=annotations, node=f"gpu-node-{i % 50}")
        cluster.add(pod, f.podgroup(pod["metadata"]["annotations"]["pod-group-name"], VC_NS, ns))
    cluster.add(*f.kai_install())
    cluster.add(*[f.queue(f"team-{n}", "default-parent-queue") for n in range(VIRTUAL_NAMESPACES)])
    cluster.add(*[f.node(f"gpu-node-{n}", gpus=8) for n in range(50)])
    cluster.add(f.namespace("kai-resource-reservation"),
                *[f.pod(f"gpu-reservation-gpu-node-{n}-x7k2p", "kai-resource-reservation",
                        labels={"app": "kai-resource-reservation"}, node=f"gpu-node-{n}") for n in range(50)])
    log = QUIET_LOG + (f.console_line("DEBUG", "Reconciling pod", {"controller": "pod"}) + "\n") * 4000
    cluster.set_log("kai-scheduler", PODGROUPER, "pod-grouper", log)
    cluster.set_log(VC_NS, f"{VC}-0", "syncer", f.console_line("INFO", "Synced pod", {"n": 1}) * 2000)
    cluster.frozen = True
    return cluster


#: runs the command and writes its wall time and peak RSS to the file named first. Linux carries the high-water mark
#: of the address space a child starts from across exec, and a child spawned here starts from this process's, which
#: serves the fake cluster (300 MB at 50,000 pods): measured from a small process, the figure is vcdoctor's alone.
_MEASURE = """import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - started
report = open(sys.argv[1], "w")
report.write(f"{wall} {usage.ru_maxrss}")
report.close()
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed(cmd):
    """(completed process, wall seconds, peak RSS in MB of that child alone), both measured by a small parent."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as measured:
        child = subprocess.Popen([sys.executable, "-c", _MEASURE, measured.name, *cmd], stdout=out, stderr=err)
        child.wait()
        wall, rss_kb = measured.read().split()
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(cmd, child.returncode, out.read(), err.read())
    return done, float(wall), int(rss_kb) / 1024


def bench_run(server: FakeApiServer, kubeconfig: str, latency: float):
    cluster = server.cluster
    cluster.latency = latency
    cluster.requests.clear()
    cluster.bytes_sent = 0
    done, wall, rss = timed([sys.executable, "-m", "vcdoctor", "run", "--kubeconfig", kubeconfig, "-o", "json"])
    report = json.loads(done.stdout)
    reads = [q for q in cluster.requests if q.method == "GET"]
    logs = [q for q in reads if q.path.endswith("/log")]
    return {"wall_s": wall, "peak_rss_mb": rss, "get_requests": len(reads), "log_reads": len(logs),
            "access_reviews": len(cluster.requests) - len(reads), "bytes_received": cluster.bytes_sent,
            "statuses": sorted({c["status"] for c in report["checks"]})}


def bench_kubectl(kubeconfig: str, latency: float, server: FakeApiServer):
    server.cluster.latency = latency
    steps = [
        ["get", "secret", f"vc-config-{VC}", "-n", VC_NS, "-o", "jsonpath={.data.config\\.yaml}"],
        ["get", "pods", "-n", VC_NS, "-o", "json"],
        ["get", "pods", "-n", "kai-scheduler", "-o", "json"],
        ["get", "pods", "-n", "kai-resource-reservation", "-o", "json"],
        ["logs", "-n", "kai-scheduler", "-l", "app=pod-grouper", "--tail=5000"],
    ]
    started = time.perf_counter()
    for step in steps:
        subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *step], capture_output=True, check=True)
    return time.perf_counter() - started


def help_startup():
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vcdoctor", "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - started)
    return min(runs), sorted(runs)[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.02])
    parser.add_argument("--no-kubectl", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is printed")
    args = parser.parse_args()
    best, median = help_startup()
    print(f"vcdoctor --help: best {best:.3f} s, median {median:.3f} s (python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory() as tmp:
        tls = make_certificate(tmp, "rsa")  # as the figures in docs/performance.md were measured
        for pods in sorted(args.pods):
            server = FakeApiServer(build_cluster(pods), tls=tls).start()
            kubeconfig = pathlib.Path(tmp) / "kubeconfig"
            kubeconfig.write_text(yaml.safe_dump(server.kubeconfig()))
            bench_run(server, str(kubeconfig), 0)  # discarded: the fake server encodes each object once
            for latency in args.latency:
                runs = sorted((bench_run(server, str(kubeconfig), latency) for _ in range(args.repeat)),
                              key=lambda r: r["wall_s"])
                row = runs[len(runs) // 2]  # the median run
                line = (f"pods={pods:>6} latency={latency * 1000:>3.0f}ms  wall={row['wall_s']:.2f} s "
                        f"(best {runs[0]['wall_s']:.2f})  "
                        f"peak_rss={row['peak_rss_mb']:.0f} MB  GET={row['get_requests']} "
                        f"(logs {row['log_reads']})  reviews={row['access_reviews']}  "
                        f"received={row['bytes_received'] / 1e6:.1f} MB  statuses={','.join(row['statuses'])}")
                if shutil.which("kubectl") and not args.no_kubectl:
                    manual = bench_kubectl(str(kubeconfig), latency, server)
                    line += f"  kubectl_steps={manual:.2f} s  ratio={manual / row['wall_s']:.1f}x"
                print(line, flush=True)
            server.stop()


if __name__ == "__main__":
    main()
