"""Issue 24 item 5: a chain of one unit per layer whose nodes are scalar names (the `chain:`
block, deep-chain's x, w_1, f_1, delta_1). Independent checks: a tanh chain written here from the
world's arrays, and central finite differences of it."""
from __future__ import annotations

import shutil
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
DEEP = load_problem(ROOT / "problems" / "deep-chain.yaml")


def check(problem, part, answer):
    result = CliRunner().invoke(main, ["check", problem, part, answer])
    return result.output


@pytest.mark.parametrize("part, answer", [
    ("unrolled-gradient-L3", "x*dLoss/dz_1"),
    ("unrolled-gradient-L3", "x*delta_1"),
    ("unrolled-gradient-L3", "dLoss/df_1*(1-f_1^2)*x"),
    ("unrolled-gradient-L3", r"\frac{\partial Loss}{\partial f_1} (1-f_1^2) x"),
    ("unrolled-gradient-L3", "∂Loss/∂z_1 * x"),
    ("unrolled-gradient-L3", "2*x*(1-tanh(w_1*x)^2)*(1-tanh(w_2*f_1)^2)*(1-f_3^2)*w_2*w_3*(f_3-y)"),
    ("delta-recurrence", "(1-f_1^2)*w_2*dLoss/dz_2"),
    ("delta-recurrence", "(1-tanh(z_1)^2)*w_2*delta_2"),
])
def test_answers_written_with_the_chains_own_definitions_are_correct(part, answer):
    assert check("deep-chain", part, answer).startswith("Correct")


def test_the_asked_derivative_itself_is_refused_as_the_question():
    out = check("deep-chain", "unrolled-gradient-L3", "dLoss/dw_1")
    assert out.startswith("Invalid") and "That is the question itself" in out


def test_a_wrong_answer_in_chain_notation_stays_wrong():
    assert check("deep-chain", "unrolled-gradient-L3", "x*dLoss/dz_2").startswith("Incorrect")
    assert check("deep-chain", "delta-recurrence", "(1-f_1^2)*w_1*dLoss/dz_2").startswith("Incorrect")


# --- sgd: real ∂ for dC/dw_1, and the old opaque spelling of saved answers ---------------------

@pytest.mark.parametrize("answer", [
    "w_1-eta*dC/dw_1", "w_1 - η·∂C/∂w_1", "w_1-eta*(partial C)/(partial w_1)",
    r"-\eta \frac{\partial C}{\partial w_1} + w_1",
    # the spelling before dC/dw_1 could be typed: students' saved answers keep their verdict
    "w_1-eta*(partialC)/(partialw_1)", "w_1 - (eta/partialw_1)*partialC", "w_1 − η·partialC/partialw_1",
])
def test_sgd_takes_the_derivative_in_every_spelling(answer):
    assert check("sgd", "update-w1", answer).startswith("Correct")


@pytest.mark.parametrize("answer, feedback", [
    ("w_1+eta*dC/dw_1", "increases the loss"), ("-eta*dC/dw_1", "start from w_1"),
    ("w_1-eta*partialC", ""), ("w_1-eta*partialw_1/partialC", ""), ("w_1-eta*C", ""),
])
def test_sgd_wrong_updates_stay_wrong(answer, feedback):
    out = check("sgd", "update-w1", answer)
    assert out.startswith("Incorrect") and feedback in out


# --- the values: a tanh chain computed here, and finite differences of it ---------------------

def forward(x, w1, w2, w3, y):
    f1 = np.tanh(w1 * x)
    f2 = np.tanh(w2 * f1)
    f3 = np.tanh(w3 * f2)
    return f1, f2, f3, (y - f3) ** 2


def value(w, text):
    return Evaluator(w)(parse(text, DEEP.table).tree)


def test_every_name_of_the_chain_is_its_node_and_derivatives_match_finite_differences():
    w = make_world(DEEP.table, 11)
    A = w.arrays
    x, w1, w2, w3, y = (A[n] for n in ("x", "w_1", "w_2", "w_3", "y"))
    f1, f2, f3, loss = forward(x, w1, w2, w3, y)
    for name, expect in (("f_1", f1), ("f_2", f2), ("f_3", f3), ("Loss", loss), ("z_1", w1 * x),
                         ("z_2", w2 * f1), ("z_3", w3 * f2)):
        np.testing.assert_allclose(A[name], expect, rtol=1e-12, atol=1e-12, err_msg=name)
    assert np.std(A["f_1"]) > 0.05 and np.std(A["w_2"]) > 0.05     # real draws, not one constant
    h = 1e-6

    def diff(bump):
        up = dict(x=x, w1=w1, w2=w2, w3=w3, y=y)
        down = dict(up)
        up[bump], down[bump] = up[bump] + h, down[bump] - h
        return (forward(**up)[3] - forward(**down)[3]) / (2 * h)

    for text, name in (("dLoss/dw_1", "w1"), ("dLoss/dw_2", "w2"), ("dLoss/dw_3", "w3"), ("dLoss/dx", "x"),
                       ("dLoss/dy", "y")):
        np.testing.assert_allclose(value(w, text), diff(name), rtol=1e-5, atol=1e-9, err_msg=text)
    # the errors are dLoss/dz_i: z_1 = w_1 x moves with w_1 at the rate x
    np.testing.assert_allclose(A["delta_1"] * x, diff("w1"), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(A["delta_2"] * f1, diff("w2"), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(value(w, "dLoss/dz_3"), 2 * (f3 - y) * (1 - f3 ** 2), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(value(w, "df_2/df_1"), (1 - f2 ** 2) * w2, rtol=1e-9, atol=1e-12)


# --- two-layer-example: the chain pinned at the given values ----------------------------------

TWO = load_problem(ROOT / "problems" / "two-layer-example.yaml")


def two_layer(x, w1, w2, b, t):
    y = 1 / (1 + np.exp(-(w2 * np.maximum(w1 * x, 0) + b)))
    return 0.5 * (y - t) ** 2


def test_the_two_layer_chain_takes_the_given_values_and_its_derivatives_match_finite_differences():
    for given in (dict(TWO.given), {**dict(TWO.given), "x": 2.0, "w1": 0.04, "w2": 3.0}):
        w = make_world(TWO.table, 5, given=given, samples=4)
        g = {k: float(v) for k, v in given.items()}
        args = dict(x=g["x"], w1=g["w1"], w2=g["w2"], b=g["b"], t=g["t"])
        np.testing.assert_allclose(w.arrays["C"], two_layer(**args), rtol=1e-12)
        h = 1e-6
        for name in ("w1", "w2", "b", "x", "t"):
            up, down = dict(args), dict(args)
            up[name] += h
            down[name] -= h
            fd = (two_layer(**up) - two_layer(**down)) / (2 * h)
            np.testing.assert_allclose(Evaluator(w)(parse(f"dC/d{name}", TWO.table).tree), fd, rtol=1e-6,
                                       err_msg=name)
    # the course's values: dC/dw1 = 2.08092 (the part's own tests)
    w = make_world(TWO.table, 5, given=dict(TWO.given), samples=1)
    assert round(float(Evaluator(w)(parse("dC/dw1", TWO.table).tree)[0]), 5) == 2.08092


@pytest.mark.parametrize("part, answer, status", [
    ("loss", "C", "Invalid"), ("dC-dw1", "dC/dw1", "Invalid"), ("dC-db", "dC/db + 0", "Invalid"),
    ("dC-dw1", "2.081", "Correct"), ("dC-dw2", "-0.00416", "Correct"),
])
def test_a_numeric_part_that_asks_for_a_node_refuses_the_node_itself(part, answer, status):
    out = check("two-layer-example", part, answer)
    assert out.startswith(status)
    if status == "Invalid":
        assert "That is the question itself: write its value." in out


def planted(tmp_path, problem, right, wrong):
    """Validate's findings for a copy of a bank problem with one reference changed, and the
    line of the changed part; the shipped problem itself validates clean."""
    bank = tmp_path / "problems"
    bank.mkdir()
    text = (ROOT / "problems" / f"{problem}.yaml").read_text(encoding="utf-8")
    assert right in text
    (bank / f"{problem}.yaml").write_text(text.replace(right, wrong, 1), encoding="utf-8")
    assert [str(i) for i in grader.validate([ROOT / "problems" / f"{problem}.yaml"])] == []
    part = text.rfind("  - id: ", 0, text.index(right))
    return "\n".join(str(i) for i in grader.validate([bank])), bank, text[:part].count("\n") + 1


def test_a_planted_error_in_a_numeric_reference_fails_validate(tmp_path):
    right = "(sigma(w2*relu(w1*x)+b)-t)*sigma(w2*relu(w1*x)+b)*(1-sigma(w2*relu(w1*x)+b))*w2*x"
    found, bank, line = planted(tmp_path, "two-layer-example", f'answer: "{right}"', f'answer: "{right}*x"')
    assert f"{bank / 'two-layer-example.yaml'}:{line}: part 'dC-dw1': the reference answer '{right}*x' is not " \
           f"dC/dw1: in a random network (sample " in found


# --- validate proves the chain's references ----------------------------------------------------

def test_a_planted_missing_factor_in_deep_chain_fails_validate_naming_the_part(tmp_path):
    right = "x*(1-f_1^2)*(1-f_2^2)*(1-f_3^2)*w_2*w_3*(f_3-y)"
    found, bank, line = planted(tmp_path, "deep-chain", f'answer: "2*{right}"', f'answer: "{right}"')
    assert (f"{bank / 'deep-chain.yaml'}:{line}: part 'unrolled-gradient-L3': the reference answer "
            f"'{right}' is not dLoss/dw_1: in a random network (sample ") in found


# --- the block is checked against the symbols, with the field's line -----------------------------

HEAD = """\
title: A chain
statement: A chain.
symbols:
  x: scalar
  w_1: scalar
  w_2: scalar
  f_1: scalar
  f_2: scalar
  v: {kind: vector, superscript: true}
  g: {kind: function, alias: exp}
"""
PART = """\
parts:
  - id: p
    prompt: What is f_2?
    kind: expression
    answer: "f_2"
    points: 1
"""


@pytest.mark.parametrize("block, line, message", [
    ("chain: {input: x, weights: [w_1, w_2], activations: [f_1, f_3]}", 11,
     "chain: activations 'f_3' is not a declared symbol (did you mean 'f_2'?); declare it under 'symbols'"),
    ("chain: {input: x, weights: [w_1, w_2], activations: [f_1, v]}", 11,
     "chain: 'v' in activations must be a scalar (one unit per layer), but it is declared as a vector"),
    ("chain: {input: x, weights: [w_1, w_2], activations: [f_1]}", 11,
     "chain: activations names 1 layers, but the chain has 2 weights (one name per layer)"),
    ("chain: {input: x, weights: [w_1, w_2], activations: [f_1, w_1]}", 11,
     "chain: 'w_1' is named twice (in weights and in activations); every node needs its own name"),
    ("chain:\n  input: x\n  weights: [w_1, w_2]\n  activations: [f_1, f_2]\n  function: g\n", 15,
     "chain: the function 'g' stands for exp, which a chain cannot use; use an unknown function or one of "
     "sigmoid, tanh, relu, softplus"),
    ("chain:\n  input: x\n  weights: [w_1, w_2]\n  activations: [f_1, f_2]\n  loss: cubic\n", 15,
     "chain: 'loss' must be one of quadratic, squared, not 'cubic'"),
    ("chain: {input: x, activations: [f_1, f_2]}", 11, "chain: missing field 'weights'"),
    ("chain: {input: x, weights: [w_1, w_2], activations: [f_1, f_2]}\ngiven: {x: 1, f_1: 0.5}", 12,
     "given value 'f_1': 'f_1' is the network's activation, whose values come from the network"),
    ("network: {weighted-input: v, activation: v}\nchain: {input: x, weights: [w_1], activations: [f_1]}", 12,
     "problem: a problem has a 'network' or a 'chain', not both; a chain is a network of one unit per layer"),
])
def test_a_chain_block_that_contradicts_the_symbols_is_refused_at_its_line(tmp_path, block, line, message):
    path = tmp_path / "chain.yaml"
    path.write_text(HEAD + block + "\n" + PART, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(err.value).startswith(f"{path}:{line}: {message}")
