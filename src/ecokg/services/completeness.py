"""How complete the graph's lists of holders are, per scheme and per batch: the size sources state, the
holders the graph records, the difference -- and, for a province, its holders per scheme and batch with each
batch's completeness beside them.

Knows nothing of Flask: the pages, the map and VoID ask ``completeness(g)``; the same figures come from the
example query ``queries/completeness-per-batch.rq`` in SPARQL.

* **recorded**: the distinct holders of the designations (``eco:Designation``) of a batch.  Claims (a listing
  reported, inferred or proposed, ``eco:listingStatus``) are not designations and are not counted.
* **stated**: a batch's size as sources state it (``eco:StatedCount`` with ``eco:countedBatch``).  For a
  national scheme only the counts for China are sizes (a province's share is not).  Where sources disagree
  (batch 3 of the demonstration zones: 84 named, 85 in one report that counts the proposed list) the size is
  the largest value stated at the highest confidence.  A scheme's size is the sum of its batches' when every
  batch is sized (677 demonstration zones in eight batches, where the latest stated total, 572, predates batch 8),
  else its latest scheme-wide count (with the date it is as of).  A scheme or batch that no source sizes has ``stated``
  None: its list can never be called complete.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ecokg.dataset.completeness import Completeness, compute
from ecokg.services.graph import GraphServices

__all__ = ["Completeness", "completeness", "of_batch", "of_scheme", "province_holders", "ProvinceBatch", "province_view",
           "ProvinceBatchView"]

def completeness(g: GraphServices) -> list[Completeness]:
    """One row per scheme with a designation or a stated size (``batch`` None) and per batch of it
    (a whole-graph summary: kept while the store cannot change)."""
    return g.summary(("completeness",), lambda: compute(g.select, g.uris.entity("")))


def of_batch(g: GraphServices, batch: str) -> Completeness | None:
    """The row of one batch (None: not a batch of any scheme with holders or a stated size)."""
    for row in completeness(g):
        if row.batch == batch:
            return row
    return None


def of_scheme(g: GraphServices, scheme: str) -> dict[str | None, Completeness]:
    """A scheme's rows by batch IRI (None: the whole scheme)."""
    return {r.batch: r for r in completeness(g) if r.scheme == scheme}


# ---- a province's holders ------------------------------------------------------------------------------------

@dataclass
class ProvinceBatch:
    scheme: str  # IRI
    batch: str | None  # IRI; None: the batch is not known
    holders: list[tuple[str, str]] = field(default_factory=list)  # (holder IRI, designation IRI), by holder IRI
    completeness: Completeness | None = None  # the batch's, nationally

    @property
    def batch_incomplete(self) -> bool:
        """The graph records fewer holders of this batch than sources say it has (or no size is known), so
        the province's list for it may be incomplete."""
        return self.completeness is None or not self.completeness.complete


_PROVINCE = """
SELECT DISTINCT ?scheme ?batch ?h ?d WHERE {
  ?d a eco:Designation ; eco:scheme ?scheme ; eco:holder ?h .
  OPTIONAL { ?d eco:batch ?batch }
  { VALUES ?h { $p } } UNION { ?h schema:containedInPlace+ $p }
}"""


def province_holders(g: GraphServices, province: str) -> list[ProvinceBatch]:
    """The designations held in a province (the province itself or any place contained in it), per scheme and
    batch in scheme and batch order, each with its batch's national completeness."""
    rows = g.select(_PROVINCE, p=ox.NamedNode(province))
    full = {(c.scheme, c.batch): c for c in completeness(g)}
    order = {r["b"].value: (int(r["o"].value) if r.get("o") is not None else 10**6,
                            r["y"].value if r.get("y") is not None else "")
             for r in g.select("SELECT ?b (SAMPLE(?ord) AS ?o) (SAMPLE(?yr) AS ?y) WHERE { ?b a eco:Batch . "
                               "OPTIONAL { ?b eco:ordinal ?ord } OPTIONAL { ?b eco:year ?yr } } GROUP BY ?b",
                               cached=True)}
    out: "OrderedDict[tuple[str, str | None], ProvinceBatch]" = OrderedDict()
    for r in rows:
        scheme = r["scheme"].value
        batch = r["batch"].value if r.get("batch") is not None else None
        pb = out.get((scheme, batch))
        if pb is None:
            pb = out[(scheme, batch)] = ProvinceBatch(scheme, batch, completeness=full.get((scheme, batch)))
        pb.holders.append((r["h"].value, r["d"].value))
    for pb in out.values():
        pb.holders.sort()
    return sorted(out.values(), key=lambda pb: (pb.scheme, pb.batch is None,
                                                order.get(pb.batch, (10**6, "")) if pb.batch else (0, "")))


@dataclass
class ProvinceBatchView:
    """One scheme and batch of a province's page: its holders there, as links, and the batch's completeness."""

    scheme: Any  # services.graph.Value
    batch: Any  # Value, or None: the batch is not known
    holders: list  # [(holder Value, designation Value)]
    completeness: Completeness | None
    incomplete: bool


def province_view(g: GraphServices, province: str, lang: str) -> list[ProvinceBatchView]:
    """``province_holders`` with labels, for a province's page."""
    rows = province_holders(g, province)
    g.labels.prefetch(ox.NamedNode(x) for pb in rows for x in (pb.scheme, pb.batch, *(i for h in pb.holders for i in h))
                      if x)
    out = []
    for pb in rows:
        out.append(ProvinceBatchView(
            g.value(ox.NamedNode(pb.scheme), lang), g.value(ox.NamedNode(pb.batch), lang) if pb.batch else None,
            [(g.value(ox.NamedNode(h), lang), g.value(ox.NamedNode(d), lang)) for h, d in pb.holders],
            pb.completeness, pb.batch_incomplete))
    return out
