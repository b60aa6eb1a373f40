"""The `chain:` block of a problem file: a chain of one unit per layer whose nodes are named by
scalars (x, w_1, f_1, delta_1, ...), as the deep-chain lecture writes it. It is realised by the
network of the `network:` block, one unit wide (`model.Network.chain` binds every name to its
layer), so its values and ∂ notation come from the same engine.

    chain: {input: x, weights: [w_1, w_2, w_3], activations: [f_1, f_2, f_3],
            errors: [delta_1, delta_2], function: tanh, target: y, cost: Loss, loss: squared}
"""
from __future__ import annotations

from typing import Any, Optional

from grader.limits import LAYERS
from grader.model import FUNCTION, SCALAR, Network, Symbol
from grader.authoring.fields import CHAIN_FIELDS, CHAIN_LOSSES
from grader.authoring.fieldreader import FieldReader, line_of, suggest
from grader.authoring.networkblock import NETWORK_BUILTINS, NETWORK_FUNCTIONS

# list field -> (role of its names, the chain layer of its first name)
_LISTS = {"weights": ("weight", 1), "activations": ("activation", 1), "weighted-inputs": ("weighted-input", 1),
          "biases": ("bias", 1), "errors": ("error", 1)}
NO_BIAS = "~"       # in `biases`: this layer has none
_SINGLE = {"input": ("activation", 0), "target": ("target", 0), "cost": ("cost", 0)}


def read_chain(r: FieldReader, value: Any, line: Optional[int], symbols: list[Symbol]) -> Network:
    """The block, checked against the declared symbols (ProblemError with the field's line)."""
    m = r.mapping(value, "'chain'", line)
    r.check_fields(m, CHAIN_FIELDS, "chain", required=("weights",))
    declared = {s.name: s for s in symbols}
    slots: list[tuple[str, str, int]] = []
    seen: dict[str, str] = {}

    def bind(name: str, field: str, role: str, layer: int, fline: Optional[int]) -> None:
        name = name.strip()
        sym = declared.get(name)
        if sym is None:
            r.fail(fline, f"chain: {field} '{name}' is not a declared symbol{suggest(name, declared)}; "
                          f"declare it under 'symbols'")
        if sym.kind != SCALAR:
            r.fail(fline, f"chain: '{name}' in {field} must be a scalar (one unit per layer), but it is declared "
                          f"as a {sym.kind}")
        if sym.definition is not None:
            r.fail(fline, f"chain: '{name}' in {field} has a 'definition'; a chain name takes its value from the "
                          f"chain, so remove one of the two")
        if name in seen:
            r.fail(fline, f"chain: '{name}' is named twice (in {seen[name]} and in {field}); every node needs its "
                          f"own name")
        seen[name] = field
        slots.append((name, role, layer))

    for field, (role, layer) in _SINGLE.items():
        name = r.text(m, field, "chain")
        if name is not None:
            bind(name, field, role, layer, m.key_lines.get(field, m.line))
    count = None
    for field, (role, first) in _LISTS.items():     # weights first: they count the layers
        if field not in m:
            continue
        fline = line_of(m[field], m.key_lines.get(field, m.line))
        names = r.text_list(m[field], f"chain: {field}", fline)
        if count is None:
            count = len(names)
            if not 1 <= count <= LAYERS - 1:
                r.fail(fline, f"chain: a chain has 1 to {LAYERS - 1} weights, not {count}")
        elif len(names) > count or (field != "errors" and len(names) != count):
            r.fail(fline, f"chain: {field} names {len(names)} layers, but the chain has {count} weights "
                          f"({'at most ' if field == 'errors' else ''}one name per layer)")
        for i, name in enumerate(names):
            if not (field == "biases" and name.strip() == NO_BIAS):
                bind(name, field, role, first + i, fline)
    function = _function(r, m, declared, "function")
    output = _function(r, m, declared, "output-function")
    loss = r.text(m, "loss", "chain") or CHAIN_LOSSES[0]
    if loss.strip() not in CHAIN_LOSSES:
        r.fail(m.key_lines.get("loss", m.line), f"chain: 'loss' must be one of {', '.join(CHAIN_LOSSES)}, not "
                                                f"'{loss.strip()}'{suggest(loss.strip(), CHAIN_LOSSES)}")
    return Network(weighted_input="", activation="", function=function, output_function=output, loss=loss.strip(),
                   chain=tuple(slots),
                   cost=next((n for n, role, _ in slots if role == "cost"), None), chain_layers=count)


def _function(r: FieldReader, m, declared: dict, field: str) -> Optional[str]:
    name = r.text(m, field, "chain")
    if name is None:
        return None
    name, fline = name.strip(), m.key_lines.get(field, m.line)
    sym = declared.get(name)
    if sym is None and name in NETWORK_BUILTINS:
        return name
    if sym is None or sym.kind != FUNCTION:
        shown = "not a declared symbol" if sym is None else f"declared as a {sym.kind}"
        r.fail(fline, f"chain: the function '{name}' is {shown}; name a built-in ({', '.join(NETWORK_BUILTINS)}) "
                      f"or a declared function")
    if sym.arguments != 1:
        r.fail(fline, f"chain: the function '{name}' takes {sym.arguments} arguments; a chain's takes one")
    if sym.alias not in NETWORK_FUNCTIONS:
        r.fail(fline, f"chain: the function '{name}' stands for {sym.alias}, which a chain cannot use; use an "
                      f"unknown function or one of {', '.join(NETWORK_BUILTINS)}")
    return name
