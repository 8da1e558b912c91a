"""Serving the app: granian, a WSGI server whose HTTP side is Rust (hyper on tokio).

Requests are read by granian's event loop, never by the threads that run the app: a client that sends its
request slowly, or holds its connection open idle, costs a socket and no thread, and is closed once
``header_timeout`` has passed without a complete request line and headers (granian's timer, which also
closes idle kept-alive connections; for a connection that sends nothing at all, ``web.front.Reaper``).
Connections are kept alive (HTTP/1.1) after every answer, streamed ones included.

The store is opened and the reconciliation index made once, in the main process, before the workers fork
(``--workers`` processes, so both are shared copy-on-write).  Each worker then starts its query processes through
their fork server before it starts its ``--threads`` request threads (``ProcessExecutor.start``), and serves the app
behind ``web.front.Front`` (limits, the request body read with ``body_timeout``, the access log, the
watchdog, the reaper) and ``web.lean.LeanSparql`` (GET queries without Flask).  Past ``max_connections`` a worker stops
accepting: new connections wait in the kernel's listen queue.  SIGTERM stops accepting, lets the answers in
progress finish (up to 10 s) and ends the workers, their fork servers and query processes.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import threading
import time
from typing import Callable

from ecokg import __version__
from ecokg.errors import EcokgError, Kind
from ecokg.settings import Settings

GRACEFUL_SECONDS = 10  # how long answers in progress may take to finish at shutdown
LISTEN_BACKLOG = 1024


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def hold_stop_signals() -> None:
    """Call first thing in a worker, in its main thread, before the app's own start-up in the worker.

    granian installs a worker's SIGTERM/SIGINT handlers only after that start-up (its query processes: tenths
    of a second); until then the worker runs the handler it inherited from the main process, which does nothing
    there.  A stop that came then (a server stopped just after it started) was lost:
    the worker served on until granian killed it 10 s later.  Such a signal is now held, and given again once
    granian's handler is in place, every 0.2 s until the worker ends (granian's handler may be in place a moment
    before its server waits for the signal: whether a signal given in that moment counts is granian's detail)."""
    held: list[int] = []

    def hold(signum, _frame):
        held.append(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, hold)

    def give_again():
        while signal.getsignal(signal.SIGTERM) is hold:  # granian's handler is not in place yet
            time.sleep(0.01)
        while held:
            os.kill(os.getpid(), held[0])
            time.sleep(0.2)

    threading.Thread(target=give_again, name="ecokg-held-stop-signal", daemon=True).start()


def run_granian(app_factory: Callable[[], object], settings: Settings) -> None:
    """Build the app in this process (before the workers fork), then serve it with granian."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    from ecokg.web import FRONT, reconcile
    from ecokg.web.front import AccessLog, Reaper, Watchdog
    from ecokg.web.sparql import EXTENSION

    flask_app = app_factory()
    front = flask_app.extensions[FRONT]  # the WSGI layers in front of Flask (see web/__init__.py)
    front.access_log = AccessLog()
    reconcile.warm(flask_app)  # the reconciliation index, made once and shared by the workers
    # what is loaded now lives as long as the server: out of the garbage collector's sight, so that its
    # collections stay short and never touch (and so copy) the pages the forked workers share
    gc.collect()
    gc.freeze()

    def in_worker(_target):
        """Runs in each worker process after the fork, before granian starts its threads."""
        hold_stop_signals()
        flask_app.extensions[EXTENSION].executor.start()
        Watchdog(front, settings.watchdog_seconds).start()
        Reaper(settings.port, settings.header_timeout, settings.watchdog_seconds).start()
        return front

    level = {"debug": LogLevels.debug, "info": LogLevels.info, "warning": LogLevels.warning,
             "error": LogLevels.error, "critical": LogLevels.critical}.get(settings.log_level, LogLevels.info)
    workers = max(1, settings.workers)
    Server(
        "ecokg", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        workers=workers, blocking_threads=max(1, settings.threads),
        backpressure=max(1, settings.max_connections // workers), backlog=LISTEN_BACKLOG,
        http1_settings=HTTP1Settings(header_read_timeout=max(1, int(settings.header_timeout * 1000)),
                                     keep_alive=True),
        log_level=level, log_access=False,  # ecokg's own access log (web.front.AccessLog)
        respawn_failed_workers=True, workers_kill_timeout=GRACEFUL_SECONDS, websockets=False,
    ).serve(target_loader=in_worker)


def _check_address(host: str, port: int) -> None:
    """Refuse an address something already listens on.  granian's workers share the port (``SO_REUSEPORT``),
    which would also let a second server share it with another one unnoticed."""
    if not port:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (connections left in TIME_WAIT are no obstacle)
        try:
            s.bind((host, port))
        except OSError as e:
            raise EcokgError(f"cannot listen on {host}:{port}: {e.strerror or e}", kind=Kind.USAGE) from None


def print_settings(settings: Settings, store_description: str, out=sys.stderr,
                   shown: tuple[str, ...] | None = None) -> None:
    print(f"ecokg {__version__}", file=out)
    for name, value in settings.describe(shown):
        print(f"  {name:<10} = {value!r}", file=out)
    print(f"  store      : {store_description}", file=out)
    print(f"  listening on http://{settings.host}:{settings.port}/", file=out, flush=True)


def _open_with_progress(settings: Settings, open_store, out=sys.stderr):
    """Open the store; loading ``--data`` files into memory is announced, with a progress bar on a terminal
    (a plain line otherwise: reading through Python for the bar costs about a tenth more time)."""
    import os
    import time

    import click

    if not settings.data or settings.store or settings.store_path:
        return open_store(settings)
    total = 0
    for p in settings.data:
        try:
            total += os.path.getsize(p)
        except OSError:
            pass  # the loader names the file
    print(f"loading {len(settings.data)} file(s), {total / 1e6:.1f} MB, into memory", file=out, flush=True)
    started = time.monotonic()
    if out.isatty():
        with click.progressbar(length=total, label="loading", file=out, show_eta=True) as bar:
            store = open_store(settings, on_bytes=bar.update)
    else:
        store = open_store(settings)
    print(f"loaded {len(store)} quads in {time.monotonic() - started:.1f} s", file=out, flush=True)
    return store


def serve(settings: Settings, shown: tuple[str, ...] | None = None, pending=None) -> None:
    """Check the data, open the store and serve; ``shown``: the settings printed at start-up; ``pending``: the
    check already started (``dataset.preflight.check_aside``: ``ecokg serve`` starts it first thing, so that it
    runs while this module and Flask are imported)."""
    from ecokg.store import open_store
    from ecokg.web import create_app

    from ecokg.bulk import collector_paused
    from ecokg.dataset.preflight import check_aside

    @collector_paused()  # (run_granian collects and freezes what was made, after)
    def factory():
        # the SHACL check, in a process of its own while the store opens
        check = pending if pending is not None else check_aside(settings)
        try:
            store = _open_with_progress(settings, open_store)
            app = create_app(settings, store)
        except BaseException:
            check.result()  # the check's verdict first: it names the invalid file or the broken shape
            raise
        checked = check.result()  # raises DataRefused / RdfFileError: invalid data is not served
        _check_address(settings.host, settings.port)
        print_settings(settings, store.description, shown=shown)
        if checked:
            print(f"  data       : {checked}", file=sys.stderr, flush=True)
        return app

    run_granian(factory, settings)
