"""The HTTP front of a real ``ecokg serve`` process (granian): keep-alive, slow and idle clients, the body
time limit, the connection cap, graceful shutdown, and query processes that hold no socket of the server.
Short timeouts (header timeout 1 s), few connections: behaviour, not speed (bench/ measures that)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time
import urllib.parse

import pytest

from hardening_tools import process_tree, query_processes
from sparql_http import get

LOOKUP = ('SELECT ?l WHERE { <https://w3id.org/ecokg/id/division/500154> '
          '<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "en") }')


@pytest.fixture(scope="module")
def front_srv(start_server):
    # one worker with two request threads: a server whose threads read requests would be stalled at once
    return start_server("--workers", "1", "--threads", "2", "--header-timeout", "1", "--body-timeout", "1")


def connect(srv) -> socket.socket:
    u = urllib.parse.urlsplit(srv.url)
    return socket.create_connection((u.hostname, u.port), timeout=10)


def test_keep_alive_on_every_answer(front_srv):
    """One connection for a row, a streamed answer, a page, a form POST, an error and a 304."""
    u = urllib.parse.urlsplit(front_srv.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    sockets = set()
    requests = [
        ("GET", "/health", None, {}),
        ("GET", "/sparql?" + urllib.parse.urlencode({"query": LOOKUP}), None, {}),
        ("GET", "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}), None,
         {"Accept": "text/csv"}),  # streamed, chunked
        ("GET", "/id/division/500154", None, {"Accept": "text/html"}),
        ("POST", "/sparql", urllib.parse.urlencode({"query": "ASK {}"}),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("GET", "/sparql?query=SELECT", None, {}),  # 400
    ]
    seen = []
    for method, path, body, headers in requests:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        seen.append((r.status, r.getheader("Transfer-Encoding"), len(data)))
        assert not r.will_close, (path, r.status)
        sockets.add(id(conn.sock))
    tag = None
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": LOOKUP}))
    r = conn.getresponse()
    r.read()
    tag = r.getheader("ETag")
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": LOOKUP}), headers={"If-None-Match": tag})
    r = conn.getresponse()
    assert r.status == 304 and r.read() == b"" and not r.will_close
    sockets.add(id(conn.sock))
    conn.close()
    assert [s for s, _, _ in seen] == [200, 200, 200, 200, 200, 400]
    assert seen[2][1] == "chunked" and seen[2][2] > 100_000
    assert len(sockets) == 1  # never reconnected


def test_idle_kept_alive_connection_is_closed_at_the_header_timeout(front_srv):
    s = connect(front_srv)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while not got.endswith(b"}\n"):
        got += s.recv(65536)
    assert got.startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    assert s.recv(100) == b""  # closed by the server (the socket's own timeout is 10 s)
    assert time.monotonic() - started < 5
    s.close()


def hold(srv, n: int, mode: str, stop: threading.Event, closed: list):
    """``n`` connections held open slowly: nothing sent, half a request line, or one header byte every 0.2 s."""
    socks = []
    for _ in range(n):
        s = connect(srv)
        if mode != "silent":
            s.sendall(b"GET /heal" if mode == "half" else b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.setblocking(False)
        socks.append(s)
    started = time.monotonic()
    while not stop.is_set() and len(closed) < n:
        for i, s in enumerate(socks):
            if s is None:
                continue
            try:
                if s.recv(100) == b"":
                    closed.append(time.monotonic() - started)
                    socks[i] = None
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed.append(time.monotonic() - started)
                socks[i] = None
                continue
            if mode == "trickle":
                try:
                    s.send(b"a")
                except OSError:
                    pass
        time.sleep(0.2)
    for s in socks:
        if s is not None:
            s.close()


@pytest.mark.parametrize("mode", ["silent", "half", "trickle"])
def test_slow_clients_stall_nobody_and_are_closed(front_srv, mode):
    n = 12  # six times the request threads
    stop, closed = threading.Event(), []
    holder = threading.Thread(target=hold, args=(front_srv, n, mode, stop, closed))
    holder.start()
    try:
        time.sleep(0.3)
        # meanwhile a normal client is answered: a query and a page, each on a new connection
        for _ in range(5):
            r = get(front_srv.url, LOOKUP, timeout=5)
            assert r.status == 200 and json.loads(r.body)["results"]["bindings"]
            u = urllib.parse.urlsplit(front_srv.url)
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            c.request("GET", "/id/division/500154", headers={"Accept": "text/html"})
            assert c.getresponse().status == 200
            c.close()
        holder.join(10)
    finally:
        stop.set()
        holder.join()
    assert len(closed) == n, closed  # every held connection closed by the server at the header timeout


def test_a_body_that_does_not_arrive_is_answered_408(front_srv):
    s = connect(front_srv)
    s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 100\r\n\r\nquery=ASK")
    got = b""
    while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"s"):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    assert got.startswith(b"HTTP/1.1 408") and b"did not arrive within 1 s" in got, got
    assert b"connection: close" in got.lower()
    s.close()
    assert get(front_srv.url, "ASK {}").status == 200


def tcp_inodes() -> set[str]:
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                out |= {line.split()[9] for line in list(f)[1:]}
        except OSError:
            pass
    return out


def test_query_processes_hold_no_socket_of_the_server(front_srv):
    """Neither the fork server nor a query process holds the listening socket or a client connection."""
    assert get(front_srv.url, "ASK {}").status == 200
    tcp = tcp_inodes()
    helpers = [pid for pid in process_tree(front_srv.proc.pid)
               if open(f"/proc/{pid}/comm").read().strip() in ("ecokg-query", "ecokg-forks")]
    assert len(helpers) >= 3  # the fork server and the worker's two query processes
    for pid in helpers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                assert target[8:-1] not in tcp, (pid, fd, target)


def test_connection_cap(start_server):
    """Past --max-connections a new connection waits (in the kernel's listen queue) and is served as soon as
    a held one closes -- here idle ones (nothing sent), closed at the header timeout."""
    srv = start_server("--workers", "1", "--max-connections", "3", "--header-timeout", "1")
    held = [connect(srv) for _ in range(3)]  # idle: nothing sent
    time.sleep(0.2)
    u = urllib.parse.urlsplit(srv.url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=0.5)
    with pytest.raises((socket.timeout, TimeoutError)):
        c.request("GET", "/health")
        c.getresponse()
    c.close()
    r = get(srv.url, "ASK {}", timeout=10)  # the held ones are closed at the header timeout
    assert r.status == 200
    for s in held:
        s.close()
    srv.stop()


def test_graceful_shutdown(start_server, tmp_path):
    """SIGTERM: the answer in progress (a query of about a second, well within the 10 s allowed) is finished,
    new connections are refused, everything ends."""
    data = tmp_path / "d.nt"
    data.write_text("".join(f"<http://e.org/s{i}> <http://e.org/p> \"{i}\" .\n" for i in range(150)))  # ~1 s
    srv = start_server("--data", str(data), "--workers", "1", "--timeout", "30")
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c != ?i) }"
    result = {}
    t = threading.Thread(target=lambda: result.update(r=get(srv.url, slow, timeout=60)))
    t.start()
    deadline = time.monotonic() + 10
    while not any(ticks for ticks in query_processes(srv.proc.pid).values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    tree = process_tree(srv.proc.pid)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(OSError):
        get(srv.url, "ASK {}", timeout=2)
    t.join(60)
    assert result["r"].status == 200 and json.loads(result["r"].body)["results"]["bindings"][0]["n"]["value"]
    assert srv.proc.wait(30) == 0
    deadline = time.monotonic() + 10
    while [pid for pid in tree if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if alive(pid)]  # workers, fork server, query processes
    srv.stop()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_remote_store_mode_over_the_front(start_server, real_server):
    """``--store URL``: queries run in the server worker (no query processes), same answers, kept alive."""
    remote = start_server("--store", real_server.url + "/sparql", "--workers", "1")
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
    a, b = get(remote.url, q), get(real_server.url, q)
    assert a.status == b.status == 200 and json.loads(a.body) == json.loads(b.body)
    assert a.header("ETag") is not None  # tagged, but never kept: the remote store may change
    u = urllib.parse.urlsplit(remote.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for path in ("/sparql?" + urllib.parse.urlencode({"query": q}), "/id/division/500154", "/health"):
        conn.request("GET", path, headers={"Accept": "text/html" if path.startswith("/id") else "*/*"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200 and not r.will_close, path
    conn.close()
    assert not query_processes(remote.proc.pid)
    remote.stop()
