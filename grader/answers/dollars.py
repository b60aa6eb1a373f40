"""Dollars in a problem's prose: where its `$...$` formulas are, and the prose as plain text.

A formula is written in the answer syntax; cutting the text at its dollars needs no parser, so
the terminal, the choice reader (an option typed as it is shown) and the page's renderer share
this one reading of the dollars. `\\$` is a dollar sign.
"""
from __future__ import annotations

from dataclasses import dataclass

DOLLAR = "$"


@dataclass(frozen=True)
class Piece:
    """Text as written (`math` False, `\\$` already a dollar) or the source of a formula."""
    text: str
    math: bool
    offset: int      # where the piece starts in the prose (for the formula: after its `$`)


class UnclosedFormula(ValueError):
    """A `$` that opens a formula no `$` closes."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


def pieces(text: str) -> tuple[Piece, ...]:
    """The prose cut at its unescaped dollars. Raises UnclosedFormula for an odd one out."""
    out: list[Piece] = []
    buf: list[str] = []
    start, math, i = 0, False, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text.startswith(DOLLAR, i + 1) and not math:
            buf.append(DOLLAR)
            i += 2
            continue
        if c == DOLLAR:
            if buf or math:
                out.append(Piece("".join(buf), math, start))
            buf, math, start = [], not math, i + 1
            i += 1
            continue
        buf.append(c)
        i += 1
    if math:
        raise UnclosedFormula(start - 1)
    if buf:
        out.append(Piece("".join(buf), False, start))
    return tuple(out)


def plain(text: str) -> str:
    """The prose as a terminal shows it: a formula as typed, without its dollars."""
    try:
        return "".join(p.text for p in pieces(text))
    except UnclosedFormula:
        return text
