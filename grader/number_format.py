"""How the grader writes a number for a person: one formatter for feedback, scores and reports."""
from __future__ import annotations

import math


def format_number(x: float, digits: int = 4) -> str:
    """`digits` significant figures, no trailing zeros; "undefined" for inf/nan."""
    if not math.isfinite(x):
        return "undefined"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def format_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with just enough digits to show that they differ."""
    for digits in range(4, 13):
        x, y = format_number(a, digits), format_number(b, digits)
        if x != y:
            return x, y
    return x, y


def score_text(x: float) -> str:
    """A score or a point value: up to six significant figures (1, 0.5, 2.25)."""
    return format_number(x, 6)
