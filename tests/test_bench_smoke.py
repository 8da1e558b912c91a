"""A smoke run of the benchmark at its smallest scale: the data is valid, loads, and the harness gets answers
from real servers.  No wall-clock time is asserted: the figures themselves are in bench/README.md."""

from __future__ import annotations

import hashlib
import json
import shutil

import pyoxigraph as ox
import pytest

from bench import load
from bench.generate import Manifest, generate
from bench.queries import query_mix

pytestmark = pytest.mark.slow  # real processes, or seconds of work by design


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    path, manifest = generate("10k", out, show_progress=False)
    return out, path, manifest


def test_generator_is_deterministic_and_sized(small, tmp_path):
    out, path, manifest = small
    again, _ = generate("10k", tmp_path, show_progress=False)
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()
    other, _ = generate("10k", tmp_path / "seed", seed=7, show_progress=False)
    assert other.read_bytes() != path.read_bytes()
    assert 8_000 <= manifest.triples <= 12_000
    assert Manifest.read(path.with_suffix(".json")) == manifest


def test_generated_data_loads_and_every_query_answers(small):
    _, path, manifest = small
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == manifest.triples  # no duplicate triples: the count in the manifest is the graph's size
    rows = load.check(load.InProcessEngine(store), query_mix(manifest))
    assert all(isinstance(n, int) and n > 0 for n in rows.values()), rows


def test_generated_data_passes_the_shapes(small):
    from ecokg import resources

    if not resources.shapes_files():
        pytest.skip("no shapes yet")
    from ecokg.dataset.validate import validate

    _, path, _ = small
    report = validate([path])
    assert report.conforms, report.text()[:3000]


def test_harness_against_real_servers(small, capsys):
    """The harness itself, as run from the command line, against `ecokg serve` and Oxigraph server."""
    from bench.run import main

    out, path, manifest = small
    peers = "ecokg,raw" + (",oxigraph" if shutil.which("oxigraph") else "")
    main(["run", "--scale", "10k", "--peers", peers, "--clients", "1,2", "--seconds", "0.01",
          "--max-requests", "1", "--no-extras", "--out", str(out)])
    results = json.loads((out / "results-10k.json").read_text())
    names = [q.name for q in query_mix(manifest)]
    raw_rows = results["peers"]["raw"]["rows"]
    for peer in peers.split(","):
        res = results["peers"][peer]
        assert "error" not in res, res
        for q in names:
            assert isinstance(res["rows"][q], int) and res["rows"][q] > 0, (peer, q, res["rows"][q])
            if q != "describe":  # DESCRIBE's answer is the engine's choice; rows must agree
                assert res["rows"][q] == raw_rows[q], (peer, q)
            for c in ("1", "2"):
                st = res["queries"][q][c]
                assert st["errors"] == 0 and st["n"] >= int(c), (peer, q, c, st)
        assert res["mix"]["2"]["n"] >= 2
    printed = capsys.readouterr().out
    assert "sum of medians" in printed and "| lookup |" in printed


def test_validation_peers_judge_alike(small, tmp_path):
    """`ecokg validate` and its peers in the benchmark (pyshacl, pyshacl-turbo) all pass the generated data and
    all fail a broken file, so that their times compare the same work.  (Its native engine and pyshacl
    give the same report on the generated data: this is where tests/test_shacl.py's comparison of the two
    engines on generated data is made, the slow reference engine running once.)"""
    import subprocess
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    from bench.run import VALIDATORS, measure_validators

    _, path, manifest = small
    size = measure_validators(path, tmp_path, "10k", SimpleNamespace(validate_timeout=600))
    for key, *_ in VALIDATORS:
        assert size[key + "_exit"] == 0, (key, size)
        assert size[key + "_s"] > 0 and size[key + "_peak_mb"] > 0
    # the native engine and pyshacl, the reference (tests/test_shacl.py), give the same report on the same triples
    said = {key: Path(size[key + "_log"]).read_text().splitlines() for key in ("validate", "validate_pyshacl")}
    assert said["validate"] == said["validate_pyshacl"], said
    assert said["validate"][-1].startswith(f"valid: 1 files, {manifest.triples} triples, "), said
    broken = Path(__file__).parent / "broken" / "batch-without-year.ttl"
    for _, _, cmd, _ in VALIDATORS:
        r = subprocess.run([sys.executable, *cmd, str(broken)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 1, (cmd, r.stdout[-2000:], r.stderr[-2000:])


def test_stats_median_and_p95():
    st = load.Stats(latencies=[i / 1000 for i in range(1, 101)], elapsed=2.0)
    assert st.median_ms == pytest.approx(50.5)
    assert st.p95_ms == pytest.approx(95.05)
    assert st.throughput == pytest.approx(50)


def test_slow_clients_run(tmp_path):
    """``python -m bench slow-clients`` at its smallest: a few held connections, a short header timeout."""
    import subprocess
    import sys

    from conftest import REPO

    out = subprocess.run([sys.executable, "-m", "bench", "slow-clients", "--peers", "ecokg", "--modes", "silent,half",
                          "--held", "4", "--hold", "3", "--header-timeout", "1", "--requests", "5",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads((tmp_path / "slow-clients.json").read_text())
    for mode in ("silent", "half"):
        r = results["peers"]["ecokg"][mode]
        assert r["held"]["closed_by_server"] == 4, r  # closed by the header timeout
        assert r["lookup"]["ok"] and r["lookup, new text"]["ok"] and r["entity page"]["ok"]
    assert "| ecokg | half |" in out.stdout


@pytest.mark.slow
def test_bundled_run(tmp_path, core_files):
    """``python -m bench bundled`` at its smallest: every figure measured, the table printed with its peer --
    two rounds, on the core of the bundled data (tests/core_data.py: its pages, the same commands; the
    figures of the whole data are bench/README.md's, and the tests of the commands use the whole data)."""
    import subprocess
    import sys

    from conftest import REPO
    from ecokg import resources

    data = [str(p) for p in [*resources.ontology_files(), *core_files]]
    out = subprocess.run([sys.executable, "-m", "bench", "bundled", "--rounds", "2", "--out", str(tmp_path),
                          "--data", *data], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads((tmp_path / "bundled.json").read_text())
    assert r["build"]["exit"] == 0 and r["validate, warm cache"]["exit"] == 0
    assert r["page /map"]["median_ms"] > 0 and r["reconcile, 100 queries"]["median_ms"] > 0
    for key, figure in r.items():  # (with two rounds the p95 is the slower one: never under the median)
        if isinstance(figure, dict) and "p95_ms" in figure:
            assert figure["p95_ms"] >= figure["median_ms"], (key, figure)
    assert "| lookup, ecokg |" in out.stdout and "ecokg / Oxigraph median" in out.stdout
