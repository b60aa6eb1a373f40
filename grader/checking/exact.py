"""Exact values of answers written without decimals: `99999999/10^8` is a rational number, not
a float, so it is never "equal" to `99999998/99999999` because both round to 0.99999999.

Only cheap exactness: integers and fractions under + - * /, whole powers with small
exponents, and square roots of perfect squares. Anything else (a symbol, a decimal, pi, a
function) gives None and the float comparison decides, with its tolerance.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional

from grader.answers.tree import Bin, Call, Neg, Node, Num
from grader.limits import EXACT_MAX_BITS, EXACT_MAX_EXPONENT


def exact_value(node: Node) -> Optional[Fraction]:
    """The exact rational value of a decimal-free constant tree, or None."""
    try:
        return _value(node)
    except (ZeroDivisionError, OverflowError):
        return None


def _small(x: Fraction) -> Optional[Fraction]:
    if x.numerator.bit_length() > EXACT_MAX_BITS or x.denominator.bit_length() > EXACT_MAX_BITS:
        return None
    return x


def _value(node: Node) -> Optional[Fraction]:
    if isinstance(node, Num):
        return Fraction(node.value) if isinstance(node.value, (int, Fraction)) else None
    if isinstance(node, Neg):
        v = _value(node.arg)
        return None if v is None else -v
    if isinstance(node, Call) and node.name == "sqrt" and node.order == 0 and len(node.args) == 1:
        v = _value(node.args[0])
        if v is None or v < 0:
            return None
        num, den = math.isqrt(v.numerator), math.isqrt(v.denominator)
        return Fraction(num, den) if num * num == v.numerator and den * den == v.denominator else None
    if not isinstance(node, Bin) or node.op not in ("+", "-", "*", "/", "^"):
        return None
    a = _value(node.left)
    if a is None:
        return None
    b = _value(node.right)
    if b is None:
        return None
    if node.op == "+":
        return _small(a + b)
    if node.op == "-":
        return _small(a - b)
    if node.op == "*":
        return _small(a * b)
    if node.op == "/":
        return None if b == 0 else _small(a / b)
    if b.denominator != 1 or abs(b.numerator) > EXACT_MAX_EXPONENT or (a == 0 and b < 0):
        return None
    if max(a.numerator.bit_length(), a.denominator.bit_length()) * abs(b.numerator) > EXACT_MAX_BITS:
        return None
    return a ** b.numerator
