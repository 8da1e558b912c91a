"""``/sparql``: the SPARQL 1.1 Protocol endpoint, its query page and its service description.

A thin adapter: the request's parts go to ``ecokg.sparql`` (protocol, classifier,
executor, formats), whose answer becomes the response (``web.answers``: the same
status, headers and bytes as the lean path for GET queries, ``web.lean``).  CORS
is open, so browser tools on other origins can query.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from ecokg.dataset.examples import PREFIXES, load_examples, prefix_block
from ecokg.rdf.formats import BY_KEY, GRAPH_FORMATS, NotAcceptable, negotiate
from ecokg.sparql.protocol import ALLOWED_METHODS, DIRECT_QUERY, FORM, ProtocolError, parse_operation
from ecokg.sparql.service import Answer, SparqlService, error_answer
from ecokg.sparql.service_description import graph_sizes, service_description
from ecokg.web.answers import CORS, NOSNIFF, PREFLIGHT, answer_parts
from ecokg.web.context import ctx

bp = Blueprint("sparql", __name__)

EXTENSION = "ecokg.sparql"


@bp.record_once
def _setup(state) -> None:
    c = state.app.extensions["ecokg"]
    state.app.extensions[EXTENSION] = SparqlService(c.store, timeout=c.settings.timeout,
                                                    max_rows=c.settings.max_rows,
                                                    max_memory=c.settings.max_memory,
                                                    processes=c.settings.threads,
                                                    cache_mib=c.settings.cache_size)


def sparql_service() -> SparqlService:
    return current_app.extensions[EXTENSION]


def _respond(answer: Answer) -> Response:
    status, headers, body = answer_parts(answer)
    return Response(body, status=status, headers=headers)


@bp.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
          provide_automatic_options=False)
def sparql():
    if request.method == "OPTIONS":  # CORS preflight
        return Response(status=204, headers=[("Allow", ", ".join(ALLOWED_METHODS)), *CORS, *PREFLIGHT, NOSNIFF])
    try:
        direct = request.mimetype == DIRECT_QUERY
        form = request.mimetype == FORM
        # read (and for a form, keep) the body first: the protocol checks that it is UTF-8, which the
        # form parser would otherwise hide by dropping the fields it cannot decode
        body = request.get_data(cache=form) if direct or form else b""
        if request.content_length is None and len(body) >= (request.max_content_length or float("inf")):
            request.stream.read(1)  # a chunked body: werkzeug stops at the limit; reading on raises the 413
        op = parse_operation(
            request.method,
            url_params=list(request.args.items(multi=True)),
            content_type=request.mimetype if request.method == "POST" else None,
            charset=request.mimetype_params.get("charset"),
            form_params=list(request.form.items(multi=True)) if form else (),
            body=body,
        )
    except ProtocolError as e:
        return _respond(error_answer(e.status, e.message, e.headers))
    except RequestEntityTooLarge:
        return _respond(error_answer(413, f"the request body is larger than the limit of "
                                          f"{ctx().settings.max_body} bytes"))
    if op.query is None:
        return _no_query()
    tagged = request.method in ("GET", "HEAD")
    # the Accept header as text: negotiated as the lean path does (and remembered, web.lean)
    return _respond(sparql_service().answer(op, request.headers.get("Accept"), base_iri=request.base_url,
                                            tagged=tagged, if_none_match=request.headers.get("If-None-Match")))


def _no_query() -> Response:
    """No query: the query page for browsers, the service description for RDF clients."""
    accept = request.accept_mimetypes
    try:
        fmt = negotiate(accept, (*GRAPH_FORMATS, BY_KEY["html"])) if accept else GRAPH_FORMATS[0]
    except NotAcceptable:
        return _respond(error_answer(400, "no `query` parameter: send a SPARQL query, or ask for the "
                                          "query page (text/html) or the service description (RDF)"))
    if fmt.key == "html":
        return _query_page()
    service = sparql_service()
    sizes = current_app.extensions.get(EXTENSION + ".sizes")
    if sizes is None:
        try:
            sizes = graph_sizes(service.store)
        except Exception:  # noqa: BLE001 - the description is still useful without sizes
            sizes = None
        current_app.extensions[EXTENSION + ".sizes"] = sizes
    body = service_description(request.base_url, fmt, sizes=sizes, timeout=service.timeout,
                               max_rows=service.max_rows)
    return _respond(Answer(200, fmt.content_type, [body]))


def _query_page() -> Response:
    examples = [e.to_json() for e in load_examples()]
    config = {
        "endpoint": request.base_url,
        "prefixes": PREFIXES,
        "defaultQuery": prefix_block() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n",
        "examples": examples,
    }
    html = render_template("sparql.html", config=config, examples=examples)
    return Response(html, headers=[("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept"), *CORS])
