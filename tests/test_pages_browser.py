"""Headless Chromium renders the pages: a screenshot, and the DOM after rendering."""

from __future__ import annotations

import pytest

from browser import chromium, is_png, selenium_driver
from pagetools import page_text

pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium() is None, reason="chromium is not installed")]


@pytest.fixture(scope="module")
def driver():
    """One headless Chromium for the module's pages (a browser started per page cost a second or two each)."""
    with selenium_driver() as drv:
        yield drv


def render(driver, url: str, width: int = 1280, height: int = 1600) -> str:
    """The DOM after Chromium has loaded and rendered ``url`` in a window of that size, serialised as HTML."""
    driver.set_window_size(width, height)
    driver.get(url)
    return driver.page_source


@pytest.mark.parametrize("width,height", [(1280, 1600), (390, 2400)])  # desktop and a phone
def test_entity_page_renders(real_server, driver, tmp_path, width, height):
    url = real_server.url + "/id/division/500154"
    text = page_text(render(driver, url, width, height))
    png = tmp_path / f"kaizhou-{width}.png"
    assert driver.save_screenshot(str(png))
    assert png.stat().st_size > 10_000 and is_png(png)
    assert "开州区" in text and "Kaizhou District" in text
    assert "<svg" in render(driver, real_server.url + "/", width, height)


def test_scheme_page_renders_chart(real_server, driver, tmp_path):
    dom = render(driver, real_server.url + "/id/scheme/national-two-mountains-base?lang=zh")
    png = tmp_path / "scheme.png"
    assert driver.save_screenshot(str(png)) and is_png(png)
    assert "<svg" in dom and "<rect" in dom
    assert "批次时间线" in page_text(dom)


def test_map_marks_in_the_dom_and_screenshots(real_server, driver, bundled_store, tmp_path):
    """Chromium loads /map: the SVG's marks, counted in the rendered DOM, are the county-level divisions in
    force with a point; screenshots of the map and a division's page go to ``$ECOKG_SCREENSHOT_DIR`` (a
    scratch folder, default the test's own) to be looked at."""
    import os
    from pathlib import Path

    expected = len(list(bundled_store.query(
        "PREFIX eco: <https://w3id.org/ecokg/ontology#> PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> "
        "SELECT DISTINCT ?d WHERE { ?d eco:divisionLevel eco:CountyLevel ; geo:lat ?lat ; geo:long ?long . "
        "FILTER NOT EXISTS { ?d eco:validUntil ?until } }")))
    out = Path(os.environ.get("ECOKG_SCREENSHOT_DIR", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    drv = driver
    drv.set_window_size(1280, 1800)
    drv.get(real_server.url + "/map?lang=en")
    marks = drv.execute_script("return document.querySelectorAll('svg.map g.marks a circle').length")
    assert marks == expected
    drawn = drv.execute_script(  # the marks are laid out inside the drawing, not collapsed
        "const r = document.querySelector('svg.map').getBoundingClientRect();"
        "return [...document.querySelectorAll('svg.map g.marks circle')].filter(c => {"
        " const b = c.getBoundingClientRect(); return b.width > 0 && b.left >= r.left - 1 && b.right <= r.right + 1"
        " && b.top >= r.top - 1 && b.bottom <= r.bottom + 1; }).length")
    assert drawn == expected
    coloured = drv.execute_script("return document.querySelectorAll('svg.map g.marks circle:not(.none)').length")
    assert 0 < coloured < expected
    drv.save_screenshot(str(out / "map.png"))
    drv.get(real_server.url + "/map?scheme=national-demonstration-zone&lang=zh")
    assert drv.execute_script("return document.querySelectorAll('svg.map g.marks a').length") == expected
    drv.save_screenshot(str(out / "map-zone-zh.png"))
    drv.set_window_size(390, 2400)  # a phone: the map fits the width
    drv.get(real_server.url + "/map?at=500154&lang=zh")
    fits = drv.execute_script("const r = document.querySelector('svg.map').getBoundingClientRect();"
                              "return r.width > 300 && r.right <= document.documentElement.clientWidth")
    assert fits
    drv.save_screenshot(str(out / "map-phone.png"))
    drv.set_window_size(1280, 1800)
    drv.get(real_server.url + "/id/division/500154?lang=en")
    assert "Kaizhou District" in drv.page_source
    drv.save_screenshot(str(out / "division-500154.png"))
    drv.get(real_server.url + "/?lang=en")
    assert drv.execute_script("return document.querySelectorAll('a.mini-map svg path').length") >= 2
    drv.save_screenshot(str(out / "home.png"))
    for name in ("map.png", "map-zone-zh.png", "map-phone.png", "division-500154.png", "home.png"):
        assert is_png(out / name)
