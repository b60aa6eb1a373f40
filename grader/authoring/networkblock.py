"""The `network:` block of a problem file: which declared symbols are the names of a
feed-forward network (read here, checked against the symbols, and turned into `model.Network`).

The block reads like the course's own statement of the network:

    network: {weighted-input: z, activation: a, function: f, weight: w, bias: b,
              error: delta, target: y, cost: C, loss: quadratic}

Every name must be a declared symbol of the kind its role needs, so a block that contradicts
the symbols is refused with the line of the field, never silently graded in a wrong network.
"""
from __future__ import annotations

from typing import Any, Optional

from grader.answers import functions
from grader.model import FUNCTION, INDEXED, MATRIX, SCALAR, VECTOR, Network, Symbol
from grader.authoring.fields import LOSSES, NETWORK_FIELDS, WEIGHT_LAYERS, WEIGHT_ORDERS
from grader.authoring.fieldreader import FieldReader, kind_of, line_of, suggest
from grader.authoring.nodeblock import read_nodes

# the built-ins a network may use: bounded growth through six layers, a derivative wherever a
# random draw lands (relu's kink at 0 has probability 0)
NETWORK_BUILTINS = ("sigmoid", "tanh", "relu", "softplus")
NETWORK_FUNCTIONS = (None,) + tuple(s for name in NETWORK_BUILTINS for s in functions.lookup(name).spellings)

# role -> (what the symbol must be, a test of the symbol)
_UNIT_LAYER = ("an indexed symbol with one subscript and a layer superscript, or a vector with a superscript",
               lambda s: (s.kind == INDEXED and s.subscripts == 1 and s.superscript)
               or (s.kind == VECTOR and s.superscript))
_NEEDS = {
    "weighted-input": _UNIT_LAYER, "activation": _UNIT_LAYER, "bias": _UNIT_LAYER, "error": _UNIT_LAYER,
    "weight": ("an indexed symbol with two subscripts and a layer superscript, or a matrix with a superscript",
               lambda s: (s.kind == INDEXED and s.subscripts == 2 and s.superscript)
               or (s.kind == MATRIX and s.superscript)),
    "target": ("an indexed symbol with one subscript and no superscript, or a vector without one",
               lambda s: (s.kind == INDEXED and s.subscripts == 1 and not s.superscript)
               or (s.kind == VECTOR and not s.superscript)),
    "cost": ("a scalar", lambda s: s.kind == SCALAR),
    "decay": ("a scalar", lambda s: s.kind == SCALAR),
    "function": ("a function of one argument", lambda s: s.kind == FUNCTION and s.arguments == 1),
    "output-function": ("a function of one argument", lambda s: s.kind == FUNCTION and s.arguments == 1),
}


def read_network(r: FieldReader, value: Any, line: Optional[int], symbols: list[Symbol]) -> Network:
    """The block, checked field by field against the declared symbols (ProblemError with the
    field's line at the first mistake)."""
    m = r.mapping(value, "'network'", line)
    r.check_fields(m, NETWORK_FIELDS, "network")
    declared = {s.name: s for s in symbols}
    names: dict[str, str] = {}
    seen: dict[str, str] = {}
    for role in ("weighted-input", "activation", "function", "output-function", "weight", "bias", "error", "target",
                 "cost", "decay"):
        name = r.text(m, role, "network", required=role in ("weighted-input", "activation")
                      and "nodes" not in m)
        if name is None:
            continue
        name = name.strip()
        fline = m.key_lines.get(role, m.line)
        sym = declared.get(name)
        if sym is None:
            r.fail(fline, f"network: {role} '{name}' is not a declared symbol{suggest(name, declared)}; "
                          f"declare it under 'symbols'")
        what, fits = _NEEDS[role]
        if not fits(sym):
            r.fail(fline, f"network: the {role} '{name}' must be {what}, but '{name}' is declared as "
                          f"{_described(sym)}")
        if sym.definition is not None:
            r.fail(fline, f"network: the {role} '{name}' has a 'definition'; a network name takes its value "
                          f"from the network, so remove one of the two")
        if role in ("function", "output-function") and sym.alias not in NETWORK_FUNCTIONS:
            r.fail(fline, f"network: the function '{name}' stands for {sym.alias}, which a network cannot use "
                          f"(its values grow too fast through the layers, or it has no derivative); use an unknown "
                          f"function or one of {', '.join(NETWORK_BUILTINS)}")
        if name in seen:
            r.fail(fline, f"network: '{name}' is both the {seen[name]} and the {role}; every role needs its own name")
        seen[name] = role
        names[role] = name
    order = _word(r, m, "weight-order", WEIGHT_ORDERS, WEIGHT_ORDERS[0])
    layer = _word(r, m, "weight-layer", WEIGHT_LAYERS, WEIGHT_LAYERS[0])
    loss = _word(r, m, "loss", LOSSES, LOSSES[0])
    if loss == "softmax-cross-entropy" and "output-function" in names:
        r.fail(m.key_lines.get("output-function", m.line), "network: with 'loss: softmax-cross-entropy' the output "
               "layer is the softmax of its weighted inputs; remove 'output-function'")
    nodes, one_hot = read_nodes(r, m["nodes"], m.key_lines.get("nodes", m.line), declared, dict(seen)) \
        if "nodes" in m else ((), False)
    return Network(weighted_input=names.get("weighted-input", ""), activation=names.get("activation", ""),
                   function=names.get("function"), output_function=names.get("output-function"),
                   weight=names.get("weight"), weight_order=order, weight_layer=layer,
                   bias=names.get("bias"), error=names.get("error"), target=names.get("target"),
                   cost=names.get("cost"), loss=loss, decay=names.get("decay"), nodes=nodes, one_hot=one_hot)


def _word(r: FieldReader, m, key: str, words: tuple[str, ...], default: str) -> str:
    if key not in m:
        return default
    value = m[key]
    kline = m.key_lines.get(key, m.line)
    if not isinstance(value, str) or value.strip() not in words:
        shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
        hint = suggest(value.strip(), words) if isinstance(value, str) else ""
        r.fail(line_of(value, kline), f"network: '{key}' must be one of {', '.join(words)}, not {shown}{hint}")
    return value.strip()


def _described(sym: Symbol) -> str:
    if sym.kind == INDEXED:
        sup = "a layer superscript" if sym.superscript else "no superscript"
        return f"an indexed symbol with {sym.subscripts} subscript(s) and {sup}"
    if sym.kind in (VECTOR, MATRIX):
        return f"a {sym.kind} {'with' if sym.superscript else 'without'} a superscript"
    return f"a {sym.kind}"
