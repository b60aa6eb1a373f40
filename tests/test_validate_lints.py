"""`grader validate` across students and its lints (issue 28, items 1 and 2).

Per-student values are invisible to a check made with the course's values only: these tests
build problems whose flaw shows for some drawn students only, or only to a lint, and read the
exact message validate gives at the exact line.
"""
from __future__ import annotations

from pathlib import Path

import grader
from click.testing import CliRunner

from grader.interfaces.cli import main

# a weight-decay step: w' = w - lr*(g + lam*w). Forgetting the decay changes the answer by
# lr*lam*w = 0.001*w, inside the absolute tolerance 0.001 for every student whose w is below 1
WEIGHT_DECAY = """\
title: Weight decay
statement: One gradient step with weight decay.
symbols:
  w: scalar
  g: scalar
  lr: scalar
  lam: scalar
given: {{w: 1.5, g: 0.5, lr: 0.1, lam: 0.01}}
variants:
  w: {{low: {low}, high: 2.0, step: 0.1}}
parts:
  - id: step
    prompt: What is the new weight?
    kind: numeric
    answer: "{answer}"
    tolerance: {{absolute: 0.001}}
    points: 1
    mistakes:
      - answer: "w - lr*g"
        message: "You forgot the weight decay."
        tag: forgot-decay
    tests:
      - {{answer: "1.4485", status: correct}}
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(i) for i in grader.validate([path], warnings=True)]


def test_a_rule_within_tolerance_for_some_students_is_an_error_naming_their_values(tmp_path):
    path = write(tmp_path, WEIGHT_DECAY.format(low=0.1, answer="w - lr*(g + lam*w)"))
    assert messages(path) == [
        f"{path}:19: part 'step': mistake 'forgot-decay' ('w - lr*g') is within the tolerance of the reference "
        f"answer for 100 of 200 sampled students, e.g. with w = 0.9: such a student gets full marks for the "
        f"mistake; tighten the tolerance or change the variants"]


def test_the_same_rule_is_clean_when_no_student_can_collide(tmp_path):
    path = write(tmp_path, WEIGHT_DECAY.format(low=1.1, answer="w - lr*(g + lam*w)"))
    assert messages(path) == []


def test_a_typed_number_reference_in_a_per_student_part_is_refused(tmp_path):
    path = write(tmp_path, WEIGHT_DECAY.format(low=1.1, answer="1.4485"))
    assert messages(path) == [
        f"{path}:12: part 'step': the reference answer '1.4485' is a typed number, but each student has their "
        f"own values (w): write it as a formula of the given names, so that each student is graded against "
        f"their own number"]


# forgetting the input x is harmless for a student whose x is 1: the same number, exactly
INPUT_ONE = """\
title: Input one
statement: A product.
symbols:
  w: scalar
  g: scalar
given: {w: 2, g: 0.5}
variants:
  w: {choices: [1, 2]}
parts:
  - id: grad
    prompt: What is the gradient?
    kind: numeric
    answer: "w*g"
    tolerance: {absolute: 0.001}
    points: 1
    mistakes:
      - answer: "g"
        message: "You forgot the factor w."
        tag: missing-w
    tests:
      - {answer: "1", status: correct}
"""


def test_a_rule_exactly_right_for_some_students_is_a_warning_that_only_strict_fails_on(tmp_path):
    path = write(tmp_path, INPUT_ONE)
    expected = (f"{path}:17: warning: part 'grad': mistake 'missing-w' ('g') gives exactly the reference's number "
                f"for 100 of 200 sampled students, e.g. with w = 1: for them it cannot be told from the right answer")
    assert messages(path) == [expected]
    assert grader.validate([path]) == []
    plain = CliRunner().invoke(main, ["validate", str(path)])
    assert (plain.exit_code, plain.stdout, plain.stderr) == (
        0, "", "All problem files are valid.\n")
    strict = CliRunner().invoke(main, ["validate", "--strict", str(path)])
    assert (strict.exit_code, strict.stdout, strict.stderr) == (
        5, expected + "\n", "0 problem(s) and 1 warning(s) found.\n")


# one flaw of each kind the lints look for, in a problem that otherwise grades as meant
LINTED = """\
title: Linted
statement: A unit computes a = f(z) with z = w*x; delta = da/dz.
symbols:
  a: scalar
  z: scalar
  w: scalar
  x: scalar
  delta: scalar
  unused_name: scalar
  f: function
parts:
  - id: grad
    prompt: What is da/dw?
    kind: expression
    answer: "f'(z)*x"
    forbidden: [delta1]
    required: [x]
    points: 1
    mistakes:
      - answer: "f'(z)"
        message: "The answer is f'(z)*x: you forgot the input."
        tag: forgot-input
    tests:
      - {answer: "f'(z)*x", status: correct}
  - id: which
    prompt: Which is the chain rule?
    kind: choice
    options: ["da/dw = da/dz * dz/dw", "da/dw = da/dz + dz/dw", "da/dw  =  da/dz * dz/dw"]
    answer: A
    points: 1
"""


def test_each_lint_names_its_line_and_only_errors_fail_plain_validate(tmp_path):
    path = write(tmp_path, LINTED)
    assert messages(path) == [
        f"{path}:12: part 'grad': 'delta1' in forbidden is not a name this problem declares (did you mean 'delta'?)",
        f"{path}:20: warning: part 'grad': the message of mistake 'forgot-input' contains the reference answer "
        f"'f'(z)*x': it gives the answer away",
        f"{path}:25: part 'which': options A and C are the same ('da/dw  =  da/dz * dz/dw')",
        f"{path}:25: warning: part 'which': it has no tests: add a right answer and one for each mistake, so that "
        f"validate shows it grades as you mean",
        f"{path}: warning: symbol 'unused_name' is declared but used nowhere (not in the text, an answer, a test "
        f"or a condition)",
    ]
    assert [str(i) for i in grader.validate([path])] == messages(path)[:1] + messages(path)[2:3]


def test_a_condition_is_checked_for_every_sampled_student(tmp_path):
    text = WEIGHT_DECAY.format(low=1.1, answer="w - lr*(g + lam*w)").replace(
        "    kind: numeric\n", "    kind: numeric\n    where: \"w < 1.95\"\n")
    path = write(tmp_path, text)
    assert messages(path) == [
        f"{path}:15: part 'step': a sampled student's values (w = 2) do not meet "
        f"the condition 'w < 1.95'"]


def test_a_rule_within_a_numeric_tolerance_for_the_course_values_can_never_fire(tmp_path):
    path = write(tmp_path, WEIGHT_DECAY.format(low=1.1, answer="w - lr*(g + lam*w)").replace("w: 1.5,", "w: 0.5,")
                 .replace('answer: "1.4485"', 'answer: "0.4495"'))
    assert messages(path) == [
        f"{path}:19: part 'step': mistake 'forgot-decay' ('w - lr*g') is within the tolerance of the reference "
        f"answer for the course's values: it can never fire"]
