"""Starting and stopping the servers compared: ecokg, Oxigraph server, rdflib-endpoint and Virtuoso.

Each peer is a context manager: it loads the data, starts the server on a free loopback port, waits until a
query is answered, and on exit stops the process it started (and only that one) and records its peak memory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc/*/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*") if Path(f"/proc/{p}/task").exists() else []:
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants that are still running."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """(largest VmHWM of one process, sum of VmHWM over the tree) in MiB; forked workers share pages,
    so the sum overstates what a pre-forking server really uses."""
    hwm = [_status_kb(p, "VmHWM") for p in process_tree(pid)]
    return (max(hwm, default=0) / 1024, sum(hwm) / 1024)


def run_measured(cmd: list[str], log: Path, timeout: float, env: dict | None = None) -> tuple[float, float, int]:
    """Run a command to its end: (seconds, peak RSS in MiB of it and its waited-for children, exit code)."""
    t0 = time.perf_counter()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                break
            time.sleep(0.02)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode


@dataclass
class Server:
    name: str
    cmd: list[str]
    url: str  # the SPARQL endpoint
    log: Path
    ready_url: str = ""
    env: dict = field(default_factory=dict)
    ready_timeout: float = 600
    proc: subprocess.Popen | None = None
    startup_s: float = float("nan")
    peak_rss_mb: tuple[float, float] = (0.0, 0.0)

    def start(self) -> "Server":
        self._fh = open(self.log, "wb")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, stdout=self._fh, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env}, start_new_session=True)
        probe = self.ready_url or (self.url + "?" + urlencode({"query": "ASK {}"}))
        deadline = t0 + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}:\n"
                                   + self.log.read_text(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(probe, timeout=5) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                pass
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {self.ready_timeout}s; see {self.log}")
            time.sleep(0.05)
        self.startup_s = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.peak_rss_mb = peak_memory_mb(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what we started
                self.proc.wait()
        self._fh.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def ecokg_server(data: list[Path] | None, out: Path, *, store_path: Path | None = None, workers: int = 2,
                 timeout: float = 60, extra: list[str] | None = None) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "ecokg", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--timeout", str(timeout), "--log-level", "warning", *(extra or [])]
    for d in data or []:
        cmd += ["--data", str(d)]
    if store_path:
        cmd += ["--store-path", str(store_path)]
    return Server("ecokg", cmd, f"http://127.0.0.1:{port}/sparql", out / f"ecokg-{port}.log",
                  ready_url=f"http://127.0.0.1:{port}/health")


def oxigraph_binary() -> str:
    exe = shutil.which("oxigraph")
    if not exe:
        raise RuntimeError("the `oxigraph` command is missing: pip install -e '.[bench]'")
    return exe


def oxigraph_load(data: Path, location: Path, log: Path) -> tuple[float, float]:
    """``oxigraph load`` into a fresh on-disk store: (seconds, peak MiB)."""
    shutil.rmtree(location, ignore_errors=True)
    secs, rss, rc = run_measured([oxigraph_binary(), "load", "--location", str(location), "--file", str(data)],
                                 log, timeout=1800)
    if rc != 0:
        raise RuntimeError(f"oxigraph load failed ({rc}); see {log}")
    return secs, rss


def oxigraph_server(location: Path, out: Path) -> Server:
    port = free_port()
    return Server("oxigraph", [oxigraph_binary(), "serve-read-only", "--location", str(location),
                               "--bind", f"127.0.0.1:{port}"],
                  f"http://127.0.0.1:{port}/query", out / f"oxigraph-{port}.log")


def rdflib_endpoint_server(data: Path, out: Path) -> Server:
    port = free_port()
    exe = shutil.which("rdflib-endpoint")
    if not exe:
        raise RuntimeError("the `rdflib-endpoint` command is missing: pip install -e '.[bench]'")
    return Server("rdflib-endpoint", [exe, "serve", "--host", "127.0.0.1", "--port", str(port), str(data)],
                  f"http://127.0.0.1:{port}/", out / f"rdflib-endpoint-{port}.log", ready_timeout=1800)


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
MaxClientConnections = 32
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {data_dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
MaxQueryMem = 2G
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 32
ServerThreads = 32
MaxKeepAlives = 32
KeepAliveTimeout = 10
EnabledDavVSP = 0
HTTPProxyEnabled = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
DefaultGraph = https://w3id.org/ecokg/bench
"""


class Virtuoso(Server):
    """Virtuoso open source (Debian ``virtuoso-opensource``) in a private folder, the data bulk-loaded."""

    GRAPH = "https://w3id.org/ecokg/bench"

    def __init__(self, data: Path, out: Path, buffers: int = 170000):
        exe = shutil.which("virtuoso-t")
        self.isql = shutil.which("isql-vt") or shutil.which("isql")
        if not exe or not self.isql:
            raise RuntimeError("Virtuoso is missing: apt-get install virtuoso-opensource")
        self.data = Path(data).resolve()
        self.http_port, self.isql_port = free_port(), free_port()
        self.dir = (out / f"virtuoso-{self.http_port}").resolve()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        ini = self.dir / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=self.dir, data_dir=self.data.parent, isql_port=self.isql_port,
                                           http_port=self.http_port, buffers=buffers, dirty=buffers * 3 // 4))
        super().__init__("virtuoso", [exe, "+foreground", "+configfile", str(ini)],
                         f"http://127.0.0.1:{self.http_port}/sparql", self.dir / "server.log", ready_timeout=120)
        self.load_s = float("nan")

    def start(self) -> "Virtuoso":
        super().start()
        t0 = time.perf_counter()
        script = (f"ld_dir('{self.data.parent}', '{self.data.name}', '{self.GRAPH}');\n"
                  "rdf_loader_run();\ncheckpoint;\n"
                  "SELECT COUNT(*) FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;\n")
        res = subprocess.run([self.isql, f"127.0.0.1:{self.isql_port}", "dba", "dba"], input=script.encode(),
                             capture_output=True, timeout=1800)
        if res.returncode != 0 or b"Error" in res.stdout + res.stderr:
            self.stop()
            raise RuntimeError(f"Virtuoso bulk load failed: {(res.stdout + res.stderr).decode(errors='replace')}")
        self.load_s = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)
