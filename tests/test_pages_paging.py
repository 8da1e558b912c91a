"""Long listings come in pages: an indicator's observations, a scheme's holders, inbound links, a class's
members.  A generated graph (written with pyoxigraph into a tmp dir) is served by the app in this process
(``start_site``: Flask's test client); every row of a listing is on exactly one page, the pages link to each
other, and linked values are still shown by their labels."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from pagetools import get, page_text

ID = "https://w3id.org/ecokg/id/"
ECO = "https://w3id.org/ecokg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SOSA = "http://www.w3.org/ns/sosa/"
XSD = "http://www.w3.org/2001/XMLSchema#"

PLACES = 25
YEARS = list(range(2015, 2025))  # 25 x 10 = 250 observations of the indicator: 3 pages of 100
BIG = 3150  # observations of a second indicator: more than the pages sort (paging.SORT_MAX)
HOLDERS = 350  # designations of one scheme: 2 pages of 300 holders


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _labelled(s: ox.NamedNode, en: str, zh: str) -> list[ox.Triple]:
    return [ox.Triple(s, LABEL, ox.Literal(en, language="en")), ox.Triple(s, LABEL, ox.Literal(zh, language="zh"))]


def _graph() -> list[ox.Triple]:
    t: list[ox.Triple] = []
    ind = _n(ID + "indicator/air-days")
    big = _n(ID + "indicator/big-one")
    t += [ox.Triple(ind, RDF_TYPE, _n(ECO + "Indicator")), *_labelled(ind, "Air days", "空气天数")]
    t += [ox.Triple(big, RDF_TYPE, _n(ECO + "Indicator")), *_labelled(big, "Big one", "大指标")]
    for i in range(PLACES):
        place = _n(ID + f"place/p{i:02d}")
        t += [ox.Triple(place, RDF_TYPE, _n(ECO + "Place")), *_labelled(place, f"Place {i:02d}", f"地方{i:02d}")]
        for year in YEARS:
            o = _n(ID + f"observation/p{i:02d}--air-days--{year}")
            t += [ox.Triple(o, RDF_TYPE, _n(ECO + "Observation")),
                  ox.Triple(o, _n(SOSA + "hasFeatureOfInterest"), place),
                  ox.Triple(o, _n(SOSA + "observedProperty"), ind),
                  ox.Triple(o, _n(ECO + "referenceYear"), ox.Literal(str(year), datatype=_n(XSD + "gYear"))),
                  ox.Triple(o, _n(ECO + "numericValue"), ox.Literal(str(300 + i), datatype=_n(XSD + "integer")))]
    home = _n(ID + "place/p00")
    for k in range(BIG):
        o = _n(ID + f"observation/big--{k:05d}")
        t += [ox.Triple(o, RDF_TYPE, _n(ECO + "Observation")),
              ox.Triple(o, _n(SOSA + "hasFeatureOfInterest"), home),
              ox.Triple(o, _n(SOSA + "observedProperty"), big)]
    scheme = _n(ID + "scheme/many")
    batch = _n(ID + "batch/many-1")
    t += [ox.Triple(scheme, RDF_TYPE, _n(ECO + "DesignationScheme")), *_labelled(scheme, "Many", "众多"),
          ox.Triple(batch, RDF_TYPE, _n(ECO + "Batch")), ox.Triple(batch, _n(ECO + "scheme"), scheme),
          ox.Triple(batch, _n(ECO + "ordinal"), ox.Literal("1", datatype=_n(XSD + "integer"))),
          *_labelled(batch, "Many, batch 1", "众多第一批")]
    for k in range(HOLDERS):
        h = _n(ID + f"place/h{k:03d}")
        d = _n(ID + f"designation/h{k:03d}--many")
        t += [ox.Triple(h, RDF_TYPE, _n(ECO + "Place")), *_labelled(h, f"Holder {k:03d}", f"获得者{k:03d}"),
              ox.Triple(d, RDF_TYPE, _n(ECO + "Designation")), ox.Triple(d, _n(ECO + "holder"), h),
              ox.Triple(d, _n(ECO + "scheme"), scheme), ox.Triple(d, _n(ECO + "batch"), batch)]
    return t


@pytest.fixture(scope="module")
def paging_server(start_site, tmp_path_factory):
    """The long listings served by the app in this process."""
    path = tmp_path_factory.mktemp("paging") / "long-listings.nt"
    with open(path, "wb") as fh:
        ox.serialize(_graph(), fh, ox.RdfFormat.N_TRIPLES)
    return start_site(data=[str(path)], validate="never")


class _Links(HTMLParser):
    """Every <a>: (href, rel, text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            self._open.append([a.get("href") or "", a.get("rel") or "", ""])

    def handle_data(self, data):
        for a in self._open:
            a[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.links.append(tuple(x.strip() if isinstance(x, str) else x for x in self._open.pop()))


def links(html: str) -> list[tuple[str, str, str]]:
    p = _Links()
    p.feed(html)
    p.close()
    return p.links


def page(server, path: str):
    r = get(server.url + path, {"Accept": "text/html"})
    assert r.status == 200, (path, r.status)
    return r.text


def section(html: str, heading: str) -> str:
    """The part of the page from the <h2> starting with ``heading`` to the next section."""
    start = html.index("<h2>" + heading)
    end = html.find("</section>", start)
    return html[start:end]


def observations_on(html: str, pattern: str = r"/id/observation/p\d\d--air-days--\d{4}",
                    heading: str = "Observations") -> list[str]:
    return [h for h, _, _ in links(section(html, heading)) if re.fullmatch(pattern, h.split("?")[0])]


def pager(html: str) -> dict[str, str]:
    """rel -> href of the page links."""
    return {rel: href for href, rel, _ in links(html) if rel in ("prev", "next")}


def test_indicator_observations_come_in_pages_that_cover_every_row_once(paging_server):
    seen: list[str] = []
    for n in (1, 2, 3):
        html = page(paging_server, f"/id/indicator/air-days?lang=en&page={n}")
        rows = observations_on(html)
        assert len(rows) == (100 if n < 3 else 50)
        text = page_text(section(html, "Observations"))
        first = (n - 1) * 100 + 1
        assert f"{first}–{min(n * 100, 250)} of 250" in text and f"Page {n} of 3" in text
        seen += rows
    assert len(seen) == len(set(seen)) == PLACES * len(YEARS)


def test_page_links_go_to_the_next_and_previous_page_and_keep_the_language(paging_server):
    first = page(paging_server, "/id/indicator/air-days?lang=zh")
    links1 = pager(section(first, "观测数据"))
    assert "prev" not in links1
    q = parse_qs(urlsplit(links1["next"]).query)
    assert urlsplit(links1["next"]).path == "/id/indicator/air-days" and q["page"] == ["2"] and q["lang"] == ["zh"]
    second = page(paging_server, links1["next"])
    links2 = pager(section(second, "观测数据"))
    assert parse_qs(urlsplit(links2["prev"]).query)["page"] == ["1"]
    assert parse_qs(urlsplit(links2["next"]).query)["page"] == ["3"]
    assert set(observations_on(first, heading="观测数据")).isdisjoint(observations_on(second, heading="观测数据"))
    last = page(paging_server, "/id/indicator/air-days?page=3")
    assert "next" not in pager(section(last, "Observations"))


def test_a_page_past_the_end_or_not_a_number_is_still_a_page(paging_server):
    assert observations_on(page(paging_server, "/id/indicator/air-days?page=999")) == \
        observations_on(page(paging_server, "/id/indicator/air-days?page=3"))
    assert observations_on(page(paging_server, "/id/indicator/air-days?page=abc")) == \
        observations_on(page(paging_server, "/id/indicator/air-days"))


def test_linked_values_are_shown_by_their_labels(paging_server):
    en = section(page(paging_server, "/id/indicator/air-days?lang=en&page=2"), "Observations")
    zh = section(page(paging_server, "/id/indicator/air-days?lang=zh&page=2"), "观测数据")
    places_en = {text for href, _, text in links(en) if href.startswith("/id/place/")}
    places_zh = {text for href, _, text in links(zh) if href.startswith("/id/place/")}
    assert places_en and all(re.fullmatch(r"Place \d\d", t) for t in places_en), places_en
    assert places_zh and all(re.fullmatch(r"地方\d\d", t) for t in places_zh), places_zh
    # the page's own entity, in the title, and the inbound links are labelled too
    html = page(paging_server, "/id/place/p07?lang=en")
    assert "<h1" in html and "Place 07" in html.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "地方07" in page_text(html)


def test_inbound_links_come_in_pages(paging_server):
    html = page(paging_server, "/id/indicator/air-days?lang=en")
    inbound = section(html, "Referenced by")
    assert "1–200 of 250" in page_text(inbound)
    assert parse_qs(urlsplit(pager(inbound)["next"]).query)["page"] == ["2"]
    rows1 = [h for h, _, _ in links(inbound) if h.startswith("/id/observation/")]
    rows2 = [h for h, _, _ in links(section(page(paging_server, "/id/indicator/air-days?lang=en&page=2"),
                                            "Referenced by")) if h.startswith("/id/observation/")]
    assert len(rows1) == 200 and len(rows2) == 50 and not set(rows1) & set(rows2)


def test_a_listing_too_long_to_sort_still_pages_completely(paging_server):
    """More rows than the pages sort: they come in the engine's order, still each on one page only."""
    pattern = r"/id/observation/big--\d{5}"
    seen: list[str] = []
    html = page(paging_server, "/id/indicator/big-one?lang=en")
    assert "in the store's order" in page_text(section(html, "Observations"))
    assert f"1–100 of {BIG}" in page_text(section(html, "Observations"))
    for n in (1, 2, 31, 32):
        html = page(paging_server, f"/id/indicator/big-one?lang=en&page={n}")
        seen += observations_on(html, pattern)
    assert len(seen) == len(set(seen)) == 3 * 100 + BIG % 100  # the last page: the 50 left


def test_scheme_holders_come_in_pages(paging_server):
    p1 = page(paging_server, "/id/scheme/many?lang=en")
    p2 = page(paging_server, "/id/scheme/many?lang=en&page=2")
    holders = lambda html: [t for h, _, t in links(section(html, "Batches and holders"))  # noqa: E731
                            if re.fullmatch(r"/id/place/h\d{3}", h.split("?")[0])]
    h1, h2 = holders(p1), holders(p2)
    assert len(h1) == 300 and len(h2) == HOLDERS - 300
    assert set(h1).isdisjoint(h2) and len(set(h1 + h2)) == HOLDERS
    assert all(re.fullmatch(r"Holder \d{3}", t) for t in h1 + h2)  # by their labels
    assert "1–300 of 350" in page_text(section(p1, "Batches and holders"))
    assert '<ol class="holders" start="1">' in p1 and '<ol class="holders" start="301">' in p2  # numbered on
    assert parse_qs(urlsplit(pager(section(p1, "Batches and holders"))["next"]).query)["page"] == ["2"]


def test_class_members_come_in_pages_by_label(paging_server):
    p1 = page(paging_server, "/class/Place?lang=en")
    names = [t for h, _, t in links(p1) if h.startswith("/id/place/")]
    assert len(names) == 50 and names == sorted(names)
    assert f"{PLACES + HOLDERS} " in page_text(p1)
    last = page(paging_server, f"/class/Place?lang=en&page={(PLACES + HOLDERS + 49) // 50}")
    assert len([h for h, _, _ in links(last) if h.startswith("/id/place/")]) == (PLACES + HOLDERS) % 50


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    from ecokg.services import GraphServices
    from ecokg.store.embedded import EmbeddedStore

    path = tmp_path_factory.mktemp("labels") / "g.nt"
    with open(path, "wb") as fh:
        ox.serialize(_graph(), fh, ox.RdfFormat.N_TRIPLES)
    return lambda: GraphServices(EmbeddedStore.from_files([path]), "https://w3id.org/ecokg/")


def test_a_page_looks_up_only_the_labels_it_shows(services):
    from ecokg.services.entity import entity_view

    g = services()
    view = entity_view(g, ID + "place/p03", "en")
    assert view.title == "Place 03"
    # the place, its type, its properties and its 10 observations' values: not the graph's ~3,900 labelled IRIs
    assert 0 < g.labels.cached() < 60
    assert g.labels.queries <= 8  # a few lookups for the whole page, not one per value
    assert g.search_index is None  # pages never build the search index


def test_label_cache_is_bounded(services):
    from ecokg.services.labels import Labels

    g = services()
    labels = Labels(g.store, max_entries=20)
    labels.prefetch(ox.NamedNode(ID + f"place/h{k:03d}") for k in range(100))
    assert labels.cached() == 20 and labels.queries == 1
    assert labels.label(ID + "place/h099", "zh") == "获得者099"  # the most recent stay
    assert labels.queries == 1
    assert labels.label(ID + "place/h000", "en") == "Holder 000"  # an evicted one is looked up again
    assert labels.queries == 2


def test_search_finds_by_label_in_a_generated_graph(services):
    from ecokg.services.search import search

    g = services()
    hits = search(g, "获得者０４２", "en")  # full-width digits
    assert hits[0].iri == ID + "place/h042" and hits[0].labels == {"en": "Holder 042", "zh": "获得者042"}
    assert [t.text for t in hits[0].types] == ["eco:Place"]
    assert len(search(g, "holder", "en", limit=500)) == HOLDERS
