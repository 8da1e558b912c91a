"""Sending the query mix to an endpoint with N concurrent clients, and summarising latencies.

Each client is a thread with its own HTTP connection (reused while the server keeps it alive: ecokg since it runs
on granian, Oxigraph, Virtuoso and uvicorn keep it; gunicorn's sync workers, ecokg's server before, closed it
after each response).  Every run is bounded by a number
of requests and by a duration; a request in flight when the time is up is still waited for.
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode, urlsplit

from bench.queries import BenchQuery


class QueryFailed(RuntimeError):
    pass


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds
    elapsed: float = 0.0
    errors: int = 0
    first_error: str = ""

    @property
    def n(self) -> int:
        return len(self.latencies)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p95_ms(self) -> float:
        if len(self.latencies) < 2:
            return self.median_ms
        return statistics.quantiles(self.latencies, n=20, method="inclusive")[18] * 1000

    @property
    def throughput(self) -> float:
        return self.n / self.elapsed if self.elapsed > 0 else float("nan")

    def as_dict(self) -> dict:
        return {"n": self.n, "median_ms": self.median_ms, "p95_ms": self.p95_ms, "throughput": self.throughput,
                "errors": self.errors, "first_error": self.first_error}


def count_results(body: bytes, kind: str) -> int:
    """Rows of a SPARQL JSON result, or triples of an N-Triples/Turtle answer (non-empty lines)."""
    if kind == "select":
        return len(json.loads(body)["results"]["bindings"])
    return sum(1 for line in body.splitlines() if line.strip() and not line.startswith((b"@prefix", b"#")))


class HttpEndpoint:
    """A SPARQL 1.1 protocol endpoint reached with GET ``?query=``."""

    def __init__(self, url: str, timeout: float = 120):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.timeout = timeout

    def client(self) -> Callable[[BenchQuery], bytes]:
        conn: http.client.HTTPConnection | None = None

        def send(q: BenchQuery) -> bytes:
            nonlocal conn
            for attempt in (1, 2):
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                try:
                    conn.request("GET", self.path + "?" + urlencode({"query": q.sparql}), headers={"Accept": q.accept})
                    resp = conn.getresponse()
                    body = resp.read()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    conn.close()
                    conn = None
                    if attempt == 2:
                        raise
                    continue  # a kept-alive connection the server had closed: retry once on a new one
                if resp.will_close:
                    conn.close()
                    conn = None
                if resp.status != 200:
                    raise QueryFailed(f"HTTP {resp.status}: {body[:300]!r}")
                return body
            raise AssertionError("unreachable")

        return send


class InProcessEngine:
    """The raw engine: pyoxigraph in this process, evaluating and serialising as a server must."""

    def __init__(self, store):
        self.store = store

    def client(self) -> Callable[[BenchQuery], bytes]:
        import pyoxigraph as ox

        def send(q: BenchQuery) -> bytes:
            result = self.store.query(q.sparql)
            if q.kind == "select":
                return result.serialize(format=ox.QueryResultsFormat.JSON)
            return result.serialize(format=ox.RdfFormat.N_TRIPLES)

        return send


_REQUEST_NUMBERS = itertools.count(1)


def fresh_text(q: BenchQuery) -> BenchQuery:
    """The same query under a text never sent before (a leading comment with a request number): as with
    researchers' queries, which differ in their constants, no cache keyed on the query text can answer it."""
    return dataclasses.replace(q, sparql=f"# bench request {next(_REQUEST_NUMBERS)}\n{q.sparql}")


def run(endpoint, queries: list[BenchQuery], clients: int, max_requests: int, max_seconds: float,
        fresh: bool = False) -> Stats:
    """``clients`` threads send ``queries`` in rotation (each starting at a different one) until either
    ``max_requests`` were sent or ``max_seconds`` passed; every client sends at least one.  With ``fresh``,
    every request carries a new query text (``fresh_text``)."""
    stats = Stats()
    lock = threading.Lock()
    sent = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    def worker(index: int) -> None:
        nonlocal sent
        send = endpoint.client()
        i = index
        first = True
        while True:
            with lock:
                if not first and (sent >= max_requests or time.perf_counter() >= deadline):
                    return
                sent += 1
            first = False
            q = queries[i % len(queries)]
            if fresh:
                q = fresh_text(q)
            i += 1
            t0 = time.perf_counter()
            try:
                send(q)
            except Exception as e:  # noqa: BLE001 - counted and reported, the run goes on
                with lock:
                    stats.errors += 1
                    stats.first_error = stats.first_error or f"{q.name}: {type(e).__name__}: {e}"
                continue
            dt = time.perf_counter() - t0
            with lock:
                stats.latencies.append(dt)

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.elapsed = time.perf_counter() - start
    return stats


def check(endpoint, queries: list[BenchQuery]) -> dict[str, int | str]:
    """Run each query once (also a warm-up) and count its results; an error is reported as its message."""
    send = endpoint.client()
    out: dict[str, int | str] = {}
    for q in queries:
        try:
            out[q.name] = count_results(send(q), q.kind)
        except Exception as e:  # noqa: BLE001 - reported in the results table
            out[q.name] = f"error: {type(e).__name__}: {str(e)[:200]}"
    return out
