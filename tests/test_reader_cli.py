"""The command line for issue 13: `grader compare` reads like a student's check, LaTeX answers
are echoed in LaTeX, and the help says how to quote answers for the shell. Through click's
CliRunner and through a real subprocess (the shell's view of the arguments)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.interfaces.cli import main

REPO = Path(__file__).resolve().parent.parent


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def compare_json(*args):
    result = run("compare", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


# --- grader compare -----------------------------------------------------------------------------

@pytest.mark.parametrize("student, reference", [
    ("-x+1", "1-x"), ("-z", "-z"), ("-(a_{0} - 1)", "1-a_0"), (r"-\frac{1}{2}", "-0.5"),
])
def test_compare_expressions_starting_with_a_minus_need_no_double_dash(student, reference):
    code, out = compare_json(student, reference)
    assert (code, out["status"]) == (0, "equivalent")


def test_compare_brace_subscripts_are_names():
    code, out = compare_json("a_{0}*w_{1}", "w_1*a_0")
    assert (code, out["status"], out["student"]) == (0, "equivalent", "a_0·w_1")


def test_compare_unknown_function_is_an_error_unless_declared():
    code, out = compare_json("f(x)*(1-f(x))", "f'(x)")
    assert code == 1 and out["status"] == "invalid"
    assert out["message"] == ("Unknown function 'f': declare it with --function f if it stands for any function, "
                              "or write f*(...) for a product.")
    code, out = compare_json("f(x)*(1-f(x))", "f'(x)", "--function", "f")
    assert (code, out["status"]) == (1, "different")
    code, out = compare_json("--function", "f", "f'(x)", "f'(x)")
    assert (code, out["status"]) == (0, "equivalent")


def test_compare_misspelt_builtin_gets_a_suggestion_not_a_made_up_function():
    code, out = compare_json("sine(x)", "sin(x)")
    assert code == 1 and out["message"].startswith("Unknown function 'sine': did you mean sin or sinh?")


def test_compare_a_name_used_alone_too_is_a_product_before_brackets():
    code, out = compare_json("x(1-x)", "x-x^2")
    assert (code, out["status"]) == (0, "equivalent")


def test_compare_reads_latex():
    code, out = compare_json(r"\frac{e^{-z}}{(1+e^{-z})^2}", r"\sigma(z)(1-\sigma(z))")
    assert (code, out["status"]) == (0, "equivalent")


def test_compare_needs_exactly_two_expressions():
    result = run("compare", "x")
    assert result.exit_code == 2
    assert "compare needs two expressions, STUDENT and REFERENCE (got 1)" in result.output


# --- LaTeX answers in grader check --------------------------------------------------------------

def test_check_echoes_a_latex_answer_in_latex():
    result = run("check", "sigmoid", "derivative", r"\frac{e^{-z}}{(1+e^{-z})^2}")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:3] == [
        "Interpreted as: e^(−z)/(1 + e^(−z))²",
        r"In LaTeX:       \frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}",
    ]


def test_check_does_not_echo_a_plain_answer_in_latex():
    result = run("check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")
    assert "In LaTeX" not in result.stdout


def test_check_points_at_the_unclosed_brace_in_latex():
    result = run("check", "sigmoid", "derivative", r"\frac{e^{-z}}{(1+e^{-z})^2")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:4] == [
        r"  \frac{e^{-z}}{(1+e^{-z})^2",
        "               ^",          # under the '{' that opens the denominator
        "This '{' is never closed.",
    ]


# --- the shell ------------------------------------------------------------------------------------

def test_check_help_says_how_to_quote():
    out = run("check", "--help").stdout
    assert "single quotes keep ( ) * | ! $ \\ as typed" in out
    assert "an answer with a prime needs double quotes" in out
    assert "ANSWER \"-\" (standard input)" in out


def test_syntax_guide_has_the_shell_and_latex_sections():
    out = run("syntax").stdout
    assert "## Typing answers in a shell" in out and "## LaTeX" in out


def test_readme_says_how_to_quote():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "### Typing answers in a shell" in readme and "reads the answer from standard input" in readme


def _grader(*args, input=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], input=input, capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_real_process_compare_with_a_leading_minus_and_latex():
    proc = _grader("compare", "-x+1", r"1-\frac{2x}{2}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "equivalent: The two expressions are equivalent."


def test_real_process_latex_answer_with_a_prime_from_stdin():
    answer = r"\sum_{k} w_{kj}^{(l+1)} \delta_k^{(l+1)} f'(z_j^{(l)})" + "\n"
    proc = _grader("check", "hidden-error", "delta-l", "-", input=answer)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].endswith("(2/2 points)")
