"""Completeness of the lists of holders per scheme and batch, computed from any SPARQL ``select`` (the layer
below the services: ``dataset.void`` uses it on the built triples, ``services.completeness`` on the served
store, which adds a province's view).  See ``ecokg.services.completeness`` for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

ECO = "https://w3id.org/ecokg/ontology#"
Select = Callable[[str], list]  # a SPARQL SELECT (prefixes eco:, schema: known) -> rows of {name: term or None}

_RANK = {"HighConfidence": 3, "MediumConfidence": 2, "LowConfidence": 1}


@dataclass(frozen=True)
class Completeness:
    scheme: str  # the scheme's IRI
    batch: str | None  # the batch's IRI; None: the whole scheme
    stated: int | None  # the size sources state (None: no source states it)
    as_of: str | None  # the date the stated size is as of, where sources give it
    recorded: int = 0  # distinct holders the graph records

    @property
    def difference(self) -> int | None:
        """Holders stated but not recorded (negative: more recorded than stated, e.g. a later batch)."""
        return None if self.stated is None else self.stated - self.recorded

    @property
    def complete(self) -> bool:
        return self.stated is not None and self.recorded >= self.stated


_BATCHES = """SELECT ?scheme ?batch ?ordinal WHERE { ?batch a eco:Batch ; eco:scheme ?scheme .
  OPTIONAL { ?batch eco:ordinal ?ordinal } }"""


def batch_keys(select: Select) -> list[tuple[str, str, int | None]]:
    """(scheme, batch, ordinal or None) of every batch."""
    return [(r["scheme"].value, r["batch"].value, int(r["ordinal"].value) if r.get("ordinal") is not None else None)
            for r in select(_BATCHES)]


_RECORDED = """
SELECT ?scheme ?batch (COUNT(DISTINCT ?h) AS ?n) WHERE {
  ?d a eco:Designation ; eco:scheme ?scheme ; eco:holder ?h .
  OPTIONAL { ?d eco:batch ?batch }
} GROUP BY ?scheme ?batch"""

_SCHEME_RECORDED = """
SELECT ?scheme (COUNT(DISTINCT ?h) AS ?n) WHERE {
  ?d a eco:Designation ; eco:scheme ?scheme ; eco:holder ?h .
} GROUP BY ?scheme"""

_STATED = """
SELECT ?claim ?scheme ?batch ?value ?region ?asof ?level ?conf WHERE {
  ?claim eco:statedValue ?value .
  { ?claim eco:countedBatch ?batch . ?batch eco:scheme ?scheme }
  UNION
  { ?claim eco:countedScheme ?scheme . FILTER NOT EXISTS { ?claim eco:countedBatch ?anyBatch } }
  OPTIONAL { ?claim eco:countedRegion ?region }
  OPTIONAL { ?claim eco:asOf ?asof }
  OPTIONAL { ?claim eco:confidence ?conf }
  OPTIONAL { ?scheme eco:level ?level }
}"""


def compute(select: Select, entity_ns: str) -> list[Completeness]:
    """One row per scheme with a designation or a stated size (``batch`` None) and per batch of it.
    ``entity_ns``: the IRI space of the entities (``{base}id/``)."""
    china = entity_ns + "place/china"
    national = ECO + "National"
    recorded: dict[tuple[str, str | None], int] = {}
    for r in select(_RECORDED):
        batch = r["batch"].value if r.get("batch") is not None else None
        recorded[(r["scheme"].value, batch)] = int(r["n"].value)
    holders_by_scheme = {r["scheme"].value: int(r["n"].value) for r in select(_SCHEME_RECORDED)}

    # (scheme, batch) -> the claims stating a size: (value, as_of, confidence rank)
    claims: dict[tuple[str, str | None], dict[str, tuple[int, str | None, int]]] = {}
    for r in select(_STATED):
        try:
            value = int(r["value"].value)
        except ValueError:
            continue
        scheme = r["scheme"].value
        is_national = r.get("level") is not None and r["level"].value == national
        region = r["region"].value if r.get("region") is not None else None
        if is_national and region not in (None, china):
            continue  # a province's share of a national scheme, not its size
        batch = r["batch"].value if r.get("batch") is not None else None
        as_of = r["asof"].value if r.get("asof") is not None else None
        rank = _RANK.get(r["conf"].value.rpartition("#")[2], 0) if r.get("conf") is not None else 0
        claims.setdefault((scheme, batch), {})[r["claim"].value] = (value, as_of, rank)

    stated: dict[tuple[str, str | None], tuple[int, str | None]] = {}
    for key, found in claims.items():
        if key[1] is not None:  # a batch: the largest value stated at the highest confidence
            best = max(rank for _, _, rank in found.values())
            value = max(v for v, _, rank in found.values() if rank == best)
            as_of = max((a or "" for v, a, rank in found.values() if v == value and rank == best), default="")
            stated[key] = (value, as_of or None)
        else:  # a scheme: the latest size stated (the larger on the same date)
            value, as_of, _ = max(found.values(), key=lambda c: (c[1] or "", c[0]))
            stated[key] = (value, as_of)

    keys = {k for k in recorded if k[1] is not None} | {k for k in stated if k[1] is not None}
    schemes = set(holders_by_scheme) | {k[0] for k in stated}
    # a scheme whose batches 1, 2, ... n are all in the graph and all sized: its size is the sum of theirs (the
    # latest stated total may predate its last batch: 572 after batch 7 of the demonstration zones, 677 with 8)
    batches_of: dict[str, list] = {}
    for scheme, batch, ordinal in batch_keys(select):
        batches_of.setdefault(scheme, []).append((ordinal, batch))
    for scheme, batches in batches_of.items():
        ordinals = sorted(o for o, _ in batches if o is not None)
        if len(ordinals) != len(batches) or ordinals != list(range(1, len(ordinals) + 1)):
            continue  # an unnumbered cohort, or batches the graph does not hold: no sum
        sizes = [stated.get((scheme, b)) for _, b in batches]
        if sizes and all(sizes):
            total = sum(v for v, _ in sizes)
            latest = max((a or "" for _, a in sizes), default="") or None
            old = stated.get((scheme, None))
            if old is None or total > old[0]:
                stated[(scheme, None)] = (total, latest)
    rows = [Completeness(s, None, *stated.get((s, None), (None, None)), recorded=holders_by_scheme.get(s, 0))
            for s in schemes]
    rows += [Completeness(s, b, *stated.get((s, b), (None, None)), recorded=recorded.get((s, b), 0))
             for s, b in keys]
    rows.sort(key=lambda r: (r.scheme, r.batch or ""))
    return rows


def rows_of(result) -> list[dict[str, Any]]:
    """The rows of a pyoxigraph SELECT result as dicts."""
    names = [v.value for v in result.variables]
    return [{n: r[n] for n in names} for r in result]


PREFIXES = (f"PREFIX eco: <{ECO}>\nPREFIX schema: <https://schema.org/>\n")
