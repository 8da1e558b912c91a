"""The W3C Entity Reconciliation API over ``services.reconcile``: manifests, queries and answers as JSON.

Two versions, each at its own root, because their manifests cannot be one document (0.2 describes suggest
and data extension with service URLs, 1.0-draft with booleans and fixed routes):

* **0.2** at ``/reconcile`` — what OpenRefine 3.x speaks: the ``queries`` parameter (GET or POST form) with a
  batch keyed by query ids, the ``extend`` parameter for data extension, suggest, preview and property
  proposals at the paths its manifest names, JSONP (``callback``) for GET;
* **1.0-draft** at ``/reconcile/1.0-draft`` — ``POST /match`` and ``POST /extend`` with JSON bodies
  (``queries`` with ``conditions``; answers as arrays), ``/suggest/{entity,type,property}``, ``/preview``,
  ``/extend/propose``.

Both answer from the same index with the same scores.  Limits (``Limits``, from the settings
``reconcile_batch``, ``reconcile_text``, ``reconcile_candidates``, ``reconcile_extend``; ``DEFAULT_LIMITS``
without them): at most ``batch`` queries in a batch, ``text`` characters in a query text, property value or id,
``candidates`` candidates per query, ``extend_ids`` ids in a data extension; past them, or for JSON that is
not a batch of the version's shape, ``ReconcileError`` (400) says what was wrong.  Nothing here knows of HTTP.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ecokg import __version__
from ecokg.errors import EcokgError, Kind
from ecokg.services.reconcile import (FEATURES, QUERY_PROPERTIES, QUERY_PROPERTY_IDS, TYPE_BY_ID, TYPES, Candidate,
                                      Query, ReconcileIndex, extend, extend_properties, propose_properties,
                                      reconcile)

V02, V10 = "0.2", "1.0-draft"
VERSIONS = (V02, V10)
ROOTS = {V02: "/reconcile", V10: "/reconcile/1.0-draft"}

MAX_VALUES = 20  # values of one property in one query
DEFAULT_LIMIT = 10  # candidates per query when it does not say (at most Limits.candidates)
MAX_EXTEND_PROPERTIES = 100
MAX_SUGGEST = 100
PREVIEW_SIZE = (420, 200)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,3}")


@dataclass(frozen=True)
class Limits:
    """What one request may ask (the settings ``reconcile_*``; these defaults are theirs)."""

    batch: int = 500  # queries in one batch (the manifest's batchSize)
    text: int = 200  # characters in a query text, one property value, a query id or an extension id
    candidates: int = 50  # candidates per query (a query's limit is capped to it)
    extend_ids: int = 1000  # ids in one data extension query

    def __post_init__(self) -> None:
        for name in ("batch", "text", "candidates", "extend_ids"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"the reconciliation limit {name} must be a whole number of at least 1, not {value!r}")


DEFAULT_LIMITS = Limits()


class ReconcileError(EcokgError):
    """A request the service cannot answer as asked (400, with the reason in the JSON body)."""

    kind = Kind.BAD_REQUEST


def _fail(message: str) -> ReconcileError:
    return ReconcileError(message)


def valid_callback(name: str) -> bool:
    """A JSONP callback name: a JavaScript identifier path (``jQuery123_456``, ``a.b``), nothing else."""
    return bool(_CALLBACK.fullmatch(name))


# ---- manifests --------------------------------------------------------------------------------------------

def manifest(version: str, host: str, base_uri: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The service manifest of ``version``; ``host`` is the server's own URL (``http://127.0.0.1:8080``)."""
    host = host.rstrip("/")
    root = host + ROOTS[version]
    out: dict[str, Any] = {
        "versions": [version],
        "name": "ecokg: China's administrative divisions and ecological-civilization designations",
        "documentation": host + "/",
        "serviceVersion": __version__,
        "defaultTypes": [TYPE_BY_ID[t].as_json() for t in ("CountyLevel", "PrefectureLevel", "AdministrativeDivision")],
        "batchSize": limits.batch,
    }
    if version == V02:
        out.update({
            "identifierSpace": base_uri + "id/",
            "schemaSpace": base_uri + "ontology#",
            "view": {"url": host + "/id/{{id}}"},
            "preview": {"url": root + "/preview?id={{id}}", "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
            "suggest": {kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
                        for kind in ("entity", "type", "property")},
            "extend": {"propose_properties": {"service_url": root, "service_path": "/extend/propose"},
                       "property_settings": []},
        })
    else:
        out.update({
            "view": {"url": host + "/id/{+id}"},
            "preview": {"width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
            "suggest": {"entity": True, "type": True, "property": True},
            "extend": {"proposeProperties": True, "propertySettings": []},
            "standardizedScore": True,
        })
    return out


# ---- queries ----------------------------------------------------------------------------------------------

def parse_json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise _fail(f"`{what}` is not JSON: {e}") from None
    except RecursionError:
        raise _fail(f"`{what}` is nested too deeply") from None


def _text(value: Any, where: str, limits: Limits) -> str:
    if isinstance(value, dict):
        value = value.get("id", value.get("name", ""))
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise _fail(f"{where}: a value must be a string, a number or an entity ({{\"id\": ...}})")
    text = str(value)
    if len(text) > limits.text:
        raise _fail(f"{where}: longer than {limits.text} characters")
    if _SURROGATE.search(text):
        raise _fail(f"{where}: not valid Unicode (a lone surrogate)")
    return text


def _limit(value: Any, where: str, limits: Limits) -> int:
    if value is None:
        return min(DEFAULT_LIMIT, limits.candidates)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 1:
        raise _fail(f"{where}: limit must be a positive number")
    return min(int(value), limits.candidates)


def _add_property(q: Query, pid: Any, values: Any, where: str, limits: Limits) -> None:
    if pid not in QUERY_PROPERTY_IDS:
        known = ", ".join(sorted(QUERY_PROPERTY_IDS))
        raise _fail(f"{where}: unknown property {str(pid)[:50]!r} (properties: {known})")
    values = values if isinstance(values, list) else [values]
    if len(values) > MAX_VALUES:
        raise _fail(f"{where}: more than {MAX_VALUES} values for {pid}")
    getattr(q, pid).extend(v if isinstance(v, dict) and "id" in v else _text(v, where, limits) for v in values)


def _types(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise _fail(f"{where}: type must be a type id or a list of them")
    unknown = [v for v in values if v not in TYPE_BY_ID]
    if unknown:
        raise _fail(f"{where}: unknown type {unknown[0][:50]!r} (types: {', '.join(TYPE_BY_ID)})")
    return tuple(values)


def parse_batch_02(batch: Any, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, Query]]:
    """A 0.2 query batch (``{"q0": {"query": ..., "type": ..., "properties": [{"pid", "v"}]}}``)."""
    if not isinstance(batch, dict):
        raise _fail("`queries` must be a JSON object of queries keyed by id")
    if len(batch) > limits.batch:
        raise _fail(f"a batch holds at most {limits.batch} queries (this one {len(batch)})")
    out = []
    for key, spec in batch.items():
        where = f"query {key[:50]!r}"
        if len(key) > limits.text or _SURROGATE.search(key):
            raise _fail(f"{where}: a query id is valid Unicode of at most {limits.text} characters")
        if not isinstance(spec, dict):
            raise _fail(f"{where}: must be a JSON object")
        unknown = set(spec) - {"query", "type", "limit", "properties", "type_strict"}
        if unknown:
            raise _fail(f"{where}: unknown field {sorted(unknown)[0][:50]!r}")
        if "query" not in spec and not spec.get("properties"):
            raise _fail(f"{where}: needs `query` or `properties`")
        q = Query(text=_text(spec.get("query", ""), where, limits) if "query" in spec else "",
                  types=_types(spec.get("type"), where), limit=_limit(spec.get("limit"), where, limits))
        if not isinstance(spec.get("query", ""), str):
            raise _fail(f"{where}: `query` must be a string")
        props = spec.get("properties") or []
        if not isinstance(props, list):
            raise _fail(f"{where}: `properties` must be a list")
        for p in props:
            if not isinstance(p, dict) or "pid" not in p or "v" not in p:
                raise _fail(f"{where}: each property is {{\"pid\": ..., \"v\": ...}}")
            _add_property(q, p["pid"], p["v"], where, limits)
        out.append((str(key), q))
    return out


def parse_batch_10(body: Any, limits: Limits = DEFAULT_LIMITS) -> list[Query]:
    """A 1.0-draft query batch (``{"queries": [{"conditions": [...], "type": ..., "limit": ...}]}``)."""
    if not isinstance(body, dict) or not isinstance(body.get("queries"), list):
        raise _fail("the body must be a JSON object with a `queries` list")
    queries = body["queries"]
    if len(queries) > limits.batch:
        raise _fail(f"a batch holds at most {limits.batch} queries (this one {len(queries)})")
    out = []
    for n, spec in enumerate(queries):
        where = f"query {n}"
        if not isinstance(spec, dict) or not isinstance(spec.get("conditions"), list) or not spec["conditions"]:
            raise _fail(f"{where}: needs a non-empty `conditions` list")
        unknown = set(spec) - {"conditions", "type", "limit", "lang", "dir"}
        if unknown:
            raise _fail(f"{where}: unknown field {sorted(unknown)[0][:50]!r}")
        if "type" in spec and not isinstance(spec["type"], str):
            raise _fail(f"{where}: type must be one type id")
        q = Query(types=_types(spec.get("type"), where), limit=_limit(spec.get("limit"), where, limits))
        names = []
        for c in spec["conditions"]:
            if not isinstance(c, dict) or "matchType" not in c or "propertyValue" not in c:
                raise _fail(f"{where}: each condition has `matchType` and `propertyValue`")
            if c.get("matchQuantifier", "any") not in ("any", "all"):
                raise _fail(f"{where}: matchQuantifier {str(c.get('matchQuantifier'))[:20]!r} is not supported")
            kind, value = c["matchType"], c["propertyValue"]
            if kind in ("name", "id"):
                values = value if isinstance(value, list) else [value]
                names.extend(_text(v, where, limits) for v in values[:1])
            elif kind == "property":
                _add_property(q, c.get("propertyId"), value, where, limits)
            else:
                raise _fail(f"{where}: matchType must be name, id or property")
        q.text = names[0] if names else ""
        out.append(q)
    return out


def _type_ref(type_id: str) -> dict[str, str]:
    return {"id": type_id, "name": TYPE_BY_ID[type_id].name}


def candidate_json(index: ReconcileIndex, c: Candidate) -> dict[str, Any]:
    e = c.entity
    description = index.describe(e)
    if c.note:
        description = f"{c.note}; {description}" if description else c.note
    features = [{"id": k, "name": FEATURES[k], "value": v} for k, v in c.features.items()
                if k in FEATURES and v is not False]  # (what did not apply is left out)
    out: dict[str, Any] = {"id": e.id, "name": e.name, "score": c.score, "match": c.match,
                           "type": [_type_ref(t) for t in index.types_of(e)], "features": features}
    if description:
        out["description"] = description
    return out


def results_02(index: ReconcileIndex, batch: list[tuple[str, Query]]) -> dict[str, Any]:
    return {key: {"result": [candidate_json(index, c) for c in reconcile(index, q)]} for key, q in batch}


def results_10(index: ReconcileIndex, queries: list[Query]) -> dict[str, Any]:
    return {"results": [{"candidates": [candidate_json(index, c) for c in reconcile(index, q)]} for q in queries]}


# ---- data extension ---------------------------------------------------------------------------------------

def parse_extend(body: Any, limits: Limits = DEFAULT_LIMITS) -> tuple[list[str], list[str]]:
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list) or not isinstance(
            body.get("properties"), list):
        raise _fail("a data extension query is {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    ids, props = body["ids"], body["properties"]
    if len(ids) > limits.extend_ids:
        raise _fail(f"a data extension query holds at most {limits.extend_ids} ids (this one {len(ids)})")
    if len(props) > MAX_EXTEND_PROPERTIES:
        raise _fail(f"a data extension query asks for at most {MAX_EXTEND_PROPERTIES} properties")
    if not all(isinstance(i, str) and len(i) <= limits.text and not _SURROGATE.search(i) for i in ids):
        raise _fail("each id is a string (an entity id such as division/500154)")
    if not all(isinstance(p, dict) and isinstance(p.get("id"), str) and len(p["id"]) <= limits.text for p in props):
        raise _fail("each property is {\"id\": ...}")
    return ids, [p["id"] for p in props]


def _meta(index: ReconcileIndex, props: list[str]) -> list[dict[str, Any]]:
    named = {p.id: p for p in extend_properties(index)}
    out = []
    for pid in props:
        p = named.get(pid)
        item: dict[str, Any] = {"id": pid, "name": p.name if p else pid}
        if pid in ("province", "prefecture", "parent", "successor", "now"):
            item["type"] = TYPE_BY_ID["AdministrativeDivision"].as_json()
        elif pid.startswith("batch:"):
            item["type"] = TYPE_BY_ID["Batch"].as_json()
        out.append(item)
    return out


def extend_02(index: ReconcileIndex, ids: list[str], props: list[str]) -> dict[str, Any]:
    return {"meta": _meta(index, props), "rows": extend(index, ids, props)}


def extend_10(index: ReconcileIndex, ids: list[str], props: list[str]) -> dict[str, Any]:
    rows = extend(index, ids, props)
    return {"meta": _meta(index, props),
            "rows": [{"id": i, "properties": [{"id": p, "values": rows[i][p]} for p in props]} for i in ids]}


def propose(index: ReconcileIndex, type_id: str | None, limit: int | None) -> dict[str, Any]:
    props = propose_properties(index, type_id)
    if limit is not None:
        props = props[:max(0, limit)]
    out: dict[str, Any] = {"type": type_id or "", "properties": [p.as_json() for p in props]}
    if limit is not None:
        out["limit"] = limit
    return out


# ---- suggest ----------------------------------------------------------------------------------------------

def _prefix_match(items, prefix: str):
    p = prefix.strip().casefold()
    if not p:
        return list(items)
    starts = [i for i in items if any(s.casefold().startswith(p) for s in (i.id, i.en, i.zh))]
    inside = [i for i in items if i not in starts and any(p in s.casefold() for s in (i.id, i.en, i.zh, i.description))]
    return starts + inside


def suggest(index: ReconcileIndex, kind: str, prefix: str, *, types: tuple[str, ...] = (), limit: int = 10,
            offset: int = 0, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    if len(prefix) > limits.text:
        raise _fail(f"prefix: longer than {limits.text} characters")
    limit = max(1, min(limit, MAX_SUGGEST))
    offset = max(0, offset)
    if kind == "entity":
        found = index.suggest(prefix, types=types, limit=limit, offset=offset) if prefix.strip() else []
        result = []
        for e in found:
            item = {"id": e.id, "name": e.name, "notable": [_type_ref(t) for t in index.types_of(e)]}
            description = index.describe(e)
            if description:
                item["description"] = description
            result.append(item)
        return {"result": result}
    if kind == "type":
        return {"result": [t.as_json() for t in _prefix_match(TYPES, prefix)[offset:offset + limit]]}
    if kind == "property":
        props = list(QUERY_PROPERTIES) + [p for p in extend_properties(index) if p.id not in QUERY_PROPERTY_IDS]
        return {"result": [p.as_json() for p in _prefix_match(props, prefix)[offset:offset + limit]]}
    raise _fail("suggest is for entity, type or property")
