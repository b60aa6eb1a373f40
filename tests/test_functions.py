"""The function registry: every consumer reads it, so one entry is enough to add a function."""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from grader.answers import functions
from grader.checking.checker import check, compare
from grader.model import CORRECT, INCORRECT
from grader.authoring.loader import load_problem
from grader.authoring.schema import json_schema
from grader.answers.render import render, to_sympy
from grader.answers.names import table_for
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import Call, Sym

x = Sym("x")


def problem_with(tmp_path, alias: str, answer: str, name: str = "prob"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""\
        title: T
        statement: S
        symbols:
          z: scalar
          g: {{kind: function, alias: {alias}}}
        parts:
          - id: p
            prompt: What?
            answer: "{answer}"
        """), encoding="utf-8")
    return load_problem(path)


# --- the alias bug (issue 12): every spelling a schema accepts grades ----------------------------

def test_alias_spelled_sigma_grades_its_reference_and_its_equivalents(tmp_path):
    p = problem_with(tmp_path, "sigma", "g'(z)")
    part = p.parts[0]
    assert check(p, part, "g'(z)").status == CORRECT
    assert check(p, part, "g(z)*(1-g(z))").status == CORRECT
    assert check(p, part, "sigma(z)*(1-sigma(z))").status == CORRECT
    assert check(p, part, "g(z)").status == INCORRECT


@pytest.mark.parametrize("alias", [a for a in functions.alias_names() if a != "factorial"])  # whole numbers only
def test_every_alias_the_schema_offers_grades_the_reference(tmp_path, alias):
    assert alias in json_schema()["$defs"]["symbol"]["oneOf"][1]["properties"]["alias"]["enum"]
    p = problem_with(tmp_path, alias, "g(z) + 1")
    verdict = check(p, p.parts[0], "1 + g(z)")
    assert verdict.status == CORRECT, verdict.feedback


# --- a made-up function, added in one place ------------------------------------------------------

CUBE = functions.Function(
    "cube", lambda args: args[0] ** 3, ("cubed",),
    derivatives=(lambda v: 3 * v ** 2, lambda v: 6 * v, lambda v: 6 + 0 * v),
    unicode="cube", latex=r"\operatorname{cube}", sympy=None)


@pytest.fixture
def cube(monkeypatch):
    monkeypatch.setattr(functions, "REGISTRY", functions.REGISTRY.adding(CUBE))
    return CUBE


def test_unknown_before_the_registry_has_it():
    with pytest.raises(AnswerSyntaxError, match="Unknown function 'cube'"):
        parse("cube(x)", table_for(["x"]))


def test_made_up_function_is_parsed_under_every_spelling(cube):
    table = table_for(["x"])
    assert parse("cube(x)", table).tree == Call("cube", (x,))
    assert parse("cubed''(x)", table).tree == Call("cube", (x,), 2)
    assert parse(r"\cube x", table).tree == Call("cube", (x,))                 # the LaTeX reader knows it too
    assert parse(r"\operatorname{cube}(x)", table).tree == Call("cube", (x,))
    with pytest.raises(AnswerSyntaxError, match=r"cube\(\.\.\.\) takes 1 argument, not 2"):
        parse("cube(x, x)", table)


def test_made_up_function_is_evaluated_and_differentiated(cube):
    assert compare("cube(x)", "x^3").status == "equivalent"
    assert compare("cube'(x)", "3*x^2").status == "equivalent"
    assert compare("cube''(x)", "6*x").status == "equivalent"
    assert compare("cube'(x)", "3*x").status == "different"


def test_made_up_function_renders_three_ways_and_converts_to_sympy(cube):
    tree = parse("cube'(x)", table_for(["x"])).tree
    assert render(tree, "unicode") == "cube′(x)"
    assert render(tree, "ascii") == "cube'(x)"
    assert render(tree, "latex") == r"\operatorname{cube}'\left(x\right)"
    assert str(to_sympy(parse("cube(x)", table_for(["x"])).tree)) == "cube(x)"


def test_made_up_function_is_accepted_by_the_schema_and_the_loader(cube, tmp_path):
    assert "cubed" in json_schema()["$defs"]["symbol"]["oneOf"][1]["properties"]["alias"]["enum"]
    p = problem_with(tmp_path, "cubed", "g'(z)")
    assert check(p, p.parts[0], "3*z^2").status == CORRECT
    assert check(p, p.parts[0], "3*z").status == INCORRECT


def test_the_latex_reader_forgets_the_made_up_function_with_the_registry(cube, monkeypatch):
    assert parse(r"\cube x", table_for(["x"])).tree == Call("cube", (x,))
    monkeypatch.undo()
    with pytest.raises(AnswerSyntaxError, match=r"The LaTeX command '\\cube' is not one the grader reads"):
        parse(r"\cube x", table_for(["x"]))


# --- the numbers the registry gives are right ----------------------------------------------------

def _points(fn):
    """Inside each function's domain (asec, acsc, acosh, acoth need |x| > 1)."""
    if fn.name in ("asec", "acsc", "acosh", "acoth"):
        return np.linspace(1.3, 1.9, 7)
    return np.linspace(0.3, 0.9, 7)


@pytest.mark.parametrize("fn", [f for f in functions.REGISTRY.functions if f.derivatives], ids=lambda f: f.name)
def test_each_derivative_matches_a_finite_difference_of_the_order_below(fn):
    xs = _points(fn)
    h = 1e-5
    lower = [lambda v: fn.value([v])] + list(fn.derivatives)
    for order, d in enumerate(fn.derivatives, start=1):
        if fn.name == "relu" and order > 1:
            continue   # a kink, not smooth: ReLU'' is 0 away from it, checked below
        numeric = (lower[order - 1](xs + h) - lower[order - 1](xs - h)) / (2 * h)
        assert np.allclose(d(xs), numeric, rtol=1e-5, atol=1e-6), (fn.name, order)


def test_relu_higher_derivatives_are_zero_away_from_the_kink():
    relu = functions.lookup("ReLU")
    assert list(relu.derivatives[1](np.array([-1.0, 1.0]))) == [0.0, 0.0]


def test_every_spelling_is_unique_and_lookups_agree():
    seen = functions.spellings()
    assert len(seen) == len(set(seen))
    assert functions.lookup("ln").name == "log" and functions.canonical_name("sigma") == "sigmoid"
    assert functions.by_name("sigma") is None and functions.by_name("sigmoid").name == "sigmoid"
    with pytest.raises(ValueError, match="two functions are spelled 'ln'"):
        functions.REGISTRY.adding(functions.Function("ln2", math.log, ("ln",)))


@pytest.mark.parametrize("fn", functions.REGISTRY.functions, ids=lambda f: f.name)
def test_every_function_converts_to_sympy_without_evaluating(fn):
    """The SymPy name each entry gives exists and builds an unevaluated expression of the
    same function (no SymPy class: an undefined function of the registry name)."""
    import sympy as sp
    args = ", ".join(["x", "y", "z"][: fn.min_args])
    expr = parse(f"{fn.name}({args})", table_for(["x", "y", "z"])).sympy()
    symbols = [sp.Symbol(n, real=True) for n in ["x", "y", "z"][: fn.min_args]]
    if fn.sympy is None:
        assert expr == sp.Function(fn.name)(*symbols)
    else:
        assert expr == getattr(sp, fn.sympy)(*symbols, evaluate=False)
