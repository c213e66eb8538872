"""Fixtures: a fake API server per test, a kubeconfig pointing at it, and a live ClusterView."""

from __future__ import annotations

import pytest
import yaml

from tests.fakeapi.server import FakeApiServer, FakeCluster, make_certificate
from vcdoctor import runner
from vcdoctor.gateway import Gateway
from vcdoctor.gateway.live import connect
from vcdoctor.scope import Target, resolve
from vcdoctor.view import ClusterView


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return make_certificate(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def api(cluster, tls_files):
    server = FakeApiServer(cluster, tls=tls_files).start()
    yield server
    server.stop()
    # Every test doubles as a read-only proof: nothing but GETs and access reviews reached the server.
    assert cluster.writes() == [], f"vcdoctor sent write requests: {cluster.writes()}"


@pytest.fixture
def kubeconfig(api, tmp_path) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(api.kubeconfig(namespace="team-a")))
    return str(path)


@pytest.fixture
def view(kubeconfig) -> ClusterView:
    transport, _ = connect(kubeconfig, None, 5)
    return ClusterView(Gateway(transport))


@pytest.fixture
def run_check(kubeconfig):
    """Evaluate one check through the runner (so API failures become honest errors); a fresh view each
    call, as each vcdoctor run starts with an empty cache."""

    def evaluate(check, **target):
        transport, _ = connect(kubeconfig, None, 5)
        view = ClusterView(Gateway(transport))
        scope = resolve(view, Target(**target))
        return runner.run_checks([check], view, scope)[0]

    return evaluate
