"""What the pipeline asks of where a run is and of the target it resolved, whichever product answers it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Protocol, Tuple

from vcdoctor.engine.facts import HOST
from vcdoctor.target import Target


class ResolvedTarget(Protocol):
    """The value of the fact a product resolves the run's target with (contributions.TargetFacts.resolved)."""

    def to_dict(self) -> Dict[str, Any]:
        """The report's target section."""
        ...

    def only_virtual_cluster(self) -> Optional[Tuple[str, str]]:
        """(name, namespace) of the one virtual cluster the target resolved to; None for none or several."""
        ...

    def empty_selection(self) -> str:
        """The usage error for a label selector that matches no pod, naming where it looked."""
        ...


class RunKind(Protocol):
    """A host cluster, or a virtual cluster a product recognised (contributions.RunKinds)."""

    @property
    def virtual(self) -> bool: ...

    @property
    def host_context(self) -> Optional[str]:
        """The host cluster's context of a virtual one, when known."""
        ...

    def variants(self, host_reachable: bool) -> Tuple[str, ...]:
        """The fact variants a run of this kind uses (registry.FactTable.for_run)."""
        ...

    def to_report(self, resolved: Optional[ResolvedTarget] = None) -> Dict[str, Any]:
        """The report's cluster kind, once the target is ``resolved`` if it was."""
        ...

    def access_hint(self) -> str:
        """How to give a run inside a virtual cluster its host cluster (shown in every skip for lack of it)."""
        ...

    def platform_ticket(self, target: Target) -> Optional[Dict[str, Any]]:
        """What the platform team needs to run vcdoctor on the host for this run (None on a host cluster)."""
        ...


@dataclass(frozen=True)
class HostRun:
    """The kind of a run no product claims: a host cluster, examined directly."""

    @property
    def virtual(self) -> bool:
        return False

    @property
    def host_context(self) -> Optional[str]:
        return None

    def variants(self, host_reachable: bool) -> Tuple[str, ...]:
        return ()

    def to_report(self, resolved: Optional[ResolvedTarget] = None) -> Dict[str, Any]:
        return {"kind": HOST}

    def access_hint(self) -> str:
        return ""

    def platform_ticket(self, target: Target) -> Optional[Dict[str, Any]]:
        return None
