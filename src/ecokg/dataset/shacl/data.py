"""The data graph, indexed for validation: for each predicate, each subject's objects (terms as parsed)."""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")

_NONE: tuple = ()


class DataGraph:
    """Triples (named graphs merged) indexed by predicate then subject; duplicates counted once.

    The terms are pyoxigraph's, exactly as the parser produced them: unlike a store, this keeps
    ``"005"^^xsd:integer`` and ``xsd:positiveInteger`` as written, which the datatype, pattern and
    ``sh:in`` checks depend on.  A pyoxigraph store of the same triples is built on first use, for
    SHACL-SPARQL targets and constraints.
    """

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        # quads of the default graph as given (a list): the store below is made from them as they are
        self._given = triples if isinstance(triples, list) else None
        index: dict[ox.NamedNode, dict] = {}
        for t in triples:
            by_subject = index.get(t.predicate)
            if by_subject is None:
                by_subject = index[t.predicate] = {}
            objects = by_subject.get(t.subject)
            if objects is None:
                by_subject[t.subject] = [t.object]
            else:
                objects.append(t.object)
        count = 0
        for by_subject in index.values():
            for s, objects in by_subject.items():
                if len(objects) > 1:
                    objects = by_subject[s] = list(dict.fromkeys(objects))
                count += len(objects)
        self._index = index
        self.triple_count = count
        self._instances: dict[ox.NamedNode, set] = {}
        self._superclasses: dict = {}
        self._store: ox.Store | None = None

    # -- reading -------------------------------------------------------------------------------------

    def objects(self, subject, predicate: ox.NamedNode) -> list | tuple:
        by_subject = self._index.get(predicate)
        if by_subject is None:
            return _NONE
        return by_subject.get(subject, _NONE)

    def subjects_of(self, predicate: ox.NamedNode) -> Iterable:
        return self._index.get(predicate, {}).keys()

    def objects_of(self, predicate: ox.NamedNode) -> set:
        return {o for objects in self._index.get(predicate, {}).values() for o in objects}

    def subjects(self) -> set:
        return {s for by_subject in self._index.values() for s in by_subject}

    def triples(self) -> Iterable[ox.Triple]:
        for p, by_subject in self._index.items():
            for s, objects in by_subject.items():
                for o in objects:
                    yield ox.Triple(s, p, o)

    # -- classes (rdf:type / rdfs:subClassOf*, as SHACL defines class membership) ---------------------

    def superclasses(self, cls) -> frozenset:
        """``cls`` and every class it is an rdfs:subClassOf, transitively."""
        found = self._superclasses.get(cls)
        if found is None:
            seen = {cls}
            todo = [cls]
            while todo:
                for sup in self.objects(todo.pop(), SUBCLASS_OF):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
                found = self._superclasses[cls] = frozenset(seen)
        return found

    def is_instance(self, node, cls) -> bool:
        return any(cls in self.superclasses(t) for t in self.objects(node, RDF_TYPE))

    def instances(self, cls) -> set:
        """Every node that is an instance of ``cls`` or of one of its subclasses."""
        found = self._instances.get(cls)
        if found is None:
            found = self._instances[cls] = {
                s for s, types in self._index.get(RDF_TYPE, {}).items()
                if any(cls in self.superclasses(t) for t in types)
            }
        return found

    # -- SPARQL ----------------------------------------------------------------------------------------

    def store(self) -> ox.Store:
        """An in-memory pyoxigraph store of the triples (for SHACL-SPARQL), built once.

        A store keeps literals in canonical form (``"005"^^xsd:integer`` is read back as ``"5"``), so a
        SPARQL target or constraint that looks at the lexical form of a non-canonical literal would see
        the canonical one; ours only look at IRIs."""
        if self._store is None:
            store = ox.Store()
            given = self._given
            if given is not None and all(type(q) is ox.Quad and type(q.graph_name) is ox.DefaultGraph for q in given):
                store.bulk_extend(given)  # the same triples (a store keeps each once), without making them again
            else:
                store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples())
            self._store = store
        return self._store
