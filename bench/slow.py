"""``python -m bench slow-clients``: slow and idle clients against a server, and a normal client meanwhile.

A helper process holds N connections open in one of three ways -- ``silent`` (connect, send nothing),
``half`` (half a request line, then nothing) or ``trickle`` (a request line and ``Host``, then one header
byte a second) -- for ``--hold`` seconds.  Meanwhile a normal client sends a one-row query (the same text,
then a new text each time, which no kept answer can serve) and asks for an entity page, each on a new
connection, and its latencies are measured (p50, p99).  The helper reports how
many of its connections the server closed, and when.  Traffic goes to 127.0.0.1 only; every loop is
bounded in count and time.

    python -m bench slow-clients                       # ecokg and Oxigraph server, 256 held, all three modes
    python -m bench slow-clients --peers ecokg --held 64 --modes half --hold 8 --header-timeout 2
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import peers  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
LOOKUP = ('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n'
          'SELECT ?label WHERE { <https://w3id.org/ecokg/id/division/500154> rdfs:label ?label '
          'FILTER(LANG(?label) = "en") }')
PAGE = "/id/division/500154"


# ---------------------------------------------------------------- the holder (its own process)

async def _hold_one(host, port, mode, seconds, t0, rec, i):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    except Exception as e:  # noqa: BLE001
        rec[i] = {"connected": False, "error": type(e).__name__}
        return
    rec[i] = {"connected": True, "closed_at": None, "answer": b""}
    if mode == "half":
        w.write(b"GET /heal")
    elif mode == "trickle":
        w.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    try:
        await w.drain()
    except Exception:  # noqa: BLE001
        pass

    async def read():
        try:
            while True:
                data = await r.read(4096)
                if not data:
                    break
                rec[i]["answer"] += data[:100]
        except Exception:  # noqa: BLE001
            pass
        rec[i]["closed_at"] = time.monotonic() - t0

    reader = asyncio.ensure_future(read())
    while time.monotonic() - t0 < seconds and not reader.done():
        await asyncio.sleep(1.0)
        if mode == "trickle" and not reader.done():
            try:
                w.write(b"a")
                await w.drain()
            except Exception:  # noqa: BLE001
                break
    if not reader.done():
        reader.cancel()
    w.close()


async def _hold(host, port, mode, n, seconds):
    t0 = time.monotonic()
    rec: dict = {}
    tasks = [asyncio.ensure_future(_hold_one(host, port, mode, seconds, t0, rec, i)) for i in range(n)]
    await asyncio.sleep(0.5)
    print("READY", flush=True)
    await asyncio.gather(*tasks)
    closed = sorted(v["closed_at"] for v in rec.values() if v.get("closed_at") is not None)
    answers: dict[str, int] = {}
    for v in rec.values():
        if v.get("answer"):
            line = v["answer"].split(b"\r\n", 1)[0].decode("latin-1")
            answers[line] = answers.get(line, 0) + 1
    print(json.dumps({"connected": sum(1 for v in rec.values() if v.get("connected")),
                      "closed_by_server": len(closed),
                      "closed_first_s": round(closed[0], 1) if closed else None,
                      "closed_last_s": round(closed[-1], 1) if closed else None,
                      "answers": answers}), flush=True)


# ---------------------------------------------------------------- the normal client

def _probe(host, port, path, accept, seconds: float, max_requests: int) -> dict:
    """``path``: a path, or a function of the request number giving one."""
    until = time.monotonic() + seconds
    lat, fails = [], 0
    while len(lat) + fails < max_requests and time.monotonic() < until:
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection(host, port, timeout=5)
            c.request("GET", path(len(lat) + fails) if callable(path) else path, headers={"Accept": accept})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status != 200:
                raise RuntimeError(r.status)
            lat.append((time.perf_counter() - t) * 1000)
        except Exception:  # noqa: BLE001 - counted
            fails += 1
            if fails >= 3 and not lat:
                break
    if not lat:
        return {"ok": 0, "failed": fails, "p50_ms": None, "p99_ms": None, "max_ms": None}
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
    return {"ok": len(lat), "failed": fails, "p50_ms": statistics.median(lat), "p99_ms": q[98], "max_ms": max(lat)}


def measure(url: str, mode: str, held: int, hold: float, requests: int, pages: bool) -> dict:
    u = urlsplit(url)
    holder = subprocess.Popen([sys.executable, "-m", "bench.slow", "hold", u.hostname, str(u.port), mode, str(held),
                               str(hold)], stdout=subprocess.PIPE, text=True, cwd=str(Path(__file__).parent.parent))
    try:
        assert holder.stdout.readline().strip() == "READY"
        time.sleep(0.5)
        each = max(1.0, (hold - 3.0) / 3)  # the normal client's kinds in turn, while every connection is held
        res = {"lookup": _probe(u.hostname, u.port, u.path + "?query=" + quote(LOOKUP, safe=""),
                                "application/sparql-results+json", each, requests)}
        res["lookup, new text"] = _probe(  # a text never sent before: no kept answer, the query really runs
            u.hostname, u.port, lambda n: u.path + "?query=" + quote(f"# {mode} {time.time()} {n}\n{LOOKUP}", safe=""),
            "application/sparql-results+json", each, requests)
        if pages:
            res["entity page"] = _probe(u.hostname, u.port, PAGE, "text/html", each, requests)
        out, _ = holder.communicate(timeout=hold + 30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    res["held"] = json.loads(out.strip().splitlines()[-1])
    return res


def bundled_nt(out: Path) -> Path:
    """The bundled graph as one N-Triples file (what ecokg serves without --data), for Oxigraph server."""
    import pyoxigraph as ox

    from ecokg.store.embedded import EmbeddedStore

    path = out / "bundled.nt"
    store = EmbeddedStore.bundled().ox
    path.write_bytes(ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES))
    return path


def main(argv=None) -> None:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "hold":
        host, port, mode, n, seconds = argv[1], int(argv[2]), argv[3], int(argv[4]), float(argv[5])
        asyncio.run(_hold(host, port, mode, n, seconds))
        return
    ap = argparse.ArgumentParser(prog="python -m bench slow-clients", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", default="ecokg,oxigraph")
    ap.add_argument("--modes", default="silent,half,trickle")
    ap.add_argument("--held", type=int, default=256, help="connections held open")
    ap.add_argument("--hold", type=float, default=15.0, help="seconds they are held (past the header timeout)")
    ap.add_argument("--requests", type=int, default=300, help="requests of the normal client, per kind")
    ap.add_argument("--header-timeout", type=float, default=10.0, help="ecokg serve --header-timeout")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"held": args.held, "hold_s": args.hold, "header_timeout_s": args.header_timeout,
                     "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "command": " ".join(["python -m bench slow-clients", *argv]), "peers": {}}
    for name in [p for p in args.peers.split(",") if p]:
        for mode in [m for m in args.modes.split(",") if m]:
            if name == "ecokg":
                server = peers.ecokg_server(None, out, workers=args.workers,
                                            extra=["--header-timeout", str(args.header_timeout)])
            elif name == "oxigraph":
                store = out / "store-bundled"
                if not store.exists():
                    peers.oxigraph_load(bundled_nt(out), store, out / "oxigraph-load-bundled.log")
                server = peers.oxigraph_server(store, out)
            else:
                raise SystemExit(f"unknown peer {name!r}: ecokg, oxigraph")
            with server:
                print(f"-- {name} {mode}: {args.held} connections held for {args.hold:g} s", file=sys.stderr, flush=True)
                res = measure(server.url, mode, args.held, args.hold, args.requests, pages=name == "ecokg")
            results["peers"].setdefault(name, {})[mode] = res
            print(json.dumps(res), file=sys.stderr, flush=True)
    path = out / "slow-clients.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(render(results))


def render(results: dict) -> str:
    fmt = lambda x: "–" if x is None else f"{x:.1f}"  # noqa: E731
    lines = [f"{results['held']} connections held for {results['hold_s']:g} s (ecokg --header-timeout "
             f"{results['header_timeout_s']:g}); a normal client meanwhile, a new connection per request: "
             "p50 / p99 / max ms (answered, failed); held connections closed by the server (first–last s).", "",
             "| server | held as | one-row query | the same, a new text each time | entity page "
             "| held closed by the server |", "|---|---|---|---|---|---|"]
    for name, modes in results["peers"].items():
        for mode, r in modes.items():
            cells = []
            for kind in ("lookup", "lookup, new text", "entity page"):
                d = r.get(kind)
                cells.append("–" if d is None else
                             f"{fmt(d['p50_ms'])} / {fmt(d['p99_ms'])} / {fmt(d['max_ms'])} ({d['ok']}, {d['failed']})")
            h = r["held"]
            when = f" ({h['closed_first_s']}–{h['closed_last_s']} s)" if h["closed_by_server"] else ""
            lines.append(f"| {name} | {mode} | {' | '.join(cells)} | {h['closed_by_server']}/{h['connected']}{when} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
