"""``/health``: a cheap liveness and readiness check for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ecokg import __version__
from ecokg.store.base import StoreError
from ecokg.web.context import ctx

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    c = ctx()
    try:
        c.store.query("ASK { }")
    except StoreError as e:
        return jsonify(status="unavailable", version=__version__, store=c.store.description, error=str(e)), 503
    return jsonify(status="ok", version=__version__, store=c.store.description)
