"""Markdown tables and the ratios the targets are stated in, from the results of ``python -m bench run``."""

from __future__ import annotations

import math

PEER_ORDER = ("ecokg", "ecokg-nocache", "raw", "oxigraph", "virtuoso", "rdflib-endpoint")
SMALL = ("lookup", "entity", "describe")


def _num(x, fmt: str = "{:.2f}") -> str:
    if isinstance(x, (int, float)) and not (isinstance(x, float) and math.isnan(x)):
        return fmt.format(x)
    return "–" if x is None else str(x)


def _q(peer: dict, query: str, c: int, key: str):
    return peer.get("queries", {}).get(query, {}).get(str(c), {}).get(key)


def sum_medians(peer: dict, queries, c: int = 1):
    vals = [_q(peer, q, c, "median_ms") for q in queries]
    return sum(vals) if vals and all(isinstance(v, (int, float)) for v in vals) else None


def fresh_sum(peer: dict, queries):
    vals = [peer.get("fresh", {}).get(q, {}).get("median_ms") for q in queries]
    return sum(vals) if vals and all(isinstance(v, (int, float)) for v in vals) else None


def mix_tp(peer: dict, c: int):
    return peer.get("mix", {}).get(str(c), {}).get("throughput")


def small_tp(peer: dict, c: int, fresh: bool):
    """Summed throughput of the small queries at ``c`` clients (each measured alone), repeated or new texts."""
    if fresh:
        vals = [peer.get("fresh_many", {}).get(q, {}).get("throughput") for q in SMALL]
    else:
        vals = [_q(peer, q, c, "throughput") for q in SMALL]
    return sum(vals) / len(vals) if vals and all(isinstance(v, (int, float)) for v in vals) else None


def div(a, b):
    """a / b where both are numbers and b is not zero, else None."""
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def ratios(r: dict) -> list[tuple[str, str, str]]:
    """(what, value, target) rows."""
    p = r["peers"]
    qs = list(r["queries"])
    cmax, cmin = max(r["clients"]), min(r["clients"])
    eco, raw, oxi, virt, rdfl = (p.get(k, {}) for k in ("ecokg", "raw", "oxigraph", "virtuoso", "rdflib-endpoint"))

    rows = [
        ("ecokg / raw engine, sum of per-query medians (1 client)", _num(div(sum_medians(eco, qs), sum_medians(raw, qs))),
         "≤ 1.3 at 1M"),
        ("HTTP overhead on the one-row lookup, ms (ecokg − raw medians)",
         _num(None if _q(eco, "lookup", 1, "median_ms") is None or _q(raw, "lookup", 1, "median_ms") is None
              else _q(eco, "lookup", 1, "median_ms") - _q(raw, "lookup", 1, "median_ms")), "< 2"),
        ("ecokg / raw engine, sum of medians, a new query text per request",
         _num(div(fresh_sum(eco, qs), fresh_sum(raw, qs))), ""),
        ("HTTP overhead on the one-row lookup, a new query text per request, ms",
         _num(None if not eco.get("fresh") or not raw.get("fresh") else
              eco["fresh"]["lookup"]["median_ms"] - raw["fresh"]["lookup"]["median_ms"]), ""),
        (f"ecokg throughput, {cmax} clients / {cmin} client (mix)", _num(div(mix_tp(eco, cmax), mix_tp(eco, cmin))),
         "≥ 1.6"),
        ("ecokg / Oxigraph server, sum of medians (1 client; < 1 is faster)",
         _num(div(sum_medians(eco, qs), sum_medians(oxi, qs))), "< 1 at 100k, 1M"),
        (f"ecokg / Oxigraph server, throughput ({cmax} clients, mix)", _num(div(mix_tp(eco, cmax), mix_tp(oxi, cmax))),
         "> 1 at 100k, 1M"),
        (f"ecokg / Oxigraph server, throughput of the small queries (lookup, entity, describe; mean), {cmax} clients, "
         "the same text repeated", _num(div(small_tp(eco, cmax, False), small_tp(oxi, cmax, False))), "≥ 1 at 100k, 1M"),
        (f"the same, a new query text on every request", _num(div(small_tp(eco, cmax, True), small_tp(oxi, cmax, True))),
         "≥ 1 at 100k, 1M"),
        (f"ecokg / Virtuoso, throughput ({cmax} clients, mix)", _num(div(mix_tp(eco, cmax), mix_tp(virt, cmax))),
         "≥ 0.5"),
        ("ecokg / Virtuoso, sum of medians (1 client)", _num(div(sum_medians(eco, qs), sum_medians(virt, qs))), ""),
        ("rdflib-endpoint / ecokg, sum of medians (1 client)", _num(div(sum_medians(rdfl, qs), sum_medians(eco, qs)),
                                                                    "{:.0f}"), "≥ 50 at 1M"),
        ("rdflib-endpoint / raw engine in-process, sum of medians: the most any server on this engine could reach",
         _num(div(sum_medians(rdfl, qs), sum_medians(raw, qs)), "{:.0f}"), ""),
    ]
    size = r.get("size", {})
    for key, name in (("validate_pyshacl_s", "pyshacl"), ("validate_pyshacl_turbo_s", "pyshacl-turbo")):
        mine, theirs = size.get("validate_s"), size.get(key)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
            rows.append((f"{name} / ecokg validate, time (same file, same shapes)", _num(theirs / mine, "{:.1f}"), ""))
    return rows


def render_one(r: dict) -> str:
    peers = [k for k in PEER_ORDER if k in r["peers"]]
    qs = list(r["queries"])
    lines = [f"### {r['scale']} ({r['triples']:,} triples)", "",
             f"Run {r['machine']['date']}: `{r['command']}`", ""]
    skipped = [f"{k}: {v.get('skipped') or v.get('error')}" for k, v in r["peers"].items()
               if "skipped" in v or "error" in v]
    live = [k for k in peers if "queries" in r["peers"][k]]
    for c in r["clients"]:
        lines += [f"Median / p95 latency in ms and throughput in requests/s, {c} client{'s' if c > 1 else ''}:", "",
                  "| query | " + " | ".join(live) + " |", "|---|" + "---|" * len(live)]
        for q in qs:
            cells = []
            for k in live:
                d = r["peers"][k]["queries"].get(q, {}).get(str(c))
                rows = r["peers"][k]["rows"].get(q)
                if d is None:
                    cells.append(str(rows) if isinstance(rows, str) else "–")
                else:
                    cells.append(f"{_num(d['median_ms'])} / {_num(d['p95_ms'])} · {_num(d['throughput'], '{:.0f}')}")
            lines.append(f"| {q} | " + " | ".join(cells) + " |")
        lines.append("| **sum of medians** | " + " | ".join(_num(sum_medians(r["peers"][k], qs, c)) for k in live)
                     + " |")
        lines.append("| **mix throughput** | " + " | ".join(_num(mix_tp(r["peers"][k], c), "{:.0f}") for k in live)
                     + " |")
        lines.append("")
    fresh = [k for k in live if r["peers"][k].get("fresh")]
    if fresh:
        lines += ["Median / p95 latency in ms, 1 client, **a new query text on every request** (no cache of parsed "
                  "queries can help):", "", "| query | " + " | ".join(fresh) + " |", "|---|" + "---|" * len(fresh)]
        for q in qs:
            cells = []
            for k in fresh:
                d = r["peers"][k]["fresh"].get(q)
                cells.append(f"{_num(d['median_ms'])} / {_num(d['p95_ms'])}" if d else "–")
            lines.append(f"| {q} | " + " | ".join(cells) + " |")
        lines.append("| **sum of medians** | " + " | ".join(_num(fresh_sum(r["peers"][k], qs)) for k in fresh) + " |")
        lines.append("")
    many = [k for k in live if r["peers"][k].get("fresh_many")]
    if many:
        cmax = max(r["clients"])
        lines += [f"Small queries at {cmax} clients, throughput in requests/s: the same text on every request / "
                  "**a new text on every request**:", "", "| query | " + " | ".join(many) + " |",
                  "|---|" + "---|" * len(many)]
        for q in SMALL:
            cells = []
            for k in many:
                rep = r["peers"][k]["queries"].get(q, {}).get(str(cmax), {}).get("throughput")
                new = r["peers"][k]["fresh_many"].get(q, {}).get("throughput")
                cells.append(f"{_num(rep, '{:.0f}')} / {_num(new, '{:.0f}')}")
            lines.append(f"| {q} | " + " | ".join(cells) + " |")
        lines.append("")
        cpu = [k for k in many if r["peers"][k]["fresh_many"].get("lookup", {}).get("server_cpu_us") is not None]
        if cpu:
            lines += [f"CPU time per request of the lookup at {cmax} clients, µs, the server's processes (all of "
                      "them) / the benchmark's client: the same text / a new text on every request:", "",
                      "| | " + " | ".join(cpu) + " |", "|---|" + "---|" * len(cpu)]
            for label, get in (("same text", lambda k: r["peers"][k]["queries"]["lookup"][str(cmax)]),
                               ("new text", lambda k: r["peers"][k]["fresh_many"]["lookup"])):
                lines.append(f"| {label} | " + " | ".join(
                    f"{_num(get(k).get('server_cpu_us'), '{:.0f}')} / {_num(get(k).get('client_cpu_us'), '{:.0f}')}"
                    for k in cpu) + " |")
            lines.append("")
    # result sizes: the same data must give the same answers
    lines += ["Rows (triples for DESCRIBE) per query, from each peer's first answer:", "",
              "| query | " + " | ".join(live) + " |", "|---|" + "---|" * len(live)]
    for q in qs:
        lines.append(f"| {q} | " + " | ".join(str(r["peers"][k]["rows"].get(q, "–"))[:60] for k in live) + " |")
    lines.append("")
    lines += ["| ratio | value | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in ratios(r)]
    lines.append("")
    s = r.get("size", {})
    info = [("N-Triples file, triples", f"{r['triples']:,}")]
    for key, label in (("startup_bundled_s", "ecokg start-up, bundled data, s"),
                       ("startup_on_disk_s", "ecokg start-up, on-disk store (--store-path), s"),
                       ("validate_s", "`ecokg validate`, s"), ("validate_peak_mb", "`ecokg validate` peak RSS, MiB"),
                       ("validate_pyshacl_s", "pyshacl (`ecokg validate --shacl-engine pyshacl`), s"),
                       ("validate_pyshacl_peak_mb", "pyshacl peak RSS, MiB"),
                       ("validate_pyshacl_turbo_s", "pyshacl-turbo (`python -m bench.validators`), s"),
                       ("validate_pyshacl_turbo_peak_mb", "pyshacl-turbo peak RSS, MiB"),
                       ("build_s", "`ecokg build`, s"), ("build_peak_mb", "`ecokg build` peak RSS, MiB"),
                       ("oxigraph_load_s", "`oxigraph load` (the on-disk store for both), s"),
                       ("startup_on_disk_peak_mb", "ecokg serve peak RSS at start (on-disk), MiB")):
        if key in s:
            info.append((label, _num(s[key], "{:.2f}" if key.endswith("_s") else "{:.0f}")))
    for k in live:
        d = r["peers"][k]
        if "startup_s" in d:
            what = " (in-memory, --data)" if k == "ecokg" else ""
            info.append((f"{k}: start-up to first answer{what}, s", _num(d["startup_s"])))
        if "load_s" in d:
            info.append((f"{k}: load, s", _num(d["load_s"])))
        if "peak_rss_mb" in d:
            pm = d["peak_rss_mb"]
            info.append((f"{k}: peak RSS after the run, MiB (largest process / sum)",
                         f"{pm['largest_process']:.0f} / {pm['sum_of_processes']:.0f}"))
    for path, d in r["peers"].get("ecokg", {}).get("pages", {}).items():
        cold = d.get("cold_ms") or []
        what = "JSON" if path.startswith("/search.json") else "HTML"
        info.append((f"page `{path}` ({what}): first request, then median / p95 of warm ones, ms",
                     (f"{_num(cold[0], '{:.0f}') if cold else '–'}, then {_num(d['median_ms'])} / {_num(d['p95_ms'])}"
                      if d.get("status") == 200 else f"HTTP {d.get('status')}")))
    lines += ["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in info]
    if skipped:
        lines += [""] + [f"* {x}" for x in skipped]
    lines.append("")
    return "\n".join(lines)


def render(results: list[dict]) -> str:
    head = results[0]
    m, v = head["machine"], head["versions"]
    parts = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}.",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
             f"Budget per query and concurrency: {head['seconds']} s or {head['max_requests']} requests.", ""]
    parts += [render_one(r) for r in results]
    return "\n".join(parts)


def _metric(r: dict, key: str):
    """The figures the targets are stated in, for one scale's results (None where not measured)."""
    p = r["peers"]
    qs = list(r["queries"])
    cmax, cmin = max(r["clients"]), min(r["clients"])
    eco, raw, oxi, virt, rdfl = (p.get(k, {}) for k in ("ecokg", "raw", "oxigraph", "virtuoso", "rdflib-endpoint"))

    lk_e, lk_r = _q(eco, "lookup", 1, "median_ms"), _q(raw, "lookup", 1, "median_ms")
    return {
        "raw": div(sum_medians(eco, qs), sum_medians(raw, qs)),
        "overhead": lk_e - lk_r if isinstance(lk_e, (int, float)) and isinstance(lk_r, (int, float)) else None,
        "fresh_overhead": (eco["fresh"]["lookup"]["median_ms"] - raw["fresh"]["lookup"]["median_ms"]
                           if "lookup" in eco.get("fresh", {}) and "lookup" in raw.get("fresh", {}) else None),
        "scaling": div(mix_tp(eco, cmax), mix_tp(eco, cmin)),
        "oxi_latency": div(sum_medians(eco, qs), sum_medians(oxi, qs)),
        "oxi_tp": div(mix_tp(eco, cmax), mix_tp(oxi, cmax)),
        "virt_tp": div(mix_tp(eco, cmax), mix_tp(virt, cmax)),
        "rdflib": div(sum_medians(rdfl, qs), sum_medians(eco, qs)),
        "startup_bundled": r.get("size", {}).get("startup_bundled_s"),
        "startup_on_disk": r.get("size", {}).get("startup_on_disk_s"),
        "validate": r.get("size", {}).get("validate_s"),
    }[key]


TARGETS = [  # (metric, what, test, scales it applies to, how shown)
    ("raw", "sum of per-query medians, ecokg / raw engine (1 client)", lambda v: v <= 1.3, ("1m",), "{:.2f}"),
    ("overhead", "HTTP overhead on the one-row lookup, ms", lambda v: v < 2, ("1m",), "{:.2f}"),
    ("fresh_overhead", "the same, with a new query text on every request (as researchers' queries come), ms",
     lambda v: v < 2, ("1m",), "{:.2f}"),
    ("scaling", "ecokg mix throughput, 16 clients / 1 client", lambda v: v >= 1.6, ("1m",), "{:.2f}"),
    ("oxi_latency", "sum of medians, ecokg / Oxigraph server (< 1: ecokg faster)", lambda v: v < 1,
     ("100k", "1m"), "{:.2f}"),
    ("oxi_tp", "mix throughput at 16 clients, ecokg / Oxigraph server", lambda v: v > 1, ("100k", "1m"), "{:.2f}"),
    ("virt_tp", "mix throughput at 16 clients, ecokg / Virtuoso (≥ 0.5: within 2x)", lambda v: v >= 0.5,
     ("1m",), "{:.2f}"),
    ("rdflib", "sum of medians, rdflib-endpoint / ecokg (≥ 50 at 1M)", lambda v: v >= 50, ("1m",), "{:.0f}"),
    ("startup_bundled", "start-up with the bundled data, s (< 2)", lambda v: v < 2, ("10k",), "{:.2f}"),
    ("startup_on_disk", "start-up on an on-disk store, s (< 5 at 1M)", lambda v: v < 5, ("1m",), "{:.2f}"),
    ("validate", "`ecokg validate`, s (< 120 at 1M)", lambda v: v < 120, ("1m",), "{:.0f}"),
]


def render_targets(results: list[dict]) -> str:
    """One row per target: the figure at each scale, and whether the scale(s) the target names meet it."""
    scales = [r["scale"] for r in results]
    lines = ["| target | " + " | ".join(scales) + " | met? |", "|---|" + "---|" * (len(scales) + 1)]
    for key, what, ok, where, fmt in TARGETS:
        cells, verdicts = [], []
        for r in results:
            v = _metric(r, key)
            cells.append(_num(v, fmt) if v is not None else "–")
            if r["scale"] in where:
                verdict = ("yes" if isinstance(v, (int, float)) and ok(v) else "**no**" if isinstance(
                    v, (int, float)) or (isinstance(v, str) and "did not finish" in v) else "not measured")
                verdicts.append(f"{r['scale']}: {verdict}")
        lines.append(f"| {what} | " + " | ".join(cells) + f" | {', '.join(verdicts) or '–'} |")
    return "\n".join(lines)
