"""Normalised answer text -> tokens: numbers, names, operators, each with its column and
whether white space came before it (the grammar reads `f (x)` and `f(x)` differently)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.answers import latex
from grader.answers.syntax_error import ColumnError


@dataclass(frozen=True, slots=True)
class Token:
    kind: str      # NUM NAME OP END
    text: str
    pos: int       # column in the normalised text
    space: bool    # white space before it
    glue: bool = False   # that space followed a LaTeX letter command (\\Delta W): a declared DeltaW may join


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9]*)
  | (?P<op>\*\*|\.\*|[-+*/^(){}\[\],_'|!])
""", re.VERBOSE)


def tokenize(src: str, glue: bool = False) -> list[Token]:
    """`glue`: the text came from the LaTeX reader, whose GLUE character marks a space after a
    letter command."""
    tokens: list[Token] = []
    pos, space, glued = 0, False, False
    while pos < len(src):
        if glue and src[pos] == latex.GLUE:
            space = glued = True
            pos += 1
            continue
        m = _TOKEN.match(src, pos)
        if m is None:
            raise ColumnError(f"'{src[pos]}' is not part of the answer syntax", pos)
        kind = m.lastgroup
        if kind == "space":
            space = True
        else:
            tokens.append(Token(kind.upper(), m.group(), pos, space, glued))
            space = glued = False
        pos = m.end()
    tokens.append(Token("END", "", len(src), space))
    return tokens
