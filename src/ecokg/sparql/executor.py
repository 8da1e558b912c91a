"""Where queries run, so that a query past its time limit can really be stopped.

pyoxigraph evaluates a query in native code that Python can neither time out
nor interrupt.  ``ProcessExecutor`` therefore runs queries in query processes:
a pool of ``size`` of them per serving process, each running one query at a
time (a request borrows one until its answer has been read or abandoned).  The
in-memory graph is shared copy-on-write (an on-disk store is reopened read-only
in each).  A query process streams the serialised results back over a socket
pair.  When the time limit passes, the serving process SIGKILLs it (its CPU is
freed at once), gets a fresh one and reports ``QueryTimeout``; the other query
processes and server processes are not affected.

Query processes are forked by a *fork server*: a single-threaded helper process
made once per serving process, before that process starts its threads
(``ProcessExecutor.start``).  So a query process never inherits a lock that
another thread held at the fork (pages query the store in the serving process),
nor the listening socket or client connections (the fork server closes every
inherited file descriptor first).  The fork server also leaves the network
(a private, empty network namespace where the kernel allows it), which its
query processes inherit: a second wall behind the parser-based refusal of
SERVICE.  It dies with its serving process, and its query processes with it.

``DirectExecutor`` runs queries in-process: for a remote store, whose time
limit is its HTTP timeout; each query on its own thread.

Parent and query process talk in typed messages: ``Job`` one way, ``Piece``
and ``Failure`` the other.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import queue
import select
import signal
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from multiprocessing.connection import Connection
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


class QueryProcessesBusy(EcokgError):
    """Every query process of this server process stayed busy for the whole time limit (answered 503)."""

    kind = Kind.BUSY

    def __init__(self, timeout: float):
        super().__init__(f"the server is busy: every query process stayed busy for {timeout:g} s; try again shortly")


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

    def start(self) -> None:
        """Get ready in this process (a serving process calls it before it starts threads)."""

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


# ---------------------------------------------------------------- query processes

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return None


def _die_with_parent(name: bytes) -> None:
    """SIGKILL when the parent ends; ``name`` is how `ps -o comm` and /proc/PID/comm show this process."""
    libc = _libc()
    if libc is None:  # pragma: no cover
        return
    try:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(PR_SET_NAME, name)
    except AttributeError:  # pragma: no cover - not Linux
        pass


def _leave_network() -> None:
    """A private, empty network namespace where the kernel allows it (as root, or with user namespaces; the
    latter only in a single-threaded process: the fork server)."""
    libc = _libc()
    try:
        if libc is not None and libc.unshare(CLONE_NEWNET) != 0:
            libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except AttributeError:  # pragma: no cover - not Linux
        pass


def _default_signals() -> None:
    """The serving process's signal handlers do not apply here; Ctrl-C on a terminal is the server's to handle."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGWINCH, signal.SIGCHLD, signal.SIGABRT):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _retire_inherited_fds(keep: set[int]) -> None:
    """Let go of every inherited file descriptor but ``keep`` and 0-2: the listening socket, client
    connections, pipes.  Each is replaced by /dev/null rather than closed, so that an inherited Python object
    that closes its descriptor later can never close one this process made since under the same number."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        fds = list(range(3, 1024))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd > 2 and fd != null and fd not in keep:
            try:
                os.dup2(null, fd, inheritable=False)
            except OSError:
                pass
    os.close(null)


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


def _query_process_main(conn: Connection, open_store: Callable[[], Store], parent: int,
                        max_memory: int | None = None) -> None:
    _die_with_parent(b"ecokg-query")
    if os.getppid() != parent:  # the fork server died before prctl took effect
        return
    store = open_store()
    _limit_memory(max_memory)
    send_bytes = conn.send_bytes

    def send(message: Piece | Failure) -> None:  # plain pickle: cheaper than Connection.send's
        send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            evaluate(store, job, ChunkBuffer(lambda head, data, last: send(Piece(head, data, last))))
        except MemoryError:  # past the memory limit in Python code: this process is spent
            os._exit(MEMORY_EXIT)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            send(Failure.of(e))


def _fork_server_main(sock: socket.socket, open_store: Callable[[], Store], parent: int,
                      max_memory: int | None) -> None:
    """The fork server's loop: ``F`` forks a query process and answers its pid with the serving process's end
    of its socket pair; ``R<pid>`` kills and reaps one and answers its wait status.  A query process is reaped
    only when asked, so its pid cannot be reused while the serving process may still signal it."""
    _die_with_parent(b"ecokg-forks")
    if os.getppid() != parent:
        return
    _default_signals()
    _leave_network()
    _retire_inherited_fds({sock.fileno()})
    me = os.getpid()
    while True:
        try:
            msg = sock.recv(64)
        except OSError:
            return
        if not msg:  # the serving process is gone
            return
        if msg == b"F":
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:  # the query process
                code = 0
                try:
                    sock.close()
                    ours.close()
                    _query_process_main(Connection(theirs.detach()), open_store, me, max_memory)
                except BaseException:  # noqa: BLE001
                    code = 1
                finally:
                    os._exit(code)
            theirs.close()
            socket.send_fds(sock, [b"%d" % pid], [ours.fileno()])
            ours.close()
        elif msg[:1] == b"R":
            pid = int(msg[1:])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = -1
            sock.send(b"%d" % status)


class ForkServer:
    """A single-threaded helper process that forks query processes on request (see the module docstring)."""

    def __init__(self, open_store: Callable[[], Store], max_memory: int | None = None):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                _fork_server_main(theirs, open_store, parent, max_memory)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self.pid = pid
        self._sock = ours
        self._lock = threading.Lock()

    def spawn(self) -> tuple[int, Connection]:
        """A fresh query process: its pid and the connection to it."""
        try:
            with self._lock:
                self._sock.sendall(b"F")
                msg, fds, _, _ = socket.recv_fds(self._sock, 64, 1)
        except OSError as e:
            raise StoreError(f"the query processes' fork server failed ({e})") from None
        if not msg or not fds:
            raise StoreError("the query processes' fork server ended unexpectedly")
        return int(msg), Connection(fds[0])

    def reap(self, pid: int) -> int | None:
        """Kill (if it still runs) and reap a query process: its wait status, None if unknown."""
        try:
            with self._lock:
                self._sock.sendall(b"R%d" % pid)
                msg = self._sock.recv(64)
        except OSError:
            return None
        status = int(msg) if msg else -1
        return status if status >= 0 else None

    def close(self) -> None:
        self._sock.close()
        try:
            os.kill(self.pid, signal.SIGKILL)  # its query processes follow it (PDEATHSIG)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


class _Slot:
    """One query process of the pool (None until it is started)."""

    __slots__ = ("pid", "conn", "poller")

    def __init__(self):
        self.pid: int | None = None
        self.conn: Connection | None = None
        self.poller = None  # select.poll on the connection


class ProcessExecutor(Executor):
    """Queries run in a pool of ``size`` query processes per serving process; see the module docstring."""

    def __init__(self, open_store: Callable[[], Store], timeout: float, max_memory: int | None = None,
                 size: int = 1):
        self._open_store = open_store
        self.timeout = timeout
        self.max_memory = max_memory  # MiB a query may allocate in its process; None: no limit
        self.size = max(1, size)
        self._owner: int | None = None  # the process the fork server and the query processes belong to
        self._forks: ForkServer | None = None
        self._slots: list[_Slot] = []
        self._free: list[_Slot] = []
        self._cond = threading.Condition()

    # -- the pool
    def start(self, eager: bool = True) -> None:
        """Make the fork server (and, if ``eager``, every query process) now: call it in a serving process
        before it starts threads.  Otherwise it happens at the first query."""
        with self._cond:
            self._setup()
            if eager:
                for slot in self._slots:
                    if slot.conn is None:
                        self._spawn(slot)

    def _setup(self) -> None:
        if self._owner == os.getpid():
            return
        # first use, or inherited from another process by a fork: nothing of it is ours to use
        self._forks = ForkServer(self._open_store, self.max_memory)
        self._slots = [_Slot() for _ in range(self.size)]
        self._free = list(self._slots)
        self._owner = os.getpid()

    def _borrow(self) -> _Slot:
        with self._cond:
            self._setup()
            deadline = time.monotonic() + self.timeout
            while not self._free:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryProcessesBusy(self.timeout)
                self._cond.wait(left)
            return self._free.pop()  # the most recently used: warm

    def _give_back(self, slot: _Slot) -> None:
        with self._cond:
            if self._owner == os.getpid():
                self._free.append(slot)
                self._cond.notify()

    def _spawn(self, slot: _Slot) -> Connection:
        try:
            slot.pid, slot.conn = self._forks.spawn()
        except StoreError:  # the fork server is gone (killed from outside): a new one, once
            log.warning("the query processes' fork server ended; starting a new one")
            self._forks.close()
            self._forks = ForkServer(self._open_store, self.max_memory)
            slot.pid, slot.conn = self._forks.spawn()
        slot.poller = select.poll()
        slot.poller.register(slot.conn.fileno(), select.POLLIN)
        return slot.conn

    def _kill(self, slot: _Slot) -> int | None:
        """Stop a query process at once; its wait status (from the fork server) if known."""
        status = None
        if slot.pid and self._owner == os.getpid():
            try:
                os.kill(slot.pid, signal.SIGKILL)  # not reaped yet (the fork server waits until asked): still ours
            except ProcessLookupError:
                pass
            status = self._forks.reap(slot.pid)
        if slot.conn is not None:
            slot.conn.close()
        slot.pid = slot.conn = slot.poller = None
        return status

    def restart(self, slot: _Slot) -> None:
        self._kill(slot)
        self._spawn(slot)

    def close(self) -> None:
        with self._cond:
            if self._owner == os.getpid():
                for slot in self._slots:
                    self._kill(slot)
                self._forks.close()
            self._owner = self._forks = None
            self._slots, self._free = [], []

    # -- running
    def _receive(self, slot: _Slot, budget: list[float]) -> Piece | Failure:
        conn = slot.conn
        start = time.monotonic()
        ready = slot.poller.poll(max(0, int(budget[0] * 1000)))  # (Connection.poll costs ten times more)
        budget[0] -= time.monotonic() - start
        if not ready:
            raise QueryTimeout(self.timeout)
        try:
            return pickle.loads(conn.recv_bytes())
        except (EOFError, OSError) as e:
            if self._ran_out_of_memory(slot):
                log.warning("query stopped: it needed more than %s MiB", self.max_memory)
                raise QueryTooLarge(self.max_memory) from None
            raise StoreError(f"the query process ended unexpectedly ({e or 'no answer'})") from None

    def _ran_out_of_memory(self, slot: _Slot) -> bool:
        """Whether the query process (which ended) died of its memory limit: the engine aborts on a failed
        allocation (SIGABRT), Python code exits with MEMORY_EXIT."""
        if not self.max_memory or not slot.pid:
            return False
        status = self._kill(slot)
        if status is None:
            return False
        if os.WIFSIGNALED(status):
            return os.WTERMSIG(status) == signal.SIGABRT
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == MEMORY_EXIT

    def run(self, job: Job) -> Results:
        """Borrows a query process until the answer has ended; waits for one at most the time limit
        (``QueryProcessesBusy`` then)."""
        slot = self._borrow()
        try:
            conn = slot.conn if slot.conn is not None else self._spawn(slot)
            budget = [self.timeout]  # seconds the query process may still spend computing
            try:
                try:
                    conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
                except OSError as e:
                    raise StoreError(f"the query process ended unexpectedly ({e})") from None
                first = self._receive(slot, budget)
            except QueryTimeout:
                log.warning("query stopped after %.3g s: killing query process %s", self.timeout, slot.pid)
                self.restart(slot)
                raise
            except BaseException:
                self.restart(slot)
                raise
            if isinstance(first, Failure):
                raise first.error()
        except BaseException:
            self._give_back(slot)
            raise

        def done(complete: bool) -> None:
            try:
                if not complete:  # timed out, failed or abandoned by the client: stop the work
                    self.restart(slot)
            finally:
                self._give_back(slot)

        return _pieces_to_results(first, lambda: self._receive(slot, budget), done)
