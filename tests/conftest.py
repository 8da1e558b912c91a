"""Shared fixtures: the bundled store, the Flask app, and real servers started as processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ecokg.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


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
    """An ``ecokg serve`` process on a free loopback port."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, ready_timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "ecokg", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ecokg-serve-{self.port}.log"
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
def start_server():
    """Factory: ``start_server("--timeout", "1")`` starts a server and stops it at the end of the session."""
    servers: list[RunningServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> RunningServer:
        srv = RunningServer(list(args), env=env)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="session")
def server(start_server) -> RunningServer:
    """The bundled graph served by a real ``ecokg serve`` process."""
    return start_server()


@pytest.fixture(scope="session")
def bundled_store():
    from ecokg.store.embedded import EmbeddedStore

    return EmbeddedStore.bundled()


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(dist=str(tmp_path / "dist"))


@pytest.fixture()
def app(settings, bundled_store):
    from ecokg.web import create_app

    app = create_app(settings, bundled_store)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (the source pack), where it exists."""
    return SHARED if SHARED.is_dir() else None


# the real Virtuoso of the remote-store tests (session fixture ``virtuoso``; skips when it is not installed)
from virtuoso import virtuoso  # noqa: E402,F401
