"""Choices as students type them (issue 26, item 4): letters run together, lists, a letter
with its option's text or the text's beginning, the option's number; what reads two ways is
refused with a sentence saying both readings."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import grader
from conftest import choice
from grader.checking.checker import check
from grader.interfaces.cli import main
from grader.model import CORRECT, INVALID

UNREADABLE = "Answer with the letter of an option (A to D), its number, or its exact text."


@pytest.mark.parametrize("answer", ["BC", "bc", "CB", "B,C", "B, C", "B C", "B and C", "b;c", "2, 3", "b\nc",
                                    "B) dLoss/dw_1 = (dz_1/dw_1) · (dLoss/dz_1); C) dLoss/dw_1 = x · delta_1",
                                    "(b) dLoss/dw_1 = (dz_1/dw_1); c. dLoss/dw_1 = x"])
def test_deep_chain_multi_choice(answer):
    verdict = grader.check("deep-chain", "dL-dw1", answer).verdict
    assert (verdict.status, verdict.score, verdict.interpreted) == (CORRECT, 2.0, "B, C")


@pytest.mark.parametrize("answer", ["C. Its magnitude becomes small.", "C) Its magnitude becomes small",
                                    "(c) its magnitude", "c: Its magnitude becomes small.", "C. Its",
                                    "3. Its magnitude becomes small.", "3", "C.", "C)", "C:",
                                    "Its magnitude becomes small."])
def test_sigmoid_saturation_single_choice(answer):
    verdict = grader.check("sigmoid", "saturation", answer).verdict
    assert (verdict.status, verdict.interpreted) == (CORRECT, "C")


@pytest.mark.parametrize("answer, message", [
    ("C. It approaches 1/4, its largest value.",
     "'C' names option C, but the text after it is the text of option B (\"It approaches 1/4, its largest value.\"): "
     "write the letter alone, or the option's text alone."),
    ("C. It", "'C' names option C, but the text after it is how options A, B and D begin: "
              "write the letter alone, or the option's text alone."),
    ("C. because the curve flattens", "'C' names option C, but the text after it is not the text of option C "
                                      "(\"Its magnitude becomes small.\"): write the letter alone, or the option's "
                                      "text alone."),
    ("BC", "Choose exactly one option ('BC' reads as B and C)."),
    ("B, C", "Choose exactly one option."),
    ("1.5", UNREADABLE),
    ("E", UNREADABLE),
])
def test_unclear_answers_say_what_was_read(answer, message):
    verdict = grader.check("sigmoid", "saturation", answer).verdict
    assert (verdict.status, verdict.feedback) == (INVALID, (message,))


NUMBERS = ("0", "1/4", "1", "2")


@pytest.mark.parametrize("answer, status, message", [
    ("1", INVALID, "'1' is the number of option A and the text of option C: write the letter of the option you mean."),
    ("2", INVALID, "'2' is the number of option B and the text of option D: write the letter of the option you mean."),
    ("C", CORRECT, None),
    ("3", CORRECT, None),          # the number of C, and the text of no other option
    ("1/4", "incorrect", "That is not the right option."),
])
def test_a_number_that_is_also_an_option_text(answer, status, message):
    prob, part = choice("C", NUMBERS)
    verdict = check(prob, part, answer)
    assert verdict.status == status
    if message:
        assert verdict.feedback == (message,)


def test_letters_run_together_only_as_distinct_letters_of_options():
    prob, part = choice("A, C", ("one", "two", "three", "four"), multi=True)
    assert check(prob, part, "AC").status == CORRECT
    assert check(prob, part, "ACA").feedback == ("Answer with the letter of an option (A to D), its number, "
                                                  "or its exact text.",)
    assert check(prob, part, "AE").status == INVALID
    assert check(prob, part, "aC").status == INVALID        # mixed case is no run of labels


def test_cli_reads_BC_and_the_lettered_text():
    runner = CliRunner()
    result = runner.invoke(main, ["check", "deep-chain", "dL-dw1", "BC"])
    assert result.output.splitlines() == ["Correct  (2/2 points)", "Interpreted as: B, C"]
    assert result.exit_code == 0
    result = runner.invoke(main, ["check", "sigmoid", "saturation", "C. Its magnitude becomes small."])
    assert result.output.splitlines() == ["Correct  (1/1 point)", "Interpreted as: C"]
    assert result.exit_code == 0
