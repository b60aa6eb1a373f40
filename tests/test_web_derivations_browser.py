"""A derivation typed into the web page in a real headless Chromium against a real `grader
serve`: the multi-line box takes Enter as a new line, each line gets its mark while the student
types (before any Check), Ctrl+Enter checks, and the verdict shows the marked lines with the
reason at the wrong one; a correct chain gets full marks."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from test_web_browser import browser, open_problem, server, wait_for   # noqa: F401 (fixtures)

SLIP = ["dc/dW_(ij)^l", "= dz_i^l/dW_(ij)^l * dc/dz_i^l", "= a_i^(l-1) * delta_j^l"]
GOOD = ["dc/dW_(ij)^l", "= dz_j^l/dW_(ij)^l * dc/dz_j^l", "= a_i^(l-1) * delta_j^l"]
WRONG_UNIT = "z_i^(l) has the wrong unit: it should be z_j^(l)."


def type_lines(box, lines):
    for i, line in enumerate(lines):
        box.send_keys(line)
        if i < len(lines) - 1:
            box.send_keys(Keys.ENTER)      # a new line, not a submission


def marks(region):
    """(mark, what a screen reader hears, the reasons under it) for each line shown in `region`."""
    out = []
    for item in region.find_elements(By.CSS_SELECTOR, "li.grader-step"):
        mark = item.find_element(By.CSS_SELECTOR, ".grader-mark")
        reasons = [r.text for r in item.find_elements(By.CSS_SELECTOR, ".grader-step-feedback li")]
        out.append((mark.text, mark.get_attribute("aria-label"), reasons))
    return out


def test_a_slip_is_marked_as_the_student_types_then_checked(browser, server):
    open_problem(browser, server, "derivation-homework")
    box = browser.find_element(By.ID, "part-dc-dW-answer")
    assert box.tag_name == "textarea"
    assert [label.text for label in browser.execute_script("return arguments[0].labels", box)] == ["Your derivation"]
    preview = browser.find_element(By.ID, "part-dc-dW-preview")
    summary = browser.find_element(By.ID, "part-dc-dW-marks")     # what a screen reader announces
    assert summary.get_attribute("aria-live") == "polite" and preview.get_attribute("aria-live") is None
    assert box.get_attribute("aria-describedby").split() == ["part-dc-dW-prompt", "part-dc-dW-expects",
                                                             "part-dc-dW-keys", "part-dc-dW-marks"]
    assert browser.find_element(By.ID, "part-dc-dW-keys").text.startswith("Enter starts a new line; Ctrl+Enter "
                                                                           "checks the derivation.")
    result = browser.find_element(By.ID, "part-dc-dW-result")

    type_lines(box, SLIP)
    assert box.get_attribute("value") == "\n".join(SLIP)      # Enter made new lines
    wait_for(browser, lambda d: len(marks(preview)) == 3)
    assert marks(preview) == [
        ("▸", "start", []),
        ("✗", "does not follow", ["Line 2 does not follow from line 1.", WRONG_UNIT]),
        ("✗", "does not follow", ["Line 3 does not follow from line 2, but it equals line 1 again: the slip is "
                                  "in line 2."])]
    assert summary.get_attribute("textContent") == "3 lines: line 2 does not follow; line 3 does not follow."
    assert result.text == ""                                   # live marks, nothing submitted yet

    box.send_keys(Keys.CONTROL, Keys.ENTER)                    # the keyboard's Check
    wait_for(browser, lambda d: result.text.startswith("Incorrect"))
    assert "(0/2 points)" in result.text
    assert [m[0] for m in marks(result)] == ["▸", "✗", "✗"] and WRONG_UNIT in result.text
    assert box.get_attribute("value") == "\n".join(SLIP)       # Ctrl+Enter added no line

    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    type_lines(box, GOOD)
    wait_for(browser, lambda d: [m[0] for m in marks(preview)] == ["▸", "✓", "✓"])
    browser.find_element(By.XPATH, "//section[@aria-labelledby='part-dc-dW-title']//button[text()='Check']").click()
    wait_for(browser, lambda d: result.text.startswith("Correct"))
    assert "(2/2 points)" in result.text
    assert [m[:2] for m in marks(result)] == [("▸", "start"), ("✓", "follows"), ("✓", "follows")]
    assert "Every step follows, from ∂c/∂W_ij^(l) to a_i^(l−1)·δ_j^(l)." in result.text
