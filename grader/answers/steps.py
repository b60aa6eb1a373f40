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


# LaTeX layout that carries no mathematics: the environments that align a chain, alignment marks,
# display delimiters, tags and labels, spacing, and a remark in words after a space
# (`\quad \text{chain rule}`, or the course's `\quad \begin{array}{l} \text{...} \\ ... \end{array}`).
# A remark holds letters and punctuation only: `\, \mathrm{2}` or `\quad \text{2}` stays mathematics.
_ALIGNING = ("aligned", "align", "align*", "alignat", "alignat*", "eqnarray", "eqnarray*", "split", "gather",
             "gather*", "gathered", "equation", "equation*", "multline", "multline*", "flalign", "flalign*")
_WORDS = r"\\(?:text|textrm|textit|mbox)\{[A-Za-z .,;:'()/-]*[A-Za-z][A-Za-z .,;:'()/-]*\}"
_REMARK = re.compile(r"\\q?quad\s*(?:\\begin\{array\}\{[a-z]*\}\s*(?:" + _WORDS + r"\s*(?:\\\\)?\s*)+"
                     r"\\end\{array\}|(?:" + _WORDS + r"\s*)+)")
_LAYOUT = re.compile(r"\\(?:begin|end)\{(?:" + "|".join(re.escape(e) for e in _ALIGNING) + r")\}(?:\{[^{}]*\})?"
                     r"|\\(?:nonumber|notag)\b|\\(?:tag|label)\{[^{}]*\}|\\(?:q?quad|,|;|!|:|\s)|~"
                     r"|\$\$|\\\[|\\\]|\\\(|\\\)|&")
_ENVIRONMENT = re.compile(r"\\begin\{([^{}]*)\}")
_NEWLINE = re.compile(r"\\\\(?:\[[^\]]*\])?|\r\n|[\r\n\v\f\x85\u2028\u2029]")
# relations other than `=`, longest first: what a chain of equalities must not contain
_RELATIONS = ("\\Rightarrow", "\\Leftrightarrow", "\\implies", "\\iff", "\\approx", "\\leq", "\\geq", "\\neq",
              "\\le", "\\ge", "\\ne", "\\sim", "\\to", "\\equiv", "==", "=>", "<=", ">=", "!=", ":=",
              "<", ">", "≤", "≥", "≠", "≈", "⇒", "⟹", "⇔", "→", "≡")
_EQUALS = ("=", "＝", "﹦")
_OPEN, _CLOSE = "([{", ")]}"


def split(text: str) -> tuple[Piece, ...]:
    """The chain's expressions in order. Raises ChainError for a chain that cannot be cut: too
    long, an empty expression between two `=`, a relation other than `=`."""
    if len(text) > MAX_CHAIN_LENGTH:
        raise ChainError(f"This derivation is {len(text):,} characters long; the grader reads up to "
                         f"{MAX_CHAIN_LENGTH:,}.")
    text = _REMARK.sub(" ", text) if "\\" in text else text
    for m in _ENVIRONMENT.finditer(text):
        if m.group(1) not in _ALIGNING:
            row = text.count("\n", 0, m.start()) + 1
            raise ChainError(f"Line {row} has a '\\begin{{{m.group(1)}}}': a derivation is a chain of single "
                             f"expressions (an 'aligned' environment is fine; a matrix or cases is not one line).", row)
    rows = _NEWLINE.split(text)
    if sum(1 for r in rows if r.strip()) > MAX_CHAIN_LINES:
        raise ChainError(f"This derivation has {sum(1 for r in rows if r.strip())} lines; the grader reads up "
                         f"to {MAX_CHAIN_LINES}. Keep the steps that matter.")
    pieces: list[Piece] = []
    for row, raw in enumerate(rows, 1):
        line = _LAYOUT.sub(" ", raw) if "\\" in raw or "&" in raw or "$$" in raw else raw
        if not line.strip():
            continue
        _refuse_relations(line, row)
        parts = _cut(line, row)
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


def _cut(line: str, row: int) -> list[str]:
    """The line cut at every `=` outside brackets (a leading or trailing `=` gives an empty end).
    A bracket left open would hide every `=` after it: said as such, not as a stray `=`."""
    out, depth, start, hidden = [], 0, 0, False
    for i, ch in enumerate(line):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _EQUALS:
            if depth == 0:
                out.append(line[start:i])
                start = i + 1
            else:
                hidden = True
    if depth and hidden:
        raise ChainError(f"Line {row} has a bracket that is never closed before an '=': close it, or put the "
                         f"expressions on lines of their own.", row)
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
