"""Where a caret goes under an answer, as a terminal and a monospaced `<pre>` lay it out: the
answer reader's own rule (`caret_offset`: wide characters two columns, combining marks none),
so the terminal's caret, the HTML caret and the syntax error's own caret point at one place."""
from __future__ import annotations

from grader.answers.syntax_error import caret_offset, columns
from grader.limits import CARET_MAX_LENGTH

display_width = columns


def caret_pad(answer: str, column: int) -> str:
    """The spaces before a caret under the 1-based character `column` of `answer` (a column past
    the end, the parser's "here the answer stopped", goes one past its last character)."""
    return " " * caret_offset(answer, max(column - 1, 0))


def shows_caret(answer: str | None, column: int | None) -> bool:
    """A caret is shown only under a short, printable, one-line answer with a known column."""
    return column is not None and bool(answer) and len(answer) <= CARET_MAX_LENGTH and answer.isprintable()
