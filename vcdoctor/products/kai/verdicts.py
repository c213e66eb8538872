"""Verdicts several KAI checks share."""

from __future__ import annotations

from vcdoctor.model import Evidence, Finding, Status

NO_KAI_POD = Finding("VCD020", Status.SKIP, "no examined pod names KAI's scheduler (`schedulerName: kai-scheduler`)",
                     "Nothing to do unless the pods should be scheduled by KAI: then set their schedulerName (see "
                     "pod-scheduler-name).", shared=True)
#: the verdict of every check that examines kai-scheduler pods when there are none
NO_KAI_PODS = NO_KAI_POD.verdict("no kai-scheduler pod to examine",
                                 (Evidence("examined pods", "none with schedulerName kai-scheduler"),))
