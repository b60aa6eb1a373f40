"""grader.checking.feedback: what a wrong answer is told, pinned message by message.

Every automatic diagnosis is a claim about the answer; these tests pin the sentence and the
tag (`Verdict.rule`) for each, the instructor rules, restrictions, the solution reveal, and
that no feedback ever shows Python internals or gives away the reference.
"""
from __future__ import annotations

import math
import re

import pytest

from conftest import (MATRICES, NETWORK, PLAIN, SCALARS, TWO_LAYER_REFERENCES, choice, expression, numeric)
from grader.checking.checker import check, context
from grader.model import CORRECT, INCORRECT, INVALID, Mistake, Tolerance

HIDDEN = "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)"
OUTPUT = "(a_j^L - y_j)*f'(z_j^L)"
SIGMOID_PRIME = "e^(-z)/(1+e^(-z))^2"
MATRIX_HIDDEN = "((W^(l+1))^T*delta^(l+1)) .* f'(z^l)"


def verdict(reference, answer, table=SCALARS, **part):
    prob, p = expression(reference, table, **part)
    return check(prob, p, answer)


# --- automatic diagnoses --------------------------------------------------------------------

DIAGNOSES = [
    # sign and constant factors
    (OUTPUT, "(y_j - a_j^L)*f'(z_j^L)", NETWORK, "sign", "Your answer has the wrong sign."),
    ("x", "-x", PLAIN, "sign", "Your answer has the wrong sign."),
    (OUTPUT, "2*(a_j^L - y_j)*f'(z_j^L)", NETWORK, "factor",
     "Your answer is 2 times the expected answer: check for a missing or extra constant factor."),
    ("x^2", "1/2*x^2", PLAIN, "factor",
     "Your answer is 1/2 times the expected answer: check for a missing or extra constant factor."),
    ("1/2*x^2", "x^2", PLAIN, "factor",
     "Your answer is 2 times the expected answer: check for a missing or extra constant factor."),
    ("x", "0.5*x", PLAIN, "factor",
     "Your answer is 1/2 times the expected answer: check for a missing or extra constant factor."),
    ("x", "1.5*x", PLAIN, "factor",
     "Your answer is 3/2 times the expected answer: check for a missing or extra constant factor."),
    # f where f' was due, and the reverse
    (OUTPUT, "(a_j^L - y_j)*f(z_j^L)", NETWORK, "function-not-derivative",
     "You wrote f(...) where the derivative f′(...) is needed."),
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f(z_j^l)", NETWORK, "function-not-derivative",
     "You wrote f(...) where the derivative f′(...) is needed."),
    ("f'(z)", "f(z)", SCALARS, "function-not-derivative", "You wrote f(...) where the derivative f′(...) is needed."),
    ("g_L'(z)", "g_L(z)", SCALARS, "function-not-derivative",
     "You wrote g_L(...) where the derivative g_L′(...) is needed."),
    ("sigma'(z)", "sigma(z)", SCALARS, "function-not-derivative",
     "You wrote σ(...) where the derivative σ′(...) is needed."),
    (SIGMOID_PRIME, "sigma(z)", SCALARS, "function-not-derivative",
     "You wrote σ(...) where the derivative σ′(...) is needed."),
    ("sigma(z)", "sigma'(z)", SCALARS, "derivative-not-function", "You wrote σ′(...) where σ(...) is needed."),
    ("f'(z)", "f''(z)", SCALARS, "derivative-not-function", "You wrote f′′(...) where f′(...) is needed."),
    # indices
    (HIDDEN, "sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK, "swapped-indices",
     "The subscripts of w_jk^(l+1) are in the wrong order: check which unit each index counts."),
    ("w_(jk)^l", "w_(kj)^l", NETWORK, "swapped-indices",
     "The subscripts of w_kj^(l) are in the wrong order: check which unit each index counts."),
    (HIDDEN, "sum_k w_(kj)^l*delta_k^(l+1)*f'(z_j^l)", NETWORK, "layer-off-by-one",
     "The layer of w_kj^(l) is off by one."),
    (HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^l*f'(z_j^l)", NETWORK, "layer-off-by-one",
     "The layer of δ_k^(l) is off by one."),
    ("delta_j^l", "delta_j^(l+1)", NETWORK, "layer-off-by-one", "The layer of δ_j^(l+1) is off by one."),
    ("w_(jk)^l", "w_(jk)^(l-1)", NETWORK, "layer-off-by-one", "The layer of w_jk^(l−1) is off by one."),
    (HIDDEN, "w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK, "missing-sum",
     "A sum over k is missing: k is left free in your answer."),
    ("sum_k a_k^l", "a_k^l", NETWORK, "missing-sum", "A sum over k is missing: k is left free in your answer."),
    ("delta_j^l", "delta_k^l", NETWORK, "free-index",
     "The index k is left free in your answer; the quantity asked for does not depend on k (is a sum over k "
     "missing, or is k the wrong letter?)."),
    (HIDDEN, "sum_j w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK, "free-index",
     "The index k is left free in your answer; the quantity asked for does not depend on k (is a sum over k "
     "missing, or is k the wrong letter?)."),
    ("delta_j^l", "delta_j^L", NETWORK, "free-index",
     "Your answer uses the layer index L, which the quantity asked for does not depend on: check the layer of "
     "each quantity."),
    # transposes
    (MATRIX_HIDDEN, "(W^(l+1)*delta^(l+1)) .* f'(z^l)", MATRICES, "transpose",
     "A transpose is missing or misplaced on W^(l+1)."),
    ("M*u", "M^T*u", MATRICES, "transpose", "A transpose is missing or misplaced on M."),
    ("u*v^T", "v*u^T", MATRICES, "transpose", "Your answer is the transpose of the expected one."),
    # repairs of typing slips
    ("a_k^(l-1)*delta_j^l", "a_k^(l-1)**delta_j^l", NETWORK, "star-star",
     "Your answer would be right with * instead of **: ** means a power, not a product."),
    ("x*y", "x**y", PLAIN, "star-star",
     "Your answer would be right with * instead of **: ** means a power, not a product."),
    ("1/(1+e^(-z))", "1/1+e^(-z)", PLAIN, "brackets-division",
     "Check your brackets: a/b+c means (a/b)+c. Your answer would be right with brackets around the whole "
     "denominator."),
    ("1/(1+e^(-z))", "1/1+e^-z", PLAIN, "brackets-division",
     "Check your brackets: a/b+c means (a/b)+c. Your answer would be right with brackets around the whole "
     "denominator."),
    ("e^(-z+1)", "e^-z+1", PLAIN, "brackets-exponent",
     "Check your brackets: e^-z+1 means e^(-z)+1. Your answer would be right with brackets around the whole "
     "exponent."),
]


@pytest.mark.parametrize("reference, answer, table, rule, message", DIAGNOSES,
                         ids=[f"{d[3]}: {d[1]}" for d in DIAGNOSES])
def test_automatic_diagnosis(reference, answer, table, rule, message):
    v = verdict(reference, answer, table)
    assert v.status == INCORRECT
    assert v.score == 0.0
    assert v.rule == rule
    assert v.feedback == (message,)


def test_a_right_answer_gets_no_diagnosis():
    v = verdict(SIGMOID_PRIME, "e^z/(1+e^z)^2", PLAIN)
    assert (v.status, v.feedback, v.rule) == (CORRECT, (), None)


def test_repair_is_only_reported_when_it_makes_the_answer_right():
    # ** here is wrong for another reason too: no star-star claim
    v = verdict("x*y", "x**y + 1", PLAIN)
    assert v.status == INCORRECT
    assert v.rule != "star-star"
    assert not any("instead of **" in f for f in v.feedback)


# --- names the answer should or should not use ----------------------------------------------

def test_unexpected_name():
    v = verdict("x^2", "x*y", PLAIN)
    assert v.rule == "unexpected-name"
    assert v.feedback[0] == "Your answer uses y, which the expected answer does not need."
    assert v.feedback[1].startswith("At x = ")


def test_missing_name():
    v = verdict("x*y", "x^3", PLAIN)        # plain "x" is named as the slip it is: a factor left out
    assert v.rule == "missing-name"
    assert v.feedback[0] == "Your answer does not use y, which the expected answer needs."


def test_names_are_shown_in_the_problem_notation():
    v = verdict("eta*delta_j^l", "eta*delta_j^l*a_j^l", NETWORK)
    assert v.feedback[0] == "Your answer uses a, which the expected answer does not need."
    v = verdict("x", "x*eta", SCALARS)
    assert v.feedback[0] == "Your answer uses η, which the expected answer does not need."


# --- a concrete point -----------------------------------------------------------------------

POINT = re.compile(r"^At (?P<at>.+), your answer is (?P<mine>\S+) but the expected value is (?P<theirs>\S+)\.$")


def _values(at: str) -> dict:
    out = {}
    for item in at.split(", "):
        name, _, value = item.partition(" = ")
        out[name] = float(value)
    return out


@pytest.mark.parametrize("reference, answer, ref_fn, ans_fn", [
    (SIGMOID_PRIME, "e^(-z)/(2+e^(-z))", lambda v: math.exp(-v["z"]) / (1 + math.exp(-v["z"])) ** 2,
     lambda v: math.exp(-v["z"]) / (2 + math.exp(-v["z"]))),
    (SIGMOID_PRIME, "e^-z/(1+e^-z)^5", lambda v: math.exp(-v["z"]) / (1 + math.exp(-v["z"])) ** 2,
     lambda v: math.exp(-v["z"]) / (1 + math.exp(-v["z"])) ** 5),
    ("x*y", "x+2*y", lambda v: v["x"] * v["y"], lambda v: v["x"] + 2 * v["y"]),
    ("x", "x^3", lambda v: v["x"], lambda v: v["x"] ** 3),
    ("x", "x/13", lambda v: v["x"], lambda v: v["x"] / 13),
])
def test_a_point_where_the_values_differ(reference, answer, ref_fn, ans_fn):
    v = verdict(reference, answer, PLAIN)
    assert v.status == INCORRECT and v.rule is None
    assert len(v.feedback) == 1
    m = POINT.match(v.feedback[0])
    assert m, v.feedback[0]
    values = _values(m["at"])
    mine, theirs = float(m["mine"]), float(m["theirs"])
    # the numbers are the real values at the point shown, to the digits shown
    assert mine == pytest.approx(ans_fn(values), rel=2e-3, abs=1e-3)
    assert theirs == pytest.approx(ref_fn(values), rel=2e-3, abs=1e-3)
    assert m["mine"] != m["theirs"]


def test_point_message_format_is_pinned():
    v = verdict("x*y", "x+2*y", PLAIN)     # no single slip of x*y (x+y is named: a sum for a product)
    assert re.fullmatch(r"At x = -?\d\.\d+, y = -?\d\.\d+, your answer is -?\d\.\d+ but the expected value is "
                        r"-?\d\.\d+\.", v.feedback[0]), v.feedback[0]


def test_a_point_is_given_even_when_the_problem_declares_functions():
    # SCALARS declares the unknown function f; neither expression uses it
    v = verdict("x*y", "x+2*y", SCALARS)
    assert POINT.match(v.feedback[0]), v.feedback[0]


def test_undefined_answer_at_a_point():
    v = verdict("x", "log(x)", PLAIN)
    assert v.rule == "undefined"
    m = re.fullmatch(r"Your answer is undefined at x = (-\d\.\d+), where the expected answer is defined\.",
                     v.feedback[0])
    assert m, v.feedback[0]
    assert float(m[1]) <= 0


def test_undefined_answer_names_the_point():
    # SCALARS declares a function, but neither answer uses it: the point can be shown
    v = verdict(SIGMOID_PRIME, "log(z)", SCALARS)
    assert v.rule == "undefined"
    assert v.feedback == ("Your answer is undefined at z = -0.6225, where the expected answer is defined.",)


def test_indexed_answer_difference_is_described_without_numbers_of_arrays():
    v = verdict(HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_k^l)^2", NETWORK)
    assert v.rule is None
    assert v.feedback == ("Your answer gives different values from the expected answer when tested with random "
                          "values.",)


# --- numeric parts --------------------------------------------------------------------------

@pytest.mark.parametrize("tolerance, answer, rule, message", [
    (Tolerance(absolute=0.001), "0.29", "rounding",
     "Close, but not accurate enough: this part needs an error below 0.001. Check your rounding."),
    (Tolerance(decimals=3), "0.29", "rounding",
     "Close, but not accurate enough: this part needs 3 decimal places. Check your rounding."),
    (Tolerance(decimals=1), "0.5", "rounding",
     "Close, but not accurate enough: this part needs 1 decimal place. Check your rounding."),
    (Tolerance(sigfigs=3), "0.29", "rounding",
     "Close, but not accurate enough: this part needs 3 significant figures. Check your rounding."),
    (Tolerance(relative=0.001), "0.289", "rounding",
     "Close, but not accurate enough: this part needs a relative error below 0.1%. Check your rounding."),
    (Tolerance(absolute=0.001), "-0.288", "sign", "The size of your answer is right but its sign is wrong."),
    (Tolerance(absolute=0.001), "0.5", None, "0.5 is 73% away from the value; this part needs an error below 0.001."),
    (Tolerance(decimals=3), "0.35", None, "0.35 is 21% away from the value; this part needs 3 decimal places."),
    (Tolerance(absolute=0.001), "28.8", None,
     "That is not the right value: 28.8 is off by more than the value itself."),
])
def test_numeric_feedback(tolerance, answer, rule, message):
    prob, p = numeric(TWO_LAYER_REFERENCES["loss"], tolerance)
    v = check(prob, p, answer)
    assert v.status == INCORRECT
    assert (v.rule, v.feedback) == (rule, (message,))


def test_numeric_wrong_sign_of_a_small_gradient():
    prob, p = numeric(TWO_LAYER_REFERENCES["dC/dw2"], Tolerance(absolute=0.001))
    v = check(prob, p, "0.004")
    assert (v.rule, v.feedback) == ("sign", ("The size of your answer is right but its sign is wrong.",))


def test_numeric_mistake_rule():
    rule = Mistake("1/2*(sigma(w2*relu(w1*x)+b)-t)", "You dropped the square.", "no-square", 0.0)
    prob, p = numeric(TWO_LAYER_REFERENCES["loss"], Tolerance(absolute=0.001), mistakes=(rule,))
    v = check(prob, p, "-0.38")
    assert (v.status, v.rule, v.feedback) == (INCORRECT, "no-square", ("You dropped the square.",))


# --- instructor rules -----------------------------------------------------------------------

ONE_MINUS = Mistake("1 - 1/(1+e^(-z))", "That is 1 − σ(z), not the derivative σ′(z).", "one-minus-sigma", 0.5)
SIGN_RULE = Mistake("-e^(-z)/(1+e^(-z))^2", "Check the sign of the derivative of 1/(1+e^(-z)).", "sign-of-chain")


def test_rule_fires_for_an_equivalent_answer_not_just_the_same_string():
    prob, p = expression(SIGMOID_PRIME, PLAIN, mistakes=(ONE_MINUS,), points=2.0)
    for answer in ["1 - 1/(1+e^(-z))", "e^(-z)/(1+e^(-z))", "1/(1+e^z)"]:
        v = check(prob, p, answer)
        assert v.status == INCORRECT
        assert v.rule == "one-minus-sigma"
        assert v.feedback == ("That is 1 − σ(z), not the derivative σ′(z).",)
        assert v.score == 1.0 and v.max_score == 2.0


def test_rule_comes_before_automatic_diagnoses():
    prob, p = expression(SIGMOID_PRIME, PLAIN, mistakes=(SIGN_RULE,))
    v = check(prob, p, "-e^z/(1+e^z)^2")
    assert (v.rule, v.feedback, v.score) == ("sign-of-chain", ("Check the sign of the derivative of 1/(1+e^(-z)).",),
                                             0.0)


def test_rules_do_not_fire_for_other_answers():
    prob, p = expression(SIGMOID_PRIME, PLAIN, mistakes=(ONE_MINUS, SIGN_RULE))
    v = check(prob, p, "e^(-z)/(1+e^(-z))^3")
    assert v.rule not in ("one-minus-sigma", "sign-of-chain")
    assert check(prob, p, SIGMOID_PRIME).status == CORRECT


def test_rule_over_indexed_quantities():
    rule = Mistake("sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)", "Receiving unit first: w_(kj).", "swapped-w")
    prob, p = expression(HIDDEN, NETWORK, mistakes=(rule,))
    v = check(prob, p, "f'(z_j^l) sum_m delta_m^(l+1) w_(jm)^(l+1)")
    assert (v.rule, v.feedback) == ("swapped-w", ("Receiving unit first: w_(kj).",))


# --- forbidden and required names -----------------------------------------------------------

IN_E_AND_Z = "Write it in terms of e and z."


@pytest.mark.parametrize("answer", ["sigma(z)*(1-sigma(z))", "σ(z)*(1-σ(z))", "sigmoid(z)*(1-sigmoid(z))",
                                    "sigma'(z)"])
def test_forbidden_function_makes_the_answer_invalid_with_the_reason(answer):
    prob, p = expression(SIGMOID_PRIME, SCALARS, forbidden=("sigma",), restriction=IN_E_AND_Z)
    v = check(prob, p, answer)
    assert v.status == INVALID
    assert v.score == 0.0
    assert v.feedback == (IN_E_AND_Z,)
    assert v.rule == "restriction"
    assert v.interpreted is not None          # the student still sees how it was read


def test_allowed_forms_pass_the_restriction():
    prob, p = expression(SIGMOID_PRIME, SCALARS, forbidden=("sigma",), required=("e", "z"), restriction=IN_E_AND_Z)
    assert check(prob, p, "e^z/(1+e^z)^2").status == CORRECT
    assert check(prob, p, "exp(-z)/(1+exp(-z))^2").status == CORRECT


def test_required_name_missing():
    prob, p = expression(SIGMOID_PRIME, SCALARS, required=("e",), restriction=IN_E_AND_Z)
    v = check(prob, p, "sigma'(z)")
    assert (v.status, v.feedback, v.rule) == (INVALID, (IN_E_AND_Z,), "restriction")


def test_default_restriction_sentences():
    prob, p = expression(SIGMOID_PRIME, SCALARS, forbidden=("sigma",))
    assert check(prob, p, "sigma'(z)").feedback == ("This part asks for an answer without sigma.",)
    prob, p = expression(SIGMOID_PRIME, SCALARS, required=("e",))
    assert check(prob, p, "sigma'(z)").feedback == ("This part asks for an answer written with e.",)


# --- revealing the solution -----------------------------------------------------------------

def test_show_solution_after_a_wrong_answer():
    prob, p = expression(SIGMOID_PRIME, PLAIN, show_solution=True)
    v = check(prob, p, "e^(-z)/(1+e^(-z))^3")
    assert v.feedback[-1] == "The expected answer is e^(−z)/(1 + e^(−z))²."
    v = check(prob, p, "-e^(-z)/(1+e^(-z))^2")
    assert v.feedback == ("Your answer has the wrong sign.", "The expected answer is e^(−z)/(1 + e^(−z))².")


def test_show_solution_also_after_a_rule():
    prob, p = expression(SIGMOID_PRIME, PLAIN, show_solution=True, mistakes=(ONE_MINUS,))
    v = check(prob, p, "e^(-z)/(1+e^(-z))")
    assert v.feedback == ("That is 1 − σ(z), not the derivative σ′(z).",
                          "The expected answer is e^(−z)/(1 + e^(−z))².")


def test_solution_is_not_shown_for_right_or_unreadable_answers():
    prob, p = expression(SIGMOID_PRIME, PLAIN, show_solution=True)
    assert check(prob, p, "e^z/(1+e^z)^2").feedback == ()
    assert check(prob, p, "e^(-z").feedback == ("This '(' is never closed.",)


def test_solution_of_a_numeric_part():
    prob, p = numeric(TWO_LAYER_REFERENCES["loss"], Tolerance(absolute=0.001), show_solution=True)
    v = check(prob, p, "0.5")
    assert v.feedback == ("0.5 is 73% away from the value; this part needs an error below 0.001.",
                          "The expected answer is 1/2·(σ(w2·ReLU(w1·x) + b) − t)².")


# --- quality bar: never Python internals, never the reference unless allowed ----------------

INTERNALS = re.compile(r"Traceback|Error\b|Exception|Symbol\(|Bin\(|Idx\(|Num\(|Sym\(|Call\(|Index\(|array\(|"
                       r"np\.|numpy|sympy|Fraction|\bNone\b|\bnan\b|\binf\b|__|<[a-z]|object at|\\left|\\frac")

SWEEP = [
    (SIGMOID_PRIME, PLAIN, ["e^(-z)/(1+e^(-z))", "-e^(-z)/(1+e^(-z))^2", "2*e^(-z)/(1+e^(-z))^2", "log(z)",
                            "sqrt(z)", "1/0", "z", "e^-z+1", "1/1+e^(-z)", "(e^(-z)", "e^(1000*z)", "0/0",
                            "z^-1000", "abc", "9^9^9^9", "x" * 3000, "x\x00", "max(z,z)"]),
    (SIGMOID_PRIME, SCALARS, ["sigma(z)", "f(z)", "f'(z)", "g(z)", "eta*z", "softmax(z)", "relu'''(z)"]),
    (HIDDEN, NETWORK, ["sum_k w_(jk)^(l+1)*delta_k^(l+1)*f'(z_j^l)", "w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)",
                       "sum_k w_(kj)^l*delta_k^(l+1)*f'(z_j^l)", "delta_j^l", "delta_k^l", "a_j^2", "(a_j^L)^2",
                       "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f(z_j^l)", "x", "eta", "yhat_i", "g_L'(z_j^l)",
                       "sum_i sum_k w_(ki)^(l+1)"]),
    (MATRIX_HIDDEN, MATRICES, ["(W^(l+1)*delta^(l+1)) .* f'(z^l)", "delta^(l+1)", "c", "M", "u^T", "u*v^T",
                               "delta^(l+1)*W^(l+1)", "u^2", "u + M", "f(z^l)"]),
]


@pytest.mark.parametrize("reference, table, answers", SWEEP, ids=[s[0] for s in SWEEP])
def test_feedback_never_shows_internals_or_the_reference(reference, table, answers):
    prob, p = expression(reference, table)
    ref = context(prob, p, ()).reference
    for answer in answers:
        v = check(prob, p, answer)
        assert v.status in (INCORRECT, INVALID), answer
        assert v.feedback, answer
        for sentence in v.feedback:
            assert not INTERNALS.search(sentence), (answer, sentence)
            assert ref.unicode not in sentence and ref.ascii not in sentence, (answer, sentence)
            assert sentence[0].isupper() or sentence[0] in "'", (answer, sentence)
            assert sentence.endswith((".", "?")), (answer, sentence)
            assert len(sentence) < 400, (answer, sentence)


def test_numeric_and_choice_feedback_never_shows_internals():
    prob, p = numeric(TWO_LAYER_REFERENCES["dC/dw1"], Tolerance(decimals=3))
    options = ("A one", "B two", "C three")
    cprob, cp = choice("A, C", options, multi=True)
    for pr, pa, answers in [(prob, p, ["2", "-2.081", "x", "1/0", "w9", "", "2.0"]),
                            (cprob, cp, ["A", "B", "Z", "", "A, B, C", "one"])]:
        for answer in answers:
            for sentence in check(pr, pa, answer).feedback:
                assert not INTERNALS.search(sentence), (answer, sentence)


def test_a_derivative_at_a_corner_is_undefined_and_said_so():
    """ReLU'(0) and |x|'(0) have no value: never a made-up slope of 0 that an answer could be
    graded on, and the message says where the corner is (issue 24: an undefined point)."""
    from click.testing import CliRunner
    from grader.interfaces.cli import main
    corner = ("Your answer is undefined where the expected answer is defined: ReLU′(x) has no value at x = 0, "
              "where the function has a corner.")
    out = CliRunner().invoke(main, ["compare", "relu'(0)", "1"])
    assert out.exit_code == 1 and out.output.splitlines()[-1] == f"different: {corner}"
    out = CliRunner().invoke(main, ["compare", "relu'(0)", "1/2"])      # the mean of the two one-sided slopes
    assert out.exit_code == 1 and out.output.splitlines()[-1] == f"different: {corner}"
    out = CliRunner().invoke(main, ["compare", "abs'(x)", "sign(x)"])      # random points miss the corner
    assert out.exit_code == 0


def test_a_wrong_index_letter_is_named_wherever_the_quantity_appears():
    """z_k for z_j inside the sum (issue 25: the course solution's own ∂z_i for ∂z_j): every
    occurrence of the quantity is relettered at once, so a slip written twice is found too."""
    v = verdict(HIDDEN, "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_k^l)", NETWORK)
    assert (v.rule, v.feedback) == ("wrong-index-letter", ("z_k^(l) has the wrong unit: it should be z_j^(l).",))
    v = verdict("a_k^(l-1)*delta_j^l", "a_k^(l-1)*delta_k^l", NETWORK)
    assert (v.rule, v.feedback) == ("wrong-index-letter", ("δ_k^(l) has the wrong unit: it should be δ_j^(l).",))
