"""A SHACL engine for large graphs: the shapes' targets and constraints evaluated over in-memory indexes.

pyshacl (the reference engine, still used for shapes this engine does not support and selectable with
``ecokg validate --shacl-engine pyshacl``) needs about 7 minutes and 4 GiB for a million triples; this engine
evaluates the same SHACL Core components node by node over per-predicate dictionaries built straight
from the parsed terms (so literals are checked exactly as written), and SHACL-SPARQL targets and
constraints on a pyoxigraph store.  ``tests/test_shacl.py`` checks that both engines give the same
results on every broken file, on the bundled data, on generated data and on random mutations of it.

- ``shapes``: reads a shapes graph into ``Shape`` objects; anything it cannot evaluate raises
  ``Unsupported`` (so nothing is silently skipped).
- ``data``: the indexed data graph.
- ``engine``: targets, constraint components and validation results.
"""

from ecokg.dataset.shacl.data import DataGraph
from ecokg.dataset.shacl.engine import Result, validate_graph
from ecokg.dataset.shacl.shapes import InvalidShapes, Shape, Unsupported, read_shapes

__all__ = ["DataGraph", "InvalidShapes", "Result", "Shape", "Unsupported", "read_shapes", "validate_graph"]
