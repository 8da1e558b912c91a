"""Limits and safety over real HTTP: the time limit really stops the work, SERVICE/LOAD/FROM never
reach the network, the row cap is announced."""

import json
import os
import socket
import threading
import time
import urllib.parse

import pytest

from conftest import SilentListener
from scripts.loadtest import process_tree
from sparql_http import DATA_TRIG, get, post_direct, post_form

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits") / "big.nt"
    with open(path, "w") as f:
        for i in range(1000):
            f.write(f"<http://example.org/s{i}> <http://example.org/p{i % 7}> \"{i}\" .\n")
    return path


@pytest.fixture(scope="module")
def slow_srv(start_server, big_file):
    return start_server("--data", str(big_file), "--timeout", "1.5", "--workers", "2")


def _comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def query_processes(server_pid: int) -> dict[int, int]:
    """pid -> CPU ticks used, of the server's query processes."""
    found = {}
    for pid in process_tree(server_pid)[1:]:  # the server's descendants
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != "ecokg-query":
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            found[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            continue
    return found


def test_timeout_stops_the_query_and_others_are_served(slow_srv):
    result = {}

    def heavy():
        result["reply"] = get(slow_srv.url, HEAVY)

    t = threading.Thread(target=heavy)
    t.start()
    busy = None
    deadline = time.monotonic() + 10
    while busy is None and t.is_alive() and time.monotonic() < deadline:
        before = query_processes(slow_srv.proc.pid)
        time.sleep(0.3)
        after = query_processes(slow_srv.proc.pid)
        burning = [pid for pid, ticks in after.items() if ticks - before.get(pid, ticks) > 5]
        busy = burning[0] if burning else None
    assert busy is not None, "no query process was seen using CPU"
    quick = get(slow_srv.url, "ASK { ?s ?p ?o }")  # another worker answers meanwhile
    assert quick.status == 200 and t.is_alive()
    t.join(30)
    reply = result["reply"]
    assert reply.status == 503, reply.text
    assert "time limit of 1.5 s" in reply.text and reply.header("Retry-After")
    time.sleep(0.2)
    assert not os.path.exists(f"/proc/{busy}"), "the stopped query's process is still there"
    assert busy not in query_processes(slow_srv.proc.pid)
    # the worker has a fresh query process and answers as before
    for _ in range(3):
        assert get(slow_srv.url, "SELECT ?s WHERE { ?s ?p \"7\" }").status == 200


@pytest.fixture()
def listener():
    listen = SilentListener()
    yield listen
    listen.close()


@pytest.fixture(scope="module")
def data_srv(start_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("safety") / "data.trig"
    path.write_text(DATA_TRIG, encoding="utf-8")
    return start_server("--data", str(path), "--max-rows", "2")


def test_service_load_and_from_never_connect(data_srv, listener):
    url = listener.url
    for q in [f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
              f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
              f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
              f"ASK {{ FILTER NOT EXISTS {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }}"]:
        for r in (get(data_srv.url, q), post_direct(data_srv.url, q)):
            assert r.status == 400 and "SERVICE is not allowed" in r.text, (q, r.text)
    r = post_form(data_srv.url, {"update": f"LOAD <{url}/data.ttl>"})
    assert r.status == 403
    r = get(data_srv.url, f"LOAD <{url}/data.ttl>")
    assert r.status == 400
    r = get(data_srv.url, f"SELECT * FROM <{url}/data.ttl> FROM NAMED <{url}/named.ttl> WHERE {{ ?s ?p ?o }}")
    assert r.status == 200 and json.loads(r.body)["results"]["bindings"] == []
    r = get(data_srv.url, "ASK { ?s ?p ?o }", **{"default-graph-uri": f"{url}/remote.ttl"})
    assert r.status == 200 and json.loads(r.body)["boolean"] is False
    assert listener.connections() == 0


def test_row_cap_is_announced(data_srv):
    q = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    r = get(data_srv.url, q)
    assert r.status == 200 and r.header("X-ECOKG-Truncated") == "true"
    assert len(json.loads(r.body)["results"]["bindings"]) == 2
    assert "X-ECOKG-Truncated" in r.header("Access-Control-Expose-Headers")
    r = get(data_srv.url, q, accept="text/csv")
    assert r.header("X-ECOKG-Truncated") == "true" and len(r.text.splitlines()) == 3
    r = get(data_srv.url, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert r.header("X-ECOKG-Truncated") == "true" and len(r.text.splitlines()) == 2
    r = get(data_srv.url, "SELECT ?s WHERE { ?s <http://example.org/age> 30 }")
    assert r.header("X-ECOKG-Truncated") is None and len(json.loads(r.body)["results"]["bindings"]) == 1
    r = get(data_srv.url, "SELECT ?s WHERE { ?s <http://example.org/knows> ?o . ?o ?p ?x } LIMIT 2")
    assert r.header("X-ECOKG-Truncated") is None


def test_examples_answer_over_http(server):
    from ecokg.dataset.examples import load_examples

    examples = load_examples()
    assert examples
    empty = []
    for ex in examples:
        r = post_form(server.url, {"query": ex.query}, accept="application/sparql-results+json")
        assert r.status == 200, (ex.name, r.text)
        body = json.loads(r.body)
        if not body.get("boolean", False) and not body.get("results", {}).get("bindings"):
            empty.append(ex.name)
    assert not empty, f"examples without results: {empty}"


def test_abandoned_stream_stops_its_query(start_server, big_file):
    srv = start_server("--data", str(big_file), "--workers", "1", "--timeout", "60")
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 10^9 rows, streamed
    url = urllib.parse.urlsplit(srv.url)
    sock = socket.create_connection((url.hostname, url.port))
    path = "/sparql?" + urllib.parse.urlencode({"query": endless})
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
    got = b""
    while len(got) < 300_000:
        got += sock.recv(65536)
    assert b"200 OK" in got.split(b"\r\n", 1)[0] and b"chunked" in got.lower()
    before = query_processes(srv.proc.pid)
    until = time.monotonic() + 0.3
    while time.monotonic() < until:  # reading on, so that the query process writing the answer keeps working
        sock.recv(65536)
    after = query_processes(srv.proc.pid)
    busy = {pid for pid, ticks in after.items() if ticks > before.get(pid, ticks)}  # the one writing the answer
    assert busy
    sock.close()  # the client goes away mid-stream
    deadline = time.monotonic() + 20
    while any(os.path.exists(f"/proc/{pid}") for pid in busy) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in busy), "the abandoned query still runs"
    assert get(srv.url, "ASK { ?s ?p ?o }").status == 200


def test_stopping_the_server_ends_its_query_processes(start_server, big_file):
    srv = start_server("--data", str(big_file), "--workers", "2", "--threads", "3")
    assert get(srv.url, "ASK { ?s ?p ?o }").status == 200
    assert get(srv.url, "ASK { ?s ?p ?o }").status == 200
    children = set(query_processes(srv.proc.pid))
    forks = [pid for pid in process_tree(srv.proc.pid)[1:] if _comm(pid) == "ecokg-forks"]
    assert len(forks) == 2 and len(children) == 2 * 3  # --workers, each with --threads query processes
    children |= set(forks)
    srv.stop()
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in children)


@pytest.mark.skipif(os.geteuid() != 0, reason="a private network namespace needs root or user namespaces")
def test_query_processes_have_no_network(data_srv):
    """Behind the parser's refusal of SERVICE, a second wall: the query process has its own empty network."""
    assert get(data_srv.url, "ASK { ?s ?p ?o }").status == 200
    children = query_processes(data_srv.proc.pid)
    assert children
    server_net = os.readlink(f"/proc/{data_srv.proc.pid}/ns/net")
    for pid in children:
        assert os.readlink(f"/proc/{pid}/ns/net") != server_net
