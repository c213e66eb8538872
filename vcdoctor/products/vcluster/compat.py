"""vCluster's compatibility table: which release does what, each fact with the upstream path@tag it was read at."""

from __future__ import annotations

from vcdoctor.versions import Span

#: releases vcdoctor knows; outside them it says so instead of guessing
SUPPORTED = Span((0, 19, 0), (0, 37, 0))
#: the config lives in Secret vc-config-<name> key config.yaml (before: syncer flags)
VC_CONFIG_SECRET = Span((0, 20, 0))
