"""The tolerance rule: when two numbers count as the same, and how that is said in words.

The checker decides with `close` (expressions, every sampled point) and `within` (numeric
parts); feedback only describes the rule (`words`) and reuses `within` to say how far off an
answer is. Keeping the rule and its wording together is what keeps them saying the same thing.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

from grader.model import Tolerance
from grader.number_format import format_number


def close(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Per-sample closeness with an absolute floor, so 0 and sin(pi)*x agree."""
    diff = np.abs(a - b) <= tol.atol + tol.rtol * np.abs(b)
    return diff.reshape(diff.shape[0], -1).all(axis=1) if diff.ndim > 1 else diff


def within(a: float, b: float, tol: Tolerance, widen: float = 1.0) -> bool:
    """Numeric-part closeness, one meaning per word (docs/yaml-format.md says the same):

    * absolute e: |a - b| <= e;   relative r: |a - b| <= r |b|;
    * decimals d: a and b round to the same number with d decimals (halves away from zero), so
      a truncated answer passes only when truncating and rounding agree (2.080 fails for 2.08092
      with decimals: 3; use absolute: 0.001 to accept it);
    * sigfigs n: a and b round to the same number with n significant figures.

    A reference within 1e-12 (relative) of a rounding boundary accepts both neighbours, so float
    noise in the reference never decides. `widen` asks instead whether `a` is a near miss (feedback's
    "close, but not accurate enough"): within `widen` units of the last decimal or figure asked for.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        return False        # an infinite reference's slack is infinite: every number would be within it
    err = abs(a - b)
    slack = 1e-12 * max(1.0, abs(b))
    if tol.absolute is not None:
        return err <= tol.absolute * widen + slack
    if tol.relative is not None:
        return err <= tol.relative * abs(b) * widen + slack
    if widen != 1.0 and (tol.decimals is not None or tol.sigfigs is not None):
        # near misses, for feedback: within `widen` units of the last place asked for
        return (tol.decimals is not None or b != 0) and err <= last_place(tol, b) * widen + slack
    if tol.decimals is not None:
        return _same_rounding(a, b, slack, lambda x: _quantum_decimals(tol.decimals))
    if tol.sigfigs is not None:
        return _same_rounding(a, b, slack, lambda x: _quantum_sigfigs(x, tol.sigfigs))
    return err <= (tol.atol + tol.rtol * abs(b)) * widen


def last_place(tol: Tolerance, size: float) -> float:
    """One unit of the last place a numeric tolerance asks for, at a number of `size` (0 when
    it asks for none: significant figures of 0, or only rtol/atol)."""
    if tol.absolute is not None:
        return tol.absolute
    if tol.relative is not None:
        return tol.relative * abs(size)
    if tol.decimals is not None:
        return 10.0 ** -tol.decimals
    if tol.sigfigs is not None and size:
        return 10.0 ** (math.floor(math.log10(abs(size))) - tol.sigfigs + 1)
    return 0.0


def _quantum_decimals(d: int) -> Decimal:
    return Decimal(1).scaleb(-d)


def _quantum_sigfigs(x: Decimal, n: int) -> Decimal:
    return Decimal(1).scaleb(x.adjusted() - n + 1) if x != 0 else Decimal(1).scaleb(-n)


def _rounded(x: float, quantum) -> Decimal:
    d = Decimal(repr(x))
    with localcontext(prec=400):        # a float has at most 309 digits before its point
        return d.quantize(quantum(d), rounding=ROUND_HALF_UP)


def _same_rounding(a: float, b: float, slack: float, quantum) -> bool:
    mine = _rounded(a, quantum)
    return mine in (_rounded(b - slack, quantum), _rounded(b, quantum), _rounded(b + slack, quantum))


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
