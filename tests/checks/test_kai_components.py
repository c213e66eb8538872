"""kai-components: both KAI layouts, missing namespace, crash loops, restarts, 403."""

from __future__ import annotations

from vcdoctor.checks.kai_components import CHECK
from tests.fakeapi import factories as f
from vcdoctor.model import Status


def test_pass_for_operator_layout(cluster, run_check):
    cluster.add(*f.kai_install("v0.10.2"))
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert "operator layout, version v0.10.2" in result.message


def test_pass_for_pre_operator_layout(cluster, run_check):
    cluster.add(*f.kai_install("v0.6.0", legacy=True))
    assert run_check(CHECK).status is Status.PASS


def test_fail_when_not_installed(cluster, run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "KAI not installed" in result.message
    assert 'global.gpuSharing=true' in result.remediation


def test_fail_names_crashlooping_component_with_last_state(cluster, run_check):
    cluster.add(*f.kai_install(broken={"pod-grouper": {"ready": False, "waiting": "CrashLoopBackOff",
                                                       "restarts": 12, "last_exit": ("Error", 1)}}))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "pod-grouper not ready" in result.message and "CrashLoopBackOff" in result.message
    assert "last exit Error (code 1)" in result.message
    assert "app in (pod-grouper,podgrouper)" in result.remediation


def test_fail_when_component_missing(cluster, run_check):
    cluster.add(*f.kai_install(skip=("admission",)))
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "admission missing" in result.message


def test_warn_on_many_restarts(cluster, run_check):
    cluster.add(*f.kai_install(broken={"binder": {"restarts": 7}}))
    result = run_check(CHECK)
    assert result.status is Status.WARN and "binder restarted 7 times" in result.message


def test_error_when_forbidden(cluster, run_check):
    cluster.deny("list", "pods", "kai-scheduler")
    result = run_check(CHECK)
    assert result.status is Status.ERROR
    assert "kubectl auth can-i list pods -n kai-scheduler" in result.remediation
