"""The symbolic stage (issue 26, items 1 and 2): SymPy decides what sampling cannot, and says so.

Rows are our own. Each verdict is checked through `compare` (grader compare) and, for the
Done-when answers, through `check` of a part and the CLI's JSON.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from grader.checking import checker, symbolic
from grader.checking.checker import check, compare, infer_names
from grader.classes.gradebook import verdict_body
from grader.interfaces.cli import main
from grader.model import CORRECT, EXPRESSION, INCORRECT, Part, Problem, Tolerance, Verdict
from grader.answers.parser import parse
from grader.show.text import verdict_json


@pytest.fixture(autouse=True)
def fresh():
    checker.clear_caches()
    yield
    checker.clear_caches()


def _part_problem(reference: str, *others: str) -> tuple[Problem, Part]:
    table, _ = infer_names(reference, *others)
    part = Part(id="p", prompt="", kind=EXPRESSION, answer=reference)
    return Problem(id="symbolic", title="", statement="", table=table, parts=(part,)), part


# --- the Done-when answers ------------------------------------------------------------

def test_an_offset_of_ten_to_the_minus_nine_is_different():
    out = compare("1/(1+exp(-x)) + 10^(-9)", "1/(1+exp(-x))")
    assert out.status == "different"
    assert out.message == "Your answer is not exactly the expected answer: the two differ by 1e-09 everywhere."


def test_a_power_beyond_floats_is_equivalent_to_itself_and_to_its_mirror():
    assert compare("(x-a)^6000", "(x-a)^6000").status == "equivalent"
    assert compare("(a-x)^6000", "(x-a)^6000").status == "equivalent"
    assert compare("-(a-x)^6001", "(x-a)^6001").status == "equivalent"


def test_a_power_of_a_power_differs_where_both_are_defined():
    out = compare("(a^b)^c", "a^(b*c)")
    assert out.status == "different"
    assert out.message == ("Your answer is not the expected answer: at a = -1, b = 2, c = 1/2 it gives 1 where the "
                           "expected answer is -1.")


def test_check_of_a_part_says_which_stage_decided():
    problem, part = _part_problem("(x-a)^6000", "(a-x)^6000")
    same = check(problem, part, "(x-a)^6000")
    assert (same.status, same.decided_by) == (CORRECT, symbolic.STRUCTURE)
    mirror = check(problem, part, "(a-x)^6000")
    assert (mirror.status, mirror.decided_by) == (CORRECT, symbolic.SYMBOLIC)
    problem, part = _part_problem("a^(b*c)")
    wrong = check(problem, part, "(a^b)^c")
    assert (wrong.status, wrong.rule, wrong.decided_by) == (INCORRECT, "not-exact", symbolic.SYMBOLIC)


def test_grader_check_json_carries_decided_by_only_when_sampling_did_not_decide_alone():
    runner = CliRunner()
    off = runner.invoke(main, ["check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2 + 10^(-9)", "--format", "json"])
    data = json.loads(off.output)
    assert (data["status"], data["decided_by"]) == ("incorrect", "symbolic")
    assert data["feedback"] == ["Your answer is not exactly the expected answer: the two differ by 1e-09 everywhere."]
    right = runner.invoke(main, ["check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2", "--format", "json"])
    assert "decided_by" not in json.loads(right.output)


def test_the_default_stage_is_written_nowhere():
    plain = Verdict(CORRECT, 1.0, 1.0)
    assert "decided_by" not in verdict_json("p", "q", plain)
    assert "decided_by" not in json.loads(verdict_body(plain))
    decided = Verdict(CORRECT, 1.0, 1.0, decided_by=symbolic.SYMBOLIC)
    assert verdict_json("p", "q", decided)["decided_by"] == "symbolic"
    assert json.loads(verdict_body(decided))["decided_by"] == "symbolic"


# --- the stage is what decides ------------------------------------------------------------

def test_switched_off_the_offset_passes_again(monkeypatch):
    # the proof that the stage decides: without it, sampling calls the 10^(-9) offset equivalent
    monkeypatch.setattr(symbolic, "wanted", lambda *args, **kwargs: False)
    assert compare("1/(1+exp(-x)) + 10^(-9)", "1/(1+exp(-x))").status == "equivalent"
    assert compare("(a^b)^c", "a^(b*c)").status == "equivalent"


def test_sympy_is_imported_only_when_the_stage_runs():
    code = ("import sys\nfrom grader.checking.checker import compare\n"
            "compare('exp(-x)/(1+exp(-x))^2', 'sigmoid(x)*(1-sigmoid(x))')\nprint('sympy' in sys.modules)\n"
            "compare('x + 10^(-9)', 'x')\nprint('sympy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# --- a table of representative rows (item 8) ----------------------------------------------

ROWS = [  # (student, reference, compare's status, the stage that decided in check)
    ("1/(1+exp(-x)) + 10^(-9)", "1/(1+exp(-x))", "different", "symbolic"),
    ("x*(1 + 10^(-8))", "x", "different", "symbolic"),
    ("x + 0.000000001", "x", "different", "symbolic"),
    ("0.333333333333*x", "x/3", "equivalent", "sampling"),
    ("0.3333333333*x", "x/3", "equivalent", "sampling (the symbolic stage could not decide)"),
    ("0.5*x", "x/2", "equivalent", "sampling"),
    ("(x-a)^6000", "(x-a)^6000", "equivalent", "structure"),
    ("(a-x)^6000", "(x-a)^6000", "equivalent", "symbolic"),
    ("(x^6000)^(1/3000)", "x^2", "equivalent", "symbolic"),
    ("(x-a)^6000", "(x-a)^6001", "different", "sampling"),
    ("(a^b)^c", "a^(b*c)", "different", "symbolic"),
    ("sigmoid(x)*(1-sigmoid(x))", "exp(-x)/(1+exp(-x))^2", "equivalent", "sampling"),
    ("sqrt(x)^2", "x", "different", "sampling"),
    ("x^2 + 1", "x^2", "different", "sampling"),
]


@pytest.mark.parametrize("student, reference, status, decided_by", ROWS, ids=[r[0] for r in ROWS])
def test_representative_rows(student, reference, status, decided_by):
    assert compare(student, reference).status == status
    problem, part = _part_problem(reference, student)
    assert check(problem, part, student).decided_by == decided_by


# --- hostile input stays bounded ------------------------------------------------------------

def test_a_tower_and_a_huge_polynomial_end_with_a_verdict():
    tower = "x^x^x^x^x^x"
    assert compare(tower + " + 10^(-9)", tower).status == "different"
    huge = "(x+1)^1000000 - (x+1)^1000000 + x"
    assert compare(huge, "x").status == "equivalent"
    assert compare("(x+y+z+1)^900 - (z+y+x+1)^900", "0").status == "equivalent"


def test_a_stage_out_of_time_leaves_the_sampling_verdict_and_says_so():
    table, _ = infer_names("x")
    slow = parse("((x+1)^40 - 1)/x", table).tree
    expanded = parse("((x+1)^20 - 1)*((x+1)^20 + 1)/x", table).tree
    found = symbolic.settle(slow, expanded, table, Tolerance(), seconds=0.001)
    assert found == symbolic.Finding(None, symbolic.OUT_OF_TIME)


def test_the_stage_never_runs_on_a_network_problem():
    # it cannot know the network: an answer off by 10^(-9) in a network's part is left to sampling
    from grader.authoring.loader import default_bank_dir, load_bank
    problem = load_bank(default_bank_dir())["output-error"]
    part = next(p for p in problem.parts if p.kind == EXPRESSION)
    assert problem.table.network is not None
    assert not symbolic.eligible(parse(part.answer, problem.table).tree, problem.table)
    symbolic.reset_stats()
    check(problem, part, part.answer + " + 10^(-9)")
    assert symbolic.stats()["runs"] == 0


_LEAVES = st.sampled_from(["x", "y", "2", "3", "1/2"])


def _expressions():
    return st.recursive(_LEAVES, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(inner, st.sampled_from(["2", "3", "6000", "(1/3000)", "(-6001)"])).map(lambda t: f"({t[0]})^{t[1]}"),
        inner.map(lambda t: f"{t} + 10^(-9)"),
        st.tuples(st.sampled_from(["exp", "sin", "sqrt", "log"]), inner).map(lambda t: f"{t[0]}({t[1]})")),
        max_leaves=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_expressions(), _expressions())
def test_the_stage_never_accepts_what_sampling_found_clearly_different(monkeypatch, a, b):
    with monkeypatch.context() as m:
        m.setattr(symbolic, "wanted", lambda *args, **kwargs: False)
        checker.clear_caches()
        alone = compare(a, b)
    checker.clear_caches()
    if alone.status == "different":
        assert compare(a, b).status != "equivalent"


def test_a_tolerance_the_instructor_sets_is_their_word_on_small_differences():
    assert compare("1.0001", "1", rtol=1e-3, atol=1e-3).status == "equivalent"
    assert compare("x + 10^(-9)", "x", atol=1e-6).status == "equivalent"
    assert compare("x + 10^(-9)", "x").status == "different"


def test_a_point_found_by_the_stage_is_shown_with_the_digits_that_differ():
    out = compare("x^(y^64)*(1 + 10^(-12))", "x^(y^64)")
    assert out.message == ("Your answer is not the expected answer: at x = 0, y = 0 it gives 1.000000000001 where "
                           "the expected answer is 1.")


def test_roots_of_negative_values_are_undefined_at_a_point_as_in_sampling():
    # sqrt(-1)*sqrt(-4) is not -2: the stage finds no point where both sides are defined and differ
    assert compare("sqrt(x*y)", "sqrt(x)*sqrt(y)").status == "equivalent"
    assert compare("sqrt(x)*sqrt(y)", "sqrt(x*y)").status == "different"      # sampling: undefined for x, y < 0


def test_a_tower_of_constants_is_never_evaluated():
    assert compare("exp(exp(exp(exp(3)))) + 1", "exp(exp(exp(exp(3))))").status == "different"
    # floats overflow on both sides: the algebra says equal, but no point can show the real
    # domain agrees, so sampling's "cannot be compared" stands
    assert compare("exp(exp(exp(exp(exp(3))))) + exp(x) - exp(x)", "exp(exp(exp(exp(exp(3)))))").status \
        == "invalid"


def test_the_gradebook_reads_back_the_stage_that_decided():
    from grader.classes.gradebook import _verdict_from
    decided = check(*_part_problem("(x-a)^6000"), "(a-x)^6000")
    assert decided.decided_by == symbolic.SYMBOLIC
    assert _verdict_from(verdict_body(decided)) == decided


def test_a_reference_undefined_in_its_domain_stays_unchecked_though_the_trees_agree():
    # NaN is the domain's answer, not a float's failure: the stage leaves "cannot be compared"
    assert compare("sqrt(x-3)+0", "sqrt(x-3)").status == "invalid"


def test_an_equality_that_overturns_sampling_holds_on_the_real_domain_too():
    # SymPy reads sqrt(x)^2 as x; with a power beyond floats beside it, sampling's "undefined for
    # x < 0" must still stand
    assert compare("sqrt(x)^2 + x^6000 - x^6000", "x").status == "different"
    assert compare("(x^6000)^(1/3000)", "x^2").status == "equivalent"
