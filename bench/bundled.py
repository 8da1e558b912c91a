"""The bundled data's own figures (issue #13): `ecokg validate`, `ecokg build`, `ecokg serve` ready, and warm
page latencies (the home page, the map, division pages, search), the reconciliation batch of 100 names, beside
a peer measured in the same run: Oxigraph (its `load` and `serve-read-only` start-up on the built N-Triples,
and a one-row lookup over HTTP against the same lookup on ecokg).

    python -m bench bundled [--rounds 20] [--out bench/out] [--data FILE ...]

Prints a markdown table (figures, target, ratio to the peer where there is one) and writes bundled.json.
``--data`` measures the same with other files (given to `ecokg validate`, `build` and `serve`, the ontology's
among them for `serve`) instead of the bundled data: the tests' smoke run uses the core of the data.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import peers, reconcile

REPO = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
PAGES = ["/", "/map", "/id/division/500154", "/id/division/500000", "/id/division/610000",
         "/search.json?q=%E5%BC%80%E5%8E%BF"]  # 开县
LOOKUP = ('SELECT ?l WHERE { <https://w3id.org/ecokg/id/division/500154> '
          '<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "en") }')


def timed_get(url: str, data: bytes | None = None, headers: dict | None = None) -> float:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
        if r.status != 200:
            raise RuntimeError(f"{url}: {r.status}")
    return (time.perf_counter() - t0) * 1000


def warm(url: str, rounds: int, **kw) -> dict:
    first = timed_get(url, **kw)
    times = sorted(timed_get(url, **kw) for _ in range(rounds))
    return {"first_ms": round(first, 1), "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[math.ceil(len(times) * 0.95) - 1], 2)}  # nearest rank


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench bundled", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--data", nargs="+", metavar="FILE", help="other data files instead of the bundled data")
    args = ap.parse_args(argv)
    data = [Path(p).resolve() for p in args.data or []]
    as_data = [a for p in data for a in ("--data", str(p))]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-bundled-"))
    env = {"ECOKG_CACHE_DIR": str(work / "cache")}  # a fresh cache: the first run is cold
    eco = [sys.executable, "-m", "ecokg"]
    r: dict = {"command": "python -m bench bundled " + " ".join(argv or sys.argv[2:])}

    # the very first start: an empty cache, nothing validated (the check runs, aside, while the store opens)
    os.environ["ECOKG_CACHE_DIR"] = str(work / "first-start-cache")
    with peers.ecokg_server(data, out) as first:
        r["serve ready, first start, empty cache"] = {"s": round(first.startup_s, 2)}

    for label in ("validate, cold cache", "validate, warm cache"):
        secs, rss, rc = peers.run_measured([*eco, "validate", *map(str, data)], out / "bundled-validate.log", 600,
                                           env)
        r[label] = {"s": round(secs, 2), "peak_mb": round(rss), "exit": rc}
    dist = work / "dist"
    secs, rss, rc = peers.run_measured([*eco, "build", "--out", str(dist), *as_data], out / "bundled-build.log", 900,
                                       env)
    r["build"] = {"s": round(secs, 2), "peak_mb": round(rss), "exit": rc}

    os.environ["ECOKG_CACHE_DIR"] = env["ECOKG_CACHE_DIR"]
    with peers.ecokg_server(data, out, extra=["--dist", str(dist)]) as first:  # finds the record validate left
        r["serve ready, after validate"] = {"s": round(first.startup_s, 2)}
    srv = peers.ecokg_server(data, out, extra=["--dist", str(dist)])
    with srv:
        r["serve ready"] = {"s": round(srv.startup_s, 2)}
        base = srv.url.rsplit("/", 1)[0]
        for path in PAGES:
            r[f"page {urllib.parse.unquote(path)}"] = warm(base + path, args.rounds, headers={"Accept": "text/html"})
        body = reconcile.form(100)
        r["reconcile, 100 queries"] = warm(base + "/reconcile", args.rounds, data=body,
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        q = urllib.parse.urlencode({"query": LOOKUP})
        r["lookup, ecokg"] = warm(f"{srv.url}?{q}", args.rounds * 5)
    nt = dist / "ecokg.nt"
    secs, _ = peers.oxigraph_load(nt, work / "oxigraph", out / "bundled-oxigraph-load.log")
    ox = peers.oxigraph_server(work / "oxigraph", out)
    with ox:
        r["oxigraph load + ready"] = {"s": round(secs + ox.startup_s, 2)}
        r["lookup, oxigraph"] = warm(f"{ox.url}?{urllib.parse.urlencode({'query': LOOKUP})}", args.rounds * 5)
    (out / "bundled.json").write_text(json.dumps(r, indent=1) + "\n")
    print(render(r))
    return r


TARGETS = {"validate, warm cache": ("s", 10), "validate, cold cache": ("s", 10), "build": ("s", 30),
           "serve ready": ("s", 3), "serve ready, first start, empty cache": ("s", 3),
           "serve ready, after validate": ("s", 3), "page /": ("median_ms", 300), "page /map": ("median_ms", 300),
           "reconcile, 100 queries": ("median_ms", 1000)}


def render(r: dict) -> str:
    lines = ["| what | figure | target | peer |", "|---|---|---|---|"]
    for key, v in r.items():
        if key == "command":
            continue
        if "s" in v:
            fig = f"{v['s']} s"
        else:
            fig = f"first {v['first_ms']} ms, then median {v['median_ms']} / p95 {v['p95_ms']} ms"
        unit, limit = TARGETS.get(key, (None, None))
        target = "" if unit is None else (f"< {limit} s" if unit == "s" else f"< {limit} ms")
        peer = ""
        if key == "serve ready":
            peer = f"Oxigraph load + ready {r['oxigraph load + ready']['s']} s"
        if key == "lookup, ecokg":
            peer = f"ecokg / Oxigraph median: {v['median_ms'] / r['lookup, oxigraph']['median_ms']:.2f}"
        lines.append(f"| {key} | {fig} | {target} | {peer} |")
    return "\n".join(lines)
