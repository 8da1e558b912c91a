"""Validating data files against the SHACL shapes (``ecokg validate``; also called by ``ecokg build``).

Each file is parsed with pyoxigraph (``ecokg.rdfio``, whose errors name the file and line); the files are
merged with the bundled ontology into one rdflib graph and checked with pyshacl against ``shapes/``.

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
from typing import Iterable, Sequence

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from ecokg import resources
from ecokg.namespaces import ENTITY_NS, SH as SH_NS, prefixes
from ecokg.rdfio import parse_file


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
    """Files read into one rdflib graph, with which file describes which subject."""

    graph: rdflib.Graph
    files: list[str]
    subject_files: dict[rdflib.term.Node, list[str]]


def load(paths: Sequence[str | Path]) -> LoadedFiles:
    """Parse every file (raising ``RdfFileError`` naming file and line) into one rdflib graph."""
    graph = rdflib.Graph()
    subject_files: dict = {}
    shown: list[str] = []
    for p in paths:
        p = Path(p)
        name = _display(p)
        quads = parse_file(p)  # raises RdfFileError "<file>:<line>: <message>"
        # named graphs of a dataset file are merged into the one graph that is validated
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        part = rdflib.Graph()
        part.parse(data=nt.decode("utf-8"), format="nt")
        for s in set(part.subjects()):
            subject_files.setdefault(s, [])
            if name not in subject_files[s]:
                subject_files[s].append(name)
        graph += part
        shown.append(name)
    return LoadedFiles(graph, shown, subject_files)


def _shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in resources.shapes_files():
        g.parse(p, format="turtle")
    return g


def _entities(graph: rdflib.Graph) -> int:
    return sum(1 for s in set(graph.subjects()) if isinstance(s, rdflib.URIRef) and str(s).startswith(ENTITY_NS))


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


def _violations(report: rdflib.Graph, shapes: rdflib.Graph, subject_files: dict) -> list[Violation]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
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
            files=tuple(subject_files.get(focus, ())),
        ))
    out.sort(key=lambda v: (v.files, v.focus, v.rule, v.path, v.value or "", v.message))
    return out


def default_paths() -> list[Path]:
    """What ``ecokg validate`` checks without arguments: the bundled ontology and data."""
    return resources.bundled_files()


def validate(paths: Iterable[str | Path] | None = None) -> Report:
    """Validate data files (default: the bundled data) together with the bundled ontology.

    Raises ``RdfFileError`` (message ``<file>:<line>: ...``) when a file is not valid RDF.
    """
    import pyshacl

    paths = [Path(p) for p in (default_paths() if paths is None else paths)]
    onto = [p for p in resources.ontology_files() if all(p.resolve() != q.resolve() for q in paths)]
    loaded = load([*onto, *paths])
    shapes = _shapes_graph()
    _conforms, report_graph, _text = pyshacl.validate(
        loaded.graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
    )
    # the ontology files were added by us: report them only when the user named them
    files = [f for f in loaded.files if f not in {_display(p) for p in onto}]
    return Report(
        files=files,
        triples=len(loaded.graph),
        entities=_entities(loaded.graph),
        violations=_violations(report_graph, shapes, loaded.subject_files),
    )
