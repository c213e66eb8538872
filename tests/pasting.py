"""Pasting a fix script into bash with stub helm, vcluster and kubectl that record how they were called."""

from __future__ import annotations

import pathlib
import shlex
import subprocess
from dataclasses import dataclass
from typing import Dict, List

import yaml

#: what the stub `helm get values` prints: the values a vCluster was installed with (the fix must keep them)
INSTALLED_VALUES = {"controlPlane": {"statefulSet": {"resources": {"limits": {"memory": "2Gi"}}}},
                    "experimental": {"syncSettings": {"setOwner": True}}}
STUB = """#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >> "$VCDOCTOR_CALLS"
if [ "$(basename "$0")" = helm ] && [ "$1" = get ] && [ "$2" = values ]; then
  cat "$VCDOCTOR_VALUES"
fi
"""
TOOLS = ("helm", "vcluster", "kubectl")
FLAGS = {"helm": "--kube-context", "vcluster": "--context", "kubectl": "--context"}


@dataclass
class Pasted:
    returncode: int
    stderr: str
    #: each stub call as its argument list, tool first
    calls: List[List[str]]
    #: files the script wrote, by name
    files: Dict[str, str]


def paste(script: str, workdir: pathlib.Path) -> Pasted:
    """``bash -n`` first (it must parse), then ``bash -e`` with only the stubs and coreutils on PATH."""
    workdir.mkdir(parents=True, exist_ok=True)
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    # an indented heredoc terminator is only a warning to bash, but pasted it swallows the commands after it
    assert checked.returncode == 0 and not checked.stderr, f"fix script does not parse: {checked.stderr}\n{script}"
    bin_dir = workdir / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in TOOLS:
        stub = bin_dir / tool
        stub.write_text(STUB)
        stub.chmod(0o755)
    calls = workdir / "calls"
    calls.write_text("")
    values = workdir / "installed-values.yaml"
    values.write_text(yaml.safe_dump(INSTALLED_VALUES))
    cwd = workdir / "cwd"
    cwd.mkdir(exist_ok=True)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "VCDOCTOR_CALLS": str(calls), "VCDOCTOR_VALUES": str(values),
           "HOME": str(workdir)}
    done = subprocess.run(["bash", "-e"], input=script, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=30)
    files = {p.name: p.read_text() for p in cwd.iterdir() if p.is_file()}
    return Pasted(done.returncode, done.stderr, [shlex.split(line) for line in calls.read_text().splitlines()],
                  files)


def assert_pastes(script: str, context: str, workdir: pathlib.Path) -> Pasted:
    """Runs as-is; every command names ``context``; every upgrade pins a version; every values file it writes
    is YAML; the values it fetched stay part of the upgrade."""
    pasted = paste(script, workdir)
    assert pasted.returncode == 0, f"fix script failed: {pasted.stderr}\n{script}"
    for call in pasted.calls:
        flag = FLAGS[call[0]]
        assert flag in call and call[call.index(flag) + 1] == context, f"{call} does not name context {context}"
        if call[:2] == ["vcluster", "create"]:
            assert "--chart-version" in call, f"{call} does not pin the chart version"
        if call[:2] == ["helm", "upgrade"]:
            assert "--version" in call, f"{call} does not pin the chart version"
        for i, word in enumerate(call):
            if word in ("--values", "-f"):
                assert call[i + 1] in pasted.files, f"{call} passes {call[i + 1]}, which the script did not write"
    for name, text in pasted.files.items():
        if name.endswith((".yaml", ".yml")):
            yaml.safe_load(text)
    return pasted


def merged_values(pasted: Pasted) -> dict:
    """The values `vcluster create --upgrade` / `helm upgrade` would apply: the later file wins, deeply."""
    merged: dict = {}
    for call in pasted.calls:
        if call[:2] in (["vcluster", "create"], ["helm", "upgrade"]):
            for i, word in enumerate(call):
                if word == "--values":
                    _merge(merged, yaml.safe_load(pasted.files[call[i + 1]]) or {})
    return merged


def _merge(into: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value

