"""Formulas in a problem's prose: `$delta_j^l = dC/dz_j^l$` in a statement, prompt, option or hint.

An author writes mathematics in the answer syntax the students type, so one parser reads both
and a formula that the page shows is one the grader could read. A `$...$` span is one
expression or a chain of expressions joined by `=`, read with the problem's names (and its
`notation:` names, which only the prose may use). `\\$` is a dollar sign. Here the text is only
cut into pieces and the pieces read; how they look (MathML, plain text) is the show stage's.
The parser is imported where a formula is read: cutting prose for a terminal needs no numpy.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator, Optional

from grader.answers.dollars import UnclosedFormula, pieces
from grader.answers.tree import Bin, Node, Num, Sym
from grader.model import Problem, SymbolTable

def formula_table(problem: Problem) -> SymbolTable:
    """The names a formula in the prose may use: the problem's, then its `notation:` names."""
    return replace(problem.table, symbols=problem.table.symbols + problem.notation)


def read_formula(source: str, table: SymbolTable) -> tuple[Node, ...]:
    """The sides of `a = b = ...` (one side for an expression). Raises AnswerSyntaxError."""
    from grader.answers.parser import AnswerSyntaxError, parse
    sides = source.split("=")
    if not source.strip():
        raise AnswerSyntaxError("The formula between the dollars is empty.", 0, source)
    return tuple(_index_term(side, table) or parse(side, table).tree for side in sides)


_INDEX_TERM = re.compile(r"\s*([A-Za-z]+)\s*(?:([+-])\s*(\d{1,3})\s*)?")


def _index_term(side: str, table: SymbolTable) -> Optional[Node]:
    """An index letter on its own in the prose (`unit $j$ of layer $l-1$`), which an answer may
    only use as a subscript, read as the letter it is."""
    m = _INDEX_TERM.fullmatch(side)
    if m is None or table.index_role(m.group(1)) is None:
        return None
    letter = Sym(m.group(1))
    if m.group(2) is None:
        return letter
    return Bin(m.group(2), letter, Num(int(m.group(3)), m.group(3)))


def prose_texts(problem: Problem) -> Iterator[tuple[str, str]]:
    """Every text a student reads, with where it is: the statement, then each part's prompt,
    options and hints."""
    yield "the statement", problem.statement
    for part in problem.parts:
        yield f"part '{part.id}': the prompt", part.prompt
        for i, option in enumerate(part.options):
            yield f"part '{part.id}': option {i + 1}", option
        for i, hint in enumerate(part.hints):
            yield f"part '{part.id}': hint {i + 1}", hint


def formula_errors(problem: Problem) -> Iterator[tuple[str, str, Optional[str]]]:
    """(where, message, text to find it by in the file) for every formula that cannot be read."""
    from grader.answers.parser import AnswerSyntaxError
    table = formula_table(problem)
    for where, text in prose_texts(problem):
        try:
            found = pieces(text)
        except UnclosedFormula as exc:
            snippet = text[exc.offset:exc.offset + 30].split("\n")[0]
            yield where, (f"the '$' of '{snippet}' opens a formula that no '$' closes "
                          f"(write \\$ for a dollar sign)"), snippet
            continue
        for piece in found:
            if not piece.math:
                continue
            try:
                read_formula(piece.text, table)
            except (AnswerSyntaxError, RecursionError, ValueError) as exc:
                first, *more = piece.text.split("\n")
                yield where, f"the formula ${piece.text}$ cannot be read: {exc}", "$" + first + ("" if more else "$")
