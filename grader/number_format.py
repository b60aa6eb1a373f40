"""How the grader writes a number for a person, in one place: `format_number` (significant
figures: feedback), `score_text` (points on a screen), `format_score` (points in a file a
spreadsheet reads: fixed decimals) and `number_text` (a given value as an instructor wrote it)."""
from __future__ import annotations

import math
from functools import lru_cache


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


def out_of(score: float, max_score: float) -> str:
    """"1/2 points", "0/1 point": a part's score, in one wording everywhere."""
    return f"{score_text(score)}/{score_text(max_score)} point{'' if max_score == 1 else 's'}"


@lru_cache(maxsize=4096)
def format_score(x: float) -> str:
    """2.0 -> "2", 0.5 -> "0.5", 1/3 -> "0.3333": fixed decimals, not `format_number`'s
    significant figures, so that 1234.5 points stay 1234.5 in a spreadsheet."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_text(x: float) -> str:
    """A given value as a person would write it (3, not 3.0; 0.03, not 0.030000000000000002)."""
    text = f"{float(x):.12g}"
    return text
