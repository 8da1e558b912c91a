"""Linked-data pages: entity URIs with content negotiation, the ontology, the index pages and search.

Thin: every answer's content comes from ``ecokg.services``.

Entity URIs answer 200 with the negotiated representation and a ``Content-Location`` naming the
format-specific document (``/id/place/x.ttl``, ``/id/place/x.html``), rather than a 303 redirect:
one round trip instead of two for every client, and the TAG's httpRange-14 follow-up allows it
(the ``Content-Location`` tells a client which document it got).  See docs/pages.md.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from ecokg import __version__
from ecokg.services import describe, listings, mapview, search as search_service
from ecokg.services.division import division_view
from ecokg.services.entity import entity_view, is_division
from ecokg.rdf.formats import PAGE_FORMATS
from ecokg.services.i18n import translate
from ecokg.rdf.namespaces import expand, prefixes
from ecokg.services.ontology import ontology_doc
from ecokg.services import completeness
from ecokg.services.scheme import scheme_view
from ecokg.services.schemaorg import schema_org, script_json
from ecokg.web.negotiate import (HTML, alternates, explicit_lang, finish, link_header, negotiate,
                                 not_acceptable, page_lang, rdf_response, services)

bp = Blueprint("pages", __name__)

PAGE_SUFFIXES = {f.suffix: f for f in PAGE_FORMATS}


# ------------------------------------------------------------------ template helpers


@bp.app_template_filter("tr")
def _translate_filter(key: str) -> str:
    return translate(key, page_lang())


@bp.app_context_processor
def _helpers():
    lang = page_lang()
    other = "en" if lang == "zh" else "zh"
    pinned = explicit_lang()

    def link(path: str | None) -> str | None:
        """An internal link keeps an explicit ``?lang=`` choice; external links are left alone."""
        if not path or not path.startswith("/") or not pinned:
            return path
        path, _, frag = path.partition("#")
        sep = "&" if "?" in path else "?"
        return f"{path}{sep}lang={pinned}" + (f"#{frag}" if frag else "")

    def switch_url() -> str:
        args = request.args.to_dict()
        args["lang"] = other
        return f"{request.path}?{urlencode(args)}"

    def page_url(**changes) -> str:
        args = request.args.to_dict()
        args.update({k: str(v) for k, v in changes.items()})
        return f"{request.path}?{urlencode(args)}"

    return {"lang": lang, "other_lang": other, "t": lambda key: translate(key, lang), "link": link, "pinned": pinned,
            "switch_url": switch_url, "page_url": page_url, "version": __version__,
            "base_uri": services().uris.base,
            "class_prefixes": set(prefixes(services().uris.base))}


def _page(template: str, status: int = 200, **context) -> Response:
    resp = Response(render_template(template, **context), status=status, content_type="text/html; charset=utf-8")
    resp.headers["Content-Language"] = page_lang()
    return finish(resp, "Accept, Accept-Language")


def _not_found(as_html: bool) -> Response:
    if as_html:
        return _page("not_found.html", status=404, path=request.path)
    return Response(f"404 Not Found: nothing in the graph at {request.path}\n", status=404,
                    content_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})


@bp.app_errorhandler(404)
def _404(_error):
    return _not_found(negotiate() == HTML)


# ------------------------------------------------------------------ entity URIs


def _page_number() -> int:
    """``?page=N`` of a page with long listings (1 when absent or not a number; clamped by each listing)."""
    try:
        return max(1, min(10**9, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def _split_suffix(rest: str) -> tuple[str, str | None]:
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in PAGE_SUFFIXES and stem and "/" not in ext:
        return stem, ext
    return rest, None


@bp.get("/id/<path:rest>")
def entity(rest: str):
    g = services()
    rest, suffix = _split_suffix(rest)
    path = f"/id/{rest}"
    iri = g.uris.canonical(path)
    if "#" in rest:  # an escaped "#": a part of an entity's page (its point), never a page of its own
        if not g.exists(iri):
            return _not_found(negotiate() == HTML)
        whole, _, fragment = path.partition("#")
        return _moved(whole + (f".{suffix}" if suffix else ""), fragment)
    target = describe.former_iri_target(g, iri)
    if target is not None:  # a former IRI (owl:sameAs of an entity): 301 to the entity, same format and query
        return _moved(g.uris.local_path(target) + (f".{suffix}" if suffix else ""))
    if suffix:
        fmt = PAGE_SUFFIXES[suffix]
    else:
        fmt = negotiate()
        if fmt is None:
            return not_acceptable()
    if not g.exists(iri):
        return _not_found(fmt == HTML)
    location = f"{path}.{fmt.suffix}" if not suffix else None
    if fmt != HTML:
        resp = rdf_response(describe.description(g, iri), fmt, content_location=location, focus=iri)
        resp.headers["Link"] = link_header(path)
        return finish(resp)
    lang = page_lang()
    page = _page_number()
    view = entity_view(g, iri, lang, page)
    scheme = division = batch_completeness = province_batches = None
    if g.uris.eco + "DesignationScheme" in view.type_iris:
        scheme = scheme_view(g, iri, lang, page)
    if g.uris.eco + "Batch" in view.type_iris:
        batch_completeness = completeness.of_batch(g, iri)
    jsonld = Markup(script_json(schema_org(view, request.host_url.rstrip("/") + path)))
    map_link = None
    if is_division(g, view):
        division = division_view(g, view, lang, page)
        if division.level is not None and division.level.iri == g.uris.eco + "ProvinceLevel":
            province_batches = completeness.province_view(g, iri, lang)
        map_link = mapview.map_link(g, view.iri, division.level.iri if division.level else None, not division.former)
    resp = _page("entity.html", view=view, scheme=scheme, division=division,
                 batch_completeness=batch_completeness, province_batches=province_batches, jsonld=jsonld, path=path,
                 alternates=alternates(path), map_link=map_link)
    if location and resp.status_code == 200:
        resp.headers["Content-Location"] = location
    resp.headers["Link"] = link_header(path)
    return resp


def _moved(path: str, fragment: str | None = None) -> Response:
    """301 to ``path`` with the request's query string (and a fragment): the same for every Accept header
    (no ``Vary``)."""
    query = request.query_string.decode("latin-1")
    location = path + (f"?{query}" if query else "") + (f"#{quote(fragment, safe='-._~')}" if fragment else "")
    resp = Response(status=301, headers={"Location": location})
    resp.content_type = "text/plain; charset=utf-8"
    resp.set_data(f"301 Moved Permanently: {path}\n")
    return resp


# ------------------------------------------------------------------ the ontology


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None):
    g = services()
    if ext is not None:
        fmt = PAGE_SUFFIXES.get(ext)
        if fmt is None:
            abort(404)
    else:
        fmt = negotiate()
        if fmt is None:
            return not_acceptable()
    location = f"/ontology.{fmt.suffix}" if ext is None else None
    if fmt != HTML:
        resp = rdf_response(describe.ontology_description(g), fmt, content_location=location,
                            focus=g.uris.ontology)
        resp.headers["Link"] = link_header("/ontology")
        return finish(resp)
    doc = ontology_doc(g, page_lang())
    resp = _page("ontology.html", doc=doc, path="/ontology", alternates=alternates("/ontology"))
    if location and resp.status_code == 200:
        resp.headers["Content-Location"] = location
    resp.headers["Link"] = link_header("/ontology")
    return resp


# ------------------------------------------------------------------ index pages


@bp.get("/")
def home():
    g = services()
    lang = page_lang()
    return _page("home.html", counts=listings.class_counts(g, lang), triples=listings.triple_count(g),
                 schemes=listings.schemes(g, lang), by_year=listings.chongqing_titles_by_year(g, lang),
                 mini=mapview.mini_map(g, lang))


@bp.get("/map")
def map_page():
    g = services()
    try:
        view = mapview.map_view(g, page_lang(), request.args.get("scheme"), request.args.get("batch"))
    except mapview.UnknownScheme:
        abort(404)
    return _page("map.html", view=view, focus=mapview.focus(g, request.args.get("at"), page_lang()))


@bp.get("/class/<name>")
def class_members(name: str):
    g = services()
    if ":" in name:  # a reused vocabulary's class: /class/org:Organization
        class_iri = expand(name, g.uris.base)
        if class_iri is None:
            abort(404)
    elif name.replace("_", "").replace("-", "").isalnum():
        class_iri = g.uris.eco + name
    else:
        abort(404)
    if not g.exists(class_iri):
        abort(404)
    members = listings.members(g, class_iri, page_lang(), _page_number())
    return _page("class.html", members=members, name=name)


# ------------------------------------------------------------------ search


@bp.get("/search")
def search_page():
    g = services()
    q = request.args.get("q", "")
    hits = search_service.search(g, q, page_lang()) if q.strip() else []
    return _page("search.html", q=q, hits=hits)


@bp.get("/search.json")
def search_json():
    g = services()
    lang = page_lang()
    q = request.args.get("q", "")
    try:
        limit = max(1, min(50, int(request.args.get("limit", "10"))))
    except ValueError:
        limit = 10
    hits = search_service.search(g, q, lang, limit=limit) if q.strip() else []
    body = {"query": q, "results": [h.as_json(h.labels.get(lang) or h.matched) for h in hits]}
    resp = Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")
    return finish(resp, "Accept-Language")
