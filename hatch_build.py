"""Package build hook: install YASGUI from npm (pinned in package-lock.json) and copy its files into the package.

Runs for wheels and for editable installs (``pip install -e .``).  The files land
in ``src/ecokg/static/vendor/yasgui/`` (git-ignored; the wheel takes them as
artifacts), so the query page is served from our own static files, never a CDN.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = ("yasgui.min.js", "yasgui.min.css")


class YasguiBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":  # the wheel builder, for wheels and editable installs alike
            return
        root = Path(self.root)
        source = root / "node_modules" / "@zazuko" / "yasgui" / "build"
        target = root / "src" / "ecokg" / "static" / "vendor" / "yasgui"
        if not (root / "package-lock.json").is_file():  # building from an sdist without the manifests
            if all((target / name).is_file() for name in ASSETS):
                return
            raise RuntimeError("package-lock.json is missing and YASGUI's files are not in place")
        npm = shutil.which("npm")
        if npm is None:
            if all((target / name).is_file() for name in ASSETS):
                self.app.display_warning("npm not found: keeping the YASGUI files already in place")
                return
            raise RuntimeError("npm is needed to build ecokg (it installs YASGUI for the query page); "
                               "install Node.js and npm")
        self.app.display_info("npm ci: installing YASGUI (package-lock.json)")
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=root, check=True)
        target.mkdir(parents=True, exist_ok=True)
        for name in ASSETS:
            shutil.copy2(source / name, target / name)
        shutil.copy2(root / "node_modules" / "@zazuko" / "yasgui" / "package.json", target / "package.json")
