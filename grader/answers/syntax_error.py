"""Why an answer could not be read: one error type for the student, one for the reader's stages.

A stage (tokenizer, grammar, name and index reading) raises `ColumnError` with a column in the
normalised text; `parse` maps that column back to what the student typed and raises
`AnswerSyntaxError`, whose caret has to line up under the typed text in a terminal, so it counts
display columns: wide and fullwidth characters take two, combining marks none.
"""
from __future__ import annotations

import unicodedata

from grader.errors import StudentError
from grader.limits import CARET_MAX_LENGTH


def columns(text: str) -> int:
    """How many terminal columns `text` takes."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def caret_offset(src: str, position: int) -> int:
    """The terminal column (0-based) of a caret under character `position` of `src`: a
    combining mark is drawn over the character before it, so the caret goes there. One rule for
    every caret the grader draws (the terminal's, the web page's and a notebook's)."""
    start = position
    while 0 < start < len(src) and unicodedata.combining(src[start]):
        start -= 1
    return columns(src[:max(start, 0)])


class AnswerSyntaxError(StudentError):
    """Why an answer could not be read, written for a student, with the column it points at."""

    def __init__(self, message: str, position: int = 0, source: str = "", *, too_complex: bool = False):
        super().__init__(message)
        self.position = position
        self.source = source
        self.too_complex = too_complex

    @property
    def column(self) -> int:
        return self.position + 1

    def caret(self) -> str:
        """The answer with a caret under the offending character (empty for unprintable input).
        A combining mark is drawn over the character before it, so the caret goes there."""
        src = self.source
        if not src or len(src) > CARET_MAX_LENGTH or "\n" in src or any(unicodedata.category(c)[0] == "C" for c in src):
            return ""
        return f"{src}\n{' ' * caret_offset(src, self.position)}^"

    def __str__(self) -> str:
        return self.message


class ColumnError(Exception):
    """A stage's refusal: a message and a column in the normalised text, mapped back by `parse`."""

    def __init__(self, message: str, pos: int, too_complex: bool = False):
        super().__init__(message)
        self.message, self.pos, self.too_complex = message, pos, too_complex
