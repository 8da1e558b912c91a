"""The structural checks of the reconciliation answers (``reconcile_structure``) can fail, and agree with the
specification's JSON schemas.

* Without a copy of ``reconciliation-api/specs`` (CI): each checker accepts well-formed instances and the
  service's real answers, and rejects hand-broken ones (a missing id, a score given as a string, a candidate
  without ``match``, the wrong nesting, a value outside an enumeration, a key a closed object does not allow).
* With a copy (``reconcile_specs``): jsonschema accepts the same well-formed instances and real answers and
  rejects the same broken ones — except those that break only this service's promises
  (``reconcile_structure.PROMISES``), which the schemas allow; and on every one-step mutation of the real
  answers and of the well-formed instances (a key deleted, a value of another JSON type or another string, an
  unknown key added, a list emptied) the two give the same verdict, with the same exception.
"""

from __future__ import annotations

import copy
import json

import pytest
import reconcile_specs
import reconcile_structure as structure
from reconcile_structure import V02, V10
from test_reconcile import EXTEND, SAMPLE, _as_10, post_queries
from test_reconcile import V10 as ROOT10

PROMISE = "this service's promise"
specs_here = pytest.mark.skipif(reconcile_specs._source() is None,
                                reason="no local copy of reconciliation-api/specs (set ECOKG_RECON_SPECS)")

# ---- well-formed instances, written by hand ---------------------------------------------------------------------

CAND = {"id": "division/500154", "name": "开州区", "score": 100, "match": True,
        "type": [{"id": "CountyLevel", "name": "县级行政区"}],
        "features": [{"id": "code", "name": "code", "value": True}],
        "description": "重庆市"}
VALUES = [{}, {"id": "division/500000", "name": "重庆市"}, {"str": "500154"}, {"float": 1.5}, {"int": 2017},
          {"date": "2017-09-21T00:00:00Z"}]

GOOD = {
    (V02, "manifest"): {
        "versions": ["0.2"], "name": "s", "identifierSpace": "https://x/id/", "schemaSpace": "https://x/o#",
        "view": {"url": "http://h/id/{{id}}"}, "preview": {"url": "http://h/p?id={{id}}", "width": 4, "height": 2},
        "defaultTypes": [{"id": "T", "name": "t", "broader": [{"id": "U", "name": "u"}]}],
        "suggest": {"entity": {"service_url": "http://h", "service_path": "/s", "flyout_service_path": "/f/${id}"}},
        "extend": {"propose_properties": {"service_url": "http://h", "service_path": "/p"},
                   "property_settings": [{"type": "number", "label": "l", "name": "n", "default": 3},
                                         {"type": "select", "label": "l", "name": "n",
                                          "choices": [{"value": "v", "name": "n"}]}]}},
    (V10, "manifest"): {
        "versions": ["1.0-draft"], "name": "s", "view": {"url": "http://h/id/{+id}"}, "lang": "zh", "dir": "ltr",
        "preview": {"width": 4, "height": 2}, "suggest": {"entity": True, "type": False, "property": True},
        "extend": {"proposeProperties": True,
                   "propertySettings": [{"type": "checkbox", "id": "i", "name": "n", "default": False}]},
        "standardizedScore": True},
    (V02, "reconciliation-query-batch"): {
        "a": {"query": "开州"}, "b": {"query": "x", "type": ["T"], "limit": 3, "type_strict": "any",
                                     "properties": [{"pid": "p", "v": ["v", 1, True, {"id": "e"}]}]},
        "c": {"properties": [{"pid": "code", "v": "500154"}]}},
    (V10, "reconciliation-query-batch"): {"queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "开州"}], "type": "T", "limit": 2, "lang": "zh"},
        {"conditions": [{"matchType": "property", "propertyId": "p", "propertyValue": [1, {"id": "e"}],
                         "required": True, "matchQuantifier": "all", "matchQualifier": "q"}]}]},
    (V02, "reconciliation-result-batch"): {"q0": {"result": [CAND, {**CAND, "type": ["CountyLevel"]}]},
                                           "q1": {"result": []}},
    (V10, "reconciliation-result-batch"): {"results": [{"candidates": [{**CAND, "image": "http://i"}]},
                                                       {"candidates": []}]},
    (V02, "suggest-entities-response"): {"result": [{"id": "e", "name": "n", "notable": [{"id": "T"}, "U"]}]},
    (V10, "suggest-entities-response"): {"result": [{"id": "e", "name": "n", "lang": "en", "image": "http://i"}]},
    (V02, "suggest-types-response"): {"result": [{"id": "T", "name": "t", "broader": [{"id": "U", "name": "u"}]}]},
    (V10, "suggest-types-response"): {"result": [{"id": "T", "name": "t", "dir": "auto"}]},
    (V02, "suggest-properties-response"): {"result": [{"id": "p", "name": "n", "description": "d"}]},
    (V10, "suggest-properties-response"): {"result": [{"id": "p", "name": "n",
                                                        "matchQualifiers": [{"id": "q", "name": "n"}]}]},
    (V02, "data-extension-property-proposal"): {"properties": [{"id": "p", "name": "n"}], "type": "T", "limit": 2},
    (V10, "data-extension-property-proposal"): {"properties": [{"id": "p", "name": "n", "lang": "zh"}]},
    (V02, "data-extension-query"): {"ids": ["e"], "properties": [{"id": "p", "settings": {"limit": 1}}]},
    (V10, "data-extension-query"): {"ids": [], "properties": [{"id": "p"}]},
    (V02, "data-extension-response"): {
        "meta": [{"id": "p", "name": "n", "type": {"id": "T", "name": "t"}, "service": "https://h"}],
        "rows": {"e": {"p": VALUES}, "f": {}}},
    (V10, "data-extension-response"): {
        "meta": [{"id": "p", "name": "n", "lang": "zh"}],
        "rows": [{"id": "e", "properties": [{"id": "p", "values": VALUES + [{"str": "x", "lang": "zh"}]}]}]},
}


def _set(doc, path: tuple, value):
    """A deep copy of ``doc`` with the value at ``path`` replaced (``DELETE``: removed)."""
    out = copy.deepcopy(doc)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


DELETE = object()

# (version, schema, what is broken, the instance, whether only this service's promise is broken)
BROKEN = []


def broken(version: str, name: str, what: str, path: tuple, value, promise: bool = False) -> None:
    BROKEN.append((version, name, what, _set(GOOD[version, name], path, value) if path else value, promise))


for _v in (V02, V10):
    # manifests
    broken(_v, "manifest", "not an object", (), [GOOD[_v, "manifest"]])
    broken(_v, "manifest", "versions missing", ("versions",), DELETE)
    broken(_v, "manifest", "versions without this version", ("versions",), ["0.1"])
    broken(_v, "manifest", "name as a number", ("name",), 7)
    broken(_v, "manifest", "preview width not an integer", ("preview", "width"), 4.5)
    broken(_v, "manifest", "view url without the id", ("view", "url"), "http://h/id/")
    broken(_v, "manifest", "a default type without id", ("defaultTypes",), [{"name": "t"}])
    broken(_v, "manifest", "defaultTypes not unique", ("defaultTypes",), [{"id": "T", "name": "t"}] * 2)
    # query batches
    broken(_v, "reconciliation-query-batch", "not an object", (), [])
    # result batches
    r = ("q0", "result", 0) if _v == V02 else ("results", 0, "candidates", 0)
    broken(_v, "reconciliation-result-batch", "candidate without id", r + ("id",), DELETE)
    broken(_v, "reconciliation-result-batch", "candidate id as a number", r + ("id",), 500154)
    broken(_v, "reconciliation-result-batch", "score as a string", r + ("score",), "100")
    broken(_v, "reconciliation-result-batch", "score as a boolean", r + ("score",), True)
    broken(_v, "reconciliation-result-batch", "match as a string", r + ("match",), "true")
    broken(_v, "reconciliation-result-batch", "match missing", r + ("match",), DELETE, promise=True)
    broken(_v, "reconciliation-result-batch", "a type without id", r + ("type",), [{"name": "县级行政区"}])
    broken(_v, "reconciliation-result-batch", "type not a list", r + ("type",), {"id": "CountyLevel"})
    broken(_v, "reconciliation-result-batch", "feature value as a string", r + ("features", 0, "value"), "yes")
    # suggest
    for _name in ("suggest-entities-response", "suggest-types-response", "suggest-properties-response"):
        broken(_v, _name, "result missing", ("result",), DELETE)
        broken(_v, _name, "result not a list", ("result",), GOOD[_v, _name]["result"][0])
        broken(_v, _name, "an item without id", ("result", 0, "id"), DELETE)
        broken(_v, _name, "an item without name", ("result", 0, "name"), DELETE)
    # data extension
    broken(_v, "data-extension-property-proposal", "properties missing", ("properties",), DELETE)
    broken(_v, "data-extension-property-proposal", "a property without id", ("properties", 0, "id"), DELETE)
    broken(_v, "data-extension-property-proposal", "limit as a string", ("limit",), "2")
    broken(_v, "data-extension-query", "ids missing", ("ids",), DELETE)
    broken(_v, "data-extension-query", "an id as a number", ("ids",), [500154])
    broken(_v, "data-extension-query", "properties as strings", ("properties",), ["code"])
    broken(_v, "data-extension-response", "meta missing", ("meta",), DELETE)
    broken(_v, "data-extension-response", "meta without name", ("meta", 0, "name"), DELETE)
    broken(_v, "data-extension-response", "meta service not http", ("meta", 0, "service"), "ftp://h")
    values = ("rows", "e", "p") if _v == V02 else ("rows", 0, "properties", 0, "values")
    broken(_v, "data-extension-response", "a value as a bare string", values, ["500154"])
    broken(_v, "data-extension-response", "a str value as a number", values, [{"str": 500154}])
    broken(_v, "data-extension-response", "an int value with a fraction", values, [{"int": 2017.5}])
    broken(_v, "data-extension-response", "an entity value without name", values, [{"id": "e"}])
    broken(_v, "data-extension-response", "a value with two kinds", values, [{"str": "a", "int": 1}])
    broken(_v, "data-extension-response", "a value of an unknown kind", values, [{"bool": True}])
    broken(_v, "data-extension-response", "a date that is not ISO 8601", values, [{"date": "2017-09-21"}])

# the shapes that differ between the versions
broken(V02, "manifest", "identifierSpace missing", ("identifierSpace",), DELETE)
broken(V02, "manifest", "preview without url", ("preview", "url"), DELETE)
broken(V02, "manifest", "suggest as a boolean (the 1.0 form)", ("suggest", "entity"), True)
broken(V02, "manifest", "a flyout path without ${id}", ("suggest", "entity", "flyout_service_path"), "/f")
broken(V02, "manifest", "a select setting without choices", ("extend", "property_settings", 1, "choices"), DELETE)
broken(V02, "manifest", "a setting of an unknown type", ("extend", "property_settings", 0, "type"), "slider")
broken(V10, "manifest", "view missing", ("view",), DELETE)
broken(V10, "manifest", "suggest without type", ("suggest", "type"), DELETE)
broken(V10, "manifest", "dir outside its enumeration", ("dir",), "up")
broken(V10, "manifest", "a checkbox setting with a string default", ("extend", "propertySettings", 0, "default"),
       "no")
broken(V02, "reconciliation-query-batch", "a query that is a string", ("a",), "开州")
broken(V02, "reconciliation-query-batch", "neither query nor properties", ("a",), {"type": "T"})
broken(V02, "reconciliation-query-batch", "empty properties and no query", ("c", "properties"), [])
broken(V02, "reconciliation-query-batch", "an unknown field", ("a", "lang"), "zh")
broken(V02, "reconciliation-query-batch", "type_strict outside its enumeration", ("b", "type_strict"), "some")
broken(V02, "reconciliation-query-batch", "a property without v", ("b", "properties", 0, "v"), DELETE)
broken(V02, "reconciliation-query-batch", "a property value without id", ("b", "properties", 0, "v"), [{"name": "e"}])
broken(V02, "reconciliation-query-batch", "limit as a string", ("a", "limit"), "3")
broken(V10, "reconciliation-query-batch", "queries missing", ("queries",), DELETE)
broken(V10, "reconciliation-query-batch", "queries keyed by id (the 0.2 nesting)", ("queries",),
       {"q0": GOOD[V10, "reconciliation-query-batch"]["queries"][0]})
broken(V10, "reconciliation-query-batch", "conditions missing", ("queries", 0, "conditions"), DELETE)
broken(V10, "reconciliation-query-batch", "conditions empty", ("queries", 0, "conditions"), [])
broken(V10, "reconciliation-query-batch", "a 0.2 query in 1.0", ("queries", 0), {"query": "开州"})
broken(V10, "reconciliation-query-batch", "matchType outside its enumeration",
       ("queries", 0, "conditions", 0, "matchType"), "label")
broken(V10, "reconciliation-query-batch", "a condition without propertyValue",
       ("queries", 0, "conditions", 0, "propertyValue"), DELETE)
broken(V10, "reconciliation-query-batch", "required as a string", ("queries", 1, "conditions", 0, "required"), "yes")
broken(V10, "reconciliation-query-batch", "type as a list", ("queries", 0, "type"), ["T"])
broken(V02, "reconciliation-result-batch", "a result that is the list itself (no `result`)", ("q0",),
       [CAND])
broken(V02, "reconciliation-result-batch", "candidates under `candidates` (the 1.0 nesting)", ("q0",),
       {"candidates": [CAND]})
broken(V02, "reconciliation-result-batch", "score missing", ("q0", "result", 0, "score"), DELETE)
broken(V10, "reconciliation-result-batch", "results keyed by id (the 0.2 nesting)", (),
       {"q0": {"result": [CAND]}})
broken(V10, "reconciliation-result-batch", "a result without candidates", ("results", 0), {"result": [CAND]})
broken(V10, "reconciliation-result-batch", "score missing", ("results", 0, "candidates", 0, "score"), DELETE,
       promise=True)
broken(V10, "reconciliation-result-batch", "a feature without name",
       ("results", 0, "candidates", 0, "features", 0, "name"), DELETE)
broken(V10, "reconciliation-result-batch", "lang as a number", ("results", 0, "candidates", 0, "lang"), 1)
broken(V02, "suggest-types-response", "a broader type without name", ("result", 0, "broader", 0, "name"), DELETE)
broken(V02, "suggest-entities-response", "a notable type as a number", ("result", 0, "notable", 1), 1)
broken(V10, "suggest-properties-response", "a match qualifier without name",
       ("result", 0, "matchQualifiers", 0, "name"), DELETE)
broken(V02, "data-extension-response", "rows as a list (the 1.0 nesting)", ("rows",),
       [{"id": "e", "properties": []}])
broken(V02, "data-extension-response", "a row's values not a list", ("rows", "e", "p"), {"str": "x"})
broken(V02, "data-extension-response", "a str value with lang (1.0 only)", ("rows", "e", "p"),
       [{"str": "x", "lang": "zh"}])
broken(V10, "data-extension-response", "rows keyed by id (the 0.2 nesting)", ("rows",), {"e": {"p": []}})
broken(V10, "data-extension-response", "a row without id", ("rows", 0, "id"), DELETE, promise=True)
broken(V10, "data-extension-response", "a row's property without values", ("rows", 0, "properties", 0, "values"),
       DELETE, promise=True)
broken(V10, "data-extension-response", "a row's properties as an object", ("rows", 0, "properties"),
       {"p": VALUES})


def _ids(cases):
    return [f"{c[0]}:{c[1]}:{c[2]}" for c in cases]


def test_every_schema_name_the_tests_use_has_good_and_broken_cases():
    names = set(structure.CHECKS)
    assert {name for _, name in GOOD} == names and {v for v, _ in GOOD} == {V02, V10}
    assert {(v, n) for v, n, *_ in BROKEN} == set(GOOD)


@pytest.mark.parametrize("version,name", sorted(GOOD))
def test_the_checks_accept_well_formed_instances(version, name):
    structure.check(version, name, GOOD[version, name])


@pytest.mark.parametrize("version,name,what,instance,promise", BROKEN, ids=_ids(BROKEN))
def test_the_checks_reject_broken_instances(version, name, what, instance, promise):
    with pytest.raises(AssertionError) as e:
        structure.check(version, name, instance)
    assert (PROMISE in str(e.value)) == promise, str(e.value)


def test_a_message_says_where_and_what():
    with pytest.raises(AssertionError, match=r"result batch\['q0'\]\.result\[0\]\.score: expected a number, "
                                             r"got '100' \(str\)"):
        structure.check(V02, "reconciliation-result-batch", _set(GOOD[V02, "reconciliation-result-batch"],
                                                                 ("q0", "result", 0, "score"), "100"))


# ---- the real answers ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def answers(server) -> list[tuple[str, str, str, object]]:
    """(version, schema, what, instance): every kind of answer the service gives, and the queries the tests send."""
    c = server.client
    out = [(V02, "reconciliation-query-batch", "SAMPLE", SAMPLE),
           (V10, "reconciliation-query-batch", "SAMPLE", {"queries": [_as_10(s) for s in SAMPLE.values()]})]
    for version, root in ((V02, "/reconcile"), (V10, ROOT10)):
        out.append((version, "manifest", "manifest", c.get(root).get_json()))
        for kind, prefix in (("entity", "开州"), ("entity", "鼓楼"), ("type", "county"), ("property", "prov")):
            name = {"entity": "suggest-entities-response", "type": "suggest-types-response",
                    "property": "suggest-properties-response"}[kind]
            out.append((version, name, f"suggest {kind} {prefix}",
                        c.get(f"{root}/suggest/{kind}", query_string={"prefix": prefix}).get_json()))
        out.append((version, "data-extension-property-proposal", "propose",
                    c.get(f"{root}/extend/propose?type=CountyLevel&limit=5").get_json()))
        out.append((version, "data-extension-query", "EXTEND", EXTEND))
    out.append((V02, "reconciliation-result-batch", "SAMPLE", post_queries(c, SAMPLE).get_json()))
    out.append((V10, "reconciliation-result-batch", "SAMPLE",
                c.post(ROOT10 + "/match", json=out[1][3]).get_json()))
    out.append((V02, "data-extension-response", "EXTEND",
                c.post("/reconcile", data={"extend": json.dumps(EXTEND)}).get_json()))
    out.append((V10, "data-extension-response", "EXTEND", c.post(ROOT10 + "/extend", json=EXTEND).get_json()))
    return out


def test_the_real_answers_pass_the_structural_checks(answers):
    assert {(v, n) for v, n, *_ in answers} == set(GOOD)
    for version, name, what, instance in answers:
        structure.check(version, name, instance)


def _verdicts(version: str, name: str, instance) -> tuple[str | None, str | None]:
    """(the structural check's complaint, jsonschema's), None for none."""
    from jsonschema import ValidationError

    try:
        structure.check(version, name, instance)
        ours = None
    except AssertionError as e:
        ours = str(e)
    try:
        reconcile_specs.validate_schema(version, name, instance)
        theirs = None
    except ValidationError as e:
        theirs = f"{e.message} at {list(e.absolute_path)}"
    return ours, theirs


def _agree(ours: str | None, theirs: str | None) -> bool:
    """The same verdict, or ours rejects for a promise of this service that the schema does not make."""
    return (ours is None) == (theirs is None) or (theirs is None and PROMISE in ours)


@specs_here
def test_jsonschema_accepts_what_the_checks_accept(answers):
    for version, name, what, instance in [(v, n, "hand-written", i) for (v, n), i in GOOD.items()] + answers:
        assert _verdicts(version, name, instance) == (None, None), (version, name, what)


@specs_here
@pytest.mark.parametrize("version,name,what,instance,promise", BROKEN, ids=_ids(BROKEN))
def test_jsonschema_rejects_what_the_checks_reject(version, name, what, instance, promise):
    ours, theirs = _verdicts(version, name, instance)
    assert ours is not None
    if promise:
        assert theirs is None, f"the schema rejects it too ({theirs}): not only a promise"
    else:
        assert theirs is not None, f"jsonschema accepts what the structural check rejects: {ours}"


def mutations(root, width: int = 2):
    """(description, mutated copy) for each one-step change of ``root``: in each object a key deleted and an
    unknown key added; each value replaced by one of another JSON type (and strings by another string, numbers
    by a fraction, lists by an empty list); in lists, the first ``width`` items only."""
    def walk(node, path: tuple):
        def at(value, how):
            return f"{how} at {list(path)}", (_set(root, path, value) if path else value)

        if isinstance(node, dict):
            yield at({**node, "zz_unknown": 1}, "unknown key added")
            yield at([node], "object wrapped in a list")
            for k in node:
                yield f"{k!r} deleted at {list(path)}", _set(root, path + (k,), DELETE)
            for k, v in node.items():
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            yield at([], "list emptied")
            yield at({"0": node[0]} if node else {}, "list as an object")
            for i, v in enumerate(node[:width]):
                yield from walk(v, path + (i,))
        elif isinstance(node, bool):
            yield at("true", "boolean as a string")
        elif isinstance(node, (int, float)):
            yield at(str(node), "number as a string")
            yield at(node + 0.5, "number with a fraction")
        elif isinstance(node, str):
            yield at(7, "string as a number")
            yield at("zz-other", "string replaced")
        elif node is None:
            yield at("null", "null as a string")

    return list(walk(root, ()))


@pytest.mark.slow  # the whole bundled data, or many engine runs
@specs_here
def test_one_step_mutations_get_the_same_verdict(answers):
    checked, rejected, promises, disagreements = 0, 0, 0, []
    for version, name, what, instance in answers + [(v, n, "hand-written", i) for (v, n), i in GOOD.items()]:
        for how, mutated in mutations(instance):
            ours, theirs = _verdicts(version, name, mutated)
            checked += 1
            rejected += theirs is not None
            promises += theirs is None and ours is not None
            if not _agree(ours, theirs):
                disagreements.append(f"{version} {name} ({what}), {how}: ours {ours!r}, jsonschema {theirs!r}")
    print(f"{checked} mutations, {rejected} rejected by both, {promises} by this service's promises only")
    assert not disagreements, f"{len(disagreements)} of {checked}:\n" + "\n".join(disagreements[:30])
    assert checked > 2500 and rejected > 1000, (checked, rejected)  # the mutations do break answers
    assert promises > 0
