"""``web.front``: the limits with messages, the request body read with a time limit, the access log, the
watchdog -- in process (the real server's side of them: tests/test_server_front.py)."""

from __future__ import annotations

import io
import os
import re
import threading
import time

from werkzeug.test import Client

from ecokg.web.front import AccessLog, Front, Watchdog


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_uri_and_header_limits_answer_with_a_message():
    c = Client(Front(echo, max_body=100, body_timeout=1))
    r = c.get("/x?q=" + "a" * 17_000)
    assert r.status_code == 414 and b"longer than the limit of 16384 bytes" in r.data
    r = c.get("/x", headers={"X-Big": "v" * 9_000})
    assert r.status_code == 431 and b"X-Big" in r.data
    assert c.get("/x?q=" + "a" * 100).status_code == 200


def test_the_body_is_read_before_the_app_and_at_most_past_the_limit():
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Length", "0")])
        return []

    front = Front(app, max_body=10, body_timeout=1)
    Client(front).post("/x", data=b"12345")
    chunked = {"REQUEST_METHOD": "POST", "PATH_INFO": "/x", "QUERY_STRING": "", "HTTP_TRANSFER_ENCODING": "chunked",
               "wsgi.input": io.BytesIO(b"x" * 50)}
    front(chunked, lambda *a: None)
    assert seen == [b"12345", b"x" * 11]  # a chunked body: the limit + 1 byte, for the app's 413


class Stalled(io.RawIOBase):
    """A request body whose client stops sending after the first bytes."""

    def __init__(self):
        self.release = threading.Event()
        self.sent = False

    def readable(self):
        return True

    def read(self, n=-1):
        if not self.sent:
            self.sent = True
            return b"query="
        self.release.wait(30)
        return b""


def test_a_body_that_does_not_arrive_is_answered_408():
    called = []
    front = Front(lambda e, s: called.append(1), max_body=1000, body_timeout=0.3)
    body = Stalled()
    statuses = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "QUERY_STRING": "", "CONTENT_LENGTH": "100",
               "wsgi.input": body}
    out = front(environ, lambda status, headers, exc=None: statuses.append((status, dict(headers))))
    body.release.set()
    assert statuses[0][0].startswith("408") and statuses[0][1]["Connection"] == "close"
    assert b"did not arrive within 0.3 s" in b"".join(out) and called == []


def test_access_log_line():
    read, write = os.pipe()
    front = Front(echo, max_body=100, body_timeout=1, access_log=AccessLog(write))
    Client(front).post('/x?a="b"', data=b"hello", headers={"User-Agent": "agent\x01007", "Referer": "http://r/"},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
    os.close(write)
    line = os.read(read, 10_000).decode()
    os.close(read)
    assert re.fullmatch(r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:[\d:]+ [+-]\d{4}\] "POST /x\?a=\\"b\\" HTTP/1\.1" '
                        r'200 5 "http://r/" "agent\\x01007" \d+\n', line), line


def test_watchdog_sees_a_request_that_went_unanswered():
    release = threading.Event()

    def slow(environ, start_response):
        release.wait(10)
        start_response("200 OK", [])
        return []

    front = Front(slow, max_body=10, body_timeout=1)
    dog = Watchdog(front, 0.2)
    t = threading.Thread(target=lambda: Client(front).get("/slow"))
    t.start()
    time.sleep(0.4)
    stuck = dog.stuck()
    release.set()
    t.join()
    assert stuck is not None and stuck[1] == "GET /slow" and dog.stuck() is None
