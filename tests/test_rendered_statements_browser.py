"""A statement's `$...$` formulas as a real headless Chromium shows them (issue 27, item 1):
MathML elements the browser lays out, a bullet list as a list, no dollar left on the page."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from chromium import browser_fixture
import pytest

import grader
from grader.number_format import number_text
from test_web_browser import REPO, open_problem, server, serving, wait_for  # noqa: F401  (the module's `grader serve` fixture)

MATHML = "http://www.w3.org/1998/Math/MathML"


browser = browser_fixture("1280,900")


def test_a_statements_formula_is_mathml_on_the_page(server, browser):  # noqa: F811
    browser.get(server + "#/problem/output-error")
    formulas = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".statement math"))
    delta = [m for m in formulas if m.text.replace("\n", "").startswith("δ")]
    assert delta, [m.text for m in formulas]
    # a MathML element the browser lays out (with a size), not text that looks like one
    assert browser.execute_script("return arguments[0].namespaceURI", delta[0]) == MATHML
    box = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]",
                                 delta[0])
    assert box[0] > 20 and box[1] > 10
    fraction = delta[0].find_elements(By.CSS_SELECTOR, "mfrac")
    assert len(fraction) == 1 and fraction[0].text.replace("\n", "") == "∂C∂zj(l)"
    items = browser.find_elements(By.CSS_SELECTOR, ".statement ul > li")
    assert len(items) == 3 and items[2].text.startswith("type delta_j^L as delta_j^L")
    assert browser.find_elements(By.CSS_SELECTOR, "#part-delta-L-prompt math")
    main_text = browser.find_element(By.ID, "main").text
    assert "$" not in main_text and "* the error" not in main_text


def test_a_hints_formula_is_mathml_on_the_page(server, browser):  # noqa: F811
    browser.get(server + "#/problem/output-error")
    button = wait_for(browser, lambda d: d.find_element(
        By.XPATH, "//section[@aria-labelledby='part-delta-L-title']//button[text()='Show a hint']"))
    button.click()
    hints = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='part-delta-L-title'] .hints")
    shown = wait_for(browser, lambda d: hints.find_elements(By.CSS_SELECTOR, "p math"))
    assert hints.find_element(By.TAG_NAME, "p").text.startswith("Hint 1 of 3:")
    assert len(shown) == 4 and shown[2].text.replace("\n", "") == "C"
    assert "$" not in hints.text


@pytest.fixture(scope="module")
def own_values(tmp_path_factory):
    """`grader serve` for alice with the two-layer example's per-student values switched on, and
    alice's values as grading draws them."""
    path = tmp_path_factory.mktemp("assignment") / "a.yaml"
    path.write_text("title: HW\nproblems:\n  - {id: two-layer-example, randomize: per-student}\n", encoding="utf-8")
    problem = grader.apply_assignment(grader.load_assignment(path), REPO / "problems")["two-layer-example"]
    for url in serving(tmp_path_factory, "--assignment", path):
        yield url, grader.student_values(problem, "alice")


def test_the_statement_and_a_hint_show_the_students_own_values(own_values, browser):  # noqa: F811
    # issue 28, item 5: "Your values are $x = {x}$ ..." shows alice's own values, as MathML, and so does hint 2
    url, mine = own_values
    assert (mine["x"], mine["w1"], mine["w2"]) != (3, 0.01, -5)      # alice was drawn values of her own
    open_problem(browser, url, "two-layer-example")
    statement = browser.find_element(By.CSS_SELECTOR, ".statement")
    said = statement.text.replace("\n", "").replace(" ", "")
    x, w1, w2 = (number_text(mine[n]).replace("-", "−") for n in ("x", "w1", "w2"))
    assert f"Yourvaluesaret=1,x={x},w1={w1},w2={w2}andb=−1." in said, said
    assert "{" not in said
    button = browser.find_element(By.XPATH, "//section[@aria-labelledby='part-loss-title']//button[text()='Show a hint']")
    button.click()
    button.click()
    hints = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='part-loss-title'] .hints")
    wait_for(browser, lambda d: "Hint 2 of 2" in hints.text)
    assert f"z2=w2·w1·x+b={w2}·{w1}·{x}+(−1)" in hints.text.replace("\n", "").replace(" ", ""), hints.text
