"""report.html in a real headless Chromium (Debian's chromium and chromium-driver, as the web
page's tests): the roster table is there with working links, and what answers were read as is
rendered math (MathML laid out by the browser, no script, no network). The picture in the
README (docs/img/report.png) is this test's screenshot (GRADER_UPDATE_SCREENSHOT=1 refreshes it).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from selenium.webdriver.common.by import By

from chromium import start_chromium
from grader.interfaces.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SCREENSHOT = REPO / "docs" / "img" / "report.png"


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium("1100,1600")
    yield driver
    driver.quit()


def test_report_roster_and_rendered_math_in_chromium(browser, tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(EXAMPLES / "submissions"), "--out", str(out), "--jobs", "2",
                                       "--assignment", str(EXAMPLES / "assignment.yaml"),
                                       "--roster", str(EXAMPLES / "roster.csv")])
    assert result.exit_code == 3, result.output
    browser.get((out / "report.html").resolve().as_uri())
    assert browser.title == "Backpropagation homework: grading report"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.roster tr")
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows[1:]]
    assert [c[0] for c in cells] == ["alice", "bob", "chen-wei", "dana", "emeka", "farah", "zoë martin"]
    by = {c[0]: c for c in cells}
    assert by["alice"][1:4] == ["Martin, Alice", "66 / 66", "graded"]
    assert by["dana"][3].startswith("error: dana.yaml, line 8")
    assert by["emeka"][3].startswith("partially graded: Ignored unknown problem id")
    # MathML is laid out as math: a fraction is taller than a line of text
    maths = browser.find_elements(By.TAG_NAME, "math")
    assert len(maths) >= 5
    frac = browser.find_element(By.CSS_SELECTOR, "math mfrac")
    assert frac.size["height"] > 20 and frac.size["width"] > 5
    assert browser.execute_script("return typeof window.MathJax") == "undefined"    # our renderer, no script
    # one picture from the top (summary, roster) down to the first table of wrong answers with
    # their rendered readings: Chromium's own full-page capture, clipped there
    import base64
    table = browser.find_element(By.XPATH, "//h2[text()='Most common wrong answers']/following-sibling::table[1]")
    bottom = table.location["y"] + table.size["height"] + 16
    png = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1100, "height": bottom, "scale": 1}})
    shot = tmp_path / "report.png"
    shot.write_bytes(base64.b64decode(png["data"]))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("GRADER_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    # a roster link opens the student's feedback page of the same set
    browser.find_element(By.LINK_TEXT, "feedback").click()
    assert "# Feedback for alice" in browser.find_element(By.TAG_NAME, "body").text
