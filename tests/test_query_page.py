"""The query page in a real browser: headless Chromium (Debian `chromium` + `chromium-driver`) via Selenium
loads YASGUI from our own static files, runs an example query against the endpoint and shows the rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser import selenium_driver


@pytest.fixture()
def driver():
    with selenium_driver("--window-size=1400,1000") as drv:
        yield drv


def test_query_page_runs_an_example(real_server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from ecokg.dataset.examples import load_examples

    examples = load_examples()
    index = next(i for i, ex in enumerate(examples) if ex.name == "places-by-district")
    driver.get(real_server.url + "/sparql")
    wait = WebDriverWait(driver, 30)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    assert driver.execute_script("return typeof Yasgui") == "function"  # loaded from /static, no CDN
    menu = driver.find_elements(By.CSS_SELECTOR, "#examples button[data-example]")
    assert len(menu) == len(examples)
    assert examples[index].title_zh in driver.find_element(By.ID, "examples").text
    # the editor starts with the project's prefixes
    start = driver.execute_script("return window.ecokgYasgui.getTab().getQuery()")
    assert "PREFIX eco: <https://w3id.org/ecokg/ontology#>" in start
    driver.find_element(By.CSS_SELECTOR, f'#examples button[data-example="{index}"]').click()
    assert driver.execute_script("return window.ecokgYasgui.getTab().getQuery()") == examples[index].query
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False)
    text = driver.find_element(By.CSS_SELECTOR, ".yasr").text
    assert len(rows) > 3 and "开州区" in text and "Kaizhou" in text
    shot = Path(os.environ.get("ECOKG_SCREENSHOT_DIR", tmp_path)) / "query-page.png"
    driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e["message"]]
    assert not logs, logs
