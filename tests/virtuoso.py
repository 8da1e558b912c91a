"""A real Virtuoso (Debian's ``virtuoso-opensource``) on loopback, for the remote-store tests.

``virtuoso`` is a session fixture (imported by conftest.py): it writes its own
``virtuoso.ini`` in a temporary folder (free loopback ports for the SQL and
HTTP servers, the databases and ``DirsAllowed`` in that folder), runs
``virtuoso-t +foreground +configfile ...``, waits until its SPARQL endpoint
answers and stops it at the end of the session.  Skips when ``virtuoso-t`` is
not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, stop_process

INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
CheckpointInterval   = 0
DirsAllowed          = ., {d}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
; one thread a query: on two cores shared with the other test workers a second one only burns CPU (the
; cross product that its time limit stops, test_remote: one core for as long as it runs, not both -- measured
; 2.1 s of CPU in 2.25 s and 4.1 s in 4.2 s, against 4.0 s in 2.2 s and 8.1 s in 4.2 s)
ThreadsPerQuery      = 1
MaxClientConnections = 8

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {d}/www
ServerThreads        = 8
MaxClientConnections = 8
Charset              = UTF-8

[SPARQL]
; the default (10000) would silently cut large results
ResultSetMaxRows           = 1000000
MaxQueryExecutionTime      = 60
MaxQueryCostEstimationTime = 0
"""


class Virtuoso:
    """One ``virtuoso-t`` process with its own configuration and databases in ``folder``."""

    user = "dba"
    password = "dba"  # Virtuoso's default administrator of a fresh database; loopback only

    def __init__(self, folder: Path, ready_timeout: float = 120):
        self.folder = folder
        (folder / "www").mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.sparql_url = self.url + "/sparql"
        self.ini = folder / "virtuoso.ini"
        self.ini.write_text(INI.format(d=folder, sql_port=self.sql_port, http_port=self.http_port))
        self._log = open(folder / "stdout.log", "wb")
        started = time.monotonic()
        self.proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(self.ini)],
                                     cwd=folder, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = started + ready_timeout
        while not self._answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"virtuoso-t did not come up in {ready_timeout} s:\n{self.log()}")
            time.sleep(0.2)
        self.start_seconds = time.monotonic() - started

    def _answers(self) -> bool:
        url = self.sparql_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def log(self) -> str:
        self._log.flush()
        text = (self.folder / "stdout.log").read_text(errors="replace")
        err = self.folder / "virtuoso.log"
        return text + (err.read_text(errors="replace")[-4000:] if err.exists() else "")

    def select(self, query: str) -> list[dict]:
        """Rows of a SELECT asked straight to Virtuoso (JSON results as plain dicts), for checks."""
        import json

        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.sparql_url, data=data,
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)["results"]["bindings"]

    def load(self, graph: str, *files, password: str | None = None) -> subprocess.CompletedProcess:
        """The real ``ecokg load --kind virtuoso`` of ``files`` into ``graph`` (as the administrator, or with
        another ``password``), as a process."""
        return subprocess.run(
            [sys.executable, "-m", "ecokg", "load", "--kind", "virtuoso", "--into", self.url, "--graph", graph,
             "--user", self.user, "--password", self.password if password is None else password,
             *map(str, files)], capture_output=True, text=True, timeout=300)

    def stop(self) -> None:
        stop_process(self.proc, grace=30)  # virtuoso-t checkpoints and exits on SIGTERM
        self._log.close()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory) -> Virtuoso:
    """A running Virtuoso with an empty database, shared by the whole session."""
    if shutil.which("virtuoso-t") is None:
        pytest.skip("virtuoso-t is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    v = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield v
    v.stop()


BUNDLED_GRAPH = "https://w3id.org/ecokg/"  # where ``loaded_virtuoso`` holds the bundled files


@pytest.fixture(scope="session")
def loaded_virtuoso(virtuoso) -> Virtuoso:
    """Virtuoso holding the bundled files in ``BUNDLED_GRAPH``, loaded once per session with the real
    ``ecokg load`` (the remote-store tests and the example queries' parity tests read it)."""
    from ecokg import resources

    started = time.monotonic()
    done = virtuoso.load(BUNDLED_GRAPH, *resources.bundled_files())
    assert done.returncode == 0, done.stderr
    virtuoso.load_seconds = time.monotonic() - started
    print(f"\nvirtuoso: started in {virtuoso.start_seconds:.2f} s; ecokg load took {virtuoso.load_seconds:.2f} s: "
          f"{done.stdout.strip()}", file=sys.stderr)
    return virtuoso
