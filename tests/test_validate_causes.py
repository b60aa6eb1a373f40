"""Validate names the cause of a broken part (issue 28, item 3), not only the student's sentence
it would produce: a `required` name the reference itself does not use, a numeric reference using
a name `given` has no value for, and a failing numeric test with both numbers."""
from __future__ import annotations

from pathlib import Path

from grader.authoring.validation import validate

PROBLEM = """\
title: Demo
statement: |
  Notation used in this problem: x and y.
symbols:
  x: scalar
  y: scalar
given: {x: 3, y: 2}
parts:
  - id: num
    prompt: What is 2x?
    kind: numeric
    answer: "2*x"
    tolerance: {absolute: 0.01}
    hints: [one, two]
    tests:
      - {answer: "6", status: correct}
      - {answer: "7", status: incorrect}
  - id: expr
    prompt: What is the derivative of x^2?
    kind: expression
    answer: "2*x"
    hints: [one, two]
    tests:
      - {answer: "2*x", status: correct}
"""


def _issues(tmp_path: Path, old: str, new: str) -> list[str]:
    text = PROBLEM.replace(old, new, 1)
    assert text != PROBLEM
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(i).split(": ", 1)[1] for i in validate([path])]


def test_the_file_as_written_is_valid(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(PROBLEM, encoding="utf-8")
    assert validate([path]) == []


def test_a_required_name_the_reference_does_not_use_is_named(tmp_path):
    issues = _issues(tmp_path, '    answer: "2*x"\n    hints: [one, two]\n    tests:\n      - {answer: "2*x"',
                     '    answer: "2*x"\n    required: [y]\n    hints: [one, two]\n    tests:\n      - {answer: "2*x"')
    assert ("part 'expr': 'required' names 'y', which the reference answer '2*x' does not use: every answer "
            "written like the reference is refused; drop it from 'required' or write the reference with it") in issues


def test_a_numeric_reference_using_a_name_given_lacks_is_named(tmp_path):
    issues = _issues(tmp_path, 'given: {x: 3, y: 2}\nparts:\n  - id: num\n    prompt: What is 2x?\n'
                               '    kind: numeric\n    answer: "2*x"',
                     'given: {x: 3}\nparts:\n  - id: num\n    prompt: What is 2x?\n'
                     '    kind: numeric\n    answer: "2*x*y"')
    assert issues[0] == ("part 'num': the reference answer '2*x*y' uses y, which 'given' has no value for: a "
                         "numeric part is computed from the given values (add y to 'given')")


def test_a_failing_numeric_test_says_both_numbers(tmp_path):
    issues = _issues(tmp_path, '{answer: "7", status: incorrect}', '{answer: "7", status: correct}')
    assert issues == ["part 'num': test answer '7' should be correct but is incorrect: the reference gives 6 for the "
                      "course's values, the answer 7 (feedback: 7 is 17% away from the value; this part needs an "
                      "error below 0.01.)"]
