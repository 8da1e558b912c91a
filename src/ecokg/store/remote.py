"""A remote engine: any SPARQL 1.1 endpoint (Virtuoso, Fuseki, Oxigraph server, QLever, GraphDB).

Queries go out with the SPARQL 1.1 Protocol (POST, form-encoded); answers come
back as pyoxigraph objects, exactly like the embedded store's:

* SELECT/ASK are requested as SPARQL XML results (JSON accepted after it) and parsed with
  ``pyoxigraph.parse_query_results`` (``QuerySolutions``/``QueryBoolean``), read
  through once before they are handed out, so that an answer that cannot be read is
  the engine's failure (``BackendUnavailable``), never a syntax error of the query in
  the middle of a stream; an XML answer must end with its closing tag (pyoxigraph
  0.5.13 reads the rows of one cut short and says nothing);
* CONSTRUCT/DESCRIBE are requested as N-Triples, parsed with
  ``pyoxigraph.parse`` and handed out as a real ``QueryTriples`` (pyoxigraph has
  no public constructor for it, so the triples pass through a throw-away
  in-memory store and ``CONSTRUCT WHERE { ?s ?p ?o }``, which also writes
  literals the way the embedded store does, e.g. xsd:positiveInteger as xsd:integer).

The query's form (which result format to ask for) and whether it names its own
dataset come from ``ecokg.rdf.sparql_text.analyse``; a base IRI is declared with
``BASE`` in front of the query (a later BASE in the query still wins).

Results of SELECT and ASK are asked for as SPARQL XML first, JSON after
(Virtuoso writes a large answer as XML about three times faster than as JSON;
pyoxigraph reads either as fast).

Engine quirks handled here (and only these; see ``_relabel_xml``, ``_relabel_json``, ``_ask_table``):
Virtuoso names blank nodes ``nodeID://b10001`` in its results, which is not a
valid blank-node label (relabelled consistently within one answer, in XML and JSON alike), and answers
ASK as a one-column table ``__ASK_RETVAL`` (turned into the boolean), and marks
a partial answer to a query that ran out of time with ``X-SQL-State: S1TAT``, or
with HTTP 500 and the error after the rows it had streamed, or cancels such a query
(HY008) (each turned into ``BackendTimeout``, never served as if complete).

The URL may carry protocol parameters that apply to every query, e.g.
``http://host:8890/sparql?default-graph-uri=https://w3id.org/ecokg/`` to query
only the graph ``ecokg load`` wrote; a request's own dataset (protocol
parameters, or FROM / FROM NAMED in the query) replaces them.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from typing import Sequence

import pyoxigraph as ox

from ecokg import __version__
from ecokg.rdf.sparql_text import SparqlSyntaxError, analyse
from ecokg.store.base import BackendTimeout, BackendUnavailable, QueryResult, Store

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
SOLUTIONS_ACCEPT = f"{XML_RESULTS}, {JSON_RESULTS};q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_CHUNK = 1 << 16
MAX_ANSWER_BYTES = 256 << 20  # an answer is read whole before it is parsed: bound the memory it takes


# ---------------------------------------------------------------- the query text


def _analyse(sparql: str) -> tuple[str, bool]:
    """The query form, and whether the query names its own dataset (FROM / FROM NAMED)."""
    try:
        a = analyse(sparql)
    except SparqlSyntaxError as e:
        raise SyntaxError(str(e)) from None
    return a.form, a.own_dataset


# ---------------------------------------------------------------- the answers


def _relabel(label: str, relabelled: dict[str, str]) -> str:
    """Virtuoso: "nodeID://b10001" -> a valid label, the same one within this answer."""
    return relabelled.setdefault(label, "r" + label.encode().hex())


def _relabel_json(body: bytes) -> bytes:
    data = json.loads(body)
    relabelled: dict[str, str] = {}
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                label = term.get("value", "")
                if not _valid_bnode_label(label):
                    term["value"] = _relabel(label, relabelled)
    return json.dumps(data).encode() if relabelled else body


_XML_BNODE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?bnode)>([^<]*)</\1>")


def _relabel_xml(body: bytes) -> bytes:
    relabelled: dict[str, str] = {}

    def fix(m: re.Match) -> bytes:
        label = m.group(2).decode("utf-8", "replace")
        if _valid_bnode_label(label):
            return m.group(0)
        return b"<%s>%s</%s>" % (m.group(1), _relabel(label, relabelled).encode(), m.group(1))

    return _XML_BNODE.sub(fix, body) if b"bnode>" in body else body


def _ask_table(result) -> ox.QueryBoolean:
    """Virtuoso answers ASK as a table with one column __ASK_RETVAL (a row "1", or no row): the boolean (made by
    parsing a boolean answer: pyoxigraph has no constructor for ``QueryBoolean``)."""
    value = any(term is not None and term.value not in ("0", "false") for row in result for term in row)
    return ox.parse_query_results(json.dumps({"head": {}, "boolean": value}).encode(), ox.QueryResultsFormat.JSON)


@lru_cache(maxsize=4096)
def _valid_bnode_label(label: str) -> bool:
    try:
        ox.BlankNode(label)
        return True
    except ValueError:
        return False


_XML_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sparql>\s*$")  # the end of a whole SPARQL XML results document


def _to_query_triples(triples) -> ox.QueryTriples:
    tmp = ox.Store()
    tmp.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return tmp.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


# ---------------------------------------------------------------- the store


class RemoteStore(Store):
    def __init__(self, url: str, timeout: float = 10.0, *, max_answer_bytes: int = MAX_ANSWER_BYTES):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--store must be an http(s) URL of a SPARQL endpoint, not {url!r}")
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
        self.base_params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        self.timeout = float(timeout)
        self.max_answer_bytes = max_answer_bytes
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        # shown at start-up and on /health: without any user:password@ of the URL
        self._shown = urllib.parse.urlunsplit((parts.scheme, host + (f":{parts.port}" if parts.port else ""),
                                               parts.path, parts.query, ""))

    @property
    def description(self) -> str:
        return f"remote SPARQL endpoint {self._shown}"

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        base_iri: str | None = None,
        form: str | None = None,
    ) -> QueryResult:
        # the form says which answer formats to ask for; ecokg's own queries say it, and name no dataset
        form, own_dataset = _analyse(sparql) if form is None else (form, False)
        if base_iri:
            sparql = f"BASE {ox.NamedNode(base_iri)} {sparql}"
        params = [("query", sparql)]
        if default_graph is None and named_graphs is None:
            # the URL's dataset is a default: a query's own FROM / FROM NAMED choose instead (in the
            # protocol, default-graph-uri/named-graph-uri would override them)
            params += [(k, v) for k, v in self.base_params
                       if not own_dataset or k not in ("default-graph-uri", "named-graph-uri")]
        else:
            params += [(k, v) for k, v in self.base_params
                       if k not in ("default-graph-uri", "named-graph-uri")]
            params += [("default-graph-uri", g.value) for g in default_graph or ()]
            params += [("named-graph-uri", g.value) for g in named_graphs or ()]
        graph = form in ("CONSTRUCT", "DESCRIBE")
        body, content_type = self._post(params, GRAPH_ACCEPT if graph else SOLUTIONS_ACCEPT)
        media = _media_type(content_type)
        try:
            if graph:
                fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                return _to_query_triples(ox.parse(body, fmt))
            fmt = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
            if fmt == ox.QueryResultsFormat.JSON:
                body = _relabel_json(body)
            elif fmt == ox.QueryResultsFormat.XML:
                if not _XML_END.search(body[-256:]):
                    # pyoxigraph reads the rows of an XML answer cut short and says nothing of its missing end
                    raise SyntaxError("the answer ends before its closing </sparql> tag (cut short)")
                body = _relabel_xml(body)
            result = ox.parse_query_results(body, fmt)
            if form == "ASK" and isinstance(result, ox.QuerySolutions):
                return _ask_table(result)
            if isinstance(result, ox.QuerySolutions):
                # read through once here: pyoxigraph reads solutions as they are asked for, and an answer that
                # breaks off is the engine's failure, never a syntax error of the query (0.4 s at 126,068 rows)
                for _ in result:
                    pass
                result = ox.parse_query_results(body, fmt)
            return result
        except (SyntaxError, ValueError) as e:
            raise BackendUnavailable(f"the remote engine sent an answer that cannot be read ({media}): {e}") from None

    def _post(self, params: list[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        data = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Accept": accept,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": f"ecokg/{__version__}",
        })
        deadline = time.monotonic() + self.timeout
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                if _stopped_state(resp.headers):  # a partial answer, known before its body: not read
                    raise BackendTimeout("the remote engine ran out of time and returned a partial answer")
                body = _read_until(resp, deadline, self.timeout, self.max_answer_bytes)
                return body, resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            message = _error_text(e, deadline, self.max_answer_bytes)
            if e.code == 400:
                raise SyntaxError(f"the remote engine rejected the query: {message}") from None
            if e.code == 504 or _stopped_state(e.headers) or _VIRTUOSO_STOPPED.search(message):
                raise BackendTimeout(f"the remote engine timed out (HTTP {e.code}): {message}") from None
            raise BackendUnavailable(f"the remote engine answered HTTP {e.code}: {message}") from None
        except (TimeoutError, socket.timeout) as e:
            raise BackendTimeout(f"the remote engine did not answer within {self.timeout:g} s") from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (TimeoutError, socket.timeout)):
                raise BackendTimeout(f"the remote engine did not answer within {self.timeout:g} s") from e
            raise BackendUnavailable(f"the remote engine cannot be reached: {e.reason}") from e
        except (http.client.HTTPException, OSError) as e:
            raise BackendUnavailable(f"the remote engine cannot be reached: {e}") from e


def _read_until(resp, deadline: float, timeout: float, limit: int) -> bytes:
    """The whole body, but never past the deadline (a slow trickle must not outlive the time limit)
    nor past ``limit`` bytes."""
    chunks = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise BackendTimeout(f"the remote engine did not finish answering within {timeout:g} s")
        chunk = resp.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BackendUnavailable(f"the remote engine's answer is larger than {limit} bytes: refused "
                                     "(ask for fewer rows, e.g. with LIMIT)")
        chunks.append(chunk)


# Virtuoso's SQL states for a query its own time limit stopped: S1T00 (timed out), S1TAT (an answer cut short:
# in the X-SQL-State header before the rows, or in the error after the rows it had streamed, with HTTP 500) and
# HY008 (the statement cancelled, "SR203: Async statement killed by SQLCancel", which the time limit also causes)
_STOPPED_STATES = ("S1T00", "S1TAT", "HY008")
_VIRTUOSO_STOPPED = re.compile(r"\b(?:%s)\b" % "|".join(_STOPPED_STATES))


def _stopped_state(headers) -> bool:
    return headers.get("X-SQL-State", "").strip() in _STOPPED_STATES


def _error_text(e: urllib.error.HTTPError, deadline: float, max_bytes: int, limit: int = 2000) -> str:
    """The start of an error answer, and its end where it is longer (Virtuoso writes the error after the rows
    it had streamed), read no further than ``max_bytes`` nor past the deadline."""
    try:
        head = e.read(limit)
        tail, size = b"", len(head)
        while size < max_bytes and time.monotonic() < deadline:
            chunk = e.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            tail = (tail + chunk)[-limit:]
        text = head.decode("utf-8", "replace")
        if tail:
            text += " ... " + tail.decode("utf-8", "replace")
    except Exception:
        text = ""
    return " ".join(text.split()) or e.reason or ""
