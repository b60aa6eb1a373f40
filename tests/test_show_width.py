"""One caret: the terminal and the HTML put the caret under a syntax error by display width."""
from __future__ import annotations

from grader.model import INVALID, Verdict
from grader.show.html import caret_html
from grader.show.text import Style, verdict_lines
from grader.show.width import caret_pad, display_width


def test_display_width_counts_wide_as_two_and_combining_as_zero():
    assert display_width("z+)") == 3
    assert display_width("ｚ+)") == 4          # fullwidth (F)
    assert display_width("中") == 2            # wide (W)
    assert display_width("e\u0301+") == 2       # e + combining acute accent, then +
    assert caret_pad("ｚ+)", 3) == "   "
    assert caret_pad("z", 2) == " "             # past the end: one after the last character


def test_terminal_and_html_carets_stand_in_the_same_column():
    answer = "ｚ\u0301+)"                        # wide, combining, then the unmatched bracket
    verdict = Verdict(INVALID, 0, 2, feedback=("This ')' has no matching opening bracket.",), column=4)
    text = verdict_lines(verdict, answer, Style(colour=False, unicode=True))
    assert text[1:3] == [f"  {answer}", "     ^"]
    html = caret_html(answer, 4)
    assert html.endswith(f"{answer}\n   ^</pre>")
