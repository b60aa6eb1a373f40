"""Numeric parts take numbers (issue 26, item 7): a number or arithmetic on numbers is graded;
a formula in the problem's names is refused, since the grader would do the student's
computation; `formula: true` accepts formulas on purpose."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

import grader
from grader.authoring.loader import ProblemError, load_problem
from grader.interfaces.cli import main

TWO_LAYER_NAMES = "Write the number: this part asks for its value, not a formula in b, t, w1, w2 and x."


@pytest.mark.parametrize("part, answer, status, message", [
    # numbers and arithmetic on numbers (functions and constants included) are the student's computation
    ("loss", "0.288", "correct", None),
    ("loss", "1/2*(sigma(-1.15)-1)^2", "correct", None),
    ("loss", "(1/(1+e^1.15) - 1)^2/2", "correct", None),
    ("dC-db", "(sigma(-1.15)-1)*sigma(-1.15)*(1-sigma(-1.15))", "correct", None),
    # formulas in the given names are refused, right or wrong
    ("loss", "1/2*(sigma(w2*relu(w1*x)+b)-t)^2", "invalid", TWO_LAYER_NAMES),
    ("loss", "(sigma(w2*relu(w1*x)+b)-t)^2", "invalid", TWO_LAYER_NAMES),
    ("dC-dw1", "(sigma(-1.15)-1)*sigma(-1.15)*(1-sigma(-1.15))*w2*x",
     "invalid", "Write the number: this part asks for its value, not a formula in w2 and x."),
    ("dC-db", "sigma(-1.15) - t", "invalid", "Write the number: this part asks for its value, not a formula in t."),
    # the asked quantity itself stays a restatement
    ("loss", "C", "invalid", "That is the question itself: write its value."),
])
def test_two_layer_rows(part, answer, status, message):
    verdict = grader.check("two-layer-example", part, answer).verdict
    assert verdict.status == status
    if message is not None:
        assert verdict.feedback == (message,)
        assert verdict.rule == ("formula" if "formula" in message else "restatement")


def test_cli():
    result = CliRunner().invoke(main, ["check", "two-layer-example", "loss", "1/2*(sigma(w2*relu(w1*x)+b)-t)^2"])
    assert result.output.splitlines() == ["Invalid  (0/1 point)",
                                          "Interpreted as: 1/2·(σ(w2·ReLU(w1·x) + b) − t)²", TWO_LAYER_NAMES]
    assert result.exit_code != 0
    result = CliRunner().invoke(main, ["check", "two-layer-example", "loss", "1/2*(sigma(-1.15)-1)^2"])
    assert result.output.splitlines()[0] == "Correct  (1/1 point)" and result.exit_code == 0


PROBLEM = """\
title: Weight decay, one step
statement: "A weight w12 = 0.5 with gradient DW = 0.3 over m = 10 examples and lambda = 0.1."
symbols:
  DW: scalar
  m: scalar
  lambda: scalar
  w12: scalar
given: {DW: 0.3, m: 10, lambda: 0.1, w12: 0.5}
parts:
  - id: grad
    prompt: "What is the regularised gradient DW/m + lambda*w12 for these values?"
    kind: numeric
    answer: "DW/m + lambda*w12"
    tolerance: {absolute: 0.0001}
    points: 1{extra}
    tests:
      - {answer: "0.08", status: correct}
      - {answer: "0.3/10 + 0.1*0.5", status: correct}
"""


def _bank(tmp_path, extra: str = ""):
    (tmp_path / "wd.yaml").write_text(textwrap.dedent(PROBLEM).replace("{extra}", extra), encoding="utf-8")
    return tmp_path


def test_weight_decay_formula_refused_by_default(tmp_path):
    verdict = grader.check("wd", "grad", "DW/m + lambda*w12", problems=_bank(tmp_path)).verdict
    assert (verdict.status, verdict.feedback) == (
        "invalid", ("Write the number: this part asks for its value, not a formula in DW, m, w12 and λ.",))
    assert grader.check("wd", "grad", "0.3/10 + 0.1*0.5", problems=_bank(tmp_path)).verdict.status == "correct"


def test_formula_true_accepts_formulas(tmp_path):
    folder = _bank(tmp_path, "\n    formula: true")
    assert grader.check("wd", "grad", "DW/m + lambda*w12", problems=folder).verdict.status == "correct"
    assert grader.check("wd", "grad", "DW/m", problems=folder).verdict.status == "incorrect"


def test_validate_proves_a_numeric_reference_written_as_a_formula(tmp_path):
    """The instructor's reference is a formula in the given names: validate checks it as one."""
    result = CliRunner().invoke(main, ["validate", str(_bank(tmp_path) / "wd.yaml")])
    assert result.exit_code == 0, result.output


def test_formula_only_on_numeric_parts(tmp_path):
    text = textwrap.dedent(PROBLEM).replace("{extra}", "\n    formula: true").replace("kind: numeric", "kind: expression") \
        .replace("    tolerance: {absolute: 0.0001}\n", "")
    (tmp_path / "wd.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(tmp_path / "wd.yaml")
    assert err.value.message == "part 'grad': only numeric parts take 'formula' (other parts take formulas)"
    assert err.value.line == 15
