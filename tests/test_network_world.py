"""Issue 24: a problem's names live in a real network (the `network:` block), and ∂ notation
(`Deriv` nodes) is evaluated in it. Independent checks: a plain forward pass written here from
the world's arrays, and central finite differences of it."""
from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from grader.answers.parser import parse
from grader.answers.tree import Deriv, Idx, Index, Num, Sym
from grader.checking.evaluate import EvalError, Evaluator, make_world
from grader.authoring.loader import ProblemError, load_problem
from grader.interfaces.cli import main
from grader.limits import LAYERS, MAX_WIDTH
from grader.model import FUNCTION, INDEXED, LAST, LAYER, MATRIX, SCALAR, UNIT, VECTOR, Network, Symbol, SymbolTable

SYMBOLS = (Symbol("a", INDEXED, 1, True), Symbol("z", INDEXED, 1, True), Symbol("w", INDEXED, 2, True),
           Symbol("b", INDEXED, 1, True), Symbol("delta", INDEXED, 1, True), Symbol("y", INDEXED, 1),
           Symbol("C", SCALAR), Symbol("f", FUNCTION))
INDICES = (("j", UNIT), ("k", UNIT), ("l", LAYER), ("L", LAST))
NET = Network("z", "a", "f", weight="w", bias="b", error="delta", target="y", cost="C")
TABLE = SymbolTable(SYMBOLS, INDICES, (), NET)
j, k, l = Index("j"), Index("k"), Index("l")


def world(seed=7, table=TABLE):
    return make_world(table, seed)


def value(w, text, table=TABLE):
    return Evaluator(w)(parse(text, table).tree)


def node(name, *subs, sup=None):
    return Idx(name, tuple(subs), sup)


# --- an independent forward pass over the sample's own units ------------------------------

def forward(w, bump=None, h=0.0):
    """z, a (S, LAYERS, MAX_WIDTH) and C (S,) from the world's arrays of w, b, a^0 and y, over
    each sample's real units; `bump` = (role, layer, unit[, unit]) per-sample arrays moved by h."""
    S = w.samples
    real = (np.arange(MAX_WIDTH)[None, :] < w.width[:, None]).astype(float)
    W = w.arrays["w"][:, :LAYERS, :MAX_WIDTH, :MAX_WIDTH].copy()
    B = w.arrays["b"][:, :LAYERS, :MAX_WIDTH].copy()
    y = w.arrays["y"][:, :MAX_WIDTH].copy()
    a0 = w.arrays["a"][:, 0, :MAX_WIDTH].copy()
    rows = np.arange(S)
    role, layer, units = (bump[0], bump[1], bump[2:]) if bump else (None, None, ())
    if role == "weight":
        W[rows, layer, units[0], units[1]] += h
    if role == "bias":
        B[rows, layer, units[0]] += h
    if role == "target":
        y[rows, units[0]] += h
    f = w.activation()
    zs, as_ = np.zeros((S, LAYERS, MAX_WIDTH)), np.zeros((S, LAYERS, MAX_WIDTH))
    as_[:, 0] = a0
    for n in range(1, LAYERS):
        z = (W[:, n] * real[:, None, :] * as_[:, n - 1][:, None, :]).sum(axis=2) + B[:, n]
        if role == "z":
            z[rows, units[0]] += h * (layer == n)
        a = f(z, 0, n)
        if role == "a":
            a[rows, units[0]] += h * (layer == n)
        zs[:, n], as_[:, n] = z, a
    cost = 0.5 * (((as_[:, -1] - y) ** 2) * real).sum(axis=1)
    return zs, as_, cost


def central(w, bump, read, h=1e-6):
    return (read(forward(w, bump, h)) - read(forward(w, bump, -h))) / (2 * h)


def close(x, y, rtol=1e-5):
    scale = np.maximum(1.0, np.abs(y))
    assert np.all(np.abs(x - y) <= rtol * scale), np.max(np.abs(x - y) / scale)


# --- item 2: every sampled world is a real network ---------------------------------------

def test_activation_is_f_of_weighted_input_in_every_sample_and_layer():
    w = world()
    f = w.activation()
    z, a = w.arrays["z"][:, 1:LAYERS, :MAX_WIDTH], w.arrays["a"][:, 1:LAYERS, :MAX_WIDTH]
    assert np.array_equal(a, f(z, 0, 1))    # one function: every layer's
    assert np.array_equal(value(w, "a_j^l"), value(w, "f(z_j^l)"))
    assert np.array_equal(value(w, "a_j^L"), value(w, "f(z_j^L)"))


def test_weighted_input_and_cost_follow_the_network_equations():
    w = world()
    close(value(w, "z_j^l"), value(w, "sum_k w_(jk)^l a_k^(l-1) + b_j^l"), 1e-12)
    close(value(w, "C"), value(w, "1/2*sum_j (a_j^L - y_j)^2"), 1e-12)
    zs, as_, cost = forward(w)
    close(w.arrays["a"][:, :LAYERS, :MAX_WIDTH] * (np.arange(MAX_WIDTH) < w.width[:, None])[:, None],
          as_ * (np.arange(MAX_WIDTH) < w.width[:, None])[:, None], 1e-12)
    close(w.arrays["C"], cost, 1e-12)


def test_error_is_the_finite_difference_derivative_of_the_cost():
    w = world(3)
    rows = np.arange(w.samples)
    for letter in ("l", "L"):
        layer = w.index_values[letter]
        unit = w.index_values["j"]
        fd = central(w, ("z", layer, unit), lambda r: r[2])
        close(w.arrays["delta"][rows, layer, unit], fd)


def test_index_letters_are_units_of_every_layer_and_layers_differ_in_width():
    w = world()
    narrowest = w.network.widths.min(axis=1)
    assert np.all(w.index_values["j"] < narrowest) and np.all(w.index_values["k"] < narrowest)
    assert np.any(w.network.widths.min(axis=1) != w.network.widths.max(axis=1))
    real = np.arange(MAX_WIDTH)[None, None, :] < w.network.widths[:, :, None]
    assert np.all(w.arrays["w"][:, 1:LAYERS, :MAX_WIDTH, :MAX_WIDTH][~real[:, 1:, :, None].repeat(MAX_WIDTH, 3)] == 0)
    assert np.all(w.arrays["delta"][:, 1:LAYERS, :MAX_WIDTH][~real[:, 1:]] == 0)     # isolated units: no error
    assert np.any(w.index_values["j"] != w.index_values["k"])
    assert np.all((1 <= w.index_values["l"]) & (w.index_values["l"] <= LAYERS - 2))


def test_a_world_without_the_block_is_unchanged_random_values():
    w = make_world(SymbolTable(SYMBOLS, INDICES), 7)
    assert w.network is None
    assert not np.allclose(value(w, "a_j^l"), value(w, "f(z_j^l)"))


def test_sending_first_weights_are_stored_transposed():
    net = Network("z", "a", "f", weight="w", weight_order="sending-first", bias="b", target="y", cost="C")
    table = SymbolTable(SYMBOLS, INDICES, (), net)
    w = world(table=table)
    close(value(w, "z_j^l", table), value(w, "sum_k w_(kj)^l a_k^(l-1) + b_j^l", table), 1e-12)


def test_vector_and_matrix_forms_describe_the_same_network():
    symbols = (Symbol("a", VECTOR, 0, True), Symbol("z", VECTOR, 0, True), Symbol("W", MATRIX, 0, True),
               Symbol("b", VECTOR, 0, True), Symbol("delta", VECTOR, 0, True), Symbol("y", VECTOR),
               Symbol("C", SCALAR), Symbol("f", FUNCTION))
    net = Network("z", "a", "f", weight="W", bias="b", error="delta", target="y", cost="C")
    table = SymbolTable(symbols, (("l", LAYER), ("L", LAST)), (), net)
    w = world(table=table)
    close(value(w, "z^(l)", table), value(w, "W^(l) a^(l-1) + b^(l)", table), 1e-12)
    close(value(w, "a^(l)", table), value(w, "f(z^(l))", table), 1e-12)
    close(value(w, "C", table), value(w, "1/2*(a^(L) - y)^T (a^(L) - y)", table), 1e-12)
    close(value(w, "delta^(L)", table), value(w, "(a^(L) - y) .* f'(z^(L))", table), 1e-12)
    close(value(w, "delta^(l)", table), value(w, "((W^(l+1))^T delta^(l+1)) .* f'(z^(l))", table), 1e-10)


# --- item 3: Deriv is evaluated exactly ----------------------------------------------------

def test_derivatives_of_the_cost_match_finite_differences():
    w = world(11)
    ev = Evaluator(w)
    J, K, Lay = w.index_values["j"], w.index_values["k"], w.index_values["l"]
    cost = lambda r: r[2]
    close(ev(Deriv(Sym("C"), node("z", j, sup=l))), central(w, ("z", Lay, J), cost))
    close(ev(Deriv(Sym("C"), node("w", j, k, sup=l))), central(w, ("weight", Lay, J, K), cost))
    close(ev(Deriv(Sym("C"), node("b", j, sup=l))), central(w, ("bias", Lay, J), cost))
    close(ev(Deriv(Sym("C"), node("a", j, sup=l))), central(w, ("a", Lay, J), cost))
    close(ev(Deriv(Sym("C"), node("y", j))), central(w, ("target", None, J), cost))


def test_derivatives_between_nodes_match_finite_differences_and_the_equations():
    w = world(5)
    ev = Evaluator(w)
    rows = np.arange(w.samples)
    J, K, Lay = w.index_values["j"], w.index_values["k"], w.index_values["l"]
    last = np.full(w.samples, LAYERS - 1)
    d = ev(Deriv(node("a", j, sup=Index("L")), node("z", k, sup=l)))
    close(d, central(w, ("z", Lay, K), lambda r: r[1][rows, last, J]))
    d = ev(Deriv(node("z", k, sup=Index("l", 1)), node("a", j, sup=l)))
    close(d, value(w, "w_(kj)^(l+1)"), 1e-12)
    close(ev(Deriv(node("a", j, sup=l), node("z", j, sup=l))), value(w, "f'(z_j^l)"), 1e-12)
    close(ev(Deriv(Sym("C"), node("w", j, k, sup=l))), value(w, "delta_j^l a_k^(l-1)"), 1e-12)
    # downstream only: a weighted input does not move an earlier layer
    assert np.all(ev(Deriv(node("z", j, sup=Index("l", -1)), node("b", j, sup=l))) == 0)
    assert np.all(ev(Deriv(Sym("C"), Sym("C"))) == 1)


def test_derivatives_of_the_error_take_the_second_derivative_exactly():
    w = world(9)
    ev = Evaluator(w)
    d = ev(Deriv(node("delta", j, sup=Index("L")), node("z", j, sup=Index("L"))))
    close(d, value(w, "(a_j^L - y_j)*f''(z_j^L) + f'(z_j^L)^2"), 1e-10)
    d = ev(Deriv(node("delta", j, sup=l), node("b", j, sup=Index("L"))))
    J, Lay = w.index_values["j"], w.index_values["l"]
    last = np.full(w.samples, LAYERS - 1)
    fd = (value_after(w, ("bias", last, J), 1e-4, J, Lay) - value_after(w, ("bias", last, J), -1e-4, J, Lay)) / 2e-4
    close(d, fd, 1e-4)


def value_after(w, bump, h, J, Lay):
    """delta_j^l of the network with the bias `bump` moved by h, by central differences of C."""
    saved = w.arrays["b"].copy()
    w.arrays["b"][np.arange(w.samples), bump[1], bump[2]] += h
    try:
        return central(w, ("z", Lay, J), lambda r: r[2], 1e-5)
    finally:
        w.arrays["b"] = saved


def test_derivative_in_a_world_without_a_network_is_a_message_for_the_student():
    w = make_world(SymbolTable(SYMBOLS, INDICES), 7)
    with pytest.raises(EvalError, match="can be checked only in a problem whose names live in a network"):
        Evaluator(w)(Deriv(Sym("C"), node("z", j, sup=l)))


@pytest.mark.parametrize("of, wrt, message", [
    (Num(3, "3"), node("z", j, sup=l), "a number or an expression has no place there"),
    (Sym("C"), Sym("q"), "'q' is not a name of the network"),
    (Sym("C"), node("delta", j, sup=l), "The error delta is computed from the network's other values"),
    (node("a", j, sup=l), Sym("C"), "The cost C is computed from the network's other values, so nothing can be "
                                    "differentiated with respect to it; the derivative of the cost is written dC/dz_j^l."),
    (Sym("C"), Sym("z", l), "not a single number of the network"),
])
def test_derivative_of_what_is_not_a_node_gets_a_message(of, wrt, message):
    with pytest.raises(EvalError, match=re.escape(message)):
        Evaluator(world())(Deriv(of, wrt))


# --- item 5: the bank, through the command line --------------------------------------------

@pytest.mark.parametrize("problem, part, answer, status", [
    ("output-error", "delta-L", "dC/da_j^L * f'(z_j^L)", "Correct"),
    ("output-error", "delta-L", r"\frac{\partial C}{\partial a_j^{(L)}} f'(z_j^{(L)})", "Correct"),
    ("output-error", "delta-L", "dC/da_j^L * f(z_j^L)", "Incorrect"),
    ("output-error", "delta-L", "dC/dz_j^L", "Invalid"),
    ("param-gradients", "dC-dw", "dC/dz_j^l * a_k^(l-1)", "Correct"),
    ("param-gradients", "dC-dw", r"\frac{\partial C}{\partial z_j^{(l)}} a_k^{(l-1)}", "Correct"),
    ("param-gradients", "dC-dw", "dC/dz_k^l * a_j^(l-1)", "Incorrect"),
    ("param-gradients", "dC-dw", "dC/dw_(jk)^l", "Invalid"),
    ("layer-notation", "delta-hidden", "sum_k W_(jk)^(l+1)*delta_k^(l+1)*g_l'(z_j^l)", "Correct"),
    ("layer-notation", "delta-hidden", "sum_k W_(jk)^(l+1)*delta_k^(l+1)*g_L'(z_j^l)", "Incorrect"),
    ("layer-notation", "delta-hidden", "delta_j^l", "Invalid"),
    ("output-error", "delta-L", "(f(z_j^L) - y_j)*f'(z_j^L)", "Correct"),
    ("output-error", "delta-L", "(a_j^L - y_j)*f'(z_j^L)", "Correct"),
    ("output-error", "delta-L", "(f(z_j^L) - y_j)*f(z_j^L)", "Incorrect"),
    ("output-error", "delta-L", "(a_j^L - y_j)*f'(a_j^L)", "Incorrect"),
    ("weight-decay", "output-delta", "(f(z_i^(nl)) - y_i)*f'(z_i^(nl))", "Correct"),
    ("weight-decay", "output-delta", "delta_i^(nl)", "Invalid"),
    ("weight-decay", "hidden-delta", "(sum_j W_(ji)^(l)*delta_j^(l+1))*f'(z_i^(l))", "Correct"),
    ("matrix-form", "delta-output", "(f(z^(nl)) - y) .* f'(z^(nl))", "Correct"),
    ("matrix-form", "delta-output", "(f(z^(nl)) - y) .* f(z^(nl))", "Incorrect"),
    ("hidden-error", "delta-l", "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", "Correct"),
    ("hidden-error", "delta-l", "delta_j^l", "Invalid"),
])
def test_bank_answers_written_with_the_network_definitions(problem, part, answer, status, monkeypatch, tmp_path):
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["check", problem, part, answer])
    assert result.output.splitlines()[0].startswith(status + " "), result.output


# --- item 1: the block's validation messages -------------------------------------------------

PROBLEM = """\
title: t
statement: s
symbols:
  a: {kind: indexed, subscripts: 1, superscript: true}
  z: {kind: indexed, subscripts: 1, superscript: true}
  w: {kind: indexed, subscripts: 2, superscript: true}
  y: {kind: indexed, subscripts: 1}
  C: scalar
  f: function
  g: {kind: function, alias: exp}
  h: {kind: indexed, subscripts: 1, superscript: true, definition: "a_j^l"}
  g_out: function
indices: {j: unit, k: unit, l: layer, L: last}
network: NETWORK
parts:
  - {id: p, prompt: q, answer: "a_j^L"}
"""


def load(tmp_path, block):
    path = tmp_path / "prob.yaml"
    path.write_text(PROBLEM.replace("NETWORK", block), encoding="utf-8")
    return load_problem(path)


def test_a_good_block_is_read(tmp_path):
    problem = load(tmp_path, "{weighted-input: z, activation: a, function: f, weight: w, target: y, cost: C, "
                             "weight-order: sending-first}")
    assert problem.table.network == Network("z", "a", "f", weight="w", weight_order="sending-first",
                                            target="y", cost="C")


@pytest.mark.parametrize("block, message", [
    ("{weighted-input: z, function: f}", "network: missing field 'activation'"),
    ("{weighted-input: z, activation: a, function: f, weight-layer: above}",
     "'weight-layer' must be one of receiving, sending"),
    ("{weighted-input: z, activation: q, function: f}",
     "network: activation 'q' is not a declared symbol; declare it under 'symbols'"),
    ("{weighted-input: z, activation: a, function: f, weight: y}",
     "network: the weight 'y' must be an indexed symbol with two subscripts and a layer superscript, or a matrix "
     "with a superscript, but 'y' is declared as an indexed symbol with 1 subscript(s) and no superscript"),
    ("{weighted-input: z, activation: a, function: f, cost: f}", "the cost 'f' must be a scalar"),
    ("{weighted-input: z, activation: a, function: f, decay: y}", "the decay 'y' must be a scalar"),
    ("{weighted-input: z, activation: a, function: f, output-function: a}", "the output-function 'a' must be a function"),
    ("{weighted-input: z, activation: z, function: f}", "'z' is both the weighted-input and the activation"),
    ("{weighted-input: z, activation: a, function: g}", "stands for exp, which a network cannot use (its values grow too fast through the layers, or it has no derivative); use an unknown function or one of sigmoid, tanh, relu, softplus"),
    ("{weighted-input: h, activation: a, function: f}", "the weighted-input 'h' has a 'definition'"),
    ("{weighted-input: z, activation: a, function: f, loss: cross-entropy}",
     "network: 'loss' must be one of quadratic, softmax-cross-entropy, not 'cross-entropy' "
     "(did you mean 'softmax-cross-entropy'?)"),
    ("{weighted-input: z, activation: a, function: g_out, output-function: f, loss: softmax-cross-entropy}",
     "with 'loss: softmax-cross-entropy' the output layer is the softmax of its weighted inputs"),
    ("{weighted-input: z, activation: a, function: f, weight-order: backwards}",
     "'weight-order' must be one of receiving-first, sending-first"),
    ("{weighted-input: z, activation: a, function: f, weights: w}", "unknown field 'weights' (did you mean 'weight'?)"),
    ("z", "'network' must be a mapping"),
])
def test_a_wrong_block_gets_a_file_line_message(tmp_path, block, message):
    with pytest.raises(ProblemError) as err:
        load(tmp_path, block)
    assert message in str(err.value)
    assert str(err.value).startswith(f"{tmp_path / 'prob.yaml'}:14: ")


def test_the_json_schema_describes_the_block():
    import jsonschema
    from grader.authoring.schema import json_schema
    validator = jsonschema.Draft202012Validator(json_schema())
    good = {"title": "t", "statement": "s", "parts": [{"id": "p", "prompt": "q", "answer": "a"}],
            "network": {"weighted-input": "z", "activation": "a", "function": "f", "weight-order": "sending-first"}}
    assert not list(validator.iter_errors(good))
    for bad in ({"weighted-input": "z", "function": "f"}, {**good["network"], "weight-layer": "next"}, {**good["network"], "weights": "w"},
                {**good["network"], "loss": "hinge"}):
        assert list(validator.iter_errors({**good, "network": bad}))


def test_sending_layer_weights_and_biases_feed_the_next_layer():
    """UFLDL's convention (weight-decay, matrix-form): z^(l+1) = W^(l) a^(l) + b^(l)."""
    net = Network("z", "a", "f", weight="w", weight_layer="sending", bias="b", target="y", cost="C")
    table = SymbolTable(SYMBOLS, INDICES, (), net)
    w = world(table=table)
    close(value(w, "z_j^(l+1)", table), value(w, "sum_k w_(jk)^l a_k^l + b_j^l", table), 1e-12)
    ev = Evaluator(w)
    close(ev(Deriv(Sym("C"), node("w", j, k, sup=l))),
          ev(Deriv(Sym("C"), node("z", j, sup=Index("l", 1)))) * value(w, "a_k^l", table), 1e-12)
    close(ev(Deriv(Sym("C"), node("b", j, sup=l))), ev(Deriv(Sym("C"), node("z", j, sup=Index("l", 1)))), 1e-12)


def test_a_network_without_a_named_function_still_has_one():
    symbols = tuple(s for s in SYMBOLS if s.name != "f")
    table = SymbolTable(symbols, INDICES, (), Network("z", "a", weight="w", bias="b", error="delta"))
    w = world(table=table)
    f = lambda x, order: w.activation()(x, order, 1)
    assert np.array_equal(w.arrays["a"][:, 1:LAYERS, :MAX_WIDTH], f(w.arrays["z"][:, 1:LAYERS, :MAX_WIDTH], 0))
    close(value(w, "delta_j^l", table),
          value(w, "sum_k w_(kj)^(l+1) delta_k^(l+1)", table) * f(w.arrays["z"][np.arange(64), w.index_values["l"],
                                                                                  w.index_values["j"]], 1), 1e-10)


def test_the_output_layer_has_its_own_function_when_declared():
    """layer-notation: a_j^(l) = g_l(z_j^(l)) in hidden layers, g_L in the output layer."""
    symbols = SYMBOLS + (Symbol("g_l", FUNCTION), Symbol("g_L", FUNCTION))
    net = Network("z", "a", "g_l", output_function="g_L", weight="w", bias="b", error="delta", target="y", cost="C")
    table = SymbolTable(symbols, INDICES, (), net)
    w = world(table=table)
    assert np.array_equal(value(w, "a_j^l", table), value(w, "g_l(z_j^l)", table))
    assert np.array_equal(value(w, "a_j^L", table), value(w, "g_L(z_j^L)", table))
    assert not np.allclose(value(w, "a_j^L", table), value(w, "g_l(z_j^L)", table))
    close(value(w, "delta_j^L", table), value(w, "(a_j^L - y_j)*g_L'(z_j^L)", table), 1e-12)
    close(value(w, "delta_j^l", table), value(w, "sum_k w_(kj)^(l+1) delta_k^(l+1) g_l'(z_j^l)", table), 1e-10)
    close(Evaluator(w)(Deriv(Sym("C"), node("z", j, sup=l))), value(w, "delta_j^l", table), 1e-10)


def test_a_network_name_cannot_be_given(tmp_path):
    text = PROBLEM.replace("NETWORK", "{weighted-input: z, activation: a, function: f, cost: C}") + "given: {C: 2}\n"
    path = tmp_path / "prob.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(err.value) == (f"{path}:17: given value 'C': 'C' is the network's cost, whose values come from "
                              f"the network")


def test_a_value_fixed_by_hand_wins_over_the_network():
    w = make_world(TABLE, 7, given={"C": 2.5})
    assert np.all(w.arrays["C"] == 2.5)


@pytest.mark.parametrize("alias", ["sigmoid", "logistic", "tanh", "relu", "softplus"])
def test_built_in_activations_make_a_network(alias):
    symbols = tuple(Symbol("f", FUNCTION, alias=alias) if s.name == "f" else s for s in SYMBOLS)
    table = SymbolTable(symbols, INDICES, (), NET)
    w = world(table=table)
    assert np.array_equal(value(w, "a_j^L", table), value(w, f"{alias}(z_j^L)", table))
    close(value(w, "delta_j^L", table), value(w, "(a_j^L - y_j)*f'(z_j^L)", table), 1e-12)
    J, Lay = w.index_values["j"], w.index_values["l"]
    close(Evaluator(w)(Deriv(Sym("C"), node("z", j, sup=l))), central(w, ("z", Lay, J), lambda r: r[2]))


@pytest.mark.parametrize("alias", ["logistic", "sigma", "relu", "ReLU", "tanh"])
def test_a_block_accepts_every_spelling_of_a_network_builtin(alias, tmp_path):
    path = tmp_path / "prob.yaml"
    path.write_text(PROBLEM.replace("alias: exp", f"alias: {alias}")
                    .replace("NETWORK", "{weighted-input: z, activation: a, function: g}"), encoding="utf-8")
    assert load_problem(path).table.network.function == "g"


def test_weight_decay_adds_to_the_cost_and_to_its_weight_derivatives():
    symbols = SYMBOLS + (Symbol("lambda", SCALAR, domain=(0.01, 1.0)),)
    table = SymbolTable(symbols, INDICES, (), Network("z", "a", "f", weight="w", bias="b", error="delta", target="y",
                                                     cost="C", decay="lambda"))
    w = world(table=table)
    weights = w.arrays["w"][:, 1:LAYERS, :MAX_WIDTH, :MAX_WIDTH]
    close(value(w, "C", table), value(w, "1/2*sum_j (a_j^L - y_j)^2", table)
          + w.arrays["lambda"] / 2 * (weights ** 2).sum(axis=(1, 2, 3)), 1e-12)
    ev = Evaluator(w)
    close(ev(Deriv(Sym("C"), node("w", j, k, sup=l))), value(w, "delta_j^l a_k^(l-1) + lambda*w_(jk)^l", table), 1e-12)
    close(ev(Deriv(Sym("C"), node("b", j, sup=l))), value(w, "delta_j^l", table), 1e-12)
    close(ev(Deriv(Sym("C"), node("z", j, sup=l))), value(w, "delta_j^l", table), 1e-10)


def test_softmax_cross_entropy_network():
    net = Network("z", "a", "f", weight="w", bias="b", error="delta", target="y", cost="C",
                  loss="softmax-cross-entropy")
    table = SymbolTable(SYMBOLS, INDICES, (), net)
    w = world(table=table)
    close(value(w, "a_j^L", table), value(w, "exp(z_j^L)/sum_k exp(z_k^L)", table), 1e-12)
    close(value(w, "sum_j y_j", table), np.ones(w.samples), 1e-12)
    close(value(w, "C", table), value(w, "-sum_j y_j*log(a_j^L)", table), 1e-12)
    close(value(w, "delta_j^L", table), value(w, "a_j^L - y_j", table), 1e-12)
    close(value(w, "delta_j^l", table), value(w, "sum_k w_(kj)^(l+1) delta_k^(l+1) f'(z_j^l)", table), 1e-10)
    ev = Evaluator(w)
    J, Lay = w.index_values["j"], w.index_values["l"]
    rows, last = np.arange(w.samples), np.full(w.samples, LAYERS - 1)

    def cost_after(h):            # C with z_j^L moved by h, from the world's own numbers
        z = w.arrays["z"][:, LAYERS - 1, :MAX_WIDTH].copy()
        z[rows, J] += h
        a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -(w.arrays["y"][:, :MAX_WIDTH] * np.log(a)).sum(axis=1)
    close(w.arrays["delta"][rows, last, J], (cost_after(1e-6) - cost_after(-1e-6)) / 2e-6)
    close(ev(Deriv(Sym("C"), node("z", j, sup=Index("L")))), value(w, "delta_j^L", table), 1e-12)
    close(ev(Deriv(Sym("C"), node("z", j, sup=l))), value(w, "delta_j^l", table), 1e-10)
    close(ev(Deriv(Sym("C"), node("w", j, k, sup=l))), value(w, "delta_j^l a_k^(l-1)", table), 1e-10)
    close(ev(Deriv(node("a", k, sup=Index("L")), node("z", j, sup=Index("L")))),
          np.where(J == w.index_values["k"], value(w, "a_k^L", table), 0.0) - value(w, "a_k^L*a_j^L", table), 1e-12)
    close(ev(Deriv(node("delta", j, sup=Index("L")), node("z", j, sup=Index("L")))),
          value(w, "a_j^L*(1 - a_j^L)", table), 1e-10)
    # the error is dC/dz itself, also for a target moved off the probabilities: d delta_j^L / d y_j = a_j^L - 1
    close(ev(Deriv(node("delta", j, sup=Index("L")), node("y", j))), value(w, "a_j^L - 1", table), 1e-10)


def test_a_derivative_inside_a_sum_takes_the_summed_unit():
    """sum_k dC/dz_k^(l+1) w_(kj)^(l+1) f'(z_j^l) is delta_j^l: the Deriv's index is the sum's."""
    from grader.answers.tree import Bin, Call, Sum
    w = world(13)
    body = Bin("*", Deriv(Sym("C"), node("z", k, sup=Index("l", 1))), node("w", k, j, sup=Index("l", 1)))
    tree = Bin("*", Sum("k", body), Call("f", (node("z", j, sup=l),), 1))
    close(Evaluator(w)(tree), value(w, "delta_j^l"), 1e-10)
    wrong = Bin("*", Sum("k", Bin("*", Deriv(Sym("C"), node("z", k, sup=Index("l", 1))),
                                  node("w", j, k, sup=Index("l", 1)))), Call("f", (node("z", j, sup=l),), 1))
    assert not np.allclose(Evaluator(w)(wrong), value(w, "delta_j^l"))


def test_gradients_with_respect_to_a_whole_layer_have_its_shape():
    """matrix-form's ∂ forms: dC/dz^(l) is delta^(l), dC/dW^(l) = delta^(l) (a^(l-1))^T, dC/da^(L) = a^(L) - y."""
    symbols = (Symbol("a", VECTOR, 0, True), Symbol("z", VECTOR, 0, True), Symbol("W", MATRIX, 0, True),
               Symbol("b", VECTOR, 0, True), Symbol("delta", VECTOR, 0, True), Symbol("y", VECTOR),
               Symbol("C", SCALAR), Symbol("f", FUNCTION))
    for order, product in (("receiving-first", "delta^(l) * (a^(l-1))^T"), ("sending-first", "a^(l-1) * (delta^(l))^T")):
        net = Network("z", "a", "f", weight="W", weight_order=order, bias="b", error="delta", target="y", cost="C")
        table = SymbolTable(symbols, (("l", LAYER), ("L", LAST)), (), net)
        w = world(table=table)
        ev = Evaluator(w)
        L = Index("L")
        close(ev(Deriv(Sym("C"), Sym("z", l))), value(w, "delta^(l)", table), 1e-10)
        close(ev(Deriv(Sym("C"), Sym("b", l))), value(w, "delta^(l)", table), 1e-10)
        close(ev(Deriv(Sym("C"), Sym("W", l))), value(w, product, table), 1e-10)
        close(ev(Deriv(Sym("C"), Sym("a", L))), value(w, "a^(L) - y", table), 1e-12)
        close(ev(Deriv(Sym("C"), Sym("y"))), value(w, "y - a^(L)", table), 1e-12)
        with pytest.raises(EvalError, match="A derivative of a whole layer"):
            ev(Deriv(Sym("a", L), Sym("z", L)))


def test_a_problem_tells_whether_its_names_live_in_a_network():
    """bench/run.py splits its figures by `problem.network`."""
    from pathlib import Path
    bank = Path(__file__).resolve().parent.parent / "problems"
    assert load_problem(bank / "output-error.yaml").network == Network("z", "a", "f", target="y", cost="C")
    assert load_problem(bank / "sigmoid.yaml").network is None


@pytest.mark.parametrize("problem, part, answer, status, says", [
    # right by value and written with what is asked: the question itself, however disguised
    ("output-error", "delta-L", "2*dC/dz_j^L - dC/dz_j^L", "invalid", "That is the question itself"),
    ("deep-chain", "delta-recurrence", "delta_1", "invalid", "That is the question itself"),
    # wrong by value: the slip it is (delta_1 for delta_2), never "the question itself"
    ("deep-chain", "delta-recurrence", "(1-f_1^2)*w_2*delta_1", "incorrect", "Your answer uses δ_1"),
    ("output-error", "delta-L", "2*dC/dz_j^L", "incorrect", "2 times the expected answer"),
])
def test_what_is_asked_is_refused_only_when_the_answer_is_right_by_value(problem, part, answer, status, says):
    result = CliRunner().invoke(main, ["check", problem, part, answer])
    assert result.output.split()[0].lower() == status, result.output
    assert says in result.output
