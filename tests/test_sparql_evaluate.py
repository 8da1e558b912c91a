"""ecokg.sparql.evaluate and executor: one trip, the row cap, typed messages, both executors alike."""

import pyoxigraph as ox
import pytest

from ecokg.errors import Kind
from ecokg.sparql.evaluate import ChunkBuffer, Job, QueryFailed, evaluate
from ecokg.sparql.executor import DirectExecutor, ProcessExecutor
from ecokg.store.embedded import EmbeddedStore


class Collect:
    """What an evaluation handed on: the head and the bytes (``ChunkBuffer``'s ``send``)."""

    def __init__(self):
        self.head = None
        self.data = b""
        self.pieces = 0
        self.last = False

    def __call__(self, head, data, last):
        if head is not None:
            assert self.head is None, "the head comes with the first piece only"
            self.head = head
        self.data += data
        self.pieces += 1
        self.last = last


def run(store, job):
    out = Collect()
    evaluate(store, job, ChunkBuffer(out))
    assert out.last
    return out


@pytest.fixture(scope="module")
def small_store():
    store = ox.Store()
    for i in range(10):
        store.add(ox.Quad(ox.NamedNode(f"http://a.example/s{i}"), ox.NamedNode("http://a.example/p"),
                          ox.Literal(f"line one\nline\ttwo {i}", language="en")))
    return EmbeddedStore(store)


@pytest.mark.parametrize("max_rows, rows, truncated", [(None, 10, False), (3, 3, True), (10, 10, False), (0, 0, True)])
def test_row_cap_keeps_terms_exact(small_store, max_rows, rows, truncated):
    out = run(small_store, Job("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s", "json", None, max_rows=max_rows))
    parsed = list(ox.parse_query_results(out.data, ox.QueryResultsFormat.JSON))
    assert len(parsed) == rows and out.head.truncated is truncated
    if rows:
        assert parsed[0]["o"] == ox.Literal("line one\nline\ttwo 0", language="en")


def test_row_cap_on_graphs(small_store):
    out = run(small_store, Job("CONSTRUCT WHERE { ?s ?p ?o }", None, "nt", max_rows=4))
    assert out.head.truncated is True and len(list(ox.parse(out.data, ox.RdfFormat.N_TRIPLES))) == 4


@pytest.mark.parametrize("text,form,fmt", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT", "csv"),
    ("ASK { ?s ?p ?o }", "ASK", "csv"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT", "nt"),
    ("DESCRIBE <http://a.example/s1>", "CONSTRUCT", "nt"),
    ("SELECT ?x WHERE { ?x <relative> 1 }", "SELECT", "csv"),
])
def test_one_trip_the_answer_tells_the_form(small_store, text, form, fmt):
    """The query is evaluated once; the kind of its answer picks the format negotiated for that kind."""
    out = run(small_store, Job(text, "csv", "nt", check=False, base_iri="http://a.example/"))
    assert (out.head.form, out.head.format) == (form, fmt)


def test_a_format_the_client_refused_is_not_acceptable(small_store):
    with pytest.raises(Exception) as e:
        run(small_store, Job("ASK {}", None, "ttl"))
    assert e.value.kind is Kind.NOT_ACCEPTABLE and "json, xml, csv, tsv" in e.value.message


def test_engine_syntax_error_gets_the_parsers_message(small_store):
    with pytest.raises(Exception) as e:
        run(small_store, Job("SELECT * WHERE {\n ?s ?p }", "json", None, check=False))
    assert e.value.kind is Kind.BAD_QUERY and "line 2" in e.value.message


def test_checked_jobs_are_judged_by_the_policy(small_store):
    with pytest.raises(Exception) as e:
        run(small_store, Job("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "json", None))
    assert e.value.kind is Kind.BAD_QUERY and "SERVICE is not allowed" in e.value.message


def test_large_answers_come_in_pieces(small_store):
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://a.example/s{i}"), ox.NamedNode("http://a.example/p"),
                         ox.Literal("x" * 100)) for i in range(3000))
    out = run(EmbeddedStore(store), Job("SELECT * WHERE { ?s ?p ?o }", "tsv", None))
    assert out.pieces > 1 and out.data.count(b"\n") == 3001


@pytest.mark.parametrize("make", [lambda s: DirectExecutor(s, 5), lambda s: ProcessExecutor(s.query_process_opener(), 5)],
                         ids=["direct", "process"])
def test_both_executors_give_the_same_answers_and_errors(small_store, make):
    executor = make(small_store)
    try:
        r = executor.run(Job("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "tsv", None))
        assert r.head.form == "SELECT" and r.read_all().count(b"\n") == 11
        r = executor.run(Job("CONSTRUCT WHERE { ?s ?p ?o }", "json", "nt"))
        assert r.head.format == "nt" and len(list(ox.parse(r.read_all(), ox.RdfFormat.N_TRIPLES))) == 10
        with pytest.raises(QueryFailed) as e:
            executor.run(Job("SELECT * WHERE {", "json", None, check=False))
        assert e.value.kind is Kind.BAD_QUERY
        r = executor.run(Job("ASK {}", "json", None))  # usable again after a failure
        assert r.read_all() == b'{"head":{},"boolean":true}'
    finally:
        executor.close()


def _link(path: str) -> str:
    """Where a descriptor points, or "" for one closed between the listing and the reading."""
    import os

    try:
        return os.readlink(path)
    except FileNotFoundError:
        return ""


def test_the_pool_forks_from_its_fork_server_and_survives_losing_it(small_store):
    """Query processes are children of the fork server (not of this threaded process) and hold none of its
    descriptors; a fork server killed from outside is replaced (the query in flight fails, the next runs)."""
    import os
    import signal
    import time

    from ecokg.store.base import StoreError

    ex = ProcessExecutor(small_store.query_process_opener(), 5, size=2)
    try:
        ex.start()
        pids = [slot.pid for slot in ex._slots]
        for pid in pids:
            with open(f"/proc/{pid}/stat") as f:
                assert int(f.read().rsplit(")", 1)[1].split()[1]) == ex._forks.pid  # its parent
            deadline = time.monotonic() + 5
            while True:  # (just after the fork it still holds the fork server's ends, which it closes first)
                sockets = [fd for fd in os.listdir(f"/proc/{pid}/fd") if _link(f"/proc/{pid}/fd/{fd}").startswith("socket:")]
                if len(sockets) == 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert len(sockets) == 1  # its own connection only
        os.kill(ex._forks.pid, signal.SIGKILL)
        time.sleep(0.2)
        try:
            ex.run(Job("ASK {}", "json", None))
        except StoreError:
            pass  # the query process died with its fork server
        assert ex.run(Job("ASK {}", "json", None)).read_all() == b'{"head":{},"boolean":true}'
    finally:
        ex.close()
