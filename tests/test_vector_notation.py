"""The course's vector notation (issue 26, item 6): a number plus or minus a vector or a matrix
goes with every entry (`a .* (1 - a)`, the sigmoid's slope as the notes write it), `diag(v)`
makes the matrix of the softmax Jacobian, and sizes that do not fit are still refused with a
sentence saying what was mixed."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import MATRICES, expression, write
from grader.checking.checker import check, compare
from grader.interfaces.cli import main
from grader.model import CORRECT, INCORRECT

SIGMOID_LAYERS = """\
title: Sigmoid layers in matrix form
statement: Column vectors z^(l), a^(l) = sigmoid(z^(l)), delta^(l); target y; W^(l) feeds layer l+1.
symbols:
  W: {kind: matrix, superscript: true}
  a: {kind: vector, superscript: true}
  z: {kind: vector, superscript: true}
  delta: {kind: vector, superscript: true}
  y: vector
  f: {kind: function, alias: sigmoid}
  C: scalar
indices: {l: layer, nl: last}
network: {weighted-input: z, activation: a, function: f, weight: W, weight-layer: sending, error: delta,
          target: y, cost: C}
parts:
  - id: delta-output
    prompt: "What is delta^(nl) for the cost 1/2 ||y - a^(nl)||^2?"
    kind: expression
    answer: "(a^(nl) - y) .* f'(z^(nl))"
    points: 1
  - id: delta-hidden
    prompt: "What is delta^(l) for a hidden layer l?"
    kind: expression
    answer: "((W^(l))^T * delta^(l+1)) .* f'(z^(l))"
    points: 2
"""


@pytest.fixture
def bank(tmp_path):
    return write(tmp_path / "sigmoid-matrix.yaml", SIGMOID_LAYERS).parent


def grade(bank, part, answer):
    return CliRunner().invoke(main, ["check", "--problems", str(bank), "sigmoid-matrix", part, answer])


@pytest.mark.parametrize("part, answer, first_line", [
    ("delta-output", "(a^(nl) - y) .* a^(nl) .* (1 - a^(nl))", "Correct  (1/1 point)"),
    ("delta-output", "(a^(nl) - y) ⊙ (1 - a^(nl)) ⊙ a^(nl)", "Correct  (1/1 point)"),
    ("delta-output", "(a^(nl) - y) .* (a^(nl) - a^(nl) .* a^(nl))", "Correct  (1/1 point)"),
    ("delta-hidden", "((W^(l))^T * delta^(l+1)) .* a^(l) .* (1 - a^(l))", "Correct  (2/2 points)"),
    ("delta-hidden", "((W^(l))^T * delta^(l+1)) .* (a^(l) .* (-a^(l) + 1))", "Correct  (2/2 points)"),
    ("delta-output", "(a^(nl) - y) .* (1 - a^(nl))", "Incorrect  (0/1 point)"),
    ("delta-hidden", "((W^(l))^T * delta^(l+1)) .* a^(l) .* (2 - a^(l))", "Incorrect  (0/2 points)"),
])
def test_the_notes_sigmoid_slope_of_a_layer_is_graded(bank, part, answer, first_line):
    run = grade(bank, part, answer)
    assert run.stdout.splitlines()[0] == first_line, run.output
    assert "cannot subtract" not in run.output


def test_a_matrix_part_that_mixes_sizes_is_told_what_it_mixed(bank):
    run = grade(bank, "delta-hidden", "((W^(l))^T * delta^(l+1)) .* (1 - W^(l))")
    assert run.stdout.splitlines() == [
        "Incorrect  (0/2 points)",
        "Interpreted as: ((W^(l))ᵀ·δ^(l+1)) ⊙ (1 − W^(l))",
        "An element-wise product needs two values of the same size, not a column vector and a matrix."]


@pytest.mark.parametrize("reference, answer, status", [
    ("u .* (1 - u)", "u - u .* u", CORRECT),
    ("1 - u", "-(u - 1)", CORRECT),
    ("2 + u", "u + 2", CORRECT),
    ("c - u", "-(u - c)", CORRECT),
    ("1 - M", "-(M - 1)", CORRECT),           # a number goes with every entry, as in MATLAB and NumPy
    ("u .* (1 - u)", "u .* (2 - u)", INCORRECT),
    ("1 - u", "u - 1", INCORRECT),
])
def test_a_number_goes_with_every_entry(reference, answer, status):
    prob, part = expression(reference, MATRICES)
    assert check(prob, part, answer).status == status


@pytest.mark.parametrize("answer, message", [
    ("u - M", "You cannot subtract a matrix from a column vector."),
    ("u^T + u", "You cannot add a column vector to a row vector."),
    ("M + u", "You cannot add a column vector to a matrix."),
])
def test_a_vector_and_a_matrix_are_still_refused(answer, message):
    prob, part = expression("u", MATRICES)
    v = check(prob, part, answer)
    assert (v.status, v.rule, v.feedback) == (INCORRECT, "shape", (message,))


@pytest.mark.parametrize("student, reference, status", [
    ("diag(u) - u*u^T", "diag(u) - u*u^T", "equivalent"),
    ("diag(u)*v", "u .* v", "equivalent"),
    ("(diag(u))^T", "diag(u)", "equivalent"),
    ("diag(u)*v", "u^T*v", "different"),
    ("max(0, u)", "max(u, 0)", "equivalent"),
])
def test_diag_makes_the_softmax_jacobian(student, reference, status):
    assert compare(student, reference, MATRICES).status == status


@pytest.mark.parametrize("student, message", [
    ("diag(c)", "diag(...) makes a matrix from a column vector; a number has no place there."),
    ("diag(M)", "diag(...) makes a matrix from a column vector; a matrix has no place there."),
    ("max(M, u)", "The arguments of max(...) must have the same size, not a matrix and a column vector."),
])
def test_diag_and_max_of_the_wrong_sizes_are_explained(student, message):
    out = compare(student, "M", MATRICES)
    assert out.status == "different" and out.message == message


def test_the_cli_compares_a_softmax_jacobian():
    run = CliRunner().invoke(main, ["compare", "--problem", "matrix-form", "diag(a^(l)) - a^(l)*(a^(l))^T",
                                    "diag(a^(l)) - a^(l)*(a^(l))^T"])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[-1] == "equivalent: The two expressions are equivalent."
