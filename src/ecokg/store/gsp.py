"""Loading the graph into a triple store with the SPARQL 1.1 Graph Store HTTP Protocol.

One code path for every engine: the files are parsed with pyoxigraph, written
as N-Triples and sent in chunks to the engine's Graph Store endpoint -- the
first chunk with ``PUT`` (which replaces the graph: loading twice does not
duplicate anything), the rest with ``POST`` (which adds to it).  The Graph
Store Protocol was chosen over Virtuoso's bulk loader (``ld_dir`` +
``rdf_loader_run`` through ``isql``) because it works the same for every
engine and over the network; the bulk loader is documented in README for very
large dumps on the Virtuoso host itself.

Where each engine has its Graph Store endpoint (``--into`` is the server's URL):

=========  ==========================================  ===============================
kind       --into                                      Graph Store endpoint
=========  ==========================================  ===============================
virtuoso   ``http://host:8890``                        ``/sparql-graph-crud-auth`` (digest auth, e.g. dba)
fuseki     ``http://host:3030/ds`` (the dataset)       ``/ds/data``
oxigraph   ``http://host:7878``                        ``/store``
gsp        the Graph Store endpoint itself             as given
=========  ==========================================  ===============================

The files are read twice, as a stream, never whole into memory: first only
parsed (a syntax error stops everything before the engine is touched, and the
count sizes the progress bar), then sent.  Blank nodes are local to one
request, so the triples with a blank node are held back and sent together in
one request (a blank node split over two requests would become two nodes);
only they are kept in memory.  Duplicates are left to the engine (a graph is a
set).
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import pyoxigraph as ox

from ecokg import __version__
from ecokg.rdf import tables
from ecokg.rdf.files import RdfFileError, format_of, parse_file

KINDS = ("virtuoso", "fuseki", "oxigraph", "gsp")
DEFAULT_GRAPH = "https://w3id.org/ecokg/"
DEFAULT = "default"  # --graph default: the engine's default graph (Fuseki, Oxigraph; not Virtuoso)
NTRIPLES = "application/n-triples"
DEFAULT_CHUNK_BYTES = 4 << 20


class LoadError(RuntimeError):
    """The engine refused the data or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class LoadReport:
    graph: str
    endpoint: str
    triples: int
    requests: int
    seconds: float


def graph_store_endpoint(into: str, kind: str) -> str:
    """The Graph Store Protocol endpoint of an engine at ``into``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    parts = urllib.parse.urlsplit(into)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--into must be an http(s) URL, not {into!r}")
    root = into.rstrip("/")
    if kind == "virtuoso":
        return urllib.parse.urljoin(root + "/", "/sparql-graph-crud-auth")
    if kind == "fuseki":
        return root if root.endswith("/data") else root + "/data"
    if kind == "oxigraph":
        return urllib.parse.urljoin(root + "/", "/store")
    return into


def default_files(dist: str | Path | None = None) -> list[Path]:
    """The built N-Triples dump in ``dist`` when there is one, else the bundled ontology and data."""
    from ecokg import resources

    if dist is not None:
        dumps = sorted(Path(dist).glob("*.nt")) + sorted(Path(dist).glob("*.nt.gz"))
        if dumps:
            return dumps[:1]
    return resources.bundled_files()


def read_triples(paths: Sequence[str | Path]) -> list[ox.Triple]:
    """Every distinct triple of the files, in memory (for small inputs and checks; ``load`` streams)."""
    return sorted(set(iter_triples(paths)), key=str)


def count_triples(paths: Sequence[str | Path]) -> int:
    """Parse every file without keeping anything: the number of triples, or ``RdfFileError``."""
    return sum(1 for _ in iter_triples(paths))


def iter_triples(paths: Sequence[str | Path]) -> Iterator[ox.Triple]:
    """The triples of the files as they are parsed, terms exactly as written (not through a store, which
    would normalise some literals); quads lose their graph: everything goes into the one target graph.
    Blank nodes of different files stay different nodes."""
    for path in paths:
        yield from _parse(Path(path), rename_blank_nodes=len(paths) > 1)


def _parse(path: Path, rename_blank_nodes: bool) -> Iterator[ox.Triple]:
    if tables.is_mapping(path):  # CSV tables: the triples their mapping makes
        yield from (q.triple for q in parse_file(path))
        return
    fmt = format_of(path)
    try:
        if path.name.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as fh:
                for q in ox.parse(fh, fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=rename_blank_nodes):
                    yield ox.Triple(q.subject, q.predicate, q.object)
        else:
            with open(path, "rb") as fh:
                for q in ox.parse(fh, fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=rename_blank_nodes):
                    yield ox.Triple(q.subject, q.predicate, q.object)
    except SyntaxError as e:
        raise RdfFileError(f"{path}:{e.lineno or '?'}: {e.msg}") from e
    except OSError as e:
        raise RdfFileError(f"{path}: {e.strerror or e}") from e


def _has_bnode(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def chunks(triples: Iterable[ox.Triple], max_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[tuple[bytes, int]]:
    """N-Triples documents of about ``max_bytes`` each, and how many triples each holds; the triples with
    blank nodes all together in the last one, whatever its size.  At least one document (maybe empty)."""
    buf: list[bytes] = []
    size = 0
    held: list[bytes] = []
    sent = False
    for t in triples:
        line = (str(t) + " .\n").encode()
        if _has_bnode(t):
            held.append(line)
            continue
        if buf and size + len(line) > max_bytes:
            yield b"".join(buf), len(buf)
            sent = True
            buf, size = [], 0
        buf.append(line)
        size += len(line)
    if buf:
        yield b"".join(buf), len(buf)
        sent = True
    if held or not sent:
        yield b"".join(held), len(held)


def _session(kind: str, user: str | None, password: str | None):
    import requests
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    session = requests.Session()
    session.headers["User-Agent"] = f"ecokg/{__version__}"
    if user is not None:
        # Virtuoso's /sparql-graph-crud-auth asks for HTTP digest; Fuseki and proxies in front of others for basic.
        session.auth = (HTTPDigestAuth if kind == "virtuoso" else HTTPBasicAuth)(user, password or "")
    return session


def load(
    paths: Sequence[str | Path],
    into: str,
    *,
    graph: str = DEFAULT_GRAPH,
    kind: str = "gsp",
    user: str | None = None,
    password: str | None = None,
    timeout: float = 300.0,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    progress: Callable[[int], None] | None = None,
    check_first: bool = True,
) -> LoadReport:
    """Replace ``graph`` (an IRI, or ``"default"``) at the engine with the triples of ``paths``;
    ``progress(n)`` after each chunk.  With ``check_first`` every file is parsed once before anything
    is sent, so that bad input leaves the engine untouched."""
    import requests

    if graph == DEFAULT:
        if kind == "virtuoso":
            raise ValueError("Virtuoso has no default graph of its own (it queries the union of its graphs): "
                             "load into a named graph and serve with --store '...sparql?default-graph-uri=IRI'")
        params = {"default": ""}  # the protocol's ?default: the store's default graph
    else:
        ox.NamedNode(graph)  # a valid IRI, or ValueError
        params = {"graph": graph}
    endpoint = graph_store_endpoint(into, kind)
    if check_first:
        count_triples(paths)
    session = _session(kind, user, password)
    started = time.monotonic()
    sent = triples = 0
    try:
        if user is not None and kind == "virtuoso":
            # Take the digest challenge with an empty request, so that the uploads carry their credentials
            # from the start (a server refusing a large unauthenticated body may close the connection mid-way).
            session.head(endpoint, params=params, timeout=timeout)
        for i, (body, count) in enumerate(chunks(iter_triples(paths), chunk_bytes)):
            resp = session.request("PUT" if i == 0 else "POST", endpoint, params=params, data=body,
                                   headers={"Content-Type": NTRIPLES}, timeout=timeout)
            if resp.status_code >= 300:
                detail = " ".join(resp.text[:2000].split())
                hint = " (check --user/--password)" if resp.status_code in (401, 403) else ""
                raise LoadError(f"{resp.url}: HTTP {resp.status_code} {resp.reason}{hint}: {detail}")
            sent += 1
            triples += count
            if progress:
                progress(count)
    except requests.RequestException as e:
        raise LoadError(f"{endpoint}: cannot reach the engine: {e}") from None
    finally:
        session.close()
    return LoadReport(graph, endpoint, triples, sent, time.monotonic() - started)


def iter_paths(files: Iterable[str]) -> list[Path]:
    """Files, with a folder (such as ``dist/``) standing for its N-Triples dump, else all its RDF files."""
    out: list[Path] = []
    for f in files:
        p = Path(f)
        if p.is_dir():
            dumps = sorted(p.glob("*.nt")) + sorted(p.glob("*.nt.gz"))
            out += dumps[:1] or sorted(x for x in p.iterdir() if x.is_file() and x.name.endswith(RDF_SUFFIXES))
        else:
            out.append(p)
    return out


RDF_SUFFIXES = tuple(e + z for e in (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf") for z in ("", ".gz"))
