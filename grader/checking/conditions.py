"""Conditions on a part's symbols (`where: z > 0`): read by our own parser, turned into
sampling intervals where they are simple bounds, and checked on every sampled point.

A condition is comparisons of expressions joined by `and`; a comparison may be chained
(`0 < x < 1`). Each side is parsed as an answer is (never eval), against the problem's table.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from grader.errors import AuthorError
from grader.checking.evaluate import EvalError, World, evaluate
from grader.model import SCALAR, SymbolTable
from grader.number_format import format_number
from grader.limits import MAX_ANSWER_LENGTH
from grader.answers.parser import AnswerSyntaxError, constant_value, parse
from grader.answers.tree import Node, Sym

OPERATORS = {"<=": np.less_equal, ">=": np.greater_equal, "!=": np.not_equal, "<": np.less, ">": np.greater}
_SPELLINGS = {"≤": "<=", "≥": ">=", "≠": "!=", "=<": "<=", "=>": ">="}
_SPLIT = re.compile(r"(<=|>=|!=|<|>)")
_AND = re.compile(r"\s+and\s+")


class ConditionError(AuthorError):
    """A condition that cannot be read or met; the message is for the problem's author."""


@dataclass(frozen=True)
class Comparison:
    left: Node
    op: str
    right: Node


@dataclass(frozen=True)
class Condition:
    text: str
    comparisons: tuple[Comparison, ...]


def read_condition(text: str, table: SymbolTable) -> Condition:
    """Parse `z > 0 and 0 < x < 1`. Raises ConditionError with what is wrong."""
    if len(text) > MAX_ANSWER_LENGTH:
        raise ConditionError(f"the condition is too long ({len(text)} characters; the limit is {MAX_ANSWER_LENGTH})")
    src = text
    for spelling, op in _SPELLINGS.items():
        src = src.replace(spelling, op)
    comparisons = []
    for clause in _AND.split(src.strip()):
        pieces = _SPLIT.split(clause)
        if len(pieces) < 3:
            raise ConditionError(f"the condition '{text}' needs a comparison (<, <=, >, >=, !=) in '{clause}'")
        sides = []
        for piece in pieces[0::2]:
            if table.index_role(piece.strip()) is not None:
                raise ConditionError(f"the condition '{text}' mentions the index letter '{piece.strip()}': give "
                                     f"its values as a range in 'indices' instead "
                                     f"({piece.strip()}: {{role: {table.index_role(piece.strip())}, "
                                     f"integer: [low, high]}})")
            try:
                sides.append(parse(piece, table).tree)
            except AnswerSyntaxError as exc:
                raise ConditionError(f"the condition '{text}' cannot be read: '{piece.strip()}': {exc.message}") \
                    from None
        for i, op in enumerate(pieces[1::2]):
            comparisons.append(Comparison(sides[i], op, sides[i + 1]))
    return Condition(text, tuple(comparisons))


def bounds(condition: Optional[Condition], table: SymbolTable) -> dict[str, tuple[float, float]]:
    """The interval each plain scalar is confined to by simple comparisons with a number
    (`z > 0`, `x <= 3`), so sampling can draw inside them instead of rejecting."""
    out: dict[str, tuple[float, float]] = {}
    if condition is None:
        return out
    for c in condition.comparisons:
        for name_side, value_side, op in ((c.left, c.right, c.op), (c.right, c.left, _flip(c.op))):
            if not (isinstance(name_side, Sym) and name_side.sup is None):
                continue
            sym = table.get(name_side.name)
            value = constant_value(value_side)
            if sym is None or sym.kind != SCALAR or sym.definition is not None or value is None \
                    or not math.isfinite(value):
                continue
            if op == "!=":
                continue
            lo, hi = out.get(sym.name, (-math.inf, math.inf))
            if op in ("<", "<="):
                hi = min(hi, value)
            else:
                lo = max(lo, value)
            out[sym.name] = (lo, hi)
    return out


def _flip(op: str) -> str:
    return {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)


def shown_values(condition: Optional[Condition], world: World, sample: int, names: list[str]) -> list[str]:
    """The values of `names` at one sample as feedback prints them: 4 significant figures, or
    as many more as it takes for the printed point itself to meet the condition (x = 1.00002
    under `x > 1` prints as 1.00002, not as 1)."""
    exact = {n: float(world.arrays[n][sample]) for n in names}
    for digits in range(4, 18):
        texts = [format_number(exact[n], digits) for n in names]
        if condition is None:
            return texts
        point = world.subset(np.array([sample]))
        point.arrays = dict(point.arrays)
        for n, t in zip(names, texts):
            point.arrays[n] = np.array([float(t)])
        try:
            if holds(condition, point).all():
                return texts
        except EvalError:
            return texts
    return texts


def holds(condition: Condition, world: World) -> np.ndarray:
    """Per sample: whether every comparison is true (undefined values make it false)."""
    mask = np.ones(world.samples, dtype=bool)
    for c in condition.comparisons:
        left, right = evaluate(c.left, world), evaluate(c.right, world)
        if left.ndim != 1 or right.ndim != 1:
            raise EvalError(f"the condition '{condition.text}' compares values that are not numbers", "condition")
        with np.errstate(all="ignore"):
            mask &= OPERATORS[c.op](left, right) & np.isfinite(left) & np.isfinite(right)
    return mask
