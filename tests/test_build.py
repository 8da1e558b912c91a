"""``ecokg build``: dumps that independent parsers agree on, VoID/DCAT that matches them, checksums,
determinism, refusal of invalid data, atomicity (also under SIGKILL) and a store that ``ecokg serve`` opens.

The builds here run the real command line (click's runner; a process where one is killed midway), as a user
would, except the one-process build (jobs=1) compared with it byte for byte.  The bundled data's build is made
once per test run (``bundled_build`` in conftest.py) and copied before anything is written into it.
"""

from __future__ import annotations

import collections
import datetime
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from cli import run_ecokg
import rdflib
from rdflib.compare import isomorphic

from ecokg import resources
from ecokg.bulk import collector_paused
from ecokg.rdf.terms import to_rdflib
from ecokg.rdf.files import parse_file

pytestmark = pytest.mark.slow  # builds of the whole bundled data (the analysis tables build the core: test_dataset_analysis)

BROKEN = Path(__file__).resolve().parent / "broken"
DUMPS = ["ecokg.ttl", "ecokg.nt", "ecokg.jsonld", "ecokg.trig"]
TABLES = ["designations.csv", "panel.csv", "counts.csv", "csv-metadata.json"]  # dataset/analysis.py
FILES = sorted([*DUMPS, *(d + ".gz" for d in DUMPS), *TABLES, "void.ttl", "SHA256SUMS"])
OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
             "trig": ox.RdfFormat.TRIG}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig"}
RAPPER_FORMAT = {"ttl": "turtle", "nt": "ntriples", "trig": "trig"}  # raptor has no JSON-LD parser
ENTITY_NS = "https://w3id.org/ecokg/id/"
GRAPH_NS = "https://w3id.org/ecokg/graph/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")


def run_build(out: Path, *args: str):
    return run_ecokg("build", "--out", str(out), *args)


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (store included) -> SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def same_graph(g, reference: rdflib.Graph) -> bool:
    """The same triples (``g``: a graph, or a set of rdflib triples).  Up to blank node labels where there are
    blank nodes (rdflib's isomorphism, seconds at a hundred thousand triples); without any, isomorphic means
    equal, which a set comparison shows."""
    a, b = set(g), set(reference)
    if any(isinstance(term, rdflib.BNode) for t in a | b for term in (t[0], t[2])):
        if not isinstance(g, rdflib.Graph):
            g = rdflib.Graph()
            g.addN((s, p, o, g) for s, p, o in a)
        return isomorphic(g, reference)
    return a == b


def ext(name: str) -> str:
    return name.rsplit(".", 1)[-1]


@pytest.fixture(scope="module")
def built(bundled_build) -> Path:
    """The bundled data built by the command line (conftest: once per test run, shared)."""
    r, out = bundled_build, bundled_build.out
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f"built {out}: ")
    assert "ecokg build" in r.stderr  # progress is shown
    return out


@pytest.fixture(scope="module")
def triples(default_quads) -> set[ox.Triple]:
    return {q.triple for q in default_quads}


@pytest.fixture(scope="module")
def default_quads(built) -> set[ox.Quad]:
    """The N-Triples dump as pyoxigraph reads it: quads of the default graph, which is what it gives for any
    file of triples (compared as they come: a set of quads is made ten times faster than one of triples made
    from them)."""
    quads = set(ox.parse(path=str(built / "ecokg.nt"), format=ox.RdfFormat.N_TRIPLES))
    assert all(q.graph_name == ox.DefaultGraph() for q in quads)
    return quads


@pytest.fixture(scope="module")
def trig_quads(built) -> list[ox.Quad]:
    """pyoxigraph's reading of the TriG dump (the named graphs)."""
    return list(ox.parse(path=str(built / "ecokg.trig"), format=ox.RdfFormat.TRIG))


def as_rdflib(triples) -> set[tuple]:
    """pyoxigraph's triples (or the triples of quads) as rdflib's."""
    return {tuple(to_rdflib(x) for x in (t.subject, t.predicate, t.object)) for t in triples}


def test_output_files(built):
    assert sorted(p.name for p in built.iterdir() if p.is_file()) == FILES
    assert (built / "store").is_dir()
    assert not list(built.parent.glob(".dist.build-*")), "temporary folder left behind"


def test_dumps_hold_the_bundled_graph(built, default_quads):
    """The dumps hold exactly the ontology and data files (as pyoxigraph reads them: triples, in the default
    graph)."""
    source = set()
    for p in resources.bundled_files():  # a table mapping (data/tables/*.rml.ttl) as the triples of its tables
        source.update(parse_file(p))
    assert default_quads == source
    assert len(default_quads) > 1000


# Every dump is read by pyoxigraph and by a second, independent parser, and each must find the graph: raptor
# (rapper) reads the Turtle, N-Triples and TriG dumps, rdflib the JSON-LD dump (raptor has no JSON-LD parser).
# rdflib reads every dump too, of the core of the data (``core_built``: every kind of node the data has), so
# that a Python user's parser is shown to read each format (rdflib takes 20 s on the whole data's dumps).

@pytest.mark.parametrize("name", DUMPS)
def test_pyoxigraph_reads_the_graph(built, triples, default_quads, trig_quads, name):
    if name.endswith(".trig"):
        assert {q.triple for q in trig_quads} == triples
        return
    quads = list(ox.parse(path=str(built / name), format=OX_FORMAT[ext(name)]))
    assert len(quads) == len(triples)
    assert set(quads) == default_quads


@collector_paused()  # (rdflib's graphs of 126k triples: a third faster, see ecokg.bulk)
def test_rdflib_reads_the_jsonld_dump(built, triples):
    g = rdflib.Graph().parse(built / "ecokg.jsonld", format="json-ld")
    assert len(g) == len(triples)
    assert same_graph(g, as_rdflib(triples))


@pytest.mark.parametrize("name", DUMPS)
def test_rdflib_reads_every_dump_of_the_core(core_built, name):
    quads = list(ox.parse(path=str(core_built / name), format=OX_FORMAT[ext(name)]))
    assert len(quads) > 3000
    if name.endswith(".trig"):
        ds = rdflib.Dataset()
        ds.parse(core_built / name, format="trig")
        got = set(ds.quads((None, None, None, None)))
        assert len(got) == len(quads)
        assert got == {tuple(to_rdflib(x) for x in (q.subject, q.predicate, q.object, q.graph_name)) for q in quads}
        return
    g = rdflib.Graph().parse(core_built / name, format=RDFLIB_FORMAT[ext(name)])
    assert len(g) == len(quads)
    assert same_graph(g, as_rdflib(quads))


@pytest.mark.parametrize("name", [d for d in DUMPS if ext(d) in RAPPER_FORMAT])
def test_rapper_agrees(built, default_quads, trig_quads, name):
    rapper = shutil.which("rapper")
    if rapper is None:  # pragma: no cover - .ci/run installs raptor2-utils
        pytest.skip("rapper (raptor2-utils) is not installed")
    fmt = RAPPER_FORMAT[ext(name)]
    graphs = fmt == "trig"  # rapper writes what it read as N-Quads (the named graphs) or N-Triples
    out = subprocess.run([rapper, "-i", fmt, "-o", "nquads" if graphs else "ntriples", str(built / name)],
                         capture_output=True)
    assert out.returncode == 0, out.stderr
    expected = set(trig_quads) if graphs else default_quads
    assert f"returned {len(expected)} triples".encode() in out.stderr  # (the dumps hold each triple once)
    # what rapper read, as the N-Quads or N-Triples it writes (any parser of those will do to compare them)
    read = set(ox.parse(out.stdout, ox.RdfFormat.N_QUADS))
    assert not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in read)
    assert read == expected


def test_gzip_copies_are_exact_and_deterministic(built):
    for name in DUMPS:
        raw = (built / (name + ".gz")).read_bytes()
        assert gzip.decompress(raw) == (built / name).read_bytes()
        assert raw[:3] == b"\x1f\x8b\x08"
        assert raw[3] & 0x08 == 0, "file name stored in the gzip header"
        assert raw[4:8] == b"\x00\x00\x00\x00", "modification time in the gzip header"


def test_trig_has_one_graph_per_source(trig_quads, triples):
    quads = trig_quads
    graphs = {q.graph_name for q in quads}
    assert all(isinstance(g, ox.NamedNode) for g in graphs), "triples in the default graph"
    src_ids = {t.subject.value.rsplit("/", 1)[-1] for t in triples
               if t.predicate.value.endswith("22-rdf-syntax-ns#type") and t.object.value.endswith("#Source")}
    assert len(src_ids) > 1
    assert {g.value for g in graphs} == {GRAPH_NS + "ontology"} | {GRAPH_NS + s for s in src_ids}
    # a subject's triples are in the graph of each source it cites
    by_graph: dict[str, set] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, set()).add(q.triple)
    source = ox.NamedNode(str(DCTERMS.source))
    cites = [t for t in triples if t.predicate == source]
    assert cites
    by_subject: dict = {}  # (indexed once: a scan of every triple per citation is quadratic at 100,000 triples)
    for x in triples:
        by_subject.setdefault(x.subject, set()).add(x)
    for t in cites:
        sid = t.object.value.rsplit("/", 1)[-1]
        assert by_subject[t.subject] <= by_graph[GRAPH_NS + sid]
    # and nothing else: every triple of a source graph is about a subject citing it, or the source itself
    cited = {(t.subject, t.object) for t in cites}
    for g, ts in by_graph.items():
        subjects = {x.subject for x in ts}
        if g.endswith("/ontology"):
            assert all(not s.value.startswith(ENTITY_NS) for s in subjects if isinstance(s, ox.NamedNode))
            continue
        src = ox.NamedNode(ENTITY_NS + "source/" + g.rsplit("/", 1)[-1])
        assert all(s == src or (s, src) in cited for s in subjects), g


def test_void_matches_the_dumps(built, triples):
    void = rdflib.Graph().parse(built / "void.ttl", format="turtle")
    ds = rdflib.URIRef("https://w3id.org/ecokg/dataset")
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in void
    assert void.value(ds, VOID.triples).toPython() == len(triples)
    entities = {t.subject.value for t in triples if t.subject.value.startswith(ENTITY_NS)}
    assert void.value(ds, VOID.entities).toPython() == len(entities)
    assert void.value(ds, DCTERMS.license) == rdflib.URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
    assert void.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("https://w3id.org/ecokg/sparql")
    # class partitions: instances among the entities
    instances: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == str(rdflib.RDF.type) and t.subject.value in entities:
            instances.setdefault(t.object.value, set()).add(t.subject.value)
    parts = {str(void.value(p, VOID["class"])): void.value(p, VOID.entities).toPython()
             for p in void.objects(ds, VOID.classPartition)}
    assert parts == {cls: len(members) for cls, members in instances.items()}
    # property partitions: triples per predicate
    props = {str(void.value(p, VOID.property)): void.value(p, VOID.triples).toPython()
             for p in void.objects(ds, VOID.propertyPartition)}
    assert props == collections.Counter(t.predicate.value for t in triples)
    # distributions: every dump and gzip copy (the RDF ones also void:dataDump) and the tables, with the right size
    # and checksum
    dists = set(void.objects(ds, DCAT.distribution))
    dumps = set(void.objects(ds, VOID.dataDump))
    assert {str(d).rsplit("/", 1)[-1] for d in dumps} == {*DUMPS, *(n + ".gz" for n in DUMPS)}
    names = set()
    for d in dists:
        name = str(void.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
        names.add(name)
        data = (built / name).read_bytes()
        assert void.value(d, DCAT.byteSize).toPython() == len(data)
        ck = void.value(d, SPDX.checksum)
        assert void.value(ck, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(ck, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert str(void.value(d, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
        assert (void.value(d, DCAT.compressFormat) is not None) == name.endswith(".gz")
    assert names == {*DUMPS, *(n + ".gz" for n in DUMPS), *TABLES}
    # the only date is the newest source date, not the wall clock
    issued = max(datetime.date.fromisoformat(t.object.value) for t in triples
                 if t.predicate.value == str(DCTERMS.issued) and isinstance(t.object, ox.Literal)
                 and t.object.datatype.value == str(rdflib.XSD.date))
    assert void.value(ds, DCTERMS.modified).toPython() == issued


def test_tables_hold_the_whole_graph(built):
    """The analysis-ready tables of the full data (their content: tests/test_dataset_analysis.py): every
    designation once, every county-level division of the 2024 list once a year."""
    import csv

    store = ox.Store.read_only(str(built / "store"))
    eco = "https://w3id.org/ecokg/ontology#"

    def one(query: str) -> int:
        return int(next(iter(store.query(f"PREFIX eco: <{eco}> " + query)))["n"].value)

    def rows(name: str) -> list[dict]:
        with open(built / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    assert len(rows("designations.csv")) == one("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eco:Designation }")
    counties = one("""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d eco:divisionLevel eco:CountyLevel .
        FILTER NOT EXISTS { ?d eco:validUntil ?u } }""")
    panel = rows("panel.csv")
    years = {r["year"] for r in panel}
    assert counties > 2800 and len(panel) == counties * len(years) and min(years) == "2012"
    assert len(rows("counts.csv")) == one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a eco:StatedCount }")


def test_checksums_match_files(built):
    lines = (built / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert sorted(listed) == sorted(n for n in FILES if n != "SHA256SUMS")
    for name, digest in listed.items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest, name
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=built, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_jsonld_keys_sorted(built):
    text = (built / "ecokg.jsonld").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def test_canonical_names_blank_nodes_alike_and_leaves_the_rest():
    from ecokg.dataset.build import canonical

    ex = "http://example.org/"

    def graph(a: str, b: str) -> list[ox.Quad]:
        s, p = ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p")
        return [ox.Quad(s, p, ox.BlankNode(a), ox.DefaultGraph()),
                ox.Quad(ox.BlankNode(a), p, ox.BlankNode(b), ox.DefaultGraph()),
                ox.Quad(ox.BlankNode(b), p, ox.Literal("x"), ox.NamedNode(ex + "g")),
                ox.Quad(s, p, ox.Literal("plain"), ox.DefaultGraph()),
                ox.Quad(s, p, ox.Literal("plain"), ox.DefaultGraph())]  # a duplicate

    one, two = canonical(graph("first", "second")), canonical(graph("zz", "aa"))
    assert one == two  # the same graph with other blank node labels: the same quads, the same order
    quads, triples = one
    assert len(quads) == 4 and len(triples) == 4
    assert ox.Quad(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), ox.Literal("plain"), ox.DefaultGraph()) in quads
    assert {q.object.value for q in quads if isinstance(q.object, ox.BlankNode)} - {"first", "second", "zz", "aa"}


def test_built_store_holds_the_graph(built, triples, default_quads, trig_quads):
    store = ox.Store.read_only(str(built / "store"))
    default = set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    # what Oxigraph makes of the dump (a store keeps e.g. xsd:positiveInteger values as xsd:integer)
    expected = ox.Store()
    expected.extend(default_quads)
    assert default == set(expected)
    assert len(default) == len(triples)
    named = {g.value for g in store.named_graphs()}
    trig_graphs = {q.graph_name.value for q in trig_quads}
    assert named == trig_graphs


def test_built_store_serves(built, start_server):
    srv = start_server("--store-path", str(built / "store"), "--workers", "1")
    with urllib.request.urlopen(srv.url + "/health", timeout=10) as r:
        assert r.status == 200
    assert str(built / "store") in srv.log()


# ---- refusing invalid data, atomicity ---------------------------------------------------------------------

@pytest.fixture()
def previous(built, tmp_path) -> Path:
    """A folder holding a previous build, to be left alone."""
    out = tmp_path / "dist"
    shutil.copytree(built, out)
    return out


def test_invalid_data_refuses_to_build(previous, core_files):
    before = file_hashes(previous)
    data = [a for p in core_files for a in ("--data", str(p))]  # the core of the bundled data, and a broken file
    r = run_build(previous, *data, "--data", str(BROKEN / "batch-without-year.ttl"))
    assert r.returncode == 1
    assert "tests/broken/batch-without-year.ttl: ecoid:batch/chongqing-demonstration-town-99" in r.stderr
    assert "rule:    ecosh:BatchShape (sh:MinCountConstraintComponent)" in r.stderr
    assert "build refused" in r.stderr and r.stdout == ""
    assert file_hashes(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["dist"], "something else was written"


def test_syntax_error_refuses_to_build(tmp_path):
    out = tmp_path / "new"
    r = run_build(out, "--data", str(BROKEN / "syntax-error.ttl"))
    assert r.returncode == 2
    assert "syntax-error.ttl:19:" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def core_built(core_files, tmp_path_factory) -> Path:
    """The core of the bundled data (tests/core_data.py) built as the command line builds (jobs=2: the dumps
    written aside in a second process)."""
    from ecokg.dataset.build import build

    out = tmp_path_factory.mktemp("core-build") / "dist"
    build(out, paths=core_files, jobs=2)
    return out


@pytest.mark.slow
def test_sigkill_midway_leaves_previous_output(built, previous, core_files, core_built):
    """Kill the build (SIGKILL, no clean-up possible) while it writes its temporary folder over a previous
    build of the whole data.  The next build, made in one process (jobs=1), clears the dead build's leftovers
    and gives the same bytes as a build made in two (``core_built``, jobs=2).  (Both builds here are of the core
    of the data: what a build writes where, and when, does not depend on the data, and the whole data's build is
    compared byte for byte in test_packaging.py.)"""
    from ecokg.dataset.build import build

    before = file_hashes(previous)
    data = [a for p in core_files for a in ("--data", str(p))]
    proc = subprocess.Popen([sys.executable, "-m", "ecokg", "build", "--out", str(previous), *data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    temp = []
    while not temp and proc.poll() is None and time.monotonic() < deadline:
        temp = list(previous.parent.glob(".dist.build-*"))
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    rc = proc.wait(60)
    assert temp, "the build never created its temporary folder"
    assert rc == -signal.SIGKILL, f"the build was not killed midway (exit {rc})"
    assert file_hashes(previous) == before  # store files included: a completed build would change them
    # the next build clears the dead build's leftovers and replaces the output: the same bytes, one process or two
    build(previous, paths=core_files, jobs=1)
    assert not list(previous.parent.glob(".dist.build-*"))
    for name in FILES:
        assert (previous / name).read_bytes() == (core_built / name).read_bytes(), name
        assert (previous / name).read_bytes() != (built / name).read_bytes(), name  # replaced


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_swap_in_replaces_the_folder(tmp_path, monkeypatch, exchange):
    from ecokg.dataset import build as buildmod

    if exchange:
        probe_a, probe_b = tmp_path / "a", tmp_path / "b"
        probe_a.mkdir()
        probe_b.mkdir()
        if not buildmod._exchange(probe_a, probe_b):
            pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
        probe_a.rmdir()
        probe_b.rmdir()
    else:
        monkeypatch.setattr(buildmod, "_exchange", lambda a, b: False)
    out, tmp = tmp_path / "dist", tmp_path / ".dist.build-1-x"
    out.mkdir()
    (out / "old.txt").write_text("old")
    tmp.mkdir()
    (tmp / "new.txt").write_text("new")
    buildmod.swap_in(tmp, out)
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]
    assert [p.name for p in out.iterdir()] == ["new.txt"]


def test_a_build_that_fails_midway_stops_the_work_it_started_aside(tmp_path, monkeypatch, core_files):
    """With jobs=2 a forked process writes the dumps while this one writes the store: when the store fails, the
    other process is stopped and reaped, the temporary folder removed, and nothing is left as output."""
    from ecokg.dataset import build as buildmod

    def children() -> set[str]:
        me = os.getpid()
        return set(open(f"/proc/{me}/task/{me}/children").read().split())

    before = children()
    started = []
    real_aside = buildmod.Aside

    def aside(fn):
        a = real_aside(fn)
        started.append(a._pid)
        return a

    def broken_store(*args, **kwargs):
        assert str(started[0]) in children()  # the dumps are being written aside meanwhile
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(buildmod, "Aside", aside)
    monkeypatch.setattr(buildmod, "write_store", broken_store)
    with pytest.raises(OSError, match="disk full"):
        buildmod.build(tmp_path / "dist", paths=core_files, jobs=2)
    assert len(started) == 1
    assert children() == before  # stopped and reaped
    assert not (tmp_path / "dist").exists() and not list(tmp_path.glob(".dist.build-*"))


def test_same_graph_compares_triples_and_blank_nodes_up_to_labels():
    ex = rdflib.Namespace("http://example.org/")
    one = rdflib.Graph()
    one.add((ex.s, ex.p, rdflib.Literal("x")))
    one.add((ex.s, ex.q, ex.o))
    other = rdflib.Graph()
    other.add((ex.s, ex.p, rdflib.Literal("x")))
    assert same_graph(one, one) and not same_graph(one, other) and not same_graph(other, one)
    other.add((ex.s, ex.q, ex.other))
    assert not same_graph(one, other)
    a, b = rdflib.Graph(), rdflib.Graph()
    a.add((ex.s, ex.p, rdflib.BNode("b1")))
    b.add((ex.s, ex.p, rdflib.BNode("b2")))
    assert same_graph(a, b) and same_graph(set(a), b)  # the same graph, blank nodes labelled otherwise
    b.add((rdflib.BNode("b2"), ex.p, ex.o))
    assert not same_graph(a, b)
