"""Formulas in a problem's prose: `$delta_j^l = dC/dz_j^l$` in a statement, prompt, option or hint.

An author writes mathematics in the answer syntax the students type, so one parser reads both
and a formula that the page shows is one the grader could read. A `$...$` span is one
expression or a chain of expressions joined by `=`, read with the problem's names (and its
`notation:` names, which only the prose may use). `\\$` is a dollar sign. Here the text is only
cut into pieces and the pieces read; how they look (MathML, plain text) is the show stage's.
The parser is imported where a formula is read: cutting prose for a terminal needs no numpy.

A text may also name a given value, `{x}`: shown as the student's own value wherever the problem
is shown for a student (`with_values`), so "with x = {x}" never shows the course's number to a
student who was drawn another. `{{` and `}}` are literal braces; `code` spans are kept as typed
(LaTeX a student may paste, `\\frac{a}{b}`, lives there).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import Iterator, Mapping, Optional

from grader.answers.dollars import UnclosedFormula, pieces
from grader.answers.tree import Bin, Node, Num, Sym
from grader.model import Part, Problem, SymbolTable
from grader.number_format import number_text

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
    table, course = formula_table(problem), dict(problem.given)
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
                read_formula(fill_values(piece.text, course), table)   # as the course's values show it
            except (AnswerSyntaxError, RecursionError, ValueError) as exc:
                first, *more = piece.text.split("\n")
                yield where, f"the formula ${piece.text}$ cannot be read: {exc}", "$" + first + ("" if more else "$")


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
_PLACE = re.compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_]*)\}")


def _prose_pieces(text: str) -> list[tuple[str, bool]]:
    """(piece, whether it is a `code` span, kept as typed) in order."""
    return [(piece, bool(_CODE_SPAN.fullmatch(piece))) for piece in _CODE_SPAN.split(text)]


def fill_values(text: str, values: Mapping[str, float]) -> str:
    """`text` with each `{name}` of a given value replaced by the value as the instructor would
    write it (`number_text`); a name with no value is left as typed (validate reports it)."""
    if "{" not in text and "}" not in text:
        return text

    def one(m: re.Match) -> str:
        if m.group(1) is None:
            return m.group(0)[0]
        return number_text(values[m.group(1)]) if m.group(1) in values else m.group(0)
    return "".join(piece if code else _PLACE.sub(one, piece) for piece, code in _prose_pieces(text))


def with_values(problem: Problem, values: Mapping[str, float]) -> Problem:
    """The problem as shown to the student these values are drawn for: every text a student
    reads filled (`fill_values`); grading keeps the problem as written. Fill once: a filled
    text's `{{x}}` has become `{x}`."""
    if not any("{" in text or "}" in text for _, text in prose_texts(problem)):
        return problem
    return replace(problem, statement=fill_values(problem.statement, values),
                   parts=tuple(part_with_values(part, values) for part in problem.parts))


def part_with_values(part: Part, values: Mapping[str, float]) -> Part:
    """One part's prompt, options and hints filled, for an interface that shows only the part."""
    fill = lambda text: fill_values(text, values)      # noqa: E731
    return replace(part, prompt=fill(part.prompt), options=tuple(map(fill, part.options)),
                   hints=tuple(map(fill, part.hints)))


def placeholder_errors(problem: Problem) -> Iterator[tuple[str, str, str]]:
    """(where, message, the placeholder) for each `{name}` that names no given value."""
    given = sorted(dict(problem.given))
    for where, text in prose_texts(problem):
        names = [m.group(1) for piece, code in _prose_pieces(text) if not code
                 for m in _PLACE.finditer(piece) if m.group(1)]
        for name in dict.fromkeys(n for n in names if n not in given):
            if not given:
                said = "this problem has no 'given' values to show"
            else:
                close = difflib.get_close_matches(name, given, n=1, cutoff=0.6)
                said = f"the given values are {', '.join(given)}" + (f"; did you mean {{{close[0]}}}?" if close else "")
            yield where, (f"{{{name}}} names no given value ({said}). A text shows a given value as {{x}}; "
                          f"write {{{{ and }}}} for a literal brace"), "{" + name + "}"
