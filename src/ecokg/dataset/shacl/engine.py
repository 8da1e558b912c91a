"""Evaluating shapes over a ``DataGraph``: focus nodes, value nodes, constraint components, results.

Semantics follow the SHACL Recommendation and, where it leaves room, pyshacl (the reference engine the
tests compare against): literals are compared with rdflib's XSD semantics (``pyshacl``'s own
``compare_literal``), a datatype check fails on an ill-typed literal as rdflib judges it, and a SPARQL
constraint is run once with ``$this`` unbound and its rows kept for each focus node (the same as
pre-binding ``$this`` when it occurs in a triple pattern of the query, as it does in ours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import pyoxigraph as ox
import rdflib

from ecokg.dataset.shacl.data import DataGraph
from ecokg.dataset.shacl.shapes import SH, Component, Shape
from ecokg.rdf.terms import to_rdflib

_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDFS_LITERAL = "http://www.w3.org/2000/01/rdf-schema#Literal"
_NODE_KIND_TYPES = {
    "IRI": (ox.NamedNode,), "BlankNode": (ox.BlankNode,), "Literal": (ox.Literal,),
    "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    "IRIOrLiteral": (ox.NamedNode, ox.Literal),
}


@dataclass(frozen=True)
class Result:
    """One validation result (sh:ValidationResult)."""

    focus: Any
    path: Any  # a predicate, or None
    value: Any  # a term, or None
    shape: Shape  # sh:sourceShape
    component: Component  # sh:sourceConstraintComponent (+ sh:sourceConstraint for SPARQL)
    messages: tuple[str, ...]

    @property
    def severity(self) -> str:
        return self.shape.severity.value


def validate_graph(shapes: Iterable[Shape], data: DataGraph,
                   on_shape: Callable[[Shape], None] | None = None) -> list[Result]:
    """Every validation result of the targeted shapes on ``data``."""
    ev = _Evaluator(data)
    results: list[Result] = []
    for shape in shapes:
        if not shape.targets or shape.deactivated:
            continue
        if on_shape is not None:
            on_shape(shape)
        for focus in ev.focus_nodes(shape):
            results.extend(ev.check(shape, focus))
    return results


def _generic_message(c: Component) -> str:
    param = c.param
    if isinstance(param, re.Pattern):
        param = repr(param.pattern)
    elif isinstance(param, Shape):
        param = param.node
    elif isinstance(param, tuple) and param and isinstance(param[0], Shape):
        param = ", ".join(str(getattr(p, "node", p)) for p in param)
    return f"Value does not satisfy sh:{c.kind[0].lower()}{c.kind[1:]} {param}"


class _Evaluator:
    def __init__(self, data: DataGraph) -> None:
        self.data = data
        self._conforms: dict = {}
        self._sparql_rows: dict = {}
        self._rdflib: dict = {}

    # -- focus and value nodes ---------------------------------------------------------------------

    def focus_nodes(self, shape: Shape) -> set:
        data, nodes = self.data, set()
        for kind, arg in shape.targets:
            if kind == "class":
                nodes |= data.instances(arg)
            elif kind == "node":
                nodes.add(arg)
            elif kind == "subjectsOf":
                nodes.update(data.subjects_of(arg))
            elif kind == "objectsOf":
                nodes |= data.objects_of(arg)
            elif kind == "sparql":
                nodes.update(t for t in (sol["this"] for sol in data.store().query(arg)) if t is not None)
        return nodes

    def check(self, shape: Shape, focus) -> list[Result]:
        if shape.deactivated:
            return []
        values = self.data.objects(focus, shape.path) if shape.path is not None else (focus,)
        out: list[Result] = []
        for c in shape.components:
            method = getattr(self, "_" + c.kind)
            for value, path, messages in method(c, focus, values, shape):
                out.append(Result(focus, shape.path if path is None else path, value, shape, c,
                                  messages or shape.messages or (_generic_message(c),)))
        for prop in shape.properties:
            out.extend(self.check(prop, focus))
        return out

    def conforms(self, node, shape: Shape) -> bool:
        key = (id(shape), node)
        found = self._conforms.get(key)
        if found is None:
            found = self._conforms[key] = not self.check(shape, node)
        return found

    def literal(self, term: ox.Literal) -> rdflib.Literal:
        found = self._rdflib.get(term)
        if found is None:
            found = self._rdflib[term] = to_rdflib(term)
        return found

    # -- constraint components: each yields (value, path or None, messages or ()) per violation ---------

    def _MinCount(self, c, focus, values, shape):
        if len(values) < c.param:
            yield None, None, ()

    def _MaxCount(self, c, focus, values, shape):
        if len(values) > c.param:
            yield None, None, ()

    def _MinLength(self, c, focus, values, shape):
        for v in values:
            if isinstance(v, ox.BlankNode) or len(v.value) < c.param:
                yield v, None, ()

    def _MaxLength(self, c, focus, values, shape):
        for v in values:
            if isinstance(v, ox.BlankNode) or len(v.value) > c.param:
                yield v, None, ()

    def _Class(self, c, focus, values, shape):
        for v in values:
            if isinstance(v, ox.Literal) or not self.data.is_instance(v, c.param):
                yield v, None, ()

    def _Datatype(self, c, focus, values, shape):
        rule = c.param.value
        for v in values:
            if not isinstance(v, ox.Literal):
                ok = False
            elif rule == _RDFS_LITERAL:
                ok = True
            elif rule == _RDF_LANGSTRING:
                ok = bool(v.language)
            else:
                ok = v.datatype.value == rule and not v.language and self.literal(v).ill_typed is not True
            if not ok:
                yield v, None, ()

    def _NodeKind(self, c, focus, values, shape):
        allowed = _NODE_KIND_TYPES[c.param.value[len(SH):]]  # the reader let only these through
        for v in values:
            if not isinstance(v, allowed):
                yield v, None, ()

    def _Pattern(self, c, focus, values, shape):
        for v in values:
            if isinstance(v, ox.BlankNode) or not c.param.search(v.value):
                yield v, None, ()

    def _In(self, c, focus, values, shape):
        for v in values:
            if v not in c.param:
                yield v, None, ()

    def _HasValue(self, c, focus, values, shape):
        if c.param not in values:
            yield None, None, ()

    def _LanguageIn(self, c, focus, values, shape):
        for v in values:
            lang = v.language.lower() if isinstance(v, ox.Literal) and v.language else None
            if lang is None or not any(lang == r or lang.startswith(r + "-") or r == "*" for r in c.param):
                yield v, None, ()

    def _range(self, c, values, accept: Callable[[int], bool]):
        from pyshacl.rdfutil.compare import compare_literal  # (here: importing pyshacl takes 0.13 s)

        bound = c.param
        bound_is_string = isinstance(bound.value, str)
        for v in values:
            ok = False
            if isinstance(v, ox.Literal):
                lit = self.literal(v)
                if isinstance(lit.value, str) == bound_is_string:
                    try:
                        ok = accept(compare_literal(lit, bound))
                    except (TypeError, NotImplementedError):
                        ok = False
            if not ok:
                yield v, None, ()

    def _MinInclusive(self, c, focus, values, shape):
        return self._range(c, values, lambda cmp: cmp >= 0)

    def _MinExclusive(self, c, focus, values, shape):
        return self._range(c, values, lambda cmp: cmp > 0)

    def _MaxInclusive(self, c, focus, values, shape):
        return self._range(c, values, lambda cmp: cmp <= 0)

    def _MaxExclusive(self, c, focus, values, shape):
        return self._range(c, values, lambda cmp: cmp < 0)

    def _Or(self, c, focus, values, shape):
        for v in values:
            if not any(self.conforms(v, s) for s in c.param):
                yield v, None, ()

    def _And(self, c, focus, values, shape):
        for v in values:
            if not all(self.conforms(v, s) for s in c.param):
                yield v, None, ()

    def _Xone(self, c, focus, values, shape):
        for v in values:
            if sum(self.conforms(v, s) for s in c.param) != 1:
                yield v, None, ()

    def _Not(self, c, focus, values, shape):
        for v in values:
            if self.conforms(v, c.param):
                yield v, None, ()

    def _Node(self, c, focus, values, shape):
        for v in values:
            if not self.conforms(v, c.param):
                yield v, None, ()

    def _QualifiedMinCount(self, c, focus, values, shape):
        qshape, low = c.param
        if sum(self.conforms(v, qshape) for v in values) < low:
            yield None, None, ()

    def _QualifiedMaxCount(self, c, focus, values, shape):
        qshape, high = c.param
        if sum(self.conforms(v, qshape) for v in values) > high:
            yield None, None, ()

    def _SPARQL(self, c, focus, values, shape):  # on node shapes only (the reader refuses $PATH)
        rows = self._sparql_rows.get(c)
        if rows is None:
            rows = self._sparql_rows[c] = {}
            for sol in self.data.store().query(c.param):
                this = sol["this"]
                if this is not None:
                    rows.setdefault(this, []).append(sol)
        for sol in rows.get(focus, ()):
            value, path = sol["value"], sol["path"]
            messages = tuple(_substitute(m, sol) for m in c.messages)
            yield (focus if value is None else value), path, messages


def _substitute(message: str, solution: ox.QuerySolution) -> str:
    """A SPARQL constraint's message with ``{?var}`` / ``{$var}`` replaced by the row's values."""
    def value(m: re.Match) -> str:
        try:
            term = solution[m.group(1)]
        except (KeyError, IndexError):
            term = None
        return m.group(0) if term is None else (term.value if not isinstance(term, ox.BlankNode) else str(term))

    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, message)
