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
            "timeout": max(30, int(s.timeout * 3) + 5),
            "graceful_timeout": 10,
            "limit_request_line": 16384,
            "proc_name": "ecokg",
        }
        options.update(self._hooks)
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._factory()


def print_settings(settings: Settings, store_description: str, out=sys.stderr) -> None:
    print(f"ecokg {__version__}", file=out)
    for name, value in settings.describe():
        print(f"  {name:<10} = {value!r}", file=out)
    print(f"  store      : {store_description}", file=out)
    print(f"  listening on http://{settings.host}:{settings.port}/", file=out, flush=True)


def serve(settings: Settings) -> None:
    from ecokg.store import open_store
    from ecokg.web import create_app

    from ecokg.preflight import check

    def factory():
        checked = check(settings)  # raises DataRefused / RdfFileError: invalid data is not served
        store = open_store(settings)
        print_settings(settings, store.description)
        if checked:
            print(f"  data       : {checked}", file=sys.stderr, flush=True)
        return create_app(settings, store)

    EcokgServer(factory, settings).run()
