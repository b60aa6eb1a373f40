"""Deciding right (issue 14): conditions on symbols and parts, answers that restate the
question, exact numbers, finding the domain, one meaning per tolerance word, and `grader
compare` as an instructor's tool. Every verdict and message is pinned exactly.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from conftest import SCALARS, TWO_LAYER_REFERENCES, expression, numeric
from grader.interfaces.cli import main
from grader.checking.conditions import ConditionError, bounds, holds, read_condition
from grader.checking.decide import context
from grader.checking.checker import check, compare
from grader.limits import SAMPLES
from grader.checking.evaluate import EvalError, make_world
from grader.model import CORRECT, INCORRECT, INVALID, Part, Problem, Symbol, SymbolTable, Tolerance
from grader.authoring.loader import ProblemError, load_bank, load_problem
from grader.authoring.validation import validate

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(ROOT / "problems")


def bank_check(problem_id: str, part_id: str, answer: str):
    problem = BANK[problem_id]
    return check(problem, problem.part(part_id), answer)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- conditions: the ReLU parts -------------------------------------------------------------

@pytest.mark.parametrize("answer", ["z/abs(z)", "relu(z)/z", "abs(z)/z", "1", "2/2"])
def test_relu_positive_side_accepts_forms_that_are_1_for_positive_z(answer):
    v = bank_check("relu", "derivative-positive", answer)
    assert (v.status, v.feedback) == (CORRECT, ())


@pytest.mark.parametrize("answer", ["relu(z)", "0*z", "z - abs(z) + abs(z) - z"])
def test_relu_negative_side_accepts_forms_that_are_0_for_negative_z(answer):
    assert bank_check("relu", "derivative-negative", answer).status == CORRECT


def test_relu_derivative_is_the_question_itself():
    for part_id in ("derivative-positive", "derivative-negative"):
        v = bank_check("relu", part_id, "relu'(z)")
        assert (v.status, v.rule, v.feedback) == (INVALID, "restatement",
                                                  ("That is the question itself: write its value.",))


def test_feedback_never_quotes_a_point_outside_the_condition():
    for part_id, answer, sign in (("derivative-positive", "2*z", 1), ("derivative-negative", "z^2", -1)):
        v = bank_check("relu", part_id, answer)
        assert v.status == INCORRECT
        m = re.fullmatch(r"At z = (-?[\d.]+), your answer is -?[\d.e-]+ but the expected value is -?[\d]+\.",
                         v.feedback[-1])
        assert m, v.feedback
        assert float(m.group(1)) * sign > 0


def test_every_sample_of_a_part_meets_its_condition():
    problem = BANK["relu"]
    for part_id, sign in (("derivative-positive", 1), ("derivative-negative", -1)):
        ctx = context(problem, problem.part(part_id), ())
        z = ctx.world.arrays["z"]
        assert z.shape == (SAMPLES,) and (z * sign > 0).all()


# --- conditions: reading and sampling ---------------------------------------------------------

def test_condition_is_read_by_our_parser():
    cond = read_condition("0 < x <= 1 and y != 0", SCALARS)
    assert [c.op for c in cond.comparisons] == ["<", "<=", "!="]
    assert bounds(cond, SCALARS) == {"x": (0.0, 1.0)}


@pytest.mark.parametrize("text, message", [
    ("x", "the condition 'x' needs a comparison (<, <=, >, >=, !=) in 'x'"),
    ("x > __import__('os')", "the condition 'x > __import__('os')' cannot be read: '__import__('os')': "),
    ("q > 0", "the condition 'q > 0' cannot be read: 'q': Unknown name 'q'"),
    ("x > 0 and " * 300 + "x > 0", "the condition is too long (3005 characters; the limit is 2000)"),
])
def test_unreadable_conditions_say_why(text, message):
    with pytest.raises(ConditionError) as info:
        read_condition(text, SCALARS)
    assert info.value.message.startswith(message), info.value.message


FINITE = st.integers(-2000, 2000).map(lambda n: n / 1000)


@settings(max_examples=60, deadline=None)
@given(a=FINITE, b=FINITE, strict=st.booleans(), seed=st.integers(0, 2**32))
def test_an_interval_condition_always_yields_every_sample_inside_it(a, b, strict, seed):
    lo, hi = min(a, b), max(a, b)
    table = SymbolTable((Symbol("x"), Symbol("y")))
    ops = ("<", "<") if strict else ("<=", "<=")
    cond = read_condition(f"{lo!r} {ops[0]} x and x {ops[1]} {hi!r}", table)
    if strict and not lo < hi:
        return                      # empty open interval: nothing to sample
    try:
        world = make_world(table, seed, bounds=bounds(cond, table), keep=lambda w: holds(cond, w))
    except EvalError:
        # only an open interval far too narrow for floats can fail; a closed one never does
        assert strict and hi - lo < 1e-9
        return
    x = world.arrays["x"]
    assert x.shape == (SAMPLES,)
    assert holds(cond, world).all()
    assert ((lo <= x) & (x <= hi)).all()


@settings(max_examples=40, deadline=None)
@given(c=st.integers(-150, 150).map(lambda n: n / 100), seed=st.integers(0, 2**32))
def test_a_general_condition_is_met_by_every_sample(c, seed):
    table = SymbolTable((Symbol("x"), Symbol("y")))
    cond = read_condition(f"x + y > {c!r} and x*y < 1", table)
    world = make_world(table, seed, keep=lambda w: holds(cond, w))
    x, y = world.arrays["x"], world.arrays["y"]
    assert x.shape == (SAMPLES,)
    assert ((x + y > c) & (x * y < 1)).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), lo=st.integers(-5, 5), width=st.integers(0, 6))
def test_symbol_domains_hold_at_every_sample(seed, lo, width):
    table = SymbolTable((Symbol("p", domain=(0.1, 2.0)), Symbol("n", domain=(-2.0, 2.0), nonzero=True),
                         Symbol("k", domain=(float(lo), float(lo + width)), integer=True)))
    world = make_world(table, seed)
    p, n, k = (world.arrays[name] for name in "pnk")
    assert (p > 0).all() and (np.abs(n) >= 0.1).all()
    assert (k == np.round(k)).all() and ((lo <= k) & (k <= lo + width)).all()


def test_an_unsatisfiable_condition_is_a_clear_error():
    table = SymbolTable((Symbol("x"),))
    with pytest.raises(EvalError) as info:
        make_world(table, 1, bounds={"x": (3.0, 1e9)})
    assert info.value.kind == "condition"
    assert info.value.message == "no value of x in its domain [-2.0, 2.0] meets the condition"
    cond = read_condition("x^2 > 4.1", table)
    with pytest.raises(EvalError) as info:
        make_world(table, 1, keep=lambda w: holds(cond, w))
    assert info.value.message == "only 0 of 1024 random samples meet the condition, 64 are needed"


def test_domain_words_and_where_are_loaded(tmp_path):
    path = write(tmp_path / "d.yaml", """\
title: Domains
statement: s
symbols:
  p: {domain: positive}
  q: {domain: negative}
  r: {domain: nonzero}
  n: {domain: {integer: [1, 4]}}
parts:
  - id: a
    prompt: "For p > 1, what is p?"
    answer: "p"
    where: "p > 1"
    allow_restatement: true
""")
    problem = load_problem(path)
    syms = {s.name: s for s in problem.table.symbols}
    assert (syms["p"].domain, syms["q"].domain) == ((0.1, 2.0), (-2.0, -0.1))
    assert syms["r"].nonzero and not syms["p"].nonzero
    assert syms["n"].integer and syms["n"].domain == (1.0, 4.0)
    part = problem.parts[0]
    assert (part.where, part.allow_restatement) == ("p > 1", True)


def test_unknown_domain_word_is_refused_with_its_line(tmp_path):
    path = write(tmp_path / "d.yaml", "title: t\nstatement: s\nsymbols:\n  p: {domain: postive}\n"
                                      "parts:\n  - {id: a, prompt: p, answer: p}\n")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(info.value) == (f"{path}:4: symbol 'p': unknown domain 'postive' (did you mean 'positive'?); use "
                               f"[low, high], positive, negative, nonzero or {{integer: [low, high]}}")


def test_schema_describes_the_new_fields():
    from grader.authoring.schema import json_schema
    schema = json_schema()
    text = repr(schema)
    assert "'where'" in text and "'allow_restatement'" in text and "'positive'" in text and "'integer'" in text


# --- restatements -----------------------------------------------------------------------------

@pytest.mark.parametrize("problem_id, part_id, answer, message", [
    ("activations", "tanh-derivative", "tanh'(z)", "That is the question itself: write it in terms of tanh(z)."),
    ("activations", "tanh-derivative", "2*tanh'(z)/2", "That is the question itself: write it in terms of tanh(z)."),
    ("activations", "logistic-derivative", "g'(z)", "That is the question itself: write it in terms of g(z)."),
    ("relu", "derivative-positive", "relu'(z)", "That is the question itself: write its value."),
])
def test_restating_the_question_scores_nothing(problem_id, part_id, answer, message):
    v = bank_check(problem_id, part_id, answer)
    assert (v.status, v.score, v.rule, v.feedback) == (INVALID, 0.0, "restatement", (message,))


def test_sigma_prime_is_refused_by_the_sigmoid_parts_restriction_first():
    v = bank_check("activations", "logistic-derivative", "sigma'(z)")
    assert (v.status, v.feedback) == (INVALID, ("Write the derivative in terms of g(z).",))


def test_a_part_can_allow_the_restatement():
    prob, p = expression("1-tanh(z)^2", SCALARS, allow_restatement=True)
    assert check(prob, p, "tanh'(z)").status == CORRECT
    prob, p = expression("1-tanh(z)^2", SCALARS)
    assert check(prob, p, "tanh'(z)").status == INVALID


def test_a_derivative_that_is_only_part_of_the_answer_is_not_a_restatement():
    prob, p = expression("(a-y)*f'(z)", SCALARS)
    assert check(prob, p, "f'(z)*(a-y)").status == CORRECT


GAMEABLE = """\
title: Gameable on purpose
statement: s is the logistic function of z.
symbols:
  z: scalar
  s: {definition: "1/(1+e^(-z))"}
parts:
  - id: value
    prompt: "Write s in terms of z."
    answer: "1/(1+e^(-z))"
  - id: allowed
    prompt: "Write s in terms of z."
    answer: "1/(1+e^(-z))"
    allow_restatement: true
  - id: impossible
    prompt: "What is 1 for z > 3?"
    answer: "1"
    where: "z > 3"
  - id: unreadable
    prompt: "x"
    answer: "1"
    where: "z >> 3"
"""


def test_validate_reports_a_gameable_part_and_bad_conditions_with_file_and_line(tmp_path):
    path = write(tmp_path / "gameable.yaml", GAMEABLE)
    assert [str(i) for i in validate([path])] == [
        f"{path}:7: part 'value': the restatement 's' of the question is graded correct: forbid it ('forbidden') "
        f"or accept it on purpose ('allow_restatement: true')",
        f"{path}:17: part 'impossible': the condition 'z > 3' cannot be met: no value of z in its domain "
        f"[-2.0, 2.0] meets the condition",
        f"{path}:21: part 'unreadable': the condition 'z >> 3' cannot be read: '': The answer is empty.",
    ]


def test_validate_checks_numeric_conditions_against_the_given_values(tmp_path):
    path = write(tmp_path / "n.yaml", """\
title: n
statement: s
symbols: {x: scalar}
given: {x: 3}
parts:
  - id: a
    prompt: "For x < 0, what is x?"
    kind: numeric
    answer: "x"
    where: "x < 0"
    tolerance: {absolute: 0.1}
""")
    assert [str(i) for i in validate([path])] == [
        f"{path}:10: part 'a': the given values do not meet the condition 'x < 0'"]


def test_the_bank_has_no_accepted_restatement_and_no_unsatisfiable_condition():
    assert validate([ROOT / "problems"]) == []


# --- exact numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, status, message", [
    ("99999999/10^8", "99999998/99999999", "different",
     "Your answer is not exactly the expected value: they differ by 1e-16."),
    ("1/3", "2/6", "equivalent", "The two expressions are equivalent."),
    ("sqrt(9/4)", "3/2", "equivalent", "The two expressions are equivalent."),
    ("2^-3", "0.125", "equivalent", "The two expressions are equivalent."),
    ("10^20 + 1", "10^20", "different", "Your answer is not exactly the expected value: they differ by 1."),
    ("1/3", "0.3333333333", "equivalent", "The two expressions are equivalent."),   # a decimal keeps the tolerance
])
def test_decimal_free_constants_are_compared_exactly(a, b, status, message):
    out = compare(a, b)
    assert (out.status, out.message) == (status, message)


# --- finding the domain ---------------------------------------------------------------------------

def test_a_reference_defined_on_a_small_part_of_the_domain_is_still_checked():
    out = compare("log(x-1.9)*2", "2*log(x-1.9)")
    assert out.status == "equivalent"
    out = compare("log(x-1.5)+1", "log(x-1.5)")
    m = re.fullmatch(r"At x = ([\d.]+), your answer is -?[\d.]+ but the expected value is -?[\d.]+\.", out.message)
    assert out.status == "different" and m and float(m.group(1)) > 1.5


def test_the_answer_undefined_where_the_reference_is_defined_says_where():
    out = compare("sqrt(x-3)*sqrt(x-5)", "sqrt((x-3)*(x-5))")
    assert out.status == "different"
    assert re.fullmatch(r"Your answer is undefined at x = -?[\d.]+, where the expected answer is defined\.",
                        out.message), out.message


def test_a_reference_undefined_everywhere_in_the_domain_cannot_be_checked():
    out = compare("sqrt(x-3)+0", "sqrt(x-3)")
    assert (out.status, out.message) == (
        "invalid", "The reference is undefined at almost every sampled point: the two expressions cannot be "
                   "compared.")


def test_a_reference_that_cannot_be_evaluated_says_why_not_that_it_is_undefined():
    from grader.model import MATRIX, SCALAR, VECTOR, Symbol, SymbolTable
    table = SymbolTable((Symbol("v", VECTOR), Symbol("W", MATRIX), Symbol("x", SCALAR)))
    out = compare("x", "v + W", table)
    assert (out.status, out.message) == (
        "invalid", "The reference cannot be checked: its reference answer 'v + W' cannot be evaluated: You cannot "
                   "add a matrix to a column vector.")


# --- one meaning per tolerance word -------------------------------------------------------------

@pytest.mark.parametrize("reference, tolerance, answer, status", [
    ("0.00787", Tolerance(decimals=4), "0.0078", INCORRECT),     # truncated: 0.00787 rounds to 0.0079
    ("0.00787", Tolerance(decimals=4), "0.0079", CORRECT),
    ("0.00787", Tolerance(decimals=4), "0.00786", CORRECT),      # rounds to 0.0079 as well
    ("2.08092", Tolerance(decimals=3), "2.080", INCORRECT),      # the course's truncated 2.080 ...
    ("2.08092", Tolerance(absolute=0.001), "2.080", CORRECT),    # ... passes an absolute 0.001
    ("2.08092", Tolerance(decimals=3), "2.081", CORRECT),
    ("0.1251", Tolerance(decimals=2), "0.13", CORRECT),
    ("0.1249", Tolerance(decimals=2), "0.13", INCORRECT),
    ("0.125", Tolerance(decimals=2), "0.13", CORRECT),           # a reference on a half: both neighbours pass,
    ("0.125", Tolerance(decimals=2), "0.12", CORRECT),           # so float noise in it never decides
    ("-0.00416", Tolerance(sigfigs=2), "-0.0042", CORRECT),
    ("-0.00416", Tolerance(sigfigs=2), "-0.004", INCORRECT),
    ("-0.00416", Tolerance(relative=0.05), "-0.004", CORRECT),
    ("-0.00416", Tolerance(relative=0.05), "-0.0049", INCORRECT),
    ("-0.00416", Tolerance(absolute=0.001), "-0.0049", CORRECT),  # why the bank no longer uses it there
])
def test_tolerance_words_mean_one_thing(reference, tolerance, answer, status):
    table = SymbolTable((Symbol("x"),))
    part = Part(id="a", prompt="", kind="numeric", answer=reference, tolerance=tolerance)
    problem = Problem(id="tol", title="", statement="", table=table, parts=(part,))
    assert check(problem, part, answer).status == status


def test_schema_and_docs_say_the_same_about_decimals():
    from grader.authoring.fields import TOLERANCE_FIELDS
    docs = (ROOT / "docs" / "yaml-format.md").read_text(encoding="utf-8")
    assert TOLERANCE_FIELDS["decimals"] in docs
    assert TOLERANCE_FIELDS["sigfigs"] in docs


# --- grader compare as an instructor's tool ------------------------------------------------------

def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.mark.parametrize("args, code, last", [
    (("x^2", "x*abs(x)", "--where", "x > 0"), 0, "equivalent: The two expressions are equivalent."),
    (("1.00001*x", "x", "--rtol", "1e-4"), 0, "equivalent: The two expressions are equivalent."),
    (("1.00001*x", "x", "--tolerance", "1e-4"), 0, "equivalent: The two expressions are equivalent."),
    (("x+0.001", "x", "--atol", "0.01"), 0, "equivalent: The two expressions are equivalent."),
    (("sqrt(x)", "x/sqrt(x)", "--let", "x=9.72"), 0, "equivalent: The two expressions are equivalent."),
    (("z/abs(z)", "1", "--problem", "relu", "--part", "derivative-positive"), 0,
     "equivalent: The two expressions are equivalent."),
    (("relu'(z)", "1", "--problem", "relu", "--part", "derivative-positive"), 1,
     "invalid: That is the question itself: write its value."),
    (("(-0.0049)", "(-0.00416)", "--problem", "two-layer-example", "--part", "dC-dw2"), 1,
     "different: Close, but not accurate enough: this part needs a relative error below 5%. Check your rounding."),
    (("x", "x", "--where", "x > 5"), 1,
     "invalid: The condition cannot be met: no value of x in its domain [-2.0, 2.0] meets the condition."),
    (("x", "x", "--let", "y=3"), 1, "invalid: --let names y, which is not a name of these expressions."),
])
def test_compare_options(args, code, last):
    result = run("compare", *args)
    assert result.exit_code == code, result.output
    assert result.stdout.splitlines()[-1] == last


def test_compare_refuses_a_malformed_let():
    result = run("compare", "x", "x", "--let", "x")
    assert result.exit_code == 2
    assert "Error: --let takes NAME=NUMBER, like x=9.72, not 'x'." in result.stderr


def test_compare_options_in_a_real_process():
    out = subprocess.run([sys.executable, "-m", "grader", "compare", "x^4", "x", "--where", "x < 0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 1
    assert re.search(r"^different: At x = -[\d.]+, your answer is [\d.]+ but the expected value is -[\d.]+\.$",
                     out.stdout, re.M), out.stdout


def test_a_part_condition_that_is_no_simple_bound_is_met_by_rejection():
    prob, p = expression("x*y", SCALARS, where="x*y > 0.5")
    ctx = context(prob, p, ())
    x, y = ctx.world.arrays["x"], ctx.world.arrays["y"]
    assert x.shape == (SAMPLES,) and (x * y > 0.5).all()
    assert check(prob, p, "abs(x*y)").status == CORRECT


@pytest.mark.parametrize("reference, answer", [
    ("g(z)*(1-g(z))", "sigma'(z)"), ("g(z)*(1-g(z))", "sigmoid'(z)"), ("sigma(z)*(1-sigma(z))", "g'(z)"),
])
def test_every_name_of_the_function_asked_about_is_a_restatement(reference, answer):
    prob, p = expression(reference, SCALARS)      # g is declared as an alias of the sigmoid
    v = check(prob, p, answer)
    assert (v.status, v.rule) == (INVALID, "restatement")


SMALL = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**9)


@settings(max_examples=100, deadline=None)
@given(a=SMALL, b=SMALL)
def test_decimal_free_constants_are_equivalent_exactly_when_equal(a, b):
    def text(x):
        return f"({x.numerator})/({x.denominator})"
    out = compare(text(a), text(b))
    assert out.status == ("equivalent" if a == b else "different"), (a, b, out)


@pytest.mark.parametrize("answer, rule, message", [
    ("0.7", None, "That is not the expected value."),        # not "7/10 times the expected answer"
    ("2", None, "That is not the expected value."),
    ("-1", "sign", "Your answer has the wrong sign."),
])
def test_a_wrong_constant_for_a_constant_reference_is_said_plainly(answer, rule, message):
    v = bank_check("relu", "derivative-positive", answer)
    assert (v.status, v.rule, v.feedback) == (INCORRECT, rule, (message,))


CONDITION_IN_PROMPT = re.compile(r"\b(?:for|when|if|where)\s+[A-Za-z]\w*\s*(?:<|>|<=|>=|!=|≠|≤|≥)")


def test_every_bank_part_whose_prompt_states_a_condition_declares_it():
    stated = [(p.id, q.id) for p in BANK.values() for q in p.parts if CONDITION_IN_PROMPT.search(q.prompt)]
    assert stated == [("relu", "derivative-positive"), ("relu", "derivative-negative")]
    for pid, qid in stated:
        assert BANK[pid].part(qid).where is not None


# --- integer ranges for index letters ---------------------------------------------------------

RANGED = """\
title: Ranged indices
statement: s
symbols:
  a: {kind: indexed, subscripts: 1, superscript: true}
indices: {j: %s, k: unit, l: %s, L: last}
parts:
  - id: a
    prompt: What is a_j^l?
    answer: a_j^l
"""


def ranged(tmp_path, j="unit", l="layer"):
    return load_problem(write(tmp_path / "ranged.yaml", RANGED % (j, l)))


def test_index_ranges_are_loaded_next_to_plain_roles(tmp_path):
    problem = ranged(tmp_path, "{role: unit, integer: [1, 3]}", "{role: layer, integer: [1, 2]}")
    assert problem.table.indices == (("j", "unit"), ("k", "unit"), ("l", "layer"), ("L", "last"))
    assert problem.table.index_ranges == (("j", (1, 3)), ("l", (1, 2)))
    assert problem.table.index_range("k") is None
    assert ranged(tmp_path).table.index_ranges == ()


@pytest.mark.parametrize("j, l, answer, status", [
    ("unit", "layer", "a_1^l", INCORRECT),
    ("{role: unit, integer: [1, 1]}", "layer", "a_1^l", CORRECT),        # j is always unit 1
    ("{role: unit, integer: [0, 1]}", "layer", "a_1^l", INCORRECT),
    ("unit", "layer", "a_j^2", INCORRECT),
    ("unit", "{role: layer, integer: [2, 2]}", "a_j^2", CORRECT),         # l is always layer 2
    ("unit", "{role: layer, integer: [2, 3]}", "a_j^2", INCORRECT),
    ("{role: unit, integer: [3, 3]}", "{role: layer, integer: [6, 6]}", "a_3^6", CORRECT),
])
def test_a_ranged_letter_takes_only_the_values_of_its_range(tmp_path, j, l, answer, status):
    problem = ranged(tmp_path, j, l)
    assert check(problem, problem.parts[0], answer).status == status


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.integers(0, 6), st.integers(0, 6), st.integers(0, 2**32))
def test_every_sample_s_index_lies_in_its_range(u1, u2, l1, l2, seed):
    unit, layer = (min(u1, u2), max(u1, u2)), (min(l1, l2), max(l1, l2))
    table = SymbolTable((), (("j", "unit"), ("k", "unit"), ("l", "layer"), ("L", "last")),
                        (("j", unit), ("l", layer)))
    world = make_world(table, seed)
    j, k, l = (world.index_values[x] for x in "jkl")
    assert ((unit[0] <= j) & (j <= unit[1]) & (j < world.width)).all()
    assert ((0 <= k) & (k < world.width)).all()
    assert ((layer[0] <= l) & (l <= layer[1])).all()
    assert (world.index_values["L"] == 6).all()
    assert (world.width >= unit[0] + 1).all() and (world.width <= 4).all()


def test_letters_without_a_range_are_drawn_as_before():
    plain = SymbolTable((), (("j", "unit"), ("l", "layer")))
    world = make_world(plain, 7)
    assert set(world.index_values["l"]) == {1, 2, 3}
    assert set(world.width) == {2, 3, 4}
    assert (world.index_values["j"] < world.width).all()


@pytest.mark.parametrize("j, l, line, message", [
    ("{role: unit, integer: [3, 1]}", "layer", 5, "index 'j': the range [3, 1] cannot be drawn: the range [3, 1] is "
                                                  "empty"),
    ("{role: unit, integer: [2, 4]}", "layer", 5, "index 'j': the range [2, 4] cannot be drawn: units are numbered "
                                                  "0 to 3 (every layer has 2 to 4 units)"),
    ("unit", "{role: layer, integer: [0, 7]}", 5, "index 'l': the range [0, 7] cannot be drawn: layers are numbered "
                                                  "0 (the input layer) to 6 (the output layer L)"),
    ("unit", "{role: layer, integer: [1.5, 2]}", 5, "index 'l': range low must be a whole number, not '1.5'"),
    ("unit", "{role: layer, integer: 2}", 5, "index 'l': 'integer' must be a list [low, high] of whole numbers"),
    ("unit", "{integer: [1, 2]}", 5, "index 'l': missing field 'role'"),
    ("unit", "{role: layr}", 5, "index 'l': role must be one of unit, layer, last, not 'layr' (did you mean "
                                "'layer'?)"),
])
def test_a_range_that_cannot_be_drawn_is_refused_with_its_line(tmp_path, j, l, line, message):
    with pytest.raises(ProblemError) as info:
        ranged(tmp_path, j, l)
    assert str(info.value) == f"{tmp_path / 'ranged.yaml'}:{line}: {message}"


def test_the_output_layer_takes_no_range(tmp_path):
    path = write(tmp_path / "r.yaml", (RANGED % ("unit", "layer")).replace(
        "L: last}", "L: {role: last, integer: [6, 6]}}"))
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(info.value) == (f"{path}:5: index 'L': the range [6, 6] cannot be drawn: 'last' is the output layer "
                               f"L, always layer 6: a range is for unit and layer letters")


def test_an_unsatisfiable_range_is_a_validate_error_with_file_and_line(tmp_path):
    path = write(tmp_path / "ranged.yaml", RANGED % ("{role: unit, integer: [3, 2]}", "layer"))
    assert [str(i) for i in validate([path])] == [
        f"{path}:5: index 'j': the range [3, 2] cannot be drawn: the range [3, 2] is empty"]


def test_a_condition_on_an_index_letter_points_to_its_range(tmp_path):
    path = write(tmp_path / "ranged.yaml", RANGED % ("unit", "layer") + "    where: l >= 2\n")
    assert [str(i) for i in validate([path])] == [
        f"{path}:10: part 'a': the condition 'l >= 2' mentions the index "
        f"letter 'l': give its values as a range in 'indices' instead (l: {{role: layer, integer: [low, high]}})"]


# --- feedback quotes a point that meets the condition ------------------------------------------

EDGE = """\
title: Edge
statement: s
symbols:
  x: {domain: [0.99999, 1.00001]}
parts:
  - id: a
    prompt: For x > 1, what is x?
    answer: x
    where: x > 1
    allow_restatement: true
"""


def test_the_quoted_point_meets_a_condition_at_the_edge_of_the_draws(tmp_path):
    problem = load_problem(write(tmp_path / "edge.yaml", EDGE))
    v = check(problem, problem.parts[0], "sin(x)")
    # the sample is x = 1.000007: with 4 significant figures it would print as "x = 1"
    assert (v.status, v.feedback) == (INCORRECT, ("At x = 1.00001, your answer is 0.8415 but the expected value is 1.",))
    x = float(context(problem, problem.parts[0], ()).world.arrays["x"][0])
    assert f"{x:.4g}" == "1" and 1 < x < 1.00001


def test_shown_values_add_digits_only_when_the_condition_needs_them():
    from grader.checking.conditions import shown_values
    table = SymbolTable((Symbol("x"), Symbol("y")))
    world = make_world(table, 3, samples=2)
    world.arrays["x"] = np.array([1.0000200001, 1.234567])
    world.arrays["y"] = np.array([0.49999, -0.4999])
    cond = read_condition("x > 1 and y < 0.5", table)
    assert shown_values(cond, world, 0, ["x", "y"]) == ["1.00002", "0.49999"]
    assert shown_values(None, world, 0, ["x"]) == ["1"]
    assert shown_values(cond, world, 1, ["x", "y"]) == ["1.235", "-0.4999"]


def test_validate_reports_an_empty_index_range_from_the_command_line(tmp_path):
    path = write(tmp_path / "ranged.yaml", RANGED % ("{role: unit, integer: [3, 2]}", "layer"))
    message = f"{path}:5: index 'j': the range [3, 2] cannot be drawn: the range [3, 2] is empty"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 5 and message in result.output
    proc = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 5 and message in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
