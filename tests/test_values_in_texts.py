"""Values in statements (issue 28, item 5): a statement, prompt, option or hint names a given value
as `{x}`, and every place a student reads the problem (show, the interactive check and its hints,
serve, the notebook, the handout) shows the student's own value there; validate refuses a `{name}`
that is no given value. Grading reads the problem as written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st
from starlette.testclient import TestClient

import grader
from grader.authoring.formulas import fill_values, with_values
from grader.authoring.validation import validate
from grader.interfaces import web
from grader.interfaces.cli import main
from grader.number_format import number_text

PROBLEM = """\
title: Scaled input
statement: |
  A unit computes $z = w*x$ from your input $x = {x}$ and weight $w = {w}$.
  Sets are written {{a, b}}; LaTeX stays as typed: `\\\\frac{x}{2}`.
symbols:
  x: scalar
  w: scalar
notation: {z: scalar}
given: {x: 3, w: 0.5}
variants:
  x: {choices: [1, 2, 4, 5]}
  w: {low: 0.1, high: 0.4, step: 0.1}
parts:
  - id: z
    prompt: "What is z when x = {x}?"
    kind: numeric
    answer: "w*x"
    tolerance: {absolute: 0.001}
    hints: ["Multiply {w} by {x}.", "Nothing else."]
    tests:
      - {answer: "1.5", status: correct}
  - id: bigger
    prompt: "Which is larger?"
    kind: choice
    options: ["x, which is {x}", "w, which is {w}"]
    answer: A
    hints: ["Compare {x} with {w}."]
    tests:
      - {answer: A, status: correct}
"""

ASSIGNMENT = "title: HW\nproblems:\n  - {id: scaled, randomize: per-student}\n"
STUDENT = "s07"


@pytest.fixture()
def bank(tmp_path):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "scaled.yaml").write_text(PROBLEM, encoding="utf-8")
    (tmp_path / "assignment.yaml").write_text(ASSIGNMENT, encoding="utf-8")
    return tmp_path


def own(bank) -> dict:
    problem = grader.load_bank(bank / "problems")["scaled"]
    values = grader.student_values(assigned(bank)["scaled"], STUDENT)
    assert values["x"] != 3 and values["w"] != 0.5, "the test needs a student drawn other values"
    assert dict(problem.given) == {"x": 3, "w": 0.5}
    return values


def assigned(bank) -> dict:
    return grader.apply_assignment(grader.load_assignment(bank / "assignment.yaml"), bank / "problems")


def run(bank, *args):
    return CliRunner().invoke(main, [str(a) for a in args] + ["--problems", str(bank / "problems")],
                              env={"GRADER_STUDENT": None, "NO_COLOR": "1", "GRADER_STATE_DIR": str(bank / "state")},
                              catch_exceptions=False)


# --- the filling itself -------------------------------------------------------------------------

def test_a_value_is_written_as_the_instructor_would():
    text = "x = {x}, w = {w}, {{x}}, `{x}` and {y}"
    assert fill_values(text, {"x": 0.1 + 0.2, "w": -5.0}) == "x = 0.3, w = -5, {x}, `{x}` and {y}"


def test_grading_reads_the_problem_as_written(bank):
    problem = grader.load_bank(bank / "problems")["scaled"]
    assert problem.parts[0].prompt == "What is z when x = {x}?"
    seen = with_values(problem, {"x": 4, "w": 0.25})
    assert (seen.parts[0].prompt, seen.parts[0].hints[0], seen.parts[1].options) == (
        "What is z when x = 4?", "Multiply 0.25 by 4.", ("x, which is 4", "w, which is 0.25"))
    assert "from your input $x = 4$ and weight $w = 0.25$" in seen.statement
    assert "Sets are written {a, b}; LaTeX stays as typed: `\\\\frac{x}{2}`." in seen.statement


@given(st.text(alphabet=st.sampled_from("x w_1{}`$ ab"), max_size=40),
       st.dictionaries(st.sampled_from(["x", "w", "w_1"]), st.floats(-1e6, 1e6), max_size=3))
def test_filling_never_fails_and_changes_only_placeholders(text, values):
    filled = fill_values(text, values)
    if "{" not in text and "}" not in text:
        assert filled == text
    if "{{" not in text and "}}" not in text:
        assert fill_values(text, {}) == text             # unknown names are left for validate to report
    if "`" not in text and "{{" not in text and "}}" not in text:
        assert not any("{" + name + "}" in filled for name in values)


# --- every place a student reads the problem ------------------------------------------------------

def test_show_and_its_json_use_the_students_values(bank):
    values = own(bank)
    x, w = number_text(values["x"]), number_text(values["w"])
    shown = run(bank, "show", "scaled", "--student", STUDENT, "--assignment", bank / "assignment.yaml")
    assert shown.exit_code == 0, shown.output
    assert f"A unit computes z = w*x from your input x = {x} and weight w = {w}." in shown.stdout
    assert f"What is z when x = {x}?" in shown.stdout
    assert f"  A) x, which is {x}\n  B) w, which is {w}" in shown.stdout
    course = run(bank, "show", "scaled")
    assert "from your input x = 3 and weight w = 0.5." in course.stdout and "What is z when x = 3?" in course.stdout
    as_json = json.loads(run(bank, "show", "scaled", "--student", STUDENT, "--assignment", bank / "assignment.yaml",
                             "--format", "json").stdout)
    assert as_json["parts"][0]["prompt"] == f"What is z when x = {x}?"
    assert as_json["parts"][1]["options"] == [f"x, which is {x}", f"w, which is {w}"]


def test_hints_in_the_terminal_use_the_students_values(bank):
    values = own(bank)
    x, w = number_text(values["x"]), number_text(values["w"])
    hinted = run(bank, "check", "scaled", "z", "--hint", "--student", STUDENT, "--assignment", bank / "assignment.yaml")
    assert hinted.stdout == f"Hint 1 of 2: Multiply {w} by {x}.\n", hinted.output
    asked = CliRunner().invoke(main, ["check", "scaled", "bigger", "--student", STUDENT, "--assignment",
                                      str(bank / "assignment.yaml"), "--problems", str(bank / "problems")],
                               input="?\n\n", env={"NO_COLOR": "1", "GRADER_STATE_DIR": str(bank / "state")})
    assert f"A) x, which is {x}" in asked.output and f"Hint 1 of 1: Compare {x} with {w}." in asked.output


def test_the_web_page_shows_the_students_values(bank):
    values = own(bank)
    x, w = number_text(values["x"]), number_text(values["w"])
    problems = assigned(bank)
    with TestClient(web.create_app(problems, student=STUDENT), base_url="http://127.0.0.1:8000") as client:
        page = client.get("/api/problems/scaled").json()
        hint = client.get("/api/hint", params={"problem": "scaled", "part": "z", "n": 1}).json()
    assert f"from your input x = {x} and weight w = {w}." in page["statement"]
    assert f"<mi>x</mi><mo>=</mo><mn>{x}</mn>" in page["statement_html"] and "{x}</mn>" not in page["statement_html"]
    assert "Sets are written {a, b}; LaTeX stays as typed: <code>\\\\frac{x}{2}</code>." in page["statement_html"]
    assert page["parts"][0]["prompt"] == f"What is z when x = {x}?"
    assert [o["text"] for o in page["parts"][1]["options"]] == [f"x, which is {x}", f"w, which is {w}"]
    assert f"What is z when x = {x}?" in page["html"] and "x = {x}" not in page["html"]
    assert hint["message"] == f"Hint 1 of 2: Multiply {w} by {x}."


def test_the_notebook_sheet_shows_the_students_values(bank):
    values = own(bank)
    x = number_text(values["x"])
    sheet = grader.problem("scaled", student=STUDENT, problems=bank / "problems", assignment=bank / "assignment.yaml")
    for shown in (sheet._repr_markdown_(), sheet._repr_html_(), str(sheet)):
        assert f"x = {x}" in shown and "x = {x}" not in shown and "{{" not in shown


def test_the_handout_shows_the_problem_with_the_students_values(bank):
    values = own(bank)
    x, w = number_text(values["x"]), number_text(values["w"])
    (bank / "roster.csv").write_text(f"submission\n{STUDENT}\n", encoding="utf-8")
    made = run(bank, "handout", "--roster", bank / "roster.csv", "--assignment", bank / "assignment.yaml",
               "--out", bank / "handouts")
    assert made.exit_code == 0, made.output
    page = (bank / "handouts" / f"{STUDENT}.md").read_text(encoding="utf-8")
    assert f"A unit computes z = w*x from your input x = {x} and weight w = {w}." in page
    assert f"**Part z** (1 point, numeric): What is z when x = {x}?" in page


# --- validate -------------------------------------------------------------------------------------

def line(snippet: str) -> int:
    return next(n for n, text in enumerate(PROBLEM.splitlines(), 1) if snippet in text)


def _messages(tmp_path: Path, old: str, new: str) -> list[str]:
    text = PROBLEM.replace(old, new, 1)
    assert text != PROBLEM
    path = tmp_path / "scaled.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(i) for i in validate([path])]


def test_the_problem_validates(tmp_path):
    assert _messages(tmp_path, "title: Scaled input", "title: Scaled input ") == []


def test_a_name_that_is_no_given_value_is_an_error_at_its_line(tmp_path):
    path = tmp_path / "scaled.yaml"
    assert _messages(tmp_path, 'prompt: "What is z when x = {x}?"', 'prompt: "What is z when x = {xx}?"') == [
        f"{path}:{line('What is z when')}: part 'z': the prompt: {{xx}} names no given value (the given values are w, x; did you mean {{x}}?). "
        "A text shows a given value as {x}; write {{ and }} for a literal brace"]
    assert _messages(tmp_path, '"Nothing else."', '"Use {z}."') == [
        f"{path}:{line('Nothing else')}: part 'z': hint 2: {{z}} names no given value (the given values are w, x). "
        "A text shows a given value as {x}; write {{ and }} for a literal brace"]


def test_a_problem_without_given_values_has_none_to_show(tmp_path):
    text = PROBLEM.replace("given: {x: 3, w: 0.5}\nvariants:\n  x: {choices: [1, 2, 4, 5]}\n"
                           "  w: {low: 0.1, high: 0.4, step: 0.1}\n", "")
    text = text.replace('kind: numeric\n    answer: "w*x"\n    tolerance: {absolute: 0.001}',
                        'kind: expression\n    answer: "w*x"').replace('{answer: "1.5", status: correct}',
                                                                        '{answer: "x*w", status: correct}')
    path = tmp_path / "scaled.yaml"
    path.write_text(text, encoding="utf-8")
    messages = [str(i) for i in validate([path])]
    assert f"{path}:3: the statement: {{x}} names no given value (this problem has no 'given' values to show). " \
           "A text shows a given value as {x}; write {{ and }} for a literal brace" in messages


def test_a_formula_is_read_with_the_values_in_it(tmp_path):
    # `$z = {w}*{x}$` is read as the course's values show it: z = 0.5*3
    assert _messages(tmp_path, "weight $w = {w}$.", "weight $w = {w}$, so $z = {w}*{x}$.") == []
    path = tmp_path / "scaled.yaml"
    assert _messages(tmp_path, "weight $w = {w}$.", "weight $w = {w}*$.") == [
        f"{path}:3: the statement: the formula $w = {{w}}*$ cannot be read: "
        "The answer ends too early: something is missing at the end."]
