"""Shared by the page blueprints: the services object, the reader's language, content negotiation,
and the caching headers every negotiated answer carries."""

from __future__ import annotations

from flask import Response, current_app, request

from ecokg.services import GraphServices
from ecokg.services.formats import BY_SUFFIX, HTML_TYPES, RdfFormatSpec, by_media_type, offers, serialize
from ecokg.services.i18n import LANGS
from ecokg.rdf.namespaces import serialization_prefixes
from ecokg.web.context import ctx

HTML = "html"
_KEY = "ecokg.pages"


def services() -> GraphServices:
    """One ``GraphServices`` per app (it caches the label index), made on first use."""
    ext = current_app.extensions
    if _KEY not in ext:
        c = ctx()
        ext[_KEY] = GraphServices(c.store, c.settings.base_uri)
    return ext[_KEY]


def explicit_lang() -> str | None:
    lang = request.args.get("lang", "")
    return lang if lang in LANGS else None


def page_lang() -> str:
    """``?lang=zh|en`` wins; else the best of Accept-Language; else English."""
    return explicit_lang() or request.accept_languages.best_match(LANGS, default="en") or "en"


def negotiate() -> str | RdfFormatSpec | None:
    """HTML, an RDF format, or None when nothing we serve is acceptable (406)."""
    accept = request.accept_mimetypes
    if not accept:
        return HTML
    best = accept.best_match(offers())
    if best is None:
        return None
    if best in HTML_TYPES:
        return HTML
    return by_media_type(best)


def rdf_body(triples, spec: RdfFormatSpec, focus: str | None = None) -> bytes:
    """Sorted (the focus resource's own triples first), so that the same description is the same bytes,
    and ETag, from any engine."""
    ordered = sorted(triples, key=lambda t: (getattr(t.subject, "value", None) != focus, str(t.subject),
                                             str(t.predicate), str(t.object)))
    return serialize(ordered, spec, serialization_prefixes(services().uris.base))


def rdf_response(triples, spec: RdfFormatSpec, *, content_location: str | None = None,
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


def alternates(path: str) -> list[tuple[str, RdfFormatSpec]]:
    return [(f"{path}.{key}", spec) for key, spec in BY_SUFFIX.items()]


def link_header(path: str) -> str:
    return ", ".join(f'<{href}>; rel="alternate"; type="{spec.media_type}"' for href, spec in alternates(path))


def not_acceptable() -> Response:
    types = ", ".join(["text/html"] + [s.media_type for s in BY_SUFFIX.values()])
    resp = Response(f"406 Not Acceptable: this resource is available as {types}.\n", status=406,
                    content_type="text/plain; charset=utf-8")
    resp.vary.add("Accept")
    return resp
