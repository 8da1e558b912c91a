"""The server as a user meets it: a real process over HTTP."""

import json
import re
import time
import subprocess
import sys
import urllib.request

from ecokg import __version__


def test_version_flag():
    out = subprocess.run([sys.executable, "-m", "ecokg", "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout


def test_health_over_http(server):
    with urllib.request.urlopen(server.url + "/health") as r:
        body = json.load(r)
    assert r.status == 200
    assert body["status"] == "ok" and body["version"] == __version__


def test_settings_printed_and_access_log(server):
    urllib.request.urlopen(server.url + "/health?probe=1").read()
    line = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:[\d:]+ [+-]\d{4}\] "GET /health\?probe=1 HTTP/1\.1" 200 \d+ "-" "[^"]*" \d+$', re.M)
    deadline = time.monotonic() + 10
    while not line.search(server.log()) and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log()
    assert "timeout" in log and "listening on" in log
    assert line.search(log), log[-500:]  # Apache combined format + request time


def test_bad_data_file_stops_serve_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    out = subprocess.run([sys.executable, "-m", "ecokg", "serve", "--port", "1", "--data", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"{bad}:3" in out.stderr
