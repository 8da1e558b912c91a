"""Time reconciliation batches over HTTP against a running ``ecokg serve`` (issue #15: a batch of 100 queries
in under a second).

    python -m bench.reconcile http://127.0.0.1:8080 [--size 100] [--rounds 20]

The queries are the names of ``tests/data/reconcile_names.csv`` (every form: exact, prefixed, without level
word, traditional, pinyin, English, codes, former names, namesakes), repeated to ``--size``, sent as OpenRefine
sends them (version 0.2: a ``queries`` form field, POST).  The first request of a fresh server also builds the
index (printed apart); then ``--rounds`` batches one after another: median, fastest, slowest wall time.
``query_of`` (one row as a query) is also what the tests send (tests/test_reconcile.py), ``form`` the body
``python -m bench bundled`` times.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

NAMES = Path(__file__).resolve().parent.parent / "tests" / "data" / "reconcile_names.csv"


def query_of(row: dict) -> dict:
    """One row of the name table as a reconciliation query (0.2): the text, its type and properties if any."""
    q: dict = {"query": row["name"]}
    if row["type"]:
        q["type"] = row["type"]
    props = [{"pid": pid, "v": row[pid]} for pid in ("province", "year") if row[pid]]
    if props:
        q["properties"] = props
    return q


def batch(size: int) -> dict:
    rows = list(csv.DictReader(NAMES.open(encoding="utf-8")))
    return {f"q{i}": query_of(rows[i % len(rows)]) for i in range(size)}


def form(size: int) -> bytes:
    """A POST body of ``size`` queries, as OpenRefine sends it."""
    return urllib.parse.urlencode({"queries": json.dumps(batch(size), ensure_ascii=False)}).encode()


def post(url: str, body: bytes) -> tuple[float, dict]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        answer = json.loads(resp.read())
    return time.perf_counter() - t0, answer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server", help="the server's URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--size", type=int, default=100, help="queries per batch (default 100)")
    ap.add_argument("--rounds", type=int, default=20, help="batches timed (default 20)")
    args = ap.parse_args()
    url = args.server.rstrip("/") + "/reconcile"
    body = form(args.size)
    first, answer = post(url, body)
    matched = sum(any(c["match"] for c in r["result"]) for r in answer.values())
    print(f"first batch of {args.size} (builds the index if the server has not yet): {first * 1000:.0f} ms; "
          f"{matched} matched")
    times = [post(url, body)[0] for _ in range(args.rounds)]
    print(f"{args.rounds} batches of {args.size} queries: median {statistics.median(times) * 1000:.0f} ms, "
          f"fastest {min(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
