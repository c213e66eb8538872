"""Verdicts several KAI checks share."""

from __future__ import annotations

from vcdoctor.model import Evidence, Status, Verdict

#: the verdict of every check that examines kai-scheduler pods when there are none
NO_KAI_PODS = Verdict(Status.SKIP, "no kai-scheduler pod to examine",
                      (Evidence("examined pods", "none with schedulerName kai-scheduler"),))
