"""Reading, the last mile (issue 26, item 5): a function before a bare argument (`sin 5n`,
`log^2 2n`) reads as written mathematics where the reading is sure and asks for brackets where
it is not; `atan2`; unknown functions of several arguments that a problem declares
(`f: {kind: function, arguments: 2}`). The table at the end is item 8's: representative rows of
each family, written for this course, as verdicts of `compare`."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from conftest import ascii_of, error_of, write
from grader.answers.names import table_for
from grader.answers.parser import parse
from grader.authoring.fieldreader import ProblemError
from grader.authoring.loader import load_problem
from grader.authoring.schema import json_schema
from grader.checking.checker import compare
from grader.interfaces.cli import main

XYN = table_for(["x", "y", "n", "z"])


# --- a function before a bare argument ---------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("sin 5n", "sin(5*n)"),
    ("tanh z", "tanh(z)"),
    ("log 2n", "log(2*n)"),
    ("sinh x", "sinh(x)"),                 # the whole word: sinh, never sin(h x)
    ("log2 x", "log2(x)"),                 # the whole word: log2, never log(2x)
    ("sin x^2", "sin(x^2)"),
    ("sin 2.5x", "sin(2.5*x)"),
    ("sin x cos x", "sin(x)*cos(x)"),
    ("sin x + 1", "sin(x) + 1"),
    ("2 sin x - y", "2*sin(x) - y"),
    ("n log^2 2n", "n*log(2*n)^2"),
    ("(tanh z)", "tanh(z)"),
    ("max(sin x, y)", "max(sin(x), y)"),
])
def test_a_bare_argument_reads_as_written_mathematics(text, shown):
    assert ascii_of(text, XYN) == shown


@pytest.mark.parametrize("text, message, column", [
    ("sin x y", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin 5 n", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin x/2", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin x*y", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin x(1+x)", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin -x", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin 2^x", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin sin x", "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("sin' x", "'sin' is a function: write sin'(...) with its argument in brackets.", 6),
    ("sin'^2 x", "'sin' is a function: write sin'^2(...) with its argument in brackets.", 8),
    ("n log^2 2 n", "'log' is a function: write log^2(...) with its argument in brackets.", 9),
    ("atan2 x", "atan2(...) takes 2 arguments: write them in brackets.", 7),
    ("max x", "max(...) takes at least 2 arguments: write them in brackets.", 5),
])
def test_a_bare_argument_with_two_readings_asks_for_brackets(text, message, column):
    err = error_of(text, XYN)
    assert (err.message, err.column) == (message, column)


@pytest.mark.parametrize("text, shown", [
    (r"\sin 5n", "sin(5*n)"),
    (r"\log 2n", "log(2*n)"),
    (r"\sin 25", "sin(25)"),
    (r"\sin 2.5x", "sin(2.5*x)"),
    (r"\sin x", "sin(x)"),
])
def test_latex_reads_a_number_and_its_letter_as_one_argument(text, shown):
    assert ascii_of(text, XYN) == shown


def test_the_cli_grades_a_bare_argument_and_refuses_an_ambiguous_one():
    run = CliRunner().invoke(main, ["compare", "sin 5n", "sin(5*n)"])
    assert run.stdout.splitlines() == ["Student:   sin(5·n)", "Reference: sin(5·n)",
                                       "equivalent: The two expressions are equivalent."]
    run = CliRunner().invoke(main, ["compare", "sin 5n", "sin(5)*n"])
    assert run.stdout.splitlines()[-1].startswith("different:")
    run = CliRunner().invoke(main, ["compare", "sin x y", "sin(x*y)"])
    assert run.stdout.splitlines()[-1] == \
        "invalid: 'sin' is a function: write sin(...) with its argument in brackets."


# --- atan2 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("student, reference, status", [
    ("atan2(1, 1)", "pi/4", "equivalent"),
    ("atan2(-1, -1)", "-3*pi/4", "equivalent"),
    ("arctan2(y, x)", "atan2(y, x)", "equivalent"),
    ("atan2(y, x)", "atan2(x, y)", "different"),
    ("atan2(y, x)", "atan(y/x)", "different"),          # not where x < 0
])
def test_atan2_is_the_angle_of_a_point(student, reference, status):
    assert compare(student, reference).status == status


def test_atan2_is_the_angle_on_the_right_half_plane():
    assert compare("atan2(y, x)", "atan(y/x)", positive=("x",)).status == "equivalent"


def test_atan2_converts_to_sympy_and_has_no_derivative():
    import sympy as sp
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    assert parse("atan2(y, x)", XYN).sympy() == sp.atan2(y, x, evaluate=False)
    assert error_of("atan2'(x)", XYN).message == "The derivative atan2' is not available here."
    assert error_of("atan2(x)", XYN).message == "atan2(...) takes 2 arguments, not 1."


# --- unknown functions of several arguments --------------------------------------------------

TWO_ARGUMENTS = """\
title: A function of two arguments
statement: f is any smooth function of two arguments, g of one.
symbols:
  x: scalar
  n: scalar
  f: {kind: function, arguments: 2}
  g: function
parts:
  - id: value
    prompt: "Write f at (g(n), 1), plus x."
    kind: expression
    answer: "f(g(n), 1) + x"
    points: 1
"""


@pytest.fixture
def two(tmp_path):
    return write(tmp_path / "two.yaml", TWO_ARGUMENTS).parent


@pytest.mark.parametrize("answer, lines", [
    ("x + f(g(n), 1)", ["Correct  (1/1 point)", "Interpreted as: x + f(g(n), 1)"]),
    ("f(g(n), 2 - 1) + x", ["Correct  (1/1 point)", "Interpreted as: f(g(n), 2 − 1) + x"]),
    ("f(1, g(n)) + x", ["Incorrect  (0/1 point)", "Interpreted as: f(1, g(n)) + x",
                        "Your answer gives different values from the expected answer when tested with random "
                        "values."]),
    ("f(g(n), n) + x", ["Incorrect  (0/1 point)", "Interpreted as: f(g(n), n) + x",
                        "Your answer gives different values from the expected answer when tested with random "
                        "values."]),
    ("f(g(n)) + x", ["Invalid  (0/1 point)", "  f(g(n)) + x", "   ^", "f(...) takes 2 arguments, not 1."]),
    ("f'(g(n), 1) + x", ["Invalid  (0/1 point)", "  f'(g(n), 1) + x", "  ^",
                         "f takes 2 arguments, so it has no derivative f' here."]),
    ("g(n, 1) + x", ["Invalid  (0/1 point)", "  g(n, 1) + x", "   ^", "g(...) takes 1 argument, not 2."]),
])
def test_a_declared_function_of_two_arguments_is_graded(two, answer, lines):
    run = CliRunner().invoke(main, ["check", "--problems", str(two), "two", "value", answer])
    assert run.stdout.splitlines() == lines


def test_show_tells_a_student_how_many_arguments(two):
    run = CliRunner().invoke(main, ["show", "--problems", str(two), "two"])
    assert "Names you can use: x, n, f(..., ...) (function of 2 arguments), g(...) (function; derivative " \
           "g'(...))" in run.stdout


def test_the_loader_reads_arguments_and_the_schema_offers_them(two):
    problem = load_problem(two / "two.yaml")
    assert [(s.name, s.arguments) for s in problem.table.symbols if s.kind == "function"] == [("f", 2), ("g", 1)]
    field = json_schema()["$defs"]["symbol"]["oneOf"][1]["properties"]["arguments"]
    assert (field["minimum"], field["maximum"], field["default"]) == (1, 4, 1)


@pytest.mark.parametrize("declaration, message", [
    ("x: {kind: scalar, arguments: 2}", "symbol 'x': only an unknown function (kind: function, no alias) has "
                                        "'arguments'"),
    ("f: {kind: function, alias: tanh, arguments: 2}", "symbol 'f': only an unknown function (kind: function, no "
                                                       "alias) has 'arguments'"),
    ("f: {kind: function, arguments: 5}", "symbol 'f': 'arguments' must be between 1 and 4"),
    ("f: {kind: function, arguments: 0}", "symbol 'f': 'arguments' must be between 1 and 4"),
])
def test_a_wrong_arguments_field_is_named_with_its_line(tmp_path, declaration, message):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(f"""\
        title: Bad
        statement: A bad declaration.
        symbols:
          {declaration}
        parts:
          - {{id: a, prompt: "?", kind: expression, answer: "1", points: 1}}
        """))
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(info.value) == f"{path}:4: {message}"


def test_a_network_activation_takes_one_argument(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent("""\
        title: Net
        statement: A network whose activation is declared with two arguments.
        symbols:
          z: {kind: indexed, subscripts: 1, superscript: true}
          a: {kind: indexed, subscripts: 1, superscript: true}
          f: {kind: function, arguments: 2}
        indices: {j: unit, l: layer}
        network: {weighted-input: z, activation: a, function: f}
        parts:
          - {id: a, prompt: "?", kind: expression, answer: "a_j^l", points: 1}
        """))
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(info.value) == (f"{path}:8: network: the function 'f' must be a function of one argument, but 'f' "
                               f"is declared as a function")


# --- item 8: representative rows of each family ------------------------------------------------

ROWS = [
    # implicit products of a number and a name
    ("3m", "m*3", "equivalent"),
    ("2x y", "2*x*y", "equivalent"),
    ("3m", "3 + m", "different"),
    # a function and a bare argument
    ("sin 5n", "sin(5*n)", "equivalent"),
    ("n log^2 2n", "n*(log(2) + log(n))^2", "equivalent"),
    ("tanh z", "(exp(2z) - 1)/(exp(2z) + 1)", "equivalent"),
    ("sin 5n", "sin(5)*n", "different"),
    ("log 2n", "log(2)*n", "different"),
    # atan2
    ("atan2(y, x) + atan2(x, y)", "pi/2", "different"),
    ("atan2(2y, 2x)", "atan2(y, x)", "equivalent"),
]


@pytest.mark.parametrize("student, reference, status", ROWS, ids=[f"{r[0]} ~ {r[1]}" for r in ROWS])
def test_representative_rows(student, reference, status):
    assert compare(student, reference, positive=("n",)).status == status


@pytest.mark.parametrize("text, message", [
    ("sin " * 490 + "x", "'sin' is a function: write sin(...) with its argument in brackets."),
    ("tanh z " * 280, "This answer is too complex to check (more than 400 parts)."),
    ("log^2 " * 300 + "2n", "'log' is a function: write log^2(...) with its argument in brackets."),
    ("sin 2x cos " * 180 + "x", "'cos' is a function: write cos(...) with its argument in brackets."),
])
def test_hostile_bare_arguments_are_refused_at_once(text, message):
    """A chain of functions without brackets is never read as a tower of calls (a function is
    no bare argument), so it cannot reach the nesting guard's depth."""
    out = compare(text, "1")
    assert (out.status, out.message) == ("invalid", message)


@pytest.mark.parametrize("student, reference, status", [
    ("2z_j^l", "2*z_j^l", "equivalent"),
    ("tanh 2z_j^l", "tanh(2*z_j^l)", "equivalent"),
    ("tanh 2z_j^l", "tanh(2)*z_j^l", "different"),
])
def test_a_number_before_an_indexed_name_in_a_problem(student, reference, status):
    run = CliRunner().invoke(main, ["compare", "--problem", "hidden-error", student, reference])
    assert run.stdout.splitlines()[-1].split(":")[0] == status, run.output
