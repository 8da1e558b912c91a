#!/usr/bin/env python3
"""A bounded load test of an ecokg server, on the loopback interface only.

N client threads (default 32) send requests for a fixed time (default 60 s), each waiting for its answer
before the next, in a mix of SPARQL queries (the bundled example queries and small lookups, in several
result formats), entity pages (HTML, Turtle, JSON-LD) and downloads (the downloads page and every file it
lists).  It reports throughput, latency percentiles per kind, every error, and the resident memory of the
server's processes (master, workers and query processes, read from /proc) at the start and at the end.

    python scripts/loadtest.py                        # starts `ecokg serve` itself (bundled data)
    python scripts/loadtest.py -- --dist dist         # ... with these extra `ecokg serve` arguments
    python scripts/loadtest.py --url http://127.0.0.1:8080 --pid 1234 --clients 8 --duration 5

Exit status: 0 no errors, 1 at least one error (a failed request or a status other than 200).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BASE = "https://w3id.org/ecokg/"
SIMPLE_QUERIES = [
    "ASK { ?s a <https://w3id.org/ecokg/ontology#Designation> }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 10",
    "SELECT ?l WHERE { <https://w3id.org/ecokg/id/division/500154> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?l }",
    "CONSTRUCT WHERE { <https://w3id.org/ecokg/id/division/500154> ?p ?o }",
]
SELECT_FORMATS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"]
GRAPH_FORMATS = ["text/turtle", "application/n-triples", "application/ld+json"]
PAGE_FORMATS = ["text/html", "text/html", "text/turtle", "application/ld+json"]


# ---------------------------------------------------------------- the server's processes


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    children[int(f.read().rsplit(")", 1)[1].split()[1])].append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [pid], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def rss(pid: int) -> dict[int, int]:
    """pid -> resident memory in KiB, for the process and its descendants."""
    out = {}
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out[p] = int(line.split()[1])
        except OSError:
            continue
    return out


def start_server(extra: list[str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "ecokg", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ecokg serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("ecokg serve did not start")


# ---------------------------------------------------------------- the requests


@dataclass(frozen=True)
class Req:
    kind: str  # sparql, page, download
    method: str
    path: str
    headers: dict = field(default_factory=dict, hash=False)
    body: bytes | None = None


def fetch(base: str, req: Req, timeout: float = 60) -> tuple[int, bytes]:
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(req.method, req.path, body=req.body, headers=req.headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def sparql_get(query: str, accept: str) -> Req:
    return Req("sparql", "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), {"Accept": accept})


def sparql_post(query: str, accept: str) -> Req:
    return Req("sparql", "POST", "/sparql", {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
               urllib.parse.urlencode({"query": query}).encode())


def discover(base: str) -> dict[str, list[Req]]:
    """The request mix: example queries, entity pages and downloads that this server has."""
    from ecokg.dataset.examples import load_examples
    from ecokg.sparql.policy import classify

    mix: dict[str, list[Req]] = {"sparql": [], "page": [], "download": []}
    queries = [ex.query for ex in load_examples()] + SIMPLE_QUERIES
    for q in queries:
        form = classify(q).form
        for accept in (GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else SELECT_FORMATS):
            mix["sparql"].append(sparql_get(q, accept))
            mix["sparql"].append(sparql_post(q, accept))
    status, body = fetch(base, sparql_get(
        'SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/ecokg/id/")) }',
        "application/sparql-results+json"))
    if status != 200:
        raise SystemExit(f"could not list the entities ({status})")
    for b in json.loads(body)["results"]["bindings"]:
        path = "/" + b["s"]["value"][len(BASE):]  # the server answers for canonical IRIs at the same path
        for accept in PAGE_FORMATS:
            mix["page"].append(Req("page", "GET", path, {"Accept": accept}))
    for path in ("/", "/ontology", "/search?q=" + urllib.parse.quote("开州"), "/class/Designation"):
        mix["page"].append(Req("page", "GET", path, {"Accept": "text/html"}))
    status, body = fetch(base, Req("download", "GET", "/downloads", {"Accept": "text/html"}))
    if status != 200:
        raise SystemExit(f"the downloads page answered {status}")
    mix["download"].append(Req("download", "GET", "/downloads", {"Accept": "text/html"}))
    for href in sorted(set(re.findall(r'href="(/downloads/[^"#?]+)"', body.decode("utf-8")))):
        mix["download"].append(Req("download", "GET", href))
    return mix


# ---------------------------------------------------------------- the run


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * p // 100)) - 1] if p < 100 else ordered[-1]


def run(base: str, clients: int, duration: float, pid: int | None, seed: int = 1) -> dict:
    mix = discover(base)
    weights = {"sparql": 0.5, "page": 0.35, "download": 0.15 if len(mix["download"]) > 1 else 0.05}
    kinds = [k for k in weights if mix[k]]
    # warm-up: every kind once, so that start-up costs (label index, first fork) are not counted as growth
    for k in kinds:
        for req in mix[k][:3]:
            fetch(base, req)
    rss_start = rss(pid) if pid else {}
    results: list[tuple[str, int, float, int]] = []  # kind, status, seconds, bytes
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        local, local_errors = [], []
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
            req = rng.choice(mix[kind])
            t0 = time.monotonic()
            try:
                status, body = fetch(base, req)
            except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                local_errors.append(f"{req.method} {req.path[:120]}: {type(e).__name__}: {e}")
                continue
            took = time.monotonic() - t0
            local.append((kind, status, took, len(body)))
            if status != 200:
                local_errors.append(f"{req.method} {req.path[:120]}: HTTP {status}: {body[:200]!r}")
        with lock:
            results.extend(local)
            errors.extend(local_errors)

    series: list[tuple[float, int]] = []  # (seconds since start, total RSS in KiB), every few seconds
    done = threading.Event()

    def sampler() -> None:
        while pid and not done.wait(max(1.0, duration / 12)):
            series.append((round(time.monotonic() - started, 1), sum(rss(pid).values())))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.monotonic() - started
    done.set()
    rss_end = rss(pid) if pid else {}
    per_kind = {}
    for kind in kinds:
        lat = [r[2] for r in results if r[0] == kind]
        per_kind[kind] = {"requests": len(lat), "p50_ms": round(percentile(lat, 50) * 1000, 1),
                          "p99_ms": round(percentile(lat, 99) * 1000, 1),
                          "bytes": sum(r[3] for r in results if r[0] == kind)}
    lat = [r[2] for r in results]
    return {
        "clients": clients, "duration_s": round(elapsed, 1), "requests": len(results),
        "errors": len(errors), "error_samples": errors[:20],
        "throughput_rps": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 1), "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "max_ms": round(max(lat, default=float("nan")) * 1000, 1),
        "per_kind": per_kind,
        "rss_kib_start": sum(rss_start.values()), "rss_kib_end": sum(rss_end.values()),
        "processes_start": len(rss_start), "processes_end": len(rss_end),
        "rss_kib_series": series,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server on the loopback interface (default: start one)")
    ap.add_argument("--pid", type=int, help="the running server's master process, for its memory")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("serve_args", nargs="*", help="after --: extra `ecokg serve` arguments")
    args = ap.parse_args(argv)

    proc = None
    if args.url:
        host = urllib.parse.urlsplit(args.url).hostname
        if host not in LOOPBACK:
            ap.error(f"only servers on the loopback interface may be loaded, not {host}")
        base, pid = args.url.rstrip("/"), args.pid
    else:
        proc, base = start_server(args.serve_args)
        pid = proc.pid
    try:
        figures = run(base, args.clients, args.duration, pid, args.seed)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"{figures['clients']} clients for {figures['duration_s']} s: {figures['requests']} requests, "
          f"{figures['errors']} errors, {figures['throughput_rps']} requests/s, "
          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms")
    for kind, k in figures["per_kind"].items():
        print(f"  {kind:<9} {k['requests']:>7} requests  p50 {k['p50_ms']:>8} ms  p99 {k['p99_ms']:>8} ms  "
              f"{k['bytes'] / 1e6:.1f} MB")
    if pid:
        print(f"  server memory (RSS of {figures['processes_start']} -> {figures['processes_end']} processes): "
              f"{figures['rss_kib_start'] / 1024:.1f} MiB at start, {figures['rss_kib_end'] / 1024:.1f} MiB at end")
        if figures["rss_kib_series"]:
            print("  during the run (s: MiB): " + ", ".join(f"{t:g}: {kib / 1024:.1f}"
                                                          for t, kib in figures["rss_kib_series"]))
    for e in figures["error_samples"]:
        print("  error:", e)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2, ensure_ascii=False)
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
