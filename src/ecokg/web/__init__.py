"""The Flask application: a factory and one blueprint per concern."""

from __future__ import annotations

from flask import Flask

from ecokg import resources
from ecokg.settings import Settings
from ecokg.store import Store, open_store
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
    app.json.ensure_ascii = False
    app.extensions["ecokg"] = AppContext(settings=settings, store=store or open_store(settings))

    from ecokg.web import health, sparql

    for blueprint in (health.bp, sparql.bp):
        app.register_blueprint(blueprint)
    return app
