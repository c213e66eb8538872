"""Regenerate the example snapshots in this folder from the readable scenarios in tests/fakeapi/scenarios.py.

Each scenario is served by the test suite's fake API server over HTTPS and collected with the real
`vcdoctor collect`, so the archives are exactly what a user's collect would produce. Never hand-edit them.

    python docs/examples/generate.py
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakeapi import archives, virtual  # noqa: E402
from tests.fakeapi.scenarios import SCENARIOS, VC, VC_NS  # noqa: E402
from tests.fakeapi.server import FakeApiServer, FakeCluster, make_certificate  # noqa: E402

#: Fixed time stamp so regenerated archives differ only where the checks' output differs.
EPOCH = "1795000000"


#: examples of one pod (`run --pod`): the scenario and the pod, as its owner names it inside the vCluster
POD_EXAMPLES = {"gpu-sharing-disabled-pod": ("gpu-sharing-disabled", ["-n", "team-a", "--pod", "gpu-sharing-pod"])}
#: examples run from inside a vCluster (a `vcluster connect` context) with the host's context beside it: the
#: host scenario, and the tenant's pod as its owner sees it
TENANT_EXAMPLES = {"tenant-setowner-on": ("setowner-on", "team-a", "gpu-pod")}
#: other tools' archives of a scenario, laid out as upstream writes them (tests/fakeapi/archives.py): `vcluster debug
#: collect` of its vCluster, and `kubectl support-bundle` run with the spec of `vcdoctor collect --troubleshoot-spec`
ARCHIVE_EXAMPLES = {"debug-collect-setowner-on": ("setowner-on", "debug-collect"),
                    "support-bundle-setowner-on": ("setowner-on", "support-bundle")}
#: scenarios that make no example of their own
NOT_SHIPPED = {"tenant-pod-mistakes"}


def generate(out_dir: pathlib.Path) -> None:
    examples = {name: (name, []) for name in SCENARIOS if name not in NOT_SHIPPED}
    examples.update(POD_EXAMPLES)
    with tempfile.TemporaryDirectory() as tmp:
        tls = make_certificate(tmp)
        for name, (scenario, target) in examples.items():
            server = FakeApiServer(tls=tls).start()
            try:
                SCENARIOS[scenario](server.cluster)
                kubeconfig = pathlib.Path(tmp) / f"{name}.kubeconfig"
                kubeconfig.write_text(yaml.safe_dump(server.kubeconfig(context=f"example-{name}")))
                out = out_dir / f"{name}.tar.gz"
                env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
                # examples keep their names: they are made up, and a reader follows them by name
                subprocess.run([sys.executable, "-m", "vcdoctor", "collect", "--no-redact", "--kubeconfig",
                                str(kubeconfig), "--read-helm-release", *target, "--force", "--out", str(out)],
                               check=True, env=env)
            finally:
                server.stop()
        for name, (scenario, namespace, pod) in TENANT_EXAMPLES.items():
            _tenant_example(out_dir / f"{name}.tar.gz", tls, pathlib.Path(tmp) / f"{name}.kubeconfig", scenario,
                            namespace, pod)
    for name, (scenario, kind) in ARCHIVE_EXAMPLES.items():
        cluster = SCENARIOS[scenario](FakeCluster())
        if kind == "debug-collect":
            data = archives.debug_collect(cluster, VC, VC_NS)
        else:
            spec = subprocess.run([sys.executable, "-m", "vcdoctor", "collect", "--troubleshoot-spec"], check=True,
                                  capture_output=True, text=True).stdout
            data = archives.support_bundle(cluster, spec)
        (out_dir / f"{name}.tar.gz").write_bytes(data)


def _tenant_example(out: pathlib.Path, tls, kubeconfig: pathlib.Path, scenario: str, namespace: str,
                    pod: str) -> None:
    inside = virtual.vcluster_inside(FakeCluster(), virtual.tenant_pod(pod, namespace, gpus=1, phase="Running",
                                                                       node="gpu-node-1"))
    host, tenant = FakeApiServer(tls=tls).start(), FakeApiServer(inside, tls=tls).start()
    try:
        SCENARIOS[scenario](host.cluster)
        # the context name `vcluster connect` writes names the host context: vcdoctor reads both sides
        context = f"vcluster_{VC}_{VC_NS}_example-host"
        kubeconfig.write_text(yaml.safe_dump(virtual.kubeconfig({"example-host": host, context: tenant}, context)))
        subprocess.run([sys.executable, "-m", "vcdoctor", "collect", "--no-redact", "--kubeconfig", str(kubeconfig),
                        "-n", namespace, "--pod", pod, "--force", "--out", str(out)],
                       check=True, env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    finally:
        host.stop()
        tenant.stop()


if __name__ == "__main__":
    generate(pathlib.Path(__file__).resolve().parent)
