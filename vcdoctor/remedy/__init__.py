"""Remedies: typed steps (steps.py), bash built safe from them (script.py), one plan per run (plan.py)."""

from __future__ import annotations

from typing import Optional, Sequence

from vcdoctor.model import Fix
from vcdoctor.remedy.plan import fix


def join(fixes: Sequence[Optional[Fix]]) -> Optional[Fix]:
    """Several fixes for one cluster as one (a check that found several problems): their steps, merged."""
    present = [f for f in fixes if f is not None]
    if not present:
        return None
    return fix(present[0].context, *[step for f in present for step in f.steps])


__all__ = ("fix", "join")
