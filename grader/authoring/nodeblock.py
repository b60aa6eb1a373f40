"""`nodes:` in a `network:` block: names of whole layers of the network, in the words of a
statement that names vectors per layer (the softmax lecture's a_L, W_ip1, grad_h_i):

    network:
      function: g
      loss: softmax-cross-entropy
      nodes:
        a_L: weighted input of layer L
        W_ip1: weight of layer i+1
        grad_h_i: gradient of the loss with respect to the activation of layer i
        e_l: one-hot target

A layer is `L` (the output layer), a number (0 is the input layer), or a letter with an optional
+1/-1; every sample draws each letter once, among the layers where every node that uses it
exists, so `W_ip1` and `grad_h_i` are always the weight into, and the gradient at, layers i+1
and i of one network. The phrases are read here, never evaluated, and a phrase, name or kind
that does not fit is refused with the line of its entry.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from grader.limits import LAYERS
from grader.model import MATRIX, VECTOR, Symbol
from grader.authoring.fieldreader import FieldReader, line_of, suggest
from grader.checking.network import layer_range, narrowed

OUTPUT = "L"
# the quantity a phrase names -> its role in the network
_QUANTITIES = {"weighted input": "weighted-input", "weighted-input": "weighted-input",
               "pre-activation": "weighted-input", "activation": "activation", "weight": "weight",
               "weights": "weight", "bias": "bias", "error": "error"}
_GRADIENT = re.compile(r"(?:the )?gradient of the (?:loss|cost) with respect to (?:the )?(.+)")
_PHRASE = re.compile(r"(?:the )?(.+?) of layer (.+)")
_LAYER = re.compile(r"([A-Za-z])(?:\s*([+-])\s*([0-9]+))?|([0-9]+)")
PHRASES = ("weighted input of layer X (or pre-activation)", "activation of layer X", "weight of layer X",
           "bias of layer X", "error of layer X", "gradient of the loss with respect to the weighted input "
           "(or the activation) of layer X", "target", "one-hot target")


def read_nodes(r: FieldReader, value: Any, line: Optional[int], declared: dict[str, Symbol],
               taken: dict[str, str]) -> tuple[tuple[tuple[str, str, str, int], ...], bool]:
    """(the nodes, whether the target is one-hot), each entry checked against the declared
    symbols and the names the block's other fields `taken` (name -> role)."""
    m = r.mapping(value, "network: 'nodes'", line)
    if not m:
        r.fail(line, "network: 'nodes' is empty; name at least one node, such as 'a_L: weighted input of layer L'")
    nodes, one_hot = [], False
    letters: dict[str, tuple[int, int]] = {}    # letter -> (lowest, highest) layer every node allows
    for name, phrase in m.items():
        nline = m.key_lines.get(name, m.line)
        if not isinstance(phrase, str) or not phrase.strip():
            r.fail(line_of(phrase, nline), f"network: nodes: '{name}' must name a node in words, such as "
                                           f"'weight of layer i+1'")
        sym = declared.get(name)
        if sym is None:
            r.fail(nline, f"network: nodes: '{name}' is not a declared symbol{suggest(name, declared)}; declare "
                          f"it under 'symbols'")
        if name in taken:
            r.fail(nline, f"network: nodes: '{name}' is already the {taken[name]}; every node needs its own name")
        if sym.definition is not None:
            r.fail(nline, f"network: nodes: '{name}' has a 'definition'; a node takes its value from the network, "
                          f"so remove one of the two")
        said = " ".join(phrase.split())
        role, letter, at = _node(r, said, nline)
        if role == "target":
            one_hot = one_hot or said.lower().startswith("one-hot")
        want = MATRIX if role == "weight" else VECTOR
        if sym.kind != want or sym.superscript:
            shown = f"a {sym.kind} with a superscript" if sym.superscript else f"a {sym.kind}"
            r.fail(nline, f"network: nodes: '{name}' is the {said}, a {want} of the whole layer (the layer is in "
                          f"its name, so no superscript), but it is declared as {shown}")
        if role != "target":
            low, high = layer_range(role)
            if letter:
                letters[letter] = span = narrowed(letters.get(letter, (0, LAYERS - 1)), role, at)
                if span[0] > span[1]:
                    r.fail(nline, f"network: nodes: no layer {letter} has every node the block names with "
                                  f"{letter} ('{name}' is the {said}: it needs {low} <= {letter}{at:+d} <= {high})")
            elif not low <= at <= high:
                r.fail(nline, f"network: nodes: '{name}' is the {said}, but a network of layers 0 (the input) to "
                              f"{OUTPUT} = {LAYERS - 1} has that node only in layers {low} to {high}")
        nodes.append((name, role, letter, at))
        taken[name] = f"node '{said}'"
    return tuple(nodes), one_hot


def _node(r: FieldReader, said: str, line: Optional[int]) -> tuple[str, str, int]:
    """(role, layer letter or '', offset or fixed layer) of a phrase."""
    low = said.lower()
    if low in ("target", "one-hot target"):
        return "target", "", 0
    grad = _GRADIENT.fullmatch(low)
    phrase = _PHRASE.fullmatch(grad.group(1) if grad else low)
    role = _QUANTITIES.get(phrase.group(1)) if phrase else None
    if grad and role not in (None, "weighted-input", "activation"):
        r.fail(line, f"network: nodes: '{said}' is a gradient the block cannot name; name the gradient with "
                     f"respect to the weighted input (the error) or the activation, and write the others with "
                     f"∂ (dC/dW)")
    if role is None:
        r.fail(line, f"network: nodes: '{said}' is not a node the block knows; write one of: {'; '.join(PHRASES)}")
    if grad:
        role = "error" if role == "weighted-input" else "activation-gradient"
    text = said[len(said) - len(phrase.group(2)):]      # as typed: `L` and `l` are different letters
    layer = _LAYER.fullmatch(text)
    if layer is None:
        r.fail(line, f"network: nodes: the layer '{text}' must be {OUTPUT} (the output layer), a number, or a "
                     f"letter with an optional +1 or -1, such as i+1")
    if layer.group(4) is not None:
        return role, "", int(layer.group(4))
    shift = 0 if layer.group(2) is None else int(layer.group(3)) * (1 if layer.group(2) == "+" else -1)
    if layer.group(1) == OUTPUT:
        return role, "", LAYERS - 1 + shift
    return role, layer.group(1), shift
