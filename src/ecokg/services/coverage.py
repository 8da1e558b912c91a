"""How complete the graph's lists of holders are, per scheme and per batch: the size sources state, the
holders the graph records, the difference.

A stand-in for ``services/completeness.py`` (being written with the national lists): the map calls
``completeness(g)`` from here only (``services.mapview`` imports it in one place), so the real one replaces
it by changing that import.  It reads the graph's ``eco:StatedCount``s: a batch's size is the largest count
stated for it (for a national scheme, counted for China -- not a province's share); a scheme's size is the
latest scheme-wide count (with the date it is as of), for a national scheme again China's.  A scheme or
batch no source sizes has ``stated`` None: its list cannot be called complete either.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecokg.services.graph import GraphServices


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


_RECORDED = """
SELECT ?scheme ?batch (COUNT(DISTINCT ?h) AS ?n) WHERE {
  ?d eco:scheme ?scheme ; eco:holder ?h .
  OPTIONAL { ?d eco:batch ?batch }
} GROUP BY ?scheme ?batch"""

_STATED = """
SELECT ?claim ?scheme ?batch ?value ?region ?asof ?level WHERE {
  ?claim eco:statedValue ?value .
  { ?claim eco:countedBatch ?batch . ?batch eco:scheme ?scheme }
  UNION
  { ?claim eco:countedScheme ?scheme . FILTER NOT EXISTS { ?claim eco:countedBatch ?anyBatch } }
  OPTIONAL { ?claim eco:countedRegion ?region }
  OPTIONAL { ?claim eco:asOf ?asof }
  OPTIONAL { ?scheme eco:level ?level }
}"""


def completeness(g: GraphServices) -> list[Completeness]:
    """One row per scheme with a designation or a stated size (``batch`` None) and per batch of it
    (a whole-graph summary: kept while the store cannot change)."""
    return g.summary(("completeness",), lambda: _compute(g))


def _compute(g: GraphServices) -> list[Completeness]:
    china = g.uris.entity("place/china")
    national = g.uris.eco + "National"
    recorded: dict[tuple[str, str | None], int] = {}
    holders_by_scheme: dict[str, int] = {}
    for r in g.select(_RECORDED):
        scheme = r["scheme"].value
        batch = r["batch"].value if r.get("batch") is not None else None
        recorded[(scheme, batch)] = int(r["n"].value)
    for r in g.select("SELECT ?scheme (COUNT(DISTINCT ?h) AS ?n) WHERE { ?d eco:scheme ?scheme ; eco:holder ?h } "
                      "GROUP BY ?scheme"):
        holders_by_scheme[r["scheme"].value] = int(r["n"].value)

    stated: dict[tuple[str, str | None], tuple[int, str | None]] = {}
    for r in g.select(_STATED):
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
        key = (scheme, batch)
        old = stated.get(key)
        if batch is not None:  # a batch: the largest size stated for it
            if old is None or value > old[0]:
                stated[key] = (value, as_of)
        elif old is None or (as_of or "") > (old[1] or ""):  # a scheme: the latest size stated
            stated[key] = (value, as_of)

    keys = {k for k in recorded if k[1] is not None} | {k for k in stated if k[1] is not None}
    schemes = set(holders_by_scheme) | {k[0] for k in stated}
    rows = [Completeness(s, None, *_stated(stated, (s, None)), recorded=holders_by_scheme.get(s, 0)) for s in schemes]
    rows += [Completeness(s, b, *_stated(stated, (s, b)), recorded=recorded.get((s, b), 0)) for s, b in keys]
    rows.sort(key=lambda r: (r.scheme, r.batch or ""))
    return rows


def _stated(stated: dict, key) -> tuple[int | None, str | None]:
    """(stated, as_of) as keyword-free positional parts: the size and its date, or (None, None)."""
    return stated.get(key, (None, None))
