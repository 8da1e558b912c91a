"""The national map (/map, services/mapview.py, services/completeness.py): one mark per county-level division in
force with a point, each a link with a title; colours by the designations that concern it; the filter by
scheme and batch (no JavaScript); the legend's completeness; escaping; both languages; the home page's
small map."""

from __future__ import annotations

import json
import re
from html import unescape

import pyoxigraph as ox
import pytest

from pagetools import BASE, get, page_text

ECO = BASE + "ontology#"
ID = BASE + "id/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
PREFIXES = f"PREFIX eco: <{ECO}> PREFIX geo: <{GEO}> PREFIX schema: <https://schema.org/> "

MARK = re.compile(r'<a href="([^"]*)"><title>([^<]*)</title><circle class="([a-z]+) ?([a-z]*)" '
                  r'cx="([-0-9.]+)" cy="([-0-9.]+)" r="[0-9.]+"/></a>')


def _marks(html: str) -> list[tuple[str, str, str, str]]:
    """The map's marks: (href, title, relation, category), from the SVG's group of marks."""
    group = html.split('<g class="marks">', 1)[1].split("</g>", 1)[0]
    marks = [(href, unescape(title), rel, cat) for href, title, rel, cat, _, _ in MARK.findall(group)]
    assert len(marks) == group.count("<a "), "every link of the group is a mark"
    return marks


def _coloured(html: str) -> dict[str, tuple[str, str]]:
    """href -> (relation, category) of the marks with a colour."""
    return {href.split("?")[0]: (rel, cat) for href, _, rel, cat in _marks(html) if rel != "none"}


def _in_force_with_points(store) -> set[str]:
    rows = store.query(PREFIXES + "SELECT DISTINCT ?d WHERE { ?d eco:divisionLevel eco:CountyLevel ; "
                       "geo:lat ?lat ; geo:long ?long . FILTER NOT EXISTS { ?d eco:validUntil ?until } }")
    return {r["d"].value for r in rows}


def _path(iri: str) -> str:
    return "/" + iri[len(BASE):]


# ------------------------------------------------------------------ the marks


def test_one_mark_per_county_level_division_in_force_with_a_point(server, bundled_store):
    expected = _in_force_with_points(bundled_store)
    assert len(expected) > 2800  # the 2024 list, less the few without a point
    r = get(server.url + "/map?lang=en")
    assert r.status == 200 and r.header("Content-Type").startswith("text/html")
    marks = _marks(r.text)
    hrefs = [href.split("?")[0] for href, _, _, _ in marks]
    assert len(marks) == len(expected)
    assert set(hrefs) == {_path(iri) for iri in expected}  # one each, every one a division's page
    assert f"{len(expected)} marks" in page_text(r.text)


def test_marks_are_links_with_titles(server):
    marks = {href: title for href, title, _, _ in _marks(get(server.url + "/map?lang=zh").text)}
    title = marks["/id/division/500154?lang=zh"]  # an explicit language is kept on the links
    assert title.startswith("开州区 · Kaizhou District · 500154")
    assert "辖区内：" in title  # a base in it: 开州区环汉丰湖片区
    assert get(server.url + "/id/division/500154").status == 200
    en = {href: title for href, title, _, _ in _marks(get(server.url + "/map?lang=en").text)}
    assert en["/id/division/500154?lang=en"].startswith("Kaizhou District · 开州区 · 500154")


def test_marks_lie_inside_the_drawing(server):
    html = get(server.url + "/map").text
    width, height = map(float, re.search(r'<svg class="map" viewBox="0 0 ([0-9.]+) ([0-9.]+)"', html).groups())
    group = html.split('<g class="marks">', 1)[1].split("</g>", 1)[0]
    points = [(float(x), float(y)) for *_, x, y in MARK.findall(group)]
    assert all(0 <= x <= width and 0 <= y <= height for x, y in points)
    # north is up: Heilongjiang's marks (23xxxx) above Hainan's (46xxxx)
    ys = {href: float(y) for href, _, _, _, _, y in MARK.findall(group)}
    north = [y for h, y in ys.items() if h.startswith("/id/division/23")]
    south = [y for h, y in ys.items() if h.startswith("/id/division/46")]
    assert max(north) < min(south)


def test_colours_follow_the_designations(server, bundled_store):
    coloured = _coloured(get(server.url + "/map?lang=en").text)
    # a division that holds both national titles itself (渝北区 500112: demonstration zone and base)
    assert coloured["/id/division/500112"] == ("own", "both")
    # one that holds the zone only among the national two (城口县 500229)
    assert coloured["/id/division/500229"][1] == "zone"
    # a base held by a place in a county, not the county itself (忠县's 三峡橘乡田园综合体)
    holders = bundled_store.query(PREFIXES + f"SELECT ?c WHERE {{ <{ID}place/three-gorges-orange-pastoral-complex> "
                                  "schema:containedInPlace+ ?c . ?c eco:divisionLevel eco:CountyLevel }")
    county = _path(next(iter(holders))["c"].value)
    assert coloured[county][0] in ("own", "within")
    # every division the graph records as holding a designation itself is coloured as its own
    own = bundled_store.query(PREFIXES + "SELECT DISTINCT ?h WHERE { ?d eco:holder ?h . ?h eco:divisionLevel "
                              "eco:CountyLevel . FILTER NOT EXISTS { ?h eco:validUntil ?u } }")
    for r in own:
        assert coloured[_path(r["h"].value)][0] == "own"


# ------------------------------------------------------------------ the filter


def _holders(store, scheme: str, batch: str | None = None) -> set[str]:
    """The county-level divisions in force that hold a designation of this scheme (batch) themselves."""
    extra = f"; eco:batch <{ID}batch/{batch}>" if batch else ""
    rows = store.query(PREFIXES + f"SELECT DISTINCT ?h WHERE {{ ?d eco:scheme <{ID}scheme/{scheme}> ; "
                       f"eco:holder ?h {extra} . ?h eco:divisionLevel eco:CountyLevel . "
                       "FILTER NOT EXISTS { ?h eco:validUntil ?u } }")
    return {_path(r["h"].value) for r in rows}


def test_filter_by_scheme_and_batch_changes_the_coloured_marks(server, bundled_store):
    everything = _coloured(get(server.url + "/map").text)
    zone_html = get(server.url + "/map?scheme=national-demonstration-zone").text
    zone = _coloured(zone_html)
    assert len(_marks(zone_html)) == len(_marks(get(server.url + "/map").text))  # every mark stays
    assert zone and set(zone) < set(everything)
    assert {cat for _, cat in zone.values()} == {"zone"}
    assert {h for h, (rel, _) in zone.items() if rel == "own"} == _holders(bundled_store, "national-demonstration-zone")
    batch = _coloured(get(server.url + "/map?scheme=national-demonstration-zone&batch=3").text)
    # the batch's own holders; since the national lists also the counties of a prefecture that holds it (景德镇市)
    assert {h for h, (rel, _) in batch.items() if rel == "own"} == _holders(
        bundled_store, "national-demonstration-zone", "national-demonstration-zone-3")
    assert batch and set(batch) < set(zone)
    mountains = _coloured(get(server.url + "/map?scheme=national-two-mountains-base").text)
    assert {cat for _, cat in mountains.values()} == {"mountains"} and set(mountains) != set(zone)
    municipal = _coloured(get(server.url + "/map?scheme=chongqing-two-mountains-base&batch=5").text)
    assert municipal and {cat for _, cat in municipal.values()} == {"municipal"}


def test_the_filter_is_a_form_and_links(server):
    html = get(server.url + "/map?scheme=national-demonstration-zone&lang=en").text
    form = html.split('<form class="map-filter"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in form and 'name="scheme"' in form and 'name="batch"' in form
    assert '<option value="national-demonstration-zone" selected>' in form
    assert '<input type="hidden" name="lang" value="en">' in form  # the explicit language is kept
    assert "<script" not in html.split("<main", 1)[1]  # nothing needs JavaScript
    chips = html.split('<nav class="batch-chips"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/map?scheme=national-demonstration-zone&amp;batch=3&amp;lang=en"' in chips


def test_unknown_scheme_404_and_unknown_batch_notice(server):
    assert get(server.url + "/map?scheme=no-such-scheme").status == 404
    r = get(server.url + "/map?scheme=national-demonstration-zone&batch=99&lang=en")
    assert r.status == 200
    assert "That is not a batch of this scheme" in page_text(r.text)
    assert set(_coloured(r.text)) == set(_coloured(get(server.url + "/map?scheme=national-demonstration-zone").text))
    # a batch without a scheme is ignored
    assert set(_coloured(get(server.url + "/map?batch=3").text)) == set(_coloured(get(server.url + "/map").text))


# ------------------------------------------------------------------ the legend: how complete the lists are


def _legend(html: str) -> str:
    return page_text(html.split('<figcaption class="map-legend">', 1)[1].split("</figcaption>", 1)[0])


def test_legend_states_recorded_of_stated(server, bundled_store):
    from ecokg.services.completeness import completeness
    from ecokg.services.graph import GraphServices

    scheme = ID + "scheme/national-demonstration-zone"
    recorded = next(iter(bundled_store.query(
        PREFIXES + f"SELECT (COUNT(DISTINCT ?h) AS ?n) WHERE {{ ?d eco:scheme <{scheme}> ; eco:holder ?h }}")))["n"]
    stated = next(c for c in completeness(GraphServices(bundled_store, BASE)) if c.scheme == scheme and c.batch is None)
    assert stated.stated is not None and int(recorded.value) < stated.stated
    html = get(server.url + "/map?scheme=national-demonstration-zone&lang=en").text
    legend = _legend(html)
    assert f"{int(recorded.value)} of {stated.stated} holders recorded" in legend
    assert "not complete" in page_text(html)  # never presented as the whole list
    zh = _legend(get(server.url + "/map?scheme=national-demonstration-zone&lang=zh").text)
    assert f"已记录 {int(recorded.value)} 个，共 {stated.stated} 个" in zh


def test_legend_says_when_no_source_states_the_size(server, bundled_store):
    from ecokg.services.completeness import completeness
    from ecokg.services.graph import GraphServices

    rows = completeness(GraphServices(bundled_store, BASE))
    unsized = next(c for c in rows if c.batch and c.stated is None and c.recorded)
    scheme, batch = unsized.scheme.rsplit("/", 1)[1], unsized.batch.rsplit("-", 1)[1]
    legend = _legend(get(server.url + f"/map?scheme={scheme}&batch={batch}&lang=en").text)
    assert f"holders recorded: {unsized.recorded}; no source states how many there are" in legend


def test_legend_of_the_whole_map_lists_every_scheme_drawn(server, bundled_store):
    html = get(server.url + "/map?lang=en").text
    legend = _legend(html)
    schemes = bundled_store.query(PREFIXES + "SELECT DISTINCT ?s WHERE { ?d eco:scheme ?s ; eco:holder ?h }")
    coverage = html.split('<ul class="coverage-list">', 1)[1].split("</ul>", 1)[0]
    assert coverage.count("<li>") == len(list(schemes))
    assert "holders recorded" in legend and "no designation recorded" in legend
    counts = [int(n) for n in re.findall(r"· (\d+)", legend)]
    assert sum(counts[:len(counts) - 3]) == len(_marks(html))  # colours + none add up to every mark


# ------------------------------------------------------------------ languages


@pytest.mark.parametrize("lang,title,other", [("en", "Map of designations", "中文"), ("zh", "称号分布图", "English")])
def test_both_languages(server, lang, title, other):
    r = get(server.url + f"/map?lang={lang}")
    assert f'<html lang="{lang}' in r.text
    assert title in page_text(r.text) and other in page_text(r.text)  # and the switch to the other language
    assert r.header("Content-Language").startswith(lang)
    switched = "zh" if lang == "en" else "en"
    assert f'href="/map?lang={switched}"' in r.text


def test_language_from_accept_language(server):
    r = get(server.url + "/map", {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "称号分布图" in page_text(r.text)
    assert "Accept-Language" in (r.header("Vary") or "")
    titles = [t for _, t, _, _ in _marks(r.text)]
    assert any(t.startswith("开州区 · Kaizhou District") for t in titles)
    assert 'lang=' not in _marks(r.text)[0][0]  # no language pinned, none added to the links


# ------------------------------------------------------------------ the home page, the cache


def test_home_page_has_the_small_map(server):
    html = get(server.url + "/?lang=en").text
    assert 'class="mini-map" href="/map?lang=en"' in html
    mini = html.split('class="mini-map"', 1)[1].split("</svg>", 1)[0]
    assert mini.count("<path ") >= 2  # the plain marks and at least one colour
    assert "National Ecological Civilization Construction Demonstration Zone" in page_text(html)


def test_views_are_kept_per_app(server):
    from ecokg.services import mapview
    from ecokg.web.negotiate import services

    get(server.url + "/map")
    with server.app.app_context():
        g = services()  # the app's own GraphServices: what the map derives is kept there, not in a global
    assert mapview.map_view(g, "en") is mapview.map_view(g, "en")
    assert mapview.map_view(g, "en") is not mapview.map_view(g, "zh")
    assert mapview.base(g) is mapview.base(g)
    # a batch the scheme lacks is the scheme's whole map, kept once (what a request says never grows the memo)
    whole = mapview.map_view(g, "en", "national-demonstration-zone")
    for junk in ("99", "x" * 50, "<b>"):
        odd = mapview.map_view(g, "en", "national-demonstration-zone", junk)
        assert odd.notice == "map_no_such_batch" and odd.marks is whole.marks
    assert whole.notice is None
    # the marks without a colour are shared by every filter's map in a language
    batch = mapview.map_view(g, "en", "national-demonstration-zone", "3")
    plain = {m.href: m for m in whole.marks if m.relation == "none"}
    assert all(plain[m.href] is m for m in batch.marks if m.relation == "none" and m.href in plain)


# ------------------------------------------------------------------ escaping


EVIL = "<script>alert('x')</script>&amp;"
EVIL_ZH = "坏</title><img src=x onerror=alert(1)>县"


def _t(s, p, o) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o if isinstance(o, ox.Literal) else ox.NamedNode(o))


@pytest.fixture(scope="module")
def evil_site(start_site, tmp_path_factory):
    from ecokg import resources

    label = "http://www.w3.org/2000/01/rdf-schema#label"
    dec = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    prov, county = ID + "division/980000", ID + "division/980101"
    t = [_t(prov, ECO + "divisionLevel", ECO + "ProvinceLevel"), _t(prov, ECO + "divisionCode", ox.Literal("980000")),
         _t(prov, label, ox.Literal("<b>bold</b>省", language="zh")),
         _t(prov, label, ox.Literal("<b>bold</b> Province", language="en")),
         _t(county, ECO + "divisionLevel", ECO + "CountyLevel"), _t(county, ECO + "divisionCode", ox.Literal("980101")),
         _t(county, label, ox.Literal(EVIL, language="en")), _t(county, label, ox.Literal(EVIL_ZH, language="zh")),
         _t(county, "https://schema.org/containedInPlace", prov),
         _t(county, GEO + "lat", ox.Literal("30.5", datatype=dec)),
         _t(county, GEO + "long", ox.Literal("105.5", datatype=dec))]
    d = ID + "designation/evil--test"
    t += [_t(d, ECO + "holder", county), _t(d, ECO + "scheme", ID + "scheme/test-scheme"),
          _t(ID + "scheme/test-scheme", label, ox.Literal("<i>scheme</i>", language="en"))]
    path = tmp_path_factory.mktemp("evil-map") / "evil.nt"
    with open(path, "wb") as fh:
        ox.serialize(t, fh, ox.RdfFormat.N_TRIPLES)
    return start_site(data=tuple(str(p) for p in resources.ontology_files()) + (str(path),), validate="never")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_titles_and_labels_are_escaped(evil_site, lang):
    html = get(evil_site.url + f"/map?lang={lang}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "<b>bold</b>" not in html and "<i>scheme</i>" not in html
    (href, title, rel, cat), = _marks(html)
    assert href.startswith("/id/division/980101")
    assert EVIL in title and EVIL_ZH in title and "<i>scheme</i>" in title  # shown as the text it is
    assert (rel, cat) == ("own", "other")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html.split('<g class="labels"', 1)[1]
    assert json.dumps(EVIL)  # (the literal itself, unchanged)


# ------------------------------------------------------------------ a division on the map


def test_a_division_page_links_to_its_mark_and_the_map_rings_it(server):
    page = get(server.url + "/id/division/500154?lang=en").text
    assert 'href="/map?at=500154&amp;lang=en"' in page
    html = get(server.url + "/map?at=500154&lang=en").text
    ring = re.search(r'<circle class="focus-ring" cx="([-0-9.]+)" cy="([-0-9.]+)"', html)
    group = html.split('<g class="marks">', 1)[1].split("</g>", 1)[0]
    mark = next(m for m in MARK.findall(group) if m[0].startswith("/id/division/500154?"))
    assert ring and ring.groups() == (mark[4], mark[5])
    assert "Ringed on the map: Kaizhou District 500154" in page_text(html)
    # a division that is no mark (a former one, a province) gets no link, and ?at= for it rings nothing
    assert "/map?at=" not in get(server.url + "/id/division/500234?lang=en").text
    assert "/map?at=" not in get(server.url + "/id/division/500000?lang=en").text
    assert "focus-ring" not in get(server.url + "/map?at=500234").text.split("</svg>", 1)[0].split('<g class="marks">', 1)[1]
    assert get(server.url + "/map?at=%3Cscript%3E").status == 200


def test_the_detail_enlarges_where_the_coloured_marks_lie(server):
    # Chongqing's municipal titles lie close together (the national ones, since the national lists, spread over
    # China: no detail for them, as test_no_detail_when_the_coloured_marks_spread_over_the_map shows)
    html = get(server.url + "/map?scheme=chongqing-demonstration-district-county&lang=en").text
    coloured = _coloured(html)
    detail = html.split('<g class="detail-marks">', 1)[1].split("</g>", 1)[0]
    again = {href.split("?")[0]: (rel, cat) for href, _, rel, cat, _, _ in MARK.findall(detail)}
    assert {h: v for h, v in again.items() if v[0] != "none"} == coloured  # every coloured mark, as it is
    assert len(again) < len(_marks(html))  # a part of the map, not all of it
    names = page_text(html.split('<svg class="map detail"', 1)[1].split("</svg>", 1)[0])
    assert "Kaizhou District" in names  # the coloured marks are named



def test_no_detail_when_the_coloured_marks_spread_over_the_map():
    from ecokg.services.mapview import Mark, _detail

    plain = [Mark(x, y, f"/id/division/{i}", "", "none", "") for i, (x, y) in enumerate([(10, 10), (990, 700)])]
    near = [Mark(500, 300, "/a", "", "own", "zone", "A"), Mark(520, 310, "/b", "", "within", "municipal", "B")]
    d = _detail(plain, near, [], 1000, 720)
    assert d is not None and [m.href for m in d.marks] == ["/a", "/b"] and [t for _, _, t in d.labels] == ["A", "B"]
    assert all(0 <= m.x <= d.width and 0 <= m.y <= d.height for m in d.marks)
    far = near + [Mark(900, 650, "/c", "", "own", "zone", "C")]
    assert _detail(plain, far, [], 1000, 720) is None
    assert _detail(plain, [], [], 1000, 720) is None
