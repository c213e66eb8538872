"""The session's fake API server keeps each test's cluster to that test, even for requests a test leaves behind."""

from __future__ import annotations

import threading

import pytest
import yaml

from tests.fakeapi.server import FakeCluster
from vcdoctor.gateway import ApiError, Gateway
from vcdoctor.gateway.live import connect


def _gateway(mounted, tmp_path, name):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(mounted.kubeconfig()))
    transport, _ = connect(str(path), None, 30)
    return Gateway(transport)


def test_a_request_left_behind_reaches_only_its_own_cluster(session_server, tmp_path):
    earlier = session_server.mount(FakeCluster(git_version="v1.29.0", hung_paths=["^/version$"]))
    arrived = threading.Event()
    earlier.cluster.on_hang = arrived.set
    old = _gateway(earlier, tmp_path, "earlier")
    answers: list = []
    straggler = threading.Thread(target=lambda: answers.append(old.version()["gitVersion"]), daemon=True)
    straggler.start()
    assert arrived.wait(30)
    later = session_server.mount(FakeCluster())
    try:
        earlier.unmount()  # the earlier test ends: its hung request is let go, answered from its own cluster
        straggler.join(30)
        assert answers == ["v1.29.0"]
        with pytest.raises(ApiError, match="nothing is mounted at /t"):
            _gateway(earlier, tmp_path, "again").version()
        assert _gateway(later, tmp_path, "later").version()["gitVersion"] == "v1.30.2"
        assert [r.path for r in later.cluster.requests] == ["/version"]
        assert [r.status for r in earlier.cluster.requests] == [200]
    finally:
        later.unmount()
