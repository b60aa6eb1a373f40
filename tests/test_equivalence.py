"""grader.checking.checker: right from wrong for expressions, indices, functions, matrices, numbers
and choices; determinism; the ad-hoc `compare`.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (MATRICES, NETWORK, PLAIN, SCALARS, TWO_LAYER_GIVEN, TWO_LAYER_REFERENCES, choice, expression,
                      numeric)
from grader.checking import checker as equivalence
from grader.checking.checker import check, compare, context, clear_caches
from grader.model import CORRECT, INCORRECT, INVALID, STATUSES, Mistake, Symbol, SymbolTable, Tolerance, Verdict

ROOT = Path(__file__).resolve().parent.parent


def status(reference, answer, table=SCALARS, **part) -> str:
    prob, p = expression(reference, table, **part)
    return check(prob, p, answer).status


def verdict(reference, answer, table=SCALARS, **part) -> Verdict:
    prob, p = expression(reference, table, **part)
    return check(prob, p, answer)


# --- equivalent forms are accepted ----------------------------------------------------------

HIDDEN = "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)"
OUTPUT = "(a_j^L - y_j)*f'(z_j^L)"
MATRIX_HIDDEN = "((W^(l+1))^T*delta^(l+1)) .* f'(z^l)"

ACCEPTED = [
    # reordered factors, expanded or factored
    ("x*y*z", "z*y*x", PLAIN),
    ("x*y", "y x", PLAIN),
    ("(x+y)^2", "x^2+2*x*y+y^2", PLAIN),
    ("x^2-y^2", "(x-y)*(x+y)", PLAIN),
    ("a*(x+y)", "a*x + y*a", PLAIN),
    ("1/2*(a-y)^2", "(y-a)^2/2", PLAIN),
    # the sigmoid's derivative in its many forms
    ("e^(-z)/(1+e^(-z))^2", "e^z/(1+e^z)^2", PLAIN),
    ("e^(-z)/(1+e^(-z))^2", "e^-z/(1+e^-z)^2", PLAIN),
    ("e^(-z)/(1+e^(-z))^2", "exp(-z)/(1+exp(-z))^2", PLAIN),
    ("e^(-z)/(1+e^(-z))^2", "1/(1+e^(-z)) * (1 - 1/(1+e^(-z)))", PLAIN),
    ("e^(-z)/(1+e^(-z))^2", "sigma(z)*(1-sigma(z))", SCALARS),
    ("e^(-z)/(1+e^(-z))^2", "sigma'(z)", SCALARS),
    ("1/(1+e^(-z))", "sigmoid(z)", SCALARS),
    ("1/(1+e^(-z))", "σ(z)", SCALARS),
    ("1-tanh(z)^2", "1/cosh(z)^2", PLAIN),
    ("1-tanh(z)^2", "tanh'(z)", SCALARS),
    ("𝑒^(−𝑧)/(1+𝑒^(−𝑧))²", "e^(-z)/(1+e^(-z))^2", PLAIN),
    # a declared alias: g is the sigmoid, so g' is g(1-g)
    ("g(z)*(1-g(z))", "g'(z)", SCALARS),
    ("f'(z)*x", "x*f'(z)", SCALARS),
    # indexed quantities
    (HIDDEN, HIDDEN, NETWORK),
    (HIDDEN, "sum_m w_(mj)^(l+1) delta_m^(l+1) f'(z_j^l)", NETWORK),
    (HIDDEN, "sum_i w_(ij)^(l+1)*delta_i^(l+1)*f'(z_j^l)", NETWORK),
    (HIDDEN, "f'(z_j^l)*sum_k(w_(kj)^(l+1)*delta_k^(l+1))", NETWORK),
    (HIDDEN, "sum_{k}(delta_k^{l+1} w_{kj}^{l+1}) f'(z_j^l)", NETWORK),
    (HIDDEN, "sum_k w_kj^(l+1) delta_k^(l+1) f'(z_j^l)", NETWORK),
    (HIDDEN, "∑_k w_(kj)^(l+1)·δ_k^(l+1)·f′(z_j^l)", NETWORK),
    (HIDDEN, "sum_k(w_(k,j)^(l+1)*delta_k^(l+1)*f'(z_j^l))", NETWORK),
    (OUTPUT, "f'(z_j^L)*(a_j^L - y_j)", NETWORK),
    (OUTPUT, "-(y_j - a_j^L)*f'(z_j^L)", NETWORK),
    (OUTPUT, "a_j^L f'(z_j^L) - y_j f'(z_j^L)", NETWORK),
    (OUTPUT, "(a_j^(L) − y_j)·f′(z_j^(L))", NETWORK),
    ("a_k^(l-1)*delta_j^l", "delta_j^l a_k^(l-1)", NETWORK),
    ("sum_k a_k^l", "sum_j a_j^l", NETWORK),
    ("(a_j^L)^2", "a_j^L*a_j^L", NETWORK),
    # vectors and matrices
    (MATRIX_HIDDEN, "f'(z^l) ⊙ ((W^(l+1))^T delta^(l+1))", MATRICES),
    (MATRIX_HIDDEN, "W^(l+1)^T*delta^(l+1) .* f'(z^l)", MATRICES),
    ("u^T*v", "v^T*u", MATRICES),
    ("u*v^T", "(v*u^T)^T", MATRICES),
    ("M*(u+v)", "M*u + M*v", MATRICES),
    ("(M*u)^T", "u^T*M^T", MATRICES),
    ("c*u", "u*c", MATRICES),
    # floats written for exact numbers
    ("1/2*(a-y)^2", "0.5*(a-y)^2", PLAIN),
    ("x/4", "0.25*x", PLAIN),
    ("0", "sin(pi)*x", PLAIN),
    ("sin(pi)*x", "0", PLAIN),
    ("0", "x-x", PLAIN),
]


@pytest.mark.parametrize("reference, answer, table", ACCEPTED, ids=[f"{a} = {r}" for r, a, _ in ACCEPTED])
def test_equivalent_forms_are_correct(reference, answer, table):
    # forms of the same value; whether a part may be answered by naming what it asks
    # (tanh'(z)) is the restatement rule's business, pinned in test_conditions.py
    v = verdict(reference, answer, table, allow_restatement=True)
    assert v.status == CORRECT, v.feedback
    assert v.score == v.max_score == 1.0
    assert v.feedback == ()


# --- different answers are rejected ---------------------------------------------------------

REJECTED = [
    # the f / f' confusion: f is an unknown function, not the sigmoid
    ("f'(z)", "f(z)*(1-f(z))", SCALARS),
    ("f(z)*(1-f(z))", "f'(z)", SCALARS),
    ("f'(z)", "f(z)", SCALARS),
    ("f'(z)", "f''(z)", SCALARS),
    ("g_L'(z)", "g_L(z)", SCALARS),
    ("f'(z)", "g'(z)", SCALARS),
    # floats are compared tightly
    ("x/3", "0.33*x", PLAIN),
    ("x/3", "0.3333*x", PLAIN),
    ("x^2", "1.00001*x^2", PLAIN),
    ("x", "x + 0.000001", PLAIN),
    # structure
    ("1/(1+e^(-z))", "1/1+e^(-z)", PLAIN),
    ("e^(-z+1)", "e^-z+1", PLAIN),
    ("x*y", "x**y", PLAIN),
    ("x*y", "x^y", PLAIN),
    ("(x+y)^2", "x^2+y^2", PLAIN),
    ("sqrt(x^2)", "x", PLAIN),
    # indices
    (HIDDEN, "sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK),    # swapped
    (HIDDEN, "sum_k w_(kj)^l*delta_k^(l+1)*f'(z_j^l)", NETWORK),        # layer off by one
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^l*f'(z_j^l)", NETWORK),        # layer off by one
    (HIDDEN, "w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK),          # missing sum
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_k^l)", NETWORK),    # f' inside at the wrong unit
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f(z_j^l)", NETWORK),     # f for f'
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)", NETWORK),              # f' missing
    ("delta_j^l", "delta_k^l", NETWORK),                                # leftover free index
    ("delta_j^l", "delta_j^L", NETWORK),
    ("delta_j^l", "delta_j^(l+1)", NETWORK),
    ("a_j^l", "sum_k a_k^l", NETWORK),
    ("sum_k a_k^l", "a_k^l", NETWORK),
    ("w_(jk)^l", "w_(kj)^l", NETWORK),
    ("a_j^l", "a_j^2", NETWORK),                                        # layer 2 is not a square
    ("(a_j^L)^2", "a_j^2", NETWORK),
    (OUTPUT, "(y_j - a_j^L)*f'(z_j^L)", NETWORK),
    (OUTPUT, "2*(a_j^L - y_j)*f'(z_j^L)", NETWORK),
    (OUTPUT, "(a_j^L - y_j)*f'(a_j^L)", NETWORK),
    # matrices: a missing transpose is wrong (same shape, different values)
    (MATRIX_HIDDEN, "(W^(l+1)*delta^(l+1)) .* f'(z^l)", MATRICES),
    ("M*u", "M^T*u", MATRICES),
]


@pytest.mark.parametrize("reference, answer, table", REJECTED, ids=[f"{a} != {r}" for r, a, _ in REJECTED])
def test_different_answers_are_incorrect(reference, answer, table):
    v = verdict(reference, answer, table)
    assert v.status == INCORRECT
    assert v.score == 0.0 and v.max_score == 1.0
    assert v.feedback, "a wrong answer always gets a sentence"


def test_verdict_shows_the_interpretation():
    v = verdict("a_k^(l-1)*delta_j^l", "a_k^(l-1)**delta_j^l", NETWORK)
    assert v.interpreted == "(a_k^(l−1))^(δ_j^(l))"
    assert v.interpreted_ascii == "(a_k^(l-1))^(delta_j^(l))"
    assert v.interpreted_latex == r"\left(a_{k}^{(l-1)}\right)^{\delta_{j}^{(l)}}"


def test_points_and_score():
    prob, p = expression("x*y", PLAIN, points=2.5)
    right, wrong = check(prob, p, "y*x"), check(prob, p, "x+y")
    assert (right.score, right.max_score) == (2.5, 2.5)
    assert (wrong.score, wrong.max_score) == (0.0, 2.5)


# --- shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reference, answer, message", [
    ("u", "c", "Your answer is a number, but a column vector is expected."),
    ("c", "u", "Your answer is a column vector, but a number is expected."),
    ("u^T*v", "u*v^T", "Your answer is a matrix, but a number is expected."),
    (MATRIX_HIDDEN, "delta^(l+1)^T*W^(l+1)", "Your answer is a row vector, but a column vector is expected."),
    ("u", "u + M", "You cannot add a matrix to a column vector."),
    (MATRIX_HIDDEN, "delta^(l+1)*W^(l+1)",
     "You cannot multiply a column vector by a matrix: their sizes do not match (is a transpose missing or "
     "misplaced?)."),
    (MATRIX_HIDDEN, "(W^(l+1))^T*delta^(l+1) * f'(z^l)",
     "You cannot multiply a column vector by a column vector: their sizes do not match (is a transpose missing "
     "or misplaced?)."),
    ("u", "u^2", "Only numbers can be raised to a power; for an element-wise square of a vector write v .* v."),
])
def test_shape_mismatch_is_incorrect_with_a_clear_message(reference, answer, message):
    v = verdict(reference, answer, MATRICES)
    assert v.status == INCORRECT
    assert v.rule == "shape"
    assert v.feedback == (message,)


# --- invalid answers ------------------------------------------------------------------------

@pytest.mark.parametrize("answer, message", [
    ("(x+1", "This '(' is never closed."),
    ("x+", "The answer ends too early: something is missing at the end."),
    ("", "The answer is empty."),
    ("abc", "Unknown name 'abc': did you mean abs?"),
    (None, "The answer must be text."),
    (b"x+\xff", "The answer is not valid UTF-8 text (byte 3)."),
])
def test_unreadable_answers_are_invalid(answer, message):
    prob, p = expression("x*y", PLAIN)
    v = check(prob, p, answer)
    assert v.status == INVALID
    assert v.score == 0.0
    assert v.feedback == (message,)
    assert v.rule == "syntax"


def test_syntax_error_verdict_carries_the_column():
    prob, p = expression("x*y", PLAIN)
    assert check(prob, p, "x+1)").column == 4
    assert check(prob, p, "(x+1").column == 1


@pytest.mark.parametrize("answer", ["9^9^9^9", "z^(10^100000)", "10**10**10", "x" * 1_000_000,
                                    "(" * 1000 + "x" + ")" * 1000, "1" * 100])
def test_too_complex_answers_are_invalid_quickly(answer):
    prob, p = expression("e^(-z)/(1+e^(-z))^2", PLAIN)
    start = time.perf_counter()
    v = check(prob, p, answer)
    assert time.perf_counter() - start < 5.0      # a hang guard, not a speed claim
    assert v.status == INVALID
    assert v.rule == "too-complex"
    assert "too complex" in v.feedback[0]


def test_too_long_answer_says_too_complex_in_plain_words():
    prob, p = expression("x", PLAIN)
    v = check(prob, p, "x" * 5000)
    assert v.feedback == ("This answer is too complex to check. The answer is too long (5000 characters; the limit "
                          "is 2000).",)


def test_overflowing_values_are_never_correct():
    assert status("x", "x + e^(1000*x^2) - e^(1000*x^2)", PLAIN) != CORRECT


def test_deadline_stops_a_stuck_check(monkeypatch):
    def stuck(*args):
        time.sleep(30)
    monkeypatch.setattr(equivalence, "check", stuck)
    prob, p = expression("x", PLAIN)
    start = time.perf_counter()
    v = equivalence.check_within(prob, p, "x", seconds=0.5)
    assert time.perf_counter() - start < 5
    assert v.status == INVALID
    assert v.rule == "too-complex"
    assert v.feedback == ("This answer is too complex to check. It took longer than 0.5 seconds.",)


def test_deadline_passes_normal_answers_through():
    prob, p = expression("x*y", PLAIN)
    assert equivalence.check_within(prob, p, "y*x", seconds=30) == check(prob, p, "y*x")


# --- numeric parts --------------------------------------------------------------------------

def two_layer_truth():
    """The two-layer example computed by hand, independently of the grader."""
    given = dict(TWO_LAYER_GIVEN)
    x, t, w1, w2, b = (given[k] for k in ("x", "t", "w1", "w2", "b"))
    h = max(w1 * x, 0.0)
    zo = w2 * h + b
    yhat = 1 / (1 + math.exp(-zo))
    dzo = (yhat - t) * yhat * (1 - yhat)
    return {"loss": 0.5 * (yhat - t) ** 2, "dC/db": dzo, "dC/dw2": dzo * h,
            "dC/dw1": dzo * w2 * (1.0 if w1 * x > 0 else 0.0) * x}


@pytest.mark.parametrize("key", sorted(TWO_LAYER_REFERENCES))
def test_numeric_reference_is_computed_from_the_given_values(key):
    prob, p = numeric(TWO_LAYER_REFERENCES[key], Tolerance(absolute=0.001))
    ctx = context(prob, p, ())
    assert float(ctx.ref_values[0]) == pytest.approx(two_layer_truth()[key], rel=1e-12)


@pytest.mark.parametrize("key, published", [("loss", "0.288"), ("dC/dw1", "2.080"), ("dC/dw2", "-0.004"),
                                             ("dC/db", "-0.1387")])
def test_course_published_values_pass_with_absolute_tolerance(key, published):
    prob, p = numeric(TWO_LAYER_REFERENCES[key], Tolerance(absolute=0.001))
    v = check(prob, p, published)
    assert v.status == CORRECT
    assert v.score == 1.0


@pytest.mark.parametrize("tolerance, answer, expected", [
    (Tolerance(absolute=0.001), "2.0809", CORRECT),
    (Tolerance(absolute=0.001), "2.081", CORRECT),
    (Tolerance(absolute=0.001), "2.082", INCORRECT),
    (Tolerance(absolute=0.001), "2.079", INCORRECT),
    (Tolerance(relative=0.01), "2.1", CORRECT),
    (Tolerance(relative=0.01), "2.06", INCORRECT),
    (Tolerance(relative=0.01), "2.05", INCORRECT),
    (Tolerance(decimals=3), "2.081", CORRECT),
    (Tolerance(decimals=3), "2.080", INCORRECT),    # truncated: 2.08092 rounds to 2.081 (absolute 0.001 takes it)
    (Tolerance(decimals=3), "2.0805", CORRECT),     # rounds to 2.081 too
    (Tolerance(decimals=3), "2.082", INCORRECT),
    (Tolerance(decimals=2), "2.08", CORRECT),
    (Tolerance(decimals=2), "2.1", INCORRECT),
    (Tolerance(sigfigs=3), "2.08", CORRECT),
    (Tolerance(sigfigs=3), "2.09", INCORRECT),
    (Tolerance(sigfigs=4), "2.081", CORRECT),
    (Tolerance(sigfigs=4), "2.080", INCORRECT),     # 2.0809 to four figures is 2.081
    (Tolerance(sigfigs=1), "2", CORRECT),
])
def test_tolerance_modes(tolerance, answer, expected):
    prob, p = numeric(TWO_LAYER_REFERENCES["dC/dw1"], tolerance)
    assert check(prob, p, answer).status == expected


def test_sigfigs_scale_with_the_size_of_the_value():
    prob, p = numeric(TWO_LAYER_REFERENCES["dC/dw2"], Tolerance(sigfigs=2))   # -0.0041618...
    assert check(prob, p, "-0.0042").status == CORRECT
    assert check(prob, p, "-0.004").status == INCORRECT
    assert check(prob, p, "-4.2e-3").status == CORRECT


def test_numeric_answer_may_be_arithmetic():
    prob, p = numeric(TWO_LAYER_REFERENCES["loss"], Tolerance(absolute=0.001))
    assert check(prob, p, "1/2*(sigma(-5*relu(0.03)-1)-1)^2").status == CORRECT
    assert check(prob, p, "1/2*(sigma(-5*0.03-1)-1)^2").status == CORRECT
    prob, p = numeric("w2*w1*x+b", Tolerance(absolute=0.001))
    assert check(prob, p, "-5*0.03-1").status == CORRECT


def test_numeric_exact_fractions():
    prob, p = numeric("1/3", Tolerance())
    assert check(prob, p, "1/3").status == CORRECT
    assert check(prob, p, "0.3333333").status == CORRECT
    assert check(prob, p, "0.33").status == INCORRECT


def test_numeric_answer_that_is_not_finite():
    prob, p = numeric(TWO_LAYER_REFERENCES["loss"], Tolerance(absolute=0.001))
    v = check(prob, p, "1/0")
    assert v.status == INCORRECT
    assert v.feedback == ("Your answer does not evaluate to a finite number.",)


def test_numeric_values_override_the_given_ones():
    prob, p = numeric("w1*x", Tolerance(absolute=0.001))
    assert check(prob, p, "0.03").status == CORRECT
    assert check(prob, p, "0.04", values={"x": 4.0}).status == CORRECT
    assert check(prob, p, "0.03", values={"x": 4.0}).status == INCORRECT


def test_numeric_part_wants_a_number_not_a_vector():
    """A part that takes formulas (by default a name is refused: tests/test_numeric_takes_numbers.py)."""
    table = SymbolTable((Symbol("u", "vector"), Symbol("x")))
    prob, p = numeric("x", Tolerance(absolute=0.1), table=table, given=(("x", 1.0),), formula=True)
    v = check(prob, p, "u")
    assert v.status == INCORRECT
    assert v.feedback == ("This part asks for a single number.",)


# --- choices --------------------------------------------------------------------------------

OPTIONS = ("The sigmoid saturates", "ReLU is linear for z > 0", "tanh is zero-centred", "Softmax outputs sum to one")


@pytest.mark.parametrize("answer", ["B", "b", "2", "(b)", "B.", " B ", "relu is linear for z > 0",
                                    "  ReLU is linear for z > 0. "])
def test_single_choice_by_letter_number_or_text(answer):
    prob, p = choice("B", OPTIONS)
    v = check(prob, p, answer)
    assert v.status == CORRECT
    assert v.interpreted == "B"


def test_single_choice_wrong_and_unreadable():
    prob, p = choice("B", OPTIONS)
    wrong = check(prob, p, "A")
    assert (wrong.status, wrong.feedback, wrong.rule) == (INCORRECT, ("That is not the right option.",), "choice-wrong")
    for answer in ["E", "5", "0", "", "two", None]:
        v = check(prob, p, answer)
        assert v.status == INVALID
        assert v.feedback == ("Answer with the letter of an option (A to D), its number, or its exact text.",)
    several = check(prob, p, "B, C")
    assert (several.status, several.feedback) == (INVALID, ("Choose exactly one option.",))


@pytest.mark.parametrize("answer", ["A, C", "c,a", "C A", "A and C", "1, 3", "a;c", "A,C,A",
                                    "The sigmoid saturates, tanh is zero-centred"])
def test_multi_choice_case_and_order_insensitive(answer):
    prob, p = choice("A, C", OPTIONS, multi=True)
    v = check(prob, p, answer)
    assert v.status == CORRECT
    assert v.interpreted == "A, C"


@pytest.mark.parametrize("answer, feedback", [
    ("A", "1 right option is missing."),
    ("A, B", "1 of your choices is not right; 1 right option is missing."),
    ("A, B, C", "1 of your choices is not right."),
    ("B, D", "2 of your choices are not right; 2 right options are missing."),
])
def test_multi_choice_wrong_selection_feedback(answer, feedback):
    prob, p = choice("A, C", OPTIONS, multi=True)
    v = check(prob, p, answer)
    assert v.status == INCORRECT
    assert v.score == 0.0
    assert v.feedback == (feedback,)


@pytest.mark.parametrize("answer, score, rule", [
    ("A, C", 2.0, None),
    ("A", 1.0, "choice-partial"),
    ("C", 1.0, "choice-partial"),
    ("A, B, C", 1.0, "choice-partial"),
    ("A, B", 0.0, "choice-wrong"),
    ("B, D", 0.0, "choice-wrong"),
])
def test_multi_choice_partial_credit(answer, score, rule):
    prob, p = choice("A, C", OPTIONS, multi=True, partial_credit=True, points=2.0)
    v = check(prob, p, answer)
    assert v.score == score
    assert v.max_score == 2.0
    assert v.rule == rule


def test_choice_mistake_rule_gives_its_message_and_partial_score():
    rule = Mistake("B", "ReLU is not the saturating one.", "relu-confusion", 0.25)
    prob, p = choice("A", OPTIONS, mistakes=(rule,), points=2.0)
    v = check(prob, p, "2")
    assert (v.status, v.score, v.feedback, v.rule) == (INCORRECT, 0.5, ("ReLU is not the saturating one.",),
                                                        "relu-confusion")


# --- determinism ----------------------------------------------------------------------------

DETERMINISM_CASES = [
    ("scalars", "e^(-z)/(1+e^(-z))^2", "e^(-z)/(1+e^(-z))"),
    ("scalars", "e^(-z)/(1+e^(-z))^2", "e^z/(1+e^z)^2"),
    ("plain", "x*y", "x+y"),
    ("network", HIDDEN, "sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)"),
    ("network", HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_k^l)"),
    ("network", OUTPUT, "(a_j^L - y_j)*f(z_j^L)"),
]
TABLES = {"scalars": SCALARS, "plain": PLAIN, "network": NETWORK}


def _verdicts() -> list:
    out = []
    for table, reference, answer in DETERMINISM_CASES:
        prob, p = expression(reference, TABLES[table])
        v = check(prob, p, answer)
        out.append([v.status, v.score, list(v.feedback), v.rule, v.interpreted])
    return out


def test_same_verdict_twice():
    first = _verdicts()
    clear_caches()        # the second run computes every world and verdict afresh
    assert _verdicts() == first
    prob, p = expression("x*y", PLAIN)
    long_answer = "x*y" + " " * 600 + "+ x"
    v = check(prob, p, long_answer)
    clear_caches()
    assert check(prob, p, long_answer) == v


def test_same_verdict_in_a_fresh_process():
    script = (
        "import json, sys; sys.path.insert(0, 'tests'); "
        "import test_equivalence as t; print(json.dumps(t._verdicts()))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(json.dumps(_verdicts()))


def test_caches_are_bounded():
    assert equivalence.cache_info().maxsize is not None
    assert equivalence.context.cache_info().maxsize is not None


# --- compare() ------------------------------------------------------------------------------

@pytest.mark.parametrize("student, reference", [
    ("x*y", "y*x"),
    ("e^z/(1+e^z)^2", "e^(-z)/(1+e^(-z))^2"),
    ("1/cosh(z)^2", "1-tanh(z)^2"),
    ("0", "sin(pi)*x"),
    ("w_1*x", "x*w_1"),
    ("0.5*(a-y)^2", "1/2*(a-y)^2"),
])
def test_compare_equivalent(student, reference):
    out = compare(student, reference)
    assert out.status == "equivalent"
    assert out.message == "The two expressions are equivalent."


def test_compare_shows_both_readings():
    out = compare("x*y", "y*x")
    assert (out.student, out.reference) == ("x·y", "y·x")


@pytest.mark.parametrize("student, reference", [
    ("x+y", "x*y"), ("0.33*x", "x/3"), ("1.00001*x^2", "x^2"), ("x + 0.000001", "x"),
    ("f(x)*(1-f(x))", "f'(x)"), ("sqrt(x^2)", "x"),
])
def test_compare_different(student, reference):
    out = compare(student, reference, functions_declared=("f",))
    assert out.status == "different"
    assert out.message


def test_compare_different_gives_a_point():
    out = compare("x+y+1", "x*y")     # x+y alone is named: a sum where a product is expected
    assert out.message.startswith("At x = ")
    assert "your answer is" in out.message and "the expected value is" in out.message


def test_compare_invalid_student_and_reference():
    out = compare("x+", "x")
    assert (out.status, out.message) == ("invalid", "The answer ends too early: something is missing at the end.")
    out = compare("x", "x+")
    assert out.status == "invalid"
    assert out.message == "The reference cannot be read: The answer ends too early: something is missing at the end."
    out = compare("9^9^9^9", "x")
    assert out.status == "invalid"
    assert "too complex" in out.message


def test_compare_with_positive_symbols():
    # sqrt(x^2) is x only for positive x: declaring x positive must make them equal
    assert compare("sqrt(x^2)", "x").status == "different"
    assert compare("sqrt(x^2)", "x", positive=("x",)).status == "equivalent"
    assert compare("x^(1/2)*x^(1/2)", "x", positive=("x",)).status == "equivalent"


def test_compare_with_a_table():
    out = compare("sum_m w_(mj)^(l+1) delta_m^(l+1) f'(z_j^l)", HIDDEN, NETWORK)
    assert out.status == "equivalent"
    out = compare("sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)", HIDDEN, NETWORK)
    assert out.status == "different"


def test_check_always_returns_a_known_status():
    prob, p = expression("x*y", PLAIN)
    for answer in ["x*y", "x+y", "x+", "", None, 3, b"\xff", "x" * 3000, "f(x)", "1/0", "log(-x^2-1)"]:
        v = check(prob, p, answer)
        assert v.status in STATUSES
        assert v.max_score == 1.0


@pytest.mark.parametrize("reference, answer", [
    ("a_j^l", "a_(j+4)^l"),          # unit 4 further on is another unit (or none), never the same one
    ("a_j^l", "a_j^(l+7)"),          # seven layers up is not the same layer
])
def test_shifted_indices_are_not_the_same_quantity(reference, answer):
    assert status(reference, answer, NETWORK) == INCORRECT


# --- STACK's AlgEquiv answer-test fixtures (maths/moodle-qtype_stack, answer_test_testsuite.php):
# every row our answer syntax can express, with STACK's expected mark ---------------------------

STACK_ALGEQUIV = [
    ("4^(-1/2)", "1/2", 1), ("4^(1/2)", "sqrt(4)", 1), ("0.5", "1/2", 1), ("0.33", "1/3", 0),
    ("0.333333333333333", "1/3", 1), ("x^(1/2)", "sqrt(x)", 1), ("x", "sqrt(x^2)", 0),
    ("1/sqrt(x)", "sqrt(1/x)", 1), ("abs(x)", "sqrt(x^2)", 1), ("x-1", "(x^2-1)/(x+1)", 1),
    ("a^b*a^c", "a^(b+c)", 1), ("(x-1)^2", "x^2-2*x+1", 1), ("(x-1)*(x^2+x+1)", "x^3-1", 1),
    ("(x-1)^(-2)", "1/(x^2-2*x+1)", 1), ("1/n-1/(n+1)", "1/(n*(n+1))", 1), ("cos(x)", "cos(-x)", 1),
    ("cos(x)^2+sin(x)^2", "1", 1), ("2*cos(x)^2-1", "cos(2*x)", 1),
    ("2*cos(2*x)+x+1", "-sin(x)^2+3*cos(x)^2+x", 1), ("log(a^2*b)", "2*log(a)+log(b)", 1),
    ("e^1-e^(-1)", "2*sinh(1)", 1), ("v+w+x+y+z", "a+b+c+A+B", 0), ("X", "x", 0), ("sqrt(12)", "2*sqrt(3)", 1),
    ("sqrt(11+6*sqrt(2))", "3+sqrt(2)", 1), ("(19601-13860*sqrt(2))^(7/4)", "(5*sqrt(2)-7)^7", 1),
    ("(19601-13861*sqrt(2))^(7/4)", "(5*sqrt(2)-7)^7", 0), ("1/0", "1", 0), ("1", "1/0", 0),
]


@pytest.mark.parametrize("student, teacher, mark", STACK_ALGEQUIV, ids=[f"{s} ~ {t}" for s, t, _ in STACK_ALGEQUIV])
def test_stack_algequiv_fixtures(student, teacher, mark):
    assert (compare(student, teacher).status == "equivalent") == bool(mark)
