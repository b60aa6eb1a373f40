"""Numbers for a parse tree: evaluation in seeded random "worlds", vectorised with NumPy.

Every sample s is its own small network: layers of `width[s]` units (2 to 4), a random array
for every indexed family, a random smooth function with exact derivatives for every unknown
function, random values for plain symbols inside their domains, and a random assignment of the
free indices. Evaluating a tree once gives its value in all samples together, so the cost is a
few NumPy operations per node, never a SymPy call. Sums loop over the (at most 4) units and mask
the ones a sample does not have.

A problem with a `network:` block gets more: its network names take their values from a real
network per sample (grader.checking.network), and ∂ notation (`Deriv`) is evaluated in it.
"""
from __future__ import annotations

import hashlib
import math
from fractions import Fraction
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from grader.errors import StudentError
from grader.answers import functions
from grader.limits import (DEFAULT_DOMAIN, EXACT_MAX_BITS, EXACT_MAX_EXPONENT, HIDDEN_LAYERS, LAYERS, MAX_WIDTH,
                            MIN_WIDTH, NONZERO_GAP, REJECTION_DRAWS, SAMPLES)
from grader.model import FUNCTION, INDEXED, LAST, LAYER, MATRIX, UNIT, VECTOR, SymbolTable
from grader.answers.tree import Bin, Call, Const, Deriv, Idx, Index, Neg, Node, Num, Sum, Sym, Transpose
from grader.checking import network



class EvalError(StudentError):
    """A tree that cannot be evaluated: a shape mismatch, an unavailable derivative. The message
    is written for a student."""

    def __init__(self, message: str, kind: str = "shape"):
        super().__init__(message)
        self.kind = kind


def seed_for(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


@dataclass
class World:
    """Random values for every declared name, for SAMPLES samples."""

    table: SymbolTable
    samples: int
    width: np.ndarray                       # (S,) units per layer; a network world sums every slot
    arrays: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)
    index_values: dict = field(default_factory=dict)
    definitions: dict = field(default_factory=dict)   # name -> parsed tree
    network: Optional[network.Params] = None          # the problem's network, when it declares one
    node_layers: dict = field(default_factory=dict)   # a `nodes` name -> its layer per sample

    @property
    def rows(self) -> np.ndarray:
        return np.arange(self.samples)

    def subset(self, rows: np.ndarray) -> "World":
        """The same world restricted to some samples (in the order given)."""
        functions = {name: {k: v[:, rows] for k, v in fn.items()} for name, fn in self.functions.items()}
        return World(self.table, len(rows), self.width[rows], {k: v[rows] for k, v in self.arrays.items()},
                     functions, {k: np.asarray(v)[rows] for k, v in self.index_values.items()}, self.definitions,
                     None if self.network is None else self.network.subset(rows),
                     {k: v[rows] for k, v in self.node_layers.items()})

    def activation(self) -> network.Activation:
        """The network's activation functions (hidden layers, output layer) and their
        derivatives, computed as the Evaluator computes f(z) and g_L'(z)."""
        net = self.table.network
        hidden, output = (self._function(name) for name in (net.function, net.output_function or net.function))
        return lambda x, order, layer: (output if layer == LAYERS - 1 else hidden)(x, order)

    def _function(self, name: Optional[str]):
        sym = None if name is None else self.table.get(name)
        alias = name if name is not None and sym is None else None if sym is None else sym.alias   # a chain's tanh
        if alias is not None:
            return lambda x, order: _builtin(alias, [x], order)
        return lambda x, order: _unknown(self.functions[name or UNNAMED], x, order)


def shape_word(v: np.ndarray) -> str:
    """What a value is, in the words of a sentence about it (evaluator errors and feedback)."""
    if v.ndim == 1:
        return "a number"
    r, c = v.shape[1], v.shape[2]
    if c == 1:
        return "a column vector"
    if r == 1:
        return "a row vector"
    return "a matrix"


def make_world(table: SymbolTable, seed: int, given: Optional[dict] = None, samples: int = SAMPLES,
               definitions: Optional[dict] = None, bounds: Optional[dict] = None,
               keep: Optional[Callable[[World], np.ndarray]] = None, minimum: Optional[int] = None) -> World:
    """A world for a table. `given` fixes named scalars (numeric problems: one sample suffices).

    `bounds` narrows the interval a scalar is drawn from (a part's simple conditions); `keep`
    says which samples of a larger draw are usable (a part's condition, or where the reference
    is defined): REJECTION_DRAWS times as many samples are drawn once and the first `samples`
    kept, so the budget is fixed; fewer than `minimum` (default: all `samples`) usable is an
    EvalError("condition").
    """
    if keep is None:
        return _draw(table, seed, given, samples, definitions, bounds)
    draws = samples * REJECTION_DRAWS
    big = _draw(table, seed, given, draws, definitions, bounds)
    rows = np.flatnonzero(keep(big))[:samples]
    if len(rows) < (samples if minimum is None else minimum):
        raise EvalError(f"only {len(rows)} of {draws} random samples meet the condition, {samples} are needed",
                        "condition")
    return big.subset(rows)


def range_misfit(role, low: int, high: int) -> Optional[str]:
    """Why an index range cannot be drawn in a world (None: it can). Ranges use the numbers a
    literal index uses (`a_1^2`): a layer has units 0 .. width - 1 (width MIN_WIDTH..MAX_WIDTH),
    layers are 0 (input) .. LAYERS - 1 (output)."""
    if low > high:
        return f"the range [{low}, {high}] is empty"
    if role == UNIT and not 0 <= low <= high <= MAX_WIDTH - 1:
        return f"units are numbered 0 to {MAX_WIDTH - 1} (every layer has {MIN_WIDTH} to {MAX_WIDTH} units)"
    if role == LAYER and not 0 <= low <= high <= LAYERS - 1:
        return f"layers are numbered 0 (the input layer) to {LAYERS - 1} (the output layer L)"
    if role == LAST:
        return f"'{LAST}' is the output layer L, always layer {LAYERS - 1}: a range is for unit and layer letters"
    return None


def _interval(rng, sym, shape, bounds: Optional[dict]) -> np.ndarray:
    lo, hi = sym.domain
    if bounds and sym.name in bounds:
        lo, hi = max(lo, bounds[sym.name][0]), min(hi, bounds[sym.name][1])
        if not lo <= hi:
            raise EvalError(f"no value of {sym.name} in its domain {list(sym.domain)} meets the condition",
                            "condition")
    if sym.integer:
        return rng.integers(math.ceil(lo), math.floor(hi) + 1, size=shape).astype(float)
    if sym.nonzero:
        gap_lo, gap_hi = max(lo, -NONZERO_GAP), min(hi, NONZERO_GAP)
        if gap_lo < gap_hi:
            if hi - lo - (gap_hi - gap_lo) <= 0:
                raise EvalError(f"no nonzero value of {sym.name} lies in {[lo, hi]}", "condition")
            x = rng.uniform(lo, hi - (gap_hi - gap_lo), size=shape)
            return np.where(x >= gap_lo, x + (gap_hi - gap_lo), x)
    return rng.uniform(lo, hi, size=shape)


def _draw(table: SymbolTable, seed: int, given: Optional[dict], samples: int, definitions: Optional[dict],
          bounds: Optional[dict]) -> World:
    rng = np.random.default_rng(seed)
    given = given or {}
    S = samples
    # a unit range starting above MIN_WIDTH needs layers at least that wide
    narrowest = max([MIN_WIDTH] + [low + 1 for letter, (low, _) in table.index_ranges
                                   if table.index_role(letter) == UNIT])
    width = rng.integers(narrowest, MAX_WIDTH + 1, size=S)
    world = World(table, S, width, definitions=definitions or {})
    for sym in table.symbols:
        if sym.name in given:
            world.arrays[sym.name] = np.full(S, float(given[sym.name]))
            continue
        if sym.definition is not None:
            continue
        if sym.kind == FUNCTION:
            if sym.alias is None:
                world.functions[sym.name] = _random_function(rng, S, sym.arguments)
            continue
        # one extra slot per index position: where a shifted index falls outside the network
        layer = (LAYERS + 1,) if sym.superscript else ()
        if sym.kind == INDEXED:
            shape = (S,) + layer + (MAX_WIDTH + 1,) * sym.subscripts
        elif sym.kind == VECTOR:
            shape = (S,) + layer + (MAX_WIDTH, 1)
        elif sym.kind == MATRIX:
            shape = (S,) + layer + (MAX_WIDTH, MAX_WIDTH)
        else:
            shape = (S,)
        world.arrays[sym.name] = _interval(rng, sym, shape, bounds)
    for letter, role in table.indices:
        limits = table.index_range(letter)
        if role == UNIT and limits is None:
            world.index_values[letter] = (rng.random(S) * width).astype(np.int64)
        elif role == UNIT:    # units low..high that the sample's layers have
            low, stop = limits[0], np.minimum(limits[1] + 1, width)
            world.index_values[letter] = low + (rng.random(S) * (stop - low)).astype(np.int64)
        elif role == LAYER:
            low, high = limits or HIDDEN_LAYERS
            world.index_values[letter] = rng.integers(low, high + 1, size=S)
        elif role == LAST:
            world.index_values[letter] = np.full(S, LAYERS - 1)
    if table.network is not None:
        if table.network.function is None:
            world.functions[UNNAMED] = _random_function(rng, S)
        inside = _activation_domain(table)
        for name in (table.network.function or UNNAMED, table.network.output_function):
            _tame(world.functions.get(name), inside)
        decay = None if table.network.decay is None else world.arrays[table.network.decay]
        net = table.network
        start = network.chain_layer(net, 0) if net.chain else 0
        biased = tuple(network.chain_layer(net, n) for _, role, n in net.chain if role == "bias") \
            if net.chain else None
        act = world.activation()
        world.network = network.draw(rng, width, act, decay,
                                     softmax=net.loss == "softmax-cross-entropy",
                                     scale=2.0 if net.loss == "squared" else 1.0, start=start, biased=biased,
                                     one_hot=net.one_hot, inputs=inside)
        world.node_layers = network.node_layers(rng, net, S) if net.nodes else {}
        fixed = {(role, network.chain_layer(net, n)): world.arrays[name] for name, role, n in net.chain
                 if name in given}
        if fixed:       # a numeric problem's given values are the chain's own inputs
            world.network = network.pin(world.network, act, fixed)
        network.fill(world.arrays, table, table.network, world.network, act, world.node_layers)
        world.width = np.full(S, MAX_WIDTH)     # sums run over every slot: the ones beyond a layer's units
        for name in given:      # a value fixed by hand (`compare --let C=2`) is the value asked for
            if name in world.arrays:
                world.arrays[name] = np.full(S, float(given[name]))
    return world


def _example(net, role: str) -> str:
    """A name of the role as a student would write one node of it, for messages."""
    if role == "weighted-input" and net.weighted_input:
        return f"{net.weighted_input}_j^l"
    return next((name for r, name in net.roles() if r == role), role.replace("-", " "))


UNNAMED = ""    # the key of a network's activation function the problem does not name (no name is empty)


def _tame(fn: Optional[dict], inside: Optional[tuple[float, float]] = None) -> None:
    """An unknown activation grows at most linearly: its x^2 term, repeated through six layers,
    would take z to 1e30. The sines still give every derivative a random value. With `inside`
    (the activation's declared domain, [0.05, 1] for a positive a) it is only its two sines,
    centred and scaled into that interval: every activation is then a value the problem says it
    can be, so `a_k^(l-1)**delta_j^l` is a wrong answer, not an undefined one."""
    if fn is None:
        return
    fn["c"][2] = 0.0
    if inside is not None:
        lo, hi = inside
        fn["c"][:] = 0.0
        fn["c"][0] = (lo + hi) / 2
        fn["a"] *= (hi - lo) / 2 / np.abs(fn["a"]).sum(axis=0)


def _activation_domain(table: SymbolTable) -> Optional[tuple[float, float]]:
    """The domain a network's activation symbol declares (None: the default, any sign)."""
    net = table.network
    sym = table.get(net.activation) if net.activation and not net.chain else None
    return None if sym is None or sym.domain == DEFAULT_DOMAIN else tuple(sym.domain)


def _random_function(rng, S, arguments: int = 1):
    """Coefficients of c0 + c1 x + c2 x^2 / 2 + a1 sin(b1 x + p1) + a2 sin(b2 x + p2), per sample;
    n > 1 arguments: a slope per argument and a direction per sine (f(y, x) is another function)."""
    fn = {
        "c": rng.uniform(-1, 1, size=(3, S)),
        "a": rng.uniform(0.5, 1.5, size=(2, S)) * rng.choice([-1, 1], size=(2, S)),
        "b": rng.uniform(0.5, 2.0, size=(2, S)),
        "p": rng.uniform(0, 2 * math.pi, size=(2, S)),
    }
    if arguments > 1:       # drawn after the others: a one-argument function's draws are unchanged
        fn["slopes"] = rng.uniform(-1, 1, size=(arguments, S))
        fn["directions"] = rng.uniform(0.5, 2.0, (2 * arguments, S)) * rng.choice([-1, 1], (2 * arguments, S))
    return fn


def _bcast(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return coef.reshape(coef.shape + (1,) * (x.ndim - 1))


def _unknown(fn: dict, x: np.ndarray, order: int) -> np.ndarray:
    c0, c1, c2 = (_bcast(c, x) for c in fn["c"])
    if order == 0:
        out = c0 + c1 * x + c2 * x * x / 2
    elif order == 1:
        out = c1 + c2 * x
    elif order == 2:
        out = c2 + 0 * x
    else:
        out = 0 * x
    for a, b, p in zip(fn["a"], fn["b"], fn["p"]):
        a, b, p = _bcast(a, x), _bcast(b, x), _bcast(p, x)
        out = out + a * b ** order * np.sin(b * x + p + order * math.pi / 2)
    return out


def _unknown_many(fn: dict, args: list) -> np.ndarray:
    """f(x, y, ...): c0 + sum_i s_i x_i + a1 sin(d1 . x + p1) + a2 sin(d2 . x + p2), per sample."""
    x0, n = args[0], len(args)
    out = _bcast(fn["c"][0], x0) + sum(_bcast(s, x) * x for s, x in zip(fn["slopes"], args))
    for k, (a, p) in enumerate(zip(fn["a"], fn["p"])):
        inner = sum(_bcast(d, x) * x for d, x in zip(fn["directions"][k * n:(k + 1) * n], args))
        out = out + _bcast(a, x0) * np.sin(inner + _bcast(p, x0))
    return out


def _builtin(name: str, args: list, order: int) -> np.ndarray:
    fn = functions.lookup(name)
    if fn is None:
        raise EvalError(f"Unknown function {name}.", "function")
    if fn.vector and (args[0].ndim == 1 or args[0].shape[2] != 1):
        raise EvalError(f"{name}(...) makes a matrix from a column vector; {shape_word(args[0])} has no place there.")
    args = _same_size(name, args) if len(args) > 1 else args
    if order == 0:
        return fn.value(args)
    if order > len(fn.derivatives):
        raise EvalError(f"The derivative {name}' is not available.", "function")
    return fn.derivatives[order - 1](args[0])


def _same_size(name: str, args: list) -> list:
    """max(0, v), atan2(u, v): numbers go with every entry, other values must have one size."""
    sizes = [a for a in args if a.ndim != 1]
    if any(a.shape != sizes[0].shape for a in sizes):
        words = " and ".join(dict.fromkeys(shape_word(a) for a in sizes))
        raise EvalError(f"The arguments of {name}(...) must have the same size, not {words}.")
    return [_bcast(a, sizes[0]) if sizes and a.ndim == 1 else a for a in args]


class Evaluator:
    """Evaluates trees in one world. `env` holds the values of the index letters: free ones
    are per-sample arrays, bound ones (inside a sum) a single unit number."""

    def __init__(self, world: World):
        self.world = world
        self.env = dict(world.index_values)
        self._defining: set[str] = set()

    def __call__(self, node: Node) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = self.ev(node)
        if out.ndim == 3 and out.shape[1] == 1 and out.shape[2] == 1:
            out = out[:, 0, 0]
        return out

    def index(self, i: Index, layer: bool) -> np.ndarray:
        if i.var is None:
            val = np.full(self.world.samples, i.offset)
        else:
            val = np.asarray(self.env[i.var]) + i.offset
        size = LAYERS if layer else MAX_WIDTH
        return np.where((val < 0) | (val >= size), size, val)

    def symbol(self, name: str, sup: Optional[Index]) -> np.ndarray:
        w = self.world
        if name not in w.arrays:
            tree = w.definitions.get(name)
            if tree is None:
                raise EvalError(f"'{name}' has no value here.", "name")
            if name in self._defining:
                raise EvalError(f"'{name}' is defined in terms of itself.", "name")
            self._defining.add(name)
            try:
                return self.ev(tree)
            finally:
                self._defining.discard(name)
        arr = w.arrays[name]
        if sup is not None:
            arr = arr[w.rows, self.index(sup, True)]
        return arr

    def ev(self, node: Node) -> np.ndarray:
        S = self.world.samples
        if isinstance(node, Num):
            return np.full(S, float(node.value))
        if isinstance(node, Const):
            return np.full(S, math.pi if node.name == "pi" else math.e)
        if isinstance(node, Sym):
            return self.symbol(node.name, node.sup)
        if isinstance(node, Idx):
            arr = self.world.arrays[node.name]
            keys = [self.world.rows]
            if node.sup is not None:
                keys.append(self.index(node.sup, True))
            keys.extend(self.index(i, False) for i in node.subs)
            return arr[tuple(keys)]
        if isinstance(node, Neg):
            return -self.ev(node.arg)
        if isinstance(node, Transpose):
            v = self.ev(node.arg)
            return v if v.ndim == 1 else np.swapaxes(v, 1, 2)
        if isinstance(node, Call):
            args = [self.ev(a) for a in node.args]
            sym = self.world.table.get(node.name)
            if sym is not None and sym.kind == FUNCTION:
                if sym.alias is not None:
                    return _builtin(sym.alias, args, node.order)
                if len(args) > 1 and node.order:
                    raise EvalError(f"{node.name} takes {len(args)} arguments: it has no derivative here.", "function")
                if len(args) > 1:       # f(g(n), 1): a declared function of several arguments
                    return _unknown_many(self.world.functions[node.name], _same_size(node.name, args))
                return _unknown(self.world.functions[node.name], args[0], node.order)
            return _builtin(node.name, args, node.order)
        if isinstance(node, Sum):
            return self.sum(node)
        if isinstance(node, Deriv):
            return self.derivative(node)
        if isinstance(node, Bin):
            return self.binary(node)
        raise EvalError(f"cannot evaluate {type(node).__name__}", "internal")

    def derivative(self, node: Deriv) -> np.ndarray:
        """∂X/∂Y of two nodes of the problem's network, in every sample (network.derivative)."""
        net, world = self.world.table.network, self.world
        if net is None or world.network is None:
            raise EvalError("Derivatives in ∂ notation can be checked only in a problem whose names live in a "
                            "network; write this answer without them.", "deriv")
        of, wrt = self.node(node.of, "of"), self.node(node.wrt, "with respect to")
        if wrt.role == "cost" and of.role == "cost":
            return np.full(world.samples, 1.0)
        if wrt.role in network.BACKWARD + ("cost",):
            instead = (f"the derivative of the cost is written d{node.wrt.name}/d{_example(net, 'weighted-input')}"
                       if wrt.role == "cost" else "differentiate with respect to a weighted input or an activation"
                       " instead" if node.wrt.name in world.node_layers else
                       f"use the weighted input {_example(net, 'weighted-input')} instead")
            what = "gradient" if wrt.role == "activation-gradient" else wrt.role
            raise EvalError(f"The {what} {node.wrt.name} is computed from the network's other values, so "
                            f"nothing can be differentiated with respect to it; {instead}.", "deriv")
        if not of.units and of.role != "cost":
            instead = (f"write it for one unit, as in d{net.activation}_j^l/d{net.weighted_input}_j^l" if
                       net.weighted_input else f"the cost's derivative with respect to a whole layer, such as "
                       f"d{net.cost or 'C'}/d{node.wrt.name}, is")
            raise EvalError(f"A derivative of a whole layer ('{node.of.name}') is a matrix of derivatives the "
                            f"grader does not take; {instead}.", "deriv")
        if not wrt.units:       # the gradient of the cost: a vector (or matrix) like the layer's own
            grad = network.gradient(world.network, wrt)
            return np.swapaxes(grad, 1, 2) if wrt.role == "weight" and net.weight_order == "sending-first" else grad
        return network.derivative(world.network, world.activation(), of, wrt)

    def node(self, n: Node, side: str) -> network.Seed:
        net = self.world.table.network
        if not isinstance(n, (Sym, Idx)):
            names = ", ".join(name for _, name in net.roles())
            raise EvalError(f"A derivative is taken {side} one name of the network ({names}), written with its "
                            f"indices, such as dC/d{_example(net, 'weighted-input')}; a number or an expression has no "
                            f"place there.", "deriv")
        role = net.role_of(n.name)
        if role is None:
            names = ", ".join(name for _, name in net.roles())
            raise EvalError(f"'{n.name}' is not a name of the network, so a derivative {side} it has no meaning "
                            f"here; the network's names are {names}.", "deriv")
        if n.name in self.world.node_layers:     # a whole layer, at the layer its name says (not the target)
            return network.Seed(role, self.world.node_layers[n.name], ())
        if net.chain:       # a chain's names are scalars, each one node
            if role == "cost":
                return network.Seed(role, None, ())
            layer = np.full(self.world.samples, network.chain_layer(net, net.chain_layer(n.name)))
            zero = np.zeros(self.world.samples, dtype=np.int64)
            return network.Seed(role, layer, (zero,) * (2 if role == "weight" else 1))
        whole = isinstance(n, Sym) and role != "cost" and self.world.table.get(n.name).kind in (VECTOR, MATRIX)
        one = n.sup is None and isinstance(n, Sym) if role == "cost" else (isinstance(n, Idx) or whole) and (
            (n.sup is None) == (role == "target"))
        if not one:
            raise EvalError(f"Take the derivative {side} one unit, with its indices, as in "
                            f"d{net.cost or 'C'}/d{_example(net, 'weighted-input')}: '{n.name}' written this way is "
                            f"not a single number of the network.", "deriv")
        layer = None if n.sup is None else np.broadcast_to(self.index(n.sup, True), (self.world.samples,))
        units = tuple(np.broadcast_to(self.index(i, False), (self.world.samples,))
                      for i in (n.subs if isinstance(n, Idx) else ()))
        if role == "weight" and net.weight_order == "sending-first":
            units = units[::-1]
        if role in ("weight", "bias") and net.weight_layer == "sending":
            layer = np.where(layer < LAYERS, layer + 1, LAYERS)
        return network.Seed(role, layer, units)

    def sum(self, node: Sum) -> np.ndarray:
        saved = self.env.get(node.index)
        total = None
        try:
            for unit in range(MAX_WIDTH):
                self.env[node.index] = unit
                val = self.ev(node.body)
                mask = _bcast(unit < self.world.width, val)
                if node.kind == "sum":
                    term = np.where(mask, val, 0.0)
                    total = term if total is None else total + term
                else:
                    term = np.where(mask, val, 1.0)
                    total = term if total is None else total * term
        finally:
            if saved is None:
                self.env.pop(node.index, None)
            else:
                self.env[node.index] = saved
        return total

    def binary(self, node: Bin) -> np.ndarray:
        a, b = self.ev(node.left), self.ev(node.right)
        op = node.op
        if op in "+-":
            if a.ndim == 1 or b.ndim == 1:      # 1 - a^(nl): the course's notes, element by element
                a, b = (_bcast(a, b), b) if a.ndim == 1 else (a, _bcast(b, a))
            elif a.shape != b.shape:
                raise EvalError(f"You cannot {'add' if op == '+' else 'subtract'} {shape_word(b)} "
                                f"{'to' if op == '+' else 'from'} {shape_word(a)}.")
            return a + b if op == "+" else a - b
        if op == "*":
            if a.ndim == 1 or b.ndim == 1:
                return _scale(a, b)
            if a.shape[2] != b.shape[1]:
                raise EvalError(f"You cannot multiply {shape_word(a)} by {shape_word(b)}: their sizes do not "
                                f"match (is a transpose missing or misplaced?).")
            out = a @ b
            return out[:, 0, 0] if out.shape[1:] == (1, 1) else out
        if op == ".*":
            if a.ndim == 1 or b.ndim == 1:
                return _scale(a, b)
            if a.shape != b.shape:
                raise EvalError(f"An element-wise product needs two values of the same size, not "
                                f"{shape_word(a)} and {shape_word(b)}.")
            return a * b
        if op == "/":
            if b.ndim != 1:
                raise EvalError(f"You cannot divide by {shape_word(b)}.")
            return a / _bcast(b, a)
        if op == "^":
            if a.ndim != 1 or b.ndim != 1:
                raise EvalError("Only numbers can be raised to a power; for an element-wise square of a vector "
                                "write v .* v.")
            with np.errstate(all="ignore"):
                return np.power(a, b)
        raise EvalError(f"unknown operator {op}", "internal")


def _scale(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.ndim == 1 and b.ndim == 1:
        return a * b
    if a.ndim == 1:
        return _bcast(a, b) * b
    return a * _bcast(b, a)


def evaluate(tree: Node, world: World) -> np.ndarray:
    return Evaluator(world)(tree)


# --- exact values -------------------------------------------------------------------------
# Exact values of answers written without decimals: `99999999/10^8` is a rational number, not
# a float, so it is never "equal" to `99999998/99999999` because both round to 0.99999999.
# 
# Only cheap exactness: integers and fractions under + - * /, whole powers with small
# exponents, and square roots of perfect squares. Anything else (a symbol, a decimal, pi, a
# function) gives None and the float comparison decides, with its tolerance.

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
