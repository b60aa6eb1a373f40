"""Saved work on the page, in a real headless Chromium against a real `grader serve`: answers
and their verdicts come back after a reload, each part shows solved / tried / not tried yet,
the running total follows the checks, "Download my answers" saves an answers.yaml that grades
to the verdicts the page showed, the verdict is scrolled into view after Check, and on a
phone-sized window a long answer's caret is in sight.
"""
from __future__ import annotations

import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import grader
from chromium import browser_fixture
# a `grader serve --student alice` of this module's own; the browser (a fresh profile) is ours too,
# so no other test's saved work is in its storage
from test_web_browser import open_problem, server, wait_for   # noqa: F401 (server: a fixture)

DERIVATIVE = "e^(-z)/(1+e^(-z))^2"


browser = browser_fixture("1280,900")


def max_points(server) -> str:
    with urllib.request.urlopen(server + "api/problems") as r:
        return f"{sum(p['points'] for p in json.load(r)['problems']):g}"


def in_view(browser, element) -> bool:
    return browser.execute_script("const r = arguments[0].getBoundingClientRect();"
                                  "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;", element)


def state_of(browser, part):
    return browser.find_element(By.ID, f"part-{part}-state").text


def test_answers_and_verdicts_survive_a_reload_and_the_total_follows(browser, server, tmp_path):
    total = max_points(server)
    open_problem(browser, server, "sigmoid")
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    open_problem(browser, server, "sigmoid")
    assert browser.find_element(By.ID, "total").text == f"Total: 0 of {total} points"
    assert state_of(browser, "derivative") == "not tried yet" and state_of(browser, "saturation") == "not tried yet"

    box = browser.find_element(By.ID, "part-derivative-answer")
    box.send_keys(DERIVATIVE, Keys.ENTER)
    result = browser.find_element(By.ID, "part-derivative-result")
    wait_for(browser, lambda d: result.text.startswith("Correct"))
    # Enter right after typing: the preview fills in above the verdict, which stays in view
    preview = browser.find_element(By.ID, "part-derivative-preview")
    wait_for(browser, lambda d: "Interpreted as" in preview.text and in_view(d, result))
    assert state_of(browser, "derivative") == "solved"
    assert browser.find_element(By.ID, "total").text == f"Total: 2 of {total} points"

    # a wrong choice, checked: tried; the verdict is scrolled into view on a 1280x900 window
    browser.execute_script("window.scrollTo(0, 0)")
    browser.find_element(By.CSS_SELECTOR, "input[name='part-saturation-choice'][value='A']").click()
    saturation = browser.find_element(By.XPATH, "//section[@aria-labelledby='part-saturation-title']"
                                                "//button[text()='Check']")
    browser.execute_script("arguments[0].click()", saturation)
    verdict = browser.find_element(By.ID, "part-saturation-result")
    wait_for(browser, lambda d: verdict.text.startswith("Incorrect"))
    wait_for(browser, lambda d: in_view(d, verdict))
    assert state_of(browser, "saturation") == "tried"
    assert browser.find_element(By.ID, "total").text == f"Total: 2 of {total} points"
    shown = {"derivative": result.text, "saturation": verdict.text}

    browser.refresh()
    open_problem(browser, server, "sigmoid")
    assert browser.find_element(By.ID, "part-derivative-answer").get_attribute("value") == DERIVATIVE
    assert browser.find_element(By.CSS_SELECTOR, "input[name='part-saturation-choice'][value='A']").is_selected()
    assert browser.find_element(By.ID, "part-derivative-result").text == shown["derivative"]
    assert browser.find_element(By.ID, "part-saturation-result").text == shown["saturation"]
    assert state_of(browser, "derivative") == "solved" and state_of(browser, "saturation") == "tried"
    assert browser.find_element(By.ID, "total").text == f"Total: 2 of {total} points"
    assert "(2/3 points)" in browser.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]').text

    # "Download my answers": the file grades to the verdicts the page shows
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.find_element(By.ID, "download").click()
    saved = tmp_path / "answers.yaml"
    wait_for(browser, lambda d: saved.exists() and saved.read_text(encoding="utf-8").endswith("\n"))
    assert saved.read_text(encoding="utf-8") == (
        "# My answers, saved from the grader's web page. Grade them with: grader grade answers.yaml\n"
        'student: "alice"\nsigmoid:\n  derivative: "e^(-z)/(1+e^(-z))^2"\n  saturation: "A"\n')
    graded = {r.part: (r.verdict.status, r.verdict.score) for r in grader.grade_file(saved).parts
              if r.problem == "sigmoid"}
    assert graded == {"derivative": ("correct", 2.0), "saturation": ("incorrect", 0.0)}


    # an answer typed but not checked survives a reload too; its old verdict says it is about the old answer
    browser.find_element(By.ID, "part-derivative-answer").send_keys(" + 1")
    browser.refresh()
    open_problem(browser, server, "sigmoid")
    assert browser.find_element(By.ID, "part-derivative-answer").get_attribute("value") == DERIVATIVE + " + 1"
    assert browser.find_element(By.ID, "part-derivative-result").text == (
        shown["derivative"] + "\nThis was the verdict on your answer as last checked; you have changed it since.")
    assert state_of(browser, "derivative") == "solved"     # the total and the file stay those of the checks


def test_a_long_answers_caret_is_in_sight_on_a_phone(browser, server):
    browser.set_window_size(390, 844)
    try:
        open_problem(browser, server, "sigmoid")
        box = browser.find_element(By.ID, "part-derivative-answer")
        box.clear()
        box.send_keys("e^(-z)/(1+e^(-z))^2 + 0*z + 0*z + 0*z + 0*z + 0*z + 0*z + 0*z + (z")
        caret = (By.CSS_SELECTOR, "#part-derivative-preview pre.grader-caret")
        wait_for(browser, lambda d: d.find_elements(*caret))
        pre = browser.find_element(*caret)
        seen = browser.execute_script("""
            const pre = arguments[0], text = pre.lastChild, range = document.createRange();
            range.setStart(text, text.data.length - 1); range.setEnd(text, text.data.length);
            const c = range.getBoundingClientRect(), p = pre.getBoundingClientRect();
            return [pre.scrollWidth > pre.clientWidth, c.left >= p.left && c.right <= p.right];""", pre)
        assert seen == [True, True]
    finally:
        browser.set_window_size(1280, 900)
