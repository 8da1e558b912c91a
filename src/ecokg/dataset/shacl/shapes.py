"""Reading a SHACL shapes graph into ``Shape`` objects the engine evaluates.

Supported: node and property shapes with IRI paths; targets sh:targetClass (and implicit class targets),
sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf and SHACL-AF SPARQL targets; the Core components
minCount, maxCount, class, datatype, nodeKind, pattern (+ flags), in, hasValue, languageIn,
min/maxInclusive, min/maxExclusive, min/maxLength, or, and, xone, not, node, qualifiedValueShape with
qualifiedMin/MaxCount; SHACL-SPARQL constraints (sh:sparql with sh:select and sh:prefixes); sh:message,
sh:severity, sh:deactivated.  Any other SHACL term on a shape raises ``Unsupported`` naming the shape and
the term, so the caller can use the reference engine instead of silently skipping a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pyoxigraph as ox

from ecokg.dataset.shacl.data import RDF_TYPE, DataGraph
from ecokg.errors import EcokgError, Kind
from ecokg.rdf.terms import to_rdflib

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"


def sh(local: str) -> ox.NamedNode:
    return ox.NamedNode(SH + local)


VIOLATION = sh("Violation")
_FIRST, _REST, _NIL = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")

# what a shape may say; every other term of the sh: namespace is Unsupported
_TARGETS = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"}
_ANNOTATIONS = {"message", "severity", "deactivated", "name", "description", "order", "group", "defaultValue"}
_COMPONENTS = {
    "minCount", "maxCount", "class", "datatype", "nodeKind", "pattern", "flags", "in", "hasValue", "languageIn",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength",
    "or", "and", "xone", "not", "node", "property", "path", "sparql",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
}
_SUPPORTED = _TARGETS | _ANNOTATIONS | _COMPONENTS
_NODE_KINDS = {sh(k) for k in ("IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral")}
_REGEX_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


class Unsupported(EcokgError, ValueError):
    """The shapes use something this engine does not evaluate."""

    kind = Kind.BAD_FILE

    def __init__(self, what: str):
        super().__init__(f"the native SHACL engine cannot check these shapes: {what}; "
                         "use --shacl-engine pyshacl or auto")
        self.what = what


class InvalidShapes(EcokgError, ValueError):
    """The shapes graph is broken (e.g. a SPARQL target or constraint that does not parse)."""

    kind = Kind.BAD_FILE

    def __init__(self, what: str):
        super().__init__(f"the shapes are broken: {what}")
        self.what = what


def _checked_sparql(node, text: str) -> str:
    """The query text, once the engine's parser has accepted it (run on an empty store: nothing to read)."""
    try:
        ox.Store().query(text)
    except SyntaxError as e:
        raise InvalidShapes(f"shape {node}: its SPARQL does not parse: {e}") from None
    return text


@dataclass(frozen=True)
class Component:
    """One constraint: ``kind`` is the local name of its SHACL constraint component (``MinCount`` ...)."""

    kind: str
    param: Any
    source: Any = None  # the sh:SPARQLConstraint node, for SPARQL constraints
    messages: tuple[str, ...] = ()  # a SPARQL constraint's own sh:message

    @property
    def iri(self) -> str:
        return f"{SH}{self.kind}ConstraintComponent"


@dataclass(eq=False)
class Shape:
    node: Any
    path: ox.NamedNode | None = None  # None for a node shape
    targets: list[tuple[str, Any]] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    properties: list["Shape"] = field(default_factory=list)
    messages: tuple[str, ...] = ()
    severity: ox.NamedNode = VIOLATION
    deactivated: bool = False
    owners: list["Shape"] = field(default_factory=list)  # node shapes that have it as sh:property

    def __repr__(self) -> str:
        return f"Shape({self.node})"


def read_shapes(paths: Sequence[str | Path]) -> list[Shape]:
    """Every shape of the shapes files, top-level (targeted) shapes first; raises ``Unsupported``."""
    from ecokg.rdf.files import parse_file

    quads = [q for p in paths for q in parse_file(p)]
    return _Reader(DataGraph(quads)).read()


def _lit(term) -> ox.Literal:
    if not isinstance(term, ox.Literal):
        raise Unsupported(f"expected a literal, found {term}")
    return term


def _int(term) -> int:
    try:
        return int(_lit(term).value)
    except ValueError as e:
        raise Unsupported(f"expected an integer, found {term}") from e


class _Reader:
    def __init__(self, g: DataGraph) -> None:
        self.g = g
        self.shapes: dict[Any, Shape] = {}
        self._predicates = list(g._index)  # the shapes graph is small

    def one(self, node, local: str):
        values = self.g.objects(node, sh(local))
        if len(values) > 1:
            raise Unsupported(f"shape {node}: more than one sh:{local}")
        return values[0] if values else None

    def all(self, node, local: str) -> Sequence:
        return self.g.objects(node, sh(local))

    def items(self, head) -> list:
        out = []
        while head != _NIL:
            first = self.g.objects(head, _FIRST)
            rest = self.g.objects(head, _REST)
            if len(first) != 1 or len(rest) != 1:
                raise Unsupported(f"malformed RDF list at {head}")
            out.append(first[0])
            head = rest[0]
        return out

    def read(self) -> list[Shape]:
        g = self.g
        roots = set()
        for cls in ("NodeShape", "PropertyShape"):
            roots |= {s for s, types in g._index.get(RDF_TYPE, {}).items() if sh(cls) in types}
        for local in _TARGETS:
            roots |= set(g.subjects_of(sh(local)))
        for n in sorted(roots, key=str):
            self.shape(n)
        return sorted(self.shapes.values(), key=lambda s: (not s.targets, str(s.node)))

    def shape(self, node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        shape = self.shapes[node] = Shape(node)
        for p in self._predicates:
            if p.value.startswith(SH) and node in self.g._index[p] and p.value[len(SH):] not in _SUPPORTED:
                raise Unsupported(f"shape {node}: {p.value[len(SH):]!r} (sh:{p.value[len(SH):]}) is not supported")
        path = self.one(node, "path")
        if path is not None and not isinstance(path, ox.NamedNode):
            kinds = sorted(f"sh:{p.value[len(SH):]}" for p in self._predicates
                           if p.value.startswith(SH) and path in self.g._index[p]) or ["a sequence path"]
            raise Unsupported(f"shape {node}: only predicate paths are supported, not {', '.join(kinds)}")
        shape.path = path
        shape.messages = tuple(sorted(_lit(m).value for m in self.all(node, "message")))
        severity = self.one(node, "severity")
        if severity is not None:
            shape.severity = severity
        deactivated = self.one(node, "deactivated")
        shape.deactivated = deactivated is not None and _lit(deactivated).value in ("true", "1")
        self._targets(shape)
        self._components(shape)
        for p in self.all(node, "property"):
            prop = self.shape(p)
            prop.owners.append(shape)
            shape.properties.append(prop)
        return shape

    def _targets(self, shape: Shape) -> None:
        node, g = shape.node, self.g
        for c in self.all(node, "targetClass"):
            shape.targets.append(("class", c))
        types = g.objects(node, RDF_TYPE)
        if any(t.value in (RDFS + "Class", OWL + "Class") for t in types):
            shape.targets.append(("class", node))  # implicit class target
        for n in self.all(node, "targetNode"):
            shape.targets.append(("node", n))
        for p in self.all(node, "targetSubjectsOf"):
            shape.targets.append(("subjectsOf", p))
        for p in self.all(node, "targetObjectsOf"):
            shape.targets.append(("objectsOf", p))
        for t in self.all(node, "target"):
            extra = {p.value for p in self._predicates if t in g._index[p]} - {
                SH + "select", SH + "prefixes", RDF + "type"}
            select = self.one(t, "select")
            if select is None or extra:
                raise Unsupported(f"shape {node}: only SPARQL targets (sh:select) are supported")
            shape.targets.append(("sparql", _checked_sparql(node, self.prefixes(t) + _lit(select).value)))

    def prefixes(self, node) -> str:
        lines = []
        for ontology in self.all(node, "prefixes"):
            for decl in self.all(ontology, "declare"):
                prefix, ns = self.one(decl, "prefix"), self.one(decl, "namespace")
                lines.append(f"PREFIX {_lit(prefix).value}: <{_lit(ns).value}>\n")
        return "".join(sorted(set(lines)))

    def _components(self, shape: Shape) -> None:
        node, add = shape.node, shape.components.append
        for local, kind in (("minCount", "MinCount"), ("maxCount", "MaxCount"),
                            ("minLength", "MinLength"), ("maxLength", "MaxLength")):
            for v in self.all(node, local):
                add(Component(kind, _int(v)))
        for c in self.all(node, "class"):
            add(Component("Class", c))
        for d in self.all(node, "datatype"):
            add(Component("Datatype", d))
        for k in self.all(node, "nodeKind"):
            if k not in _NODE_KINDS:
                raise Unsupported(f"shape {node}: sh:nodeKind {k}")
            add(Component("NodeKind", k))
        flags = self.one(node, "flags")
        for pattern in self.all(node, "pattern"):
            bits = 0
            for f in (_lit(flags).value if flags is not None else ""):
                if f not in _REGEX_FLAGS:
                    raise Unsupported(f"shape {node}: regex flag {f!r}")
                bits |= _REGEX_FLAGS[f]
            add(Component("Pattern", re.compile(_lit(pattern).value, bits)))
        for lst in self.all(node, "in"):
            add(Component("In", frozenset(self.items(lst))))
        for v in self.all(node, "hasValue"):
            add(Component("HasValue", v))
        for lst in self.all(node, "languageIn"):
            add(Component("LanguageIn", tuple(_lit(t).value.lower() for t in self.items(lst))))
        for local, kind in (("minInclusive", "MinInclusive"), ("maxInclusive", "MaxInclusive"),
                            ("minExclusive", "MinExclusive"), ("maxExclusive", "MaxExclusive")):
            for v in self.all(node, local):
                add(Component(kind, to_rdflib(_lit(v))))
        for local, kind in (("or", "Or"), ("and", "And"), ("xone", "Xone")):
            for lst in self.all(node, local):
                add(Component(kind, tuple(self.shape(m) for m in self.items(lst))))
        for v in self.all(node, "not"):
            add(Component("Not", self.shape(v)))
        for v in self.all(node, "node"):
            add(Component("Node", self.shape(v)))
        qvs = self.one(node, "qualifiedValueShape")
        if qvs is not None:
            disjoint = self.one(node, "qualifiedValueShapesDisjoint")
            if disjoint is not None and _lit(disjoint).value in ("true", "1"):
                raise Unsupported(f"shape {node}: sh:qualifiedValueShapesDisjoint")
            qshape = self.shape(qvs)
            low, high = self.one(node, "qualifiedMinCount"), self.one(node, "qualifiedMaxCount")
            if low is not None:
                add(Component("QualifiedMinCount", (qshape, _int(low))))
            if high is not None:
                add(Component("QualifiedMaxCount", (qshape, _int(high))))
        for c in self.all(node, "sparql"):
            if shape.path is not None:
                raise Unsupported(f"shape {node}: SPARQL constraints on property shapes ($PATH)")
            select = self.one(c, "select")
            if select is None:
                raise Unsupported(f"shape {node}: a SPARQL constraint without sh:select")
            add(Component("SPARQL", _checked_sparql(node, self.prefixes(c) + _lit(select).value), source=c,
                          messages=tuple(sorted(_lit(m).value for m in self.all(c, "message")))))

