"""``ecokg build``: validated data in, dumps + VoID/DCAT + checksums + an Oxigraph store out.

Output folder (default ``dist/``)::

    ecokg.ttl  ecokg.nt  ecokg.jsonld  ecokg.trig     the dumps (ontology + data)
    *.gz                                              gzip copies (mtime 0, no file name in the header)
    designations.csv  panel.csv  counts.csv           analysis-ready tables made from the graph by SPARQL
    csv-metadata.json                                 their W3C CSV on the Web metadata (dataset/analysis.py)
    void.ttl                                          VoID + DCAT description of the dataset and the files
    SHA256SUMS                                        `sha256sum -c` checks every file above
    store/                                            an Oxigraph store for `ecokg serve --store-path DIR/store`

Named graphs (TriG dump and store): a subject's triples go into ``{base}graph/{source-id}`` for each source
it cites with ``dcterms:source``; a source record (an ``eco:Source``) goes into its own source's graph; a
blank node's triples go where the triples that mention it go; the ontology goes into ``{base}graph/ontology``.
Anything left (nothing, for valid data) stays in the default graph.  The store also holds every triple in its
default graph, so queries without ``GRAPH`` see the whole graph, as with the bundled data.

Deterministic: blank nodes are canonicalised, triples are sorted, JSON-LD keys are sorted, gzip headers carry
no time or name, and the only date (``dcterms:modified`` in ``void.ttl``) is the newest source's
``dcterms:issued``.  Two builds of the same data are byte-identical, except ``store/`` (a database).

Atomic: everything is written into a temporary folder beside the output, which is then swapped in with one
``renameat2(RENAME_EXCHANGE)`` (two renames where that is unavailable), so a failed or killed build leaves
the previous output as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pyoxigraph as ox

from ecokg import resources
from ecokg.aside import Aside, AsideFailed, can_fork
from ecokg.bulk import collector_paused
from ecokg.errors import EcokgError, Kind
from ecokg.rdf.files import parse_file
from ecokg.settings import DEFAULT_BASE_URI
from ecokg.rdf.namespaces import DCTERMS, RDF, eco_ns, serialization_prefixes
from ecokg.dataset.validate import Report, validate
from ecokg.dataset import analysis
from ecokg.dataset import void as voidmod
from ecokg.rdf.formats import CSVW_METADATA, DUMP_FORMATS, Format, media_type_of_file
from ecokg.store.embedded import EmbeddedStore


PREFIXES = serialization_prefixes()

# the dump files: name, format, title (the formats are DUMP_FORMATS of the one format table)
DUMPS = tuple((f"ecokg.{f.suffix}", f, f"{f.title} dump" + (", one named graph per source" if f.key == "trig" else ""))
              for f in DUMP_FORMATS)
STORE_DIR = "store"
SUMS = "SHA256SUMS"


class BuildRefused(EcokgError, RuntimeError):
    """The data is not valid; nothing was written."""

    kind = Kind.INVALID_DATA

    def __init__(self, report: Report):
        super().__init__("build refused: the data is not valid; nothing was written", details=report.text())
        self.report = report


@dataclass
class BuildResult:
    out: Path
    files: list[str]
    triples: int
    entities: int
    graphs: int
    seconds: float
    notes: list[str] = field(default_factory=list)  # from validation: e.g. the holder names left unresolved

    def summary(self) -> str:
        return (f"built {self.out}: {self.triples} triples, {self.entities} entities, {self.graphs} named graphs, "
                f"{len(self.files)} files + {STORE_DIR}/ in {self.seconds:.1f} s")


# ------------------------------------------------------------------------------------------------ graph

def _read(paths: Sequence[Path], onto: set[Path]) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(ontology triples, data triples) from the files, blank nodes kept apart per file."""
    onto_t: list[ox.Triple] = []
    data_t: list[ox.Triple] = []
    for p in paths:
        target = onto_t if p.resolve() in onto else data_t
        target.extend(q.triple for q in parse_file(p))
    return onto_t, data_t


def assign_graphs(onto_t: list[ox.Triple], data_t: list[ox.Triple], base: str) -> list[ox.Quad]:
    """Put every triple into the named graph(s) of the sources it comes from (see the module docstring)."""
    graph_ns = base + "graph/"
    ontology_graph = ox.NamedNode(graph_ns + "ontology")
    source_cls = ox.NamedNode(eco_ns(base) + "Source")
    rdf_type, dct_source = ox.NamedNode(RDF + "type"), ox.NamedNode(DCTERMS + "source")

    def graph_of_source(src: ox.NamedNode) -> ox.NamedNode:
        return ox.NamedNode(graph_ns + src.value.rstrip("/").rsplit("/", 1)[-1])

    graphs: dict = defaultdict(set)
    for t in data_t:
        if t.predicate == dct_source and isinstance(t.object, ox.NamedNode):
            graphs[t.subject].add(graph_of_source(t.object))
        if t.predicate == rdf_type and t.object == source_cls and isinstance(t.subject, ox.NamedNode):
            graphs[t.subject].add(graph_of_source(t.subject))
    # blank nodes follow whatever mentions them (until nothing changes: nested lists and the like)
    changed = True
    while changed:
        changed = False
        for t in data_t:
            if isinstance(t.object, ox.BlankNode) and graphs.get(t.subject):
                before = len(graphs[t.object])
                graphs[t.object] |= graphs[t.subject]
                changed |= len(graphs[t.object]) != before
    quads = [ox.Quad(t.subject, t.predicate, t.object, ontology_graph) for t in onto_t]
    for t in data_t:
        for g in graphs.get(t.subject) or (ox.DefaultGraph(),):
            quads.append(ox.Quad(t.subject, t.predicate, t.object, g))
    return quads


def _holds_blank_node(term) -> bool:
    """A blank node, or a quoted triple with one inside."""
    return type(term) is ox.BlankNode or (
        type(term) is ox.Triple and (_holds_blank_node(term.subject) or _holds_blank_node(term.object)))


def canonical(quads: Iterable[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Triple]]:
    """Blank nodes renamed canonically; distinct quads and distinct triples, sorted.

    Only the quads that hold a blank node go through canonicalisation (the others cannot change, and a
    blank node's canonical name depends only on the quads it is in); the bundled data has none, which
    spares the build 2 s."""
    plain: set[ox.Quad] = set()
    blank: list[ox.Quad] = []
    for q in quads:
        if _holds_blank_node(q.subject) or _holds_blank_node(q.object) or _holds_blank_node(q.graph_name):
            blank.append(q)
        else:
            plain.add(q)
    if blank:
        ds = ox.Dataset(blank)
        ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        plain.update(ds)
    # sorted by graph, then by the quad's text: the order of (subject, predicate, object) text, since a term's text
    # is followed by a space, below any character a term can go on with (a shorter literal sorts first either
    # way), yet one str() a quad instead of four and a tuple (1.8 s -> 0.85 s at 328,459 quads)
    by_graph: dict = defaultdict(list)
    for q in plain:
        by_graph[q.graph_name].append(q)
    qs = [q for g in sorted(by_graph, key=str) for q in sorted(by_graph[g], key=str)]
    return qs, sorted({q.triple for q in qs}, key=str)


# ------------------------------------------------------------------------------------------------ files

def serialize(fmt: Format, triples: list[ox.Triple], quads: list[ox.Quad]) -> bytes:
    fmt = fmt.engine
    if fmt == ox.RdfFormat.TRIG:
        return ox.serialize(quads, format=fmt, prefixes=PREFIXES)
    if fmt == ox.RdfFormat.JSON_LD:
        raw = ox.serialize(triples, format=fmt)
        # key order is not significant in JSON-LD: sort keys for a stable, diffable file
        return (json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=fmt)
    return ox.serialize(triples, format=fmt, prefixes=PREFIXES)


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no file name, mtime 0, fixed level."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_store(path: Path, quads: list[ox.Quad], triples: list[ox.Triple]) -> None:
    """An on-disk Oxigraph store: the named graphs, plus every triple in the default graph."""
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    store.flush()
    store.optimize()
    del store  # closes the database


# ------------------------------------------------------------------------------------------------ swap

def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    rc = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # no such call, or a file system without it
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in(tmp: Path, out: Path) -> None:
    """Make ``tmp`` the output folder ``out``; the previous output is removed afterwards."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp)  # now holds the previous output
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old)


def _temp_prefix(out: Path) -> str:
    return f".{out.name}.build-"


def _remove_stale(out: Path) -> None:
    """Remove temporary folders of builds that were killed (their process is gone)."""
    for p in out.parent.glob(_temp_prefix(out) + "*"):
        pid = p.name.rsplit("-", 2)[-2] if p.name.count("-") >= 2 else ""
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ------------------------------------------------------------------------------------------------ build

@collector_paused()  # (see ecokg.bulk)
def build(
    out: str | Path,
    *,
    paths: Sequence[str | Path] | None = None,
    base_uri: str = DEFAULT_BASE_URI,
    progress: bool = False,
    shacl_engine: str = "auto",
    jobs: int = 1,
) -> BuildResult:
    """Validate, then build into ``out`` atomically.  Raises ``BuildRefused`` for invalid data (nothing written)
    and ``RdfFileError`` for a file that is not RDF.  ``paths`` default to the bundled data; the bundled
    ontology is always included.  ``progress`` shows a progress bar on stderr.  ``jobs=2`` (the CLI): the
    validation shares its shapes out, and the dumps and their gzip copies are written by a forked process while
    this one writes the on-disk store and the tables made from it (``ecokg.aside``); the output is the same."""
    import click

    started = time.monotonic()
    if not base_uri.endswith(("/", "#")):
        base_uri += "/"
    out = Path(out).absolute()
    data_paths = [Path(p) for p in (resources.data_files() if paths is None else paths)]
    onto_paths = [p for p in resources.ontology_files() if all(p.resolve() != q.resolve() for q in data_paths)]
    all_paths = [*onto_paths, *data_paths]
    onto_set = {p.resolve() for p in resources.ontology_files()}

    # (with jobs=2 the dumps are written aside from "graphs" on, while the store and the tables are made here)
    steps = ["validate", "read", "graphs", "store", "tables", *[d[0] for d in DUMPS], "gzip", "void", "checksums", "swap"]
    state: dict = {}
    tmp: Path | None = None
    try:
        with contextlib.ExitStack() as stack:
            todo = steps
            if progress:
                todo = stack.enter_context(click.progressbar(
                    steps, label="ecokg build", file=sys.stderr, item_show_func=lambda s: s or ""))
            for step in todo:
                if step == "validate":
                    report = validate(data_paths, engine=shacl_engine, base_uri=base_uri, jobs=jobs)
                    if not report.conforms:
                        raise BuildRefused(report)
                    if paths is None:  # the bundled data: `ecokg serve` need not check it again
                        from ecokg.dataset.preflight import remember

                        remember(data_paths, shacl_engine, report)
                    state["notes"] = report.notes
                elif step in ("read", "graphs"):
                    _step(step, state, None, all_paths, onto_set, base_uri)
                    if step == "graphs" and jobs > 1 and can_fork():
                        tmp = _make_temp(out)
                        quads, triples = state["quads"], state["triples"]
                        state["aside"] = Aside(lambda: _dumps(tmp, triples, quads))
                elif step == "swap":
                    _fsync_dir(tmp)
                    swap_in(tmp, out)
                    tmp = None
                else:
                    if tmp is None:
                        tmp = _make_temp(out)
                    _step(step, state, tmp, all_paths, onto_set, base_uri)
    except BaseException:
        if "aside" in state:  # stopped and reaped first, so that nothing writes into tmp after it is removed
            state.pop("aside").cancel()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(
        out=out, files=state["files"], triples=len(state["triples"]), entities=state["entities"],
        graphs=state["graphs"], seconds=time.monotonic() - started, notes=state.get("notes", []),
    )


def _table_files(tmp: Path, base: str) -> list[tuple[str, bytes, str, str | None]]:
    """The analysis-ready tables and their CSVW metadata (name, bytes, title, conformsTo), queried in the store
    just written (its default graph holds the whole graph, as `serve` sees it)."""
    store = EmbeddedStore.open_read_only(tmp / STORE_DIR)
    made = analysis.tables(store, base)
    files = [(t.name, t.csv_bytes(), f"{t.title_en} (CSV, analysis-ready table)", None) for t in made]
    files.append((CSVW_METADATA, analysis.metadata_bytes(made, base, analysis.modified(store, base)),
                  "CSV on the Web metadata of the tables", analysis.CSVW_CONTEXT))
    del store  # closes the database
    return files


def _dumps(tmp: Path, triples: list[ox.Triple], quads: list[ox.Quad],
           names: Sequence[str] | None = None) -> list[tuple[str, "voidmod.Distribution"]]:
    """Write the dumps (``names``: some of them; default all, and their gzip copies): (file, distribution) each.

    With ``jobs=2`` this runs in the forked process while this one writes the store: it touches no on-disk
    store (RocksDB's background threads do not survive a fork)."""
    out = []
    for name, fmt, title in DUMPS:
        if names is not None and name not in names:
            continue
        data = serialize(fmt, triples, quads)
        _write(tmp / name, data)
        out.append((name, voidmod.Distribution(name, fmt.media_type, False, len(data), _sha256(data), title)))
    if names is None:
        out.extend(_gzipped(tmp, [d[0] for d in DUMPS]))
    return out


def _gzipped(tmp: Path, names: Sequence[str]) -> list[tuple[str, "voidmod.Distribution"]]:
    out = []
    for name, fmt, title in DUMPS:
        if name in names:
            data = gzip_bytes((tmp / name).read_bytes())
            _write(tmp / (name + ".gz"), data)
            out.append((name + ".gz", voidmod.Distribution(name + ".gz", fmt.media_type, True, len(data),
                                                           _sha256(data), title + " (gzip)")))
    return out


def _make_temp(out: Path) -> Path:
    """The temporary folder beside ``out`` (named after this process, so a later build can tell it is dead)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_temp_prefix(out)}{os.getpid()}-", dir=out.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the output is a folder to publish
    return tmp


def _step(step: str, state: dict, tmp: Path | None, paths: list[Path], onto_set: set[Path], base: str) -> None:
    if step == "read":
        state["onto"], state["data"] = _read(paths, onto_set)
    elif step == "graphs":
        quads, triples = canonical(assign_graphs(state.pop("onto"), state.pop("data"), base))
        state["quads"], state["triples"] = quads, triples
        state["graphs"] = len({q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)})
        state["dumps"] = []  # (file, distribution) of each dump and gzip copy
    elif step in {d[0] for d in DUMPS}:
        if "aside" not in state:  # (else written by the forked process, see build)
            state["dumps"].extend(_dumps(tmp, state["triples"], state["quads"], [step]))
    elif step == "gzip":
        aside = state.pop("aside", None)
        if aside is None:
            state["dumps"].extend(_gzipped(tmp, [d[0] for d in DUMPS]))
        else:
            try:
                state["dumps"] = aside.result()  # the dumps and their gzip copies, written meanwhile
            except AsideFailed:  # its process was killed: the work once more, here
                state["dumps"] = _dumps(tmp, state["triples"], state["quads"])
    elif step == "tables":
        state["tables"] = []  # (file, distribution) of each table and of their metadata
        for name, data, title, conforms in _table_files(tmp, base):
            _write(tmp / name, data)
            state["tables"].append((name, voidmod.Distribution(name, media_type_of_file(name), False, len(data),
                                                               _sha256(data), title, rdf=False, conforms_to=conforms)))
    elif step == "void":
        # the dumps and their copies first, then the tables: the same order however the work was shared out
        entries = [*state["dumps"], *state["tables"]]
        state["files"] = [name for name, _ in entries]
        graph_counts = Counter(q.graph_name.value for q in state["quads"] if isinstance(q.graph_name, ox.NamedNode))
        stats = voidmod.statistics_of_triples(state["triples"], base, graph_counts.items())
        state["entities"] = stats.entities
        vt = voidmod.describe(stats, base=base, distributions=[dist for _, dist in entries])
        _q, vts = canonical(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in vt)
        data = ox.serialize(vts, format=ox.RdfFormat.TURTLE, prefixes=voidmod.PREFIXES)
        _write(tmp / "void.ttl", data)
        state["files"].append("void.ttl")
    elif step == "checksums":
        lines = [f"{_sha256((tmp / n).read_bytes())}  {n}\n" for n in sorted(state["files"])]
        _write(tmp / SUMS, "".join(lines).encode("ascii"))
        state["files"].append(SUMS)
    elif step == "store":
        write_store(tmp / STORE_DIR, state["quads"], state["triples"])
    else:  # pragma: no cover
        raise AssertionError(step)
