"""Fuzzing the HTTP surface of a real ``ecokg serve`` process with hypothesis.

Random and mutated SPARQL, random parameters, headers, methods and bodies, invalid UTF-8 in the request
line, headers and bodies, very long URIs and huge bodies.  Every answer must be an HTTP answer that is not
a 5xx (except the 503 of the query time limit), a 4xx must say what is wrong, nothing may hang (every
request has a client-side timeout), and the server's log must hold no traceback afterwards.

The run is reproducible (``derandomize``: the same examples on every run and machine) and bounded:
``ECOKG_FUZZ_EXAMPLES`` examples per test (default 120, about 400 requests in all); raise it for a longer
local run, e.g. ``ECOKG_FUZZ_EXAMPLES=3000 pytest tests/test_fuzz_http.py -s``.
"""

from __future__ import annotations

import os
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hardening_tools import acceptable, build_request, from_front, raw_request, unexpected_errors

EXAMPLES = int(os.environ.get("ECOKG_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
COUNT: dict[str, int] = {}
STATUSES: dict[int | None, int] = {}


@pytest.fixture(scope="module")
def fuzz_srv(start_server):
    return start_server("--timeout", "1", "--workers", "2", "--max-body", "200000", "--header-timeout", "2",
                        "--body-timeout", "2")


def _seeds() -> list[str]:
    from ecokg.dataset.examples import load_examples

    seeds = [ex.query for ex in load_examples()]
    seeds += [
        "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
        "ASK { ?s a <https://w3id.org/ecokg/ontology#Designation> }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
        "DESCRIBE <https://w3id.org/ecokg/id/division/500154>",
        'SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(REGEX(?l, "^开")) }',
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p HAVING (COUNT(*) > 2) ORDER BY DESC(?n)",
        'SELECT * WHERE { VALUES ?x { 1 "a"@en <urn:x> } BIND(STRLEN(STR(?x)) AS ?n) }',
        "SELECT * FROM <https://w3id.org/ecokg/graph/S01> WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 2",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ]
    return seeds


SEEDS = _seeds()
TOKENS = ["SERVICE", "SILENT", "LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "{", "}", "(", ")", ".", ";", ",",
          "?x", "$y", "*", "+", "?", "|", "^", "/", "!", "<http://127.0.0.1:9/>", "<>", '"', "'''", '"""',
          "\\u0053ERVICE", "\\U0001F600", "\\", "FILTER", "UNION", "OPTIONAL", "MINUS", "GRAPH", "VALUES", "BIND",
          "AS", "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "LIMIT 99999999999999999999",
          "OFFSET -1", "ORDER BY", "GROUP BY", "HAVING", "REGEX", "REPLACE", "SUBSTR", "\x00", "#", "\n", "\r",
          "PREFIX x: <>", "BASE <rel>", "a", "@en", "^^", "1e99999", "99999999999999999999999", "-0.0",
          "_:b", "[]", "()", "<<", ">>", "{|", "|}", "TRIPLE", "LANGDIR", "--ltr", "🙂", "\u202e", "\ufeff"]

text = st.text(max_size=40)
some_bytes = st.binary(max_size=40)


@st.composite
def mutated_sparql(draw) -> str:
    q = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 5))):
        i = draw(st.integers(0, len(q)))
        j = draw(st.integers(i, min(len(q), i + 30)))
        op = draw(st.sampled_from(["delete", "insert", "token", "duplicate", "upper"]))
        if op == "delete":
            q = q[:i] + q[j:]
        elif op == "insert":
            q = q[:i] + draw(text) + q[i:]
        elif op == "token":
            q = q[:i] + " " + draw(st.sampled_from(TOKENS)) + " " + q[i:]
        elif op == "duplicate":
            q = q[:j] + q[i:j] + q[j:]
        else:
            q = q[:i] + q[i:j].upper() + q[j:]
    return q


queries = st.one_of(mutated_sparql(), text, st.sampled_from(SEEDS))


def enc(value: str | bytes) -> str:
    """Percent-encode a value (bytes as they are: they may be invalid UTF-8)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return urllib.parse.quote_from_bytes(value, safe="")


MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
         "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "application/trig",
         "application/n-quads", "text/html", "application/json", "*/*", "text/*", "image/png", "application/xhtml+xml"]


@st.composite
def accept_header(draw) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        m = draw(st.one_of(st.sampled_from(MEDIA), text.map(lambda t: t.replace("\r", "").replace("\n", ""))))
        q = draw(st.one_of(st.none(), st.sampled_from(["0", "1", "0.5", "abc", "-1", "1e9", ""])))
        parts.append(m + ("" if q is None else f";q={q}"))
    value = ", ".join(parts).encode("utf-8")
    if draw(st.booleans()):
        value += draw(some_bytes).replace(b"\r", b"").replace(b"\n", b"")
    return value


def header_bytes(b: bytes) -> bytes:
    """Any bytes but CR and LF (which would end the header; that is fuzzed on its own)."""
    return b.replace(b"\r", b"").replace(b"\n", b"")


def check(port: int, method: bytes, request: bytes, name: str) -> None:
    COUNT[name] = COUNT.get(name, 0) + 1
    reply = raw_request(port, request)
    STATUSES[reply.status] = STATUSES.get(reply.status, 0) + 1
    problem = acceptable(reply, method)
    assert problem is None, f"{problem}\nrequest: {request[:600]!r}"


# ---------------------------------------------------------------- the SPARQL endpoint


@FUZZ
@given(how=st.sampled_from(["GET", "HEAD", "POST-form", "POST-direct", "POST-other"]), query=queries,
       extra=st.lists(st.tuples(st.sampled_from(["default-graph-uri", "named-graph-uri", "format", "update", "query",
                                                 "output", "timeout", "x"]), st.one_of(text, some_bytes)),
                      max_size=3),
       accept=st.one_of(st.none(), accept_header()),
       charset=st.one_of(st.none(), st.sampled_from(["utf-8", "UTF8", "latin-1", "utf-16", "x-bogus", ""])))
def test_fuzz_sparql_endpoint(fuzz_srv, how, query, extra, accept, charset):
    params = "&".join(f"{enc(k)}={enc(v)}" for k, v in extra)
    headers: list[tuple[bytes, bytes]] = []
    if accept is not None:
        headers.append((b"Accept", accept))
    method, body = b"GET", None
    target = "/sparql"
    if how in ("GET", "HEAD"):
        method = how.encode()
        target += "?query=" + enc(query) + ("&" + params if params else "")
    else:
        method = b"POST"
        ctype = {"POST-form": "application/x-www-form-urlencoded", "POST-direct": "application/sparql-query",
                 "POST-other": "text/plain"}[how]
        if charset is not None:
            ctype += f"; charset={charset}"
        headers.append((b"Content-Type", ctype.encode()))
        if how == "POST-form":
            body = ("query=" + enc(query) + ("&" + params if params else "")).encode()
        else:
            body = query.encode("utf-8")
            target += "?" + params if params else ""
    check(fuzz_srv.port, method, build_request(method, target.encode(), headers, body), "sparql")


# ---------------------------------------------------------------- every route

ROUTES = ["/", "/sparql", "/search", "/search.json", "/id/division/500154", "/id/division/500154.ttl",
          "/id/scheme/national-two-mountains-base", "/id/", "/ontology", "/ontology.jsonld", "/class/Place",
          "/class/Designation", "/downloads", "/downloads/ecokg.ttl", "/static/ecokg.css", "/.well-known/void",
          "/health", "/nowhere"]
PARAMS = ["q", "lang", "page", "limit", "query", "format", "x"]
METHODS = [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE", b"BREW", b"get"]
CTYPES = [b"application/x-www-form-urlencoded", b"application/sparql-query", b"application/json", b"text/html",
          b"multipart/form-data; boundary=x", b"multipart/form-data", b"", b"\xff\xfe", b"text/plain; charset=\xff"]


@st.composite
def paths(draw) -> str:
    path = draw(st.sampled_from(ROUTES))
    kind = draw(st.sampled_from(["as is", "suffix", "bytes", "segment"]))
    if kind == "suffix":
        path += draw(st.sampled_from(["", "/", ".html", ".ttl", ".nq", ".xyz", "..", "/..", "%00", "%2e%2e%2f"]))
    elif kind == "bytes":
        path += enc(draw(some_bytes))
    elif kind == "segment":
        path = path.rstrip("/") + "/" + enc(draw(text))
    return path


@FUZZ
@given(method=st.sampled_from(METHODS), path=paths(),
       params=st.lists(st.tuples(st.sampled_from(PARAMS), st.one_of(text, some_bytes, queries)), max_size=4),
       headers=st.lists(st.tuples(st.sampled_from([b"Accept", b"Accept-Language", b"Content-Type", b"If-None-Match",
                                                   b"If-Modified-Since", b"Range", b"Origin", b"Cookie", b"X-Forwarded-For",
                                                   b"Access-Control-Request-Method", b"X-Random"]),
                                  st.one_of(accept_header(), st.sampled_from(CTYPES), some_bytes.map(header_bytes))),
                        max_size=5),
       body=st.one_of(st.none(), some_bytes, text.map(str.encode), queries.map(lambda q: ("query=" + enc(q)).encode())))
def test_fuzz_any_route(fuzz_srv, method, path, params, headers, body):
    target = path + ("?" + "&".join(f"{k}={enc(v)}" for k, v in params) if params else "")
    check(fuzz_srv.port, method, build_request(method, target.encode(), headers, body), "routes")


# ---------------------------------------------------------------- raw bytes where text belongs


@FUZZ
@given(where=st.sampled_from(["query string", "path", "header", "form body", "direct body", "lang", "search"]),
       junk=st.binary(min_size=1, max_size=60).filter(lambda b: b"\xff" in b or not _is_utf8(b))
       | st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"%ff%fe",
                          b"%c3%28", b"%ed%a0%80", b"\x00", b"%00"]))
def test_fuzz_invalid_utf8(fuzz_srv, where, junk):
    raw = junk.replace(b"\r", b"").replace(b"\n", b"").replace(b" ", b"%20").replace(b"#", b"%23") or b"%ff"
    method, headers, body, target = b"GET", [], None, b"/sparql?query=ASK%7B%7D"
    if where == "query string":
        target = b"/sparql?query=" + raw
    elif where == "path":
        target = b"/id/place/" + raw
    elif where == "header":
        headers = [(b"Accept", raw), (b"Accept-Language", raw), (b"X-Junk", raw)]
        target = b"/id/division/500154"
    elif where == "form body":
        method, target = b"POST", b"/sparql"
        headers = [(b"Content-Type", b"application/x-www-form-urlencoded")]
        body = b"query=ASK%7B%7D&default-graph-uri=" + raw
    elif where == "direct body":
        method, target = b"POST", b"/sparql"
        headers = [(b"Content-Type", b"application/sparql-query")]
        body = b"ASK { ?s ?p \"" + junk + b"\" }"
    elif where == "lang":
        target = b"/?lang=" + raw
    else:
        target = b"/search.json?q=" + raw
    check(fuzz_srv.port, method, build_request(method, target, headers, body), "utf8")


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# ---------------------------------------------------------------- sizes


def test_very_long_uris(fuzz_srv):
    port = fuzz_srv.port
    long_query = "ASK { ?s ?p " + '"' + "x" * 14000 + '" }'
    r = raw_request(port, build_request(b"GET", b"/sparql?query=" + enc(long_query).encode()))
    assert acceptable(r) is None and r.status in (200, 414), r.status  # under or over the 16,384-byte URI limit
    for size in (20_000, 200_000, 2_000_000):
        for target in (b"/sparql?query=" + b"a" * size, b"/id/place/" + b"a" * size, b"/search?q=" + b"%ff" * (size // 3)):
            r = raw_request(port, build_request(b"GET", target))
            # ecokg's 414 with a message; past the HTTP server's ~400 KB read buffer, its own bare 414 or 431
            assert r.status in (400, 414, 431) and (r.body or from_front(r)), (size, target[:30], r.status, r.text[:200])
    many = [(f"X-H{i}".encode(), b"v") for i in range(300)]
    r = raw_request(port, build_request(b"GET", b"/health", many))
    assert r.status in (400, 431) and (r.body or from_front(r))  # over 100 fields: the HTTP server's bare 431
    r = raw_request(port, build_request(b"GET", b"/health", [(b"X-Big", b"v" * 20000)]))
    assert r.status in (400, 431) and r.body
    assert raw_request(port, build_request(b"GET", b"/health")).status == 200


def test_huge_bodies(fuzz_srv):
    port = fuzz_srv.port  # --max-body 200000
    big = b"ASK { ?s ?p \"" + b"x" * 5_000_000 + b"\" }"
    for ctype, body in [(b"application/sparql-query", big), (b"application/x-www-form-urlencoded", b"query=" + big),
                        (b"application/json", big), (b"multipart/form-data; boundary=x", big)]:
        r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", ctype)], body))
        if ctype.startswith((b"application/sparql-query", b"application/x-www-form")):
            assert r.status == 413, (ctype, r.status, r.text[:200])
            assert b"larger than the limit of 200000 bytes" in r.body, r.text[:300]
        else:  # refused for its type before it is read, or for its size
            assert r.status in (413, 415), (ctype, r.status, r.text[:200])
    for path in (b"/search", b"/id/division/500154", b"/downloads/x", b"/static/ecokg.css"):
        r = raw_request(port, build_request(b"POST", path, [(b"Content-Type", b"application/x-www-form-urlencoded")],
                                            b"q=" + big))
        assert r.status in (405, 413) and r.body, (path, r.status)
    # just under the limit is read and answered
    body = b"query=" + enc("ASK { ?s ?p \"" + "y" * 150_000 + "\" }").encode()
    r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
                                        body))
    assert r.status == 200 and b"false" in r.body, (r.status, r.text[:300])
    # a body larger than its Content-Length says, and chunked bodies
    r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
                                                              (b"Content-Length", b"5")], b"ASK {}  trailing junk",
                                        content_length=False))
    assert acceptable(r) is None, r.status
    chunked = b"5\r\nASK {\r\n2\r\n }\r\n0\r\n\r\n"
    r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
                                                              (b"Transfer-Encoding", b"chunked")], chunked,
                                        content_length=False))
    assert r.status == 200, (r.status, r.text[:200])
    huge_chunked = b"".join(b"ffff\r\n" + b"a" * 0xFFFF + b"\r\n" for _ in range(60)) + b"0\r\n\r\n"
    r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", b"application/sparql-query"),
                                                              (b"Transfer-Encoding", b"chunked")], huge_chunked,
                                        content_length=False))
    assert r.status == 413, (r.status, r.text[:200])


def test_request_smuggling_and_broken_framing(fuzz_srv):
    port = fuzz_srv.port
    cases = [
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg",
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX: a\nY: b\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n Folded: header\r\n\r\n",
        b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET  /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\xff\xfe\xfd /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET http://127.0.0.1:9/health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health\r\n\r\n",
    ]
    # sent at once, each on a connection of its own: an answered one is kept alive until the header timeout
    with ThreadPoolExecutor(len(cases) + 1) as pool:
        replies = list(pool.map(lambda request: raw_request(port, request), [*cases, b"\r\n\r\n"]))
    for request, r in zip(cases, replies):
        assert r.status is not None and r.status < 500, (request, r.status, r.raw[:300])
    # empty lines are no request at all: the connection is closed, without an answer, at the header timeout
    r = replies[-1]
    assert r.status is None and r.raw == b""
    assert raw_request(port, build_request(b"GET", b"/health")).status == 200


def test_regressions_found_by_fuzzing(fuzz_srv):
    """Each of these was a 500 or a silent misreading before."""
    port = fuzz_srv.port
    for target in (b"/id/place/%ff", b"/id/place/a%20b", b"/id/place/x%3Ey", b"/id/place/%ff.ttl"):
        for accept in (b"text/html", b"text/turtle"):
            r = raw_request(port, build_request(b"GET", target, [(b"Accept", accept)]))
            assert r.status == 404, (target, accept, r.status)
    for name in (b"default-graph-uri", b"named-graph-uri"):
        for bad in (b"%20not%20an%20iri", b"a%3Eb", b"relative"):
            r = raw_request(port, build_request(b"GET", b"/sparql?query=ASK%7B%7D&" + name + b"=" + bad))
            assert r.status == 400 and b"must be an absolute IRI" in r.body, (name, bad, r.status, r.body)
    r = raw_request(port, build_request(b"POST", b"/sparql", [(b"Content-Type", b"application/x-www-form-urlencoded")],
                                        b"query=ASK%7B%7D&x=\xff\xfe"))
    assert r.status == 400 and b"not valid UTF-8" in r.body, (r.status, r.body)


def test_server_survived_without_a_traceback(fuzz_srv):
    """Runs last in this module: the server still answers and logged no unhandled exception."""
    r = raw_request(fuzz_srv.port, build_request(b"GET", b"/sparql?query=ASK%7B%7D",
                                                 [(b"Accept", b"application/sparql-results+json")]))
    assert r.status == 200 and b"true" in r.body
    log = fuzz_srv.log()
    assert not unexpected_errors(log), (unexpected_errors(log), log[log.find("Traceback") - 2000:][:6000])
    print(f"\nfuzz examples run: {COUNT} (ECOKG_FUZZ_EXAMPLES={EXAMPLES} per test); "
          f"answers by status: {dict(sorted(STATUSES.items(), key=lambda kv: str(kv[0])))}")
