"""Running the app under gunicorn, a production WSGI server."""

from __future__ import annotations

import sys
from typing import Callable

from gunicorn.app.base import BaseApplication

from ecokg import __version__
from ecokg.settings import Settings

# Apache "combined" log format plus the request time in microseconds: what
# nginx, HAProxy and log analysers already parse.
ACCESS_LOG_FORMAT = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(D)s'


class EcokgServer(BaseApplication):
    def __init__(self, app_factory: Callable[[], object], settings: Settings, hooks: dict | None = None):
        self._factory = app_factory
        self._settings = settings
        self._hooks = hooks or {}
        super().__init__()

    def load_config(self) -> None:
        s = self._settings
        options = {
            "bind": f"[{s.host}]:{s.port}" if ":" in s.host else f"{s.host}:{s.port}",
            "workers": s.workers,
            "worker_class": "sync",
            "preload_app": True,
            "accesslog": "-",
            "errorlog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "loglevel": s.log_level,
            # gunicorn's own watchdog only backs up the query time limit, which is enforced per query
            "timeout": int(s.watchdog_seconds),
            "graceful_timeout": 10,
            "limit_request_line": 16384,
            "proc_name": "ecokg",
        }
        options.update(self._hooks)
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._factory()


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


def serve(settings: Settings, shown: tuple[str, ...] | None = None) -> None:
    """Check the data, open the store and serve; ``shown``: the settings printed at start-up."""
    from ecokg.store import open_store
    from ecokg.web import create_app

    from ecokg.dataset.preflight import check

    def factory():
        checked = check(settings)  # raises DataRefused / RdfFileError: invalid data is not served
        store = _open_with_progress(settings, open_store)
        print_settings(settings, store.description, shown=shown)
        if checked:
            print(f"  data       : {checked}", file=sys.stderr, flush=True)
        return create_app(settings, store)

    EcokgServer(factory, settings).run()
