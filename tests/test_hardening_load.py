"""A short run of scripts/loadtest.py (8 clients for 5 s; the full run is 32 clients for 60 s, figures in
SECURITY.md): queries, entity pages and downloads from a real server, and not one error."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from ecokg import resources
from ecokg.rdf.files import parse_file

pytestmark = pytest.mark.slow  # real processes, or seconds of work by design

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """A dist folder holding a real dump of the bundled graph (what the downloads page serves)."""
    out = tmp_path_factory.mktemp("load") / "dist"
    out.mkdir()
    quads = [q for p in resources.bundled_files() for q in parse_file(p)]  # tables as their triples
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    (out / "ecokg.nt").write_bytes(data)
    (out / "SHA256SUMS").write_text(f"{hashlib.sha256(data).hexdigest()}  ecokg.nt\n")
    return out


def test_short_load_run_has_no_errors(start_server, dist, tmp_path, capsys):
    srv = start_server("--dist", str(dist), "--workers", "2")
    report = tmp_path / "load.json"
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "loadtest.py"), "--url", srv.url,
                        "--pid", str(srv.proc.pid), "--clients", "8", "--duration", "5", "--json", str(report)],
                       capture_output=True, text=True, timeout=300)
    with capsys.disabled():
        print("\n" + r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    figures = json.loads(report.read_text())
    assert figures["errors"] == 0 and figures["requests"] > 0
    assert all(k["requests"] > 0 for k in figures["per_kind"].values()), figures["per_kind"]
    assert set(figures["per_kind"]) == {"sparql", "page", "download"}
    assert figures["rss_kib_start"] > 0 and figures["rss_kib_end"] > 0  # the server's memory was sampled


def test_load_script_refuses_other_hosts():
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "loadtest.py"), "--url", "http://192.0.2.1:80",
                        "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "only servers on the loopback interface" in r.stderr
