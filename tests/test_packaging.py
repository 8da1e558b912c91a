"""The wheel carries the ontology, shapes, data, queries and YASGUI: `ecokg` works from it in any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from cli import run_ecokg
from conftest import REPO, RunningServer

pytestmark = pytest.mark.slow  # real processes, or seconds of work by design


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory) -> Path:
    """The project's wheel, built by pip as a user would, unpacked into a folder of its own (no dependencies:
    those of this environment serve)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
                   check=True, timeout=600)
    wheels = list(out.glob("ecokg-*.whl"))
    assert len(wheels) == 1, wheels
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheels[0]) as zf:
        names = zf.namelist()
        zf.extractall(target)
    for needed in ("ecokg/_bundled/ontology/ecokg.ttl", "ecokg/_bundled/shapes/ecokg-shapes.ttl",
                   "ecokg/_bundled/data/places.ttl", "ecokg/static/vendor/yasgui/yasgui.min.js"):
        assert needed in names, f"the wheel lacks {needed}"
    assert any(n.startswith("ecokg/_bundled/queries/") and n.endswith(".rq") for n in names)
    return target


def test_the_build_records_which_lock_node_modules_holds(wheel_install):
    """The package build runs `npm ci` only when node_modules does not hold what package-lock.json pins: it
    records the SHA-256 of the lock it installed (hatch_build.INSTALLED_LOCK), which another lock does not match."""
    import hashlib

    def read(path: Path):
        return json.loads(path.read_text(encoding="utf-8"))

    lock = REPO / "package-lock.json"
    stamp = REPO / "node_modules" / ".ecokg-installed-lock"
    assert stamp.read_text(encoding="utf-8").strip() == hashlib.sha256(lock.read_bytes()).hexdigest()
    pinned = read(lock)["packages"]["node_modules/@zazuko/yasgui"]
    assert read(REPO / "node_modules" / "@zazuko" / "yasgui" / "package.json")["version"] == pinned["version"]
    shipped = read(wheel_install / "ecokg" / "static" / "vendor" / "yasgui" / "package.json")
    assert shipped["version"] == pinned["version"]


def _run(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "ecokg", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_wheel_reads_its_own_bundled_files(wheel_install, tmp_path):
    out = subprocess.run([sys.executable, "-c", "import ecokg.resources as r; print(r.data_dir())"], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(wheel_install)}, capture_output=True, text=True,
                         check=True)
    assert Path(out.stdout.strip()) == wheel_install / "ecokg" / "_bundled" / "data"


def test_the_wheel_carries_its_tables_converted_and_reads_them_without_converting(wheel_install, tmp_path):
    """The package build converted the bundled tables (hatch_build.py): an installed package with an empty cache
    reads them from ecokg/_prepared/ under the keys of its own files, and runs no mapping."""
    prepared = sorted((wheel_install / "ecokg" / "_prepared" / "tables").glob("*.nt"))
    assert len(prepared) == 2, prepared  # divisions and national lists
    code = ("import ecokg.rdf.tables as t, ecokg.resources as r\n"
            "def refuse(*a, **k): raise SystemExit('converted')\n"
            "t._convert = refuse\n"
            "print(sum(len(t.read(p).quads) for p in r.data_files() if t.is_mapping(p)))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(wheel_install), "ECOKG_CACHE_DIR": str(tmp_path / "c")})
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 100_000
    assert not (tmp_path / "c").exists()  # nothing converted, nothing cached


def test_validate_and_build_from_the_wheel_in_another_folder(wheel_install, tmp_path, bundled_build, monkeypatch):
    """The installed package validates with its own shapes -- a broken file gets the report the checkout gives
    it, violation for violation -- and builds its own data (which it validates first, in full) into the same
    files, byte for byte, as the build from the checkout (``bundled_build``)."""
    broken = tmp_path / "zero-ordinal.ttl"
    shutil.copyfile(REPO / "tests" / "broken" / "zero-ordinal.ttl", broken)
    checked = _run(["validate", str(broken)], wheel_install, tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "rule:    ecosh:BatchShape (sh:MinInclusiveConstraintComponent)" in checked.stdout
    monkeypatch.chdir(tmp_path)  # (files are named relative to the folder the command runs in)
    assert checked.stdout == run_ecokg("validate", str(broken)).stdout  # the checkout's, in this process
    monkeypatch.undo()
    built = _run(["build", "--out", str(tmp_path / "out")], wheel_install, tmp_path)
    assert built.returncode == 0, built.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file())
    assert "ecokg.ttl" in files and "void.ttl" in files
    assert files == sorted(p.name for p in bundled_build.out.iterdir() if p.is_file())
    for name in files:
        assert (tmp_path / "out" / name).read_bytes() == (bundled_build.out / name).read_bytes(), name


def test_serve_from_the_wheel(wheel_install, tmp_path):
    srv = RunningServer([], tmp_path, env={"PYTHONPATH": str(wheel_install)})
    try:
        with urllib.request.urlopen(srv.url + "/health") as r:
            assert json.load(r)["status"] == "ok"
        req = urllib.request.Request(srv.url + "/id/division/500154", headers={"Accept": "text/html"})
        with urllib.request.urlopen(req) as r:
            page = r.read().decode()
        assert "开州区" in page and "Kaizhou" in page
        with urllib.request.urlopen(srv.url + "/static/vendor/yasgui/yasgui.min.js") as r:
            assert r.status == 200 and len(r.read()) > 100_000
    finally:
        srv.stop()
