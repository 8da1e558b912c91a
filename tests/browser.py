"""Headless Chromium (Debian ``/usr/bin/chromium``) for page tests: screenshots and the rendered DOM."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]


def chromium() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="ecokg-chromium-") as profile:
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, timeout=timeout)


def screenshot(url: str, out: Path, width: int = 1280, height: int = 1600) -> Path:
    """Render ``url`` and write a PNG of the window to ``out``."""
    out = Path(out)
    out.unlink(missing_ok=True)  # never mistake an old picture for this one
    proc = _run([f"--screenshot={out}", f"--window-size={width},{height}", url])
    if not out.is_file():
        raise RuntimeError(f"no screenshot from chromium (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return out


def dump_dom(url: str, width: int = 1280, height: int = 1600) -> str:
    """The DOM after Chromium has loaded and rendered the page, serialised as HTML."""
    proc = _run(["--dump-dom", f"--window-size={width},{height}", url])
    if proc.returncode != 0:
        raise RuntimeError(f"chromium --dump-dom failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc.stdout.decode("utf-8", errors="replace")


def is_png(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == b"\x89PNG\r\n\x1a\n"
