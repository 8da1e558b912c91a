"""Small helpers the SPARQL tests share: one HTTP request with the standard library, and the test data."""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass

from inprocess import site_for

DATA_TRIG = """\
@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice"@en , "爱丽丝"@zh ; ex:age 30 ; ex:knows ex:bob .
ex:bob ex:name "Bob \\"the builder\\", 2nd\\tline"@en ; ex:age 25 .
ex:g1 { ex:carol ex:name "Carol" . }
ex:g2 { ex:dave ex:name "Dave" . ex:erin ex:name "Erin" . }
"""


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage | dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class _Headers:
    """Header pairs with ``get`` by name, case-insensitive (the first one), like ``HTTPMessage``."""

    def __init__(self, pairs):
        self._pairs = pairs

    def get(self, name, default=None):
        return next((v for k, v in self._pairs if k.lower() == name.lower()), default)

    def get_all(self, name):
        return [v for k, v in self._pairs if k.lower() == name.lower()] or None

    def items(self):
        return list(self._pairs)

    def __contains__(self, name):
        return self.get(name) is not None


def request(base: str, method: str, path: str = "/sparql", *, params=None, body: bytes | str | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
    url = urllib.parse.urlsplit(base)
    if params:
        path += "?" + urllib.parse.urlencode(params, doseq=True)
    if isinstance(body, str):
        body = body.encode("utf-8")
    site = site_for(base)
    if site is not None:  # the app in this process (Flask's test client)
        status, pairs, data = site.request(method, path, headers, body)
        return Reply(status, _Headers(pairs), data)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Reply(r.status, r.headers, r.read())
    finally:
        conn.close()


def get(base, query=None, accept=None, **params) -> Reply:
    p = dict(params)
    if query is not None:
        p["query"] = query
    return request(base, "GET", params=p, headers={"Accept": accept} if accept else {})


def post_form(base, params, accept=None) -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return request(base, "POST", body=urllib.parse.urlencode(params, doseq=True), headers=headers)


def post_direct(base, query, accept=None, params=None) -> Reply:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return request(base, "POST", params=params, body=query, headers=headers)
