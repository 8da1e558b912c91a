"""Where queries run, so that a query past its time limit can really be stopped.

pyoxigraph evaluates a query in native code that Python can neither time out
nor interrupt.  ``ProcessExecutor`` therefore runs queries in a dedicated child
process of the serving process, forked after the store is loaded (so the
in-memory graph is shared copy-on-write; an on-disk store is reopened
read-only in the child).  The child streams the serialised results back over
a pipe.  When the time limit passes, the parent SIGKILLs the child (its CPU is
freed at once), forks a fresh one and reports ``QueryTimeout``; other server
processes are not affected.  The child also leaves the network (a private,
empty network namespace where the kernel allows it), a second wall behind the
parser-based refusal of SERVICE.

``DirectExecutor`` runs queries in-process: for a remote store, whose time
limit is its HTTP timeout, and for the command line.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from multiprocessing.connection import Connection, Pipe
from typing import Callable, Iterator

from ecokg.sparql.evaluate import Job, evaluate
from ecokg.store.base import Store, StoreError

log = logging.getLogger("ecokg.sparql")

CHUNK = 64 * 1024  # bytes gathered in the child before they are sent


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""

    def __init__(self, timeout: float):
        super().__init__(
            f"the query ran longer than the time limit of {timeout:g} s and was stopped; "
            "make it more selective (add patterns, LIMIT) or run it on your own copy of the data "
            "(`ecokg serve --data FILE --timeout N`)")
        self.timeout = timeout


class QueryTooLarge(QueryTimeout):
    """The query needed more memory than the limit and was stopped (answered like a timeout: 503)."""

    def __init__(self, limit_mib: int):
        Exception.__init__(
            self, f"the query needed more than the memory limit of {limit_mib} MiB and was stopped; "
            "make it more selective (add patterns, LIMIT) or run it on your own copy of the data "
            "(`ecokg serve --data FILE --max-memory N`)")
        self.timeout = None
        self.limit = limit_mib


class QueryFailed(Exception):
    """The engine refused or failed the query.  ``syntax``: a malformed query; ``client``: a query the engine
    cannot evaluate (both HTTP 400); neither: the engine failed (HTTP 500)."""

    def __init__(self, message: str, *, syntax: bool, client: bool = False):
        super().__init__(message)
        self.syntax = syntax
        self.client = client or syntax


class Results:
    """An answer being produced: ``truncated`` is known before the first byte; ``chunks`` streams the rest.

    ``body`` is the whole answer when it was complete by the time it started (small results): it can
    then be sent in one piece with a Content-Length; larger results stream.
    """

    def __init__(self, truncated: bool, chunks: Iterator[bytes], body: bytes | None = None):
        self.truncated = truncated
        self.chunks = chunks
        self.body = body

    @classmethod
    def whole(cls, truncated: bool, body: bytes) -> "Results":
        return cls(truncated, iter((body,)), body)

    def read_all(self) -> bytes:
        return b"".join(self.chunks)


class Executor(ABC):
    @abstractmethod
    def run(self, job: Job) -> Results:
        """Start ``job``; returns once its first bytes (or its end) are ready.

        Raises ``QueryTimeout``, ``QueryFailed`` or ``StoreError`` before any byte.
        An error after streaming began ends the stream early with an exception.
        """

    def close(self) -> None:
        pass


def _failure(e: BaseException) -> Exception:
    if isinstance(e, SyntaxError):
        return QueryFailed(str(e.msg if getattr(e, "msg", None) else e), syntax=True)
    if isinstance(e, StoreError):
        return e
    if isinstance(e, OSError):  # the engine could not read its store
        return QueryFailed(f"{type(e).__name__}: {e}", syntax=False)
    # anything else the engine raises is about this query (e.g. an unsupported function): the client's to fix
    return QueryFailed(str(e), syntax=False, client=True)


# ---------------------------------------------------------------- in-process


class DirectExecutor(Executor):
    """Runs queries in this process; a serialiser thread feeds a bounded queue, so results stream."""

    def __init__(self, store: Store):
        self.store = store

    def run(self, job: Job) -> Results:
        q: queue.Queue = queue.Queue(maxsize=16)
        started = threading.Event()
        state: dict = {}

        class _Sink:
            buf = bytearray()

            def start(self, truncated: bool) -> None:
                state["truncated"] = truncated

            def write(self, data: bytes) -> int:
                self.buf += data
                if len(self.buf) >= CHUNK:
                    flush()
                return len(data)

            def flush(self) -> None:
                pass

        sink = _Sink()

        def flush():
            if sink.buf:
                q.put(("data", bytes(sink.buf)))
                sink.buf.clear()
            started.set()

        def work():
            try:
                evaluate(self.store, job, sink)
                flush()
                q.put(("end", None))
            except BaseException as e:  # noqa: BLE001 - handed to the reader
                q.put(("error", e))
            finally:
                started.set()

        threading.Thread(target=work, daemon=True, name="ecokg-query").start()
        first = q.get()
        if first[0] == "error":
            raise _failure(first[1])
        if first[0] == "end":
            return Results.whole(state.get("truncated", False), b"")
        if len(first[1]) < CHUNK:  # flushed at the end only: the answer is complete
            end = q.get()
            if end[0] == "error":
                raise _failure(end[1])
            return Results.whole(state.get("truncated", False), first[1])

        def chunks() -> Iterator[bytes]:
            item = first
            while True:
                kind, value = item
                if kind == "data":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise _failure(value)
                item = q.get()

        return Results(state.get("truncated", False), chunks())


# ---------------------------------------------------------------- child process

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _isolate() -> None:
    """Die with the parent, ignore the server's signals, and leave the network where possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(PR_SET_NAME, b"ecokg-query")  # how `ps -o comm` and /proc/PID/comm show it
        if libc.unshare(CLONE_NEWNET) != 0:
            libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGWINCH, signal.SIGCHLD, signal.SIGABRT):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


MEMORY_EXIT = 86  # the exit status of a query process that ran out of its memory limit in Python code


def _limit_memory(mib: int | None) -> None:
    """Cap the query process's data segment (heap and anonymous mappings, where the engine's allocations go)
    at what it holds now plus ``mib`` MiB.  An engine allocation past it aborts the process; the parent
    reports the query as too large (``QueryTooLarge``) and starts a fresh process."""
    if not mib:
        return
    try:
        import resource

        with open("/proc/self/status") as f:
            held_kib = next(int(line.split()[1]) for line in f if line.startswith("VmData:"))
        limit = (held_kib + mib * 1024) * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (OSError, ValueError, StopIteration, ImportError):  # pragma: no cover - not Linux
        pass


class _PipeSink:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.buf = bytearray()
        self.truncated = False
        self.started = False

    def start(self, truncated: bool) -> None:
        self.truncated = truncated

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.send()
        return len(data)

    def flush(self) -> None:
        pass

    def send(self, last: bool = False) -> None:
        """One message per chunk: ("chunk", data, truncated, last); a small answer is a single message."""
        self.conn.send(("chunk", bytes(self.buf), self.truncated, last))
        self.buf.clear()


def _child_main(conn: Connection, open_store: Callable[[], Store], parent: int, max_memory: int | None = None) -> None:
    _isolate()
    if os.getppid() != parent:  # the parent died before prctl took effect
        return
    store = open_store()
    _limit_memory(max_memory)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        sink = _PipeSink(conn)
        try:
            evaluate(store, job, sink)
            sink.send(last=True)
        except MemoryError:  # past the memory limit in Python code: this process is spent
            os._exit(MEMORY_EXIT)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            err = _failure(e)
            conn.send(("error", (type(err).__name__, str(err), getattr(err, "syntax", False),
                                 getattr(err, "client", False))))


class ProcessExecutor(Executor):
    """Queries run in one child process per serving process; see the module docstring."""

    def __init__(self, open_store: Callable[[], Store], timeout: float, max_memory: int | None = None):
        self._open_store = open_store
        self.timeout = timeout
        self.max_memory = max_memory  # MiB a query may allocate in the child; None: no limit
        self._pid: int | None = None
        self._conn: Connection | None = None
        self._owner: int | None = None

    # -- child management
    @property
    def child_pid(self) -> int | None:
        return self._pid if self._owner == os.getpid() else None

    def _spawn(self) -> None:
        parent_conn, child_conn = Pipe(duplex=True)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                parent_conn.close()
                _child_main(child_conn, self._open_store, parent, self.max_memory)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        child_conn.close()
        self._pid, self._conn, self._owner = pid, parent_conn, parent

    def _ensure(self) -> Connection:
        if self._owner != os.getpid() or self._conn is None:
            self._pid = self._conn = None  # inherited from another process: not ours to use
            self._spawn()
        return self._conn

    def _kill(self) -> None:
        if self._owner == os.getpid():
            if self._pid:
                try:
                    os.kill(self._pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    os.waitpid(self._pid, 0)
                except ChildProcessError:
                    pass
            if self._conn is not None:
                self._conn.close()
        self._pid = self._conn = None

    def restart(self) -> None:
        self._kill()
        self._spawn()

    def close(self) -> None:
        self._kill()

    # -- running
    def _receive(self, conn: Connection, budget: list[float]):
        start = time.monotonic()
        ready = conn.poll(max(0.0, budget[0]))
        budget[0] -= time.monotonic() - start
        if not ready:
            raise QueryTimeout(self.timeout)
        try:
            return conn.recv()
        except (EOFError, OSError) as e:
            if self._ran_out_of_memory():
                log.warning("query stopped: it needed more than %s MiB", self.max_memory)
                raise QueryTooLarge(self.max_memory) from None
            raise StoreError(f"the query process ended unexpectedly ({e or 'no answer'})") from None

    def _ran_out_of_memory(self) -> bool:
        """Whether the query process (which ended) died of its memory limit: the engine aborts on a failed
        allocation (SIGABRT), Python code exits with MEMORY_EXIT."""
        if not self.max_memory or not self._pid or self._owner != os.getpid():
            return False
        try:
            pid, status = os.waitpid(self._pid, 0)
        except ChildProcessError:
            return False
        self._pid = None  # reaped: nothing left to kill
        if os.WIFSIGNALED(status):
            return os.WTERMSIG(status) == signal.SIGABRT
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == MEMORY_EXIT

    def run(self, job: Job) -> Results:
        conn = self._ensure()
        budget = [self.timeout]  # seconds the child may still spend computing
        try:
            conn.send(job)
            first = self._receive(conn, budget)
        except QueryTimeout:
            log.warning("query stopped after %.3g s: killing query process %s", self.timeout, self._pid)
            self.restart()
            raise
        except BaseException:
            self.restart()
            raise
        if first[0] == "error":
            name, message, syntax, client = first[1]
            if name in ("StoreError", "BackendUnavailable", "BackendTimeout"):
                raise StoreError(message)
            raise QueryFailed(message, syntax=syntax, client=client)
        _, data, truncated, last = first
        if last:
            return Results.whole(truncated, data)

        def chunks() -> Iterator[bytes]:
            done = False
            try:
                yield data
                while True:
                    msg = self._receive(conn, budget)
                    if msg[0] == "error":
                        raise QueryFailed(msg[1][1], syntax=msg[1][2], client=msg[1][3])
                    _, more, _, last = msg
                    if more:
                        yield more
                    if last:
                        done = True
                        return
            finally:
                if not done:  # timed out, failed or abandoned by the client: stop the work
                    self.restart()

        return Results(truncated, chunks())
