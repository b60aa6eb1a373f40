"""Restatements by structure (issue 26, item 3): once a part is known to ask for the derivative
of F, an answer using that derivative of F at any argument, however dressed, is the question
itself; a part whose reference uses F' keeps accepting answers written with it; validate tries
disguises and reports any the checker would accept."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader
from grader.interfaces.cli import main

QUESTION = "That is the question itself: write it in terms of tanh(z)."
VALUE = "That is the question itself: write its value."


@pytest.mark.parametrize("problem, part, answer, status, message", [
    # the Done-when answers
    ("activations", "tanh-derivative", "tanh'(-z)", "invalid", QUESTION),
    ("relu", "derivative-positive", "relu'(2*z)", "invalid", VALUE),
    # the same derivative, dressed up
    ("activations", "tanh-derivative", "tanh'(z) + 0", "invalid", QUESTION),
    ("activations", "tanh-derivative", "2*tanh'(z)/2", "invalid", QUESTION),
    ("activations", "tanh-derivative", "(1 - tanh(z)^2)*tanh'(0)", "invalid", QUESTION),
    ("relu", "derivative-positive", "relu'(z+1)", "invalid", VALUE),
    ("relu", "derivative-negative", "relu'(-z^2)", "invalid", VALUE),
    # what was refused before still is, and right answers stay right
    ("activations", "tanh-derivative", "tanh'(z)", "invalid", QUESTION),
    ("activations", "tanh-derivative", "1 - tanh(-z)^2", "correct", None),
    ("relu", "derivative-positive", "relu(2*z)/(2*z)", "correct", None),
    # a reference that uses f' itself: answers written with f' are answers
    ("output-error", "delta-L", "(a_j^L - y_j)*f'(z_j^L)", "correct", None),
    ("output-error", "delta-L", "a_j^L f'(z_j^L) - y_j f'(z_j^L)", "correct", None),
])
def test_bank_rows(problem, part, answer, status, message):
    verdict = grader.check(problem, part, answer).verdict
    assert verdict.status == status
    if message is not None:
        assert verdict.feedback == (message,)
        assert verdict.rule == "restatement"


@pytest.mark.parametrize("answer, lines", [
    ("tanh'(-z)", ["Invalid  (0/1 point)", "Interpreted as: tanh′(−z)", QUESTION]),
    ("relu'(2*z)", ["Invalid  (0/1 point)", "Interpreted as: ReLU′(2·z)", VALUE]),
])
def test_cli(answer, lines):
    problem, part = ("activations", "tanh-derivative") if "tanh" in answer else ("relu", "derivative-positive")
    result = CliRunner().invoke(main, ["check", problem, part, answer])
    assert result.output.splitlines() == lines
    assert result.exit_code != 0


SECOND = """\
title: Second derivative
statement: "The logistic function sigma."
symbols:
  z: scalar
parts:
  - id: second
    prompt: "What is the second derivative of sigma(z)? You may use sigma'(z)."
    kind: expression
    answer: "sigma'(z)*(1 - 2*sigma(z))"
    points: 1
"""


def _bank(tmp_path, text: str, name: str = "p"):
    (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("answer, status", [
    ("sigma'(z)*(1 - 2*sigma(z))", "correct"),     # the derivative the reference uses is an answer
    ("sigma'(-z)*(1 - 2*sigma(z))", "correct"),    # sigma' is even: still an answer
    ("sigma''(z)", "invalid"),                     # the asked derivative, at any argument
    ("sigma''(-z)*(-1)", "invalid"),
    ("sigma''(z) + 0", "invalid"),
])
def test_second_derivative_keeps_the_first(tmp_path, answer, status):
    verdict = grader.check("p", "second", answer, problems=_bank(tmp_path, SECOND)).verdict
    assert verdict.status == status
    if status == "invalid":
        assert verdict.rule == "restatement"


ALLOWED = SECOND.replace("    points: 1\n", "    points: 1\n    allow_restatement: true\n")


def test_allow_restatement_turns_it_off(tmp_path):
    assert grader.check("p", "second", "sigma''(-z)*(-1)", problems=_bank(tmp_path, ALLOWED)).verdict.status == "correct"


EXP = """\
title: Exponential
statement: "The exponential."
symbols:
  z: scalar
parts:
  - id: slope
    prompt: "What is the derivative of exp at 2z?"
    kind: expression
    answer: "exp(z)^2"
    points: 1
"""


def test_validate_reports_a_disguise_the_checker_accepts(tmp_path):
    """exp'(z) is not exp(z)^2, so the checker cannot know the part asks for exp'; exp'(2*z) is:
    validate tries it in disguise and says so."""
    folder = _bank(tmp_path, EXP)
    result = CliRunner().invoke(main, ["validate", str(folder / "p.yaml")])
    assert result.exit_code != 0
    assert (f"{folder / 'p.yaml'}:6: part 'slope': the restatement 'exp'(2*z)' of the question is graded correct: "
            "forbid it ('forbidden') or accept it on purpose ('allow_restatement: true')") in result.output.splitlines()


def test_validate_quiet_on_the_bank():
    result = CliRunner().invoke(main, ["validate", str(Path(__file__).parent.parent / "problems")])
    assert result.exit_code == 0, result.output
    assert "restatement" not in result.output
