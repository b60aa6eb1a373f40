"""docs/answer-syntax.md is checked, not trusted: every row of a "you type / interpreted as"
table reads as shown, and every row of a "you type / the grader says" table gives exactly
that message. The tables the doc describes (scalars; indexed names; vectors and matrices)
are built here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MATRICES, NETWORK
from grader.model import FUNCTION, Symbol, SymbolTable
from grader.answers.parser import AnswerSyntaxError, parse

DOC = Path(__file__).resolve().parent.parent / "docs" / "answer-syntax.md"

SCALARS = SymbolTable(tuple(Symbol(n) for n in ("x", "y", "z", "a", "b", "t", "eta", "lambda", "alpha", "w_1",
                                                   "w_2", "delta_2", "partialC", "partialw_1", "yhat"))
                      + (Symbol("f", FUNCTION), Symbol("g", FUNCTION), Symbol("g_L", FUNCTION)))
COST = SymbolTable(NETWORK.symbols + (Symbol("C"),), NETWORK.indices)      # the sections on derivatives
COST_D = SymbolTable(COST.symbols + (Symbol("d"),), NETWORK.indices)        # ... in a problem with a name d
TABLES = (SCALARS, NETWORK, MATRICES, COST)


def _blocks(kind: str) -> list[tuple[str, str, str]]:
    """(section, typed, second column) for each row of the doc's tables of this kind."""
    rows, section, inside = [], "", False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:]
        header = re.match(r"    you type\s{2,}(.*)$", line)
        if header:
            inside = header.group(1).strip() == kind
            continue
        if inside and line.startswith("    ") and line.strip():
            cells = re.split(r"\s{2,}", line.strip())
            rows.append((section, cells[0], cells[1]))
        elif not line.strip():
            inside = False
    return rows


READINGS = _blocks("interpreted as")
ERRORS = _blocks("the grader says")


def test_the_doc_has_tables_of_both_kinds():
    assert len(READINGS) >= 40 and len(ERRORS) >= 25


def _reading(text: str) -> str:
    for table in TABLES:
        try:
            return parse(text, table).unicode
        except AnswerSyntaxError:
            continue
    raise AssertionError(f"{text!r} reads with none of the doc's tables")


@pytest.mark.parametrize("section, text, shown", READINGS, ids=[r[1] for r in READINGS])
def test_doc_reading(section, text, shown):
    assert _reading(text) == shown


@pytest.mark.parametrize("section, text, message", ERRORS, ids=[e[1] for e in ERRORS])
def test_doc_error(section, text, message):
    table = NETWORK if section.startswith("Indexed") else SCALARS
    if section.startswith("Derivatives"):
        table = COST_D if "name d" in section else COST
    with pytest.raises(AnswerSyntaxError) as info:
        parse(text, table)
    assert info.value.message == message
