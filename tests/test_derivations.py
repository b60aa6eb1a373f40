"""Derivation parts (issue 25): a "show that" answer checked line by line on the network.

The chains here are the ones students write for the homework (grader/problems/derivation-homework
and chain-rule-derivation): the right one in plain, Unicode and LaTeX, the course solution's own
slips (∂z_i for ∂z_j, a dropped g' factor), chains that stop short, restate the start, skip the
chain-rule step, run backwards, and text that is not a chain at all.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from grader.answers.steps import ChainError, split
from grader.api import load_bank
from grader.authoring.validation import validate
from grader.checking.checker import check
from grader.limits import MAX_CHAIN_LINES
from grader.model import CORRECT, INCORRECT, INVALID, StepStatus

BANK = load_bank()
HOMEWORK = BANK["derivation-homework"]
LECTURE = BANK["chain-rule-derivation"]
ROOT = Path(__file__).resolve().parent.parent


def _check(problem, part_id, text):
    return check(problem, problem.part(part_id), text)


def _marks(verdict):
    return [s.status for s in verdict.steps]


S, C, X, I = StepStatus.START, StepStatus.CORRECT, StepStatus.INCORRECT, StepStatus.INVALID

RIGHT_DW = "dc/dW_(ij)^l\n= dc/dz_j^l * dz_j^l/dW_(ij)^l\n= a_i^(l-1) * delta_j^l"


# --- cutting a chain ---------------------------------------------------------------------------

def test_lines_with_leading_equals_and_one_line_chains_cut_the_same():
    a = [p.text for p in split("x\n= y\n= z")]
    b = [p.text for p in split("x = y = z")]
    c = [p.text for p in split("x =\ny =\nz")]
    assert a == b == c == ["x", "y", "z"]


def test_an_equals_inside_brackets_is_not_a_step():
    assert [p.text for p in split(r"\sum_{k=1}^{n} x_k = y")] == [r"\sum_{k=1}^{n} x_k", "y"]


def test_latex_aligned_environment_with_remarks():
    text = ("\\begin{aligned}\n\\delta_j^{(L)} &= \\frac{\\partial c}{\\partial z_j^{(L)}} \\\\\n"
            "&= x \\quad \\text{chain rule} \\\\\n&= y\n\\end{aligned}")
    assert [p.text for p in split(text)] == ["\\delta_j^{(L)}", "\\frac{\\partial c}{\\partial z_j^{(L)}}", "x", "y"]


def test_blank_lines_are_skipped_and_rows_remembered():
    pieces = split("x\n\n   \n= y")
    assert [(p.number, p.text, p.row) for p in pieces] == [(1, "x", 1), (2, "y", 4)]


@pytest.mark.parametrize("text, word", [("x = y < z", "'<'"), ("x = y => z", "'=>'"), ("x ≤ y", "'≤'"),
                                        (r"x = y \Rightarrow z", "'Rightarrow'"), ("x = y != z", "'!='"),
                                        (r"x \approx y", "'approx'")])
def test_a_relation_other_than_equals_is_refused_with_its_line(text, word):
    with pytest.raises(ChainError) as err:
        split("a = b\n" + text)
    assert err.value.row == 2 and word in err.value.message and err.value.message.startswith("Line 2 has")


def test_two_equals_with_nothing_between():
    with pytest.raises(ChainError, match="Line 1 has two '=' with nothing between them"):
        split("x = = y")


def test_too_many_lines_and_too_long():
    with pytest.raises(ChainError, match=f"has 200 lines; the grader reads up to {MAX_CHAIN_LINES}"):
        split("\n".join(["= x"] * 200))
    with pytest.raises(ChainError, match="characters long"):
        split("x" * 7000)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_cut_or_refused_in_our_words(text):
    try:
        pieces = split(text)
    except ChainError as err:
        assert err.message and "Traceback" not in err.message
        return
    assert all(p.text == p.text.strip() and p.text for p in pieces)
    assert [p.number for p in pieces] == list(range(1, len(pieces) + 1))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="xyz=+*()\n<>-^_1\\{}& ", max_size=80))
def test_any_chain_gets_a_verdict_never_a_crash(text):
    v = _check(HOMEWORK, "dc-db", text)
    assert v.status in (CORRECT, INCORRECT, INVALID)
    assert v.feedback


# --- the homework's chains -----------------------------------------------------------------------

def test_the_right_chain_gets_full_marks_with_every_line_marked():
    v = _check(HOMEWORK, "dc-dW", RIGHT_DW)
    assert (v.status, v.score) == (CORRECT, 2.0)
    assert _marks(v) == [S, C, C]
    assert v.interpreted == "∂c/∂W_ij^(l) = ∂c/∂z_j^(l)·∂z_j^(l)/∂W_ij^(l) = a_i^(l−1)·δ_j^(l)"


def test_the_course_solutions_z_i_slip_is_named_at_its_line():
    v = _check(HOMEWORK, "dc-dW", "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l")
    assert v.status == INCORRECT and v.score == 0
    assert _marks(v) == [S, X, X]
    assert v.steps[1].feedback == ("Line 2 does not follow from line 1.",
                                   "z_i^(l) has the wrong unit: it should be z_j^(l).")
    assert v.steps[2].feedback == ("Line 3 does not follow from line 2, but it equals line 1 again: the slip is "
                                   "in line 2.",)
    assert v.feedback[0] == "Line 2 does not follow from line 1."


def test_the_dropped_g_prime_is_named_by_the_parts_rule():
    v = _check(HOMEWORK, "delta-L", "delta_j^L\n= dc/da_j^L * da_j^L/dz_j^L\n= dc/da_j^L")
    assert _marks(v) == [S, C, X]
    assert v.rule == "dropped-g-prime"
    assert "The factor da_j^(L)/dz_j^(L) = g_L'(z_j^(L)) has been dropped" in v.steps[2].feedback[1]
    assert v.feedback[-1].startswith("The chain ends at line 3, which is not the target")


def test_a_line_that_follows_from_a_wrong_line_is_reported_as_such():
    v = _check(HOMEWORK, "delta-L", "delta_j^L\n= dc/da_j^L * da_j^L/dz_j^L\n= dc/da_j^L\n= 2*dc/da_j^L/2")
    assert _marks(v) == [S, C, X, C]
    assert v.steps[3].feedback == ("It follows from line 3, but line 3 is not right.",)
    assert "Line 4 follows from the line before, which is not right." in v.feedback


def test_latex_and_unicode_chains_are_read():
    latex = (r"\frac{\partial c}{\partial W_{ij}^{(l)}} = \frac{\partial z_j^{(l)}}{\partial W_{ij}^{(l)}} \cdot "
             r"\frac{\partial c}{\partial z_j^{(l)}} = a_i^{(l-1)} \cdot \delta_j^{(l)}")
    assert _check(HOMEWORK, "dc-dW", latex).status == CORRECT
    uni = "∂c/∂W_ij^(l)\n= ∂c/∂z_j^(l) · ∂z_j^(l)/∂W_ij^(l)\n= a_i^(l−1) δ_j^(l)"
    assert _check(HOMEWORK, "dc-dW", uni).status == CORRECT


def test_the_start_must_be_written_as_the_question_writes_it():
    v = _check(HOMEWORK, "dc-db", "delta_j^l = dc/dz_j^l * dz_j^l/db_j^l = delta_j^l")
    assert v.status == INCORRECT and v.rule == "wrong-start" and v.score == 0
    assert v.steps[0].status == X
    assert v.feedback[0] == "The derivation starts from ∂c/∂b_j^(l), as the question writes it; line 1 is δ_j^(l)."


def test_each_listed_start_is_accepted_and_d_or_partial_is_the_same_start():
    for first in ("delta_j^L", "dc/dz_j^L", "∂c/∂z_j^L", "(partial c)/(partial z_j^L)"):
        chain = f"{first}\n= dc/da_j^L * da_j^L/dz_j^L\n= dc/da_j^L * g_L'(z_j^L)"
        assert _check(HOMEWORK, "delta-L", chain).status == CORRECT, first


def test_a_chain_run_backwards_is_told_so():
    v = _check(HOMEWORK, "delta-L", "dc/da_j^L * g_L'(z_j^L) = dc/da_j^L * da_j^L/dz_j^L = delta_j^L")
    assert "Your chain runs from the target to the start" in " ".join(v.feedback)


def test_a_chain_that_stops_short_or_restates_the_start_does_not_reach_the_target():
    short = _check(HOMEWORK, "dc-db", "dc/db_j^l = dc/dz_j^l * dz_j^l/db_j^l")
    assert short.rule == "stops-short" and _marks(short) == [S, C]
    assert short.feedback[0] == ("The chain ends at line 2, which is not the target δ_j^(l) yet: it still has "
                                 "derivatives the target does not write.")
    again = _check(HOMEWORK, "dc-db", "dc/db_j^l = dc/dz_j^l * dz_j^l/db_j^l = dc/db_j^l")
    assert again.feedback[-1].endswith("it still uses the quantity to be shown.")


def test_a_jump_from_start_to_target_is_told_what_is_missing():
    v = _check(HOMEWORK, "dc-dW", "dc/dW_(ij)^l = a_i^(l-1) * delta_j^l")
    assert v.rule == "missing-step" and _marks(v) == [S, C]
    assert v.feedback == (
        "This part asks for at least 2 steps and the chain takes 1: show how you get from one line to the next.",
        "This part asks for a line of the form ∂c/∂z_j^(l)·∂z_j^(l)/∂W_ij^(l) (the chain rule written out) before "
        "it is simplified; the chain never writes it.")


def test_the_chain_rule_line_may_be_written_in_another_order_or_letter():
    chain = ("delta_j^l\n= sum_m da_j^l/dz_j^l * dz_m^(l+1)/da_j^l * dc/dz_m^(l+1)\n"
             "= sum_k delta_k^(l+1) * W_(jk)^(l+1) * g_l'(z_j^l)")
    assert _check(HOMEWORK, "delta-hidden", chain).status == CORRECT


def test_one_expression_is_not_a_derivation():
    v = _check(HOMEWORK, "dc-db", "delta_j^l")
    assert v.status == INVALID and v.rule == "no-steps"
    assert v.feedback == ("A derivation is a chain of equalities: start from ∂c/∂b_j^(l) and write each step on "
                          "a new line beginning with '=' (or join them with '=' on one line).",)


def test_an_unreadable_line_is_invalid_with_its_number_and_column():
    v = _check(HOMEWORK, "dc-db", "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= delta_j^(l")
    assert v.status == INVALID and _marks(v) == [S, C, I]
    assert v.steps[2].column == 9 and v.steps[2].text[8] == "("
    assert v.feedback == ("Line 3 cannot be checked: this '(' is never closed.",)


def test_an_unknown_node_in_a_line_is_invalid_not_a_crash():
    v = _check(HOMEWORK, "dc-db", "dc/db_j^l\n= dc/dq * 2")
    assert v.status == INVALID and v.steps[1].status == I
    assert "'q'" in v.steps[1].feedback[0]


def test_binary_junk_and_non_text():
    assert _check(HOMEWORK, "dc-db", "dc/db_j^l\n= \x00\x01").status == INVALID
    assert check(HOMEWORK, HOMEWORK.part("dc-db"), b"\xff\xfe").status == INVALID


# --- credit --------------------------------------------------------------------------------------

def test_one_slip_credit_gives_half_for_reaching_the_target_with_one_wrong_line():
    slip = ("delta_1\n= df_1/dz_1 * dz_2/df_1 * dLoss/dz_2\n= df_1/dz_1 * w_1 * delta_2\n"
            "= (1 - f_1^2) * w_2 * delta_2")
    v = _check(LECTURE, "show-delta1", slip)
    assert v.status == INCORRECT and v.score == 1.0 and v.rule == "wrong-weight"
    two = slip.replace("= (1 - f_1^2) * w_2 * delta_2", "= (1 - f_1^2) * w_1 * delta_2")
    assert _check(LECTURE, "show-delta1", two).score == 0.0          # never reaches the target


def test_complete_credit_is_all_or_nothing():
    v = _check(HOMEWORK, "dc-dW", "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l")
    assert v.score == 0.0


def _with_per_step_credit(text: str) -> str:
    """The bank's derivation-homework with `credit: per-step` on its dc-db part."""
    old = '    start: ["dc/db_j^l"]\n'
    assert text.count(old) == 1
    return text.replace(old, old + "    credit: per-step\n")


def test_per_step_credit_counts_steps_that_follow(tmp_path):
    text = (ROOT / "problems" / "derivation-homework.yaml").read_text(encoding="utf-8")
    text = _with_per_step_credit(text)
    path = tmp_path / "derivation-homework.yaml"
    path.write_text(text, encoding="utf-8")
    problem = load_bank(tmp_path)["derivation-homework"]
    assert problem.part("dc-db").credit == "per-step"
    # 3 steps written, 1 follows (the slip's line and the line back to the truth do not) -> 1/3 of a point
    v = _check(problem, "dc-db", "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= 2*delta_j^l\n= 2*delta_j^l/2")
    assert _marks(v) == [S, C, X, X] and v.score == pytest.approx(1 / 3, abs=1e-6)
    # 3 written, 2 follow (one from the wrong line), the target not reached: 2 of 4
    v = _check(problem, "dc-db", "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= 2*delta_j^l\n= delta_j^l*2")
    assert _marks(v) == [S, C, X, C] and v.score == pytest.approx(0.5)
    # stops short after one good step: 1 of (1 written + the target not reached + a second step asked for)
    assert _check(problem, "dc-db", "dc/db_j^l = dc/dz_j^l * dz_j^l/db_j^l").score == pytest.approx(1 / 3, abs=1e-6)


# --- the problem file ---------------------------------------------------------------------------

def _copy_bank(tmp_path, old, new):
    for f in (ROOT / "problems").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "derivation-homework.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_validate_catches_a_planted_sign_error_in_a_target(tmp_path):
    path = _copy_bank(tmp_path, 'answer: "a_i^(l-1) * delta_j^l"', 'answer: "-a_i^(l-1) * delta_j^l"')
    issues = [str(i) for i in validate([tmp_path])]
    assert any("part 'dc-dW': the target '-a_i^(l-1) * delta_j^l' is not equal to its start 'dc/dW_(ij)^l'" in i
               and i.startswith(f"{path}:") for i in issues), issues


def test_validate_catches_a_through_form_that_is_not_a_step(tmp_path):
    _copy_bank(tmp_path, 'through: ["dc/dz_j^l * dz_j^l/db_j^l"]', 'through: ["dc/dz_j^l * dz_j^l/db_j^l * 2"]')
    issues = [str(i) for i in validate([tmp_path])]
    assert any("is not equal to its through 'dc/dz_j^l * dz_j^l/db_j^l * 2'" in i for i in issues), issues


@pytest.mark.parametrize("old, new, message", [
    ("    start: [\"dc/db_j^l\"]\n", "", "a derivation part needs 'start'"),
    ("    min-steps: 2\n    points: 1\n", "    min-steps: 0\n    points: 1\n", "'min-steps' must be a whole number"),
    ("    min-steps: 2\n    points: 1\n", "    min-steps: 2\n    credit: partial\n    points: 1\n",
     "'credit' must be one of complete, per-step, one-slip"),
])
def test_a_derivation_part_is_read_with_file_line_messages(tmp_path, old, new, message):
    _copy_bank(tmp_path, old, new)
    issues = [str(i) for i in validate([tmp_path])]
    assert any(message in i and "derivation-homework.yaml:" in i for i in issues), issues


def test_start_on_an_expression_part_is_refused(tmp_path):
    for f in (ROOT / "problems").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "output-error.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    kind: expression\n",
                                                             "    kind: expression\n    start: x\n", 1),
                    encoding="utf-8")
    issues = [str(i) for i in validate([path])]
    assert any("only derivation parts have 'start'" in i for i in issues), issues


def test_the_chain_rule_line_may_use_the_error_name_for_its_derivative():
    """delta_k^(l+1) is ∂c/∂z_k^(l+1) by definition: a chain-rule line written with it counts."""
    chain = ("delta_j^l = sum_k delta_k^(l+1) * dz_k^(l+1)/da_j^l * da_j^l/dz_j^l\n"
             "= sum_k delta_k^(l+1) * W_(jk)^(l+1) * g_l'(z_j^l)")
    assert _check(HOMEWORK, "delta-hidden", chain).status == CORRECT
    lecture = "delta_1 = df_1/dz_1 * dz_2/df_1 * delta_2 = (1 - f_1^2) * w_2 * delta_2"
    assert _check(LECTURE, "show-delta1", lecture).status == CORRECT
    # but a line without the chain rule's own factor is not that line
    skipped = "delta_1 = df_1/dz_1 * w_2 * delta_2 = (1 - f_1^2) * w_2 * delta_2"
    assert _check(LECTURE, "show-delta1", skipped).rule == "missing-step"


def test_a_long_wrong_chain_explains_its_first_wrong_lines_and_marks_the_rest():
    lines = ["delta_j^l"] + [f"= sum_k W_(kj)^(l+1) * delta_k^(l+1) * g_l(z_k^l) * {i + 2}" for i in range(6)]
    v = _check(HOMEWORK, "delta-hidden", "\n".join(lines))
    assert _marks(v) == [S] + [X] * 6
    assert all(len(s.feedback) > 1 for s in v.steps[1:4])
    assert [s.feedback for s in v.steps[4:]] == [(f"Line {n} does not follow from line {n - 1}.",) for n in (5, 6, 7)]


def test_a_grade_table_shows_a_wrong_derivations_marked_lines():
    from grader.model import PartResult
    from grader.show.text import Style, grade_table
    v = _check(HOMEWORK, "delta-L", "delta_j^L\n= dc/da_j^L * da_j^L/dz_j^L\n= dc/da_j^L")
    rows = grade_table([PartResult("derivation-homework", "delta-L", "x", v)], Style(colour=False, unicode=False))
    pad = " " * len("derivation-homework/delta-L  ")
    assert rows[1:5] == [pad + "  1 > delta_j^L", pad + "  2 ok dc/da_j^L * da_j^L/dz_j^L",    # ASCII: as typed
                         pad + "  3 X dc/da_j^L", pad + "      Line 3 does not follow from line 2."]
    assert rows[-1] == pad + ("The chain ends at line 3, which is not the target ?c/?a_j^(L)?g_L?(z_j^(L)) yet: its "
                              "value is not the target's.")


# --- holes a review found (each was graded full marks or refused before) ------------------------

@pytest.mark.parametrize("chain", [
    # the chain-rule line written after the chain already reached the target
    "dc/dW_(ij)^l\n= a_i^(l-1)*delta_j^l\n= dc/dz_j^l * dz_j^l/dW_(ij)^l\n= a_i^(l-1)*delta_j^l",
    # the chain-rule factors as decoration of the target
    "dc/dW_(ij)^l\n= a_i^(l-1)*delta_j^l + 0*dc/dz_j^l*dz_j^l/dW_(ij)^l\n= a_i^(l-1)*delta_j^l",
    "dc/dW_(ij)^l\n= a_i^(l-1)*delta_j^l + dc/dz_j^l*dz_j^l/dW_(ij)^l - dz_j^l/dW_(ij)^l*dc/dz_j^l\n"
    "= a_i^(l-1)*delta_j^l",
])
def test_the_chain_rule_line_must_be_a_step_towards_the_target(chain):
    v = _check(HOMEWORK, "dc-dW", chain)
    assert v.status == INCORRECT and v.rule == "missing-step", v.feedback


def test_a_last_line_true_only_below_the_output_layer_is_not_the_target():
    v = _check(HOMEWORK, "dc-dW", "dc/dW_(ij)^l\n= dc/dz_j^l * dz_j^l/dW_(ij)^l\n"
                                  "= a_i^(l-1) * sum_k delta_k^(l+1)*W_(jk)^(l+1)*g_l'(z_j^l)")
    assert v.status == INCORRECT
    assert v.feedback[-1].endswith("it still uses W, g_l, z, which the target does not.")


@pytest.mark.parametrize("tail", [r"\delta_j^{(l)} \, \mathrm{2}", r"\delta_j^{(l)} \quad \text{2}",
                                  r"\delta_j^{(l)} \; \textrm{2}"])
def test_latex_spacing_never_hides_mathematics(tail):
    v = _check(HOMEWORK, "dc-db", r"\frac{\partial c}{\partial b_j^{(l)}} = \frac{\partial c}{\partial z_j^{(l)}} "
                                  r"\frac{\partial z_j^{(l)}}{\partial b_j^{(l)}} = " + tail)
    assert v.status != CORRECT


def test_a_matrix_environment_is_not_two_lines_of_a_chain():
    with pytest.raises(ChainError, match=r"Line 1 has a '\\begin\{pmatrix\}'"):
        split(r"a = \begin{pmatrix} b \\ c \end{pmatrix}")


def test_the_course_solutions_own_latex_with_its_remarks_is_read():
    course = (r"\delta_j^{(L)} = \frac{\partial c}{\partial z_j^{(L)}} = \frac{\partial c}{\partial a_j^{(L)}} \cdot "
              r"\frac{\partial a_j^{(L)}}{\partial z_j^{(L)}} \quad \begin{array}{l} \text{chain rule} \\ "
              r"\text{on the last layer} \end{array}" "\n"
              r"= \frac{\partial c}{\partial a_j^{(L)}} g_L'(z_j^{(L)})")
    assert _check(HOMEWORK, "delta-L", course).status == CORRECT


@pytest.mark.parametrize("text", ["\\(x\\) = y\n= z", "x\u2028= y\u2029= z", "x\x85= y\v= z", "x ﹦ y ﹦ z",
                                  r"x = y~\cdot~1 = z \label{eq:1}"])
def test_other_line_breaks_delimiters_and_equals_signs(text):
    assert len(split(text)) == 3


def test_an_unclosed_bracket_before_an_equals_is_named():
    with pytest.raises(ChainError, match="Line 1 has a bracket that is never closed before an '='"):
        split("(a = b")


def test_per_step_credit_cannot_be_padded_with_repeated_lines(tmp_path):
    text = (ROOT / "problems" / "derivation-homework.yaml").read_text(encoding="utf-8")
    text = _with_per_step_credit(text)
    (tmp_path / "derivation-homework.yaml").write_text(text, encoding="utf-8")
    problem = load_bank(tmp_path)["derivation-homework"]
    padded = "dc/db_j^l\n" + "= dc/db_j^l\n" * 30 + "= 0"
    assert _check(problem, "dc-db", padded).score == 0.0
