"""Fixtures: the session's fake API server with a fresh cluster per test, a kubeconfig, a check run."""

from __future__ import annotations

import functools

import pytest
import yaml

from tests.clock import ManualClock
from tests.fakeapi.server import FakeApiServer, FakeCluster, make_certificate
from vcdoctor import deadline, registry
from vcdoctor.deadline import Deadline
from vcdoctor.engine.executor import Executor
from vcdoctor.engine.facts import FactStore, run_inputs
from vcdoctor.engine.runner import run_checks
from vcdoctor.gateway import Gateway
from vcdoctor.gateway.live import connect
from vcdoctor.products.vcluster.sides import ClusterKind
from vcdoctor.report import now as now_
from vcdoctor.target import Target

#: a run on the host cluster, as the pipeline classifies the fake API server
HOST_RUN = ClusterKind()

#: the finding-coverage judgement: records what the engine produces, fails the whole suite's session on a gap
pytest_plugins = ["tests.finding_coverage"]


@pytest.fixture(autouse=True, scope="session")
def _installed_checks_read_once():
    """The installed plugins do not change during a session: each run (about a thousand) read the entry points
    (every installed distribution's metadata, ~10 ms) and validated every check against its facts (~6 ms, twice a
    run) again. Read once here; a broken plugin still raises on every call (errors are not kept), and
    tests/test_registry.py holds the uncached functions, which it imports before this fixture runs."""
    original_eps, original_checks = registry._group_entry_points, registry.load_checks
    read = functools.lru_cache(maxsize=None)(lambda group: tuple(original_eps(group)))
    validated: dict = {}

    def load_checks(eps=None, facts=None):
        if eps is not None:
            return original_checks(eps, facts)
        # facts are module-level objects: the same ones mean the same validation (kept alive with the key)
        key = None if facts is None else tuple((name, id(fact)) for name, fact in facts.items())
        if key not in validated:
            validated[key] = (facts, original_checks(None, facts))
        return list(validated[key][1])

    registry._group_entry_points = lambda group: list(read(group))
    registry.load_checks = load_checks
    yield
    registry._group_entry_points, registry.load_checks = original_eps, original_checks


@pytest.fixture(autouse=True)
def _width_not_from_the_shell(monkeypatch):
    """Tables are laid out as on a pipe (no terminal, COLUMNS unset) unless a test sets COLUMNS: a COLUMNS=80 the
    developer's shell or pytest-xdist exports would fold header lines tests read whole."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def clock(mocker) -> ManualClock:
    """The clock of every deadline this test makes (the CLI's too): it moves only when told or slept on."""
    manual = ManualClock()
    mocker.patch.object(deadline, "SYSTEM_CLOCK", manual)
    return manual


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return make_certificate(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="session")
def session_server(tls_files):
    """One HTTPS server for the whole session (starting and stopping one per test cost ~50 ms each)."""
    server = FakeApiServer(tls=tls_files).start()
    yield server
    server.stop()


@pytest.fixture
def api(cluster, session_server):
    """The session server serving this test's fresh cluster (every fault, latency and hostile setting lives on
    the cluster, so nothing carries over) under a path of its own."""
    mounted = session_server.mount(cluster)
    yield mounted
    mounted.unmount()
    # Every test doubles as a read-only proof: nothing but GETs and access reviews reached the server.
    assert cluster.writes() == [], f"vcdoctor sent write requests: {cluster.writes()}"


@pytest.fixture
def kubeconfig(api, tmp_path) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(api.kubeconfig(namespace="team-a")))
    return str(path)


@pytest.fixture(scope="session")
def facts():
    return registry.load_facts()


@pytest.fixture
def run_check(kubeconfig, facts):
    """Evaluate one check through the engine (so API failures become honest errors); fresh facts each
    call, as each vcdoctor run starts with an empty cache. ``now`` defaults to the wall clock."""

    def evaluate(check, now=None, context="fake", **target):
        executor = Executor(Deadline(30))
        transport, _ = connect(kubeconfig, None, 5, executor.deadline)
        gateway = Gateway(transport, deadline=executor.deadline, spawn=executor.submit)
        store = FactStore(gateway, facts, run_inputs(Target(**target), now or now_(), context, HOST_RUN))
        if target.get("pod") or target.get("vcluster") or target.get("vcluster_namespace"):
            store.value("scope")  # as the pipeline does: an unknown target is a usage error, raised here
        return run_checks([check], store, executor, chained=bool(target.get("pod")))[0]

    return evaluate


@pytest.fixture
def read_fact(kubeconfig, facts):
    """One fact's value as a run computes it against the fake API server (fresh facts each call)."""

    def value(name, context="fake", **target):
        executor = Executor(Deadline(30))
        transport, _ = connect(kubeconfig, None, 5, executor.deadline)
        gateway = Gateway(transport, deadline=executor.deadline, spawn=executor.submit)
        return FactStore(gateway, facts, run_inputs(Target(**target), now_(), context, HOST_RUN)).value(name)

    return value




#: the diagnosed cluster of the remedy tests: never the kubeconfig's current context
PROD_CONTEXT = "gpu-prod"


@pytest.fixture
def prod_kubeconfig(api, tmp_path):
    """The diagnosed cluster is gpu-prod; the current context is another cluster, as on a real laptop."""
    config = api.kubeconfig(namespace="team-a", context=PROD_CONTEXT)
    config["contexts"].append({"name": "elsewhere", "context": {"cluster": "fake-cluster", "user": "fake-user"}})
    config["current-context"] = "elsewhere"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)
