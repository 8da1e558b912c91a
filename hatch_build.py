"""Package build hook: install YASGUI from npm (pinned in package-lock.json) and copy its files into the package;
convert the bundled tables (data/tables/*.rml.ttl) to N-Triples once.

Runs for wheels and for editable installs (``pip install -e .``).  The YASGUI files land
in ``src/ecokg/static/vendor/yasgui/`` (git-ignored; the wheel takes them as
artifacts), so the query page is served from our own static files, never a CDN.
The tables' triples land in ``src/ecokg/_prepared/tables/`` (git-ignored, an artifact too), where
``ecokg.rdf.tables`` finds them: the first ``ecokg serve`` after an install need not run the mapping.
Their conversion needs pyoxigraph, rdflib and tinyrml in the build environment (``build-system.requires``);
without them the build goes on and the tables are converted at first use instead.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = ("yasgui.min.js", "yasgui.min.css")
INSTALLED_LOCK = ".ecokg-installed-lock"  # in node_modules: the SHA-256 of the package-lock.json `npm ci` installed


class YasguiBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":  # the wheel builder, for wheels and editable installs alike
            return
        self._yasgui(Path(self.root))
        self._tables(Path(self.root))

    def _tables(self, root: Path) -> None:
        self.app.display_info("converting the bundled tables (data/tables/*.rml.ttl) to N-Triples")
        code = ("import sys; sys.path.insert(0, 'src'); from ecokg.rdf.tables import prepare; "
                "print(*(p.name for p in prepare()))")
        done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            self.app.display_warning("the tables were not converted now (they will be at first use): "
                                     + (done.stderr.strip().splitlines() or ["?"])[-1])

    def _yasgui(self, root: Path) -> None:
        source = root / "node_modules" / "@zazuko" / "yasgui" / "build"
        target = root / "src" / "ecokg" / "static" / "vendor" / "yasgui"
        if not (root / "package-lock.json").is_file():  # building from an sdist without the manifests
            if all((target / name).is_file() for name in ASSETS):
                return
            raise RuntimeError("package-lock.json is missing and YASGUI's files are not in place")
        lock = hashlib.sha256((root / "package-lock.json").read_bytes()).hexdigest()
        stamp = root / "node_modules" / INSTALLED_LOCK
        if (stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == lock
                and all((source / name).is_file() for name in ASSETS)):
            self.app.display_info("YASGUI: node_modules holds what package-lock.json pins (npm ci not needed)")
        else:
            npm = shutil.which("npm")
            if npm is None:
                if all((target / name).is_file() for name in ASSETS):
                    self.app.display_warning("npm not found: keeping the YASGUI files already in place")
                    return
                raise RuntimeError("npm is needed to build ecokg (it installs YASGUI for the query page); "
                                   "install Node.js and npm")
            self.app.display_info("npm ci: installing YASGUI (package-lock.json)")
            subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=root, check=True)
            stamp.write_text(lock + "\n", encoding="utf-8")  # (npm ci emptied node_modules first)
        target.mkdir(parents=True, exist_ok=True)
        for name in ASSETS:
            shutil.copy2(source / name, target / name)
        shutil.copy2(root / "node_modules" / "@zazuko" / "yasgui" / "package.json", target / "package.json")
