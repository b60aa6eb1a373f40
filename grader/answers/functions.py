"""The built-in functions, each described once: the parser, the evaluator, the renderer, SymPy
conversion, the problem loader, its JSON Schema and feedback all read this table.

Adding a function is one `Function(...)` entry (plus its tests): its spellings become parseable,
`f'` works up to the orders whose derivatives are given, it renders in the three styles and a
problem may declare `g: {kind: function, alias: NAME}` with any of its spellings.

Lookups go through `REGISTRY` at call time, so a test can swap in a registry with one more
function (`REGISTRY.adding(...)`) and see every consumer pick it up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce
from typing import Callable, Optional

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Function:
    """One built-in. `derivatives[n-1]` is the n-th derivative of a one-argument function;
    orders beyond the tuple are "not available". `latex` is a command written before the
    bracketed arguments, or a template with `{0}` where the argument goes (`\\sqrt{{{0}}}`).
    `sympy` names the SymPy class (None: an undefined SymPy function of the same name).
    `activation` marks the functions whose derivative students swap with the function itself
    (feedback looks for that slip)."""

    name: str
    value: Callable[[list], Array]
    aliases: tuple[str, ...] = ()
    derivatives: tuple[Callable[[Array], Array], ...] = ()
    min_args: int = 1
    max_args: Optional[int] = 1          # None: any number of arguments
    unicode: Optional[str] = None        # None: the name, with a Greek head shown as its letter
    latex: Optional[str] = None          # None: the name as \mathrm{name}
    sympy: Optional[str] = None
    activation: bool = False
    kink: bool = False                   # not differentiable at 0 (ReLU, |x|): its derivatives are undefined there
    vector: bool = False                 # takes a column vector, not entry by entry (diag)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name,) + self.aliases

    def arity_text(self) -> str:
        """How many arguments, in words, for messages."""
        if self.max_args == self.min_args:
            n = self.min_args
            return f"{n} argument{'s' if n > 1 else ''}"
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"

    def takes(self, n: int) -> bool:
        return n >= self.min_args and (self.max_args is None or n <= self.max_args)


class Registry:
    """The functions in declaration order, indexed by every spelling."""

    def __init__(self, functions: tuple[Function, ...]):
        self.functions = tuple(functions)
        self._by_spelling: dict[str, Function] = {}
        self._by_name: dict[str, Function] = {}
        for fn in self.functions:
            self._by_name[fn.name] = fn
            for spelling in fn.spellings:
                if spelling in self._by_spelling:
                    raise ValueError(f"two functions are spelled {spelling!r}")
                self._by_spelling[spelling] = fn

    def adding(self, fn: Function) -> "Registry":
        return Registry(self.functions + (fn,))


# --- the numbers ------------------------------------------------------------------------------

def _unary(f: Callable[[Array], Array]) -> Callable[[list], Array]:
    return lambda args: f(args[0])


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _sigmoid_d(order: int) -> Callable[[Array], Array]:
    def d(x):
        s = _sigmoid(x)
        return [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)][order - 1]
    return d


def _tanh_d(order: int) -> Callable[[Array], Array]:
    def d(x):
        t = np.tanh(x)
        return [1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)][order - 1]
    return d


def _log_d(order: int) -> Callable[[Array], Array]:
    return lambda x: (-1.0) ** (order - 1) * math.factorial(order - 1) / x ** order


def _shifted(f: Callable[[Array], Array], order: int) -> Callable[[Array], Array]:
    """sin and cos: the n-th derivative is the function shifted by n quarter turns."""
    return lambda x: f(x + order * math.pi / 2)


def _softmax(args: list) -> Array:
    x = args[0]
    if x.ndim == 1:
        return np.ones_like(x)
    shifted = x - x.max(axis=1, keepdims=True)
    ex = np.exp(shifted)
    return ex / ex.sum(axis=1, keepdims=True)


def _root(args: list) -> Array:
    """The n-th root; an odd whole n takes the real root of a negative number, as on paper."""
    x, n = args
    odd = (np.abs(n - np.round(n)) < 1e-12) & (np.round(n) % 2 == 1)
    return np.where(odd, np.sign(x) * np.abs(x) ** (1.0 / n), np.power(x, 1.0 / n))


def _log_base(args: list) -> Array:
    if len(args) == 1:
        return np.log(args[0])
    return np.log(args[0]) / np.log(args[1])


_FACTORIALS = np.array([float(math.factorial(n)) for n in range(171)])


def _factorial(args: list) -> Array:
    """Factorials of whole numbers 0..170 only: anything else is undefined (NaN)."""
    x = args[0]
    whole = (x >= 0) & (x <= 170) & (x == np.floor(x))
    return np.where(whole, _FACTORIALS[np.clip(np.nan_to_num(x), 0, 170).astype(np.int64)], np.nan)


def _diag(args: list) -> Array:
    """diag(v): the square matrix with v on its diagonal (the softmax Jacobian is diag(p) - p p^T).
    The evaluator hands it column vectors only."""
    v = args[0][:, :, 0]
    return v[:, :, None] * np.eye(v.shape[1])


def _sec(x): return 1 / np.cos(x)
def _csc(x): return 1 / np.sin(x)
def _cot(x): return 1 / np.tan(x)
def _sech(x): return 1 / np.cosh(x)
def _csch(x): return 1 / np.sinh(x)
def _coth(x): return 1 / np.tanh(x)


def _tan_d(order):
    def d(x):
        t = np.tan(x)
        return [1 + t * t, 2 * t * (1 + t * t), 2 * (1 + t * t) * (1 + 3 * t * t)][order - 1]
    return d


def _cot_d(order):
    def d(x):
        k = _cot(x)
        return [-(1 + k * k), 2 * k * (1 + k * k), -2 * (1 + k * k) * (1 + 3 * k * k)][order - 1]
    return d


def _sec_d(order):
    def d(x):
        s, t = _sec(x), np.tan(x)
        return [s * t, s * (t * t + s * s), s * t * (t * t + 5 * s * s)][order - 1]
    return d


def _csc_d(order):
    def d(x):
        c, k = _csc(x), _cot(x)
        return [-c * k, c * (k * k + c * c), -c * k * (k * k + 5 * c * c)][order - 1]
    return d


def _sech_d(order):
    def d(x):
        s, t = _sech(x), np.tanh(x)
        return [-s * t, s * (t * t - s * s), s * t * (5 * s * s - t * t)][order - 1]
    return d


def _csch_d(order):
    def d(x):
        c, k = _csch(x), _coth(x)
        return [-c * k, c * (k * k + c * c), -c * k * (k * k + 5 * c * c)][order - 1]
    return d


def _coth_d(order):
    def d(x):
        k = _coth(x)
        return [1 - k * k, -2 * k * (1 - k * k), (1 - k * k) * (6 * k * k - 2)][order - 1]
    return d


def _asin_d(sign):
    return (lambda x: sign * (1 - x * x) ** -0.5,
            lambda x: sign * x * (1 - x * x) ** -1.5,
            lambda x: sign * (1 + 2 * x * x) * (1 - x * x) ** -2.5)


def _atan_d(sign):
    return (lambda x: sign / (1 + x * x),
            lambda x: sign * -2 * x / (1 + x * x) ** 2,
            lambda x: sign * (6 * x * x - 2) / (1 + x * x) ** 3)


_ASINH_D = (lambda x: (1 + x * x) ** -0.5, lambda x: -x * (1 + x * x) ** -1.5,
            lambda x: (2 * x * x - 1) * (1 + x * x) ** -2.5)
_ACOSH_D = (lambda x: (x * x - 1) ** -0.5, lambda x: -x * (x * x - 1) ** -1.5,
            lambda x: (2 * x * x + 1) * (x * x - 1) ** -2.5)
_ATANH_D = (lambda x: 1 / (1 - x * x), lambda x: 2 * x / (1 - x * x) ** 2,
            lambda x: (2 + 6 * x * x) / (1 - x * x) ** 3)
_SQRT_D = (lambda x: 0.5 * x ** -0.5, lambda x: -0.25 * x ** -1.5, lambda x: 0.375 * x ** -2.5)
_ZERO = lambda x: 0 * x   # noqa: E731


def _kinked(derivative: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """A derivative of a function with a corner at 0: undefined there, never a made-up slope
    (ReLU'(0) is neither 0 nor 1), so an answer that needs it is said to be undefined."""
    def d(x: Array) -> Array:
        with np.errstate(invalid="ignore"):
            return np.where(x == 0, np.nan, derivative(x))
    return d


def _scaled(ds, factor):
    return tuple((lambda d: lambda x: d(x) / factor)(d) for d in ds)


def _op(name: str) -> str:
    return rf"\operatorname{{{name}}}"


_LOG_D = tuple(_log_d(n) for n in (1, 2, 3))
_SIGMOID_D = tuple(_sigmoid_d(n) for n in (1, 2, 3))

_FUNCTIONS = (
    Function("exp", _unary(np.exp), derivatives=(np.exp,) * 3, latex=r"\exp", sympy="exp"),
    Function("log", _log_base, ("ln",), derivatives=_LOG_D, max_args=2, latex=r"\log", sympy="log"),
    Function("sqrt", _unary(np.sqrt), derivatives=_SQRT_D, latex=r"\sqrt{{{0}}}", sympy="sqrt"),
    Function("abs", _unary(np.abs), derivatives=(_kinked(np.sign), _kinked(_ZERO), _kinked(_ZERO)),
             latex=r"\left|{0}\right|", sympy="Abs", kink=True),
    Function("sin", _unary(lambda x: np.sin(x + 0 * math.pi / 2)),
             derivatives=tuple(_shifted(np.sin, n) for n in (1, 2, 3)), latex=r"\sin", sympy="sin"),
    Function("cos", _unary(lambda x: np.cos(x + 0 * math.pi / 2)),
             derivatives=tuple(_shifted(np.cos, n) for n in (1, 2, 3)), latex=r"\cos", sympy="cos"),
    Function("tan", _unary(np.tan), derivatives=tuple(_tan_d(n) for n in (1, 2, 3)), latex=r"\tan", sympy="tan"),
    Function("sinh", _unary(np.sinh), derivatives=(np.cosh, np.sinh, np.cosh), latex=r"\sinh", sympy="sinh"),
    Function("cosh", _unary(np.cosh), derivatives=(np.sinh, np.cosh, np.sinh), latex=r"\cosh", sympy="cosh"),
    Function("tanh", _unary(np.tanh), derivatives=tuple(_tanh_d(n) for n in (1, 2, 3)), latex=r"\tanh",
             sympy="tanh", activation=True),
    Function("max", lambda args: reduce(np.maximum, args), min_args=2, max_args=None, latex=r"\max", sympy="Max"),
    Function("min", lambda args: reduce(np.minimum, args), min_args=2, max_args=None, latex=r"\min", sympy="Min"),
    Function("sigmoid", _unary(_sigmoid), ("sigma", "logistic"), derivatives=_SIGMOID_D,
             unicode="σ", latex=r"\sigma", activation=True),
    Function("relu", _unary(lambda x: np.maximum(x, 0.0)), ("ReLU", "Relu"),
             derivatives=(_kinked(lambda x: (x > 0).astype(float)), _kinked(_ZERO), _kinked(_ZERO)),
             unicode="ReLU", latex=r"\operatorname{ReLU}", activation=True, kink=True),
    Function("softmax", _softmax, latex=r"\operatorname{softmax}"),
    # added for issue 13: the rest of the elementary functions
    Function("sec", _unary(_sec), derivatives=tuple(_sec_d(n) for n in (1, 2, 3)), latex=r"\sec", sympy="sec"),
    Function("csc", _unary(_csc), derivatives=tuple(_csc_d(n) for n in (1, 2, 3)), latex=r"\csc", sympy="csc"),
    Function("cot", _unary(_cot), derivatives=tuple(_cot_d(n) for n in (1, 2, 3)), latex=r"\cot", sympy="cot"),
    Function("asin", _unary(np.arcsin), ("arcsin",), derivatives=_asin_d(1), latex=r"\arcsin", sympy="asin"),
    Function("acos", _unary(np.arccos), ("arccos",), derivatives=_asin_d(-1), latex=r"\arccos", sympy="acos"),
    Function("atan", _unary(np.arctan), ("arctan",), derivatives=_atan_d(1), latex=r"\arctan", sympy="atan"),
    Function("asec", _unary(lambda x: np.arccos(1 / x)), ("arcsec",),
             derivatives=(lambda x: 1 / (np.abs(x) * np.sqrt(x * x - 1)),), latex=_op("arcsec"), sympy="asec"),
    Function("acsc", _unary(lambda x: np.arcsin(1 / x)), ("arccsc",),
             derivatives=(lambda x: -1 / (np.abs(x) * np.sqrt(x * x - 1)),), latex=_op("arccsc"), sympy="acsc"),
    Function("acot", _unary(lambda x: np.arctan(1 / x)), ("arccot",), derivatives=_atan_d(-1),
             latex=_op("arccot"), sympy="acot"),
    Function("sech", _unary(_sech), derivatives=tuple(_sech_d(n) for n in (1, 2, 3)), latex=_op("sech"),
             sympy="sech"),
    Function("csch", _unary(_csch), derivatives=tuple(_csch_d(n) for n in (1, 2, 3)), latex=_op("csch"),
             sympy="csch"),
    Function("coth", _unary(_coth), derivatives=tuple(_coth_d(n) for n in (1, 2, 3)), latex=r"\coth",
             sympy="coth"),
    Function("asinh", _unary(np.arcsinh), ("arcsinh", "arsinh"), derivatives=_ASINH_D, latex=_op("arsinh"),
             sympy="asinh"),
    Function("acosh", _unary(np.arccosh), ("arccosh", "arcosh"), derivatives=_ACOSH_D, latex=_op("arcosh"),
             sympy="acosh"),
    Function("atanh", _unary(np.arctanh), ("arctanh", "artanh"), derivatives=_ATANH_D, latex=_op("artanh"),
             sympy="atanh"),
    Function("asech", _unary(lambda x: np.arccosh(1 / x)), ("arcsech", "arsech"),
             derivatives=(lambda x: -1 / (x * np.sqrt(1 - x * x)),), latex=_op("arsech"), sympy="asech"),
    Function("acsch", _unary(lambda x: np.arcsinh(1 / x)), ("arccsch", "arcsch"),
             derivatives=(lambda x: -1 / (np.abs(x) * np.sqrt(1 + x * x)),), latex=_op("arcsch"), sympy="acsch"),
    Function("acoth", _unary(lambda x: np.arctanh(1 / x)), ("arccoth", "arcoth"), derivatives=_ATANH_D,
             latex=_op("arcoth"), sympy="acoth"),
    Function("log10", _unary(np.log10), derivatives=_scaled(_LOG_D, math.log(10)), latex=r"\log_{{10}}\left({0}\right)"),
    Function("log2", _unary(np.log2), derivatives=_scaled(_LOG_D, math.log(2)), latex=r"\log_{{2}}\left({0}\right)"),
    Function("root", _root, min_args=2, max_args=2, latex=r"\sqrt[{1}]{{{0}}}"),
    Function("sign", _unary(np.sign), ("sgn",), latex=_op("sign"), sympy="sign"),
    Function("floor", _unary(np.floor), latex=r"\left\lfloor {0}\right\rfloor", sympy="floor"),
    Function("ceil", _unary(np.ceil), ("ceiling",), latex=r"\left\lceil {0}\right\rceil", sympy="ceiling"),
    Function("factorial", _factorial, latex=r"\left({0}\right)!", sympy="factorial"),
    Function("softplus", _unary(lambda x: np.logaddexp(0.0, x)), derivatives=(_sigmoid,) + _SIGMOID_D[:2],
             latex=_op("softplus"), activation=True),
    # added for issue 26: the course's notes and other platforms use them
    Function("atan2", lambda args: np.arctan2(args[0], args[1]), ("arctan2",), min_args=2, max_args=2,
             latex=_op("atan2"), sympy="atan2"),
    Function("diag", _diag, latex=_op("diag"), vector=True),
)

REGISTRY = Registry(_FUNCTIONS)


# --- lookups (read REGISTRY at call time) -------------------------------------------------------

def lookup(spelling: str) -> Optional[Function]:
    """The built-in a student's spelling names (`ln` -> log, `sigma` -> sigmoid), or None."""
    return REGISTRY._by_spelling.get(spelling)


def by_name(name: str) -> Optional[Function]:
    """The built-in whose canonical name (as stored in a parse tree) this is, or None."""
    return REGISTRY._by_name.get(name)


def canonical_name(spelling: str) -> str:
    fn = lookup(spelling)
    return spelling if fn is None else fn.name


def spellings() -> list[str]:
    """Every spelling of every built-in, in registry order."""
    return [s for fn in REGISTRY.functions for s in fn.spellings]


def alias_names() -> list[str]:
    """What `alias:` may name in a problem file: every spelling of a built-in that takes one argument."""
    return [s for fn in REGISTRY.functions if fn.min_args == 1 and not fn.vector for s in fn.spellings]
