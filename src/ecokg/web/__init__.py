"""The Flask application: a factory and one blueprint per concern."""

from __future__ import annotations

from flask import Flask

from ecokg import resources
from ecokg.settings import Settings
from ecokg.errors import HTTP_STATUS, REASONS, RETRY_AFTER
from ecokg.store.base import Store, StoreError
from ecokg.store import open_store
from ecokg.web.context import AppContext


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        "ecokg",
        template_folder=str(resources.templates_dir()),
        static_folder=str(resources.static_dir()),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body  # a form up to the body limit is read, not refused
    app.json.ensure_ascii = False
    app.extensions["ecokg"] = AppContext(settings=settings, store=store or open_store(settings))

    from ecokg.web import downloads, health, pages, reconcile, sparql, wellknown

    for blueprint in (health.bp, sparql.bp, pages.bp, downloads.bp, wellknown.bp, reconcile.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(StoreError, _store_error)
    app.after_request(_security_headers)
    _install_front(app, settings)
    return app


FRONT = "ecokg.front"


def _install_front(app: Flask, settings: Settings) -> None:
    """Everything that calls the app (the HTTP server, Flask's test client) goes through the same WSGI layers:
    ``web.front.Front`` (limits, the request body, the access log) around ``web.lean.LeanSparql`` (GET queries
    without Flask) around Flask itself."""
    from ecokg.web.front import Front
    from ecokg.web.lean import LeanSparql
    from ecokg.web.sparql import EXTENSION

    front = Front(LeanSparql(app.wsgi_app, app.extensions[EXTENSION]), max_body=settings.max_body,
                  body_timeout=settings.body_timeout)
    app.extensions[FRONT] = front
    app.wsgi_app = front


def _security_headers(resp):
    """Browsers take every answer as its declared type: a text/plain error echoing a query never runs as HTML."""
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp


def _store_error(e: StoreError):
    """The engine (a remote triple store) failed while a page was made: the status of its kind (502, or 504
    if it ran out of time), never a traceback."""
    from flask import current_app

    status = HTTP_STATUS[e.kind]
    current_app.logger.warning("store error (%s): %s", status, e)
    what = "did not answer in time" if status == 504 else "is unavailable"
    body = f"{status} {REASONS[status]}: the triple store behind ecokg {what}.\n"
    return body, status, {"Content-Type": "text/plain; charset=utf-8",
                          "Retry-After": str(RETRY_AFTER.get(e.kind, 10))}
