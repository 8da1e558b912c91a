"""Small HTTP and HTML helpers shared by the page tests (standard library only)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox

from inprocess import site_for

BASE = "https://w3id.org/ecokg/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    site = site_for(url)
    if site is not None:  # the app in this process (Flask's test client)
        parts = urllib.parse.urlsplit(url)
        status, pairs, body = site.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers)
        out: dict[str, str] = {}
        for k, v in pairs:  # repeated headers (Vary) joined, as the standard library's client shows them
            out[k] = f"{out[k]}, {v}" if k in out else v
        return Reply(status, out, body)
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return Reply(r.status, dict(r.headers.items()), r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, dict(e.headers.items()), e.read())


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif not self._skip:
            self.text.append(data)


def parse_page(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    p.close()
    return p


def page_text(html: str) -> str:
    """The text a reader sees (entities decoded, markup and scripts left out)."""
    return " ".join(" ".join(parse_page(html).text).split())


def data_entities(repo: Path) -> dict[str, dict[str, str]]:
    """Every entity under the namespace that data/ describes, with its zh and en labels."""
    out: dict[str, dict[str, str]] = {}
    for f in sorted((repo / "data").glob("*.ttl")):
        for t in ox.parse(path=str(f)):
            s = t.subject
            if not isinstance(s, ox.NamedNode) or not s.value.startswith(BASE + "id/"):
                continue
            if "#" in s.value:  # a part of its document's entity (a division's point), not a page of its own
                continue
            labels = out.setdefault(s.value, {})
            if t.predicate == RDFS_LABEL and isinstance(t.object, ox.Literal) and t.object.language:
                labels.setdefault(t.object.language.split("-")[0], t.object.value)
    return out
