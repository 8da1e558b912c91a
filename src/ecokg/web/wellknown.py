"""``/.well-known/void`` (VoID guide §7.2) and ``/dataset`` (the dataset's IRI): the VoID description.

The one ``ecokg build`` wrote (``dist/void.ttl``, with its distributions) when there is one, else the same
description generated from the store (``ecokg.dataset.void``: the same dataset IRI, counts and partitions);
in Turtle, or another RDF syntax by content negotiation.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from ecokg.dataset import void as voidmod
from ecokg.rdf.files import RdfFileError, parse_file
from ecokg.rdf.formats import BY_KEY
from ecokg.web.context import ctx
from ecokg.web.negotiate import HTML, finish, negotiate, not_acceptable, rdf_response, services

bp = Blueprint("wellknown", __name__)


@bp.get("/.well-known/void")
@bp.get("/dataset")
def void():
    fmt = negotiate()
    if fmt is None:
        return not_acceptable()
    if fmt == HTML:  # a browser: Turtle is readable as it is
        fmt = BY_KEY["ttl"]
    built = Path(ctx().settings.dist) / "void.ttl"
    if built.is_file() and fmt.key == "ttl":  # as written, with its prefixes
        return finish(Response(built.read_bytes(), content_type=fmt.content_type))
    triples = None
    if built.is_file():
        try:
            triples = [q.triple for q in parse_file(built)]
        except RdfFileError:
            triples = None
    if triples is None:
        g = services()
        stats = g.summary("void", lambda: voidmod.statistics_of_store(g.store, g.uris.base))
        triples = voidmod.describe(stats, base=g.uris.base)
    return finish(rdf_response(triples, fmt))
