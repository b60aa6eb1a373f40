"""The tolerance rule: when two numbers count as the same, and how that is said in words.

The checker decides with `close` (expressions, every sampled point) and `within` (numeric
parts); feedback only describes the rule (`words`) and reuses `within` to say how far off an
answer is. Keeping the rule and its wording together is what keeps them saying the same thing.
"""
from __future__ import annotations

import math

import numpy as np

from grader.model import Tolerance
from grader.numbers import format_number


def close(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Per-sample closeness with an absolute floor, so 0 and sin(pi)*x agree."""
    diff = np.abs(a - b) <= tol.atol + tol.rtol * np.abs(b)
    return diff.reshape(diff.shape[0], -1).all(axis=1) if diff.ndim > 1 else diff


def within(a: float, b: float, tol: Tolerance, widen: float = 1.0) -> bool:
    """Numeric-part closeness. decimals d accepts an error below one unit of the d-th decimal;
    sigfigs n accepts an error below half a unit of the n-th significant figure."""
    err = abs(a - b)
    slack = 1e-12 * max(1.0, abs(b))
    if tol.absolute is not None:
        return err <= tol.absolute * widen + slack
    if tol.relative is not None:
        return err <= tol.relative * abs(b) * widen + slack
    if tol.decimals is not None:
        return err <= 10.0 ** (-tol.decimals) * widen + slack
    if tol.sigfigs is not None:
        if b == 0:
            return err <= slack
        unit = 10.0 ** (math.floor(math.log10(abs(b))) - tol.sigfigs + 1)
        return err <= 0.5 * unit * widen + slack
    return err <= (tol.atol + tol.rtol * abs(b)) * widen


def words(tol: Tolerance) -> str:
    """The accuracy a numeric part asks for, as a student reads it."""
    if tol.decimals is not None:
        return f"{tol.decimals} decimal place{'s' if tol.decimals != 1 else ''}"
    if tol.sigfigs is not None:
        return f"{tol.sigfigs} significant figure{'s' if tol.sigfigs != 1 else ''}"
    if tol.absolute is not None:
        return f"an error below {format_number(tol.absolute)}"
    if tol.relative is not None:
        return f"a relative error below {format_number(tol.relative * 100)}%"
    return "the exact value"
