"""Issue 24 item 5 for softmax-cross-entropy: `nodes:` in its `network:` block makes a_L, W_ip1,
grad_h_i, ... whole layers of one real softmax network per sample. Independent checks: the
network's forward pass written here from its weights, biases and input, and central finite
differences of the loss."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import grader
from grader.answers.parser import parse
from grader.authoring.loader import ProblemError, load_problem
from grader.checking.evaluate import Evaluator, make_world
from grader.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX = load_problem(ROOT / "problems" / "softmax-cross-entropy.yaml")
OUT = 6         # the output layer L of every sampled network


def check(part, answer):
    return CliRunner().invoke(main, ["check", "softmax-cross-entropy", part, answer]).output


def world(seed=7):
    return make_world(SOFTMAX.table, seed, definitions={"yhat": parse("softmax(a_L)", SOFTMAX.table).tree})


def value(w, text):
    return Evaluator(w)(parse(text, SOFTMAX.table).tree)


def forward(p, act, bump=None):
    """Pre-activations, activations and the loss of every sample's network, written here from its
    weights, biases and input; `bump` = (layer per sample, 'a' or 'h', a vector per sample) adds
    the vector to that layer's pre-activation or activation."""
    S = len(p.x)
    hs, zs = [p.x], [None]
    for layer in range(1, OUT + 1):
        at = (np.zeros(S, bool) if bump is None else bump[0] == layer)[:, None]
        z = np.einsum("sjk,sk->sj", p.w[:, layer], hs[-1]) + p.b[:, layer]
        if bump is not None and bump[1] == "a":
            z = z + at * bump[2]
        if layer == OUT:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        else:
            h = act(z, 0, layer)
        if bump is not None and bump[1] == "h":
            h = h + at * bump[2]
        zs.append(z)
        hs.append(h)
    return zs, hs, -np.log((hs[-1] * p.y).sum(axis=1))


def test_every_name_is_its_node_of_one_softmax_network_and_the_gradients_match_finite_differences():
    w = world()
    A, p, layers = w.arrays, w.network, w.node_layers
    act = w.activation()
    rows = np.arange(w.samples)
    i, k = layers["a_i"], layers["grad_a_k"]
    assert {int(k.min()), int(k.max())} == {1, OUT}                     # every layer k, the output too
    assert set(np.unique(i)) == {1, 2, 3, 4, 5}                           # the hidden layers i
    assert len({tuple(r) for r in p.widths[:, 1:OUT]}) > 1              # hidden layers differ in width
    np.testing.assert_array_equal(A["e_l"].sum(axis=1)[:, 0], 1.0)
    np.testing.assert_array_equal(np.isin(A["e_l"], (0.0, 1.0)), True)      # one-hot: the drawn class
    np.testing.assert_array_equal(A["e_l"][:, :, 0], p.y)
    zs, hs, loss = forward(p, act)
    np.testing.assert_allclose(A["L"], loss, rtol=1e-12)
    Z, H = np.stack(zs[1:], 1), np.stack(hs, 1)      # Z[:, l - 1] is layer l's
    for name, expect in (("a_L", zs[OUT]), ("a_i", Z[rows, i - 1]), ("a_k", Z[rows, k - 1]), ("h_i", H[rows, i]),
                         ("h_km1", H[rows, k - 1]), ("b_k", p.b[rows, k])):
        np.testing.assert_allclose(A[name][:, :, 0], expect, rtol=1e-12, atol=1e-12, err_msg=name)
    np.testing.assert_array_equal(A["W_ip1"], p.w[rows, i + 1])
    np.testing.assert_array_equal(A["W_k"], p.w[rows, k])
    eps = 1e-6

    def fd(layer, where):
        out = np.zeros_like(p.x)
        for unit in range(p.x.shape[1]):
            hot = np.zeros_like(p.x)
            hot[:, unit] = eps
            out[:, unit] = (forward(p, act, (layer, where, hot))[2] - forward(p, act, (layer, where, -hot))[2]) / (2 * eps)
        return out

    for name, layer, where in (("grad_a_k", k, "a"), ("grad_a_ip1", i + 1, "a"), ("grad_h_i", i, "h")):
        np.testing.assert_allclose(A[name][:, :, 0], fd(layer, where), rtol=1e-5, atol=1e-8, err_msg=name)
    # the course's equations hold in every sample, to rounding
    np.testing.assert_allclose(value(w, "grad_h_i"), value(w, "W_ip1^T * grad_a_ip1"), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(value(w, "grad_h_i .* g'(a_i)"), value(w, "dL/da_i"), rtol=1e-9, atol=1e-12)
    at_output = k == OUT
    np.testing.assert_allclose(value(w, "grad_a_k")[at_output], value(w, "yhat - e_l")[at_output], atol=1e-14)
    np.testing.assert_allclose(value(w, "dL/da_L"), value(w, "yhat - e_l"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(value(w, "dL/dW_k"), value(w, "grad_a_k * h_km1^T"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(value(w, "dL/db_k"), value(w, "grad_a_k"), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("part, answer", [
    ("preactivation-grad", "(W_ip1^T * grad_a_ip1) .* g'(a_i)"),       # one step of backprop, by its meaning
    ("preactivation-grad", "dL/dh_i .* g'(a_i)"),
    ("preactivation-grad", r"\frac{\partial L}{\partial h_i} \odot g'(a_i)"),
    ("weight-grad", "dL/da_k * h_km1^T"),
    ("bias-grad", "dL/da_k"),
    ("output-grad", "softmax(a_L) - e_l"),
])
def test_answers_written_with_the_networks_own_meaning_are_correct(part, answer):
    assert check(part, answer).startswith("Correct")


@pytest.mark.parametrize("part, answer, feedback", [
    ("output-grad", "e_l - yhat", "sign is reversed"),
    ("hidden-grad", "W_ip1 * grad_a_ip1", "transpose is missing"),
    ("hidden-grad", "W_ip1^T * grad_a_k", ""),
    ("preactivation-grad", "(W_ip1 * grad_a_ip1) .* g'(a_i)", ""),
    ("weight-grad", "dL/da_k * h_i^T", ""),
    ("bias-grad", "dL/da_i", ""),
])
def test_a_wrong_answer_stays_wrong(part, answer, feedback):
    out = check(part, answer)
    assert out.startswith("Incorrect") and feedback in out


@pytest.mark.parametrize("part, answer", [
    ("output-grad", "dL/da_L"), ("hidden-grad", "grad_h_i"), ("hidden-grad", "dL/dh_i"),
    ("preactivation-grad", "dL/da_i"), ("weight-grad", "dL/dW_k"), ("weight-grad", "∂L/∂W_k"),
    ("bias-grad", "dL/db_k"),
])
def test_the_asked_gradient_itself_is_refused_as_the_question(part, answer):
    out = check(part, answer)
    assert out.startswith("Invalid") and "That is the question itself" in out


@pytest.mark.parametrize("answer, message", [
    ("dL/dgrad_h_i", "The gradient grad_h_i is computed from the network's other values, so nothing can be "
                     "differentiated with respect to it; differentiate with respect to a weighted input or an "
                     "activation instead."),
    ("dh_i/da_i", "A derivative of a whole layer ('h_i') is a matrix of derivatives the grader does not take; the "
                  "cost's derivative with respect to a whole layer, such as dL/da_i, is."),
])
def test_a_derivative_the_network_cannot_take_says_why(answer, message):
    out = check("hidden-grad", answer)
    assert out.startswith("Invalid") and message in " ".join(out.split())


def test_a_planted_error_in_a_reference_fails_validate_naming_the_part(tmp_path):
    bank = tmp_path / "problems"
    bank.mkdir()
    text = (ROOT / "problems" / "softmax-cross-entropy.yaml").read_text(encoding="utf-8")
    right = 'answer: "grad_a_k"\n    asks: "dL/db_k"'
    assert text.count(right) == 1
    (bank / "softmax-cross-entropy.yaml").write_text(text.replace(right, right.replace("grad_a_k", "-grad_a_k")),
                                                     encoding="utf-8")
    assert [str(i) for i in grader.validate([ROOT / "problems" / "softmax-cross-entropy.yaml"])] == []
    line = text[:text.rfind("  - id: ", 0, text.index(right))].count("\n") + 1
    found = "\n".join(str(i) for i in grader.validate([bank]))
    assert (f"{bank / 'softmax-cross-entropy.yaml'}:{line}: part 'bias-grad': the reference answer '-grad_a_k' is "
            f"not dL/db_k: in a random network (sample ") in found


# --- the block is checked against the symbols, with the entry's line ----------------------------

HEAD = """\
title: Layers
statement: Layers.
symbols:
  a_L: vector
  W_ip1: matrix
  h_i: vector
  z: {kind: vector, superscript: true}
  yhat: {kind: vector, definition: "softmax(a_L)"}
  L: scalar
network:
  loss: softmax-cross-entropy
  cost: L
  nodes:
"""
PART = """\
parts:
  - id: p
    prompt: What is h_i?
    kind: expression
    answer: "h_i"
    points: 1
"""


@pytest.mark.parametrize("entries, line, message", [
    ("    a_L: weighted input of layer L\n    a_M: activation of layer i\n", 15,
     "network: nodes: 'a_M' is not a declared symbol (did you mean 'a_L'?); declare it under 'symbols'"),
    ("    W_ip1: activation of layer i+1\n", 14,
     "network: nodes: 'W_ip1' is the activation of layer i+1, a vector of the whole layer (the layer is in its name, "
     "so no superscript), but it is declared as a matrix"),
    ("    h_i: weight of layer i\n", 14,
     "network: nodes: 'h_i' is the weight of layer i, a matrix of the whole layer (the layer is in its name, so no "
     "superscript), but it is declared as a vector"),
    ("    z: weighted input of layer L\n", 14,
     "network: nodes: 'z' is the weighted input of layer L, a vector of the whole layer (the layer is in its name, "
     "so no superscript), but it is declared as a vector with a superscript"),
    ("    h_i: output of layer i\n", 14,
     "network: nodes: 'output of layer i' is not a node the block knows; write one of: weighted input of layer X "
     "(or pre-activation); activation of layer X;"),
    ("    h_i: activation of layer i+\n", 14,
     "network: nodes: the layer 'i+' must be L (the output layer), a number, or a letter with an optional +1 or -1"),
    ("    h_i: activation of layer L+1\n", 14,
     "network: nodes: 'h_i' is the activation of layer L+1, but a network of layers 0 (the input) to L = 6 has "
     "that node only in layers 0 to 6"),
    ("    a_L: weighted input of layer i\n    h_i: activation of layer i+6\n", 15,
     "network: nodes: no layer i has every node the block names with i ('h_i' is the activation of layer i+6: it "
     "needs 0 <= i+6 <= 6)"),
    ("    W_ip1: gradient of the loss with respect to the weight of layer i+1\n", 14,
     "network: nodes: 'gradient of the loss with respect to the weight of layer i+1' is a gradient the block "
     "cannot name"),
    ("    yhat: activation of layer L\n", 14,
     "network: nodes: 'yhat' has a 'definition'; a node takes its value from the network, so remove one of the two"),
    ("    L: target\n", 14, "network: nodes: 'L' is already the cost; every node needs its own name"),
    ("    h_i: [activation, 3]\n", 14, "network: nodes: 'h_i' must name a node in words, such as 'weight of layer i+1'"),
    ("    {}\n", 13, "network: 'nodes' is empty; name at least one node"),
])
def test_a_nodes_block_that_contradicts_the_symbols_is_refused_at_its_line(tmp_path, entries, line, message):
    path = tmp_path / "layers.yaml"
    path.write_text(HEAD + entries + PART, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(err.value).startswith(f"{path}:{line}: {message}")


def test_without_nodes_the_block_still_needs_its_weighted_input(tmp_path):
    path = tmp_path / "layers.yaml"
    path.write_text(HEAD.replace("  nodes:\n", "") + PART, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(err.value) == f"{path}:11: network: missing field 'weighted-input'"


# --- a network name honours its declared domain -----------------------------------------------

@pytest.mark.parametrize("problem, low, high", [("param-gradients", 0.05, 1.0), ("weight-decay", 0.05, 0.95)])
def test_an_activation_with_a_declared_domain_stays_inside_it_in_every_network(problem, low, high):
    """param-gradients declares a in [0.05, 1] (a sigmoid's activations are positive): the unknown
    activation is drawn inside that interval, the input layer too, and stays a function whose
    derivative is f'."""
    bank = load_problem(ROOT / "problems" / f"{problem}.yaml")
    for seed in (1, 2, 3):
        w = make_world(bank.table, seed)
        a = w.arrays["a"][:, :OUT + 1, :4]
        assert a.min() >= low and a.max() <= high
        assert a.std() > 0.05           # real draws, not the middle of the interval
    if problem == "weight-decay":       # a^(l) = f(z^(l)), and f' is f's slope
        def ev(text):
            return Evaluator(w)(parse(text, bank.table).tree)
        np.testing.assert_allclose(ev("a_i^(l)"), ev("f(z_i^(l))"), rtol=1e-12)
        slope = (ev("f(z_i^(l) + 0.000001)") - ev("f(z_i^(l) - 0.000001)")) / 2e-6
        np.testing.assert_allclose(ev("f'(z_i^(l))"), slope, rtol=1e-5, atol=1e-8)


def test_a_power_of_a_positive_activation_is_wrong_not_undefined():
    out = CliRunner().invoke(main, ["check", "param-gradients", "dC-dw", "a_j^(l-1)**delta_k^l"]).output
    assert out.startswith("Incorrect")
    assert "Your answer gives different values from the expected answer" in out and "undefined" not in out
