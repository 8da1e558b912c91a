"""Shared by the page blueprints: the services object, the reader's language, content negotiation,
and the caching headers every negotiated answer carries."""

from __future__ import annotations

from flask import Response, current_app, request

from ecokg.rdf.formats import BY_KEY, PAGE_FORMATS, Format, NotAcceptable, serialize
from ecokg.rdf.formats import negotiate as negotiate_formats
from ecokg.rdf.namespaces import serialization_prefixes
from ecokg.services import GraphServices
from ecokg.services.i18n import LANGS
from ecokg.web.context import ctx

HTML = BY_KEY["html"]
RDF_PAGE_FORMATS = tuple(f for f in PAGE_FORMATS if f.is_rdf)  # an entity's description for RDF clients
_KEY = "ecokg.pages"


def services() -> GraphServices:
    """One ``GraphServices`` per app (it caches the label index), made on first use."""
    ext = current_app.extensions
    if _KEY not in ext:
        c = ctx()
        ext[_KEY] = GraphServices(c.store, c.settings.base_uri, label_max_age=c.settings.label_max_age)
    return ext[_KEY]


def explicit_lang() -> str | None:
    lang = request.args.get("lang", "")
    return lang if lang in LANGS else None


def page_lang() -> str:
    """``?lang=zh|en`` wins; else the best of Accept-Language; else English."""
    return explicit_lang() or request.accept_languages.best_match(LANGS, default="en") or "en"


def negotiate() -> Format | None:
    """The page (``key`` html) or an RDF format, or None when nothing we serve is acceptable (406)."""
    try:
        return negotiate_formats(request.accept_mimetypes, PAGE_FORMATS)
    except NotAcceptable:
        return None


def rdf_body(triples, spec: Format, focus: str | None = None) -> bytes:
    """Sorted (the focus resource's own triples first), so that the same description is the same bytes,
    and ETag, from any engine."""
    ordered = sorted(triples, key=lambda t: (getattr(t.subject, "value", None) != focus, str(t.subject),
                                             str(t.predicate), str(t.object)))
    return serialize(ordered, spec, serialization_prefixes(services().uris.base))


def rdf_response(triples, spec: Format, *, content_location: str | None = None,
                 focus: str | None = None) -> Response:
    resp = Response(rdf_body(triples, spec, focus), content_type=spec.content_type)
    if content_location:
        resp.headers["Content-Location"] = content_location
    return resp


def finish(resp: Response, vary: str = "Accept") -> Response:
    """``Vary``, a strong ETag from the body, and 304 for a matching ``If-None-Match``."""
    resp.vary.update(v.strip() for v in vary.split(","))
    if resp.status_code == 200:
        resp.add_etag()
        resp.make_conditional(request)
    return resp


def alternates(path: str) -> list[tuple[str, Format]]:
    return [(f"{path}.{f.suffix}", f) for f in RDF_PAGE_FORMATS]


def link_header(path: str) -> str:
    return ", ".join(f'<{href}>; rel="alternate"; type="{spec.media_type}"' for href, spec in alternates(path))


def not_acceptable() -> Response:
    types = ", ".join(f.media_type for f in PAGE_FORMATS)
    resp = Response(f"406 Not Acceptable: this resource is available as {types}.\n", status=406,
                    content_type="text/plain; charset=utf-8")
    resp.vary.add("Accept")
    return resp
