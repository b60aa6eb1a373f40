"""The symbolic stage: SymPy decides what sampling cannot, for the few answers that need it.

Sampling (`decide.judge`) is fast and safe, but floats cannot tell `x` from `x + 10^(-9)`
(within the tolerance), cannot evaluate `(x-a)^6000` (it overflows), and rarely meet the one
point where a real-domain difference shows (`(a^b)^c` and `a^(b*c)` differ at a = -1, b = 2,
c = 1/2, where both are defined). `wanted` says, from the trees and the sampled values, when a
comparison is not clear-cut; `settle` then converts both trees to SymPy (from our tree through
`render.to_sympy`, never from a string) and tries, within SYMBOLIC_SECONDS:

1. the difference after SymPy's own evaluation (and `(a-x)^n` written as `(x-a)^n` for an even
   n): zero is equal, a nonzero number is a difference everywhere;
2. exact points near the origin, each symbol inside its domain, for one where both sides are
   defined (real and finite) and differ;
3. `simplify` of the difference: zero is equal, a nonzero number is a difference.

Anything else leaves the verdict of sampling, and the verdict says the stage could not decide.
A tree that holds what SymPy cannot know (the network's names, ∂ notation, indices, sums,
matrices, f'(z)) never comes here. SymPy is imported only when the stage runs: `grader check`
of an ordinary answer never pays its import.
"""
from __future__ import annotations

import itertools
import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import numpy as np

from grader.answers import functions
from grader.answers.render import to_sympy
from grader.answers.tree import Bin, Call, Const, Neg, Node, Num, Sym, walk
from grader.limits import EXACT_MAX_BITS, EXACT_MAX_EXPONENT, SYMBOLIC_POINTS, SYMBOLIC_SECONDS
from grader.model import FUNCTION, SCALAR, SymbolTable, Tolerance
from grader.number_format import format_number, format_pair

# What decided a verdict (Verdict.decided_by): sampling is the default and is never written out.
SAMPLING = "sampling"
SYMBOLIC = "symbolic"
STRUCTURE = "structure"
UNDECIDED = "sampling (the symbolic stage could not decide)"
OUT_OF_TIME = "sampling (the symbolic stage ran out of time)"

NOISE = 1e-12          # relative: float rounding of an honest answer stays far below this
FLOAT_GAP = 1e-10      # relative: a typed decimal (0.3333333333) differs by its rounding, not a mistake
DIGITS = 30            # digits the points are evaluated with: a 10^(-9) offset is 21 digits above the noise
_EXTRA = {"sigmoid", "relu", "softplus"}     # activations SymPy lacks, written out below
_GROWING = {"exp", "sinh", "cosh"}          # towers of these (or of powers) overflow any exact point
# exact values tried for every symbol, nearest the origin first
_VALUES = (Fraction(0), Fraction(1), Fraction(-1), Fraction(2), Fraction(1, 2), Fraction(-2), Fraction(-1, 2),
           Fraction(3), Fraction(1, 3), Fraction(-3), Fraction(3, 2), Fraction(-1, 3))


@dataclass(frozen=True)
class Finding:
    """What the stage found: `equal` True (proved equal), False (proved different: `message`
    says how, for the student), None (no decision: `decided_by` says why)."""

    equal: Optional[bool]
    decided_by: str
    message: Optional[str] = None


_STATS = {"runs": 0, "seconds": 0.0, "decided": 0}


def stats() -> dict:
    """How often the stage ran in this process, how long it took and how often it decided
    (for the benchmark, which reports the share of answers that reach it)."""
    return dict(_STATS)


def reset_stats() -> None:
    _STATS.update(runs=0, seconds=0.0, decided=0)


# --- when ----------------------------------------------------------------------------------

def eligible(tree: Node, table: SymbolTable) -> bool:
    """Whether SymPy can know everything in the tree: numbers, scalar symbols, + - * / ^ and
    functions SymPy has (or the three activations written out). A network's problem never is:
    its names are values of a network SymPy cannot see."""
    if table.network is not None:
        return False
    for n in walk(tree):
        if isinstance(n, (Num, Const, Neg)):
            continue
        if isinstance(n, Sym):
            sym = table.get(n.name)
            if n.sup is not None or sym is None or sym.kind != SCALAR:
                return False
        elif isinstance(n, Bin):
            if n.op not in ("+", "-", "*", "/", "^"):
                return False
        elif isinstance(n, Call):
            sym = table.get(n.name)
            if n.order != 0 or (sym is not None and (sym.kind != FUNCTION or sym.alias is not None)):
                return False
            fn = functions.by_name(n.name)
            if sym is None and (fn is None or (fn.sympy is None and n.name not in _EXTRA)):
                return False
        else:
            return False
    return True


def big_exponent(tree: Node) -> bool:
    """Whether the tree raises something to a number beyond what floats and exact arithmetic
    take (|n| > EXACT_MAX_EXPONENT): sampling overflows, only algebra can compare it."""
    from grader.answers.parser import constant_value
    for n in walk(tree):
        if isinstance(n, Bin) and n.op == "^":
            value = constant_value(n.right)
            if value is not None and not abs(value) <= EXACT_MAX_EXPONENT:
                return True
    return False


def _domain_candidate(tree: Node) -> bool:
    """Powers of powers, and powers, roots and logs of products or quotients: where the rules
    of the positive reals fail for negative values, sampling rarely meets the point."""
    for n in walk(tree):
        if isinstance(n, Bin) and n.op == "^":
            if isinstance(n.left, Bin) and (n.left.op == "^" or n.left.op in "*/") and not _whole(n.right):
                return True
        if isinstance(n, Call) and n.name in ("sqrt", "log", "root") and n.args and \
                isinstance(n.args[0], Bin) and n.args[0].op in "*/^":
            return True
    return False


def _whole(node: Node) -> bool:
    return isinstance(node, Num) and isinstance(node.value, int)


def wanted(answer: Node, reference: Node, table: SymbolTable, values: np.ndarray, ref_values: np.ndarray,
           equal: bool, samples: int, tol: Tolerance = Tolerance()) -> bool:
    """Whether a comparison is not clear-cut: values within the tolerance that are not the
    same beyond rounding (a small offset or factor), a power beyond floats on either side, too
    few points where both are defined, overflow, or a real-domain candidate. Sampling's
    DIFFERENT on finite values is always clear-cut: the stage never overturns it. A tolerance
    the part (or `compare --tolerance`) sets is the instructor's word on small differences."""
    if values.ndim != 1 or ref_values.ndim != 1 or values.shape != ref_values.shape:
        return False
    with np.errstate(all="ignore"):
        if not equal:
            candidate = _only_overflow(values, ref_values, lambda: big_exponent(answer) or big_exponent(reference))
        else:
            both = np.isfinite(values) & np.isfinite(ref_values)
            gap = np.abs(values[both] - ref_values[both])
            candidate = both.sum() < samples // 2 or (
                tol == Tolerance() and bool((gap > NOISE * (1 + np.abs(ref_values[both]))).any()))
    if equal and not candidate:      # the tree walks last
        candidate = candidate or big_exponent(answer) or big_exponent(reference) or _domain_candidate(answer) \
            or _domain_candidate(reference)
    return candidate and eligible(answer, table) and eligible(reference, table)


def _only_overflow(values: np.ndarray, ref_values: np.ndarray, big) -> bool:
    """Sampling said different, but only where floats failed: wherever both values are of a
    size floats hold they agree, and a value overflowed or `big()` (a power beyond floats, whose
    zeros may be underflow too). A difference of ordinary size is clear-cut, and so is a
    reference undefined (not overflowing) almost everywhere: that part cannot be checked."""
    finite = np.isfinite(values) & np.isfinite(ref_values)
    for zeros in (True, False):
        held = finite.copy()
        for v in (values, ref_values):
            held &= (np.abs(v) < 1e100) & ((np.abs(v) > 1e-100) | ((v == 0) if zeros else False))
        a, b = values[held], ref_values[held]
        if (np.abs(a - b) <= 1e-9 + 1e-7 * np.abs(b)).all():
            return bool(np.isinf(values).any() or np.isinf(ref_values).any() or big())
        if not zeros or not big():
            return False        # a difference of ordinary size: most wrong answers stop here
    return False


# --- how -----------------------------------------------------------------------------------

class _OutOfTime(BaseException):
    """Raised by the alarm inside SymPy (a BaseException: SymPy's own `except Exception` must not eat it)."""


class _Unsettled(Exception):
    """A tree SymPy would have to compute with numbers too large to hold."""


@contextmanager
def _alarm(seconds: float):
    """Yields whether the time limit is armed: only the main thread can take a signal, and a
    timer someone else set is left alone (then only the steps that cannot hang run)."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield False
        return

    def ring(signum, frame):
        raise _OutOfTime()
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def settle(answer: Node, reference: Node, table: SymbolTable, tol: Tolerance, *, proving_different: bool = True,
           overturning: bool = False, seconds: float = SYMBOLIC_SECONDS) -> Finding:
    """Decide `answer` against `reference` symbolically. `proving_different` False (a condition,
    given values or defined names the stage cannot see) lets it prove only equality;
    `overturning` (sampling said different where floats failed) asks an equality proof to hold
    on the real domain too: SymPy's sqrt(x)^2 is x, but not where x < 0."""
    started = time.perf_counter()
    _STATS["runs"] += 1
    try:
        with _alarm(seconds) as armed:
            found = _settle(answer, reference, table, tol, proving_different, armed)
            if found.equal and overturning and _undefined_somewhere(answer, reference, table, armed):
                found = Finding(None, UNDECIDED)
    except _OutOfTime:
        found = Finding(None, OUT_OF_TIME)
    except (_Unsettled, MemoryError, RecursionError, OverflowError, ValueError, TypeError, ZeroDivisionError,
            AttributeError, NotImplementedError):
        found = Finding(None, UNDECIDED)   # what SymPy cannot do is not a verdict
    _STATS["seconds"] += time.perf_counter() - started
    _STATS["decided"] += found.equal is not None
    return found


def _settle(answer: Node, reference: Node, table: SymbolTable, tol: Tolerance, proving_different: bool,
            armed: bool) -> Finding:
    import sympy as sp
    symbols = _symbols(sp, table, answer, reference)
    a, b = (_sympy(sp, tree, table, symbols) for tree in (answer, reference))
    floats = a.has(sp.Float) or b.has(sp.Float)
    d = a - b
    if d == 0:
        return Finding(True, SYMBOLIC)
    if d.is_Rational:       # exact already: nothing left to evaluate
        return _constant(sp, d, floats, proving_different, tol, _size(sp, b))
    if _tower(answer) > 2 or _tower(reference) > 2:
        return Finding(None, UNDECIDED)     # exp(exp(exp(exp(3)))): even one value is too large to write
    if d.is_number:
        return _constant(sp, d, floats, proving_different, tol, _size(sp, b))
    if proving_different:
        found = _point(sp, a, b, symbols, table, floats, tol, SYMBOLIC_POINTS if armed else SYMBOLIC_POINTS // 10)
        if found is not None:
            return found
    if not armed or big_exponent(answer) or big_exponent(reference):
        return Finding(None, UNDECIDED)     # simplify may expand (x+1)^6000: only with the alarm, never there
    s = sp.simplify(d)
    if s == 0:
        return Finding(True, SYMBOLIC)
    if s.is_number:
        return _constant(sp, s, floats, proving_different, tol, _size(sp, b))
    return Finding(None, UNDECIDED)


def _size(sp, b) -> float:
    """The reference's size when it is a number (a tolerance's relative part), else 0."""
    if not b.is_number or _grows(sp, b) > 2:
        return 0.0
    v = b.evalf(DIGITS)
    return abs(float(v)) if v.is_real and v.is_finite else 0.0


def _grows(sp, e) -> int:
    """`_tower` of a SymPy expression: exp, sinh, cosh and powers with a non-number exponent
    inside each other."""
    inner = max((_grows(sp, x) for x in e.args), default=0)
    return inner + (isinstance(e, (sp.exp, sp.sinh, sp.cosh)) or (isinstance(e, sp.Pow) and not e.exp.is_Number))


def _allowed(gap: float, size: float, tol: Tolerance) -> bool:
    """Whether a tolerance the instructor set (not the default, which is there for rounding
    only) accepts the gap."""
    return tol != Tolerance() and gap <= tol.atol + tol.rtol * abs(size)


def _constant(sp, d, floats: bool, proving_different: bool, tol: Tolerance, size: float = 0.0) -> Finding:
    value = d.evalf(DIGITS)
    if not value.is_real or not value.is_finite:
        return Finding(None, UNDECIDED)
    gap = abs(float(value))
    if gap == 0 or (floats and gap <= FLOAT_GAP) or _allowed(gap, size, tol):
        return Finding(True, SYMBOLIC) if gap == 0 else Finding(None, UNDECIDED)
    if not proving_different:
        return Finding(None, UNDECIDED)
    return Finding(False, SYMBOLIC, f"Your answer is not exactly the expected answer: the two differ by "
                                    f"{format_number(gap, 3)} everywhere.")


def _symbols(sp, table: SymbolTable, *trees: Node) -> dict:
    """Our symbols as SymPy symbols with what their domains promise (positive, negative,
    nonzero, integer): SymPy then simplifies only what holds where they are drawn."""
    out = {}
    for tree in trees:
        for n in walk(tree):
            if isinstance(n, Sym) and n.name not in out:
                sym = table.get(n.name)
                lo, hi = sym.domain
                facts = dict(real=True)
                if lo > 0:
                    facts["positive"] = True
                elif hi < 0:
                    facts["negative"] = True
                elif sym.nonzero:
                    facts["nonzero"] = True
                if sym.integer:
                    facts["integer"] = True
                out[n.name] = sp.Symbol(n.name, **facts)
    return out


def _sympy(sp, tree: Node, table: SymbolTable, symbols: dict):
    """Our tree as a SymPy expression, evaluated node by node with guards: a power of numbers
    too large to hold is refused (`_Unsettled`), and an odd part raised to an even power is
    turned round ((a-x)^6000 is (x-a)^6000), which SymPy alone does not do."""
    plain = {sp.Symbol(name, real=True): s for name, s in symbols.items()}

    def go(e):
        if not e.args:
            return plain.get(e, e)
        args = [go(x) for x in e.args]
        if isinstance(e, sp.Pow):
            base, exp = args
            if base.is_Number and exp.is_Number and not _holdable(base, exp):
                raise _Unsettled()
            if exp.is_Integer and base.could_extract_minus_sign():
                turned = sp.Pow(-base, exp)
                return turned if exp.is_even else -turned
            return sp.Pow(base, exp)
        if isinstance(e, sp.factorial) and args[0].is_Number and not abs(args[0]) <= 170:
            raise _Unsettled()      # beyond floats (171! overflows) it is digits to compute, as 9^9^9 is
        name = getattr(e.func, "__name__", "")
        if isinstance(e, sp.core.function.AppliedUndef) and name in _EXTRA and table.get(name) is None:
            return _activation(sp, name, *args)
        return e.func(*args)
    return go(to_sympy(tree, table))


def _activation(sp, name: str, x):
    return 1 / (1 + sp.exp(-x)) if name == "sigmoid" else sp.Max(0, x) if name == "relu" else sp.log(1 + sp.exp(x))


def _holdable(base, exp) -> bool:
    if not exp.is_Integer or not base.is_Rational:
        return True         # a float power, or a root that SymPy keeps as a root
    bits = max(int(base.p).bit_length(), int(base.q).bit_length())
    return bits * abs(int(exp)) <= EXACT_MAX_BITS


def _tower(tree: Node) -> int:
    """How many growing operations (a power with names in its exponent, exp, sinh, cosh) sit
    inside each other: three make even a small exact point a number too large to write."""
    if isinstance(tree, Bin) and tree.op == "^":
        inner = max(_tower(tree.left), _tower(tree.right))
        grows = any(isinstance(n, Sym) for n in walk(tree.right))
        return inner + grows
    if isinstance(tree, Call):
        return max((_tower(a) for a in tree.args), default=0) + (tree.name in _GROWING)
    if isinstance(tree, (Bin, Neg)):
        return max(_tower(c) for c in ((tree.left, tree.right) if isinstance(tree, Bin) else (tree.arg,)))
    return 0


def _candidates(table: SymbolTable, names: list[str]):
    """Exact values for each symbol inside its domain, and the points they make, the ones
    nearest the origin first (by the sum of the values' ranks), at most SYMBOLIC_POINTS."""
    per = []
    for name in names:
        sym = table.get(name)
        lo, hi = sym.domain
        vals = [v for v in _VALUES if lo <= v <= hi and (not sym.integer or v.denominator == 1)
                and (not sym.nonzero or v != 0)]
        if not vals:
            return []
        per.append(vals)
    points = sorted(itertools.product(*(range(len(v)) for v in per)), key=lambda ranks: (sum(ranks), ranks))
    return [tuple(per[i][r] for i, r in enumerate(ranks)) for ranks in points[:SYMBOLIC_POINTS]]


def _value_at(sp, e, at: dict):
    """The value of a SymPy expression at a point, node by node as our evaluator sees it:
    exact while the numbers stay small (then DIGITS digits), and None as soon as any part is
    not a real finite number (sqrt(-1) * sqrt(-4) is undefined, not -2)."""
    if e in at:
        return at[e]
    if e.is_Number or isinstance(e, sp.NumberSymbol):
        return e if e.is_finite else None
    args = []
    for x in e.args:
        v = _value_at(sp, x, at)
        if v is None:
            return None
        args.append(v)
    if isinstance(e, sp.Pow) and args[1].is_Integer and args[0].is_Rational and not _holdable(args[0], args[1]):
        args[0] = args[0].evalf(DIGITS)        # a power too large to hold exactly: in floats of any exponent
    name = getattr(e.func, "__name__", "")
    v = _activation(sp, name, *args) if isinstance(e, sp.core.function.AppliedUndef) and name in _EXTRA \
        else e.func(*args)
    if isinstance(v, sp.Rational):
        return v if _holdable(v, sp.Integer(1)) else v.evalf(DIGITS)
    if not isinstance(v, sp.Float):
        v = v.evalf(DIGITS)
    return v if isinstance(v, (sp.Float, sp.Rational)) and v.is_finite else None


def _undefined_somewhere(answer: Node, reference: Node, table: SymbolTable, armed: bool) -> bool:
    """Whether the answer is undefined at a point (as `_point` tries them) where the reference is
    defined: a real-domain difference the algebra of SymPy does not see. The trees are evaluated
    as written (SymPy's own evaluation turns sqrt(x)^2 into x); a tower cannot be evaluated at
    all, so it counts as undefined: sampling's verdict stands."""
    import sympy as sp
    if _tower(answer) > 2 or _tower(reference) > 2:
        return True
    a, b = to_sympy(answer, table), to_sympy(reference, table)
    names = sorted(_symbols(sp, table, answer, reference))
    for values in _candidates(table, names)[:SYMBOLIC_POINTS if armed else SYMBOLIC_POINTS // 10]:
        at = {sp.Symbol(n, real=True): sp.Rational(v.numerator, v.denominator) for n, v in zip(names, values)}
        if _value_at(sp, a, at) is None and _value_at(sp, b, at) is not None:
            return True
    return False


def _shown(x, y) -> tuple[str, str]:
    """Both values with just enough digits to show they differ (beyond floats: SymPy's six)."""
    a, b = float(x), float(y)
    if math.isfinite(a) and math.isfinite(b):
        shown = format_pair(a, b)       # twelve digits at most: a 10^(-12) factor needs more
        return shown if shown[0] != shown[1] else (format_number(a, 15), format_number(b, 15))
    return str(x.evalf(6)), str(y.evalf(6))


def _point(sp, a, b, symbols: dict, table: SymbolTable, floats: bool, tol: Tolerance,
           most: int) -> Optional[Finding]:
    """A point where both sides are defined and differ (a Finding that says where), or None."""
    names = sorted(symbols)
    for values in _candidates(table, names)[:most]:
        at = {symbols[n]: sp.Rational(v.numerator, v.denominator) for n, v in zip(names, values)}
        x, y = _value_at(sp, a, at), _value_at(sp, b, at)
        if x is None or y is None:
            continue
        gap = abs(x - y)
        size = abs(y)
        if gap > (FLOAT_GAP if floats else NOISE * 1e-8) * (1 + size) and not _allowed(gap, size, tol):
            where = ", ".join(f"{n} = {v}" for n, v in zip(names, values))
            mine, theirs = _shown(x, y)
            return Finding(False, SYMBOLIC, f"Your answer is not the expected answer: at {where} it gives "
                                            f"{mine} where the expected answer is {theirs}.")
    return None


__all__ = ["Finding", "settle", "wanted", "eligible", "big_exponent", "stats", "reset_stats", "SAMPLING",
           "SYMBOLIC", "STRUCTURE"]
