"""vcluster-config-applied: current, stale control plane, hand-edited Secret, pre-0.20 skip."""

from __future__ import annotations

import base64

from tests.fakeapi import factories as f
from vcdoctor.checks.vcluster_config_applied import CHECK
from vcdoctor.model import Status


def test_current_config_passes(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0"))
    assert run_check(CHECK).status is Status.PASS


def test_stale_control_plane_warns_with_rollout(cluster, run_check):
    cluster.add(*f.vcluster("vc", "ns", version="0.27.0", stale=True))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "Roll the control plane" in result.remediation
    assert result.fix.script.endswith(
        "\nkubectl rollout restart statefulset/vc --namespace ns --context fake\n"
        "kubectl rollout status statefulset/vc --namespace ns --timeout 5m --context fake\n)\n")


def test_hand_edited_secret_warns_on_020_to_027(cluster, run_check):
    objs = f.vcluster("vc", "ns", version="0.24.0")
    secret = next(o for o in objs if o["kind"] == "Secret")
    secret["data"]["config.yaml"] = base64.b64encode(b"experimental:\n  syncSettings:\n    setOwner: false\n").decode()
    cluster.add(*objs)
    result = run_check(CHECK)
    assert result.status is Status.WARN and "changed after the last helm upgrade" in result.message


def test_pre_020_is_skipped(cluster, run_check):
    cluster.add(*f.vcluster("old", "ns", version="0.19.5", with_secret=False))
    assert run_check(CHECK).status is Status.SKIP
