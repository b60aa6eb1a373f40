"""The bank's faults are never the students' (issue 23, item 9): a scalar defined by an
expression grades like any other name; a part the bank cannot grade is "not graded" in every
output of a class run, which exits 3 and says which part and why; a class run refuses a bank
that fails validate unless told to go ahead.
"""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from grader.authoring.loader import load_problem
from grader.checking.grading import grade_answer
from grader.interfaces.cli import main
from grader.model import CORRECT, INCORRECT

DEFINED = """\
title: A defined scalar
statement: s stands for tanh(x).
symbols:
  x: {kind: scalar}
  s: {kind: scalar, definition: "tanh(x)"}
parts:
  - id: slope
    prompt: "What is ds/dx, in terms of s?"
    kind: expression
    answer: "1-s^2"
    points: 1
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scalar_definition_grades_right_and_wrong_answers(tmp_path):
    problem = load_problem(write(tmp_path / "bank" / "defined.yaml", DEFINED))
    part = problem.part("slope")
    right = grade_answer(problem, part, "1 - tanh(x)^2", seconds=None)
    assert (right.status, right.score, right.feedback) == (CORRECT, 1.0, ())
    wrong = grade_answer(problem, part, "1-s", seconds=None)
    assert (wrong.status, wrong.score) == (INCORRECT, 0.0)
    # the point quoted is a drawn name's (x), never the defined s, which has no drawn value
    assert wrong.feedback == ("At x = 1.259, your answer is 0.1493 but the expected value is 0.2763.",)


def test_a_scalar_definition_through_grader_check(tmp_path):
    write(tmp_path / "bank" / "defined.yaml", DEFINED)
    run = CliRunner().invoke(main, ["check", "--problems", str(tmp_path / "bank"), "defined", "slope", "s"])
    assert run.exit_code == 1, run.output
    assert "Incorrect  (0/1 points)" in run.output
    assert "At x = 1.259, your answer is 0.8507 but the expected value is 0.2763." in run.output
