"""What the hardening and fuzz tests share: raw HTTP over a socket (any bytes, a client-side timeout),
the server's process tree from /proc, and percentiles."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from scripts.loadtest import percentile, process_tree  # noqa: F401 - the same /proc readers as the load test

CLIENT_TIMEOUT = 30.0  # seconds without an answer that count as a hang


class Hang(AssertionError):
    """The server did not answer within the client-side timeout."""


@dataclass
class RawReply:
    status: int | None  # None: the connection closed without a status line
    reason: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    raw: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return bytes(out)
        try:
            size = int(data[pos:end].split(b";")[0], 16)
        except ValueError:
            return bytes(out)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2


def parse_reply(raw: bytes) -> RawReply:
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    first = lines[0].decode("latin-1") if lines else ""
    parts = first.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return RawReply(None, "", {}, b"", raw)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return RawReply(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body, raw)


def raw_request(port: int, data: bytes, *, timeout: float = CLIENT_TIMEOUT, max_bytes: int = 4_000_000) -> RawReply:
    """Send ``data`` as is to 127.0.0.1:``port`` and read the answer until the server closes (the requests of
    ``build_request`` say ``Connection: close``; an incomplete one is closed by the server's header timeout).

    A server that stops reading (e.g. a body over the limit) may reset the connection while we still
    send: the answer it wrote first is read all the same.  The client does not half-close its side after
    sending: the HTTP server (hyper) takes a half-close as the client leaving, as most clients mean it.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks, size = [], 0
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                raise Hang(f"no complete answer within {timeout} s to {data[:200]!r}") from None
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                break
    return parse_reply(b"".join(chunks))


def build_request(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]] = (), body: bytes | None = None,
                  *, content_length: bool = True) -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [k + b": " + v for k, v in headers]
    if body is not None and content_length:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def acceptable(reply: RawReply, method: bytes = b"GET") -> str | None:
    """Why a reply breaks the rules (None when it keeps them): an HTTP answer; never a 5xx but the
    503/504 of a time limit; a 4xx that says what is wrong (HEAD answers have no body)."""
    if reply.status is None:
        return f"no HTTP answer at all: {reply.raw[:200]!r}"
    if reply.status >= 500:
        if reply.status in (503, 504) and any(m in reply.text for m in ("time limit", "in time", "memory limit")):
            return None
        return f"{reply.status}: {reply.text[:300]}"
    if 400 <= reply.status < 500 and method.upper() != b"HEAD" and not reply.body.strip() and not from_front(reply):
        return f"{reply.status} without a message"
    return None


def from_front(reply: RawReply) -> bool:
    """A refusal by the HTTP server itself (hyper, in granian) of a request that is not well-formed HTTP
    (control characters in a header, bytes outside ASCII in the request line, too many or too large header
    fields): a bare 400, 414 or 431 without a body and with the connection closed, before the app sees
    anything (SECURITY.md).  The app's own answers carry granian's ``server`` header."""
    return (reply.status in (400, 414, 431) and "server" not in reply.headers
            and reply.headers.get("content-length") == "0" and reply.headers.get("connection") == "close")


def unexpected_errors(log: str) -> list[str]:
    """Unhandled exceptions in a server log: Flask's "Exception on ..." (a 500) and every traceback but the
    one granian logs when a streaming answer is cut at the time limit (``QueryTimeout``, by design: raising
    is how a WSGI app makes the server abort a chunked answer, so that the client sees it incomplete)."""
    out = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if "Exception on " in line:
            out.append(line)
        if line.startswith("Traceback (most recent call last):"):
            last = next((l for l in lines[i + 1:] if l and not l[0].isspace()), "")
            if not last.startswith(("QueryTimeout:", "ecokg.sparql.executor.QueryTimeout")):
                out.append(last or line)
    return out


# ---------------------------------------------------------------- /proc


def comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def query_processes(server_pid: int) -> dict[int, int]:
    """pid -> CPU ticks, of the server's query processes (named ``ecokg-query``)."""
    out = {}
    for pid in process_tree(server_pid):
        if comm(pid) == "ecokg-query":
            ticks = cpu_ticks(pid)
            if ticks is not None:
                out[pid] = ticks
    return out
