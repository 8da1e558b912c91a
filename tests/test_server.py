"""The server as a user meets it: a real process over HTTP."""

import json
import re
import time
import urllib.request

from ecokg import __version__
from cli import run_ecokg


def test_version_flag():
    out = run_ecokg("--version")
    assert __version__ in out.stdout


def test_health_over_http(real_server):
    with urllib.request.urlopen(real_server.url + "/health") as r:
        body = json.load(r)
    assert r.status == 200
    assert body["status"] == "ok" and body["version"] == __version__


def test_settings_printed_and_access_log(real_server):
    urllib.request.urlopen(real_server.url + "/health?probe=1").read()
    line = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:[\d:]+ [+-]\d{4}\] "GET /health\?probe=1 HTTP/1\.1" 200 \d+ "-" "[^"]*" \d+$', re.M)
    deadline = time.monotonic() + 10
    while not line.search(real_server.log()) and time.monotonic() < deadline:
        time.sleep(0.1)
    log = real_server.log()
    assert "timeout" in log and "listening on" in log
    assert line.search(log), log[-500:]  # Apache combined format + request time


def test_bad_data_file_stops_serve_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    out = run_ecokg("serve", "--port", "1", "--data", str(bad))
    assert out.returncode != 0
    assert f"{bad}:3" in out.stderr


def test_loading_data_files_is_announced(start_server, tmp_path):
    """`--data` files are announced before loading (size) and after (quads, time)."""
    data = tmp_path / "two.nt"
    data.write_text("<http://example.org/a> <http://example.org/p> \"1\" .\n"
                    "<http://example.org/a> <http://example.org/p> \"2\" .\n", encoding="utf-8")
    srv = start_server("--data", str(data), "--workers", "1")
    log = srv.log()
    assert "loading 1 file(s), 0.0 MB, into memory" in log, log[:2000]
    assert re.search(r"^loaded 2 quads in \d+\.\d s$", log, re.M), log[:2000]
    assert log.index("loaded 2 quads") < log.index("listening on")
    srv.stop()


def test_loading_reports_the_bytes_it_reads(tmp_path):
    """The progress callback of a load sees every byte of the file (the compressed ones for .gz), and the
    store holds the same quads either way."""
    import gzip

    import pyoxigraph as ox

    from ecokg import resources
    from ecokg.rdf.files import load_file

    source = resources.data_files()[0]
    packed = tmp_path / (source.name + ".gz")
    packed.write_bytes(gzip.compress(source.read_bytes()))
    for path in (source, packed):
        seen: list[int] = []
        with_bar, without = ox.Store(), ox.Store()
        load_file(with_bar, path, seen.append)
        load_file(without, path)
        assert sum(seen) == path.stat().st_size and len(seen) >= 1
        assert set(with_bar) == set(without) and len(with_bar) > 0


def test_a_port_in_use_is_refused():
    """granian's workers share their port (SO_REUSEPORT): a second server must not join a port in use."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as another granian would hold it
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = run_ecokg("serve", "--port", str(s.getsockname()[1]), "--workers", "1", "--validate", "never")
    assert out.returncode == 2 and "cannot listen on 127.0.0.1:" in out.stderr and "in use" in out.stderr


HELD_STOP = """
import os, signal, sys, time
from ecokg.web.server import hold_stop_signals

hold_stop_signals()                     # a granian worker, first thing in its start-up
os.kill(os.getpid(), signal.SIGTERM)    # a stop comes while the worker is still starting
time.sleep(0.3)                         # (the worker's own start-up goes on)
print("still starting", flush=True)
def stop(signum, frame):                # granian's handler, installed after the start-up
    print("stopped by", signal.Signals(signum).name, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
time.sleep(30)                          # serving: the held stop must reach granian's handler
print("never stopped", flush=True)
"""


def test_a_stop_during_a_worker_start_up_is_not_lost():
    """A SIGTERM that reaches a granian worker before granian has put its own handler in place (while the app
    starts in the worker) was swallowed, and the worker served on until it was killed 10 s later; it is held and
    given to granian's handler once that is in place (a process that does what a worker does, in that order)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", HELD_STOP], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["still starting", "stopped by SIGTERM"], (done.stdout, done.stderr)
    assert done.returncode == 0
