"""Reading what students type: untrusted text -> parse tree, against a problem's symbol table.

The stages, each in its own module: `normalise` maps pasted Unicode to ASCII (keeping a column
map), LaTeX answers are rewritten by grader.answers.latex into the same plain text, `tokenize`
cuts it into tokens, and grammar.Parser (with names.NameReader and indices.IndexReader) builds
the tree node by node. Nothing evaluates text; every limit (length, nesting, size of numbers and
exponents, grader.limits) is checked before anything downstream computes with it. This module
joins the stages and is what the rest of the grader imports: `parse`, the `ParsedAnswer` it
returns and the `AnswerSyntaxError` it raises.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Optional

from grader.answers import latex
from grader.answers.grammar import Parser
from grader.answers.normalise import normalise
from grader.answers.render import render, to_sympy
from grader.answers.syntax_error import AnswerSyntaxError, ColumnError
from grader.answers.tokens import tokenize
from grader.answers.tree import Bin, Const, Neg, Node, Num, walk
from grader.errors import TOO_COMPLEX
from grader.limits import MAX_ANSWER_LENGTH, MAX_CONSTANT_EXPONENT, MAX_NAME_EXPONENT, MAX_NODES
from grader.model import SymbolTable


@dataclass(frozen=True)
class ParsedAnswer:
    """An answer as the grader read it: the tree, the source, and renderings for the student."""

    source: str
    tree: Node
    table: SymbolTable

    @property
    def unicode(self) -> str:
        return render(self.tree, "unicode")

    @property
    def ascii(self) -> str:
        return render(self.tree, "ascii")

    @property
    def latex(self) -> str:
        return render(self.tree, "latex")

    def sympy(self):
        """The answer as a SymPy expression built from the tree (never from a string)."""
        return to_sympy(self.tree, self.table)


def parse(text, table: SymbolTable = SymbolTable()) -> ParsedAnswer:
    """Read one answer. Raises AnswerSyntaxError with a student-facing message and column."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnswerSyntaxError(f"The answer is not valid UTF-8 text (byte {exc.start + 1}).", 0, "") from None
    if not isinstance(text, str):
        raise AnswerSyntaxError("The answer must be text.", 0, "")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerSyntaxError(
            f"{TOO_COMPLEX}. The answer is too long ({len(text)} characters; the limit is {MAX_ANSWER_LENGTH}).", 0, "", too_complex=True)
    src, where = normalise(text, table)
    from_tex = latex.looks_like_latex(src)
    if from_tex:
        try:
            src, from_latex = latex.read(src)
        except latex.LatexError as err:
            raise _typed(err, where, text) from None
        where = [where[i] if i < len(where) else len(text) for i in from_latex]
    if not src.strip():
        raise AnswerSyntaxError("The answer is empty.", 0, text)
    try:
        tokens = tokenize(src, from_tex)
        p = Parser(tokens, table)
        p.from_tex = from_tex
        if not text.isascii():
            p.curly = frozenset(i for i in range(len(src)) if i < len(where) and where[i] < len(text)
                                and unicodedata.normalize("NFKC", text[where[i]]) == "∂")
        tree = p.expr()
        if p.peek().kind != "END":
            p.unexpected()
        _check_limits(tree)
    except ColumnError as err:
        raise _typed(err, where, text) from None
    except RecursionError:
        raise AnswerSyntaxError(f"{TOO_COMPLEX}. The answer is too deeply nested to check.", 0, text, too_complex=True) from None
    return ParsedAnswer(text, tree, table)


def _typed(err: ColumnError | latex.LatexError, where: list[int], text: str) -> AnswerSyntaxError:
    """A stage's error (its column in the rewritten text) as the student's error, pointing into
    what they typed."""
    col = where[err.pos] if err.pos < len(where) else len(text)
    message = err.message if err.message.endswith(("?", ".", "!")) else err.message + "."
    return AnswerSyntaxError(message, col, text, too_complex=err.too_complex)


def _check_limits(tree: Node) -> None:
    nodes = 0
    for n in walk(tree):
        nodes += 1
        if nodes > MAX_NODES:
            raise ColumnError(f"{TOO_COMPLEX} (more than {MAX_NODES} parts)", 0, True)
        if isinstance(n, Bin) and n.op == "^":
            value = constant_value(n.right)     # over a name, a power is a float (or SymPy's): no digits to hang on
            limit = MAX_CONSTANT_EXPONENT if constant_value(n.left) is not None else MAX_NAME_EXPONENT
            if value is not None and not abs(value) <= limit:
                raise ColumnError(f"{TOO_COMPLEX}: an exponent is far too large", 0, True)


def constant_value(node: Node) -> Optional[float]:
    """The float value of a subtree made only of numbers, or None. Never raises, never hangs:
    powers are computed in floats (inf on overflow)."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Const):
        return math.pi if node.name == "pi" else math.e
    if isinstance(node, Neg):
        v = constant_value(node.arg)
        return None if v is None else -v
    if isinstance(node, Bin) and node.op in "+-*/^":
        a, b = constant_value(node.left), constant_value(node.right)
        if a is None or b is None:
            return None
        try:
            if node.op == "+":
                return a + b
            if node.op == "-":
                return a - b
            if node.op == "*":
                return a * b
            if node.op == "/":
                return a / b if b else math.inf
            if abs(b) > MAX_CONSTANT_EXPONENT or (abs(a) > 1 and abs(b) * math.log(abs(a)) > 700):
                return math.inf
            r = a ** b
            return r if isinstance(r, float) else math.nan
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.inf
    return None


__all__ = ["AnswerSyntaxError", "ParsedAnswer", "parse", "constant_value"]
