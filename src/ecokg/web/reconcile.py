"""``/reconcile``: the W3C Entity Reconciliation API (0.2 at ``/reconcile``, 1.0-draft at ``/reconcile/1.0-draft``).

Thin: the request's parameters or JSON body go to ``services.reconcile_protocol``, which answers from the
app's index (``services.reconcile``).  Every answer carries ``Access-Control-Allow-Origin: *``; OPTIONS
answers the preflight.  Errors are JSON ``{"error": ..., "status": ...}`` with their status (400 for what
the service cannot answer as asked, 413 past the body limit, 404 for an unknown entity's preview).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from ecokg.errors import HTTP_STATUS
from ecokg.services import reconcile as service
from ecokg.services import reconcile_protocol as protocol
from ecokg.services.reconcile_protocol import ROOTS, V02, V10, ReconcileError
from ecokg.web.answers import NOSNIFF
from ecokg.web.context import ctx
from ecokg.web.negotiate import services

bp = Blueprint("reconcile", __name__)

CORS = (("Access-Control-Allow-Origin", "*"),)
PREFLIGHT = (("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
             ("Access-Control-Allow-Headers", "Accept, Content-Type"),
             ("Access-Control-Max-Age", "86400"))


def _index() -> service.ReconcileIndex:
    return service.index_for(services())


def _limits() -> protocol.Limits:
    """The limits of this server (settings ``reconcile_*``)."""
    s = ctx().settings
    return protocol.Limits(batch=s.reconcile_batch, text=s.reconcile_text, candidates=s.reconcile_candidates,
                           extend_ids=s.reconcile_extend)


def warm(app) -> None:
    """Make the app's reconciliation index now.  ``ecokg serve`` calls this in its main process before the
    workers fork, so that they share one index (copy-on-write, out of the collector's sight) instead of each
    making its own: for the bundled data about half a second (0.45-0.56 s in a fresh process), and 65 MiB of each
    worker's own memory.  For a remote store nothing is made here: its index is made on the first request, and
    again after ``label_max_age``."""
    with app.app_context():
        g = services()  # made here, once, before any request thread can race to make it
    if not g.immutable:
        return
    try:
        service.index_for(g)
    except Exception as e:  # noqa: BLE001 - a store that cannot answer now: the first request tries again
        app.logger.warning("reconciliation index not made at start: %s", e)


def _json(body, status: int = 200, callback: str | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if callback:  # JSONP (0.2, GET): the name was checked (protocol.valid_callback)
        return Response(f"/**/{callback}({text});", status=status,
                        content_type="application/javascript; charset=utf-8")
    return Response(text, status=status, content_type="application/json; charset=utf-8")


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message, "status": status}, status)


@bp.after_request
def _cors(resp: Response) -> Response:
    for k, v in CORS:
        resp.headers[k] = v
    resp.headers.setdefault(*NOSNIFF)
    return resp


@bp.errorhandler(ReconcileError)
def _bad_request(e: ReconcileError):
    return _error(str(e), HTTP_STATUS[e.kind])


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_e):
    return _error(f"the request body is larger than the limit of {ctx().settings.max_body} bytes", 413)


def _options() -> Response:
    return Response(status=204, headers=[*CORS, *PREFLIGHT])


def _param(name: str) -> str | None:
    """A parameter from the query string or, for POST, the form (read once, within the body limit)."""
    value = request.args.get(name)
    if value is None and request.method == "POST":
        value = request.form.get(name)
    return value


def _int(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        raise ReconcileError(f"`{name}` must be a whole number") from None


def _body_json():
    data = request.get_data(cache=True)
    if not data:
        raise ReconcileError("send the query as a JSON body (Content-Type: application/json)")
    return protocol.parse_json(data, "body")


# ---- the roots: manifest, 0.2 queries and extension ------------------------------------------------------------

def root(version: str):
    if request.method == "OPTIONS":
        return _options()
    if version == V10:
        if request.method == "POST":
            raise ReconcileError("version 1.0-draft takes queries at POST /reconcile/1.0-draft/match")
        return _json(protocol.manifest(V10, request.host_url, services().uris.base, _limits()))
    callback = request.args.get("callback") if request.method == "GET" else None
    if callback is not None and not protocol.valid_callback(callback):
        raise ReconcileError("`callback` must be a JavaScript identifier")
    queries, extend = _param("queries"), _param("extend")
    if queries is not None:
        batch = protocol.parse_batch_02(protocol.parse_json(queries, "queries"), _limits())
        return _json(protocol.results_02(_index(), batch), callback=callback)
    if extend is not None:
        ids, props = protocol.parse_extend(protocol.parse_json(extend, "extend"), _limits())
        return _json(protocol.extend_02(_index(), ids, props), callback=callback)
    if request.method == "POST":
        raise ReconcileError("POST a `queries` or an `extend` form field")
    return _json(protocol.manifest(V02, request.host_url, services().uris.base, _limits()), callback=callback)


def match():
    if request.method == "OPTIONS":
        return _options()
    return _json(protocol.results_10(_index(), protocol.parse_batch_10(_body_json(), _limits())))


def extend_10():
    if request.method == "OPTIONS":
        return _options()
    ids, props = protocol.parse_extend(_body_json(), _limits())
    return _json(protocol.extend_10(_index(), ids, props))


def suggest(version: str, kind: str):
    if request.method == "OPTIONS":
        return _options()
    callback = request.args.get("callback") if version == V02 else None
    if callback is not None and not protocol.valid_callback(callback):
        raise ReconcileError("`callback` must be a JavaScript identifier")
    types = tuple(t for t in request.args.getlist("type") if t in service.TYPE_BY_ID)
    offset = _int("offset", _int("cursor", 0))
    answer = protocol.suggest(_index(), kind, request.args.get("prefix", ""), types=types,
                              limit=_int("limit", 10), offset=offset, limits=_limits())
    return _json(answer, callback=callback)


def propose(version: str):
    if request.method == "OPTIONS":
        return _options()
    limit = request.args.get("limit")
    try:
        limit_n = int(limit) if limit is not None else None
    except ValueError:
        raise ReconcileError("`limit` must be a whole number") from None
    return _json(protocol.propose(_index(), request.args.get("type"), limit_n))


def preview(version: str):
    if request.method == "OPTIONS":
        return _options()
    entity_id = request.args.get("id", "")
    card = service.preview(_index(), _index().entity_id(entity_id) or entity_id) if entity_id else None
    if card is None:
        return _error("no entity with this id", 404)
    html = render_template("reconcile_preview.html", card=card, href="/id/" + card["id"])
    return Response(html, content_type="text/html; charset=utf-8")


_METHODS = ["GET", "POST", "OPTIONS"]
for _version, _root in ROOTS.items():
    _name = _version.replace(".", "_")
    bp.add_url_rule(_root, f"root_{_name}", root, methods=_METHODS, defaults={"version": _version},
                    provide_automatic_options=False)
    bp.add_url_rule(f"{_root}/suggest/<kind>", f"suggest_{_name}", suggest, methods=["GET", "OPTIONS"],
                    defaults={"version": _version}, provide_automatic_options=False)
    bp.add_url_rule(f"{_root}/extend/propose", f"propose_{_name}", propose, methods=["GET", "OPTIONS"],
                    defaults={"version": _version}, provide_automatic_options=False)
    bp.add_url_rule(f"{_root}/preview", f"preview_{_name}", preview, methods=["GET", "OPTIONS"],
                    defaults={"version": _version}, provide_automatic_options=False)
bp.add_url_rule(f"{ROOTS[V10]}/match", "match", match, methods=["POST", "OPTIONS"], provide_automatic_options=False)
bp.add_url_rule(f"{ROOTS[V10]}/extend", "extend", extend_10, methods=["POST", "OPTIONS"],
                provide_automatic_options=False)
