"""The closed loop: stub helm, vcluster and kubectl record each call, then change the fake cluster as the real tools
would (an upgrade writes the release's values and vc-config and restarts the control plane; a KAI upgrade sets its
Config; kubectl apply/patch/rollout restart do what they say)."""

from __future__ import annotations

import base64
import copy
import json
import pathlib
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml

from tests.fakeapi import factories as f
from tests.fakeapi.server import FakeCluster
from vcdoctor.products.vcluster.fixes import deep_merge

STUB = f"""#!{sys.executable}
import json, os, sys
tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
files = {{}}
for i, word in enumerate(args[:-1]):
    if word in ("--values", "-f", "--filename") and os.path.isfile(args[i + 1]):
        files[args[i + 1]] = open(args[i + 1]).read()
with open(os.environ["SIM_CALLS"], "a") as out:
    out.write(json.dumps({{"argv": [tool] + args, "files": files}}) + "\\n")
if tool == "helm" and args[:2] == ["get", "values"]:
    key = args[args.index("--namespace") + 1] + "/" + args[2]
    releases = json.load(open(os.environ["SIM_RELEASES"]))
    if key not in releases:
        sys.exit("Error: release: not found")
    print(json.dumps(releases[key]))
"""
FLAGS = {"helm": "--kube-context", "vcluster": "--context", "kubectl": "--context"}
READ_ONLY = {("kubectl", "get"), ("kubectl", "describe"), ("kubectl", "logs"), ("kubectl", "auth"), ("kubectl", "wait"),
             ("helm", "get"), ("helm", "status"), ("helm", "list"), ("vcluster", "describe")}


@dataclass
class Call:
    argv: List[str]
    files: Dict[str, str]

    def flag(self, name: str) -> Optional[str]:
        return self.argv[self.argv.index(name) + 1] if name in self.argv else None

    def values(self) -> dict:
        merged: dict = {}
        for i, word in enumerate(self.argv[:-1]):
            if word == "--values":
                merged = deep_merge(merged, yaml.safe_load(self.files[self.argv[i + 1]]) or {})
        return merged


@dataclass
class Pasted:
    returncode: int
    stdout: str
    stderr: str
    calls: List[Call]
    #: what the script left in the directory it was pasted in
    left_behind: List[str] = field(default_factory=list)

    @property
    def changes(self) -> List[Call]:
        return [c for c in self.calls if tuple(c.argv[:2]) not in READ_ONLY
                and c.argv[1:3] != ["rollout", "status"]]


def _objects(cluster: FakeCluster, group: str, plural: str) -> List[dict]:
    return cluster.objects.setdefault((group, plural), [])


def _find(cluster: FakeCluster, group: str, plural: str, name: str, ns: Optional[str] = None) -> Optional[dict]:
    return next((o for o in _objects(cluster, group, plural) if o["metadata"]["name"] == name
                 and (ns is None or o["metadata"].get("namespace") == ns)), None)


def _workload(cluster: FakeCluster, name: str, ns: str) -> Optional[dict]:
    return _find(cluster, "apps", "statefulsets", name, ns) or _find(cluster, "apps", "deployments", name, ns)


def _syncer(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]["containers"][0]


def _legacy(workload: dict) -> bool:
    return workload["metadata"]["labels"].get("chart", "").rsplit("-", 1)[-1].startswith("0.19.")


def release_values(cluster: FakeCluster, name: str, ns: str) -> Optional[dict]:
    """The user values of a vCluster's release: what `helm get values` prints (v0.20+: vc-config's content; v0.19:
    the chart values that render its syncer args)."""
    workload = _workload(cluster, name, ns)
    if workload is None or (workload["metadata"].get("annotations") or {}).get("meta.helm.sh/release-name") != name:
        return None
    if _legacy(workload):
        values: dict = {}
        extra = []
        for arg in _syncer(workload).get("args") or []:
            if arg == "--enable-scheduler":
                values = deep_merge(values, {"sync": {"nodes": {"enableScheduler": True}}})
            elif arg == "--sync=priorityclasses":
                values = deep_merge(values, {"sync": {"priorityclasses": {"enabled": True}}})
            else:
                extra.append(arg)
        return deep_merge(values, {"syncer": {"extraArgs": extra}}) if extra else values
    secret = _find(cluster, "", "secrets", f"vc-config-{name}", ns)
    return yaml.safe_load(base64.b64decode(secret["data"]["config.yaml"])) if secret else {}


def _restart_control_plane(cluster: FakeCluster, name: str, ns: str) -> None:
    workload = _workload(cluster, name, ns)
    assert workload is not None
    template = workload["spec"]["template"]
    for pod in _objects(cluster, "", "pods"):
        labels = pod["metadata"].get("labels") or {}
        if pod["metadata"].get("namespace") == ns and labels.get("release") == name and labels.get("app") == "vcluster":
            pod["metadata"]["annotations"] = dict(template["metadata"].get("annotations") or {})
            pod["spec"]["containers"] = copy.deepcopy(template["spec"]["containers"])


def _upgrade_vcluster(cluster: FakeCluster, call: Call, name: str, ns: str) -> None:
    workload = _workload(cluster, name, ns)
    assert workload is not None, f"{call.argv}: no vCluster {ns}/{name}"
    values = call.values()
    if _legacy(workload):
        args = (["--enable-scheduler"] if (values.get("sync") or {}).get("nodes", {}).get("enableScheduler") else [])
        args += (["--sync=priorityclasses"] if (values.get("sync") or {}).get("priorityclasses", {}).get("enabled")
                 else [])
        _syncer(workload)["args"] = args + [str(a) for a in (values.get("syncer") or {}).get("extraArgs") or []]
    else:
        secret = _find(cluster, "", "secrets", f"vc-config-{name}", ns)
        assert secret is not None
        secret["data"]["config.yaml"] = base64.b64encode(yaml.safe_dump(values).encode()).decode()
        workload["spec"]["template"]["metadata"].setdefault("annotations", {})["vClusterConfigHash"] = \
            f.config_hash(secret)
    # the chart's pod template changed (config hash, or args): the StatefulSet rolls its pod
    _restart_control_plane(cluster, name, ns)


def _upgrade_kai(cluster: FakeCluster, call: Call) -> None:
    sets = [call.argv[i + 1] for i, w in enumerate(call.argv[:-1]) if w == "--set"]
    for value in sets:
        key, _, setting = value.partition("=")
        assert key == "global.gpuSharing", f"the simulator knows no KAI value {key}"
        config = _find(cluster, "kai.scheduler", "configs", "kai-config")
        if config is not None:
            config["spec"].setdefault("admission", {})["gpuSharing"] = setting == "true"
        for pod in _objects(cluster, "", "pods"):
            if (pod["metadata"].get("labels") or {}).get("app") == "binder":
                pod["spec"]["containers"][0]["args"] = [f"--gpu-sharing-enabled={setting}"]


def _install_kai(cluster: FakeCluster, call: Call) -> None:
    """The chart's CRDs and the components of the pinned release, as a fresh install runs them."""
    from tests.fakeapi import kai_releases as kr

    cluster.absent_groups -= {"kai.scheduler", "scheduling.run.ai"}
    sharing = "global.gpuSharing=true" in call.argv
    # `helm upgrade --install` of a release that exists is an upgrade to the same objects: nothing is added twice
    wanted = kr.install(call.flag("--version") or "", gpu_sharing=sharing)
    for pod in list(_objects(cluster, "", "pods")):
        group = (pod["metadata"].get("annotations") or {}).get("pod-group-name")
        if group and pod["spec"].get("schedulerName") == "kai-scheduler":
            # the new pod-grouper reconciles the pods that wait for it: each gets its PodGroup
            queue = (pod["metadata"].get("labels") or {}).get("kai.scheduler/queue", "default-queue")
            wanted.append(f.podgroup(group, pod["metadata"]["namespace"], queue))
    for obj in wanted:
        kind = cluster.kind_for(obj["apiVersion"], obj["kind"])
        if not _find(cluster, kind.group, kind.plural, obj["metadata"]["name"], obj["metadata"].get("namespace")):
            cluster.add(obj)


def apply(cluster: FakeCluster, call: Call) -> None:
    tool, verb = call.argv[0], call.argv[1]
    if (tool, verb) in READ_ONLY or call.argv[1:3] == ["rollout", "status"]:
        return
    ns = call.flag("--namespace")
    if tool == "vcluster" and call.argv[1:3] == ["create", "--upgrade"]:
        assert "--connect=false" in call.argv, f"{call.argv} would switch the user's kube context"
        _upgrade_vcluster(cluster, call, call.argv[3], ns or "")
    elif tool == "helm" and call.argv[1:4] == ["upgrade", "--install", "kai-scheduler"]:
        _install_kai(cluster, call)
    elif tool == "helm" and verb == "upgrade" and call.argv[2] == "kai-scheduler":
        _upgrade_kai(cluster, call)
    elif tool == "helm" and verb == "upgrade":
        _upgrade_vcluster(cluster, call, call.argv[2], ns or "")
    elif tool == "kubectl" and verb == "apply":
        document = yaml.safe_load(call.files[call.flag("--filename") or ""])
        for item in document.get("items") or [document]:
            assert item["kind"] == "Queue", f"the simulator applies only Queues, not {item['kind']}"
            existing = _find(cluster, "scheduling.run.ai", "queues", item["metadata"]["name"])
            if existing is None:
                cluster.add(f.queue(item["metadata"]["name"], item["spec"].get("parentQueue")))
    elif tool == "kubectl" and verb == "patch":
        queue = _find(cluster, "scheduling.run.ai", "queues", call.argv[2].split("/", 1)[1])
        assert queue is not None and call.flag("--type") == "merge"
        queue["spec"] = deep_merge(queue["spec"], json.loads(call.flag("--patch") or "{}")["spec"])
    elif tool == "kubectl" and call.argv[1:4] == ["rollout", "restart", "deployment"]:
        pass  # every Deployment of a namespace (KAI's components): their pods come back as they were
    elif tool == "kubectl" and call.argv[1:3] == ["rollout", "restart"]:
        kind, name = call.argv[3].split("/", 1)
        if kind in ("statefulset", "deployment") and _workload(cluster, name, ns or ""):
            _restart_control_plane(cluster, name, ns or "")
    else:
        raise AssertionError(f"the simulator does not know {call.argv}")


def paste(script: str, cluster: FakeCluster, workdir: pathlib.Path, context: str) -> Pasted:
    """``bash -n`` (it must parse), then bash with only the stubs, python3 and coreutils on PATH, in an empty
    directory; then every call, which must name ``context``, changes the cluster, in order."""
    names = {(o["metadata"].get("namespace"), o["metadata"]["name"])
             for o in _objects(cluster, "apps", "statefulsets") + _objects(cluster, "apps", "deployments")}
    found = {f"{ns}/{name}": release_values(cluster, name, ns) for ns, name in names}
    kai = _find(cluster, "kai.scheduler", "configs", "kai-config")
    found["kai-scheduler/kai-scheduler"] = {"global": {"gpuSharing": bool(kai and kai["spec"].get("admission", {})
                                                                          .get("gpuSharing"))}}
    pasted = run_stubbed(script, workdir, {k: v for k, v in found.items() if v is not None})
    for call in pasted.calls:
        flag = FLAGS[call.argv[0]]
        assert call.flag(flag) == context, f"{call.argv} does not name context {context}"
        apply(cluster, call)
    return pasted


def run_stubbed(script: str, workdir: pathlib.Path, releases: Dict[str, dict]) -> Pasted:
    """Run ``script`` in bash with the recording stubs; ``releases`` are what `helm get values` answers."""
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    assert checked.returncode == 0 and not checked.stderr, f"script does not parse: {checked.stderr}\n{script}"
    bin_dir = workdir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in FLAGS:
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    if not (bin_dir / "python3").exists():
        (bin_dir / "python3").symlink_to(sys.executable)
    calls, stored = workdir / "calls.jsonl", workdir / "releases.json"
    calls.write_text("")
    stored.write_text(json.dumps(releases))
    cwd = workdir / "cwd"
    cwd.mkdir(exist_ok=True)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "SIM_CALLS": str(calls), "SIM_RELEASES": str(stored),
           "HOME": str(workdir), "TMPDIR": str(workdir)}
    done = subprocess.run(["bash"], input=script, capture_output=True, text=True, cwd=cwd, env=env, timeout=60)
    recorded = [Call(**json.loads(line)) for line in calls.read_text().splitlines()]
    left = [p.name for p in cwd.iterdir()] + [p.name for p in workdir.iterdir() if p.name.startswith("tmp.")]
    return Pasted(done.returncode, done.stdout, done.stderr, recorded, left)
