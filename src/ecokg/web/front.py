"""The WSGI layer between the HTTP server and the app: limits, the request body, the access log, the watchdog.

* **Limits** the HTTP server does not set the way ecokg promises (SECURITY.md): a request URI over
  16,384 bytes is answered 414, a header field over 8,190 bytes 431, each with a message.
* **The request body** is read here, before the app sees the request, with a time limit (``body_timeout``):
  a client that sends its body too slowly is answered 408 and its connection closed, so a query never
  waits on a client.  At most ``max_body`` + 1 bytes are read (the app answers 413 past ``max_body``).
* **The access log**: one line per request on stderr, Apache's combined format plus the time taken in
  microseconds (what nginx, HAProxy and log analysers parse), written once the answer's last byte is out.
* **The watchdog**: the requests being answered and since when; ``Watchdog`` ends the worker process
  when one has had no status line for ``watchdog`` seconds (the server then starts a fresh worker).
* **The reaper** (``Reaper``): connections that sent nothing at all within the header timeout, or where no
  data went either way for the watchdog's time, are closed (the HTTP server itself would keep them).
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import socket
import struct
import sys
import threading
import time
from typing import Callable, Iterable
from urllib.parse import quote

from ecokg.errors import REASONS

log = logging.getLogger("ecokg.server")

MAX_URI = 16_384
MAX_HEADER = 8_190


def _plain(status: int, message: str, extra: tuple[tuple[str, str], ...] = ()) -> tuple[str, list, list]:
    body = f"{status} {REASONS.get(status, 'Error')}: {message}\n".encode()
    return (f"{status} {REASONS.get(status, 'Error')}", [("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))), *extra, ("X-Content-Type-Options", "nosniff")], [body])


# ---------------------------------------------------------------- the access log

_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(32), 127)}
_ESCAPES[ord('"')] = '\\"'
_ESCAPES[ord("\\")] = "\\\\"


def _clean(text: str) -> str:
    """A value as the log may show it: control characters, quotes and backslashes escaped (no forged lines)."""
    return text if text.isprintable() and '"' not in text and "\\" not in text else text.translate(_ESCAPES)


class AccessLog:
    """Apache combined + µs: ``host - user [time] "request line" status bytes "referer" "user agent" µs``."""

    def __init__(self, fd: int | None = None):
        self.fd = fd if fd is not None else sys.stderr.fileno()
        self._second = -1
        self._stamp = ""

    def _time(self, now: float) -> str:
        second = int(now)
        if second != self._second:  # one strftime a second
            self._stamp = time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(second))
            self._second = second
        return self._stamp

    def write(self, environ, status: str, sent: int, started: float, wall: float) -> None:
        path = quote(environ.get("PATH_INFO", "").encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~%")
        qs = environ.get("QUERY_STRING")
        target = path + "?" + qs if qs else path
        protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
        if protocol == "HTTP/1":
            protocol = "HTTP/1.0"
        line = (f'{environ.get("REMOTE_ADDR", "-")} - - {self._time(wall)} '
                f'"{_clean(environ.get("REQUEST_METHOD", "-"))} {_clean(target)} {protocol}" '
                f'{status[:3]} {sent} "{_clean(environ.get("HTTP_REFERER", "-"))}" '
                f'"{_clean(environ.get("HTTP_USER_AGENT", "-"))}" {int((time.perf_counter() - started) * 1e6)}\n')
        try:
            os.write(self.fd, line.encode("utf-8", "replace"))  # one write: lines of threads do not mix
        except OSError:
            pass


class _Logged:
    """A streamed answer that counts its bytes and logs the request when it is closed."""

    __slots__ = ("inner", "it", "front", "environ", "started", "wall", "status", "sent")

    def __init__(self, inner: Iterable[bytes], front: "Front", environ, started: float, wall: float, status: list):
        self.inner, self.it = inner, iter(inner)
        self.front, self.environ, self.started, self.wall, self.status = front, environ, started, wall, status
        self.sent = 0

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        chunk = next(self.it)
        self.sent += len(chunk)
        return chunk

    def close(self) -> None:
        try:
            close = getattr(self.inner, "close", None)
            if close is not None:
                close()
        finally:
            if self.front.access_log is not None:
                self.front.access_log.write(self.environ, self.status[0] or "500", self.sent, self.started,
                                            self.wall)


# ---------------------------------------------------------------- reading the body


def _read_body(environ, max_body: int, timeout: float) -> bytes | None:
    """The request body, at most ``max_body`` + 1 bytes of it; None if it did not arrive within ``timeout``.
    It is read by a helper thread: the HTTP server's input cannot time out, so a client that stops sending
    leaves only that thread waiting (until it disconnects), never the request's own."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    want = min(int(length), max_body + 1) if length else max_body + 1
    parts: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        got = 0
        try:
            while got < want:
                data = stream.read(min(want - got, 65536))
                if not data:
                    break
                parts.append(data)
                got += len(data)
        except Exception:  # noqa: BLE001 - a broken connection: what arrived is the body
            pass
        done.set()

    threading.Thread(target=read, daemon=True, name="ecokg-body").start()
    if not done.wait(timeout):
        return None
    return b"".join(parts)


# ---------------------------------------------------------------- the layer


class Front:
    def __init__(self, app: Callable, *, max_body: int, body_timeout: float, access_log: AccessLog | None = None):
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.access_log = access_log
        self.inflight: dict[int, tuple[float, str]] = {}  # request number -> (monotonic start, request line)
        self._numbers = itertools.count()

    def _refusal(self, environ) -> tuple[str, list, list] | None:
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) >= MAX_URI:
            return _plain(414, f"the request URI is longer than the limit of {MAX_URI} bytes; send a long query "
                               "by POST")
        for key, value in environ.items():
            if key[:5] == "HTTP_" and isinstance(value, str) and len(value) > MAX_HEADER:
                return _plain(431, f"the header {key[5:].replace('_', '-').title()} is longer than the limit of "
                                   f"{MAX_HEADER} bytes")
        length = environ.get("CONTENT_LENGTH")
        if (length and length != "0") or "HTTP_TRANSFER_ENCODING" in environ:
            try:
                too_big = length and int(length) > self.max_body
            except ValueError:
                return _plain(400, "the Content-Length is not a number")
            if not too_big:  # (a declared size over the limit is refused by the app without reading it)
                body = _read_body(environ, self.max_body, self.body_timeout)
                if body is None:
                    return _plain(408, f"the request body did not arrive within {self.body_timeout:g} s",
                                  (("Connection", "close"),))
                environ["wsgi.input"] = io.BytesIO(body)
                environ["wsgi.input_terminated"] = True
        return None

    def __call__(self, environ, start_response):
        started, wall = time.perf_counter(), time.time()
        status: list = [None]

        def respond(line: str, headers: list, exc_info=None):
            status[0] = line
            return start_response(line, headers, exc_info)

        refusal = self._refusal(environ)
        if refusal is not None:
            line, headers, body = refusal
            respond(line, headers)
            result = body
        else:
            number = next(self._numbers)
            self.inflight[number] = (time.monotonic(), f'{environ.get("REQUEST_METHOD")} {environ.get("PATH_INFO")}')
            try:
                result = self.app(environ, respond)
            finally:
                del self.inflight[number]
        if isinstance(result, list):  # whole: logged now
            if self.access_log is not None:
                sent = 0 if environ.get("REQUEST_METHOD") == "HEAD" else sum(len(b) for b in result)
                self.access_log.write(environ, status[0] or "500", sent, started, wall)
            return result
        return _Logged(result, self, environ, started, wall, status)


class Watchdog:
    """Ends this worker process when a request has gone unanswered (no status line) for ``seconds``."""

    def __init__(self, front: Front, seconds: float, exit: Callable[[int], None] = os._exit):
        self.front = front
        self.seconds = seconds
        self._exit = exit

    def start(self) -> None:
        threading.Thread(target=self._watch, daemon=True, name="ecokg-watchdog").start()

    def stuck(self) -> tuple[float, str] | None:
        now = time.monotonic()
        for started, what in list(self.front.inflight.values()):
            if now - started > self.seconds:
                return now - started, what
        return None

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.seconds / 4))
            found = self.stuck()
            if found is not None:
                log.critical("worker %s: a request (%s) has gone unanswered for %.0f s; restarting the worker",
                             os.getpid(), found[1], found[0])
                sys.stderr.flush()
                self._exit(3)


class Reaper:
    """Closes the connections the HTTP server would keep for ever (Linux; elsewhere it does nothing).

    granian's header timeout starts with a connection's first byte: a client that connects and never sends
    anything is not timed out, and past ``--max-connections`` such connections would keep everyone else
    waiting.  Every ``interval`` seconds this looks at the worker's own TCP connections on the server's port
    (``TCP_INFO``) and shuts down those that received no byte at all for ``silent`` seconds (the header
    timeout), and those where no data went either way for ``quiet`` seconds (the watchdog's time: a request
    body that stopped arriving after its 408, a reader that stopped reading).  The server then sees the
    connection end and lets it go."""

    TCP_ESTABLISHED = 1

    def __init__(self, port: int, silent: float, quiet: float, interval: float | None = None):
        self.port = port
        self.silent_ms = silent * 1000
        self.quiet_ms = quiet * 1000
        self.interval = interval or max(0.1, min(1.0, silent / 4))
        self.closed = 0

    def start(self) -> None:
        if sys.platform.startswith("linux") and hasattr(socket, "TCP_INFO"):
            threading.Thread(target=self._loop, daemon=True, name="ecokg-reaper").start()

    def _loop(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - never let the worker lose this thread
                log.exception("connection sweep failed")

    def sweep(self) -> int:
        closed = 0
        for name in os.listdir("/proc/self/fd"):
            try:
                if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                    continue
                s = socket.socket(fileno=os.dup(int(name)))
            except (OSError, ValueError):
                continue
            try:
                if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_STREAM:
                    continue
                if s.getsockname()[1] != self.port:  # not a client of this server (e.g. a remote store)
                    continue
                info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
                if info[0] != self.TCP_ESTABLISHED or len(info) < 136:
                    continue
                last_sent, _, last_received = struct.unpack_from("III", info, 44)
                received = struct.unpack_from("Q", info, 128)[0]
                if (received == 0 and last_received > self.silent_ms) or \
                        (last_received > self.quiet_ms and last_sent > self.quiet_ms):
                    s.shutdown(socket.SHUT_RDWR)
                    closed += 1
            except OSError:
                pass
            finally:
                s.close()  # our duplicate only
        self.closed += closed
        return closed
