"""Headless Chromium (Debian ``/usr/bin/chromium``) for page tests: screenshots and the rendered DOM."""

from __future__ import annotations

import contextlib
import os
import shutil
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


def chromedriver() -> str | None:
    """The ChromeDriver binary (Debian ``chromium-driver``), or None when it is not installed."""
    path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return path if os.path.exists(path) else None


@contextlib.contextmanager
def selenium_driver(*extra_flags: str):
    """A Selenium WebDriver on headless Chromium with a throwaway profile; skips the test when Chromium,
    ChromeDriver or Selenium is missing."""
    import pytest

    binary, driver_bin = chromium(), chromedriver()
    if binary is None or driver_bin is None:
        pytest.skip("chromium and chromium-driver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="ecokg-selenium-") as profile:
        opts = webdriver.ChromeOptions()
        opts.binary_location = binary
        for flag in (*FLAGS, f"--user-data-dir={profile}", *extra_flags):
            opts.add_argument(flag)
        drv = webdriver.Chrome(service=Service(driver_bin), options=opts)
        drv.set_page_load_timeout(60)
        try:
            yield drv
        finally:
            drv.quit()


def is_png(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == b"\x89PNG\r\n\x1a\n"
