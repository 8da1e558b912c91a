"""ecokg.sparql.protocol: the query operation read from a request's parts."""

import pytest

from ecokg.sparql.protocol import ProtocolError, parse_operation


def test_protocol_parsing():
    op = parse_operation("GET", url_params=[("query", "ASK {}"), ("default-graph-uri", "http://g/1"),
                                            ("named-graph-uri", "http://g/2"), ("named-graph-uri", "http://g/3")])
    assert op.query == "ASK {}" and op.dataset == (("http://g/1",), ("http://g/2", "http://g/3"))
    assert parse_operation("GET", url_params=[]).query is None
    op = parse_operation("POST", url_params=[("default-graph-uri", "http://g/1")],
                         content_type="application/sparql-query", body="ASK { ?s ?p \"中\" }".encode())
    assert op.query == 'ASK { ?s ?p "中" }' and op.dataset == (("http://g/1",), ())
    cases = [
        (dict(method="PUT", url_params=[("query", "ASK {}")]), 405),
        (dict(method="GET", url_params=[("query", "ASK {}"), ("query", "ASK {}")]), 400),
        (dict(method="GET", url_params=[("query", "ASK {}"), ("update", "CLEAR ALL")]), 400),
        (dict(method="POST", url_params=[], content_type="application/x-www-form-urlencoded",
              form_params=[("update", "CLEAR ALL")]), 403),
        (dict(method="POST", url_params=[], content_type="application/sparql-update", body=b"CLEAR ALL"), 403),
        (dict(method="POST", url_params=[], content_type="text/plain", body=b"ASK {}"), 415),
        (dict(method="POST", url_params=[], content_type=None, body=b"query=ASK+%7B%7D"), 415),
        (dict(method="POST", url_params=[], content_type="application/sparql-query", charset="ISO-8859-1",
              body=b"ASK {}"), 415),
        (dict(method="POST", url_params=[], content_type="application/sparql-query", body=b"ASK { \"\xe9\" }"), 400),
        (dict(method="POST", url_params=[], content_type="application/x-www-form-urlencoded", form_params=[]), 400),
        (dict(method="POST", url_params=[("format", "json")], content_type="application/x-www-form-urlencoded",
              form_params=[("default-graph-uri", "http://g/1")]), 400),
    ]
    for kwargs, status in cases:
        with pytest.raises(ProtocolError) as e:
            parse_operation(kwargs.pop("method"), **kwargs)
        assert e.value.status == status, kwargs
