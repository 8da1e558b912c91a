"""Peers for `ecokg validate`: the same files and shapes through another SHACL engine, in a child process.

``python -m bench.validators pyshacl-turbo FILE`` loads FILE with the bundled ontology exactly as
`ecokg validate FILE` does (``ecokg.dataset.validate.load``) and checks it with pyshacl-turbo (PyPI: a Rust engine
behind pySHACL's API), the bundled shapes, SHACL-AF on.  pyshacl itself is measured as
`ecokg validate --shacl-engine pyshacl FILE`.  Prints the number of results; exit 0 conforms, 1 not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox


def pyshacl_turbo(path: Path) -> int:
    import pyshacl_turbo

    from ecokg import resources
    from ecokg.dataset.validate import load

    loaded = load([*resources.ontology_files(), path])
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in loaded.quads]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    del triples, loaded
    shapes = "\n".join(p.read_text(encoding="utf-8") for p in resources.shapes_files())
    conforms, _report, text = pyshacl_turbo.validate(
        data, data_graph_format="nt", shacl_graph=shapes, shacl_graph_format="turtle",
        inference="none", advanced=True, allow_warnings=True)
    print(text.splitlines()[0] if text else f"conforms: {conforms}")
    return 0 if conforms else 1


VALIDATORS = {"pyshacl-turbo": pyshacl_turbo}

if __name__ == "__main__":
    sys.exit(VALIDATORS[sys.argv[1]](Path(sys.argv[2])))
