"""The structure the W3C Entity Reconciliation API's JSON schemas ask for, as our own assertions.

``check(version, name, instance)`` raises ``AssertionError`` (saying where, and what was found) unless
``instance`` has the structure of the specification's ``{version}/schemas/{name}.json`` — for 0.2 and
1.0-draft, every schema the tests use: ``manifest``, ``reconciliation-query-batch``,
``reconciliation-result-batch``, ``suggest-{entities,types,properties}-response``,
``data-extension-property-proposal``, ``data-extension-query``, ``data-extension-response``.

Written by hand from reading the schemas of the public ``reconciliation-api/specs`` repository (nothing of
them is copied here): the same required keys, JSON types, enumerations, closed objects
(``additionalProperties: false``), patterns and nesting, so that the tests check the answers' structure on a
machine without a copy of the specs.  Where a copy is here, ``reconcile_specs.validate`` runs the schemas too,
and ``tests/test_reconcile_structure.py`` shows the two agree (on the real answers and on broken ones).

JSON types are JSON Schema's: a boolean is not a number, an integer is a number without a fractional part
(``2.0`` is one), ``null`` is none of them.

A few assertions ask more than the schemas — what this service promises in every answer, marked
``_promise`` (their messages say so): a result candidate always has ``score`` and ``match`` (0.2 requires
only ``score``, 1.0-draft neither), and a 1.0-draft extension row always has its ``id`` and ``properties``,
each with ``id`` and ``values``.  ``PROMISES`` lists them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

V02, V10 = "0.2", "1.0-draft"

PROMISES = (
    "reconciliation-result-batch: every candidate has `score` (a number) and `match` (a boolean)",
    "data-extension-response (1.0-draft): every row has `id` and `properties`, every property `id` and `values`",
)

# An ISO 8601 date and time as the data extension's `date` values write it: year (4 digits, more only without
# a leading zero, optionally negative), month, day, "T", hours, minutes, seconds, optional fraction and zone.
_DATE_TIME = re.compile(r"-?(?:[1-9]\d*)?\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                        r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?")
_DIRECTIONS = ("ltr", "rtl", "auto")


# ---- JSON types -----------------------------------------------------------------------------------------------

def _show(x: Any) -> str:
    text = repr(x)
    return (text[:60] + "…" if len(text) > 60 else text) + f" ({type(x).__name__})"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_integer(x: Any) -> bool:
    return _is_number(x) and (isinstance(x, int) or x.is_integer())


def obj(x: Any, where: str) -> dict:
    assert isinstance(x, dict), f"{where}: expected a JSON object, got {_show(x)}"
    return x


def arr(x: Any, where: str) -> list:
    assert isinstance(x, list), f"{where}: expected a JSON array, got {_show(x)}"
    return x


def string(x: Any, where: str) -> None:
    assert isinstance(x, str), f"{where}: expected a string, got {_show(x)}"


def number(x: Any, where: str) -> None:
    assert _is_number(x), f"{where}: expected a number, got {_show(x)}"


def integer(x: Any, where: str) -> None:
    assert _is_integer(x), f"{where}: expected an integer, got {_show(x)}"


def boolean(x: Any, where: str) -> None:
    assert isinstance(x, bool), f"{where}: expected true or false, got {_show(x)}"


def one_of(choices: tuple[str, ...]) -> Callable[[Any, str], None]:
    def check_choice(x: Any, where: str) -> None:
        string(x, where)
        assert x in choices, f"{where}: expected one of {', '.join(choices)}, got {x!r}"
    return check_choice


def containing(*parts: str) -> Callable[[Any, str], None]:
    """A string with the parts in this order (a URL template with its ``{{id}}``)."""
    pattern = re.compile(".*".join(re.escape(p) for p in parts))

    def check_template(x: Any, where: str) -> None:
        string(x, where)
        assert pattern.search(x), f"{where}: expected a string containing {' … '.join(parts)}, got {x!r}"
    return check_template


def array_of(item: Callable[[Any, str], None], *, at_least: int = 0) -> Callable[[Any, str], None]:
    def check_array(x: Any, where: str) -> None:
        arr(x, where)
        assert len(x) >= at_least, f"{where}: expected at least {at_least} item(s), got none"
        for i, v in enumerate(x):
            item(v, f"{where}[{i}]")
    return check_array


def fields(x: Any, where: str, *, need: tuple[str, ...] = (), closed: bool = False,
           **optional: Callable[[Any, str], None]) -> dict:
    """An object that has the keys in ``need`` and whose known keys (``optional``, which also lists the needed
    ones) have their types; ``closed``: no other keys."""
    o = obj(x, where)
    missing = [k for k in need if k not in o]
    assert not missing, f"{where}: missing required key(s) {', '.join(missing)} (has {sorted(o)})"
    if closed:
        extra = sorted(set(o) - set(optional))
        assert not extra, f"{where}: unexpected key(s) {', '.join(extra)} (allowed: {', '.join(optional)})"
    for key, check_value in optional.items():
        if key in o:
            check_value(o[key], f"{where}.{key}")
    return o


def _promise(condition: bool, message: str) -> None:
    assert condition, f"{message} (this service's promise; the schema alone allows it)"


def _text_fields(version: str) -> dict[str, Callable[[Any, str], None]]:
    """``lang`` and ``dir`` where 1.0-draft allows them on natural-language objects (0.2 does not know them)."""
    return {"lang": string, "dir": one_of(_DIRECTIONS)} if version == V10 else {}


def _type_ref(version: str) -> Callable[[Any, str], None]:
    """A type given by ``{"id", "name"}`` (``id`` required) or by its id alone."""
    def check_type_ref(x: Any, where: str) -> None:
        if isinstance(x, str):
            return
        assert isinstance(x, dict), f"{where}: a type is an object with `id` or a string, got {_show(x)}"
        fields(x, where, need=("id",), id=string, name=string, **_text_fields(version))
    return check_type_ref


def _type(version: str) -> Callable[[Any, str], None]:
    """A type as suggest and manifests describe it: ``id`` and ``name``, broader types nested alike."""
    def check_type(x: Any, where: str) -> None:
        fields(x, where, need=("id", "name"), id=string, name=string, description=string,
               broader=array_of(check_type), **_text_fields(version))
    return check_type


def _property_value(version: str) -> Callable[[Any, str], None]:
    """A value of a query's property: a string, a number, a boolean, or an entity ``{"id", "name"}``."""
    def check_value(x: Any, where: str) -> None:
        if isinstance(x, (str, bool)) or _is_number(x):
            return
        assert isinstance(x, dict), \
            f"{where}: a property value is a string, number, boolean or {{\"id\": ...}}, got {_show(x)}"
        fields(x, where, need=("id",), id=string, name=string, **_text_fields(version))
    return check_value


def _value_or_values(version: str) -> Callable[[Any, str], None]:
    one = _property_value(version)

    def check_values(x: Any, where: str) -> None:
        if isinstance(x, list):
            for i, v in enumerate(x):
                one(v, f"{where}[{i}]")
        else:
            one(x, where)
    return check_values


# ---- manifests ------------------------------------------------------------------------------------------------

def _setting(version: str) -> Callable[[Any, str], None]:
    """A data extension property setting: number, text, checkbox or select (with choices)."""
    label = "label" if version == V02 else "id"
    help_key = "help_text" if version == V02 else "helpText"
    defaults = {"number": number, "text": string, "checkbox": boolean, "select": string}

    def check_setting(x: Any, where: str) -> None:
        o = obj(x, where)
        assert "type" in o, f"{where}: a property setting needs `type`"
        one_of(tuple(defaults))(o["type"], f"{where}.type")
        more: dict[str, Callable[[Any, str], None]] = {}
        if o["type"] == "select":
            more["choices"] = array_of(lambda c, w: fields(c, w, need=("value", "name"), value=string,
                                                           name=string, **_text_fields(version)))
        fields(o, where, need=("type", label, "name") + (("choices",) if "choices" in more else ()),
               default=defaults[o["type"]], name=string, **{label: string, help_key: string},
               **_text_fields(version), **more)
    return check_setting


def manifest(version: str, m: Any) -> None:
    where = "manifest"
    fields(m, where, need=("versions", "name") + (("identifierSpace", "schemaSpace") if version == V02
                                                       else ("view",)),
           versions=array_of(string), name=string, documentation=string, serviceVersion=string, logo=string,
           authentication=obj, defaultTypes=array_of(_type(version)), **_text_fields(version))
    assert version in m["versions"], f"{where}.versions: expected to contain {version!r}, got {m['versions']!r}"
    if "defaultTypes" in m:
        seen = [json.dumps(t, sort_keys=True) for t in m["defaultTypes"]]
        assert len(set(seen)) == len(seen), f"{where}.defaultTypes: the types must be unique"
    if version == V02:
        template = containing("{{id}}")
        fields(m, where, identifierSpace=string, schemaSpace=string,
               view=lambda x, w: fields(x, w, need=("url",), url=template),
               feature_view=lambda x, w: fields(x, w, need=("url",), url=template),
               preview=lambda x, w: fields(x, w, need=("url", "width", "height"), url=template,
                                           width=integer, height=integer))
        service = {"service_url": string, "service_path": string, "flyout_service_url": string,
                   "flyout_service_path": containing("${id}")}
        if "suggest" in m:
            fields(m["suggest"], f"{where}.suggest",
                   **{kind: (lambda x, w: fields(x, w, **service)) for kind in ("entity", "property", "type")})
        if "extend" in m:
            fields(m["extend"], f"{where}.extend",
                   propose_properties=lambda x, w: fields(x, w, service_url=string, service_path=string),
                   property_settings=array_of(_setting(version)))
    else:
        template = containing("{", "id", "}")
        fields(m, where, standardizedScore=boolean,
               view=lambda x, w: fields(x, w, need=("url",), url=template),
               featureView=lambda x, w: fields(x, w, need=("url",), url=template),
               preview=lambda x, w: fields(x, w, need=("width", "height"), width=integer, height=integer),
               suggest=lambda x, w: fields(x, w, need=("entity", "property", "type"), entity=boolean,
                                           property=boolean, type=boolean),
               extend=lambda x, w: fields(x, w, proposeProperties=boolean,
                                          propertySettings=array_of(_setting(version))))


# ---- reconciliation queries and results -----------------------------------------------------------------------

def query_batch(version: str, batch: Any) -> None:
    values = _value_or_values(version)
    if version == V02:
        for key, q in obj(batch, "query batch").items():
            where = f"query batch[{key!r}]"
            fields(q, where, closed=True, query=string,
                   type=lambda x, w: string(x, w) if not isinstance(x, list) else array_of(string)(x, w),
                   limit=number,
                   properties=array_of(lambda p, w: fields(p, w, need=("pid", "v"), pid=string, v=values)),
                   type_strict=one_of(("any", "should", "all")))
            assert "query" in q or q.get("properties"), \
                f"{where}: needs `query` or a non-empty `properties` list (has {sorted(q)})"
        return

    def condition(c: Any, where: str) -> None:
        fields(c, where, need=("matchType", "propertyValue"), matchType=one_of(("name", "id", "property")),
               propertyId=string, propertyValue=values, required=boolean,
               matchQuantifier=one_of(("any", "all", "none")), matchQualifier=string)

    fields(batch, "query batch", need=("queries",),
           queries=array_of(lambda q, w: fields(q, w, need=("conditions",), closed=True, type=string,
                                                limit=number, conditions=array_of(condition, at_least=1),
                                                **_text_fields(version))))


def _candidate(version: str) -> Callable[[Any, str], None]:
    def check_feature(f: Any, where: str) -> None:
        more = {"name": string, **_text_fields(version)} if version == V10 else {}  # 0.2: a name is anything
        fields(f, where, need=("id", "name", "value") if version == V10 else (), id=string,
               value=lambda x, w: boolean(x, w) if isinstance(x, bool) else number(x, w), **more)

    def check_candidate(c: Any, where: str) -> None:
        fields(c, where, need=("id", "name", "score") if version == V02 else ("id", "name"),
               id=string, name=string, description=string, score=number, match=boolean,
               features=array_of(check_feature), type=array_of(_type_ref(version)),
               **({"image": string, **_text_fields(version)} if version == V10 else {}))
        _promise("score" in c and "match" in c, f"{where}: a candidate without `score` or `match` "
                                                f"(has {sorted(c)})")
    return check_candidate


def result_batch(version: str, batch: Any) -> None:
    candidates = array_of(_candidate(version))
    if version == V02:
        for key, r in obj(batch, "result batch").items():
            fields(r, f"result batch[{key!r}]", need=("result",), result=candidates)
        return
    fields(batch, "result batch", need=("results",),
           results=array_of(lambda r, w: fields(r, w, need=("candidates",), candidates=candidates)))


# ---- suggest ----------------------------------------------------------------------------------------------------

def suggest_entities(version: str, body: Any) -> None:
    extra = {"image": string, **_text_fields(version)} if version == V10 else {}
    fields(body, "suggest", need=("result",),
           result=array_of(lambda e, w: fields(e, w, need=("id", "name"), id=string, name=string,
                                               description=string, notable=array_of(_type_ref(version)),
                                               **extra)))


def suggest_types(version: str, body: Any) -> None:
    fields(body, "suggest", need=("result",), result=array_of(_type(version)))


def _property(version: str, **more: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    return lambda p, w: fields(p, w, need=("id", "name"), id=string, name=string, description=string,
                               **_text_fields(version), **more)


def suggest_properties(version: str, body: Any) -> None:
    more = {"matchQualifiers": array_of(lambda q, w: fields(q, w, need=("id", "name"), id=string, name=string,
                                                            **_text_fields(version)))} if version == V10 else {}
    fields(body, "suggest", need=("result",), result=array_of(_property(version, **more)))


# ---- data extension ----------------------------------------------------------------------------------------------

def property_proposal(version: str, body: Any) -> None:
    fields(body, "property proposal", need=("properties",), properties=array_of(_property(version)),
           type=string, limit=number)


def extension_query(version: str, body: Any) -> None:
    fields(body, "extension query", need=("ids", "properties"), ids=array_of(string),
           properties=array_of(lambda p, w: fields(p, w, need=("id",), id=string, settings=obj)))


def _extension_value(version: str) -> Callable[[Any, str], None]:
    """Exactly one of: ``{}``, an entity ``{"id", "name"}``, ``{"str"}``, ``{"float"}``, ``{"int"}``,
    ``{"date"}`` — each closed (no other keys)."""
    text = _text_fields(version)

    def check_value(x: Any, where: str) -> None:
        o = obj(x, where)
        if not o:
            return
        if "id" in o or "name" in o:
            fields(o, where, need=("id", "name"), closed=True, id=string, name=string, description=string,
                   **text)
        elif "str" in o:
            fields(o, where, closed=True, str=string, **text)
        elif "float" in o:
            fields(o, where, closed=True, float=number)
        elif "int" in o:
            fields(o, where, closed=True, int=integer)
        elif "date" in o:
            fields(o, where, closed=True, date=string)
            assert _DATE_TIME.fullmatch(o["date"]), \
                f"{where}.date: expected an ISO 8601 date and time (2020-01-31T00:00:00Z), got {o['date']!r}"
        else:
            raise AssertionError(f"{where}: a value is {{}}, {{\"id\", \"name\"}}, {{\"str\"}}, {{\"float\"}}, "
                                 f"{{\"int\"}} or {{\"date\"}}, got keys {sorted(o)}")
    return check_value


def extension_response(version: str, body: Any) -> None:
    text = _text_fields(version)
    values = array_of(_extension_value(version))

    def service(x: Any, where: str) -> None:
        string(x, where)
        assert re.match(r"https?://", x), f"{where}: expected an http(s) URL, got {x!r}"

    fields(body, "extension response", need=("rows", "meta"),
           meta=array_of(lambda m, w: fields(m, w, need=("id", "name"), id=string, name=string, service=service,
                                             type=lambda t, w2: fields(t, w2, need=("id",), id=string,
                                                                       name=string, **text),
                                             **text)))
    if version == V02:
        for entity, row in obj(body["rows"], "extension response.rows").items():
            for pid, vs in obj(row, f"extension response.rows[{entity!r}]").items():
                values(vs, f"extension response.rows[{entity!r}][{pid!r}]")
        return

    def row_property(p: Any, where: str) -> None:
        fields(p, where, id=string, values=values)
        _promise("id" in p and "values" in p, f"{where}: a property without `id` or `values` (has {sorted(p)})")

    def row(r: Any, where: str) -> None:
        fields(r, where, id=string, properties=array_of(row_property))
        _promise("id" in r and "properties" in r, f"{where}: a row without `id` or `properties`")

    array_of(row)(body["rows"], "extension response.rows")


# ---- by schema name ----------------------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[str, Any], None]] = {
    "manifest": manifest,
    "reconciliation-query-batch": query_batch,
    "reconciliation-result-batch": result_batch,
    "suggest-entities-response": suggest_entities,
    "suggest-types-response": suggest_types,
    "suggest-properties-response": suggest_properties,
    "data-extension-property-proposal": property_proposal,
    "data-extension-query": extension_query,
    "data-extension-response": extension_response,
}
VERSIONS = (V02, V10)


def check(version: str, name: str, instance: Any) -> None:
    """Raise ``AssertionError`` unless ``instance`` has the structure of ``{version}/schemas/{name}.json``."""
    assert version in VERSIONS, f"no structural check for version {version!r}"
    assert name in CHECKS, f"no structural check for schema {name!r}"
    CHECKS[name](version, instance)
