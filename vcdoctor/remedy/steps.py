"""What a fix does, as typed steps: steps with one key merge into one, and each phase runs after the one before."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import ClassVar, Optional, Tuple

from vcdoctor.remedy.script import Script


class Phase(enum.IntEnum):
    """When a step runs in a plan: look first, change, restart what must pick the change up, then the manual rest."""

    INSPECT = 1
    CHANGE = 2
    RESTART = 3
    MANUAL = 4


Command = Tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One thing a remedy does. Subclasses say what they change; ``cures`` says whether the step alone makes the
    check that asked for it pass (False: it is needed, but something else must follow)."""

    why: Tuple[str, ...] = ()
    cures: bool = True
    #: what the step does, for a report's readers (a stable word per subclass)
    kind: ClassVar[str] = "step"

    @property
    def key(self) -> Tuple[str, ...]:
        raise NotImplementedError

    phase = Phase.CHANGE

    @property
    def manual(self) -> bool:
        """A person carries it out (inside a vCluster, in a GitOps repository): the script shows it as comments."""
        return False

    def target(self) -> str:
        raise NotImplementedError

    def disruption(self) -> str:
        return "none"

    def merge(self, other: "Step") -> "Step":
        """This step and ``other`` (same key) as one; the default keeps both reasons."""
        return replace(self, why=union(self.why, other.why))

    def emit(self, script: Script) -> None:
        raise NotImplementedError

    def explain(self, script: Script) -> None:
        for line in self.why:
            script.comment(line)


def union(a: Tuple, b: Tuple) -> Tuple:
    return tuple(dict.fromkeys(a + b))


@dataclass(frozen=True)
class Inspect(Step):
    """Read-only commands whose output tells the cause; a non-zero exit is an answer, not a stop."""

    commands: Tuple[Command, ...] = ()
    cures: bool = False
    phase = Phase.INSPECT
    kind: ClassVar[str] = "inspect"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("inspect",)

    def target(self) -> str:
        return "nothing (read-only commands)"

    def merge(self, other: Step) -> Step:
        assert isinstance(other, Inspect)
        return replace(self, why=union(self.why, other.why), commands=union(self.commands, other.commands))

    def emit(self, script: Script) -> None:
        self.explain(script)
        for command in self.commands:
            script.run(*command, may_fail=True)


@dataclass(frozen=True)
class Rollout(Step):
    """Recreate a workload's pods so they read what changed, and wait for them."""

    workload: str = "deployment"
    name: str = ""
    namespace: str = ""
    phase = Phase.RESTART
    kind: ClassVar[str] = "rollout"

    @property
    def key(self) -> Tuple[str, ...]:
        return ("rollout", self.workload, self.namespace, self.name)

    def target(self) -> str:
        return f"{self.workload} {self.namespace}/{self.name}"

    def disruption(self) -> str:
        return f"the pods of {self.workload} {self.namespace}/{self.name} are recreated, one at a time"

    def emit(self, script: Script) -> None:
        self.explain(script)
        ref = f"{self.workload}/{self.name}"
        script.run("kubectl", "rollout", "restart", ref, "--namespace", self.namespace, what=f"{self.workload} name")
        script.run("kubectl", "rollout", "status", ref, "--namespace", self.namespace, "--timeout", "5m",
                   what=f"{self.workload} name")


@dataclass(frozen=True)
class Manual(Step):
    """What only a person can do (inside a vCluster, on a node, once a cause is known): comments, never run.
    ``later`` are commands to run by hand, shown quoted."""

    where: str = ""
    lines: Tuple[str, ...] = ()
    later: Tuple[Command, ...] = ()
    cures: bool = False
    phase = Phase.MANUAL
    kind: ClassVar[str] = "by-hand"

    @property
    def manual(self) -> bool:
        return True

    @property
    def key(self) -> Tuple[str, ...]:
        return ("manual", self.where)

    def target(self) -> str:
        return self.where

    def merge(self, other: Step) -> Step:
        assert isinstance(other, Manual)
        return replace(self, why=union(self.why, other.why), lines=union(self.lines, other.lines),
                       later=union(self.later, other.later))

    def emit(self, script: Script) -> None:
        self.explain(script)
        script.comment(f"By hand, {self.where}:")
        for line in self.lines:
            script.comment(f"  {line}")
        for command in self.later:
            script.show(*command)


def inside_vcluster(vcluster: Optional[str], lines: Tuple[str, ...], why: Tuple[str, ...] = (),
                    cures: bool = False) -> Manual:
    """Steps on the virtual objects: vcdoctor cannot know the vCluster's own kube context."""
    where = f"inside vCluster {vcluster}" if vcluster else "inside the vCluster"
    if vcluster and "/" in vcluster:
        ns, name = vcluster.split("/", 1)
        where += f" (vcluster connect {name} -n {ns}), not the host cluster"
    return Manual(why=why, where=where, lines=lines, cures=cures)
