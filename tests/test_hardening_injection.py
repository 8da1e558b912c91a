"""SSRF, XSS, path traversal and injection, against real servers.

Extends what the SPARQL and page tests already prove (tests/test_sparql_limits.py: SERVICE, SERVICE SILENT,
``\\u0053ERVICE``, SERVICE in NOT EXISTS, LOAD, FROM/FROM NAMED and default-graph-uri never connect;
tests/test_pages_escaping.py: markup in labels is inert on entity, listing and search pages and in the
embedded JSON-LD) with: more hiding places for SERVICE, IRIs bound through PREFIX/BASE/VALUES, remote
IRIs in GRAPH/DESCRIBE/named-graph-uri, the ``ecokg query`` command, data files whose JSON-LD context or
links point at a server; reflected markup in every parameter, path and header of the pages; the query
page's result table in a real browser; path traversal on downloads and static files; and user text that
tries to break out of a SPARQL query.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from cli import run_ecokg

from hardening_tools import build_request, raw_request
from pagetools import get as page_get
from conftest import SilentListener
from sparql_http import DATA_TRIG, get, post_direct, post_form


@pytest.fixture(scope="module")
def listener():
    listen = SilentListener()
    yield listen
    listen.close()


@pytest.fixture(scope="module")
def data_file(tmp_path_factory, listener) -> Path:
    path = tmp_path_factory.mktemp("inject") / "data.trig"
    extra = f"""
<http://example.org/linked> <http://www.w3.org/2002/07/owl#imports> <{listener.url}/ontology.ttl> ;
    <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{listener.url}/see-also> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "linked"@en .
"""
    path.write_text(DATA_TRIG + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def srv(start_server, data_file):
    return start_server("--data", str(data_file), "--workers", "1", "--timeout", "5")


# ---------------------------------------------------------------- SSRF


def service_queries(url: str) -> list[str]:
    escaped = "".join(f"\\u{ord(c):04X}" for c in "SERVICE")
    return [
        f"SELECT * WHERE {{ {escaped} <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE\tSILENT\n<{url}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <{url}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}/> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}/> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{url}/> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE <{url}/> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}/> {{ ?a ?p ?o }} }} }}",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ OPTIONAL {{ ?x ?y ?z FILTER NOT EXISTS {{ {{ SELECT * WHERE {{ "
        f"SERVICE SILENT <{url}/> {{ ?x ?y ?z }} }} }} }} }} }}",
        f"ASK {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
        f"# SERVICE in a comment is fine, this one is not\nSELECT * WHERE {{ SERVICE <{url}/> {{ ?s ?p ?o }} }}",
    ]


def test_service_is_refused_wherever_it_hides(srv, listener):
    for q in service_queries(listener.url):
        for r in (get(srv.url, q), post_direct(srv.url, q), post_form(srv.url, {"query": q})):
            assert r.status == 400 and "SERVICE is not allowed" in r.text, (q, r.status, r.text)
    assert listener.connections() == 0


def test_remote_graph_iris_select_nothing_and_fetch_nothing(srv, listener):
    url = listener.url
    empty_selects = [
        f"SELECT * FROM <{url}/a.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/a.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}/a.ttl> FROM NAMED <{url}/b.ttl> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH <{url}/c.ttl> {{ ?s ?p ?o }} }}",
    ]
    for q in empty_selects:
        r = get(srv.url, q, accept="application/sparql-results+json")
        assert r.status == 200 and json.loads(r.body)["results"]["bindings"] == [], (q, r.text[:300])
    r = get(srv.url, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", accept="application/sparql-results+json",
            **{"named-graph-uri": f"{url}/named.ttl", "default-graph-uri": f"{url}/default.ttl"})
    assert r.status == 200 and json.loads(r.body)["results"]["bindings"] == []
    r = get(srv.url, f"DESCRIBE <{url}/thing>", accept="application/n-triples")
    assert r.status == 200 and r.body.strip() == b""
    r = get(srv.url, f"CONSTRUCT {{ <{url}/x> ?p ?o }} WHERE {{ <{url}/x> ?p ?o }}", accept="text/turtle")
    assert r.status == 200
    # LOAD in every way it can be sent
    r = post_form(srv.url, {"update": f"LOAD <{url}/data.ttl>"})
    assert r.status == 403
    r = post_form(srv.url, {"query": f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:g>"})
    assert r.status == 400 and "read-only" in r.text
    from sparql_http import request

    r = request(srv.url, "POST", body=f"LOAD <{url}/data.ttl>",
                headers={"Content-Type": "application/sparql-update"})
    assert r.status == 403
    r = request(srv.url, "POST", params={"update": f"LOAD <{url}/d.ttl>"}, body="",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 403
    assert listener.connections() == 0


def test_pages_never_follow_links_in_the_data(srv, listener):
    # owl:imports and rdfs:seeAlso point at the listener: rendering, negotiating and describing fetch nothing
    for accept in ("text/html", "text/turtle", "application/ld+json"):
        r = page_get(srv.url + "/.well-known/void", {"Accept": accept})
        assert r.status == 200
    assert page_get(srv.url + "/search?q=linked").status == 200
    r = get(srv.url, "DESCRIBE <http://example.org/linked>", accept="text/turtle")
    assert r.status == 200 and listener.url.encode() in r.body
    assert listener.connections() == 0


def test_query_command_never_connects(listener, data_file):
    url = listener.url

    def ecokg_query(q: str):
        return run_ecokg("query", q, "--data", str(data_file), "-f", "json")

    for q in service_queries(url)[:8]:
        r = ecokg_query(q)
        assert r.returncode == 1 and "SERVICE is not allowed" in r.stderr, (q, r.stderr)
    r = ecokg_query(f"LOAD <{url}/data.ttl>")
    assert r.returncode == 1 and "read-only" in r.stderr
    r = ecokg_query(f"SELECT * FROM <{url}/a.ttl> FROM NAMED <{url}/b.ttl> WHERE {{ ?s ?p ?o }}")
    assert r.returncode == 0 and json.loads(r.stdout)["results"]["bindings"] == []
    assert listener.connections() == 0


def test_data_file_with_a_remote_jsonld_context_fetches_nothing(tmp_path, listener):
    doc = tmp_path / "remote-context.jsonld"
    doc.write_text(json.dumps({"@context": f"{listener.url}/context.jsonld", "@id": "http://example.org/x",
                               "name": "x"}), encoding="utf-8")
    from conftest import free_port

    r = run_ecokg("serve", "--port", str(free_port()), "--data", str(doc))
    assert r.returncode == 2 and f"error: {doc}" in r.stderr, r.stderr[-1000:]
    r = run_ecokg("query", "ASK { ?s ?p ?o }", "--data", str(doc))
    assert r.returncode == 2 and str(doc) in r.stderr
    assert listener.connections() == 0


# ---------------------------------------------------------------- XSS

PAYLOAD = "\"'><script>window.__xss=1</script><img src=x onerror=window.__xss=2><svg onload=alert(3)>"
RAW = ["<script>window.__xss", "<img src=x", "<svg onload"]


def assert_inert(html: str, where: str) -> None:
    for piece in RAW:
        assert piece not in html, f"{where}: raw {piece!r} in the page"


@pytest.fixture(scope="module")
def evil_srv(start_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("evil") / "evil.ttl"
    path.write_text(f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/ecokg/id/place/evil> a <https://w3id.org/ecokg/ontology#Place> ;
    rdfs:label {json.dumps(PAYLOAD)}@en , {json.dumps("坏" + PAYLOAD)}@zh ;
    dcterms:description {json.dumps("</script><!--" + PAYLOAD)}@en .
""", encoding="utf-8")
    return start_server("--data", str(path), "--workers", "1")


PAGES = ["/", "/search", "/search.json", "/id/place/evil", "/id/place/evil.html", "/ontology", "/class/Place",
         "/downloads", "/sparql", "/.well-known/void", "/id/place/nothing-here"]


def test_reflected_markup_in_parameters_paths_and_headers_is_inert(evil_srv):
    q = urllib.parse.quote(PAYLOAD)
    for path in PAGES:
        for params in (f"q={q}", f"lang={q}", f"page={q}", f"limit={q}", f"x={q}&lang=en", f"{q}={q}"):
            r = page_get(f"{evil_srv.url}{path}?{params}", {"Accept": "text/html"})
            assert r.status < 500, (path, params, r.status)
            if r.header("Content-Type").startswith("application/json"):  # data, never rendered as a page
                assert r.header("X-Content-Type-Options") == "nosniff"
                json.loads(r.body)
                continue
            assert_inert(r.text, f"{path}?{params}")
        r = page_get(evil_srv.url + path, {"Accept": "text/html", "Accept-Language": PAYLOAD.replace("\n", "")})
        assert r.status < 500
        assert_inert(r.text, f"{path} with Accept-Language")
    for path in (f"/id/place/{q}", f"/id/{q}", f"/class/{q}", f"/{q}", f"/downloads/{q}", f"/static/{q}",
                 f"/id/place/evil{q}.html", f"/ontology.{q}"):
        r = page_get(evil_srv.url + path, {"Accept": "text/html"})
        assert r.status in (400, 404, 406), (path, r.status)
        assert_inert(r.text, path)
    # a hostile Host header reaches the query page's endpoint URL: escaped in HTML and in its script's JSON
    r = raw_request(evil_srv.port, build_request(b"GET", b"/sparql", [(b"Accept", b"text/html")])
                    .replace(b"Host: 127.0.0.1", b"Host: x\"><script>window.__xss=1</script>"))
    assert r.status in (200, 400), r.status
    assert_inert(r.text, "query page with a hostile Host")


def test_error_text_echoing_a_query_is_never_taken_as_html(evil_srv):
    r = get(evil_srv.url, PAYLOAD)
    assert r.status == 400 and r.header("Content-Type").startswith("text/plain")
    assert r.header("X-Content-Type-Options") == "nosniff"
    r = page_get(evil_srv.url + "/search.json?q=" + urllib.parse.quote(PAYLOAD))
    assert r.header("Content-Type").startswith("application/json") and r.header("X-Content-Type-Options") == "nosniff"
    assert json.loads(r.body)["query"] == PAYLOAD  # echoed as data, exactly
    for piece in RAW:
        assert piece not in r.text or r.text.count(piece) == r.text.count(json.dumps(piece)[1:-1])


def test_markup_in_data_stays_text_in_a_real_browser(evil_srv, tmp_path):
    """Entity page, search page and the query page's result table (YASGUI) in headless Chromium:
    the label shows as text and none of its script runs."""
    from browser import selenium_driver

    with selenium_driver() as drv:  # skips the test without Chromium, ChromeDriver or Selenium
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        for path in ("/id/place/evil?lang=en", "/id/place/evil?lang=zh", "/search?q=script&lang=en",
                     "/class/Place?lang=en", "/search?q=" + urllib.parse.quote(PAYLOAD)):
            drv.get(evil_srv.url + path)
            assert drv.execute_script("return window.__xss") is None, path
            assert not drv.find_elements(By.CSS_SELECTOR, "main img[src='x'], main svg[onload]"), path
        drv.get(evil_srv.url + "/id/place/evil?lang=en")
        assert PAYLOAD in drv.find_element(By.TAG_NAME, "h1").text
        # the query page: run a query whose results hold the markup
        drv.get(evil_srv.url + "/sparql")
        wait = WebDriverWait(drv, 30)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
        query = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
        drv.execute_script("window.ecokgYasgui.getTab().setQuery(arguments[0])", query)
        drv.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False)
        table = drv.find_element(By.CSS_SELECTOR, ".yasr table").text
        assert "<script>window.__xss=1</script>" in table  # shown as the text it is
        assert drv.execute_script("return window.__xss") is None
        assert not drv.find_elements(By.CSS_SELECTOR, ".yasr img[src='x'], .yasr svg[onload], .yasr script")


# ---------------------------------------------------------------- path traversal


@pytest.fixture(scope="module")
def traversal_srv(start_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("traversal")
    (root / "secret.txt").write_text("TOP-SECRET-NEXT-TO-DIST\n")
    dist = root / "dist"
    dist.mkdir()
    (dist / "ecokg.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (dist / ".hidden").write_text("HIDDEN-FILE\n")
    return start_server("--dist", str(dist), "--data", str(Path(__file__).parent / "broken" / "zero-ordinal.ttl"),
                        "--workers", "1")


SECRETS = [b"TOP-SECRET-NEXT-TO-DIST", b"[build-system]", b"root:x:0", b"def serve(", b"HIDDEN-FILE",
           b"import click"]
TRAVERSALS = [
    b"/downloads/../secret.txt", b"/downloads/%2e%2e/secret.txt", b"/downloads/%2e%2e%2fsecret.txt",
    b"/downloads/..%2fsecret.txt", b"/downloads/..%2f..%2f..%2fetc%2fpasswd", b"/downloads/%2fetc%2fpasswd",
    b"/downloads//etc/passwd", b"/downloads/....//secret.txt", b"/downloads/..\\secret.txt",
    b"/downloads/%5c..%5csecret.txt", b"/downloads/ecokg.nt%00.txt", b"/downloads/%252e%252e%252fsecret.txt",
    b"/downloads/.hidden", b"/downloads/%2ehidden", b"/downloads/./../secret.txt",
    b"/downloads/%c0%ae%c0%ae/secret.txt", b"/downloads/..%c0%afsecret.txt",
    b"/static/../cli.py", b"/static/../../pyproject.toml", b"/static/%2e%2e/cli.py", b"/static/..%2fcli.py",
    b"/static/%2e%2e%2f%2e%2e%2fpyproject.toml", b"/static//etc/passwd", b"/static/%2fetc%2fpasswd",
    b"/static/..\\cli.py", b"/static/vendor/../../cli.py", b"/static/ecokg.css/../../cli.py",
    b"/id/../../../etc/passwd", b"/id/%2e%2e/%2e%2e/etc/passwd", b"/class/..%2f..%2fetc%2fpasswd",
    b"/../../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/ontology.%2e%2e%2f%2e%2e%2fcli.py",
]


def test_path_traversal_is_refused(traversal_srv):
    ok = raw_request(traversal_srv.port, build_request(b"GET", b"/downloads/ecokg.nt"))
    assert ok.status == 200 and b"<urn:a>" in ok.body  # the real file is there
    for target in TRAVERSALS:
        r = raw_request(traversal_srv.port, build_request(b"GET", target))
        if r.status == 308:  # werkzeug merges repeated slashes by a redirect that stays under the route
            location = urllib.parse.urlsplit(r.headers["location"]).path
            assert location.startswith(target[:target.index(b"/", 1)].decode() + "/"), (target, location)
            r = raw_request(traversal_srv.port, build_request(b"GET", location.encode()))
        assert r.status in (400, 404), (target, r.status, r.body[:200])
        for secret in SECRETS:
            assert secret not in r.body, (target, secret)
    listing = page_get(traversal_srv.url + "/downloads")
    assert "ecokg.nt" in listing.text and ".hidden" not in listing.text and "secret" not in listing.text


# ---------------------------------------------------------------- user text never becomes query text

BREAKOUTS = ['"', "'", "}", "{", '" } UNION { ?s ?p ?o } #', "' } UNION { ?s ?p ?o } #", "\\", '\\"', "\\u0022",
             "<>", "?s", "$s", ")", ") || true || (", "\n}\nSELECT * WHERE { ?s ?p ?o }\n#", "#", "%", "%22",
             "^^<urn:x>", "@en", '"""', "'''", "\x00", "开州\" } UNION { ?s ?p ?o } #"]


def test_search_text_is_never_query_text(server):
    kaizhou = json.loads(page_get(server.url + "/search.json?q=" + urllib.parse.quote("开州")).body)["results"]
    assert kaizhou, "the baseline search finds nothing"
    for text in BREAKOUTS:
        for path in ("/search.json", "/search"):
            r = page_get(server.url + path + "?q=" + urllib.parse.quote(text) + "&lang=en")
            assert r.status == 200, (text, r.status, r.text[:300])
        body = json.loads(page_get(server.url + "/search.json?q=" + urllib.parse.quote(text)).body)
        assert body["query"] == text
        if "UNION" in text or "SELECT" in text:  # a breakout would list everything; as text it matches nothing
            assert body["results"] == [], (text, len(body["results"]))


def test_path_and_parameter_text_is_never_query_text(server):
    for tail in ['kaizhou-district> ?p ?o } UNION { ?s ?p ?o } #', "kaizhou-district>", 'x" } #', "x%3E%20%7D",
                 "kaizhou-district%3E%20%3Fp%20%3Fo%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%23"]:
        for accept in ("text/html", "text/turtle", "application/n-triples"):
            r = page_get(server.url + "/id/place/" + tail.replace(" ", "%20"), {"Accept": accept})
            assert r.status == 404, (tail, accept, r.status, r.text[:200])
    for name in ["Place> ?p ?o } #", "Place%3E%7D", "Designation}UNION{"]:
        assert page_get(server.url + "/class/" + name.replace(" ", "%20")).status == 404
    for lang in ['en" } #', "en'", "zh}", "<en>"]:
        r = page_get(server.url + "/id/division/500154?lang=" + urllib.parse.quote(lang))
        assert r.status == 200 and "开州区" in r.text


# ---------------------------------------------------------------- redirects and CORS


def test_no_open_redirect_and_no_credentialed_cors(srv):
    for target in (b"//evil.example/", b"//evil.example/id/place/x", b"///evil.example/", b"/\\evil.example",
                   b"/downloads//evil.example", b"/id//evil.example", b"/static//evil.example/x.css",
                   b"/%2f%2fevil.example", b"/id/%2f%2fevil.example"):
        r = raw_request(srv.port, build_request(b"GET", target))
        assert r.status in (308, 400, 404), (target, r.status)
        location = r.headers.get("location")
        if location:  # werkzeug's slash merging: the same host, never another
            assert urllib.parse.urlsplit(location).netloc == "127.0.0.1", (target, location)
            assert not urllib.parse.urlsplit(location).path.startswith("//"), (target, location)
    for method, headers in ((b"OPTIONS", [(b"Access-Control-Request-Method", b"POST")]), (b"GET", [])):
        r = raw_request(srv.port, build_request(method, b"/sparql?query=ASK%7B%7D",
                                                [(b"Origin", b"http://evil.example"), (b"Cookie", b"a=b"), *headers]))
        assert r.status in (200, 204)
        assert "access-control-allow-credentials" not in r.headers  # public data, never with the reader's cookies
        assert "set-cookie" not in r.headers
