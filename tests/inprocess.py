"""The app in this process, spoken to through Flask's test client, at a URL of its own.

``Site(app)`` gives an app a base URL (``http://site-N.ecokg.test``) that the tests' request helpers
(``sparql_http.request``, ``pagetools.get``) recognise: a request to it goes through the app's Flask test
client (the WSGI app called in this process) instead of a socket.  So a test written against a URL runs
unchanged against an in-process app or a real ``ecokg serve`` process (``RunningServer``, for what only a
process can show).
"""

from __future__ import annotations

import itertools
import urllib.parse

_SITES: dict[str, "Site"] = {}
_NUMBERS = itertools.count(1)


class Site:
    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.host = f"site-{next(_NUMBERS)}.ecokg.test"
        self.url = f"http://{self.host}"
        _SITES[self.host] = self

    def request(self, method: str, path_and_query: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request through the test client: (status, header pairs, the whole body)."""
        path, _, query = path_and_query.partition("?")
        resp = self.client.open(path, method=method, query_string=query, headers=dict(headers or {}),
                                data=body, base_url=self.url)
        try:
            data = resp.get_data()
        finally:
            resp.close()  # a streamed answer's generator ends here (and frees the query process)
        return resp.status_code, list(resp.headers.items()), data

    def close(self) -> None:
        _SITES.pop(self.host, None)
        service = self.app.extensions.get("ecokg.sparql")
        if service is not None:
            service.executor.close()


def site_for(url: str) -> Site | None:
    """The in-process site a URL points at, if any."""
    return _SITES.get(urllib.parse.urlsplit(url).netloc)
