"""The lean path (``web.lean``) answers GET queries without Flask: the same status, the same headers in the
same order and the same bytes as the Flask view (``web.sparql``), for every kind of answer."""

from __future__ import annotations

import urllib.parse

import pytest
from werkzeug.test import Client

from ecokg.web import FRONT

EX = "https://w3id.org/ecokg/"
# ordered rows in every result format; a few subjects, not a sort of the whole graph
ORDERED = (f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ <{EX}id/division/500154> <{EX}id/division/500000> }} ?s ?p ?o }} "
           "ORDER BY ?s ?p ?o LIMIT 7")
CASES = [
    ("ASK {}", None, {}),
    (ORDERED, "application/sparql-results+json", {}),
    (ORDERED, "text/csv", {}),
    (ORDERED, "text/tab-separated-values;q=0.9, */*;q=0.1", {}),
    ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", None, {"format": "xml"}),
    (f"CONSTRUCT WHERE {{ <{EX}id/division/500154> ?p ?o }}", "text/turtle", {}),
    (f"DESCRIBE <{EX}id/division/500154>", "application/n-triples", {}),
    (f"DESCRIBE <{EX}id/division/500154>", "application/ld+json", {}),
    ("SELECT * WHERE { ?s ?p ?o }", "text/csv", {}),  # streamed (no Content-Length)
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 2", "text/html", {}),  # 406
    ("SELECT * WHERE { ?s ?p ", None, {}),  # 400: syntax
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", None, {}),  # 400: policy
    ("ASK { ?s ?p ?o }", None, {"default-graph-uri": f"{EX}graph/none"}),
    ("ASK { ?s ?p ?o }", None, {"default-graph-uri": "not an iri"}),  # 400: protocol
    ("SELECT (<rel> AS ?x) {}", None, {}),  # relative IRIs resolve against the endpoint's URL
    ('SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(CONTAINS(?l, "开")) } '
     "ORDER BY ?l LIMIT 3", "application/sparql-results+json", {}),
    ("ASK {}", None, {"update": "CLEAR ALL"}),  # 400: query and update
]


@pytest.fixture(scope="module", params=[64, 0], ids=["cache", "no-cache"])
def paths(request, start_site):
    """Two WSGI callables over the same app: the whole stack (front + lean path + Flask) and Flask alone."""
    front = start_site(cache_size=request.param).app.extensions[FRONT]
    flask_only = front.app.app  # Front -> LeanSparql -> Flask's own wsgi_app
    return Client(front), Client(flask_only)


def exchange(client: Client, method: str, params: dict, headers: dict):
    resp = client.open("/sparql?" + urllib.parse.urlencode(params), method=method, headers=headers,
                       base_url="http://site.example")
    try:
        return resp.status_code, list(resp.headers.items()), resp.get_data()
    finally:
        resp.close()


@pytest.mark.parametrize("query,accept,extra", CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_lean_and_flask_paths_answer_alike(paths, query, accept, extra, method):
    lean, flask_only = paths
    params = {"query": query, **extra}
    headers = {"Accept": accept} if accept else {}
    a = exchange(lean, method, params, headers)
    b = exchange(flask_only, method, params, headers)
    assert a == b
    if method == "GET" and a[0] == 200 and any(k == "Content-Length" for k, _ in a[1]):
        tag = dict(a[1])["ETag"]
        c = exchange(lean, method, params, {**headers, "If-None-Match": tag})
        d = exchange(flask_only, method, params, {**headers, "If-None-Match": tag})
        assert c == d and c[0] == 304 and c[2] == b""


def test_the_lean_path_is_taken(server, monkeypatch):
    """A GET query does not reach Flask; a GET without a query does."""
    front = server.app.extensions[FRONT]
    calls = []
    inner = front.app.app
    monkeypatch.setattr(front.app, "app", lambda environ, start: calls.append(environ["PATH_INFO"]) or inner(environ, start))
    client = Client(front)
    assert client.get("/sparql?query=ASK%7B%7D").status_code == 200 and calls == []
    assert client.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200 and calls == ["/sparql"]
