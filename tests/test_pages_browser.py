"""Headless Chromium renders the pages: a screenshot, and the DOM after rendering."""

from __future__ import annotations

import pytest

from browser import chromium, dump_dom, is_png, screenshot
from pagetools import page_text

pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium() is None, reason="chromium is not installed")]


@pytest.mark.parametrize("width,height", [(1280, 1600), (390, 2400)])  # desktop and a phone
def test_entity_page_renders(real_server, tmp_path, width, height):
    url = real_server.url + "/id/division/500154"
    png = screenshot(url, tmp_path / f"kaizhou-{width}.png", width, height)
    assert png.stat().st_size > 10_000 and is_png(png)
    dom = dump_dom(url, width, height)
    text = page_text(dom)
    assert "开州区" in text and "Kaizhou District" in text
    assert "<svg" in dump_dom(real_server.url + "/", width, height)


def test_scheme_page_renders_chart(real_server, tmp_path):
    url = real_server.url + "/id/scheme/national-two-mountains-base?lang=zh"
    png = screenshot(url, tmp_path / "scheme.png", 1280, 1600)
    assert is_png(png)
    dom = dump_dom(url)
    assert "<svg" in dom and "<rect" in dom
    assert "批次时间线" in page_text(dom)
