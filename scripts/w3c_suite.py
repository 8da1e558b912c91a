#!/usr/bin/env python3
"""Run the W3C SPARQL 1.1 Protocol and query-evaluation tests over HTTP against `ecokg serve --data`.

    python3 scripts/w3c_suite.py PATH/TO/rdf-tests/sparql/sparql11 [--only protocol|query] [-v]

The suite is the public w3c/rdf-tests repository; use a local copy of it (it is never part of this
repository).  The runner

* loads every data file the tests use into one N-Quads file, each file in a named graph named by its
  own URL (protocol tests: by the graph name the manifest gives), and starts ``ecokg serve --data`` on it;
* sends each query-evaluation test's query over HTTP with its dataset given by the protocol's
  ``default-graph-uri``/``named-graph-uri`` (unless the query has its own FROM/FROM NAMED); as a query
  sent over HTTP has no retrieval IRI, the query file's URL is declared as ``BASE``;
* compares the answer with the expected results (solutions as multisets, blank nodes up to renaming,
  numeric and boolean literals by datatype and value, as the engine stores them in canonical form --
  "1.0" and "1" of xsd:decimal are one value, "0" and "false" of xsd:boolean too; graphs up to isomorphism; result order is not checked);
* sends each protocol test's requests exactly as the manifest spells them and checks status codes,
  formats and boolean answers.

Not applicable here, and so skipped and counted apart: SPARQL Update tests (the endpoint is read-only
by design), SERVICE tests (federated queries are refused by design), entailment-regime tests.
Exit status 0 when every applicable protocol test and at least 95% of the query-evaluation tests pass.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

QUERY_MANIFESTS = ["manifest-sparql11-query.ttl", "csv-tsv-res/manifest.ttl", "json-res/manifest.ttl"]
EVAL_TYPES = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}


# ---------------------------------------------------------------- manifests

def read_manifest(path: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.resolve().as_uri())
    return g


def entries(path: Path) -> list[tuple[rdflib.Graph, URIRef]]:
    g = read_manifest(path)
    out = []
    for manifest in g.subjects(RDF.type, MF.Manifest):
        for inc in g.objects(manifest, MF.include):
            for sub in Collection(g, inc):
                out += entries(Path(urllib.parse.urlparse(str(sub)).path))
        for lst in g.objects(manifest, MF.entries):
            out += [(g, t) for t in Collection(g, lst)]
    return out


def local(uri) -> Path:
    return Path(urllib.parse.unquote(urllib.parse.urlparse(str(uri)).path))


# ---------------------------------------------------------------- data and server

def rdf_format(path: Path) -> ox.RdfFormat:
    ext = path.suffix.lstrip(".")
    return {"rdf": ox.RdfFormat.RDF_XML}.get(ext) or ox.RdfFormat.from_extension(ext) or ox.RdfFormat.TURTLE


def quads_of(path: Path, graph: str) -> list[ox.Quad]:
    with open(path, "rb") as fh:
        return [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                for t in ox.parse(fh, rdf_format(path), base_iri=path.resolve().as_uri())]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / f"serve-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ecokg", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data", str(data), "--timeout", "30", "--workers", "2"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"ecokg serve did not start; see {self.log.name}")
                time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def http(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """One request with exactly the given headers (urllib would add a Content-Type of its own)."""
    import http.client

    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- comparing results

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + n for n in ("integer", "decimal", "float", "double", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def _term_key(t):
    """Blank nodes all alike (matched later); numeric literals by datatype and value ("1.0" = "1")."""
    if isinstance(t, ox.BlankNode):
        return ("b", "")
    if isinstance(t, ox.Literal) and t.datatype.value == XSD + "boolean":
        return ("bool", {"1": "true", "0": "false"}.get(t.value.strip(), t.value.strip()))
    if isinstance(t, ox.Literal) and t.datatype.value in NUMERIC:
        from decimal import Decimal, InvalidOperation

        try:
            return ("num", t.datatype.value, str(Decimal(t.value.strip()).normalize()))
        except InvalidOperation:
            pass
    return (type(t).__name__, str(t))


def solutions_equal(expected: list[dict], actual: list[dict]) -> bool:
    """Multiset equality with blank nodes equal up to a consistent renaming."""
    if len(expected) != len(actual):
        return False
    shape = lambda row: tuple(sorted((k, _term_key(v)) for k, v in row.items()))  # noqa: E731
    if collections.Counter(map(shape, expected)) != collections.Counter(map(shape, actual)):
        return False
    if not any(isinstance(v, ox.BlankNode) for row in expected for v in row.values()):
        return True
    remaining = list(actual)

    def match(i: int, mapping: dict, used: set) -> bool:
        if i == len(expected):
            return True
        row = expected[i]
        for j, cand in enumerate(remaining):
            if j in used or shape(cand) != shape(row):
                continue
            m = dict(mapping)
            ok = True
            for k, v in row.items():
                w = cand[k]
                if isinstance(v, ox.BlankNode):
                    if m.get(v.value, w.value) != w.value or (w.value in m.values() and m.get(v.value) != w.value):
                        ok = False
                        break
                    m[v.value] = w.value
            if ok and match(i + 1, m, used | {j}):
                return True
        return False

    return match(0, {}, set())


RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")


def rdf_result_set(path: Path) -> list[dict] | bool:
    """Expected results written in the DAWG result-set vocabulary (rs:ResultSet), as rows of pyoxigraph terms."""
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.resolve().as_uri())
    rs = next(g.subjects(RDF.type, RS.ResultSet))
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython())

    def term(t):
        if isinstance(t, rdflib.BNode):
            return ox.BlankNode(str(t))
        if isinstance(t, rdflib.URIRef):
            return ox.NamedNode(str(t))
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))) if t.datatype else ox.Literal(str(t))

    return [{str(g.value(b, RS.variable)): term(g.value(b, RS.value)) for b in g.objects(sol, RS.binding)}
            for sol in g.objects(rs, RS.solution)]


def rows_of(results) -> list[dict]:
    return [{str(v.value): s[v] for v in results.variables if s[v] is not None} for s in results]


def to_rdflib_graph(data: bytes, fmt: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=data, format=fmt)
    return g


# ---------------------------------------------------------------- query-evaluation tests

def query_tests(suite: Path):
    tests = []
    for name in QUERY_MANIFESTS:
        for g, t in entries(suite / name):
            types = set(g.objects(t, RDF.type))
            tests.append((g, t, types))
    return tests


def run_query_test(server: Server, g: rdflib.Graph, t: URIRef) -> tuple[bool, str]:
    action = g.value(t, MF.action)
    qfile = local(g.value(action, QT.query))
    query = qfile.read_text(encoding="utf-8")
    data = [str(o) for o in g.objects(action, QT.data)]
    graph_data = [str(o) for o in g.objects(action, QT.graphData)]
    result = g.value(t, MF.result)
    sent = f"BASE <{qfile.resolve().as_uri()}>\n{query}"
    params = [("query", sent)]
    from ecokg.sparql.policy import QueryRejected, classify

    try:
        c = classify(sent)
        form, has_from = c.form, bool(c.from_graphs or c.from_named)
    except QueryRejected:
        form, has_from = "SELECT", False
    if not has_from:
        params += [("default-graph-uri", d) for d in (data or ["urn:x-ecokg-test:empty"])]
        params += [("named-graph-uri", n) for n in graph_data]
    rfile = local(result) if result is not None else None
    ext = rfile.suffix.lstrip(".") if rfile else ""
    if form in ("SELECT", "ASK"):
        accept = {"csv": "text/csv", "tsv": "text/tab-separated-values"}.get(ext, "application/sparql-results+json")
    else:
        accept = "application/n-triples"
    status, headers, body = http(server.url + "/sparql", "POST", urllib.parse.urlencode(params).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    if status != 200:
        return False, f"HTTP {status}: {body[:300].decode(errors='replace')}"
    if form in ("CONSTRUCT", "DESCRIBE"):
        expected = rdflib.Graph()
        expected.parse(rfile, format="xml" if ext == "rdf" else "turtle", publicID=rfile.resolve().as_uri())
        actual = to_rdflib_graph(body, "nt")
        return (isomorphic(expected, actual), f"graphs differ: expected {len(expected)} triples, got {len(actual)}")
    if ext == "csv":
        exp = list(csv.reader(io.StringIO(rfile.read_text(encoding="utf-8"))))
        act = list(csv.reader(io.StringIO(body.decode("utf-8"))))

        def cell(c: str) -> str:  # blank node labels ignored; numbers by value ("1.0E6" = "1000000")
            if c.startswith("_:"):
                return "_:"
            from decimal import Decimal, InvalidOperation

            try:
                return "num:" + str(Decimal(c).normalize()) if c.strip() and c.strip()[0] in "+-.0123456789" else c
            except InvalidOperation:
                return c

        def norm(rows):  # columns by name (SELECT * fixes no order)
            head = rows[0]
            return collections.Counter(tuple(sorted((h, cell(c)) for h, c in zip(head, r))) for r in rows[1:])

        return (sorted(exp[0]) == sorted(act[0]) and norm(exp) == norm(act)), f"CSV differs:\n{body.decode()[:300]}"
    actual = ox.parse_query_results(body, {"tsv": ox.QueryResultsFormat.TSV}.get(ext, ox.QueryResultsFormat.JSON))
    if ext in ("ttl", "rdf"):
        expected = rdf_result_set(rfile)
        if isinstance(expected, bool):
            return isinstance(actual, ox.QueryBoolean) and bool(actual) == expected, f"boolean {bool(actual)}"
        e_rows = expected
    else:
        fmt = {"srx": ox.QueryResultsFormat.XML, "srj": ox.QueryResultsFormat.JSON,
               "tsv": ox.QueryResultsFormat.TSV}.get(ext)
        if fmt is None:
            return False, f"expected results in an unsupported format ({ext})"
        expected = ox.parse_query_results(path=str(rfile), format=fmt)
        if isinstance(expected, ox.QueryBoolean) or isinstance(actual, ox.QueryBoolean):
            return bool(expected) == bool(actual) and type(expected) is type(actual), f"boolean {bool(actual)}"
        e_rows = rows_of(expected)
    if isinstance(actual, ox.QueryBoolean):
        return False, "boolean answer to a SELECT"
    a_rows = rows_of(actual)
    return solutions_equal(e_rows, a_rows), f"solutions differ: expected {len(e_rows)} rows, got {len(a_rows)}"


# ---------------------------------------------------------------- protocol tests

STATUS_CLASSES = {HTS.StatusCode2xx: range(200, 300), HTS.StatusCode3xx: range(300, 400),
                  HTS.StatusCode4xx: range(400, 500), HTS.StatusCode5xx: range(500, 600)}


def protocol_tests(suite: Path):
    return [(g, t, set(g.objects(t, RDF.type))) for g, t in entries(suite / "protocol" / "manifest.ttl")]


def protocol_data(tests) -> list[ox.Quad]:
    quads = []
    seen = set()
    for g, t, _ in tests:
        for gd in g.objects(t, UT.graphData):
            f, name = local(g.value(gd, UT.graph)), str(g.value(gd, RDFS.label))
            if (f, name) not in seen:
                seen.add((f, name))
                quads += quads_of(f, name)
    return quads


def run_protocol_test(server: Server, g: rdflib.Graph, t: URIRef) -> tuple[bool, str]:
    action = g.value(t, MF.action)
    for req in Collection(g, g.value(action, HT.requests)):
        method = str(g.value(req, HT.methodName))
        path = str(g.value(req, HT.absolutePath))
        path = "/sparql" + path[len("/sparql/"):] if path.startswith("/sparql/") else path
        headers = {}
        hl = g.value(req, HT.headers)
        if hl is not None:
            for h in Collection(g, hl):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body = None
        b = g.value(req, HT.body)
        if b is not None:
            enc = str(g.value(b, CNT.characterEncoding) or "UTF-8")
            body = str(g.value(b, CNT.chars)).encode(enc)
        status, rheaders, rbody = http(server.url + path, method, body, headers)
        resp = g.value(req, HT.resp)
        allowed = [STATUS_CLASSES[s] for s in g.objects(resp, MF.expectedStatus) if s in STATUS_CLASSES]
        if allowed and not any(status in r for r in allowed):
            return False, f"{method} {path[:80]}: HTTP {status}: {rbody[:200].decode(errors='replace')}"
        ctype = {k.lower(): v for k, v in rheaders.items()}.get("content-type", "").split(";")[0].strip()
        fmt = g.value(resp, MF.expectedFormat)
        if fmt is not None:
            fmt = str(fmt)
            if fmt in ("boolean", "tabular"):
                try:
                    res = ox.parse_query_results(rbody, ox.QueryResultsFormat.from_media_type(ctype))
                except Exception as e:  # noqa: BLE001
                    return False, f"not SPARQL results ({ctype}): {e}"
                if (fmt == "boolean") != isinstance(res, ox.QueryBoolean):
                    return False, f"expected {fmt} results"
            elif fmt == "RDF":
                rf = ox.RdfFormat.from_media_type(ctype)
                if rf is None:
                    return False, f"not an RDF media type: {ctype}"
                list(ox.parse(rbody, rf))
        expected_bool = g.value(resp, MF.expectedBoolean)
        if expected_bool is not None:
            res = ox.parse_query_results(rbody, ox.QueryResultsFormat.from_media_type(ctype))
            if bool(res) != expected_bool.toPython():
                return False, f"ASK answered {bool(res)}"
    return True, ""


# ---------------------------------------------------------------- main

def classify_test(name: str, types: set, g, t) -> str | None:
    """Why a test does not apply here, or None."""
    if "update" in name:
        return "SPARQL Update (the endpoint is read-only)"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("suite", type=Path, help="the sparql/sparql11 folder of a local w3c/rdf-tests copy")
    ap.add_argument("--only", choices=["protocol", "query"])
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    suite = args.suite.resolve()
    if not (suite / "manifest-sparql11-query.ttl").is_file():
        ap.error(f"{suite} is not the sparql/sparql11 folder of w3c/rdf-tests")
    workdir = Path(tempfile.mkdtemp(prefix="ecokg-w3c-"))
    ok = True

    if args.only in (None, "protocol"):
        tests = protocol_tests(suite)
        data = workdir / "protocol.nq"
        ox.serialize(protocol_data(tests), str(data), ox.RdfFormat.N_QUADS)
        server = Server(data, workdir)
        counts = collections.Counter()
        try:
            for g, t, types in tests:
                name = str(t).rsplit("#", 1)[-1]
                if name.startswith("update_"):
                    counts["not applicable (update)"] += 1
                    continue
                passed, why = run_protocol_test(server, g, t)
                counts["passed" if passed else "failed"] += 1
                if not passed or args.verbose:
                    print(f"protocol {'PASS' if passed else 'FAIL'} {name} {why}")
        finally:
            server.stop()
        applicable = counts["passed"] + counts["failed"]
        print(f"SPARQL 1.1 Protocol: {counts['passed']}/{applicable} applicable tests passed "
              f"({counts['not applicable (update)']} update tests not applicable)")
        ok &= counts["failed"] == 0

    if args.only in (None, "query"):
        tests = query_tests(suite)
        files: dict[str, Path] = {}
        counts = collections.Counter()
        runnable = []
        for g, t, types in tests:
            name = str(t).rsplit("/", 2)[-2] + "/" + str(t).rsplit("#", 1)[-1]
            if not types & EVAL_TYPES:
                counts["syntax tests (not evaluation)"] += 1
                continue
            if g.value(t, MF.action) is not None and g.value(g.value(t, MF.action), QT.serviceData) is not None:
                counts["not applicable (SERVICE)"] += 1
                continue
            action = g.value(t, MF.action)
            for o in list(g.objects(action, QT.data)) + list(g.objects(action, QT.graphData)):
                files[str(o)] = local(o)
            runnable.append((name, g, t))
        data = workdir / "query.nq"
        quads = [q for uri, f in sorted(files.items()) for q in quads_of(f, uri)]
        ox.serialize(quads, str(data), ox.RdfFormat.N_QUADS)
        server = Server(data, workdir)
        failures = []
        try:
            for name, g, t in runnable:
                try:
                    passed, why = run_query_test(server, g, t)
                except Exception as e:  # noqa: BLE001
                    passed, why = False, f"runner error: {type(e).__name__}: {e}"
                counts["passed" if passed else "failed"] += 1
                if not passed:
                    failures.append((name, why))
                if not passed or args.verbose:
                    print(f"query {'PASS' if passed else 'FAIL'} {name} {'' if passed else why}")
            # syntax tests: a positive one must run (its dataset is empty), a negative one must get a 400
            syntax = collections.Counter()
            for g, t, types in tests:
                positive = MF.PositiveSyntaxTest11 in types or MF.PositiveSyntaxTest in types
                negative = MF.NegativeSyntaxTest11 in types or MF.NegativeSyntaxTest in types
                if not (positive or negative):
                    continue
                qfile = local(g.value(t, MF.action))
                sent = f"BASE <{qfile.resolve().as_uri()}>\n" + qfile.read_text(encoding="utf-8")
                status, _, body = http(server.url + "/sparql", "POST",
                                       urllib.parse.urlencode({"query": sent, "default-graph-uri": "urn:x:none"}).encode(),
                                       {"Content-Type": "application/x-www-form-urlencoded"})
                passed = status == 200 if positive else status == 400
                syntax["passed" if passed else "failed"] += 1
                if not passed or args.verbose:
                    print(f"syntax {'PASS' if passed else 'FAIL'} {'positive' if positive else 'negative'} "
                          f"{qfile.parent.name}/{qfile.name} HTTP {status} {body[:160].decode(errors='replace')}")
        finally:
            server.stop()
        applicable = counts["passed"] + counts["failed"]
        share = counts["passed"] / applicable if applicable else 0
        print(f"SPARQL 1.1 query evaluation: {counts['passed']}/{applicable} applicable tests passed "
              f"({share:.1%}); SERVICE tests (service/, federated queries are refused by design) not run; "
              f"{counts['syntax tests (not evaluation)']} syntax tests below")
        print(f"SPARQL 1.1 query syntax (not part of the target): {syntax['passed']}/"
              f"{syntax['passed'] + syntax['failed']} positive/negative syntax tests answered 200/400")
        ok &= share >= 0.95
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
