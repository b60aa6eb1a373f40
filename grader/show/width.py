"""Where a caret goes under an answer: the display width of text, as a terminal and a
monospaced `<pre>` lay it out. A wide character (East Asian width W or F: `ｘ`, `中`) takes two
columns, a combining mark none, anything else one. The terminal's caret line and the HTML caret
both count with this one function, so they point at the same place."""
from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: wide characters 2, combining marks 0, others 1."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def caret_pad(answer: str, column: int) -> str:
    """The spaces before a caret under the 1-based character `column` of `answer` (a column past
    the end, the parser's "here the answer stopped", goes one past its last character)."""
    return " " * display_width(answer[: max(column - 1, 0)])


def shows_caret(answer: str | None, column: int | None) -> bool:
    """A caret is shown only under a short, printable, one-line answer with a known column."""
    return column is not None and bool(answer) and len(answer) <= 200 and answer.isprintable()
