"""A derivation as typed -> the expressions of its chain of equalities, each with where it was.

Students write a chain one expression per line (`= ...` continuing it), several on one line
(`a = b = c`), or paste it from LaTeX (`\\begin{aligned} ... &= ... \\\\ ... \\end{aligned}`,
`\\quad \\text{chain rule}` remarks). This module only cuts the text; each piece is then read by
the ordinary answer parser, so a derivation line is exactly an answer. Like the parser it is a
function over the source with one error type carrying the position, and it never evaluates.

An `=` inside brackets or braces (`\\sum_{k=1}^{n}`) is not a step. Anything that is not an
equality (`<`, `≤`, `⇒`, `\\approx`) is refused with its line: the grader checks equalities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.answers.syntax_error import AnswerSyntaxError
from grader.limits import MAX_ANSWER_LENGTH, MAX_CHAIN_LENGTH, MAX_CHAIN_LINES


@dataclass(frozen=True)
class Piece:
    """One expression of the chain: its number in the chain, the text as typed (stripped), and
    the row of the answer it is on (1-based, what an editor shows)."""

    number: int
    text: str
    row: int


class ChainError(AnswerSyntaxError):
    """A chain that cannot be cut into expressions; `row` is the answer's line (1-based)."""

    def __init__(self, message: str, row: int = 0):
        super().__init__(message)
        self.row = row


# LaTeX layout that carries no mathematics: environments, alignment marks, display delimiters,
# tags, and a spacing command followed by a remark in words (`\quad \text{chain rule}`)
_LAYOUT = re.compile(r"\\(?:begin|end)\{[A-Za-z*]+\}(?:\{[^{}]*\})?|\\(?:nonumber|notag)\b|\\tag\{[^{}]*\}"
                     r"|\\(?:q?quad|,|;|!|\s)\s*(?:\\(?:text|textrm|mbox|mathrm)\{[^{}]*\}\s*)*"
                     r"|\$\$|\\\[|\\\]|&")
_NEWLINE = re.compile(r"\\\\(?:\[[^\]]*\])?|\r\n|\r|\n")
# relations other than `=`, longest first: what a chain of equalities must not contain
_RELATIONS = ("\\Rightarrow", "\\Leftrightarrow", "\\implies", "\\iff", "\\approx", "\\leq", "\\geq", "\\neq",
              "\\le", "\\ge", "\\ne", "\\sim", "\\to", "\\equiv", "==", "=>", "<=", ">=", "!=", ":=",
              "<", ">", "≤", "≥", "≠", "≈", "⇒", "⟹", "⇔", "→", "≡", "~")
_EQUALS = ("=", "＝")
_OPEN, _CLOSE = "([{", ")]}"


def split(text: str) -> tuple[Piece, ...]:
    """The chain's expressions in order. Raises ChainError for a chain that cannot be cut: too
    long, an empty expression between two `=`, a relation other than `=`."""
    if len(text) > MAX_CHAIN_LENGTH:
        raise ChainError(f"This derivation is {len(text):,} characters long; the grader reads up to "
                         f"{MAX_CHAIN_LENGTH:,}.")
    rows = [r for r in _NEWLINE.split(text)]
    if sum(1 for r in rows if r.strip()) > MAX_CHAIN_LINES:
        raise ChainError(f"This derivation has {sum(1 for r in rows if r.strip())} lines; the grader reads up "
                         f"to {MAX_CHAIN_LINES}. Keep the steps that matter.")
    pieces: list[Piece] = []
    for row, raw in enumerate(rows, 1):
        line = _LAYOUT.sub(" ", raw) if "\\" in raw or "&" in raw or "$$" in raw else raw
        if not line.strip():
            continue
        _refuse_relations(line, row)
        parts = _cut(line)
        for i, part in enumerate(parts):
            part = part.strip()
            if part:
                if len(part) > MAX_ANSWER_LENGTH:
                    raise ChainError(f"Line {row} is {len(part):,} characters long; one expression may have "
                                     f"up to {MAX_ANSWER_LENGTH:,}.", row)
                pieces.append(Piece(len(pieces) + 1, part, row))
            elif 0 < i < len(parts) - 1:
                raise ChainError(f"Line {row} has two '=' with nothing between them.", row)
    return tuple(pieces)


def _cut(line: str) -> list[str]:
    """The line cut at every `=` outside brackets (a leading or trailing `=` gives an empty end)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _EQUALS and depth == 0:
            out.append(line[start:i])
            start = i + 1
    out.append(line[start:])
    return out


def _refuse_relations(line: str, row: int) -> None:
    for rel in _RELATIONS:
        at = line.find(rel)
        if at < 0 or (rel.startswith("\\") and line[at + len(rel):at + len(rel) + 1].isalpha()):
            continue
        shown = rel.lstrip("\\") if rel.startswith("\\") else rel
        raise ChainError(f"Line {row} has '{shown}': a derivation here is a chain of equalities, one "
                         f"expression per line or joined by '='. Write each step as '= ...', and put "
                         f"remarks in words outside the answer.", row)
