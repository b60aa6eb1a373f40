"""A statement's `$...$` formulas as a real headless Chromium shows them (issue 27, item 1):
MathML elements the browser lays out, a bullet list as a list, no dollar left on the page."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from chromium import browser_fixture
from test_web_browser import server, wait_for  # noqa: F401  (the module's `grader serve` fixture)

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
