"""``python -m bench``: generate data, run the query mix against ecokg and its peers, print and save results.

    python -m bench generate --scale 100k
    python -m bench run --scale 100k                      # all peers, 1/4/16 clients
    python -m bench run --scale 10k --peers ecokg,raw --clients 1 --seconds 0.5
    python -m bench report bench/out/results-*.json       # the markdown tables of bench/README.md
    python -m bench slow-clients                          # slow and idle clients (bench/slow.py)
    python -m bench bundled                               # the bundled data: validate, build, serve, pages
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, peers  # noqa: E402
from bench.generate import SCALES, Manifest, generate  # noqa: E402
from bench.queries import BenchQuery, query_mix  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
ALL_PEERS = ("ecokg", "raw", "oxigraph", "rdflib-endpoint", "virtuoso")
# also known, run when named: ecokg without its answer cache (what the cache contributes)
EXTRA_PEERS = ("ecokg-nocache",)
SMALL = ("lookup", "entity", "describe")  # the small queries: their throughput at the highest concurrency, also
# with a new query text on every request
# rdflib-endpoint holds the graph in Python objects and evaluates in Python: at 1M triples loading alone takes
# minutes and the label filter tens of seconds per request, so by default it runs at the small scales only.
RDFLIB_SCALES = ("10k", "100k")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def data_for(scale: str, out: Path) -> tuple[Path, Manifest]:
    """Always generated afresh (seconds even at 1M): a file left by an older generator must not be measured."""
    return generate(scale, out)


def versions() -> dict[str, str]:
    import importlib.metadata as md

    v = {"python": platform.python_version()}
    for pkg in ("ecokg", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "granian", "pyshacl"):
        try:
            v[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            v[pkg] = "-"
    try:
        out = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=10)
        line = next((ln for ln in (out.stdout + out.stderr).splitlines() if "Version" in ln), "")
        v["virtuoso"] = line.strip()
    except (OSError, subprocess.TimeoutExpired):
        v["virtuoso"] = "-"
    return v


def machine() -> dict[str, str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")),
               "0")
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory_gib": f"{int(mem) / 1024 / 1024:.0f}",
            "os": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def measure_endpoint(name: str, endpoint, queries: list[BenchQuery], clients: list[int], seconds: float,
                     max_requests: int, cpu_seconds=None) -> dict:
    """Per query and concurrency: median, p95, throughput; then the whole mix in rotation at each concurrency.
    ``cpu_seconds()``: the CPU time the server's processes have used so far (user + system), if known: the
    small queries at the highest concurrency also report it per request, the benchmark's client apart."""
    res: dict = {"rows": load.check(endpoint, queries), "queries": {}, "mix": {}}
    cmax = max(clients)

    def measured(qs, c, budget_requests, budget_seconds, fresh=False) -> dict:
        before = cpu_seconds() if cpu_seconds else None
        client_before = time.process_time()
        st = load.run(endpoint, qs, c, budget_requests, budget_seconds, fresh=fresh)
        out = st.as_dict()
        if before is not None and st.n:
            out["server_cpu_us"] = (cpu_seconds() - before) / st.n * 1e6
            out["client_cpu_us"] = (time.process_time() - client_before) / st.n * 1e6
        return out

    for c in clients:
        for q in queries:
            if isinstance(res["rows"].get(q.name), str):
                continue  # the query failed in the check: reported there
            if c == cmax and q.name in SMALL:
                res["queries"].setdefault(q.name, {})[str(c)] = measured([q], c, max_requests, seconds)
                continue
            st = load.run(endpoint, [q], c, max_requests, seconds)
            res["queries"].setdefault(q.name, {})[str(c)] = st.as_dict()
        st = load.run(endpoint, queries, c, max_requests * len(queries), seconds * 2)
        res["mix"][str(c)] = st.as_dict()
        log(f"  {name:16} c={c:<2} mix {st.throughput:8.1f} req/s  (n={st.n}, errors={st.errors})")
    res["fresh"] = {}  # one client, a query text never seen before on every request
    for q in queries:
        if not isinstance(res["rows"].get(q.name), str):
            res["fresh"][q.name] = load.run(endpoint, [q], 1, max_requests, seconds, fresh=True).as_dict()
    res["fresh_many"] = {}  # the small queries at the highest concurrency, a new text on every request
    for q in queries:
        if q.name in SMALL and not isinstance(res["rows"].get(q.name), str):
            res["fresh_many"][q.name] = measured([q], cmax, max_requests, seconds, fresh=True)
    return res


def page_paths(man) -> list[str]:
    """The generator's entity pages (a county, an indicator with an observation per county and year, a national
    scheme), the indicator's second page of observations, the home page and a one-letter search."""
    paths = list(man.page_paths)
    if len(paths) > 1:
        paths.append(paths[1] + "?page=2")
    return [*paths, "/", "/search.json?q=a"]


def page_latency(url: str, paths: list[str], seconds: float, max_requests: int, warmup: int = 3) -> dict:
    """Entity pages asked for as HTML by one client: the first ``warmup`` requests (each server worker's first
    page builds its label index) are reported apart as ``cold_ms``; median/p95 are of the requests after them."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)

    def get(path: str) -> tuple[float, int, bytes]:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Accept": "text/html"})
        r = conn.getresponse()
        body = r.read()
        dt = time.perf_counter() - t0
        conn.close()
        return dt, r.status, body

    out = {}
    for path in paths:
        cold, lat, status = [], [], None
        for _ in range(warmup):
            dt, status, body = get(path)
            cold.append(dt * 1000)
            if status != 200:
                break
        t_end = time.perf_counter() + seconds
        while status == 200 and len(lat) < max_requests and (not lat or time.perf_counter() < t_end):
            dt, status, body = get(path)
            lat.append(dt)
        st = load.Stats(latencies=lat, elapsed=sum(lat))
        out[path] = {"status": status, "cold_ms": cold, **st.as_dict()}
    return out


def run_scale(args, scale: str) -> dict:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data, man = data_for(scale, out)
    queries = query_mix(man)
    wanted = [p for p in args.peers.split(",") if p]
    clients = [int(c) for c in args.clients.split(",")]
    results: dict = {"scale": scale, "triples": man.triples, "machine": machine(), "versions": versions(),
                     "command": " ".join(["python -m bench", *sys.argv[1:]]), "clients": clients,
                     "seconds": args.seconds, "max_requests": args.max_requests,
                     "queries": {q.name: q.what for q in queries}, "peers": {}, "size": {}}
    size = results["size"]
    log(f"== {scale}: {data} ({man.triples} triples)")

    # the on-disk store for `ecokg serve --store-path` and for Oxigraph server (same engine version)
    store_dir = out / f"store-{scale}"
    secs, rss = peers.oxigraph_load(data, store_dir, out / f"oxigraph-load-{scale}.log")
    size["oxigraph_load_s"], size["oxigraph_load_peak_mb"] = secs, rss

    for name in wanted:
        if name == "rdflib-endpoint" and scale not in RDFLIB_SCALES and not args.force_rdflib:
            results["peers"][name] = {"skipped": f"not run at {scale}: too slow to load and query (see README)"}
            continue
        log(f"-- {name}")
        peer_clients = clients
        if name == "rdflib-endpoint" and scale not in RDFLIB_SCALES:
            peer_clients = [1]  # forced at a large scale: one client, or 16 concurrent scans would take hours
        try:
            results["peers"][name] = run_peer(name, data, store_dir, out, queries, peer_clients, args, man)
        except Exception as e:  # noqa: BLE001 - one broken peer must not lose the others' figures
            log(f"   {name} failed: {e}")
            results["peers"][name] = {"error": f"{type(e).__name__}: {str(e)[:500]}"}
    if args.extras:  # after the peers: validation and build are long and must not overlap a measurement
        size.update(measure_sizes(data, store_dir, out, scale, args))
    return results


def run_peer(name: str, data: Path, store_dir: Path, out: Path, queries, clients, args, man: Manifest) -> dict:
    if name == "raw":
        import pyoxigraph as ox

        t0 = time.perf_counter()
        store = ox.Store()
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        loaded = time.perf_counter() - t0
        res = measure_endpoint(name, load.InProcessEngine(store), queries, clients, args.seconds, args.max_requests)
        res["load_s"] = loaded
        del store
        return res
    if name == "ecokg":
        server = peers.ecokg_server([data], out, workers=args.workers)
    elif name == "ecokg-nocache":
        server = peers.ecokg_server([data], out, workers=args.workers, extra=["--cache-size", "0"])
        server.name = name
    elif name == "oxigraph":
        server = peers.oxigraph_server(store_dir, out)
    elif name == "rdflib-endpoint":
        server = peers.rdflib_endpoint_server(data, out)
    elif name == "virtuoso":
        server = peers.Virtuoso(data, out)
    else:
        raise ValueError(f"unknown peer {name!r}; known: {', '.join(ALL_PEERS + EXTRA_PEERS)}")
    with server:
        res = measure_endpoint(name, load.HttpEndpoint(server.url), queries, clients, args.seconds,
                               args.max_requests, cpu_seconds=lambda: peers.cpu_seconds(server.proc.pid))
        if name == "ecokg":
            res["pages"] = page_latency(server.url, page_paths(man), args.seconds, args.max_requests)
    res["startup_s"] = server.startup_s
    if isinstance(server, peers.Virtuoso):
        res["load_s"] = server.load_s
    res["peak_rss_mb"] = {"largest_process": server.peak_rss_mb[0], "sum_of_processes": server.peak_rss_mb[1]}
    return res


def ecokg_has(command: str) -> bool:
    r = subprocess.run([sys.executable, "-m", "ecokg", command, "--help"], capture_output=True, timeout=60)
    return r.returncode == 0


def measure_sizes(data: Path, store_dir: Path, out: Path, scale: str, args) -> dict:
    """Start-up (bundled, in-memory, on-disk), `ecokg validate` and `ecokg build` time and peak memory."""
    size: dict = {}
    # (the in-memory start-up with --data is the ecokg peer's own start-up, measured in its run)
    for label, kwargs in (("startup_bundled", {"data": None}),
                          ("startup_on_disk", {"data": None, "store_path": store_dir})):
        if label == "startup_bundled" and scale != args.scales[0]:
            continue
        try:
            with peers.ecokg_server(out=out, workers=args.workers, **kwargs) as srv:
                pass
            size[label + "_s"] = srv.startup_s
            size[label + "_peak_mb"] = srv.peak_rss_mb[0]
        except Exception as e:  # noqa: BLE001
            size[label + "_s"] = f"error: {str(e)[:300]}"
        log(f"  {label}: {size[label + '_s']}")
    if args.validate_timeout > 0 and ecokg_has("validate"):
        size.update(measure_validators(data, out, scale, args))
    else:
        size["validate_s"] = "not measured"
    if importlib.util.find_spec("ecokg.dataset.build") and args.build_timeout > 0:
        size.update(measure_build(data, out, scale, args))
    else:
        size["build_s"] = "not measured"
    return size


VALIDATORS = [  # (key prefix, name, command after the interpreter, module it needs)
    ("validate", "ecokg validate", ["-m", "ecokg", "validate"], "ecokg"),
    ("validate_pyshacl", "pyshacl (ecokg validate --shacl-engine pyshacl)",
     ["-m", "ecokg", "validate", "--shacl-engine", "pyshacl"], "pyshacl"),
    ("validate_pyshacl_turbo", "pyshacl-turbo", ["-m", "bench.validators", "pyshacl-turbo"], "pyshacl_turbo"),
]


def measure_validators(data: Path, out: Path, scale: str, args) -> dict:
    """`ecokg validate FILE` (its native SHACL engine) and its peers on the same file and shapes: time, peak
    memory, exit status (0 valid, 1 invalid: every engine must say 0 on the generated data)."""
    size: dict = {}
    for key, name, cmd, module in VALIDATORS:
        if importlib.util.find_spec(module) is None:
            size[key + "_s"] = f"not installed ({module})"
            continue
        log_path = out / f"{key.replace('_', '-')}-{scale}.log"
        secs, rss, rc = peers.run_measured([sys.executable, *cmd, str(data)], log_path,
                                           timeout=args.validate_timeout)
        size[key + "_s"] = secs if rc in (0, 1) else f"did not finish in {args.validate_timeout:.0f} s" \
            if rc == -9 else f"exit {rc}"
        size[key + "_peak_mb"] = rss
        size[key + "_exit"] = rc
        size[key + "_log"] = str(log_path)  # what it printed
        log(f"  {name}: {size[key + '_s']} (exit {rc}, {rss:.0f} MiB)")
    return size


def measure_build(data: Path, out: Path, scale: str, args) -> dict:
    """`ecokg build` of the generated data: the CLI builds the bundled data only, so the same function is called
    with the generated file (``ecokg.dataset.build.build(out, paths=[...])``) in a child process; its time and peak
    memory (validation included, as in `ecokg build`)."""
    dist = out / f"dist-{scale}"
    code = ("import sys; from ecokg.dataset.build import build; "
            "r = build(sys.argv[1], paths=[sys.argv[2]], progress=True); print(r.summary())")
    secs, rss, rc = peers.run_measured([sys.executable, "-c", code, str(dist), str(data)],
                                       out / f"build-{scale}.log", timeout=args.build_timeout)
    log(f"  build: {secs:.1f} s (exit {rc}, {rss:.0f} MiB)")
    shutil.rmtree(dist, ignore_errors=True)
    if rc == -9:
        return {"build_s": f"did not finish in {args.build_timeout:.0f} s", "build_peak_mb": rss}
    return {"build_s": secs if rc == 0 else f"exit {rc} after {secs:.0f} s", "build_peak_mb": rss}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bundled":  # bench/bundled.py: the bundled data's validate, build, serve, pages
        from bench.bundled import main as bundled

        bundled(argv[1:])
        return None
    if argv and argv[0] == "slow-clients":  # bench/slow.py: slow and idle clients (its own options)
        from bench.slow import main as slow_clients

        return slow_clients(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write synthetic data (N-Triples) and its manifest")
    g.add_argument("--scale", action="append", choices=list(SCALES), help="repeatable; default: all")
    g.add_argument("--seed", type=int, default=20261128)
    g.add_argument("--out", default=str(OUT))
    r = sub.add_parser("run", help="run the query mix against ecokg and its peers")
    r.add_argument("--scale", dest="scales", action="append", choices=list(SCALES), help="repeatable")
    r.add_argument("--peers", default=",".join(ALL_PEERS))
    r.add_argument("--clients", default="1,4,16")
    r.add_argument("--seconds", type=float, default=1.5, help="time budget of one query at one concurrency")
    r.add_argument("--max-requests", type=int, default=300, help="request budget of one query at one concurrency")
    r.add_argument("--workers", type=int, default=2, help="ecokg serve --workers")
    r.add_argument("--extras", action=argparse.BooleanOptionalAction, default=True,
                   help="also start-up, validate and build against size")
    r.add_argument("--validate-timeout", type=float, default=600)
    r.add_argument("--build-timeout", type=float, default=900)
    r.add_argument("--force-rdflib", action="store_true",
                   help="run rdflib-endpoint at every scale (one client only above 100k)")
    r.add_argument("--merge", action="store_true",
                   help="add the figures to bench/out/results-SCALE.json instead of replacing it")
    r.add_argument("--out", default=str(OUT))
    p = sub.add_parser("report", help="print markdown tables from results files")
    p.add_argument("files", nargs="+")
    p.add_argument("--readme", help="write the tables between the <!-- results --> and <!-- targets --> markers "
                                    "of this file (bench/README.md) instead of printing them")
    args = ap.parse_args(argv)

    if args.cmd == "generate":
        for scale in args.scale or list(SCALES):
            path, man = generate(scale, Path(args.out), seed=args.seed)
            print(f"{path}: {man.triples} triples")
    elif args.cmd == "run":
        from bench.report import render

        args.scales = args.scales or ["10k"]
        for scale in args.scales:
            results = run_scale(args, scale)
            path = Path(args.out) / f"results-{scale}.json"
            if args.merge and path.exists():  # add these figures to an earlier run's (e.g. the long extras)
                earlier = json.loads(path.read_text())
                earlier["peers"].update(results["peers"])
                earlier["size"].update({k: v for k, v in results["size"].items() if v != "not measured"})
                earlier["command"] += " ; " + results["command"]
                results = earlier
            path.write_text(json.dumps(results, indent=1, default=str) + "\n")
            print(render([results]))
            log(f"saved {path}")
    elif args.cmd == "report":
        from bench.report import render

        from bench.report import render_targets

        results = [json.loads(Path(f).read_text()) for f in args.files]
        if args.readme:  # rewrite the marked part of bench/README.md
            readme = Path(args.readme)
            text = readme.read_text(encoding="utf-8")
            for marker, body in (("results", render(results)), ("targets", render_targets(results))):
                head, rest = text.split(f"<!-- {marker} -->", 1)
                _, tail = rest.split(f"<!-- /{marker} -->", 1)
                text = f"{head}<!-- {marker} -->\n{body}\n<!-- /{marker} -->{tail}"
            readme.write_text(text, encoding="utf-8")
        else:
            print(render(results))
            print(render_targets(results))


if __name__ == "__main__":
    main()
