"""The lean path: SPARQL queries sent by GET (or HEAD) to ``/sparql``, answered without Flask.

A small query's answer takes the engine microseconds; what it costs over HTTP is mostly the web framework
around it (routing, the request object, the response object, hooks).  This WSGI layer sits in front of the
Flask app and answers ``GET /sparql?query=...`` itself, with the same parts the Flask view uses: werkzeug's
own parsers for the URL parameters, the host and the ``Accept`` header, ``ecokg.sparql`` for the protocol
and the answer, ``web.answers`` for the status, headers and body.  So both paths give the same status, the
same headers in the same order and the same bytes (``tests/test_web_lean.py`` compares them).  Everything
else -- other paths and methods, a GET without a query (the query page, the service description), a query
string it would read differently -- goes to Flask.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import parse_qsl

from werkzeug.sansio.utils import get_current_url, get_host

from ecokg.sparql.protocol import ProtocolError, parse_operation
from ecokg.sparql.service import Answer, AnswerCache, Kept, SparqlService, error_answer, etag_matches
from ecokg.web.answers import answer_parts, status_line

PATH = "/sparql"


class LeanSparql:
    def __init__(self, app: Callable, service: SparqlService):
        self.app = app  # the Flask app, for everything else
        self.service = service
        self._base_urls: dict[tuple, str] = {}
        # kept answers by the request as it came (query string, Accept, scheme, host): a repeated request is
        # answered before its URL is even decoded.  Only answers the service keeps (``Answer.kept``); a
        # quarter of the service's budget (their bytes are the service's own, counted twice here).
        cache = service.cache
        self._requests = AnswerCache(cache.max_bytes // 4) if cache is not None else None

    def _base_url(self, environ) -> str:
        """``request.base_url`` as werkzeug makes it (remembered per scheme, host and server: a handful)."""
        scheme = environ.get("wsgi.url_scheme", "http")
        key = (scheme, environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"))
        url = self._base_urls.get(key)
        if url is None:
            server = None
            if key[2] is not None:  # werkzeug.wsgi._get_server
                try:
                    server = (key[2], int(key[3]))
                except (TypeError, ValueError):
                    server = (key[2], None)
            url = get_current_url(scheme, get_host(scheme, key[1], server), "", PATH)
            if len(self._base_urls) < 64:
                self._base_urls[key] = url
        return url

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        qs = environ.get("QUERY_STRING")
        if (environ.get("PATH_INFO") != PATH or method not in ("GET", "HEAD") or not qs
                or environ.get("SCRIPT_NAME")):
            return self.app(environ, start_response)
        key = None
        if self._requests is not None:
            key = (qs, environ.get("HTTP_ACCEPT"), environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                   environ.get("SERVER_NAME"), environ.get("SERVER_PORT"))
            kept = self._requests.get(key)
            if kept is not None:
                headers = dict(kept.headers)
                if etag_matches(environ.get("HTTP_IF_NONE_MATCH"), kept.etag):
                    return self._send(method, Answer(304, kept.content_type, b"", headers), start_response)
                return self._send(method, Answer(200, kept.content_type, kept.body, headers), start_response)
        try:  # werkzeug's reading of the URL parameters (``request.args``)
            params = parse_qsl(qs.encode("latin-1").decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        except (UnicodeError, ValueError):
            return self.app(environ, start_response)
        try:
            op = parse_operation(method, url_params=params)
        except ProtocolError as e:
            answer = error_answer(e.status, e.message, e.headers)
        else:
            if op.query is None:
                return self.app(environ, start_response)
            answer = self.service.answer(op, environ.get("HTTP_ACCEPT"), base_iri=self._base_url(environ),
                                         tagged=True, if_none_match=environ.get("HTTP_IF_NONE_MATCH"))
            if answer.kept and answer.status == 200 and key is not None and "ETag" in answer.headers:
                self._requests.put(key, Kept(answer.content_type, answer.body, tuple(answer.headers.items()),
                                             answer.headers["ETag"]))
        return self._send(method, answer, start_response)

    @staticmethod
    def _send(method: str, answer: Answer, start_response):
        status, headers, body = answer_parts(answer)
        start_response(status_line(status), headers)
        if method == "HEAD":
            close = getattr(body, "close", None)
            if close is not None:
                close()  # a streamed answer's query process is let go
            return []
        return body
