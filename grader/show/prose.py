"""A problem's prose (statement, prompts, options, hints) as a student reads it: on a page as
HTML with its `$...$` formulas as MathML, in a terminal as plain text.

The HTML is a small Markdown subset, enough for a problem statement: paragraphs, bullet and
numbered lists, indented blocks kept as written (a block that is one formula is shown on its
own line), `code` and **bold**. Everything else is text: the whole prose is escaped before any
markup is added, so an author's (or a forged bank's) `<script>` is shown, never run.
"""
from __future__ import annotations

import re
from html import escape
from typing import Optional

from grader.answers.dollars import UnclosedFormula, pieces, plain
from grader.authoring.formulas import formula_table, part_with_values, read_formula, with_values  # noqa: F401 (shown with values)
from grader.model import Problem, SymbolTable

_BULLET = re.compile(r"^\s{0,3}([*+-]|\d{1,3}[.)])\s+")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def prose_html(text: str, problem: Optional[Problem] = None) -> str:
    """Blocks (separated by blank lines) as paragraphs, lists and kept blocks."""
    table = formula_table(problem) if problem is not None else None
    out = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("    ") for line in lines):
            out.append(_kept(lines, table))
            continue
        before = [line for line in _until_bullet(lines)]
        if before:
            out.append(f"<p>{inline_html(' '.join(s.strip() for s in before), table)}</p>")
        if len(before) < len(lines):
            out.append(_list(lines[len(before):], table))
    return "".join(out)


def _until_bullet(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if _BULLET.match(line):
            break
        out.append(line)
    return out


def _list(lines: list[str], table: Optional[SymbolTable]) -> str:
    """Items start at a bullet; an unmarked line continues the item above it."""
    tag = "ol" if _BULLET.match(lines[0]).group(1)[0].isdigit() else "ul"
    items: list[list[str]] = []
    for line in lines:
        mark = _BULLET.match(line)
        if mark:
            items.append([line[mark.end():]])
        else:
            items[-1].append(line.strip())
    return f"<{tag}>" + "".join(f"<li>{inline_html(' '.join(i), table)}</li>" for i in items) + f"</{tag}>"


def _kept(lines: list[str], table: Optional[SymbolTable]) -> str:
    """An indented block: one formula alone is displayed; anything else kept as typed."""
    body = "\n".join(line[4:] for line in lines)
    source = body.strip()
    if table is not None and source.startswith("$") and source.endswith("$") and source.count("$") == 2:
        shown = _formula(source[1:-1], table, "block")
        if shown is not None:
            return f'<p class="grader-display">{shown}</p>'
    return f"<pre>{escape(plain(body))}</pre>"


def inline_html(text: str, problem_or_table=None) -> str:
    """One run of text: formulas as MathML (with a table), `code`, **bold**; the rest escaped."""
    table = formula_table(problem_or_table) if isinstance(problem_or_table, Problem) else problem_or_table
    try:
        found = pieces(text)
    except UnclosedFormula:
        return _marked(escape(text))
    out = []
    for piece in found:
        if piece.math:
            out.append(_formula(piece.text, table, "inline") or f"<code>{escape(piece.text)}</code>")
        else:
            out.append(_marked(escape(piece.text)))
    return "".join(out)


def _marked(escaped: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", escaped))


def _formula(source: str, table: Optional[SymbolTable], display: str) -> Optional[str]:
    """MathML for a formula the problem's names read (validate reports the others)."""
    if table is None:
        return None
    from grader.answers.parser import AnswerSyntaxError     # here: the terminal imports this module
    from grader.show.mathml import formula_mathml
    try:
        return formula_mathml(read_formula(source, table), display=display)
    except (AnswerSyntaxError, RecursionError, ValueError):
        return None
