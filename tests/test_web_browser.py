"""End to end in a real headless Chromium (Debian's `chromium` and `chromium-driver`, through
selenium) against a real `grader serve` process: type an answer, see the preview change,
check it, read the feedback, use a hint and a choice part by keyboard, on a desktop-sized and
a phone-sized window.

The browser is required, not optional: without chromium/chromedriver these tests fail (the
README's test command and .ci/run install them). The screenshot for the README is written by
`test_typing_checking_and_feedback` to docs/img/web-page.png when GRADER_UPDATE_SCREENSHOT=1.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from chromium import start_chromium

REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "docs" / "img" / "web-page.png"
WAIT = 60          # seconds; generous: a loaded CI machine can be slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(tmp_path_factory, *args):
    """A real `grader serve` for student alice (with `args`), stopped when the generator ends."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    with open(log, "wb") as err:    # a file, not a pipe nobody drains: the server never blocks on it
        proc = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--no-browser", "--port", str(port),
                                 "--student", "alice", *map(str, args)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(url + "api/problems", timeout=2) as r:
                assert json.load(r)["student"] == "alice"
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"grader serve did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium("1100,1400")
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout=WAIT):
    return WebDriverWait(driver, timeout).until(condition)


def text_of(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def open_problem(browser, server, problem_id):
    """Open a problem and wait for *its* page: the browser is shared between tests, so the previous
    problem's parts are on screen until the new page replaces them."""
    with urllib.request.urlopen(f"{server}api/problems/{problem_id}") as response:
        title = json.load(response)["title"]
    browser.get(f"{server}#/problem/{problem_id}")
    wait_for(browser, lambda d: d.title.startswith(f"{title} ·")
             and d.find_elements(By.CSS_SELECTOR, "main h2")[0].text == title
             and d.find_elements(By.CSS_SELECTOR, "section.part"))


def test_typing_checking_and_feedback(browser, server, tmp_path):
    open_problem(browser, server, "sigmoid")
    assert text_of(browser, "main h2") == "The sigmoid activation and its derivative"
    box = browser.find_element(By.ID, "part-derivative-answer")
    assert [label.text for label in browser.execute_script("return arguments[0].labels", box)] == ["Your answer"]
    preview = browser.find_element(By.ID, "part-derivative-preview")

    # the preview follows the typing: a misreading is visible before checking
    box.send_keys("1/1+e^(-z)")
    wait_for(browser, lambda d: "Interpreted as" in preview.text and preview.find_elements(By.TAG_NAME, "math"))
    maths = preview.find_element(By.TAG_NAME, "math")
    assert maths.get_attribute("innerHTML").startswith("<mrow><mfrac><mn>1</mn><mn>1</mn></mfrac>")
    assert maths.size["width"] > 20        # Chromium lays MathML out natively

    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("e^(-z)/(1+e^(-z)^2")
    wait_for(browser, lambda d: "never closed" in preview.text)
    assert preview.find_element(By.CSS_SELECTOR, "pre.grader-caret").text == "e^(-z)/(1+e^(-z)^2\n       ^"

    # Check by keyboard (Enter in the box): a wrong answer, then the right one
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("1/1+e^(-z)")
    box.send_keys(Keys.ENTER)
    result = browser.find_element(By.ID, "part-derivative-result")
    wait_for(browser, lambda d: "Incorrect" in result.text)
    assert "At z = 2.86, your answer is 1.057 but the expected value is 0.05125." in result.text
    shot = tmp_path / "page.png"
    browser.save_screenshot(str(shot))      # the README's picture: a misreading and its feedback
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("GRADER_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)

    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("e^(-z)/(1+e^(-z))^2")
    wait_for(browser, lambda d: "e" in preview.text and "never" not in preview.text)
    box.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: result.text.startswith("Correct"))
    assert "(2/2 points)" in result.text
    wait_for(browser, lambda d: "(2/3 points)" in d.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]').text)


def test_hints_and_a_choice_by_keyboard(browser, server):
    open_problem(browser, server, "sigmoid")
    hint = browser.find_element(By.XPATH, "//section[@aria-labelledby='part-derivative-title']"
                                          "//button[text()='Show a hint']")
    hints = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='part-derivative-title'] .hints")
    for n in range(1, 5):
        hint.send_keys(Keys.ENTER)
        wait_for(browser, lambda d: len(hints.find_elements(By.TAG_NAME, "p")) == n)
    shown = [p.text for p in hints.find_elements(By.TAG_NAME, "p")]
    assert [s.split(":")[0] for s in shown[:3]] == ["Hint 1 of 3", "Hint 2 of 3", "Hint 3 of 3"]
    assert shown[3] == "There are no more hints: you have seen all 3 of this part's hints."

    choice = browser.find_element(By.CSS_SELECTOR, "input[name='part-saturation-choice'][value='C']")
    choice.send_keys(Keys.SPACE)
    assert choice.is_selected()
    choice.send_keys(Keys.ENTER)       # Enter in a form submits it
    result = browser.find_element(By.ID, "part-saturation-result")
    wait_for(browser, lambda d: result.text.startswith("Correct"))


def test_student_values_and_tolerance_are_shown(browser, server):
    open_problem(browser, server, "two-layer-example")
    assert text_of(browser, "#student") == "Student: alice"
    assert text_of(browser, ".given").startswith("Given values: ")     # the shipped bank draws none per student
    assert "Accuracy needed: an error below 0.001." in text_of(browser, "#part-dC-dw1-expects")


def test_phone_sized_window(browser, server):
    browser.set_window_size(390, 844)
    try:
        open_problem(browser, server, "hidden-error")
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
        box = browser.find_element(By.CSS_SELECTOR, "input[type='text']")
        assert box.size["width"] > 300
    finally:
        browser.set_window_size(1100, 1400)


def test_checkboxes_and_partial_credit(browser, server):
    open_problem(browser, server, "deep-chain")
    box = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='part-dL-dw1-title'] fieldset")
    assert box.find_element(By.TAG_NAME, "legend").text == "Your answer (choose all that apply)"
    options = {i.get_attribute("value"): i for i in box.find_elements(By.CSS_SELECTOR, "input[type='checkbox']")}
    assert sorted(options) == ["A", "B", "C", "D"]
    result = browser.find_element(By.ID, "part-dL-dw1-result")
    options["B"].send_keys(Keys.SPACE)
    options["B"].send_keys(Keys.ENTER)
    wait_for(browser, lambda d: result.text.startswith("Partly correct"))
    assert "(1/2 points)" in result.text and "1 right option is missing." in result.text
    options["C"].send_keys(Keys.SPACE)
    options["C"].send_keys(Keys.ENTER)
    wait_for(browser, lambda d: result.text.startswith("Correct"))
