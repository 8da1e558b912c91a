"""``/.well-known/void``: the dataset's VoID description (VoID guide §7.2).

The one ``ecokg build`` wrote (``dist/void.ttl``) when there is one, else a minimal description
generated from the store; in Turtle, or another RDF syntax by content negotiation.
"""

from __future__ import annotations

from pathlib import Path


from flask import Blueprint, Response, request

from ecokg.rdf.files import RdfFileError, parse_file
from ecokg.services.formats import BY_SUFFIX
from ecokg.services.void import minimal_void
from ecokg.web.context import ctx
from ecokg.web.negotiate import HTML, finish, negotiate, not_acceptable, rdf_response, services

bp = Blueprint("wellknown", __name__)


@bp.get("/.well-known/void")
def void():
    fmt = negotiate()
    if fmt is None:
        return not_acceptable()
    if fmt == HTML:  # a browser: Turtle is readable as it is
        fmt = BY_SUFFIX["ttl"]
    built = Path(ctx().settings.dist) / "void.ttl"
    if built.is_file() and fmt.key == "ttl":  # as written, with its prefixes and comments
        return finish(Response(built.read_bytes(), content_type=fmt.content_type))
    triples = None
    if built.is_file():
        try:
            triples = [q.triple for q in parse_file(built)]
        except RdfFileError:
            triples = None
    if triples is None:
        triples = minimal_void(services(), request.host_url.rstrip("/") + "/sparql")
    resp = rdf_response(triples, fmt)
    return finish(resp)


