"""The HTTP form of the SPARQL endpoint's answers, said once for the Flask view (``web.sparql``) and the lean
path (``web.lean``): status, the headers in their order, and the body.

CORS is open to every origin with a constant ``Access-Control-Allow-Origin: *`` (never the caller's origin
echoed, never with credentials), so an answer does not depend on who asks.
"""

from __future__ import annotations

from typing import Iterable

from werkzeug.http import HTTP_STATUS_CODES

from ecokg.sparql.service import TRUNCATED_HEADER, Answer

CORS = (("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", f"Content-Type, ETag, {TRUNCATED_HEADER}"))
PREFLIGHT = (("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS, POST"),
             ("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match"),
             ("Access-Control-Max-Age", "86400"))
NOSNIFF = ("X-Content-Type-Options", "nosniff")


def status_line(code: int) -> str:
    return f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"  # as werkzeug writes it


def answer_parts(answer: Answer) -> tuple[int, list[tuple[str, str]], Iterable[bytes]]:
    """(status, headers, body) of an answer: a whole body has a ``Content-Length``, a streamed one none (it
    goes out chunked); a 304 has neither a body nor the headers that describe one."""
    body = answer.body
    headers: list[tuple[str, str]] = []
    if answer.status != 304:
        headers.append(("Content-Type", answer.content_type))
        if isinstance(body, bytes):
            body = [body]
        if isinstance(body, (list, tuple)):
            headers.append(("Content-Length", str(sum(len(b) for b in body))))
    else:
        body = []
    headers.extend(answer.headers.items())
    headers.append(("Vary", "Accept"))
    headers.extend(CORS)
    headers.append(NOSNIFF)
    return answer.status, headers, body
