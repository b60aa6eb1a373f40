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


_FUNCTIONS = (
    Function("exp", _unary(np.exp), derivatives=(np.exp,) * 3, latex=r"\exp", sympy="exp"),
    Function("log", _unary(np.log), ("ln",), derivatives=tuple(_log_d(n) for n in (1, 2, 3)),
             latex=r"\log", sympy="log"),
    Function("sqrt", _unary(np.sqrt), latex=r"\sqrt{{{0}}}", sympy="sqrt"),
    Function("abs", _unary(np.abs), latex=r"\left|{0}\right|", sympy="Abs"),
    Function("sin", _unary(lambda x: np.sin(x + 0 * math.pi / 2)),
             derivatives=tuple(_shifted(np.sin, n) for n in (1, 2, 3)), latex=r"\sin", sympy="sin"),
    Function("cos", _unary(lambda x: np.cos(x + 0 * math.pi / 2)),
             derivatives=tuple(_shifted(np.cos, n) for n in (1, 2, 3)), latex=r"\cos", sympy="cos"),
    Function("tan", _unary(np.tan), latex=r"\tan", sympy="tan"),
    Function("sinh", _unary(np.sinh), latex=r"\sinh", sympy="sinh"),
    Function("cosh", _unary(np.cosh), latex=r"\cosh", sympy="cosh"),
    Function("tanh", _unary(np.tanh), derivatives=tuple(_tanh_d(n) for n in (1, 2, 3)), latex=r"\tanh",
             sympy="tanh", activation=True),
    Function("max", lambda args: reduce(np.maximum, args), min_args=2, max_args=2, latex=r"\max", sympy="Max"),
    Function("min", lambda args: reduce(np.minimum, args), min_args=2, max_args=2, latex=r"\min", sympy="Min"),
    Function("sigmoid", _unary(_sigmoid), ("sigma",), derivatives=tuple(_sigmoid_d(n) for n in (1, 2, 3)),
             unicode="σ", latex=r"\sigma", activation=True),
    Function("relu", _unary(lambda x: np.maximum(x, 0.0)), ("ReLU", "Relu"),
             derivatives=(lambda x: (x > 0).astype(float), lambda x: 0 * x, lambda x: 0 * x),
             unicode="ReLU", latex=r"\operatorname{ReLU}", activation=True),
    Function("softmax", _softmax, latex=r"\operatorname{softmax}"),
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
    """What `alias:` may name in a problem file: every spelling of a one-argument built-in."""
    return [s for fn in REGISTRY.functions if fn.max_args == 1 for s in fn.spellings]
