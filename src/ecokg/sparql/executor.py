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
limit is its HTTP timeout.

Threads: a ``ProcessExecutor`` runs one query at a time (a lock, held until the
answer has been read or abandoned); a ``DirectExecutor`` runs each query on its
own thread.  Parent and query process talk in typed messages: ``Job`` one way,
``Piece`` and ``Failure`` the other.
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
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from typing import Callable, Iterator

from ecokg.errors import EcokgError, Kind
from ecokg.sparql.evaluate import ChunkBuffer, Head, Job, QueryFailed, as_error, evaluate
from ecokg.store.base import Store, StoreError

log = logging.getLogger("ecokg.sparql")

class QueryTimeout(EcokgError):
    """The query ran past its time limit and was stopped."""

    kind = Kind.QUERY_STOPPED

    def __init__(self, timeout: float):
        super().__init__(
            f"the query ran longer than the time limit of {timeout:g} s and was stopped; "
            "make it more selective (add patterns, LIMIT) or run it on your own copy of the data "
            "(`ecokg serve --data FILE --timeout N`)")
        self.timeout = timeout


class QueryTooLarge(EcokgError):
    """The query needed more memory than the limit and was stopped (answered like a timeout: 503)."""

    kind = Kind.QUERY_STOPPED

    def __init__(self, limit_mib: int):
        super().__init__(
            f"the query needed more than the memory limit of {limit_mib} MiB and was stopped; "
            "make it more selective (add patterns, LIMIT) or run it on your own copy of the data "
            "(`ecokg serve --data FILE --max-memory N`)")
        self.limit = limit_mib


# -- the messages a query process sends (plain data: pickled over the pipe)

@dataclass(frozen=True)
class Piece:
    """Part of an answer: ``head`` on the first piece only; ``last`` on the final one."""

    head: Head | None
    data: bytes
    last: bool


@dataclass(frozen=True)
class Failure:
    """The query was refused or failed before its first byte, or while streaming."""

    kind: Kind
    message: str

    def error(self) -> EcokgError:
        if self.kind in (Kind.STORE_UNAVAILABLE, Kind.STORE_TIMEOUT):
            return StoreError(self.message, kind=self.kind)
        return QueryFailed(self.message, kind=self.kind)

    @classmethod
    def of(cls, e: BaseException) -> "Failure":
        err = as_error(e)
        return cls(err.kind, err.message)


class Results:
    """An answer being produced: ``head`` (form, format, truncated) is known before the first byte;
    ``chunks`` streams the bytes.  ``body`` is the whole answer when it was complete by the time it
    started (small answers): it can then be sent in one piece with a Content-Length; larger ones stream.
    """

    def __init__(self, head: Head, chunks: Iterator[bytes], body: bytes | None = None):
        self.head = head
        self.chunks = chunks
        self.body = body

    @property
    def truncated(self) -> bool:
        return self.head.truncated

    @classmethod
    def whole(cls, head: Head, body: bytes) -> "Results":
        return cls(head, iter((body,)), body)

    def read_all(self) -> bytes:
        return b"".join(self.chunks)


class Executor(ABC):
    @abstractmethod
    def run(self, job: Job) -> Results:
        """Start ``job``; returns once its first bytes (or its end) are ready.

        Raises an ``EcokgError`` (``QueryTimeout``, ``QueryFailed``, ``StoreError``) before any byte.
        An error after streaming began ends the stream early with an exception.
        """

    def close(self) -> None:
        pass


def _pieces_to_results(first: Piece, more: Callable[[], Piece | Failure], done: Callable[[bool], None]) -> Results:
    """Results from the first piece; ``more()`` gives the next message; ``done(complete)`` is called once
    the answer ended (complete or not)."""
    if first.last:
        done(True)
        return Results.whole(first.head, first.data)

    def chunks() -> Iterator[bytes]:
        complete = False
        try:
            if first.data:
                yield first.data
            while True:
                msg = more()
                if isinstance(msg, Failure):
                    raise msg.error()
                if msg.data:
                    yield msg.data
                if msg.last:
                    complete = True
                    return
        finally:
            done(complete)

    return Results(first.head, chunks())


# ---------------------------------------------------------------- in-process


class DirectExecutor(Executor):
    """Runs queries in this process (a remote store, whose own HTTP timeout bounds its queries): a worker
    thread evaluates into a bounded queue, so answers stream.  Thread-safe: each query has its own thread
    and queue.  Waiting for the first piece stops at ``timeout`` (the worker thread is then abandoned)."""

    def __init__(self, store: Store, timeout: float | None = None):
        self.store = store
        self.timeout = timeout

    def run(self, job: Job) -> Results:
        q: queue.Queue = queue.Queue(maxsize=16)

        def work():
            try:
                evaluate(self.store, job, ChunkBuffer(lambda head, data, last: q.put(Piece(head, data, last))))
            except BaseException as e:  # noqa: BLE001 - handed to the reader
                q.put(Failure.of(e))

        threading.Thread(target=work, daemon=True, name="ecokg-query").start()
        try:
            first = q.get(timeout=self.timeout + 5 if self.timeout else None)
        except queue.Empty:
            raise QueryTimeout(self.timeout) from None
        if isinstance(first, Failure):
            raise first.error()
        return _pieces_to_results(first, q.get, lambda complete: None)


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


def _child_main(conn: Connection, open_store: Callable[[], Store], parent: int, max_memory: int | None = None) -> None:
    _isolate()
    if os.getppid() != parent:  # the parent died before prctl took effect
        return
    store = open_store()
    _limit_memory(max_memory)
    send = conn.send
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            evaluate(store, job, ChunkBuffer(lambda head, data, last: send(Piece(head, data, last))))
        except MemoryError:  # past the memory limit in Python code: this process is spent
            os._exit(MEMORY_EXIT)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            send(Failure.of(e))


class ProcessExecutor(Executor):
    """Queries run in one child process per serving process; see the module docstring."""

    def __init__(self, open_store: Callable[[], Store], timeout: float, max_memory: int | None = None):
        self._open_store = open_store
        self.timeout = timeout
        self.max_memory = max_memory  # MiB a query may allocate in the child; None: no limit
        self._pid: int | None = None
        self._conn: Connection | None = None
        self._owner: int | None = None
        self._lock = threading.Lock()

    # -- child management
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
    def _receive(self, conn: Connection, budget: list[float]) -> Piece | Failure:
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
        """One query at a time: a caller on another thread waits until the answer before has ended."""
        self._lock.acquire()
        try:
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
            if isinstance(first, Failure):
                raise first.error()
        except BaseException:
            self._lock.release()
            raise

        def done(complete: bool) -> None:
            try:
                if not complete:  # timed out, failed or abandoned by the client: stop the work
                    self.restart()
            finally:
                self._lock.release()

        return _pieces_to_results(first, lambda: self._receive(conn, budget), done)
