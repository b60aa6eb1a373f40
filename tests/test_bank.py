"""The problem bank (problems/*.yaml) and its reference solutions (solutions/*.yaml).

Every part's own `tests` are run through the checker, `validate` must find nothing, and the
solution file of every problem must grade 100%, for the course's values and for variants.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
import jsonschema

from grader.authoring import loader as P
from grader.authoring.schema import json_schema
from grader.authoring.validation import validate
from grader.checking.variants import variant_values
from grader.authoring import yamlsafe
from grader.classes import submissions
from grader.checking.checker import check
from grader.model import CHOICE, CORRECT, DERIVATION, EXPRESSION, INCORRECT, INVALID, MULTI_CHOICE, NUMERIC, Tolerance

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "problems"
SOLUTIONS = ROOT / "solutions"

# Gradebooks key on these ids: they never change.
EXPECTED = {
    "output-error": ["delta-L"],
    "hidden-error": ["delta-l"],
    "param-gradients": ["dC-dw", "dC-db"],
    "sigmoid": ["derivative", "saturation"],
    "relu": ["derivative-positive", "derivative-negative"],
    "two-layer-example": ["loss", "dC-dw1", "dC-dw2", "dC-db"],
    "sgd": ["update-w1"],
    "deep-chain": ["update-rule", "dL-dw1", "delta-recurrence", "unrolled-gradient", "unrolled-gradient-L3"],
    "layer-notation": ["delta-hidden", "dC-dW", "dC-db"],
    "weight-decay": ["output-delta", "hidden-delta", "sigmoid-prime-from-activation", "update-W", "update-b"],
    "matrix-form": ["delta-output", "delta-hidden", "grad-W", "grad-b"],
    "softmax-cross-entropy": ["output-grad", "hidden-grad", "preactivation-grad", "weight-grad", "bias-grad"],
    "activations": ["tanh-derivative", "logistic-derivative"],
    "derivation-homework": ["delta-L", "delta-hidden", "dc-dW", "dc-db"],
    "chain-rule-derivation": ["show-dL-dw1", "show-delta1"],
}


@pytest.fixture(scope="module")
def bank():
    return P.load_bank(BANK)


def _all_tests():
    bank = P.load_bank(BANK)
    for pid, problem in bank.items():
        for part in problem.parts:
            for i, t in enumerate(part.tests):
                yield pytest.param(pid, part.id, i, id=f"{pid}/{part.id}/{i}")


def _all_parts():
    bank = P.load_bank(BANK)
    for pid, problem in bank.items():
        for part in problem.parts:
            yield pytest.param(pid, part.id, id=f"{pid}/{part.id}")


# --- shape of the bank -------------------------------------------------------------------------

def test_bank_has_exactly_the_fixed_ids(bank):
    assert list(bank) == sorted(EXPECTED)
    for pid, part_ids in EXPECTED.items():
        assert [p.id for p in bank[pid].parts] == part_ids, pid


def test_default_bank_is_this_folder():
    bank = P.load_bank(P.default_bank_dir())
    assert sorted(bank) == sorted(EXPECTED)


def test_validate_finds_nothing():
    issues = validate(sorted(BANK.glob("*.yaml")))
    assert issues == [], "\n".join(map(str, issues))


def test_validate_accepts_the_folder_itself():
    assert validate([BANK]) == []


def test_every_statement_states_its_notation(bank):
    for pid, problem in bank.items():
        assert "Notation used in this problem" in problem.statement, pid


@pytest.mark.parametrize("pid, part_id", list(_all_parts()))
def test_every_part_is_complete(bank, pid, part_id):
    problem = bank[pid]
    part = problem.part(part_id)
    assert problem.statement.strip() and part.prompt.strip()
    assert part.points > 0
    assert 2 <= len(part.hints) <= 3
    statuses = {t.status for t in part.tests}
    assert CORRECT in statuses and INCORRECT in statuses, "tests need right and wrong answers"
    if part.kind in (EXPRESSION, NUMERIC):
        assert INVALID in statuses, "expression parts need invalid answers in their tests"
        assert sum(t.status == CORRECT for t in part.tests) >= 3, "several equivalent right forms"
        assert part.mistakes, "common wrong answers need mistake rules"
    if part.kind in (CHOICE, MULTI_CHOICE):
        assert len(part.options) == 4
    if part.kind == DERIVATION:
        assert part.start and part.through and part.min_steps >= 2, "a derivation shows its chain-rule step"
        failing = [t for t in part.tests if t.status == INCORRECT]
        assert any("does not follow from line" in check(problem, part, t.answer).feedback[0] for t in failing), \
            "a derivation needs a test with a slip in the middle of the chain"


@pytest.mark.parametrize("pid, part_id, index", list(_all_tests()))
def test_part_tests(bank, pid, part_id, index):
    problem = bank[pid]
    part = problem.part(part_id)
    t = part.tests[index]
    verdict = check(problem, part, t.answer)
    feedback = " ".join(verdict.feedback)
    assert verdict.status == t.status, f"{t.answer!r}: {verdict.status} ({feedback})"
    if t.feedback:
        assert t.feedback.lower() in feedback.lower(), f"{t.answer!r}: {feedback}"
    if t.status == CORRECT:
        assert verdict.score == pytest.approx(part.points)
    else:
        assert verdict.score < part.points


@pytest.mark.parametrize("pid, part_id", list(_all_parts()))
def test_every_mistake_rule_is_exercised_by_a_test(bank, pid, part_id):
    problem = bank[pid]
    part = problem.part(part_id)
    rules = {check(problem, part, t.answer).rule for t in part.tests}
    for m in part.mistakes:
        assert m.tag in rules, f"no test of {pid}/{part_id} triggers mistake '{m.tag}'"


# --- facts the brief pins down ---------------------------------------------------------------

def test_real_student_answers_are_tests(bank):
    dw = bank["param-gradients"].part("dC-dw")
    assert any(t.answer == "a_k^(l-1)**delta_j^l" and t.status == INCORRECT for t in dw.tests)
    sig = bank["sigmoid"].part("derivative")
    assert any(t.answer == "1-(1/(1+e^(-z)))" and t.status == INCORRECT for t in sig.tests)
    assert "one-minus-sigma" in {m.tag for m in sig.mistakes}


def test_power_is_not_a_product(bank):
    problem = bank["param-gradients"]
    v = check(problem, problem.part("dC-dw"), "a_k^(l-1)**delta_j^l")
    assert v.status == INCORRECT and v.rule == "power-not-product"


def test_sigmoid_restriction(bank):
    problem = bank["sigmoid"]
    part = problem.part("derivative")
    assert set(part.forbidden) == {"sigma", "sigmoid"} and set(part.required) == {"e", "z"}
    assert part.answer == "e^(-z)/(1+e^(-z))^2"
    assert part.options == ()
    sat = problem.part("saturation")
    assert sat.kind == CHOICE
    assert sat.options[ord(sat.answer) - ord("A")] == "Its magnitude becomes small."


@pytest.mark.parametrize("part_id, published, true_value", [
    ("loss", "0.288", 0.28843), ("dC-dw1", "2.080", 2.08092),
    ("dC-dw2", "-0.004", -0.00416), ("dC-db", "-0.1387", -0.13873),
])
def test_two_layer_published_answers(bank, part_id, published, true_value):
    problem = bank["two-layer-example"]
    part = problem.part(part_id)
    careful = {"dC-dw2": Tolerance(relative=0.05)}    # -0.00416: absolute 0.001 would accept -0.0049
    assert part.kind == NUMERIC and part.tolerance == careful.get(part_id, Tolerance(absolute=0.001))
    assert check(problem, part, published).status == CORRECT
    assert check(problem, part, f"{true_value}").status == CORRECT
    assert check(problem, part, f"{true_value + 0.002}").status == INCORRECT


def test_two_layer_dC_dw2_refuses_an_answer_18_percent_off(bank):
    part = bank["two-layer-example"].part("dC-dw2")
    verdicts = {a: check(bank["two-layer-example"], part, a).status for a in ("-0.0049", "-0.0044", "-0.0042")}
    assert verdicts == {"-0.0049": INCORRECT, "-0.0044": INCORRECT, "-0.0042": CORRECT}


def test_two_layer_variants_keep_hidden_unit_active(bank):
    problem = bank["two-layer-example"]
    assert {v.name for v in problem.variants} == {"x", "w1", "w2"}
    for n in range(300):
        values = variant_values(problem, f"student-{n}")
        assert values["w1"] * values["x"] > 0


def test_deep_chain_multi_choice(bank):
    part = bank["deep-chain"].part("dL-dw1")
    assert part.kind == MULTI_CHOICE and part.partial_credit and part.answer == "B, C"


def test_logistic_alias(bank):
    g = bank["activations"].table.get("g")
    assert g.kind == "function" and g.alias == "sigmoid"


def test_softmax_definition(bank):
    yhat = bank["softmax-cross-entropy"].table.get("yhat")
    assert yhat.kind == "vector" and yhat.definition == "softmax(a_L)"


# --- the schema describes the bank ---------------------------------------------------------------

def test_bank_files_match_the_json_schema():
    validator = jsonschema.Draft202012Validator(json_schema())
    for path in sorted(BANK.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))   # the bank is trusted text
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].absolute_path)}"


# --- solutions ------------------------------------------------------------------------------------

def _solution(pid: str) -> dict:
    path = SOLUTIONS / f"{pid}.yaml"
    doc = yamlsafe.load(path.read_bytes())
    assert isinstance(doc, dict) and list(doc) == [pid], f"{path.name} must answer exactly problem {pid}"
    return doc[pid]


def test_one_solution_file_per_problem(bank):
    assert sorted(p.stem for p in SOLUTIONS.glob("*.yaml")) == sorted(bank)


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_solution_grades_full_marks(bank, pid):
    problem = bank[pid]
    answers = _solution(pid)
    assert sorted(answers) == sorted(p.id for p in problem.parts)
    for part in problem.parts:
        answer = answers[part.id]
        want = ("|",) if part.kind == DERIVATION else ('"', "'")
        assert isinstance(answer, str) and answer.style in want, "answers are quoted strings, derivations blocks"
        v = check(problem, part, answer)
        assert v.status == CORRECT and v.score == pytest.approx(part.points), (part.id, answer, v.feedback)


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_solution_grades_full_marks_for_any_student(bank, pid):
    """Through the submission reader, for students with their own variants."""
    for student in ("ada", "grace", "student-42"):
        sub = submissions.read_answer_file(SOLUTIONS / f"{pid}.yaml", student)
        result = submissions.grade_submission({pid: bank[pid]}, sub)
        assert result.status == "graded"
        assert result.score == pytest.approx(result.max_score) == pytest.approx(bank[pid].max_score), \
            [(p.part, p.verdict.status, p.verdict.feedback) for p in result.parts]
