"""Validating data files against the SHACL shapes (``ecokg validate``; also called by ``ecokg build``).

Each file is parsed with pyoxigraph (``ecokg.rdf.files``, whose errors name the file and line); the files are
merged with the bundled ontology into one data graph and checked against ``shapes/`` by one of two engines:
``native`` (``ecokg.dataset.shacl``: the SHACL Core and SHACL-SPARQL parts our shapes use, evaluated over in-memory
indexes, about 20x faster than pyshacl and the default) or ``pyshacl`` (the reference; ``auto`` falls back
to it when the shapes use something the native engine does not support).  ``tests/test_shacl.py`` checks
that both give the same report.

The ontology is merged into the data graph in full rather than passed as pyshacl's ``ont_graph``: pyshacl
only copies class and property axioms from an ``ont_graph``, not the ontology's individuals (eco:National,
eco:HighConfidence, eco:Day ...), and the shapes check ``sh:class`` on those.  With the ontology's
``rdfs:subClassOf`` triples in the data graph, ``sh:targetClass`` and ``sh:class`` follow the class hierarchy
as SHACL prescribes, so no inference is run.  Advanced mode is on for the SHACL-AF SPARQL target that
selects every entity.

Every violation is reported with its focus node, path, rule (the shape or SPARQL constraint and the
constraint component), message and the file(s) in which the focus node is described.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from ecokg import resources
from ecokg.aside import Aside, can_fork
from ecokg.bulk import collector_paused
from ecokg.rdf.namespaces import SH as SH_NS, entity_ns, prefixes
from ecokg.rdf import tables
from ecokg.rdf.files import parse_file
from ecokg.settings import DEFAULT_BASE_URI, SHACL_ENGINES
from ecokg.rdf.terms import to_rdflib
from ecokg.dataset.national import check_mappings


_PREFIXES = {**prefixes(), "ecosh": "https://w3id.org/ecokg/shapes#", "sh": SH_NS}


def short(term) -> str:
    """A compact, readable form of a term: a prefixed name where a known prefix fits."""
    if term is None:
        return "-"
    if isinstance(term, rdflib.URIRef):
        s = str(term)
        for p, ns in _PREFIXES.items():
            if s.startswith(ns) and len(s) > len(ns):
                return f"{p}:{s[len(ns):]}"
        return f"<{s}>"
    if isinstance(term, rdflib.BNode):
        return "[]"
    if isinstance(term, rdflib.Literal):
        if term.datatype is not None:
            return f"{rdflib.Literal(str(term)).n3()}^^{short(term.datatype)}"
        return term.n3()
    return str(term)


@dataclass(frozen=True)
class Violation:
    focus: str  # the focus node, as a readable term
    path: str  # the result path, or "-"
    rule: str  # the shape or SPARQL constraint that fired, e.g. "ecosh:BatchShape" or "ecosh:ChineseLabel"
    component: str  # the SHACL constraint component, e.g. "sh:MinCountConstraintComponent"
    message: str
    severity: str  # "Violation", "Warning", "Info"
    value: str | None
    files: tuple[str, ...]  # the files in which the focus node is the subject of a triple

    def text(self) -> str:
        where = ", ".join(self.files) or "(focus node is not the subject of any triple)"
        lines = [
            f"{where}: {self.focus}",
            f"  path:    {self.path}",
            f"  rule:    {self.rule} ({self.component})",
            f"  message: {self.message}",
        ]
        if self.value is not None and self.value != self.focus:
            lines.insert(3, f"  value:   {self.value}")
        if self.severity != "Violation":
            lines.insert(1, f"  severity: {self.severity}")
        return "\n".join(lines)


@dataclass
class Report:
    files: list[str]
    triples: int
    entities: int
    violations: list[Violation] = field(default_factory=list)
    engine: str = "native"  # which SHACL engine ran: "native" (ecokg.dataset.shacl) or "pyshacl"
    notes: list[str] = field(default_factory=list)  # what is worth saying although valid (unresolved holder names)

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)

    def summary(self) -> str:
        state = "valid" if self.conforms else f"INVALID, {len(self.violations)} violation(s)"
        return f"{state}: {len(self.files)} files, {self.triples} triples, {self.entities} entities"

    def text(self) -> str:
        parts = [v.text() for v in self.violations]
        parts.append(self.summary())
        return "\n\n".join(parts)

    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}


def _display(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (not on POSIX)
        return str(path)
    return rel if not rel.startswith("..") else str(path)


@dataclass
class LoadedFiles:
    """Files read as quads (terms exactly as parsed), with which file describes which subject."""

    files: list[str]
    quads: list[ox.Quad]
    subject_files: dict  # subject as "<iri>" or "_:id" -> [file names]

    def rdflib_graph(self) -> rdflib.Graph:
        """The triples as one rdflib graph (for pyshacl), named graphs merged."""
        graph = rdflib.Graph()  # blank nodes keep their labels, so that focus nodes map back to files
        graph.addN((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), graph) for q in self.quads)
        return graph


def load(paths: Sequence[str | Path]) -> LoadedFiles:
    """Parse every file (raising ``RdfFileError`` naming file and line)."""
    quads: list[ox.Quad] = []
    subject_files: dict = {}
    shown: list[str] = []
    for p in paths:
        p = Path(p)
        name = _display(p)
        part = parse_file(p)  # raises RdfFileError "<file>:<line>: <message>"
        # a node made from table rows is named by its rows ("data/tables/x.csv:12"), not by the mapping
        rows = tables.read(p).rows if tables.is_mapping(p) else {}
        shown_as: dict = {}  # a table's file name, made once (not once per row)
        for s in {str(q.subject) for q in part}:
            names = subject_files.setdefault(s, [])
            for n in [f"{shown_as.get(f) or shown_as.setdefault(f, _display(f))}:{line}" for f, line in rows[s]] \
                    if s in rows else [name]:
                if n not in names:
                    names.append(n)
        quads.extend(part)
        shown.append(name)
    return LoadedFiles(shown, quads, subject_files)


def _shapes_graph(shapes_paths: Sequence[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for p in shapes_paths:
        g.parse(p, format="turtle")
    return g


def _entities(subjects: Iterable[str], base_uri: str) -> int:
    """How many distinct subjects (as ``<iri>`` / ``_:id``) are entities (IRIs under id/)."""
    return sum(1 for s in subjects if s.startswith("<" + entity_ns(base_uri)))


def _files(subject_files: dict, focus_key: str) -> tuple[str, ...]:
    return tuple(subject_files.get(focus_key, ()))


# -- the reference engine: pyshacl ------------------------------------------------------------------------

def _rule_name(shapes: rdflib.Graph, shape, constraint) -> str:
    """The most specific named thing: the SPARQL constraint, the shape, or the node shape owning the shape."""
    if isinstance(constraint, rdflib.URIRef):
        return short(constraint)
    if isinstance(shape, rdflib.URIRef):
        return short(shape)
    for owner in shapes.subjects(SH.property, shape):
        if isinstance(owner, rdflib.URIRef):
            return short(owner)
    return short(shape)


def _pyshacl_violations(loaded: LoadedFiles, shapes_paths: Sequence[Path]) -> tuple[list[Violation], int]:
    import pyshacl

    shapes = _shapes_graph(shapes_paths)
    graph = loaded.rdflib_graph()
    _conforms, report, _text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
    )
    out = []
    # the report's own results (sh:result), not the nested ones pyshacl adds as sh:detail
    results = [r for rep in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(rep, SH.result)]
    for r in results:
        focus = report.value(r, SH.focusNode)
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        severity = report.value(r, SH.resultSeverity)
        out.append(Violation(
            focus=short(focus),
            path=short(path) if path is not None else "-",
            rule=_rule_name(shapes, report.value(r, SH.sourceShape), report.value(r, SH.sourceConstraint)),
            component=short(report.value(r, SH.sourceConstraintComponent)),
            message=" / ".join(messages) or "(no message)",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            value=short(value) if value is not None else None,
            files=_files(loaded.subject_files, focus.n3()),
        ))
    return out, len(graph)


# -- the native engine (ecokg.dataset.shacl) ---------------------------------------------------------------------

def _native_rule_name(result) -> str:
    if isinstance(result.component.source, ox.NamedNode):
        return short(to_rdflib(result.component.source))
    shape = result.shape
    if isinstance(shape.node, ox.NamedNode):
        return short(to_rdflib(shape.node))
    for owner in shape.owners:
        if isinstance(owner.node, ox.NamedNode):
            return short(to_rdflib(owner.node))
    return short(to_rdflib(shape.node))


def _native_violations(loaded: LoadedFiles, shapes, on_progress: Callable[[str], None] | None,
                       jobs: int = 1) -> tuple[list[Violation], int]:
    from ecokg.dataset.shacl import DataGraph, validate_graph

    data = DataGraph(loaded.quads)
    if on_progress is not None:
        on_progress("indexed")
    on_shape = None if on_progress is None else lambda shape: on_progress(f"shape {short(to_rdflib(shape.node))}")
    active = [s for s in shapes if s.targets and not s.deactivated]
    if jobs > 1 and len(active) > 1 and can_fork():
        data.store()  # the SPARQL store, made once before the fork: both processes read it
        with _ShapeQueue(active, data) as queue:
            # the other process reports which shapes it took with its results: its own output may go nowhere
            # (a caller that captures stderr in this process), so the progress of its shapes is told here
            other = Aside(lambda: (_violations(loaded, validate_graph(queue.take(), data)), queue.taken))
            try:
                out = _violations(loaded, validate_graph(queue.take(), data, on_shape=on_shape))
            except BaseException:
                other.cancel()
                raise
            theirs, taken = other.result()
            out.extend(theirs)
            if on_shape is not None:
                for i in taken:
                    on_shape(queue.shapes[i])
    else:
        out = _violations(loaded, validate_graph(active, data, on_shape=on_shape))
    return out, data.triple_count


class _ShapeQueue:
    """The shapes, the likely largest first, as numbers in a pipe that two processes read from: each takes
    the next shape when it has finished one, so the work splits evenly whatever each shape costs.  (A read
    of two bytes from a pipe whose whole content is there is atomic.)"""

    def __init__(self, shapes: list, data) -> None:
        def work(shape) -> int:  # an estimate: focus nodes from class and subject targets, times the constraints
            nodes = 0
            for kind, arg in shape.targets:
                if kind == "class":
                    nodes += len(data.instances(arg))
                elif kind == "subjectsOf":
                    nodes += len(data.subjects_of(arg))
                else:  # objectsOf, node and SPARQL targets: a fair share each
                    nodes += 2000
            return nodes * (1 + len(shape.components) + len(shape.properties))

        self.shapes = sorted(shapes, key=work, reverse=True)
        self.taken: list[int] = []  # the numbers of the shapes this process took
        if len(self.shapes) > 0xFFFF:  # pragma: no cover
            raise ValueError("too many shapes to share out")
        self._read, write = os.pipe()
        with os.fdopen(write, "wb") as pipe:  # (a few bytes a shape: far below a pipe's capacity)
            pipe.write(b"".join(i.to_bytes(2, "big") for i in range(len(self.shapes))))

    def take(self):
        while True:
            got = os.read(self._read, 2)
            if len(got) < 2:
                return
            i = int.from_bytes(got, "big")
            self.taken.append(i)
            yield self.shapes[i]

    def __enter__(self) -> "_ShapeQueue":
        return self

    def __exit__(self, *exc) -> None:
        os.close(self._read)


def _violations(loaded: LoadedFiles, results) -> list[Violation]:
    out = []
    for r in results:
        out.append(Violation(
            focus=short(to_rdflib(r.focus)),
            path=short(to_rdflib(r.path)) if r.path is not None else "-",
            rule=_native_rule_name(r),
            component=short(rdflib.URIRef(r.component.iri)),
            message=" / ".join(r.messages) or "(no message)",
            severity=r.severity.rsplit("#", 1)[-1],
            value=short(to_rdflib(r.value)) if r.value is not None else None,
            files=_files(loaded.subject_files, str(r.focus)),
        ))
    return out


def default_paths() -> list[Path]:
    """What ``ecokg validate`` checks without arguments: the bundled ontology and data."""
    return resources.bundled_files()


@collector_paused()  # (about a fifth faster: see ecokg.bulk)
def validate(paths: Iterable[str | Path] | None = None, *, engine: str = "auto",
             on_progress: Callable[[str], None] | None = None,
             shapes_paths: Sequence[str | Path] | None = None, base_uri: str = DEFAULT_BASE_URI,
             jobs: int = 1) -> Report:
    """Validate data files (default: the bundled data) together with the bundled ontology.

    ``engine``: ``native`` (``ecokg.dataset.shacl``, fast), ``pyshacl`` (the reference), or ``auto``: native unless
    the shapes use something it does not support (``Report.engine`` says which ran).  Raises
    ``RdfFileError`` (message ``<file>:<line>: ...``) when a file is not valid RDF, ``InvalidShapes`` for
    broken shapes, ``Unsupported`` when ``native`` is asked for shapes it cannot evaluate.  ``shapes_paths`` default to the bundled shapes.
    ``jobs=2``: the native engine evaluates half of the shapes in a forked process (``ecokg.aside``): the same
    report in less time on two cores; only for callers that have no other thread (the CLI, the check before
    serving).
    """
    if engine not in SHACL_ENGINES:
        raise ValueError(f"engine must be one of {', '.join(SHACL_ENGINES)}, not {engine!r}")
    paths = [Path(p) for p in (default_paths() if paths is None else paths)]
    shapes_paths = [Path(p) for p in (resources.shapes_files() if shapes_paths is None else shapes_paths)]
    onto = [p for p in resources.ontology_files() if all(p.resolve() != q.resolve() for q in paths)]
    # the national lists' holder rows are checked aside while the files are read and the shapes evaluated
    national_aside = Aside(lambda: check_mappings([*onto, *paths])) if jobs > 1 and can_fork() else None
    try:
        return _validate(paths, onto, shapes_paths, engine, on_progress, base_uri, jobs, national_aside)
    except BaseException:
        if national_aside is not None:  # (a file that is not RDF, broken shapes: its answer is not wanted)
            national_aside.cancel()
        raise


def _validate(paths, onto, shapes_paths, engine, on_progress, base_uri, jobs, national_aside) -> Report:
    from ecokg.dataset.shacl import Unsupported, read_shapes

    loaded = load([*onto, *paths])
    if on_progress is not None:
        on_progress(f"read {len(loaded.quads)} quads")
    shapes = None
    if engine != "pyshacl":
        try:
            shapes = read_shapes(shapes_paths)
        except Unsupported:
            if engine == "native":
                raise
    if shapes is not None:
        (violations, triples), used = _native_violations(loaded, shapes, on_progress, jobs), "native"
    else:
        (violations, triples), used = _pyshacl_violations(loaded, shapes_paths), "pyshacl"
    notes: list[str] = []
    # the holder rows of the national lists' tables
    national = national_aside.result() if national_aside is not None else check_mappings([*onto, *paths])
    if national is not None:
        violations.extend(_table_violations(national))
        notes.append(national.summary())
    violations.sort(key=lambda v: (v.files, v.focus, v.rule, v.path, v.component, v.value or "", v.message))
    # the ontology files were added by us: report them only when the user named them
    files = [f for f in loaded.files if f not in {_display(p) for p in onto}]
    return Report(
        files=files,
        triples=triples,
        entities=_entities(loaded.subject_files, base_uri),
        violations=violations,
        engine=used,
        notes=notes,
    )


def _table_violations(check) -> list[Violation]:
    """The problems of the national lists' table check as violations naming the CSV file and line."""
    return [Violation(
        focus=short(rdflib.URIRef(p.subject)) if p.subject else "-",
        path="eco:holder",
        rule=f"tables:{p.rule}",
        component="ecokg.dataset.national",
        message=p.message,
        severity="Violation",
        value=None,
        files=(f"{_display(p.file)}:{p.line}",),
    ) for p in check.problems]
