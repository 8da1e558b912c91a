"""Bounded listings: one page of a long list of things, its place among the pages, and the total.

A listing is a graph pattern ``where`` that binds the page's subject ``?s`` (a bound value) and a
key variable (the listed things).  ``page_of`` counts the keys (one ``COUNT``: linear in the length
of the listing, never in the size of the graph) and fetches one page of them.  Listings up to
``SORT_MAX`` keys come in the order of the key IRIs (for places, their pinyin slugs); longer ones
in the engine's own order, which is stable for a given store -- sorting tens of thousands of
rows would cost more than the whole page.  The caller then fetches the details of just the keys
on the page (a ``VALUES`` of them, bound with ``ecokg.rdf.sparql_text.bind``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

SORT_MAX = 3000


@dataclass
class Page:
    number: int  # 1-based
    size: int
    total: int
    ordered: bool = True  # False: in the engine's order (too long to sort)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """1-based position of the first row on the page."""
        return self.offset + 1

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)

    @property
    def paged(self) -> bool:
        return self.total > self.size


def clamp(number: int, size: int, total: int) -> int:
    return min(max(1, number), max(1, math.ceil(total / size)))


def page_of(g, where: str, key: str, node: ox.NamedNode, number: int, size: int) -> tuple[list, Page]:
    """(the keys on page ``number``, the page) of the listing ``where``, a pattern about the page's entity
    ``$s`` that binds each ``?{key}`` once (counted with ``COUNT(*)``: a ``DISTINCT`` count costs twice as
    much)."""
    rows = g.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", s=node)
    total = int(rows[0]["n"].value) if rows else 0
    number = clamp(number, size, total)
    page = Page(number, size, total, ordered=total <= SORT_MAX)
    if not total:
        return [], page
    order = f"ORDER BY ?{key} " if page.ordered else ""
    keys = g.select(f"SELECT DISTINCT ?{key} WHERE {{ {where} }} {order}LIMIT $limit OFFSET $offset",
                    s=node, limit=size, offset=page.offset)
    return [r[key] for r in keys], page
