"""Tables as RDF sources: CSV files and the declared mapping that turns their rows into triples.

A table mapping is a file named ``*.rml.ttl``: an RML mapping (R2RML for CSV files) whose triples maps name
their CSV file with ``rml:logicalSource [ rml:source "x.csv" ]`` (relative to the mapping).  ecokg reads it
like any RDF file (``ecokg.rdf.files``): as the triples its tables make.  The mapping is run by the tinyrml
processor (a subset of RML: templates, references, language tags, datatypes, ``rre:expandAsList`` for cells
holding several values separated by ";"); this module is the glue around it:

* it reads each CSV file (UTF-8, a header line; an empty cell makes no triple) and feeds tinyrml one row at a
  time, so that every subject is mapped back to the file and line of the rows that describe it
  (``TableRead.rows``: what ``ecokg validate`` names for a violation on a node made from a row);
* it refuses, with ``RdfFileError`` naming file and line, what tinyrml would silently get wrong: a column
  the mapping uses that the header lacks, a row with too many or too few cells, a row that makes no subject
  at all (its key is empty in every triples map that reads its file: tinyrml would make a blank node), and a
  duplicate key (two rows of one table making the same subject in the same triples map);
* a row whose key is empty in one triples map but not in another of the same file makes triples only in
  the other (R2RML: a NULL subject makes no triples).  A table can so describe entities of two kinds, one
  per row: the national lists make a designation of a row with a ``designation`` key and a claim of a row
  with a ``claim`` key;
* everything else about a row (datatypes, codes, years, parents that exist) is checked by the SHACL shapes,
  like any other triple, with the row's file and line in the report.

The conversion is deterministic (rows in file order; no blank nodes unless a mapping asks for them) and is
remembered: in the process, and on disk in ``$ECOKG_CACHE_DIR`` (default ``$XDG_CACHE_HOME/ecokg`` or
``~/.cache/ecokg``), keyed by the SHA-256 of the mapping, its CSV files and the processor's version, so that
an unchanged table costs one N-Triples parse.  An unwritable cache directory only costs the speed.

The package build (``hatch_build.py``, for wheels and ``pip install -e .``) converts the bundled tables once
(``prepare``) into ``ecokg/_prepared/tables/`` (git-ignored, carried by the wheel), which is read like the
cache, under the same keys: the first ``ecokg serve`` after an install need not run the mapping (3 s).  A table
changed since is not found there under its new key and is converted as usual.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ecokg.bulk import collector_paused

MAPPING_SUFFIX = ".rml.ttl"
_GLUE_VERSION = "3"  # bump when this module changes what it produces (3: the cache records its bytes)
_RR = "http://www.w3.org/ns/r2rml#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RML = "http://semweb.mmlab.be/ns/rml#"
_QL_CSV = "http://semweb.mmlab.be/ns/ql#CSV"


def is_mapping(path: str | Path) -> bool:
    """Whether ``path`` is a table mapping (``*.rml.ttl``, possibly gzipped: no)."""
    return Path(path).name.endswith(MAPPING_SUFFIX)


@dataclass(frozen=True)
class TableRead:
    """The triples of a table mapping, and for each subject (``str(term)``: ``<iri>``) the rows describing it
    as (CSV path, line number)."""

    quads: tuple[ox.Quad, ...]
    rows: dict[str, tuple[tuple[Path, int], ...]]


_memo: dict[str, tuple[str, TableRead]] = {}  # mapping path -> (key, what it read)


def read(path: str | Path) -> TableRead:
    """The triples the tables of mapping ``path`` make (``RdfFileError`` naming file and line if they cannot)."""
    path = Path(path).resolve()
    plan = _plan(path)
    return _read(path, plan, _key(path, plan))


def _read(path: Path, plan: list[_Map], key: str) -> TableRead:
    known = _memo.get(str(path))
    if known is not None and known[0] == key:
        return known[1]
    with collector_paused():  # a hundred thousand quads and their rows: no cycles among them
        hit = _from_cache(key, path) or _convert(path, plan, key)
    _memo[str(path)] = (key, hit)  # one version per mapping
    return hit


def load_into(store: ox.Store, path: str | Path) -> None:
    """Add the triples of mapping ``path`` to ``store`` (its default graph), as ``read`` gives them.  From a
    conversion on disk (prepared or cached, and whole) the engine reads the N-Triples file itself: no Python
    object is made of each of the division table's hundred thousand triples (a bundled ``ecokg serve`` took
    0.95-1.02 s of CPU to start instead of 1.32-1.51 s), and nothing is remembered in the process."""
    path = Path(path).resolve()
    plan = _plan(path)
    key = _key(path, plan)
    known = _memo.get(str(path))
    if known is None or known[0] != key:
        for directory in _on_disk():
            found = _whole(key, directory)
            if found is None:
                continue
            try:
                store.load(path=str(found[0]), format=ox.RdfFormat.N_TRIPLES)  # (a transaction: all or nothing)
                return
            except (OSError, SyntaxError, ValueError):
                continue
    store.bulk_extend(_read(path, plan, key).quads)


def files_of(path: str | Path) -> list[Path]:
    """The mapping and the CSV files it reads (what its triples depend on)."""
    path = Path(path).resolve()
    return [path, *sorted({m.csv for m in _plan(path)})]


def cache_dir() -> Path:
    """Where conversions (and ``ecokg serve``'s record of validated data) are remembered."""
    explicit = os.environ.get("ECOKG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ecokg"


# ---- the plan: which triples map reads which CSV ---------------------------------------------------------

@dataclass(frozen=True)
class _Map:
    node: ox.NamedNode | ox.BlankNode  # the triples map
    csv: Path
    columns: frozenset[str]  # the columns its term maps refer to
    subject_fields: frozenset[str]


def _error(where: str, message: str):
    from ecokg.rdf.errors import RdfFileError

    return RdfFileError(f"{where}: {message}")


def _mapping_triples(path: Path) -> list[ox.Triple]:
    """The mapping's triples, as pyoxigraph reads them (relative IRIs against the file's own)."""
    try:
        return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE,
                                           base_iri=path.resolve().as_uri())]
    except SyntaxError as e:
        raise _error(f"{path}:{e.lineno or '?'}", f"the table mapping is not valid Turtle: {e.msg}") from e
    except OSError as e:
        raise _error(str(path), e.strerror or str(e)) from e


_plans: dict[tuple[str, str], list[_Map]] = {}  # (mapping path, SHA-256 of its bytes) -> its plan


def _plan(path: Path) -> list[_Map]:
    """The mapping's triples maps (remembered in the process for the same bytes: the record of valid data and
    the loading of the store both ask for it)."""
    try:
        known = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError:
        known = None  # _mapping_triples names the file
    if known in _plans:
        return list(_plans[known])
    plan = _read_plan(path)
    if known is not None:
        _plans[known] = plan
    return list(plan)


def _read_plan(path: Path) -> list[_Map]:
    """Which triples map reads which CSV file and which of its columns, read with pyoxigraph (rdflib, which
    tinyrml needs, is imported only to convert)."""
    objects: dict[tuple, list] = {}
    for t in _mapping_triples(path):
        objects.setdefault((t.subject, t.predicate.value), []).append(t.object)

    def value(s, p):
        found = objects.get((s, p))
        return found[0] if found else None

    triples_map = ox.NamedNode(_RR + "TriplesMap")
    maps = sorted((s for (s, p), os_ in objects.items() if p == _RDF_TYPE and triples_map in os_),
                  key=lambda n: n.value)
    if not maps:
        raise _error(str(path), "a table mapping without any rr:TriplesMap")
    out = []
    for tm in maps:
        source = value(tm, _RML + "logicalSource")
        file = value(source, _RML + "source") if source is not None else None
        formulation = value(source, _RML + "referenceFormulation") if source is not None else None
        if file is None or (formulation is not None and formulation.value != _QL_CSV):
            raise _error(str(path), f"triples map {tm.value}: needs rml:logicalSource [ rml:source \"file.csv\" ; "
                                    "rml:referenceFormulation ql:CSV ]")
        columns, subject_fields = set(), set()
        subject_maps = objects.get((tm, _RR + "subjectMap"), [])
        term_maps = list(subject_maps)
        for pom in objects.get((tm, _RR + "predicateObjectMap"), []):
            term_maps += objects.get((pom, _RR + "objectMap"), []) + objects.get((pom, _RR + "predicateMap"), [])
        for term_map in term_maps:
            fields = _fields(objects, term_map)
            columns |= fields
            if term_map in subject_maps:
                subject_fields |= fields
        out.append(_Map(tm, (path.parent / file.value).resolve(), frozenset(columns), frozenset(subject_fields)))
    return out


def _fields(objects: dict, term_map) -> set[str]:
    import string

    fields = set()
    for p in (_RR + "column", _RML + "reference"):
        fields |= {v.value for v in objects.get((term_map, p), [])}
    for t in objects.get((term_map, _RR + "template"), []):
        fields |= {name for _, name, _, _ in string.Formatter().parse(t.value) if name}
    return fields


def _key(path: Path, plan: list[_Map]) -> str:
    from importlib.metadata import version

    h = hashlib.sha256()
    h.update(f"ecokg-tables {_GLUE_VERSION} tinyrml {version('tinyrml')}\n".encode())
    for p in [path, *sorted({m.csv for m in plan})]:
        try:
            data = p.read_bytes()
        except OSError as e:
            raise _error(str(p), e.strerror or str(e)) from e
        h.update(f"{p.name} {len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


# ---- reading rows ----------------------------------------------------------------------------------------

def read_rows(csv_path: str | Path, columns: frozenset[str] = frozenset()):
    """(line, row dict) for each row of a table (cells stripped), as the mapping reads them; ``RdfFileError`` naming
    file and line for what is not a table (or lacks one of ``columns``)."""
    return _rows(Path(csv_path).resolve(), frozenset(columns))


def csv_files(path: str | Path) -> list[Path]:
    """The CSV files a table mapping reads."""
    return sorted({m.csv for m in _plan(Path(path).resolve())})


def _rows(csv_path: Path, columns: frozenset[str]):
    """(line, row dict) for each row; the header must hold every column the mapping uses."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise _error(str(csv_path), f"not UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise _error(str(csv_path), e.strerror or str(e)) from e
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise _error(f"{csv_path}:1", "empty file: a header line is needed") from None
    if len(set(header)) != len(header):
        raise _error(f"{csv_path}:1", f"a column name appears twice in the header {header}")
    missing = sorted(columns - set(header))
    if missing:
        raise _error(f"{csv_path}:1", f"the header lacks the column(s) {', '.join(missing)} the mapping uses")
    line = reader.line_num + 1
    try:
        for cells in reader:
            if cells:  # a blank line is not a row
                if len(cells) != len(header):
                    raise _error(f"{csv_path}:{line}", f"{len(cells)} cells, the header has {len(header)}")
                yield line, dict(zip(header, (c.strip() for c in cells)))
            line = reader.line_num + 1
    except csv.Error as e:
        raise _error(f"{csv_path}:{reader.line_num}", f"not CSV: {e}") from e


# ---- converting ------------------------------------------------------------------------------------------

def _convert(path: Path, plan: list[_Map], key: str, save: bool = True) -> TableRead:
    import rdflib
    import tinyrml

    from ecokg.rdf.errors import RdfFileError
    from ecokg.rdf.terms import to_rdflib

    g = rdflib.Graph()  # (the same terms as the plan's, blank nodes included: one reading of the mapping)
    g.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), g) for t in _mapping_triples(path))
    terms: dict = {}

    def term(t):
        o = terms.get(t)
        if o is None:
            if isinstance(t, rdflib.URIRef):
                o = ox.NamedNode(str(t))
            elif isinstance(t, rdflib.Literal):
                if t.language:
                    o = ox.Literal(str(t), language=t.language)
                elif t.datatype is not None:
                    o = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
                else:
                    o = ox.Literal(str(t))
            else:
                o = ox.BlankNode(str(t))
            terms[t] = o
        return o

    quads: list[ox.Quad] = []
    seen: set[ox.Quad] = set()
    default_graph = ox.DefaultGraph()
    rows: dict[str, list[tuple[Path, int]]] = {}
    made: dict[Path, set[int]] = {}  # CSV -> lines that made a subject in some triples map
    lines: dict[Path, list[int]] = {}  # CSV -> every row's line
    for m in plan:
        try:
            mapper = tinyrml.Mapper(g, triples_map_uri=to_rdflib(m.node), allow_expressions=False)
        except ValueError as e:
            raise _error(str(path), f"triples map {m.node.value}: {e}") from e
        current: dict = {}
        keys: dict[str, int] = {}
        done = made.setdefault(m.csv, set())
        every = lines.setdefault(m.csv, [])
        first_map = not every

        def feed():
            for line, row in _rows(m.csv, m.columns):
                if first_map:
                    every.append(line)
                if any(not row.get(f) for f in m.subject_fields):
                    continue  # no subject in this triples map (another one of the file may make the row)
                current["line"] = line
                current["subject"] = None
                done.add(line)
                yield row

        try:
            for s, p, o in mapper.process(feed(), stream=True):
                line = current["line"]
                subject = term(s)
                if current["subject"] is None:  # the first triple of a row has the row's subject (all have)
                    current["subject"] = subject
                    first = keys.setdefault(str(subject), line)
                    if first != line:
                        raise _error(f"{m.csv}:{line}", f"duplicate key: {subject} is already the subject of "
                                                        f"line {first}")
                    where = rows.setdefault(str(subject), [])
                    if (m.csv, line) not in where:
                        where.append((m.csv, line))
                q = ox.Quad(subject, term(p), term(o), default_graph)
                if q not in seen:
                    seen.add(q)
                    quads.append(q)
        except RdfFileError:
            raise
        except (ValueError, KeyError) as e:  # tinyrml's own complaints about a row
            raise _error(f"{m.csv}:{current.get('line', '?')}", f"the mapping cannot make this row: {e!r}") from e
    for csv_path, every in lines.items():
        orphan = [line for line in every if line not in made[csv_path]]
        if orphan:
            keys_used = sorted({f for m in plan if m.csv == csv_path for f in m.subject_fields})
            raise _error(f"{csv_path}:{orphan[0]}", f"empty key: {' or '.join(keys_used)} must not be empty "
                                                    "(the row makes no subject)")
    read_ = TableRead(tuple(quads), {s: tuple(w) for s, w in rows.items()})
    if save:
        _to_cache(key, path, read_)
    return read_


# ---- the cache -------------------------------------------------------------------------------------------

PREPARED_DIR = Path(__file__).resolve().parent.parent / "_prepared" / "tables"  # made by the package build


def _cache_files(key: str, directory: Path | None = None) -> tuple[Path, Path]:
    d = directory if directory is not None else cache_dir() / "tables"
    return d / f"{key}.nt", d / f"{key}.rows.json"


def prepare(paths: list[Path] | None = None, directory: Path = PREPARED_DIR) -> list[Path]:
    """Convert table mappings (default: the bundled ones) into ``directory``, under the keys ``read`` looks
    for; returns the N-Triples files.  Run by the package build.  A table already there whole under its key
    (the same mapping, tables, glue and tinyrml) is kept, not converted again; files of other keys go."""
    from ecokg import resources

    if paths is None:
        paths = [p for p in resources.data_files() if is_mapping(p)]
    planned = []
    for p in paths:
        p = Path(p).resolve()
        plan = _plan(p)
        planned.append((p, plan, _key(p, plan)))
    wanted = {f.name for _, _, key in planned for f in _cache_files(key, directory)}
    if directory.is_dir():
        for old in directory.iterdir():
            if old.name not in wanted:
                old.unlink()
    written = []
    for p, plan, key in planned:
        if _from_files(key, p, directory) is None:
            with collector_paused():
                made = _convert(p, plan, key, save=False)
            _to_cache(key, p, made, directory)
        for f in _cache_files(key, directory):
            f.chmod(0o644)  # (raises if it could not be written) readable by whoever runs the installed package
        written.append(_cache_files(key, directory)[0])
    return written


def _on_disk() -> tuple[Path | None, ...]:
    """Where a conversion may be found, in the order it is looked for: what the package build prepared, then the
    cache (``None``: ``cache_dir()``)."""
    return (PREPARED_DIR, None)


def _from_cache(key: str, path: Path) -> TableRead | None:
    for directory in _on_disk():
        hit = _from_files(key, path, directory)
        if hit is not None:
            return hit
    return None


def _whole(key: str, directory: Path | None) -> tuple[Path, dict] | None:
    """The N-Triples file of a conversion on disk and its record, if the file has the bytes the record says (a
    file cut short at the end of a line would still parse)."""
    nt, rows_file = _cache_files(key, directory)
    try:
        raw = json.loads(rows_file.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("bytes") == nt.stat().st_size:
            return nt, raw
    except (OSError, ValueError):
        pass
    return None


def _from_files(key: str, path: Path, directory: Path | None) -> TableRead | None:
    found = _whole(key, directory)
    if found is None:
        return None
    nt, raw = found
    try:
        quads = tuple(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
        base, files = path.parent, {}  # (a handful of CSV files named in some 100,000 rows: one Path each)
        rows = {s: tuple((files.get(f) or files.setdefault(f, base / f), line) for f, line in where)
                for s, where in raw["rows"].items()}
        if raw.get("triples") != len(quads):
            return None
    except (OSError, SyntaxError, ValueError, KeyError, TypeError, AttributeError):
        return None
    # the cached file keeps the order of conversion
    return TableRead(quads, rows)


def _to_cache(key: str, path: Path, read_: TableRead, directory: Path | None = None) -> None:
    nt, rows_file = _cache_files(key, directory)
    base = path.parent
    try:
        nt.parent.mkdir(parents=True, exist_ok=True)
        rows = {s: [[os.path.relpath(f, base), line] for f, line in where] for s, where in read_.rows.items()}
        data = ox.serialize([q.triple for q in read_.quads], format=ox.RdfFormat.N_TRIPLES)
        record = {"triples": len(read_.quads), "bytes": len(data), "rows": rows}
        for target, payload in ((nt, data), (rows_file, json.dumps(record).encode())):
            fd, tmp = tempfile.mkstemp(dir=nt.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, target)
    except OSError:
        pass  # no cache: only slower
