"""Shared fixtures: the bundled store, the Flask app, and real servers started as processes."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecokg.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# The test processes hold large graphs for a module or the whole run (the bundled graph read by pyoxigraph and by
# rdflib, JSON-LD trees, parsed pages), and every app a test makes leaves its caches to the cyclic collector (a
# Flask app is a cycle).  With CPython's default thresholds (700, 10, 10) a full collection may come every 70,000
# allocations and walk all of it again.  Collections stay on, just less often: test_build.py and
# test_pages_divisions.py alone took 50.1 s of CPU with the defaults and 42.1 s with these (measured).
gc.set_threshold(50_000, 20, 20)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL if it has not ended after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class SilentListener:
    """A socket on 127.0.0.1 that nothing may connect to: ``connections()`` counts who did."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, BlockingIOError):
                return n
            conn.close()
            n += 1

    def close(self) -> None:
        self.sock.close()


class RunningServer:
    """An ``ecokg serve`` process on a free loopback port; what it prints goes to a file in ``log_dir`` (a
    test's temporary folder, so that pytest clears old ones away)."""

    def __init__(self, args: list[str], log_dir: Path, env: dict[str, str] | None = None, ready_timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "ecokg", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.log_path = log_dir / f"ecokg-serve-{self.port}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ecokg serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except urllib.error.HTTPError as e:
                if e.code == 503:  # up, but its store is not (a remote engine that is down): ready to be tested
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise RuntimeError(f"ecokg serve did not become ready:\n{log}")
            time.sleep(0.1)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


@pytest.fixture(scope="session")
def start_server(tmp_path_factory):
    """Factory: ``start_server("--timeout", "1")`` starts a server and stops it at the end of the session."""
    servers: list[RunningServer] = []
    logs = tmp_path_factory.mktemp("serve-logs")

    def start(*args: str, env: dict[str, str] | None = None) -> RunningServer:
        srv = RunningServer(list(args), logs, env=env)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="session")
def real_server(start_server) -> RunningServer:
    """The bundled graph served by a real ``ecokg serve`` process (for what only a process can show)."""
    return start_server()


@pytest.fixture(scope="session")
def bundled_store():
    from ecokg.store.embedded import EmbeddedStore

    return EmbeddedStore.bundled()


@pytest.fixture(scope="session")
def start_site(bundled_store, tmp_path_factory):
    """Factory: ``start_site(max_rows=2, data=[path])`` makes the app for those settings in this process,
    at a URL of its own that the request helpers send through Flask's test client (``inprocess.Site``).
    Without ``data``/``store``/``store_path`` it serves the bundled graph (one store for the session)."""
    from inprocess import Site
    from ecokg.web import create_app

    sites: list[Site] = []

    def start(**settings) -> Site:
        settings.setdefault("dist", str(tmp_path_factory.mktemp("dist")))
        s = Settings(**settings)
        own = s.data or s.store or s.store_path
        app = create_app(s, None if own else bundled_store)
        app.config["TESTING"] = True
        site = Site(app)
        sites.append(site)
        return site

    yield start
    for site in sites:
        site.close()


@pytest.fixture(scope="session")
def server(start_site):
    """The bundled graph, served by the app in this process (``server.url`` works with the request helpers)."""
    return start_site()


@pytest.fixture()
def app(server):
    return server.app


@pytest.fixture()
def client(server):
    return server.client


@pytest.fixture(scope="session")
def core_files(tmp_path_factory) -> list[Path]:
    """The core of the bundled data (``core_data.py``): the Turtle files and Chongqing's division rows."""
    from core_data import write_core

    return write_core(tmp_path_factory.mktemp("core"))


@dataclass
class BundledBuild:
    out: Path  # the folder written
    cache: Path  # the cache the build had to itself (empty before it)
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory):
    """``ecokg build --out DIST`` of the bundled data (the command line, in process), once per test run: the
    first worker to ask builds it under a lock, the other (pytest-xdist) reads it.  ``.out`` is the folder,
    ``.cache`` the cache (``ECOKG_CACHE_DIR``) it started with empty; ``.returncode``, ``.stdout`` and ``.stderr``
    what the command gave.  Read it only: a test that writes into a build copies it first."""
    import fcntl
    import json

    from cli import run_ecokg

    if os.environ.get("PYTEST_XDIST_WORKER"):
        home = tmp_path_factory.getbasetemp().parent / "bundled-build"  # this run's folder, shared by its workers
        home.mkdir(exist_ok=True)
    else:
        home = tmp_path_factory.mktemp("bundled-build")
    done = home / "done.json"
    with open(home / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            r = run_ecokg("build", "--out", str(home / "dist"), env={"ECOKG_CACHE_DIR": str(home / "cache")})
            done.write_text(json.dumps(vars(r)))
    return BundledBuild(home / "dist", home / "cache", **json.loads(done.read_text()))


@pytest.fixture(scope="session")
def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (the source pack), where it exists."""
    return SHARED if SHARED.is_dir() else None


# What starts a process (a server, a browser, a triple store) or runs for seconds is ``slow``:
# ``pytest -m "not slow"`` is the quick subset; the default run runs everything.
PROCESS_FIXTURES = {"start_server", "real_server", "virtuoso", "oxigraph_server", "driver"}


# Which worker runs what (``--dist loadgroup`` in pyproject.toml): a test file is one unit, so its module
# fixtures start once; the files that use the test Virtuoso are one unit together, so that one Virtuoso is
# started and loaded per run instead of one per worker.
SHARED_PROCESS_GROUPS = {"virtuoso": {"virtuoso", "loaded_virtuoso"}}

# The longest files, longest first (measured: a full run's junit times).  The workers take the groups in this
# order and then the rest, so that the run does not end with one worker on a long file while the others have
# finished (``--no-loadscope-reorder``: pytest-xdist would otherwise put the files with the most tests first,
# which are quick ones).  Only the order depends on this list.
LONGEST_FIRST = [
    "tests/test_remote.py", "tests/test_pages_remote.py", "tests/test_queries_answers.py",  # the Virtuoso group
    "tests/test_build.py", "tests/test_hardening_attacks.py", "tests/test_bench_smoke.py", "tests/test_shacl.py",
    "tests/test_packaging.py", "tests/test_load.py", "tests/test_server_front.py", "tests/test_hardening_injection.py",
    "tests/test_fuzz_http.py", "tests/test_pages.py", "tests/test_divisions.py", "tests/test_hardening_load.py",
    "tests/test_hardening_data.py", "tests/test_sparql_limits.py", "tests/test_pages_browser.py", "tests/test_validate.py",
]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    slow = pytest.mark.slow
    group_of_module: dict[str, str] = {}
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if PROCESS_FIXTURES & used:
            item.add_marker(slow)
        for group, fixtures in SHARED_PROCESS_GROUPS.items():
            if fixtures & used:
                group_of_module[item.nodeid.split("::")[0]] = group
    missing = [path for path in LONGEST_FIRST if not (REPO / path).is_file()]
    if missing:  # (a file renamed: its place in the order would be lost without a word)
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names files that do not exist: {missing}")
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    group_rank: dict[str, int] = {}
    where: dict[int, tuple[str, int]] = {}  # id(item) -> (its group, its file's rank)
    for item in items:
        path = item.nodeid.split("::")[0]
        group = group_of_module.get(path, path)
        item.add_marker(pytest.mark.xdist_group(group))
        where[id(item)] = group, rank.get(path, len(rank))
        group_rank[group] = min(group_rank.get(group, len(rank)), where[id(item)][1])
    # (a stable sort: within a file, the tests keep their order)
    items.sort(key=lambda item: (group_rank[where[id(item)][0]], where[id(item)][1]))


def pytest_report_header(config):
    from reconcile_specs import CHECKS
    return f"reconciliation answers checked by: {CHECKS}"


# the real Virtuoso of the remote-store tests (session fixture ``virtuoso``; skips when it is not installed)
from virtuoso import loaded_virtuoso, virtuoso  # noqa: E402,F401
