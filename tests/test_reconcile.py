"""The reconciliation service (``/reconcile``, W3C Entity Reconciliation API 0.2 and 1.0-draft).

In process (Flask's test client over the bundled graph) for the bulk: the table of real names
(``tests/data/reconcile_names.csv``: a name as a spreadsheet has it, optionally a province, year and type,
and the entity expected, or ``ambiguous`` — several candidates scoring 85 or more, no match — or ``none`` —
no match), every kind of answer against the specification's JSON schemas (``reconcile_specs``), the limits,
CORS, JSONP and escaping; one test over HTTP against a real ``ecokg serve``.
"""

from __future__ import annotations

import csv
import json
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from ecokg.services import reconcile_protocol as protocol
from reconcile_specs import validate

from bench.reconcile import query_of  # one row of the name table as a query, as the timing sends it

NAMES = Path(__file__).parent / "data" / "reconcile_names.csv"
ROWS = list(csv.DictReader(NAMES.open(encoding="utf-8")))
V10 = "/reconcile/1.0-draft"


def post_queries(client, batch: dict, **kw):
    return client.post("/reconcile", data={"queries": json.dumps(batch, ensure_ascii=False)}, **kw)


def outcome(result: list[dict]) -> str:
    """The matched id, else ``ambiguous`` (several candidates scoring 85 or more) or ``none``."""
    matched = [c for c in result if c["match"]]
    assert len(matched) <= 1
    if matched:
        assert result[0] is matched[0]  # the match is the best candidate
        return matched[0]["id"]
    return "ambiguous" if sum(c["score"] >= 85 for c in result) > 1 else "none"


@pytest.fixture(scope="module")
def table_results(server):
    batch = {f"q{i}": query_of(r) for i, r in enumerate(ROWS)}
    resp = post_queries(server.client, batch)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    return [body[f"q{i}"]["result"] for i in range(len(ROWS))]


# ---- the name table -------------------------------------------------------------------------------------------

def test_the_name_table_has_every_form():
    assert len(ROWS) >= 100
    forms = Counter(r["form"] for r in ROWS)
    for form in ("exact name", "exact name in province", "prefecture + name", "without level word",
                 "traditional characters", "pinyin", "English name", "code", "former name (today's division)",
                 "former name in its year", "same name in several provinces", "pinyin with tone marks",
                 "published name (national list)"):
        assert forms[form] >= 1, form
    expected = Counter(r["expected"] if r["expected"] in ("ambiguous", "none") else "entity" for r in ROWS)
    assert expected["ambiguous"] >= 8 and expected["none"] >= 5


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[f"{r['name']}|{r['province']}|{r['year']}|{r['type']}"
                                                     for r in ROWS])
def test_each_name_resolves_as_expected(table_results, i):
    row, result = ROWS[i], table_results[i]
    assert outcome(result) == row["expected"], (row, [(c["id"], c["name"], c["score"]) for c in result[:4]])
    if row["expected"] not in ("ambiguous", "none"):
        assert result[0]["id"] == row["expected"]


def test_a_former_name_says_so(table_results):
    i = next(i for i, r in enumerate(ROWS) if r["name"] == "开县" and not r["year"])
    best = table_results[i][0]
    assert best["id"] == "division/500154" and best["match"]
    assert "via former name 开县 (500234, 1997–2016)" in best["description"]
    assert {"id": "former_name", "name": "went through a former name", "value": True} in best["features"]
    # the former divisions themselves come after it, below the match threshold
    assert {"division/500234"} <= {c["id"] for c in table_results[i][1:]}
    assert all(c["score"] < 85 for c in table_results[i][1:])


def test_scores_follow_the_form_of_the_name(table_results):
    def score(name, **kw):
        i = next(i for i, r in enumerate(ROWS) if r["name"] == name and all(r[k] == v for k, v in kw.items()))
        return table_results[i][0]["score"]

    assert score("开州区") == 100 and score("重庆市开州区") == 100 and score("500154") == 100
    assert score("開州區") == 98 and score("Kaizhou District") == 95
    assert score("开州") == 90 and score("kai zhou qu") == 90 and score("Kaizhou") == 85
    assert score("开县", year="") == 95  # 100 for the name, -5 for going through a former name


# ---- the specification's schemas ------------------------------------------------------------------------------

SAMPLE = {"a": {"query": "开州"}, "b": {"query": "鼓楼区"}, "c": {"query": "开县"},
          "d": {"query": "保康县尧治河村"}, "e": {"query": "火星县"},
          "f": {"query": "国家生态文明建设示范区", "type": "DesignationScheme"},
          "g": {"query": "鼓楼区", "type": ["CountyLevel"], "limit": 2,
                "properties": [{"pid": "province", "v": "福建"}, {"pid": "year", "v": 2020}]},
          "h": {"properties": [{"pid": "code", "v": "500154"}]}}


@pytest.mark.parametrize("version,path", [("0.2", "/reconcile"), ("1.0-draft", V10)])
def test_manifest_validates(client, version, path):
    r = client.get(path)
    assert r.status_code == 200 and r.content_type.startswith("application/json")
    manifest = r.get_json()
    validate(version, "manifest", manifest)
    assert manifest["versions"] == [version]


def test_manifest_02_points_at_this_server(client):
    m = client.get("/reconcile", base_url="http://example.test:8080").get_json()
    assert m["identifierSpace"] == "https://w3id.org/ecokg/id/"
    assert m["schemaSpace"] == "https://w3id.org/ecokg/ontology#"
    assert m["view"]["url"] == "http://example.test:8080/id/{{id}}"
    assert m["preview"]["url"] == "http://example.test:8080/reconcile/preview?id={{id}}"
    assert m["suggest"]["entity"] == {"service_url": "http://example.test:8080/reconcile",
                                      "service_path": "/suggest/entity"}
    assert m["extend"]["propose_properties"]["service_path"] == "/extend/propose"
    assert {t["id"] for t in m["defaultTypes"]} >= {"CountyLevel", "PrefectureLevel"}


def test_query_and_result_batches_validate_0_2(client):
    validate("0.2", "reconciliation-query-batch", SAMPLE)
    r = post_queries(client, SAMPLE)
    assert r.status_code == 200
    body = r.get_json()
    validate("0.2", "reconciliation-result-batch", body)
    assert set(body) == set(SAMPLE)
    assert len(body["g"]["result"]) == 1 and body["g"]["result"][0]["id"] == "division/350102"
    assert body["h"]["result"][0]["id"] == "division/500154" and body["h"]["result"][0]["match"]
    assert body["e"]["result"] == []


def test_the_0_2_batch_by_get_too(client):
    r = client.get("/reconcile", query_string={"queries": json.dumps({"q": {"query": "开州区"}})})
    assert r.status_code == 200 and r.get_json()["q"]["result"][0]["id"] == "division/500154"


def _as_10(spec: dict) -> dict:
    conditions = []
    if "query" in spec:
        conditions.append({"matchType": "name", "propertyValue": spec["query"]})
    for p in spec.get("properties", ()):
        conditions.append({"matchType": "property", "propertyId": p["pid"], "propertyValue": p["v"],
                           "required": True})
    q = {"conditions": conditions}
    if "type" in spec:
        q["type"] = spec["type"] if isinstance(spec["type"], str) else spec["type"][0]
    if "limit" in spec:
        q["limit"] = spec["limit"]
    return q


def test_query_and_result_batches_validate_1_0(client):
    batch = {"queries": [_as_10(s) for s in SAMPLE.values()]}
    validate("1.0-draft", "reconciliation-query-batch", batch)
    r = client.post(V10 + "/match", json=batch)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    validate("1.0-draft", "reconciliation-result-batch", body)
    same = post_queries(client, SAMPLE).get_json()
    # the same candidates and scores as version 0.2, in the order of the queries
    for key, result in zip(SAMPLE, body["results"]):
        assert [(c["id"], c["score"], c["match"]) for c in result["candidates"]] == \
            [(c["id"], c["score"], c["match"]) for c in same[key]["result"]]


def test_an_id_condition_finds_the_entity(client):
    batch = {"queries": [{"conditions": [{"matchType": "id", "propertyValue": "division/500234"}]}]}
    body = client.post(V10 + "/match", json=batch).get_json()
    assert body["results"][0]["candidates"][0]["id"] == "division/500234"


@pytest.mark.parametrize("version,root", [("0.2", "/reconcile"), ("1.0-draft", V10)])
@pytest.mark.parametrize("kind,prefix,expected", [
    ("entity", "开州", "division/500154"), ("entity", "kaizh", "division/500154"),
    ("entity", "500154", "division/500154"), ("entity", "国家生态", "scheme/national-demonstration-zone"),
    ("type", "county", "CountyLevel"), ("type", "批次", "Batch"),
    ("property", "prov", "province"), ("property", "year", "year"),
])
def test_suggest_validates_and_finds(client, version, root, kind, prefix, expected):
    r = client.get(f"{root}/suggest/{kind}", query_string={"prefix": prefix})
    assert r.status_code == 200
    body = r.get_json()
    validate(version, {"entity": "suggest-entities-response", "type": "suggest-types-response",
                       "property": "suggest-properties-response"}[kind], body)
    assert expected in [x["id"] for x in body["result"]], body


def test_suggest_pages_with_offset_and_limit(client):
    first = client.get("/reconcile/suggest/entity?prefix=开&limit=3").get_json()["result"]
    second = client.get("/reconcile/suggest/entity?prefix=开&limit=3&cursor=3").get_json()["result"]
    assert len(first) == 3 and len(second) == 3 and not {x["id"] for x in first} & {x["id"] for x in second}
    assert client.get("/reconcile/suggest/entity?prefix=").get_json() == {"result": []}


@pytest.mark.parametrize("version,root", [("0.2", "/reconcile"), ("1.0-draft", V10)])
def test_property_proposals_validate(client, version, root):
    body = client.get(f"{root}/extend/propose?type=CountyLevel").get_json()
    validate(version, "data-extension-property-proposal", body)
    ids = [p["id"] for p in body["properties"]]
    for pid in ("code", "level", "province", "parent", "successor", "batch:national-demonstration-zone",
                "year:national-demonstration-zone", "year:national-two-mountains-base"):
        assert pid in ids
    assert client.get(f"{root}/extend/propose?type=CountyLevel&limit=2").get_json()["limit"] == 2


EXTEND = {"ids": ["division/500120", "division/500234", "division/500154", "scheme/national-demonstration-zone",
                  "division/nothing"],
          "properties": [{"id": p} for p in ("code", "level", "province", "prefecture", "parent", "successor",
                                             "now", "valid_from", "valid_until",
                                             "batch:national-demonstration-zone",
                                             "year:national-demonstration-zone", "name_en")]}


def test_data_extension_0_2(client):
    validate("0.2", "data-extension-query", EXTEND)
    r = client.post("/reconcile", data={"extend": json.dumps(EXTEND)})
    assert r.status_code == 200
    body = r.get_json()
    validate("0.2", "data-extension-response", body)
    bishan, kaixian = body["rows"]["division/500120"], body["rows"]["division/500234"]
    assert bishan["code"] == [{"str": "500120"}] and bishan["level"] == [{"str": "county"}]
    assert bishan["province"] == [{"id": "division/500000", "name": "重庆市"}]
    assert bishan["batch:national-demonstration-zone"] == [
        {"id": "batch/national-demonstration-zone-1", "name": "第一批国家生态文明建设示范市县"}]
    assert bishan["year:national-demonstration-zone"] == [{"int": 2017}]
    assert kaixian["successor"] == [{"id": "division/500154", "name": "开州区"}] == kaixian["now"]
    assert kaixian["valid_from"] == [{"int": 1997}] and kaixian["valid_until"] == [{"int": 2016}]
    assert body["rows"]["division/500154"]["year:national-demonstration-zone"] == []
    assert body["rows"]["division/nothing"]["code"] == []
    assert [m["id"] for m in body["meta"]] == [p["id"] for p in EXTEND["properties"]]


def test_data_extension_1_0_has_the_same_values(client):
    validate("1.0-draft", "data-extension-query", EXTEND)
    r = client.post(V10 + "/extend", json=EXTEND)
    assert r.status_code == 200
    body = r.get_json()
    validate("1.0-draft", "data-extension-response", body)
    old = client.post("/reconcile", data={"extend": json.dumps(EXTEND)}).get_json()["rows"]
    for row in body["rows"]:
        assert {p["id"]: p["values"] for p in row["properties"]} == old[row["id"]]


def test_the_year_of_naming_comes_from_eco_conferred_on_where_there_is_no_eco_year(start_site, tmp_path):
    """The national-lists model adds eco:conferredOn: the extension reads the year from it."""
    (tmp_path / "d.ttl").write_text("""
@prefix eco: <https://w3id.org/ecokg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/ecokg/id/division/990101> eco:divisionCode "990101" ; rdfs:label "测试县"@zh ;
    eco:divisionLevel eco:CountyLevel ; eco:validFrom "1981"^^xsd:gYear ; a eco:County .
<https://w3id.org/ecokg/id/scheme/s> a eco:DesignationScheme ; rdfs:label "测试称号"@zh , "Test title"@en .
<https://w3id.org/ecokg/id/designation/x> a eco:Designation ; eco:holder <https://w3id.org/ecokg/id/division/990101> ;
    eco:scheme <https://w3id.org/ecokg/id/scheme/s> ; eco:conferredOn "2024-06-03"^^xsd:date .
""", encoding="utf-8")
    site = start_site(data=[str(tmp_path / "d.ttl")])
    q = {"ids": ["division/990101"], "properties": [{"id": "year:s"}, {"id": "batch:s"}]}
    rows = site.client.post("/reconcile", data={"extend": json.dumps(q)}).get_json()["rows"]
    assert rows["division/990101"] == {"year:s": [{"int": 2024}], "batch:s": []}


# ---- preview --------------------------------------------------------------------------------------------------

def test_preview_is_a_small_bilingual_card(client):
    r = client.get("/reconcile/preview?id=division/500120")
    assert r.status_code == 200 and r.content_type == "text/html; charset=utf-8"
    html = r.get_data(as_text=True)
    assert "璧山区" in html and "Bishan District" in html and "国家生态文明建设示范区" in html and "2017" in html
    assert client.get(V10 + "/preview?id=division/500120").get_data(as_text=True) == html
    assert client.get("/reconcile/preview?id=https://w3id.org/ecokg/id/division/500120").status_code == 200


def test_preview_of_an_unknown_id_is_404_json(client):
    r = client.get("/reconcile/preview?id=<script>")
    assert r.status_code == 404 and r.get_json()["status"] == 404
    assert "<script>" not in r.get_data(as_text=True)


def test_preview_escapes_what_the_data_says(start_site, tmp_path):
    evil = "<img src=x onerror=alert(1)>&\"'"
    (tmp_path / "e.ttl").write_text(f"""
@prefix eco: <https://w3id.org/ecokg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/ecokg/id/division/990101> eco:divisionCode "990101" ; rdfs:label {json.dumps(evil)}@zh ,
    {json.dumps(evil + "en")}@en ; eco:divisionLevel eco:CountyLevel ; eco:validFrom "1981"^^xsd:gYear ; a eco:County .
""", encoding="utf-8")
    site = start_site(data=[str(tmp_path / "e.ttl")])
    html = site.client.get("/reconcile/preview?id=division/990101").get_data(as_text=True)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;&amp;" in html
    # and the JSON answers carry it as data
    body = site.client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "990101"}})}).get_json()
    assert body["q"]["result"][0]["name"] == evil


# ---- limits, errors, CORS, JSONP ------------------------------------------------------------------------------

def _error(r, status: int = 400) -> str:
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.content_type.startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.get_json()
    assert body["status"] == status
    return body["error"]


def test_a_batch_over_the_limit_is_400(client):
    batch = {f"q{i}": {"query": "开州"} for i in range(protocol.DEFAULT_LIMITS.batch + 1)}
    assert "at most 500 queries" in _error(post_queries(client, batch))
    v10 = {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "开州"}]}] * (protocol.DEFAULT_LIMITS.batch + 1)}
    assert "at most 500 queries" in _error(client.post(V10 + "/match", json=v10))


def test_a_query_text_over_the_limit_is_400(client):
    assert "longer than 200 characters" in _error(post_queries(client, {"q": {"query": "开" * 201}}))
    props = {"q": {"query": "开州", "properties": [{"pid": "province", "v": "x" * 201}]}}
    assert "longer than 200 characters" in _error(post_queries(client, props))


@pytest.mark.parametrize("queries,message", [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object of queries"),
    ('{"q": "开州"}', "must be a JSON object"),
    ('{"q": {"type": "CountyLevel"}}', "needs `query` or `properties`"),
    ('{"q": {"query": "开州", "properties": [{"pid": "mayor", "v": "x"}]}}', "unknown property 'mayor'"),
    ('{"q": {"query": "开州", "type": "City"}}', "unknown type 'City'"),
    ('{"q": {"query": "开州", "limit": 0}}', "limit must be a positive number"),
    ('{"q": {"query": "开州", "colour": "red"}}', "unknown field 'colour'"),
])
def test_malformed_batches_are_400_with_the_reason(client, queries, message):
    assert message in _error(client.post("/reconcile", data={"queries": queries}))


def test_malformed_1_0_bodies_are_400(client):
    assert "`queries` list" in _error(client.post(V10 + "/match", json={"q": {}}))
    assert "JSON body" in _error(client.post(V10 + "/match"))
    bad = {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "x", "matchQuantifier": "none"}]}]}
    assert "not supported" in _error(client.post(V10 + "/match", json=bad))
    assert "match" in _error(client.post(V10, data={"queries": "{}"}))


def test_extension_ids_that_are_not_valid_unicode_are_400(client):
    body = '{"ids": ["division/500154", "\\udfff"], "properties": [{"id": "code"}]}'
    assert "each id" in _error(client.post("/reconcile", data={"extend": body}))


def test_extension_limits(client):
    big = {"ids": [f"division/{i}" for i in range(protocol.DEFAULT_LIMITS.extend_ids + 1)], "properties": [{"id": "code"}]}
    assert "at most 1000 ids" in _error(client.post("/reconcile", data={"extend": json.dumps(big)}))
    assert "data extension query" in _error(client.post(V10 + "/extend", json={"ids": "x"}))


def test_post_without_queries_or_extend_is_400(client):
    assert "queries" in _error(client.post("/reconcile", data={"other": "1"}))


def test_a_body_over_the_limit_is_413(start_site):
    site = start_site(max_body=2000)
    batch = {f"q{i}": {"query": "开州区"} for i in range(200)}
    assert "larger than the limit" in _error(post_queries(site.client, batch), 413)
    assert "larger than the limit" in _error(site.client.post(V10 + "/match", json={"queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "开州区"}]}] * 200}), 413)


def test_the_limits_are_settings(start_site):
    from ecokg.settings import Settings

    assert protocol.Limits(batch=Settings().reconcile_batch, text=Settings().reconcile_text,
                           candidates=Settings().reconcile_candidates,
                           extend_ids=Settings().reconcile_extend) == protocol.DEFAULT_LIMITS
    env = Settings.from_env({"ECOKG_RECONCILE_BATCH": "3", "ECOKG_RECONCILE_TEXT": "4",
                             "ECOKG_RECONCILE_CANDIDATES": "2", "ECOKG_RECONCILE_EXTEND": "5"})
    assert (env.reconcile_batch, env.reconcile_text, env.reconcile_candidates, env.reconcile_extend) == (3, 4, 2, 5)
    with pytest.raises(ValueError, match="reconcile_batch must be at least 1"):
        Settings(reconcile_batch=0)
    site = start_site(reconcile_batch=3, reconcile_text=20, reconcile_candidates=2, reconcile_extend=5)
    c = site.client
    for path, version in (("/reconcile", "0.2"), (V10, "1.0-draft")):
        manifest = c.get(path).get_json()
        assert manifest["batchSize"] == 3
        validate(version, "manifest", manifest)
    four = {f"q{i}": {"query": "开州"} for i in range(4)}
    assert "at most 3 queries" in _error(post_queries(c, four))
    assert "at most 3 queries" in _error(c.post(V10 + "/match", json={"queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "开州"}]}] * 4}))
    assert "longer than 20 characters" in _error(post_queries(c, {"q": {"query": "开州" * 10 + "区"}}))
    assert "longer than 20 characters" in _error(c.get("/reconcile/suggest/entity?prefix=" + "kaizhou" * 3))
    assert "each id" in _error(c.post(V10 + "/extend", json={"ids": ["division/" + "5" * 12], "properties": []}))
    body = post_queries(c, {"q": {"query": "鼓楼区", "limit": 10}, "r": {"query": "鼓楼区"}}).get_json()
    assert len(body["q"]["result"]) == 2 and len(body["r"]["result"]) == 2  # four 鼓楼区, two candidates
    six = {"ids": [f"division/50015{i}" for i in range(6)], "properties": [{"id": "code"}]}
    assert "at most 5 ids" in _error(c.post("/reconcile", data={"extend": json.dumps(six)}))
    assert "at most 5 ids" in _error(c.post(V10 + "/extend", json=six))
    five = c.post(V10 + "/extend", json={**six, "ids": six["ids"][:5]})
    assert five.status_code == 200 and len(five.get_json()["rows"]) == 5


@pytest.mark.parametrize("path", ["/reconcile", V10, "/reconcile/suggest/entity?prefix=k", V10 + "/match",
                                  "/reconcile/preview?id=division/500154", V10 + "/extend/propose?type=Batch"])
def test_cors_on_every_route_and_the_preflight(client, path):
    pre = client.options(path, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    if not path.endswith("/match"):
        r = client.get(path, headers={"Origin": "https://example.org"})
        assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_jsonp_for_0_2_get(client):
    r = client.get("/reconcile", query_string={"callback": "jQuery_123.cb", "queries": '{"q":{"query":"开州区"}}'})
    assert r.status_code == 200 and r.content_type.startswith("application/javascript")
    text = r.get_data(as_text=True)
    assert text.startswith("/**/jQuery_123.cb(") and text.endswith(");")
    assert json.loads(text[len("/**/jQuery_123.cb("):-2])["q"]["result"][0]["id"] == "division/500154"
    for bad in ("alert(1)//", "a b", "<script>", "x" * 300, ""):
        assert "callback" in _error(client.get("/reconcile", query_string={"callback": bad}))


def test_the_index_is_made_once_per_app(server):
    from ecokg.web.negotiate import services

    post_queries(server.client, {"q": {"query": "开州"}})
    with server.app.app_context():
        first = services().reconcile_index
        post_queries(server.client, {"q": {"query": "巫山"}})
        assert first is not None and services().reconcile_index is first


# ---- over HTTP, against a real server -------------------------------------------------------------------------

def test_over_http_a_batch_of_100_names(real_server):
    rows = ROWS[:100]
    batch = {f"q{i}": query_of(r) for i, r in enumerate(rows)}
    data = ("queries=" + urllib.request.quote(json.dumps(batch, ensure_ascii=False))).encode()
    req = urllib.request.Request(real_server.url + "/reconcile", data=data,
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Origin": "https://openrefine.example"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
        body = json.loads(resp.read())
    for i, row in enumerate(rows):
        assert outcome(body[f"q{i}"]["result"]) == row["expected"], row
    with urllib.request.urlopen(real_server.url + "/reconcile", timeout=30) as resp:
        manifest = json.loads(resp.read())
    assert manifest["view"]["url"] == real_server.url + "/id/{{id}}"
    with urllib.request.urlopen(real_server.url + "/reconcile/preview?id=division%2F500154", timeout=30) as resp:
        assert "开州区" in resp.read().decode()
    # the view URL reaches the entity's page, also with the id's slash escaped (as a client may escape it)
    req = urllib.request.Request(real_server.url + "/id/division/500154", headers={"Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
    req = urllib.request.Request(real_server.url + "/id/division%2F500154", headers={"Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200 and "开州区" in resp.read().decode()


# ---- codes and names together, odd input -------------------------------------------------------------------

def _one(client, spec: dict) -> list[dict]:
    return post_queries(client, {"q": spec}).get_json()["q"]["result"]


def test_a_code_and_a_name_that_agree_match(client):
    for name in ("开州区", "开州", "Kaizhou", "开县"):
        best = _one(client, {"query": name, "properties": [{"pid": "code", "v": "500154"}]})[0]
        assert best["id"] == "division/500154" and best["match"], name
        assert {f["id"] for f in best["features"]} >= {"code"}


def test_a_code_and_a_name_that_disagree_do_not_match(client):
    result = _one(client, {"query": "巫山县", "properties": [{"pid": "code", "v": "500154"}]})
    assert {"division/500154", "division/500237"} <= {c["id"] for c in result}
    assert not any(c["match"] for c in result)


def test_the_province_scopes_other_places_too(client):
    assert _one(client, {"query": "开州区环汉丰湖片区", "type": "Place"})[0]["match"]
    assert _one(client, {"query": "开州区环汉丰湖片区", "type": "Place",
                         "properties": [{"pid": "province", "v": "重庆"}]})[0]["match"]
    assert _one(client, {"query": "开州区环汉丰湖片区", "type": "Place",
                         "properties": [{"pid": "province", "v": "湖北"}]}) == []


@pytest.mark.parametrize("queries", [
    '{"q": {"query": "开州", "limit": Infinity}}', '{"q": {"query": "开州", "limit": NaN}}',
    '{"q": {"query": "开州", "limit": 1e308}}', "[" * 100_000 + "]" * 100_000,
    '{"q": {"query": null}}', '{"q": {"query": 5}}', '{"q": {"query": ["a"]}}',
    '{"q": {"query": "开州", "type": [1]}}', '{"q": {"query": "开州", "properties": {"pid": "year"}}}',
    '{"q": {"query": "开州", "properties": [{"pid": "year", "v": {"id": 5}}]}}',
    '{"q": {"query": "开州", "properties": [{"pid": "year", "v": [true, null]}]}}',
    '{"q": {"query": "开州", "properties": [{"pid": "province", "v": {"id": "division/420000"}}]}}',
    '{"q": {"query": "开州", "properties": [{"pid": "level", "v": "galaxy"}]}}',
    '{"q": {"query": "\\u0000\\ud800"}}', '{"q": {"query": "    "}}', '{"": {"query": "%"}}',
    '{"\\ud800": {"query": "开州"}}', '{"q": {"query": "\\u0000开州区"}}',
])
def test_odd_batches_get_an_answer_or_a_400_never_a_500(client, queries):
    r = client.post("/reconcile", data={"queries": queries})
    assert r.status_code in (200, 400), r.get_data(as_text=True)[:300]
    assert r.content_type.startswith("application/json")


def test_a_province_given_as_a_reconciled_entity(client):
    """OpenRefine sends a reconciled column's value as {"id", "name"}."""
    for v in ({"id": "division/350000", "name": "福建省"}, {"id": "https://w3id.org/ecokg/id/division/350000"}):
        best = _one(client, {"query": "鼓楼区", "properties": [{"pid": "province", "v": v}]})[0]
        assert best["id"] == "division/350102" and best["match"], v


def test_a_place_in_a_town_is_scoped_by_the_province_of_the_town(client):
    spec = {"query": "广阳岛", "type": "Place", "properties": [{"pid": "province", "v": "重庆"}]}
    assert _one(client, spec)[0]["id"] == "place/guangyang-island"
    spec["properties"][0]["v"] = "四川"
    assert _one(client, spec) == []


def test_a_statistical_code_of_a_village_is_not_its_county(client):
    assert _one(client, {"query": "500154000000"})[0]["id"] == "division/500154"
    assert _one(client, {"query": "500154101001"}) == []
