"""Data safety: a corrupt data file stops ``serve`` (and ``build``) with an error naming the file and line;
``serve`` refuses SHACL-invalid data unless told otherwise (the ``validate`` setting).

``ecokg build`` killed with SIGKILL midway leaving the previous output intact is proven in
tests/test_build.py (test_sigkill_midway_leaves_previous_output), and a syntax error refusing a build in
test_syntax_error_refuses_to_build; this file adds what the server does.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ecokg.dataset import preflight
from ecokg.rdf.errors import RdfFileError
from ecokg import resources
from ecokg.settings import Settings
from cli import run_ecokg as run_in_process

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "tests" / "broken"


def run_ecokg(*args: str, env: dict | None = None):
    return run_in_process(*args, env=env)


def serve(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``ecokg serve`` that must refuse to start (a free port, so a start would not collide)."""
    from conftest import free_port

    return run_ecokg("serve", "--host", "127.0.0.1", "--port", str(free_port()), *args, env=env)


@pytest.fixture()
def corrupt(tmp_path) -> dict[str, Path]:
    files = {}
    files["invalid utf-8"] = tmp_path / "bad-bytes.ttl"
    files["invalid utf-8"].write_bytes(b'@prefix ex: <http://example.org/> .\nex:a ex:b "ok" .\n'
                                       b'ex:c ex:d "\xff\xfe bad" .\n')
    files["truncated turtle"] = tmp_path / "cut.ttl"
    text = (REPO / "data" / "places.ttl").read_text(encoding="utf-8")
    files["truncated turtle"].write_text(text[: text.index('"Kaizhou District"') + 5], encoding="utf-8")  # in a string
    files["truncated gzip"] = tmp_path / "cut.nt.gz"
    data = gzip.compress((REPO / "data" / "places.ttl").read_bytes())
    files["truncated gzip"].write_bytes(data[: len(data) // 2])
    files["binary junk"] = tmp_path / "junk.nt"
    files["binary junk"].write_bytes(bytes(range(256)) * 4)
    return files


@pytest.mark.parametrize("kind", ["invalid utf-8", "truncated turtle", "truncated gzip", "binary junk"])
def test_corrupt_file_stops_serve_naming_file_and_line(corrupt, kind):
    path = corrupt[kind]
    r = serve("--data", str(path))
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    err = r.stderr.strip().splitlines()[-1]
    assert err.startswith(f"error: {path}"), err
    if kind != "truncated gzip":  # a cut gzip stream has no line to name
        assert err.startswith(f"error: {path}:"), err
        line = err[len(f"error: {path}:"):].split(":", 1)[0]
        assert line.isdigit() and int(line) >= 1, err
    assert "Traceback" not in r.stderr


def test_corrupt_file_stops_build_too(corrupt, tmp_path):
    out = tmp_path / "out"
    r = run_ecokg("build", "--out", str(out), "--data", str(corrupt["invalid utf-8"]))
    assert r.returncode == 2 and f"{corrupt['invalid utf-8']}:3:" in r.stderr, r.stderr[-2000:]
    assert not out.exists()


@pytest.mark.slow  # the whole bundled data, or a real process
def test_serve_refuses_shacl_invalid_data_when_asked(tmp_path, core_files):
    # the core of the bundled data (tests/core_data.py): the check runs three times, once with pyshacl (on the
    # broken file alone: pyshacl takes seconds on the core)
    ontology = [a for p in resources.ontology_files() for a in ("--data", str(p))]
    bundled = [*ontology, *(a for p in core_files for a in ("--data", str(p)))]
    broken = str(BROKEN / "batch-without-year.ttl")
    r = serve(*bundled, "--data", broken, "--validate", "always")
    assert r.returncode == 1, r.stderr[-3000:]
    assert "batch-without-year.ttl: ecoid:batch/chongqing-demonstration-town-99" in r.stderr
    assert "ecosh:BatchShape (sh:MinCountConstraintComponent)" in r.stderr
    assert "serve refused: the data is not valid" in r.stderr and "--validate never" in r.stderr
    # the same through the environment variable
    r = serve(*bundled, "--data", broken, env={"ECOKG_VALIDATE": "always"})
    assert r.returncode == 1 and "serve refused" in r.stderr
    # and with the reference engine
    r = serve(*ontology, "--data", broken, "--validate", "always", "--shacl-engine", "pyshacl")
    assert r.returncode == 1 and "ecosh:BatchShape (sh:MinCountConstraintComponent)" in r.stderr


def test_serve_serves_invalid_data_when_told_otherwise(start_server, tmp_path, core_files):
    bundled = [a for p in [*resources.ontology_files(), *core_files] for a in ("--data", str(p))]
    broken = str(BROKEN / "batch-without-year.ttl")
    for mode in ("never", "auto"):  # auto: --data files may be any RDF and are not checked
        srv = start_server(*bundled, "--data", broken, "--validate", mode, "--workers", "1")
        from sparql_http import get

        r = get(srv.url, "ASK { <https://w3id.org/ecokg/id/batch/chongqing-demonstration-town-99> ?p ?o }",
                accept="application/sparql-results+json")
        assert r.status == 200 and b"true" in r.body
        srv.stop()


def test_bad_validate_value_is_a_usage_error():
    r = serve("--validate", "sometimes")
    assert r.returncode == 2 and "sometimes" in r.stderr and "auto" in r.stderr


@pytest.fixture(scope="module")
def started_unchecked(start_server, tmp_path_factory) -> str:
    """The start-up log of `ecokg serve` (the bundled data) with a cache of its own: no record of an earlier
    `ecokg validate` or `build` of the same files spares it the check."""
    srv = start_server("--workers", "1", env={"ECOKG_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    log = srv.log()
    srv.stop()
    return log


def test_bundled_data_is_checked_at_start(started_unchecked):
    assert "validate   = 'auto'" in started_unchecked
    assert f"data       : valid: {len(resources.data_files())} files" in started_unchecked, started_unchecked[:3000]


# ---------------------------------------------------------------- the check itself, in-process


def test_which_files_each_mode_checks(tmp_path):
    data = resources.data_files()
    assert preflight.files_to_check(Settings()) == data
    assert preflight.files_to_check(Settings(validate="always")) == data
    assert preflight.files_to_check(Settings(validate="never")) is None
    assert preflight.files_to_check(Settings(data=("x.ttl",))) is None
    assert preflight.files_to_check(Settings(data=("x.ttl",), validate="always")) == [Path("x.ttl")]
    assert preflight.files_to_check(Settings(store_path="store")) is None
    assert preflight.files_to_check(Settings(store="http://127.0.0.1:1/sparql", validate="always")) is None
    with pytest.raises(ValueError, match="validate must be one of"):
        Settings(validate="maybe")


@pytest.mark.slow  # the whole bundled data, or a real process
def test_invalid_bundled_data_is_refused_and_a_change_is_rechecked(tmp_path, monkeypatch, core_files):
    """The default (auto) check of the bundled data, with a copy of the bundled data folder (of its core,
    tests/core_data.py: the check is the same whatever the number of rows) in its place, and then broken."""
    copy = tmp_path / "data"
    copy.mkdir()
    for path in core_files:
        if path.parent.name == "tables":  # a table mapping beside its CSV files
            shutil.copytree(path.parent, copy / "tables", dirs_exist_ok=True)
        else:
            shutil.copy(path, copy / path.name)
    monkeypatch.setattr(resources, "data_files",
                        lambda: sorted(copy.glob("*.ttl")) + sorted(copy.glob("tables/*.rml.ttl")))
    assert preflight.check(Settings()).startswith("valid:")
    shutil.copy(BROKEN / "batch-without-year.ttl", copy / "zz-broken.ttl")
    with pytest.raises(preflight.DataRefused) as refused:
        preflight.check(Settings())
    assert "ecosh:BatchShape" in refused.value.report.text()
    assert any("zz-broken.ttl" in f for v in refused.value.report.violations for f in v.files)
    # the same verdict from the check that `ecokg serve` runs aside, in a forked process, with the same report
    with pytest.raises(preflight.DataRefused) as aside:
        preflight.check_aside(Settings()).result()
    assert aside.value.report.text() == refused.value.report.text()
    assert preflight.check(Settings(validate="never")) is None
    assert preflight.check_aside(Settings(validate="never")).result() is None
    (copy / "zz-broken.ttl").write_text("<a> <b> .\n")  # not RDF: the file and line are named, as before
    with pytest.raises(RdfFileError, match=r"zz-broken\.ttl:1"):
        preflight.check_aside(Settings()).result()
    (copy / "zz-broken.ttl").unlink()
    assert preflight.check_aside(Settings()).result().startswith("valid:")  # remembered: no process needed


@pytest.fixture(scope="module")
def serve_says(started_unchecked) -> str:
    """What serve's own check of the bundled data said at start, with no record to find (its ``data`` line)."""
    (line,) = [x for x in started_unchecked.splitlines() if x.startswith("  data       : ")]
    return line.removeprefix("  data       : ")


def _the_record_says_what_serve_says(cache: Path, serve_says: str) -> None:
    """The check before serving finds the record in ``cache``, and it says what serve's own check of the same
    files says (the ontology's files are not counted)."""
    remembered = preflight.check(Settings())
    assert remembered.endswith("(validated before)")
    assert remembered == serve_says + " (validated before)"


def test_bundled_data_is_valid_and_the_record_serve_reads_is_left(tmp_path, monkeypatch, serve_says):
    """`ecokg validate` of the bundled data (which calls ``validate()``, the API's own default) finds it valid,
    and after it a first `ecokg serve` starts without checking the same files again."""
    monkeypatch.setenv("ECOKG_CACHE_DIR", str(tmp_path / "cache"))
    assert not (tmp_path / "cache" / "valid").exists()
    r = run_in_process("validate")
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.fullmatch(r"valid: (\d+) files, (\d+) triples, (\d+) entities", r.stdout.strip())
    assert m, r.stdout
    files, triples, entities = map(int, m.groups())
    assert files == len(resources.bundled_files()) and triples > 100_000 and entities > 10_000, r.stdout
    _the_record_says_what_serve_says(tmp_path / "cache", serve_says)
    # a file given to validate is not the bundled data: no record for it
    shutil.rmtree(tmp_path / "cache" / "valid")
    r = run_in_process("validate", str(resources.ontology_files()[0]))
    assert not (tmp_path / "cache" / "valid").exists()


@pytest.mark.slow  # the whole bundled data built
def test_build_of_the_bundled_data_leaves_the_record_serve_reads(bundled_build, tmp_path, monkeypatch,
                                                                 serve_says):
    """After `ecokg build` of the bundled data (conftest's build, run with an empty cache of its own) too."""
    assert bundled_build.returncode == 0, bundled_build.stderr
    cache = tmp_path / "cache"
    shutil.copytree(bundled_build.cache, cache)
    monkeypatch.setenv("ECOKG_CACHE_DIR", str(cache))
    _the_record_says_what_serve_says(cache, serve_says)
