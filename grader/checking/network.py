"""The network behind a problem's names (its `network:` block): in every sample a real
feed-forward network, so that a_j^l is f(z_j^l), delta_j^l is the true dC/dz_j^l, and ∂
notation in an answer has a value.

Layers 0 (the input) .. LAYERS-1 (the output L), each with MAX_WIDTH unit slots of which the
first `widths[s, l]` are the layer's units (layers of one sample differ). The other slots are
isolated units (no weight reaches them or leaves them, their error is 0 and their target is
their own output), so sums over every slot, the vector and matrix forms (z^(l) = W^(l) a^(l-1)
+ b^(l)) and the indexed forms describe the same network and the same cost. Derivatives are
exact: forward mode (the tangent of every node, from the kept forward pass) for every node but
the error, the complex step (perturb one node by i*h, run both passes in complex numbers, read
the imaginary part / h) for the error, itself a derivative; never a finite difference.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Callable, Optional

import numpy as np

from grader.limits import LAYERS, MAX_WIDTH
from grader.model import INDEXED, MATRIX, SCALAR, VECTOR, Network

STEP = 1e-20            # the complex step: far below rounding of any value, so h^2 terms vanish
PARAMETER_SCALE = 1.0   # weights, biases, inputs and targets are drawn from [-1, 1]: z stays near the
                        # range where a random smooth f is interesting, through all LAYERS-1 layers

BACKWARD = ("error", "activation-gradient")     # nodes of the backward pass: derivatives of the cost
Activation = Callable[[np.ndarray, int, int], np.ndarray]    # (values of a layer, order of the derivative, layer)


@dataclass(frozen=True)
class Params:
    """The inputs of a network for S samples: w[s, l, receiving, sending] (layer 0 unused),
    b[s, l, unit], the input x[s, unit] = a^0, the target y[s, unit]."""

    w: np.ndarray
    b: np.ndarray
    x: np.ndarray
    y: np.ndarray
    a: Optional[np.ndarray] = None        # the forward pass, kept for forward-mode derivatives:
    slope: Optional[np.ndarray] = None    # a and f'(z), (S, LAYERS, MAX_WIDTH)
    widths: Optional[np.ndarray] = None   # units of each layer, (S, LAYERS)
    decay: Optional[np.ndarray] = None    # weight decay lambda, (S,): + lambda/2 sum w^2 in the cost
    softmax: bool = False                 # the output layer is softmax(z^L), the cost -sum_j y_j log a_j^L
    scale: float = 1.0                    # the quadratic cost times this: 2 for `squared`, sum (a - y)^2
    start: int = 0                        # the input layer: x is a^start, layers before it are unused (a chain
                                          # of n layers starts at LAYERS - 1 - n, so its x can be given)

    def subset(self, rows: np.ndarray) -> "Params":
        return replace(self, **{f.name: getattr(self, f.name)[rows] for f in fields(self)
                                if isinstance(getattr(self, f.name), np.ndarray)})


@dataclass(frozen=True)
class Seed:
    """One node of the network, a derivative's `of` or `wrt`: a role of `Network.roles()`, per
    sample the layer and the unit(s) (a layer LAYERS or unit MAX_WIDTH is outside the network:
    nothing moves; no units at all is the whole layer, for `gradient`)."""

    role: str
    layer: Optional[np.ndarray]
    units: tuple[np.ndarray, ...]


def draw(rng: np.random.Generator, width: np.ndarray, act: Activation, decay: Optional[np.ndarray] = None,
         softmax: bool = False, scale: float = 1.0, start: int = 0, biased: Optional[tuple[int, ...]] = None,
         one_hot: bool = False, inputs: Optional[tuple[float, float]] = None) -> Params:
    """A network per sample whose layers have `width` to MAX_WIDTH units each (so the index
    letters, drawn below `width`, are units of every layer), widths differing between layers.
    A softmax output layer has every slot (a softmax over isolated units would not be isolated),
    and its target is a probability vector (`one_hot`: the one-hot vector of a drawn class). The
    input a^0 is drawn from `inputs`, the activation's declared domain, when it has one. A chain
    (`biased` given) is one unit wide, with biases only in the layers `biased` names."""
    S = len(width)
    widths = rng.integers(width[:, None], MAX_WIDTH + 1, size=(S, LAYERS))
    if biased is not None:
        widths[:] = 1
    if softmax:
        widths[:, -1] = MAX_WIDTH
    real = np.arange(MAX_WIDTH)[None, None, :] < widths[:, :, None]          # (S, LAYERS, W)
    link = real[:, :, :, None] & np.concatenate([real[:, :1], real[:, :-1]], 1)[:, :, None, :]
    w = rng.uniform(-PARAMETER_SCALE, PARAMETER_SCALE, size=(S, LAYERS, MAX_WIDTH, MAX_WIDTH)) * link
    b = rng.uniform(-PARAMETER_SCALE, PARAMETER_SCALE, size=(S, LAYERS, MAX_WIDTH))
    w[:, 0], b[:, 0] = 0.0, 0.0
    if biased is not None:
        b[:, [layer for layer in range(LAYERS) if layer not in biased]] = 0.0
    x = rng.uniform(*(inputs or (-PARAMETER_SCALE, PARAMETER_SCALE)), size=(S, MAX_WIDTH))     # a^0: `inputs`
    y = rng.uniform(-PARAMETER_SCALE, PARAMETER_SCALE, size=(S, MAX_WIDTH))
    if softmax:
        y = np.abs(y) + 0.05
        y = y / y.sum(axis=1, keepdims=True)
    if one_hot:         # the true class: one of the output layer's units
        y = _hot((rng.random(S) * widths[:, -1]).astype(np.int64)).astype(float)
    p = settled(Params(w, b, x, y, None, None, widths, decay, softmax, scale, start), act)   # a, f'(z): not y
    return replace(p, y=np.where(real[:, -1], y, p.a[:, LAYERS - 1]))     # an isolated output unit costs nothing


def settled(p: Params, act: Activation) -> Params:
    """`p` with its forward pass (kept for forward-mode derivatives) computed from its inputs."""
    values = run(p, act)
    z = values["weighted-input"]
    slope = np.stack([act(z[:, l], 1, l) for l in range(LAYERS)], 1)
    return replace(p, a=values["activation"], slope=slope)


def pin(p: Params, act: Activation, fixed: dict) -> Params:
    """A chain with some of its inputs set by hand (a numeric problem's given values): `fixed`
    maps (role, network layer) of unit 0 to a value per sample; the forward pass follows."""
    w, b, x, y = p.w.copy(), p.b.copy(), p.x.copy(), p.y.copy()
    for (role, layer), value in fixed.items():
        if role == "weight":
            w[:, layer, 0, 0] = value
        elif role == "bias":
            b[:, layer, 0] = value
        elif role == "target":
            y[:, 0] = value
        else:       # the input, a^start
            x[:, 0] = value
    return settled(replace(p, w=w, b=b, x=x, y=y), act)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.real.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _hot(units: np.ndarray) -> np.ndarray:
    return np.arange(MAX_WIDTH)[None, :] == np.asarray(units)[:, None]


def run(p: Params, act: Activation, seed: Optional[Seed] = None) -> dict:
    """Every node of the network, forward and backward: role -> array (S, LAYERS, MAX_WIDTH),
    (S, LAYERS, MAX_WIDTH, MAX_WIDTH) for the weight, (S, MAX_WIDTH) for the target, (S,) for the
    cost. With a seed, in complex numbers with the step added at the seed's node."""
    w, b, x, y = p.w, p.b, p.x, p.y
    step = {}
    if seed is not None:
        w, b, x, y = (v.astype(complex) for v in (w, b, x, y))
        if seed.role == "target":
            y = y + 1j * STEP * _hot(seed.units[0])
        else:
            at = np.arange(LAYERS)[None, :] == np.asarray(seed.layer)[:, None]      # (S, LAYERS)
            hot = at[:, :, None] * _hot(seed.units[0])[:, None, :] * 1j * STEP       # (S, LAYERS, W)
            if seed.role == "weight":
                w = w + hot[:, :, :, None] * _hot(seed.units[1])[:, None, None, :]
            elif seed.role == "bias":
                b = b + hot
            else:
                step[seed.role] = hot
    none = np.zeros(b.shape[:1] + b.shape[2:], dtype=b.dtype)
    zs = [none] * (p.start + 1)
    as_ = [none] * p.start + [x + step["activation"][:, p.start] if "activation" in step else x]
    for l in range(p.start + 1, LAYERS):
        z = np.einsum("sjk,sk->sj", w[:, l], as_[-1]) + b[:, l]
        if "weighted-input" in step:
            z = z + step["weighted-input"][:, l]
        a = _softmax(z) if p.softmax and l == LAYERS - 1 else act(z, 0, l)
        if "activation" in step:
            a = a + step["activation"][:, l]
        zs.append(z)
        as_.append(a)
    if p.softmax:
        cost = -(y * np.log(as_[-1])).sum(axis=1)
        deltas = [as_[-1] * y.sum(axis=1, keepdims=True) - y]      # a - y for a probability vector y
    else:
        diff = as_[-1] - y
        cost = 0.5 * p.scale * (diff * diff).sum(axis=1)
        deltas = [p.scale * diff * act(zs[-1], 1, LAYERS - 1)]
    if p.decay is not None:
        cost = cost + 0.5 * p.decay * (w * w).sum(axis=(1, 2, 3))
    for l in range(LAYERS - 2, 0, -1):
        deltas.append(np.einsum("sjk,sj->sk", w[:, l + 1], deltas[-1]) * act(zs[l], 1, l))
    deltas.append(none)
    error = np.stack(deltas[::-1], 1)
    # dC/da^l: through the next layer's weights, or at the output straight from the cost
    out = -y / as_[-1] if p.softmax else p.scale * (as_[-1] - y)
    gradient = np.concatenate([np.einsum("sljk,slj->slk", w[:, 1:], error[:, 1:]), out[:, None]], 1)
    return {"weighted-input": np.stack(zs, 1), "activation": np.stack(as_, 1), "error": error,
            "activation-gradient": gradient, "weight": w, "bias": b, "target": y, "cost": cost}


def derivative(p: Params, act: Activation, of: Seed, wrt: Seed) -> np.ndarray:
    """d(of)/d(wrt) per sample, exactly. A node outside the network (layer LAYERS, unit
    MAX_WIDTH) neither moves nor is moved: 0. The error is itself a derivative, so its own
    derivatives take the complex step through both passes; every other node is read from one
    forward-mode pass (linear in the tangents, no activation recomputed)."""
    if of.role in BACKWARD:
        return np.imag(read(run(p, act, wrt)[of.role], of)) / STEP
    return read(tangents(p, wrt)[of.role], of)


def tangents(p: Params, wrt: Seed) -> dict:
    """The derivative of every node with respect to `wrt` (forward mode), laid out as `run`'s."""
    S = p.w.shape[0]
    dw, db = np.zeros_like(p.w), np.zeros_like(p.b)
    dy = np.zeros_like(p.y)
    step = np.zeros((S, LAYERS, MAX_WIDTH))
    if wrt.role == "target":
        dy = _hot(wrt.units[0]).astype(float)
    else:
        step = (np.arange(LAYERS)[None, :] == np.asarray(wrt.layer)[:, None])[:, :, None] * _hot(wrt.units[0])[:, None, :]
        if wrt.role == "weight":
            dw = step[:, :, :, None] * _hot(wrt.units[1])[:, None, None, :]
        elif wrt.role == "bias":
            db = step
    into_z = step if wrt.role == "weighted-input" else 0.0
    into_a = step if wrt.role == "activation" else np.zeros_like(step)
    dzs = [np.zeros((S, MAX_WIDTH))] * (p.start + 1)
    das = [np.zeros((S, MAX_WIDTH))] * p.start + [into_a[:, p.start]]
    for l in range(p.start + 1, LAYERS):
        dz = np.einsum("sjk,sk->sj", p.w[:, l], das[-1]) + db[:, l]
        if wrt.role == "weight":
            dz = dz + np.einsum("sjk,sk->sj", dw[:, l], p.a[:, l - 1])
        elif wrt.role == "weighted-input":
            dz = dz + into_z[:, l]
        dzs.append(dz)
        if p.softmax and l == LAYERS - 1:
            a = p.a[:, l]
            das.append(a * (dz - (a * dz).sum(axis=1, keepdims=True)) + into_a[:, l])
        else:
            # a unit the perturbation does not reach moves by 0, even where its slope is undefined
            # (ReLU at 0, say in a chain's unused layers): only a moved unit needs its slope
            with np.errstate(invalid="ignore"):
                das.append(np.where(dz == 0, 0.0, p.slope[:, l] * dz) + into_a[:, l])
    if p.softmax:
        cost = -(dy * np.log(p.a[:, -1]) + p.y * das[-1] / p.a[:, -1]).sum(axis=1)
    else:
        cost = p.scale * ((p.a[:, -1] - p.y) * (das[-1] - dy)).sum(axis=1)
    if p.decay is not None:
        cost = cost + p.decay * (p.w * dw).sum(axis=(1, 2, 3))
    return {"weighted-input": np.stack(dzs, 1), "activation": np.stack(das, 1), "weight": dw, "bias": db,
            "target": dy, "cost": cost}


def gradient(p: Params, wrt: Seed) -> np.ndarray:
    """dC/d(a whole layer's vector or matrix, `wrt` with no units), in that layer's layout: one
    forward-mode pass over every unit (pair) at once, the samples repeated once per unit."""
    S = p.w.shape[0]
    shape = (MAX_WIDTH, MAX_WIDTH) if wrt.role == "weight" else (MAX_WIDTH, 1)
    count = shape[0] * (shape[1] if wrt.role == "weight" else 1)
    cells = np.indices(shape if wrt.role == "weight" else (MAX_WIDTH,)).reshape(-1 if wrt.role == "weight" else 1,
                                                                                count)
    units = tuple(np.tile(c, S) for c in cells)
    layer = None if wrt.layer is None else np.repeat(np.asarray(wrt.layer), count)
    d = tangents(p.subset(np.repeat(np.arange(S), count)), Seed(wrt.role, layer, units))["cost"]
    return d.reshape((S,) + shape)


def read(values: np.ndarray, at: Seed) -> np.ndarray:
    """The node `at` of an array of `run`, 0 where it lies outside the network."""
    if at.role == "cost":
        return values
    S = values.shape[0]
    keys = [np.arange(S)]
    if at.role != "target":
        keys.append(np.broadcast_to(at.layer, (S,)))
    keys.extend(np.broadcast_to(u, (S,)) for u in at.units)
    pad = [(0, 0)] + [(0, 1)] * (values.ndim - 1)
    return np.pad(values, pad)[tuple(keys)]


def chain_layer(net: Network, layer: int) -> int:
    """The network layer of a chain's layer: the chain ends in the output layer (its cost)."""
    return LAYERS - 1 - net.chain_layers + layer


FIRST_LAYER = {"activation": 0, "weighted-input": 1, "weight": 1, "bias": 1, "error": 1, "activation-gradient": 0}


def layer_range(role: str) -> tuple[int, int]:
    """The layers that have a node of this role (the input layer has only activations)."""
    return FIRST_LAYER.get(role, 0), LAYERS - 1


def narrowed(span: tuple[int, int], role: str, at: int) -> tuple[int, int]:
    """The layers a letter may take (`span`) once it also names the node `role` of layer letter + at."""
    low, high = layer_range(role)
    return max(span[0], low - at), min(span[1], high - at)


def node_layers(rng: np.random.Generator, net: Network, S: int) -> dict:
    """The layer each `nodes` name is at, per sample: every letter drawn once, uniformly among
    the layers where every node named with it exists (the block's reader refused an empty span)."""
    spans: dict[str, tuple[int, int]] = {}
    for _, role, letter, at in net.nodes:
        if letter and role != "target":
            spans[letter] = narrowed(spans.get(letter, (0, LAYERS - 1)), role, at)
    drawn = {letter: rng.integers(low, high + 1, size=S) for letter, (low, high) in sorted(spans.items())}
    return {name: (drawn[letter] + at if letter else np.full(S, at)) for name, role, letter, at in net.nodes
            if role != "target"}


def fill(arrays: dict, table, net: Network, p: Params, act: Activation, layers: Optional[dict] = None) -> None:
    """Write the network's values into the world's arrays of its names, in their layout
    (layer slot, unit slots, the extra slot for an index outside the network); a `nodes` name
    takes its layer's vector or matrix at the layer `layers` gives it in each sample."""
    values = run(p, act)
    rows = np.arange(p.w.shape[0])
    for name, role, _, _ in net.nodes:
        val = values[role] if role == "target" else values[role][rows, layers[name]]
        arrays[name] = (val if role == "weight" else val[:, :, None]).copy()
    if net.chain:       # the chain fills the last layers of the network's unit 0
        for name, role, layer in net.chain:
            at = Seed(role, np.asarray(chain_layer(net, layer)), (np.asarray(0),) * (2 if role == "weight" else 1))
            arrays[name] = read(values[role], at).copy()
        return
    for role, name in net.roles()[:len(net.roles()) - len(net.nodes)]:
        sym = table.get(name)
        val = values[role]
        if role == "weight" and net.weight_order == "sending-first":
            val = np.swapaxes(val, 2, 3)
        arr = arrays[name]
        if role in ("weight", "bias") and net.weight_layer == "sending":   # W^(l) feeds layer l+1
            val = val[:, 1:]
            low = 0
        else:
            low = FIRST_LAYER.get(role, 0)
            val = val[:, low:] if val.ndim > 2 else val
        top = low + (val.shape[1] if val.ndim > 2 else 0)
        if sym.kind == SCALAR:
            arrays[name] = val.copy()
        elif role == "target":
            if sym.kind == VECTOR:
                arr[:, :, 0] = val
            else:
                arr[:, :MAX_WIDTH] = val
        else:
            if sym.kind == VECTOR:
                arr[:, low:top, :, 0] = val
            elif sym.kind == MATRIX:
                arr[:, low:top] = val
            elif sym.kind == INDEXED and role == "weight":
                arr[:, low:top, :MAX_WIDTH, :MAX_WIDTH] = val
            else:
                arr[:, low:top, :MAX_WIDTH] = val
