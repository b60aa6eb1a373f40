"""`grader validate` evaluates a per-student part's reference for every sampled student (issue 28,
item 1): a whole check of the reference is made for the course's values and the first three
drawn students only, so a reference that some values put out of reach (a division by zero, a log
at zero, a condition no sample meets) was found only when one of those three drew them.

Each file is named so that students validate-a, -b and -c do not draw the bad values (the id
seeds the draw): without the check across the sample these problems pass validate.
"""
from __future__ import annotations

from pathlib import Path

import grader
from click.testing import CliRunner

from grader.checking import checker
from grader.checking.variants import variant_values
from grader.authoring.loader import _load
from grader.authoring.validation import REFERENCE_STUDENTS, VALIDATION_STUDENTS
from grader.interfaces.cli import main

NUMERIC = """\
title: Reciprocal
statement: A reciprocal.
symbols:
  x: scalar
given: {x: 3}
variants:
  x: {choices: [1, 2, 3]}
parts:
  - id: inv
    prompt: What is 1/(x-2)?
    kind: numeric
    answer: "1/(x-2)"
    tolerance: {absolute: 0.001}
    points: 1
    tests:
      - {answer: "1", status: correct}
"""

LOG = """\
title: Shifted log
statement: A logarithm.
symbols:
  w: scalar
given: {w: 0.05}
variants:
  w: {low: 0.01, high: 0.05, step: 0.01}
parts:
  - id: log
    prompt: What is log(w - 0.02)?
    kind: numeric
    answer: "log(w - 0.02)"
    tolerance: {absolute: 0.001}
    points: 1
    tests:
      - {answer: "-3.507", status: correct}
"""

EXPRESSION = """\
title: Reciprocal expression
statement: A quotient.
symbols:
  x: scalar
  z: scalar
given: {x: 3}
variants:
  x: {choices: [1, 2, 3]}
parts:
  - id: quot
    prompt: What is z/(x-2)?
    kind: expression
    answer: "z/(x-2)"
    points: 1
    tests:
      - {answer: "z/(x-2)", status: correct}
"""

# z is drawn from [-2, 2]: with x = 5 no z lies below 3 - x = -2
CONDITION = """\
title: Narrow condition
statement: A product below a line.
symbols:
  x: scalar
  z: scalar
given: {x: 0}
variants:
  x: {choices: [0, 1, 2, 5]}
parts:
  - id: prod
    prompt: What is z*x, for z < 3 - x?
    kind: expression
    where: "z < 3 - x"
    answer: "z*x"
    points: 1
    tests:
      - {answer: "x*z", status: correct}
"""


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(i) for i in grader.validate([path], warnings=True)]


def first_students_values(path: Path, name: str) -> list[float]:
    problem, _ = _load(path)
    return [variant_values(problem, s)[name] for s in VALIDATION_STUDENTS[:REFERENCE_STUDENTS]]


def test_a_numeric_reference_infinite_for_some_students_is_an_error_naming_them(tmp_path):
    path = write(tmp_path, NUMERIC, "reciprocal.yaml")
    assert 2.0 not in first_students_values(path, "x")      # the whole check alone cannot see it
    assert messages(path) == [
        f"{path}:9: part 'inv': the reference answer '1/(x-2)' is not a finite number for 72 of 200 sampled "
        f"students, e.g. with x = 2 (it gives inf): their answers are not graded; change the "
        f"variants or the reference"]
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert (result.exit_code, result.stderr) == (5, "1 problem(s) found.\n")


def test_a_log_reaching_zero_and_below_is_one_error_with_the_first_student_values(tmp_path):
    # w = 0.01 gives nan (log of a negative number), w = 0.02 gives -inf: one message for both
    path = write(tmp_path, LOG, "shifted-log.yaml")
    assert {0.01, 0.02}.isdisjoint(first_students_values(path, "w"))
    assert messages(path) == [
        f"{path}:9: part 'log': the reference answer 'log(w - 0.02)' is not a finite number for 83 of 200 "
        f"sampled students, e.g. with w = 0.01 (it gives nan): their answers are not graded; "
        f"change the variants or the reference"]


def test_an_expression_reference_undefined_everywhere_for_some_students_is_an_error(tmp_path):
    path = write(tmp_path, EXPRESSION, "reciprocal-expression.yaml")
    assert 2.0 not in first_students_values(path, "x")
    assert messages(path) == [
        f"{path}:10: part 'quot': the reference answer 'z/(x-2)' is undefined at almost every sampled point "
        f"for 72 of 200 sampled students, e.g. with x = 2: their answers are not graded; change "
        f"the variants or the reference"]


def test_a_condition_no_sample_meets_for_some_students_is_an_error(tmp_path):
    path = write(tmp_path, CONDITION, "narrow-condition.yaml")
    assert 5.0 not in first_students_values(path, "x")
    assert messages(path) == [
        f"{path}:10: part 'prod': the condition 'z < 3 - x' cannot be met for 51 of 200 sampled students, "
        f"e.g. with x = 5: only 0 of 1024 random samples meet the condition, 64 are needed"]


def test_a_student_the_whole_check_also_meets_is_reported_once(tmp_path):
    # named so that validate-a draws x = 2: the sample's message stands for the whole check's
    path = write(tmp_path, NUMERIC, "inverse.yaml")
    assert 2.0 in first_students_values(path, "x")
    assert messages(path) == [
        f"{path}:9: part 'inv': the reference answer '1/(x-2)' is not a finite number for 66 of 200 sampled "
        f"students, e.g. with x = 2 (it gives inf): their answers are not graded; change the "
        f"variants or the reference"]


def test_values_that_keep_the_reference_finite_are_clean(tmp_path):
    path = write(tmp_path, NUMERIC.replace("[1, 2, 3]", "[1, 3, 4]"),
                 "reciprocal.yaml")
    assert messages(path) == []


def test_what_the_course_values_show_is_said_once_by_the_whole_check(tmp_path):
    path = write(tmp_path, NUMERIC.replace("given: {x: 3}", "given: {x: 2}"), "reciprocal.yaml")
    broken = ("Not graded: the problem bank cannot check this part (its reference answer '1/(x-2)' is not a "
              "finite number for these values). This is not a mistake in your answer; your instructor has to "
              "fix the problem.")
    assert messages(path) == [
        f"{path}:9: part 'inv': the reference answer '1/(x-2)' is graded not-graded: {broken}",
        f"{path}:16: part 'inv': test answer '1' should be correct but is not-graded: the reference gives inf for "
        f"the course's values, the answer 1 (feedback: {broken})"]


# --- grading itself, for a student whose values put the reference or a rule out of reach --------

def test_no_number_is_graded_correct_against_an_infinite_reference(tmp_path):
    # the tolerance's slack grows with the reference: an infinite one took in every number
    problem, _ = _load(write(tmp_path, NUMERIC, "reciprocal.yaml"))
    for answer in ("1", "-7.5", "1/0"):
        verdict = checker.check(problem, problem.parts[0], answer, {"x": 2.0})
        assert (verdict.status, verdict.rule, verdict.feedback) == ("not-graded", "broken-part", (
            "Not graded: the problem bank cannot check this part (its reference answer '1/(x-2)' is not a finite "
            "number for these values). This is not a mistake in your answer; your instructor has to fix the "
            "problem.",))
    assert checker.check(problem, problem.parts[0], "1", {"x": 3.0}).status == "correct"


def test_a_mistake_rule_infinite_for_these_values_does_not_take_every_answer(tmp_path):
    text = NUMERIC.replace('answer: "1/(x-2)"', 'answer: "1/(x-1)"').replace("    tests:", """\
    mistakes:
      - answer: "1/(x-2)"
        message: "Subtract 1, not 2."
        tag: minus-two
    tests:""").replace('"1", status', '"0.5", status')
    problem, _ = _load(write(tmp_path, text, "reciprocal.yaml"))
    verdict = checker.check(problem, problem.parts[0], "5", {"x": 2.0})
    assert (verdict.status, verdict.rule) == ("incorrect", None)
    assert checker.check(problem, problem.parts[0], "1", {"x": 2.0}).status == "correct"


FORMULA_TEST = """\
title: Scaled
statement: A product.
symbols:
  x: scalar
  w: scalar
given: {x: 3, w: 0.5}
variants:
  x: {choices: [1, 2, 3]}
parts:
  - id: z
    prompt: What is w*x?
    kind: numeric
    formula: true
    answer: "w*x"
    tolerance: {absolute: 0.001}
    points: 1
    tests:
      - {answer: "1.5", status: correct}
      - {answer: "x*w", status: correct}
      - {answer: "w*3", status: correct}
"""


def test_a_test_written_with_the_given_names_is_checked_for_every_sampled_student(tmp_path):
    # `w*3` is right for the course's x = 3 only; `1.5`, a number typed for the course's values, is
    # checked with them alone, and `x*w` holds for everyone
    path = tmp_path / "scaled.yaml"
    path.write_text(FORMULA_TEST, encoding="utf-8")
    problem, lines = _load(str(path))
    xs = [variant_values(problem, s)["x"] for s in VALIDATION_STUDENTS]
    assert lines[("test", "z", 2)] == 20
    other = sum(1 for x in xs if x != 3)
    first = next(x for x in xs if x != 3)
    assert [str(i) for i in grader.validate([path])] == [
        f"{path}:20: part 'z': test answer 'w*3' should be correct but is incorrect for {other} of "
        f"{len(VALIDATION_STUDENTS)} sampled students, e.g. with x = {first:g} (feedback: 1.5 is {abs(1.5 / (0.5 * first) - 1):.0%} "
        f"away from the value; this part needs an error below 0.001.)"]
