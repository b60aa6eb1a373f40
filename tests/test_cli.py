"""The `grader` command line through click's CliRunner: every command and every error path.

These tests pin what a student and a TA see: exact exit codes (see grader/interfaces/cli.py), the verdict
words, the JSON keys, the messages that name what was wrong. No output may ever contain a
Python traceback.

The shipped bank (problems/) is used with its fixed ids; where exact texts (hints, points)
matter, a tiny problem bank written into a temporary folder is used instead, so the tests do
not depend on wording the bank's authors may still change.
"""
from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.show.text
from grader.interfaces.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "submissions"
EXAMPLE_STUDENTS = ["alice", "bob", "chen-wei", "dana", "emeka", "farah", "zoë martin"]
CHECK_KEYS = {"problem", "part", "status", "score", "max_score", "interpreted", "feedback"}
STATUSES = {"correct", "incorrect", "invalid", "missing"}

#: the course's values of the two-layer example (issue 5)
COURSE = {"t": 1.0, "x": 3.0, "w1": 0.01, "w2": -5.0, "b": -1.0}

OUTPUT_ERROR_RIGHT = "(a_j^L - y_j)*f'(z_j^L)"

MINI = """\
title: Mini problem
statement: Differentiate x^2.
symbols:
  x: scalar
parts:
  - id: d
    prompt: What is d/dx x^2?
    kind: expression
    answer: 2*x
    points: 3
    hints: ["Power rule.", "Bring the 2 down."]
    tests:
      - {answer: "2*x", status: correct}
      - {answer: "x", status: incorrect}
  - id: plain
    prompt: What is x?
    kind: expression
    answer: x
    points: 1
    tests:
      - {answer: "x", status: correct}
"""

BROKEN = """\
title: Broken
statement: x
symbols:
  z: scalar
parts:
  - id: a
    prompt: p
    kind: expresion
    answer: z
"""


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    """No bank or state from the developer's environment; hints remembered in a tmp folder;
    the working directory is a tmp folder (so a default `grader-out` lands there)."""
    for name in ("GRADER_PROBLEMS", "GRADER_DEBUG", "NO_COLOR", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def run(*args, input=None, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{args}: unexpected exception {result.exception!r}\n{result.output}"
    assert "Traceback" not in result.output, result.output
    assert "Traceback" not in result.stderr, result.stderr
    return result


def run_json(*args, **kw):
    result = run(*args, **kw)
    return result, json.loads(result.stdout)


@pytest.fixture
def mini_bank(tmp_path) -> Path:
    d = tmp_path / "mini-bank"
    d.mkdir()
    (d / "mini.yaml").write_text(MINI, encoding="utf-8")
    return d


@pytest.fixture
def broken_bank(tmp_path) -> Path:
    d = tmp_path / "broken-bank"
    d.mkdir()
    (d / "mini.yaml").write_text(MINI, encoding="utf-8")
    (d / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return d


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def two_layer_answers(v: dict) -> dict:
    """The four parts of the two-layer example, computed independently of the grader."""
    a1 = max(0.0, v["w1"] * v["x"])
    y = sigmoid(v["w2"] * a1 + v["b"])
    delta = (y - v["t"]) * y * (1 - y)
    relu_slope = 1.0 if v["w1"] * v["x"] > 0 else 0.0
    return {"loss": 0.5 * (y - v["t"]) ** 2, "dC-dw1": delta * v["w2"] * relu_slope * v["x"],
            "dC-dw2": delta * a1, "dC-db": delta}


def given_for(student=None, bank=None) -> dict:
    args = ["show", "two-layer-example", "--format", "json"] + (["--student", student] if student else [])
    args += ["--problems", bank] if bank else []
    result, data = run_json(*args)
    assert result.exit_code == 0
    return data["given"]


def course_value_student() -> str:
    """A student id whose drawn values are exactly the course's (about 1 id in 100)."""
    from grader.authoring.loader import default_bank_dir, load_problem
    from grader.checking.variants import variant_values
    problem = load_problem(default_bank_dir() / "two-layer-example.yaml")
    for i in range(5000):
        sid = f"student-{i}"
        if variant_values(problem, sid) == COURSE:
            return sid
    raise AssertionError("no student id draws the course's values")


def bank_parts() -> list[tuple[str, str, float]]:
    _, data = run_json("list", "--format", "json")
    return [(p["id"], q["id"], q["points"]) for p in data for q in p["parts"]]


def points(problem: str, part: str) -> float:
    """A part's points in the shipped bank (the bank's authors set them, not these tests)."""
    return {(p, q): pts for p, q, pts in bank_parts()}[(problem, part)]


def g(x: float) -> str:
    return f"{x:g}"


# --- list ---------------------------------------------------------------------------------

FIXED_IDS = {
    "output-error": ["delta-L"],
    "hidden-error": ["delta-l"],
    "param-gradients": ["dC-dw", "dC-db"],
    "sigmoid": ["derivative", "saturation"],
    "relu": ["derivative-positive", "derivative-negative"],
    "two-layer-example": ["loss", "dC-dw1", "dC-dw2", "dC-db"],
    "sgd": ["update-w1"],
    "activations": ["tanh-derivative", "logistic-derivative"],
}


def test_list_text_shows_every_problem_and_part_with_points():
    result = run("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for pid, parts in FIXED_IDS.items():
        assert any(re.match(rf"^{re.escape(pid)}  .+  \([\d.]+ points?\)$", line) for line in lines), pid
        for part in parts:
            assert any(re.match(rf"^    {re.escape(part)}\s+(expression|numeric|choice|multi-choice)\s+[\d.]+ pt$",
                                line) for line in lines), (pid, part)
    assert re.search(r"^    saturation\s+choice\s+[\d.]+ pt$", result.stdout, re.M)
    assert re.search(r"^    loss\s+numeric\s+[\d.]+ pt$", result.stdout, re.M)


def test_list_json_is_a_list_of_problems_with_parts():
    result, data = run_json("list", "--format", "json")
    assert result.exit_code == 0
    assert isinstance(data, list)
    for problem in data:
        assert set(problem) == {"id", "title", "parts"}
        assert isinstance(problem["title"], str) and problem["title"]
        for part in problem["parts"]:
            assert set(part) == {"id", "kind", "points"}
            assert part["kind"] in {"expression", "numeric", "choice", "multi-choice", "derivation"}
            assert isinstance(part["points"], (int, float)) and part["points"] > 0
    by_id = {p["id"]: p for p in data}
    for pid, parts in FIXED_IDS.items():
        assert [q["id"] for q in by_id[pid]["parts"]] == parts
    assert [q["kind"] for q in by_id["two-layer-example"]["parts"]] == ["numeric"] * 4
    assert by_id["sigmoid"]["parts"][1]["kind"] == "choice"
    assert [p["id"] for p in data] == sorted(p["id"] for p in data)


def test_list_with_a_problems_folder(mini_bank):
    result, data = run_json("list", "--problems", mini_bank, "--format", "json")
    assert result.exit_code == 0
    assert data == [{"id": "mini", "title": "Mini problem",
                     "parts": [{"id": "d", "kind": "expression", "points": 3},
                               {"id": "plain", "kind": "expression", "points": 1}]}]
    text = run("list", "--problems", mini_bank)
    assert text.exit_code == 0
    assert text.stdout.splitlines() == ["mini  Mini problem  (4 points)",
                                        f"    {'d':<32} {'expression':<13} 3 pt",
                                        f"    {'plain':<32} {'expression':<13} 1 pt"]


# --- show ---------------------------------------------------------------------------------

def test_show_prints_statement_parts_and_names():
    result = run("show", "sigmoid")
    assert result.exit_code == 0
    out = result.stdout
    _, data = run_json("show", "sigmoid", "--format", "json")
    assert out.startswith(data["title"] + "\n" + "=" * len(data["title"]) + "\n")
    for line in data["statement"].strip().splitlines():
        assert line in out
    assert "Names you can use: z" in out
    for part in data["parts"]:
        assert re.search(rf"^Part {re.escape(part['id'])} \(", out, re.M)
        assert part["prompt"].strip().splitlines()[0] in out
    assert "  A) " in out and "  C) Its magnitude becomes small." in out
    assert "Answer with a letter." in out


def test_show_json_keys():
    result, data = run_json("show", "sigmoid", "--format", "json")
    assert result.exit_code == 0
    assert set(data) == {"id", "title", "statement", "given", "parts"}
    assert data["id"] == "sigmoid"
    assert [p["id"] for p in data["parts"]] == ["derivative", "saturation"]
    for part in data["parts"]:
        assert set(part) == {"id", "kind", "points", "prompt", "options"}
    assert len(data["parts"][1]["options"]) == 4


def test_show_indexed_problem_names_and_index_letters():
    out = run("show", "output-error").stdout
    assert re.search(r"^Names you can use: .*f\(\.\.\.\) \(function", out, re.M)
    assert "a_j^l (indexed)" in out and "y_j (indexed)" in out
    assert re.search(r"^Index letters: .*j \(unit\)", out, re.M)


RANGED_INDEX = """\
title: Ranged
statement: s
symbols:
  a: {kind: indexed, subscripts: 1, superscript: true}
indices: {j: unit, l: {role: layer, integer: [1, 2]}}
parts:
  - {id: a, prompt: "What is a_j^l?", answer: "a_j^l"}
"""


def test_show_lists_an_index_letter_with_its_range(tmp_path):
    (tmp_path / "ranged.yaml").write_text(RANGED_INDEX, encoding="utf-8")
    out = run("show", "ranged", "--problems", tmp_path).stdout
    assert re.search(r"^Index letters: j \(unit\), l \(layer, 1 to 2\)$", out, re.M), out


def test_show_mini_problem_exact_text(mini_bank):
    result = run("show", "mini", "--problems", mini_bank)
    assert result.exit_code == 0
    assert result.stdout == ("Mini problem\n============\n\nDifferentiate x^2.\n\nNames you can use: x\n\n"
                             "Part d (3 points, expression)\nWhat is d/dx x^2?\n"
                             "Answer with an expression in the names above.\n\n"
                             "Part plain (1 point, expression)\nWhat is x?\n"
                             "Answer with an expression in the names above.\n")


def test_show_two_layer_without_student_shows_the_course_values():
    assert given_for(None) == COURSE
    out = run("show", "two-layer-example").stdout
    assert "Given values: b = -1, t = 1, w1 = 0.01, w2 = -5, x = 3" in out


def test_shipped_bank_grades_the_course_values_for_everyone():
    """Per-student values are opt-in: the shipped bank declares the ranges but leaves them off."""
    for sid in ["alice", "bob", "s1"]:
        assert given_for(sid) == COURSE
        assert run("check", "two-layer-example", "loss", "0.288", "--student", sid).exit_code == 0


def test_show_student_values_differ_between_students_and_are_stable(randomized_bank):
    ids = ["alice", "bob", "chen-wei", "dana", "emeka", "farah", "s1", "s2", "s3", "s4"]
    drawn = {sid: given_for(sid, randomized_bank) for sid in ids}
    for sid, values in drawn.items():
        assert set(values) == set(COURSE), sid
        assert values["t"] == 1.0 and values["b"] == -1.0          # not drawn: the course's values
        assert values["x"] > 0 and values["w1"] > 0                # the statement: z1 = w1*x stays positive
    distinct = {tuple(sorted(v.items())) for v in drawn.values()}
    assert len(distinct) >= 2, "every student got the same values"
    assert given_for("alice", randomized_bank) == drawn["alice"]   # seeded: the same on every run
    # the text shows the student's own values
    alice = drawn["alice"]
    text = run("show", "two-layer-example", "--student", "alice", "--problems", randomized_bank).stdout
    expected = ", ".join(f"{k} = {v:g}" for k, v in sorted(alice.items()))
    assert f"Given values: {expected}" in text


def test_show_unknown_problem_is_a_usage_error():
    result = run("show", "sigmod")
    assert result.exit_code == 2
    assert "unknown problem 'sigmod'" in result.stderr
    assert "sigmoid" in result.stderr                               # the close match is suggested
    assert result.stdout == ""
    assert run("show", "no-such-thing").exit_code == 2


# --- check: verdicts ----------------------------------------------------------------------

def test_check_correct():
    result = run("check", "output-error", "delta-L", OUTPUT_ERROR_RIGHT)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Correct  \((\d+)/\1 points\)", lines[0]), lines[0]
    assert lines[1] == "Interpreted as: (a_j^(L) − y_j)·f′(z_j^(L))"
    assert "✓" not in result.stdout and "\x1b[" not in result.stdout   # not a terminal: plain


def test_check_incorrect():
    result = run("check", "output-error", "delta-L", "(a_j^L - y_j)")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Incorrect  \(0/\d+ points\)", lines[0]), lines[0]
    assert lines[1] == "Interpreted as: a_j^(L) − y_j"
    assert "f'(z_j^L)" in result.stdout                               # says what is missing
    assert len(lines) >= 3


def test_check_invalid_unknown_name():
    result = run("check", "sigmoid", "derivative", "e^(-x)/(1+e^(-x))^2")
    assert result.exit_code == 1
    assert re.match(r"Invalid  \(0/\d+ points\)", result.stdout)
    assert "'x'" in result.stdout


def test_check_invalid_syntax_shows_a_caret_under_the_answer():
    answer = "e^(-z)/(1+e^(-z)^2"
    result = run("check", "sigmoid", "derivative", answer)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Invalid  \(0/\d+ points\)", lines[0])
    i = lines.index(f"  {answer}")
    caret = lines[i + 1]
    assert caret.strip() == "^"
    assert caret.index("^") - 2 == answer.index("(1+")                # under the '(' never closed
    assert "never closed" in result.stdout


def test_check_choice_by_letter():
    assert run("check", "sigmoid", "saturation", "C").exit_code == 0
    assert run("check", "sigmoid", "saturation", "c").exit_code == 0
    wrong = run("check", "sigmoid", "saturation", "B")
    assert wrong.exit_code == 1 and wrong.stdout.startswith("Incorrect")
    invalid = run("check", "sigmoid", "saturation", "F")
    assert invalid.exit_code == 1 and invalid.stdout.startswith("Invalid")


@pytest.mark.parametrize("answer", ["-0.004", "-0.0042", "-4e-3"])
def test_check_negative_number_without_double_dash(answer):
    result = run("check", "two-layer-example", "dC-dw2", answer)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Correct")
    assert f"Interpreted as: −{answer[1:]}" in result.stdout      # the number as typed, a real minus sign


def test_check_negative_number_wrong_sign_is_incorrect():
    result = run("check", "two-layer-example", "dC-dw2", "0.004")
    assert result.exit_code == 1
    assert result.stdout.startswith("Incorrect")


def test_check_expression_starting_with_minus_without_double_dash():
    result = run("check", "output-error", "delta-L", "-(y_j - a_j^L)*f'(z_j^L)")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Correct")
    assert "Interpreted as: −(y_j − a_j^(L))·f′(z_j^(L))" in result.stdout


def test_check_answer_in_several_words_is_joined():
    result = run("check", "relu", "derivative-positive", "1", "+", "0")
    assert result.exit_code == 0
    assert "Interpreted as: 1 + 0" in result.stdout


def test_check_json_object_has_exactly_the_documented_keys():
    result, data = run_json("check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2", "--format", "json")
    assert result.exit_code == 0
    assert set(data) == CHECK_KEYS
    assert data["problem"] == "sigmoid" and data["part"] == "derivative"
    assert data["status"] == "correct"
    assert data["score"] == data["max_score"] > 0
    assert data["interpreted"] == "e^(−z)/(1 + e^(−z))²"
    assert data["feedback"] == []


@pytest.mark.parametrize("answer,status,code", [
    ("(a_j^L - y_j)*f'(z_j^L)", "correct", 0),
    ("(a_j^L - y_j)", "incorrect", 1),
    ("(a_j^L - y_j", "invalid", 1),
])
def test_check_json_statuses(answer, status, code):
    result, data = run_json("check", "--format", "json", "output-error", "delta-L", answer)
    assert result.exit_code == code
    assert set(data) == CHECK_KEYS
    assert data["status"] == status
    assert isinstance(data["feedback"], list) and all(isinstance(m, str) for m in data["feedback"])
    if status != "correct":
        assert data["score"] == 0 and data["feedback"]
    if status == "invalid":
        assert data["interpreted"] is None


def test_check_json_with_negative_answer_and_trailing_option():
    result, data = run_json("check", "two-layer-example", "dC-dw2", "-0.004", "--format", "json")
    assert result.exit_code == 0
    assert data["status"] == "correct" and data["interpreted"] == "−0.004"


def test_check_bad_format_value_is_a_usage_error():
    result = run("check", "sigmoid", "derivative", "x", "--format", "xml")
    assert result.exit_code == 2
    assert "Error: --format must be one of: text, json." in result.stderr     # the one wording, wherever it stands
    assert run("check", "--format", "xml", "sigmoid", "derivative", "x").exit_code == 2


def test_check_unknown_problem_is_a_usage_error():
    result = run("check", "sigmod", "derivative", "x")
    assert result.exit_code == 2
    assert "unknown problem 'sigmod'" in result.stderr
    assert "Did you mean sigmoid" in result.stderr
    assert result.stdout == ""


def test_check_unknown_part_is_a_usage_error():
    result = run("check", "sigmoid", "derivativ", "x")
    assert result.exit_code == 2
    assert "problem 'sigmoid' has no part 'derivativ'" in result.stderr
    assert "derivative, saturation" in result.stderr


def test_check_missing_part_argument_is_a_usage_error():
    result = run("check", "sigmoid")
    assert result.exit_code == 2
    assert "PART" in result.stderr


# --- check: variants ----------------------------------------------------------------------

def test_check_student_uses_that_students_values(randomized_bank):
    course = two_layer_answers(COURSE)
    for sid in ["alice", "bob", "chen-wei", "farah", "s1", "s2", "s3", "s4", "s5", "s6"]:
        mine = two_layer_answers(given_for(sid, randomized_bank))
        if abs(mine["loss"] - course["loss"]) > 0.01:
            break
    else:
        raise AssertionError("no student among ten has a loss different from the course's")
    answer = f"{mine['loss']:.5f}"
    bank = ["--problems", randomized_bank]
    assert run("check", "two-layer-example", "loss", answer, "--student", sid, *bank).exit_code == 0
    assert run("check", "--student", sid, *bank, "two-layer-example", "loss", answer).exit_code == 0
    plain = run("check", *bank, "two-layer-example", "loss", answer)
    assert plain.exit_code == 1 and plain.stdout.startswith("Incorrect")
    assert run("check", *bank, "two-layer-example", "loss", f"{course['loss']:.5f}").exit_code == 0


@pytest.mark.parametrize("part", ["loss", "dC-dw1", "dC-dw2", "dC-db"])
def test_check_course_published_answers(part):
    published = {"loss": "0.288", "dC-dw1": "2.080", "dC-dw2": "-0.004", "dC-db": "-0.1387"}
    result = run("check", "two-layer-example", part, published[part])
    assert result.exit_code == 0, result.output


# --- check: stdin -------------------------------------------------------------------------

def test_check_reads_the_answer_from_stdin():
    result = run("check", "output-error", "delta-L", "-", input=OUTPUT_ERROR_RIGHT + "\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("Correct")


def test_check_stdin_wrong_answer():
    result = run("check", "output-error", "delta-L", "-", input="a_j^L - y_j\n")
    assert result.exit_code == 1
    assert result.stdout.startswith("Incorrect")


def test_check_stdin_negative_number():
    result = run("check", "two-layer-example", "dC-dw2", "-", input="-0.004\n")
    assert result.exit_code == 0


def test_check_stdin_empty_and_invalid_utf8_are_invalid_answers():
    empty = run("check", "output-error", "delta-L", "-", input="")
    assert empty.exit_code == 1
    assert empty.stdout.startswith("Invalid")
    assert "empty" in empty.stdout
    junk = run("check", "output-error", "delta-L", "-", input=b"\xff\xfe(")
    assert junk.exit_code == 1
    assert junk.stdout.startswith("Invalid")
    assert "UTF-8" in junk.stdout


# --- check: interactive -------------------------------------------------------------------

def test_check_interactive_loop_stops_at_the_first_right_answer():
    result = run("check", "output-error", "delta-L",
                 input=f"a_j^L\n(a_j^L - y_j)*f(z_j^L)\n{OUTPUT_ERROR_RIGHT}\n(a_j^L - y_j)\n")
    assert result.exit_code == 0
    verdicts = [l for l in result.stdout.splitlines() if re.match(r"^(Correct|Incorrect|Invalid)  \(", l)]
    assert [v.split()[0] for v in verdicts] == ["Incorrect", "Incorrect", "Correct"]
    assert result.stdout.rstrip().endswith("Interpreted as: (a_j^(L) − y_j)·f′(z_j^(L))")
    assert result.stderr.count("Your answer") == 3                    # no fourth prompt
    assert "What is the error delta_j^L" in result.stderr             # the prompt goes to stderr


def test_check_interactive_empty_line_quits_with_exit_1():
    result = run("check", "output-error", "delta-L", input=f"a_j^L\n\n{OUTPUT_ERROR_RIGHT}\n")
    assert result.exit_code == 1
    verdicts = re.findall(r"^(Correct|Incorrect|Invalid)  \(", result.stdout, re.M)
    assert verdicts == ["Incorrect"]


def test_check_interactive_end_of_input_quits_with_exit_1():
    result = run("check", "output-error", "delta-L", input="")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_check_interactive_choice_lists_its_options():
    result = run("check", "sigmoid", "saturation", input="C\n")
    assert result.exit_code == 0
    assert ("What happens to sigma'(z) as |z| grows large?\n"
            "  A) It keeps growing, roughly in proportion to |z|.\n"
            "  B) It approaches 1/4, its largest value.\n"
            "  C) Its magnitude becomes small.\n"
            "  D) It alternates in sign between positive and negative values.\n"
            "Answer with a letter.\n") in result.stderr
    assert result.stdout.startswith("Correct  (1/1 point)")


def test_partial_credit_is_labelled_partly_correct():
    partial = run("check", "deep-chain", "dL-dw1", "B")
    assert partial.exit_code == 1
    assert partial.stdout.startswith("Partly correct  (1/2 points)\n")
    assert run("check", "deep-chain", "dL-dw1", "A").stdout.startswith("Incorrect  (0/2 points)\n")


def test_check_interactive_hint_after_the_last_says_no_more(mini_bank):
    result = run("check", "mini", "d", "--problems", mini_bank, input="?\n?\n?\n2*x\n")
    assert result.exit_code == 0
    assert ("Hint 2 of 2: Bring the 2 down.\nYour answer > ?\n"
            "There are no more hints: you have seen all 2 of this part's hints.\n") in result.stderr


def test_check_interactive_question_mark_shows_a_hint(mini_bank):
    result = run("check", "mini", "d", "--problems", mini_bank, input="x\n?\n?\n2*x\n")
    assert result.exit_code == 0
    assert "Hint 1 of 2: Power rule." in result.stderr
    assert "Hint 2 of 2: Bring the 2 down." in result.stderr
    assert "Hint" not in result.stdout
    assert re.findall(r"^(Correct|Incorrect)  \(", result.stdout, re.M) == ["Incorrect", "Correct"]


def test_check_interactive_json_prints_one_object_per_answer():
    result = run("check", "--format", "json", "output-error", "delta-L",
                 input=f"a_j^L\n{OUTPUT_ERROR_RIGHT}\n")
    assert result.exit_code == 0
    decoder = json.JSONDecoder()
    text, objects = result.stdout.strip(), []
    while text:
        obj, end = decoder.raw_decode(text)
        objects.append(obj)
        text = text[end:].strip()
    assert [o["status"] for o in objects] == ["incorrect", "correct"]
    assert all(set(o) == CHECK_KEYS for o in objects)


# --- check: hints -------------------------------------------------------------------------

def test_hint_shows_hints_one_at_a_time(mini_bank, tmp_path):
    outs = [run("check", "--problems", mini_bank, "mini", "d", "--hint") for _ in range(3)]
    assert [r.exit_code for r in outs] == [0, 0, 0]
    assert [r.stdout for r in outs] == ["Hint 1 of 2: Power rule.\n", "Hint 2 of 2: Bring the 2 down.\n",
                                        "There are no more hints: you have seen all 2 of this part's hints.\n"]
    state = json.loads((tmp_path / "state" / "hints.json").read_text(encoding="utf-8"))
    assert state["mini/d"] == 2


def test_hint_count_is_per_part_and_per_state_dir(mini_bank, tmp_path):
    run("check", "--problems", mini_bank, "mini", "d", "--hint")
    other = run("check", "--problems", mini_bank, "mini", "plain", "--hint")
    assert other.exit_code == 0
    assert other.stdout == "This part has no hints.\n"
    again = run("check", "--problems", mini_bank, "mini", "d", "--hint",
                env={"GRADER_STATE_DIR": str(tmp_path / "elsewhere")})
    assert again.stdout == "Hint 1 of 2: Power rule.\n"


def test_hint_with_an_answer_shows_the_hint_then_the_verdict(mini_bank):
    result = run("check", "--problems", mini_bank, "mini", "d", "x", "--hint")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Hint 1 of 2: Power rule."
    assert lines[1].startswith("Incorrect  (0/3 points)")


def test_hint_on_the_shipped_bank():
    first = run("check", "sigmoid", "derivative", "--hint")
    second = run("check", "sigmoid", "derivative", "--hint")
    assert first.exit_code == second.exit_code == 0
    assert re.match(r"Hint 1 of \d+: \S", first.stdout)
    assert re.match(r"Hint 2 of \d+: \S", second.stdout)
    assert first.stdout != second.stdout


def test_hint_json(mini_bank):
    result, data = run_json("check", "--hint", "--format", "json", "mini", "d", "--problems", mini_bank)
    assert result.exit_code == 0
    assert data == {"problem": "mini", "part": "d", "hint": "Hint 1 of 2: Power rule."}


def test_hint_json_with_options_after_the_part(mini_bank):
    """Options typed after PART work in any order: `--hint --format json` is not an answer."""
    result = run("check", "mini", "d", "--hint", "--format", "json", "--problems", mini_bank)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"problem": "mini", "part": "d", "hint": "Hint 1 of 2: Power rule."}


# --- check: internal error ----------------------------------------------------------------

def test_internal_error_exits_70_without_a_traceback(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")
    monkeypatch.setattr(grader.show.text, "verdict_lines", boom)
    result = run("check", "output-error", "delta-L", "x")
    assert result.exit_code == 70
    assert "internal error (RuntimeError)" in result.stderr
    assert "GRADER_DEBUG" in result.stderr


# --- grade FILE ---------------------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def relu_bank(tmp_path) -> Path:
    """A bank of the shipped relu problem alone: totals of one problem."""
    d = tmp_path / "relu-bank"
    d.mkdir()
    (d / "relu.yaml").write_bytes((REPO / "problems" / "relu.yaml").read_bytes())
    return d


def bank_total() -> float:
    return sum(pts for _, _, pts in bank_parts())


def test_grade_file_table_and_total(tmp_path, relu_bank):
    f = write(tmp_path / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")
    result = run("grade", f, "--problems", relu_bank)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    pos, neg = points("relu", "derivative-positive"), points("relu", "derivative-negative")
    assert re.fullmatch(rf"relu/derivative-positive\s+{g(pos)}/{g(pos)}\s+Correct", lines[0])
    assert re.fullmatch(rf"relu/derivative-negative\s+{g(neg)}/{g(neg)}\s+Correct", lines[1])
    assert lines[-1] == f"Total: {g(pos + neg)}/{g(pos + neg)}"


def test_grade_file_wrong_and_missing_parts(tmp_path):
    f = write(tmp_path / "ann.yaml", "relu:\n  derivative-positive: 1\noutput-error:\n  delta-L:\n")
    result = run("grade", f)
    assert result.exit_code == 1
    out = result.stdout
    pos, neg = points("relu", "derivative-positive"), points("relu", "derivative-negative")
    total = pos + neg + points("output-error", "delta-L")
    assert re.search(rf"^relu/derivative-negative\s+0/{g(neg)}\s+Missing$", out, re.M)
    assert re.search(r"^output-error/delta-L\s+0/\d+\s+Missing$", out, re.M)
    assert "No answer given." not in out                       # "Missing" says it
    assert total < bank_total()
    assert out.splitlines()[-1] == f"Total: {g(pos)}/{g(bank_total())}"   # over the whole bank
    result, data = run_json("grade", f, "--format", "json")
    missing = [p for p in data["parts"] if p["status"] == "missing"]
    assert {(p["problem"], p["part"]) for p in missing} == {(pid, q) for pid, q, _ in bank_parts()} - {
        ("relu", "derivative-positive")}
    assert data["max_score"] == bank_total()
    assert all(p["score"] == 0 and p["answer"] is None for p in missing)


def test_grade_file_json(tmp_path):
    f = write(tmp_path / "ann" / "answers.yaml",
              "relu:\n  derivative-positive: 1\n  derivative-negative: 1\nsigmoid:\n  saturation: C\n")
    result, data = run_json("grade", f, "--format", "json")
    assert result.exit_code == 1
    assert {"student", "score", "max_score", "parts"} <= set(data)
    assert data["student"] == "ann"
    assert isinstance(data["parts"], list)
    for p in data["parts"]:
        assert CHECK_KEYS <= set(p)
        assert p["status"] in STATUSES
    got = {(p["problem"], p["part"]): p["status"] for p in data["parts"]}
    assert got[("relu", "derivative-positive")] == "correct"
    assert got[("relu", "derivative-negative")] == "incorrect"
    assert got[("sigmoid", "saturation")] == "correct"
    assert got[("sigmoid", "derivative")] == "missing"
    assert data["score"] == sum(p["score"] for p in data["parts"])
    assert data["max_score"] == sum(p["max_score"] for p in data["parts"])
    assert data["score"] == points("relu", "derivative-positive") + points("sigmoid", "saturation")


def test_grade_file_student_option_names_the_student(tmp_path):
    f = write(tmp_path / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    _, data = run_json("grade", f, "--student", "zoe-1", "--format", "json")
    assert data["student"] == "zoe-1"


def test_grade_file_reports_unknown_problem_and_part_by_name(tmp_path):
    f = write(tmp_path / "ann.yaml",
              "relu:\n  derivative-positive: 1\n  derivative-negativ: 0\nsigmod:\n  derivative: x\n")
    result = run("grade", f)
    assert result.exit_code == 1
    assert "'sigmod'" in result.stdout
    assert "'relu/derivative-negativ'" in result.stdout
    assert re.search(r"^relu/derivative-negative\s+0/[\d.]+\s+Missing$", result.stdout, re.M)
    _, data = run_json("grade", f, "--format", "json")
    assert "sigmod" in data["notes"] and "relu/derivative-negativ" in data["notes"]
    assert all(p["problem"] != "sigmod" for p in data["parts"])


def test_grade_file_keeps_answers_as_exact_strings(tmp_path):
    sid = course_value_student()
    f = write(tmp_path / f"{sid}.yaml",
              "two-layer-example:\n  loss: 0.2880\n  dC-dw1: 2.080\n  dC-dw2: -0.004\n  dC-db: -0.1387\n"
              "relu:\n  derivative-positive: 1.0\n  derivative-negative: no\n")
    result, data = run_json("grade", f, "--format", "json")
    answers = {(p["problem"], p["part"]): p["answer"] for p in data["parts"]}
    assert answers[("two-layer-example", "loss")] == "0.2880"
    assert answers[("two-layer-example", "dC-dw1")] == "2.080"
    assert answers[("two-layer-example", "dC-dw2")] == "-0.004"
    assert answers[("relu", "derivative-positive")] == "1.0"
    assert answers[("relu", "derivative-negative")] == "no"         # not false
    status = {(p["problem"], p["part"]): p["status"] for p in data["parts"]}
    assert status[("two-layer-example", "dC-dw1")] == "correct"
    assert all(status[("two-layer-example", q)] == "correct" for q in ("loss", "dC-dw1", "dC-dw2", "dC-db"))
    assert status[("relu", "derivative-negative")] == "invalid"
    negative = next(p for p in data["parts"] if p["part"] == "derivative-negative")
    assert "'no'" in " ".join(negative["feedback"])
    assert result.exit_code == 1


def test_grade_file_uses_the_students_own_values(tmp_path, randomized_bank):
    course = two_layer_answers(COURSE)
    for sid in ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]:
        mine = two_layer_answers(given_for(sid, randomized_bank))
        if abs(mine["dC-dw1"] - course["dC-dw1"]) > 0.01:
            break
    body = "two-layer-example:\n" + "".join(f"  {k}: {'%.5f' % v}\n" for k, v in mine.items())
    f = write(tmp_path / sid / "answers.yaml", body)
    result = run("grade", f, "--problems", randomized_bank)
    assert result.exit_code == 1, result.output               # the rest of the bank is missing
    total = sum(points("two-layer-example", q) for q in ("loss", "dC-dw1", "dC-dw2", "dC-db"))
    assert result.stdout.splitlines()[-1] == f"Total: {g(total)}/{g(bank_total())}"
    assert result.stdout.startswith(f"Student: {sid} (from the folder name;")
    assert f"Your values for two-layer-example (drawn for student {sid}): x = " in result.stdout
    _, data = run_json("grade", f, "--problems", randomized_bank, "--format", "json")
    assert data["student"] == sid and data["student_from"] == "the folder name"
    assert data["values"] == {"two-layer-example": given_for(sid, randomized_bank)}
    # the same answers under another id (the course's values) are not all right
    other_id = course_value_student()
    _, other = run_json("grade", f, "--student", other_id, "--problems", randomized_bank, "--format", "json")
    assert other["student"] == other_id and other["student_from"] == "--student"
    two_layer = [p for p in other["parts"] if p["problem"] == "two-layer-example"]
    assert "incorrect" in {p["status"] for p in two_layer}

def test_grade_missing_file_is_a_usage_error(tmp_path):
    result = run("grade", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "nope.yaml" in result.stderr


def test_grade_unreadable_files_are_usage_errors(tmp_path):
    broken = write(tmp_path / "broken.yaml", 'a: "x\n')
    result = run("grade", broken)
    assert result.exit_code == 2
    assert "cannot grade" in result.stderr and "broken.yaml, line 2" in result.stderr
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\x00\x01\x02\xff\xfe binary \x00")
    result = run("grade", junk)
    assert result.exit_code == 2
    assert "cannot grade" in result.stderr
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_bytes("relu:\n  derivative-positive: 1\n".encode("utf-16"))
    result = run("grade", utf16)
    assert result.exit_code == 2
    assert "UTF-16" in result.stderr


def test_grade_gradescope_file(tmp_path, relu_bank):
    f = write(tmp_path / "ann" / "answers.yaml",
              "relu:\n  derivative-positive: 1\n  derivative-negative: 1\n")
    target = tmp_path / "gs" / "results.json"
    result, data = run_json("grade", f, "--gradescope", target, "--format", "json", "--problems", relu_bank)
    assert result.exit_code == 1
    gs = json.loads(target.read_text(encoding="utf-8"))
    assert gs["score"] == data["score"] == points("relu", "derivative-positive")
    assert len(gs["tests"]) == len(data["parts"]) == 2
    for t in gs["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
    by_name = {t["name"]: t for t in gs["tests"]}
    assert by_name["relu/derivative-positive"]["status"] == "passed"
    assert by_name["relu/derivative-positive"]["score"] == points("relu", "derivative-positive")
    assert by_name["relu/derivative-negative"]["status"] == "failed"
    assert by_name["relu/derivative-negative"]["score"] == 0


def test_grade_file_fail_under(tmp_path):
    f = write(tmp_path / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 1\n")
    pos = points("relu", "derivative-positive")
    assert run("grade", f).exit_code == 1
    assert run("grade", f, "--fail-under", g(pos)).exit_code == 0
    assert run("grade", f, "--fail-under", g(pos + 0.5)).exit_code == 1


# --- grade DIR --out OUTDIR ---------------------------------------------------------------

def test_grade_example_class_writes_every_output_and_exits_3(tmp_path):
    out = tmp_path / "out"
    result = run("grade", EXAMPLES, "--out", out, "--jobs", "2")
    assert result.exit_code == 3, result.output                      # dana.yaml is broken
    assert "dana" in result.stderr and "could not be graded" in result.stderr
    for name in ("results.json", "gradebook.csv", "junit.xml", "report.html"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    for sid in EXAMPLE_STUDENTS:
        assert (out / "feedback" / f"{sid}.md").is_file(), sid
        gs = json.loads((out / "gradescope" / sid / "results.json").read_text(encoding="utf-8"))
        assert "score" in gs and "tests" in gs
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["student"] for r in results] == EXAMPLE_STUDENTS
    by_student = {r["student"]: r for r in results}
    assert by_student["dana"]["status"] == "error"
    assert "line" in by_student["dana"]["message"]
    assert by_student["emeka"]["status"] == "partial"             # his mistyped problem id is ignored
    assert all(r["status"] == "graded" for s, r in by_student.items() if s not in ("dana", "emeka"))
    for r in results:
        assert {"student", "score", "max_score", "status", "parts"} <= set(r)
        for p in r["parts"]:
            assert CHECK_KEYS <= set(p)
    alice = {(p["problem"], p["part"]): p for p in by_student["alice"]["parts"]}
    assert alice[("output-error", "delta-L")]["status"] == "correct"
    bob = {(p["problem"], p["part"]): p for p in by_student["bob"]["parts"]}
    assert bob[("output-error", "delta-L")]["status"] == "incorrect"
    # gradebook: a header, the possible points, one row per student, in the bank's order
    rows = list(csv.reader((out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()))
    parts = bank_parts()
    assert rows[0] == ["student"] + [f"{p}/{q}" for p, q, _ in parts] + ["total", "status"]
    assert float(rows[1][-2]) == sum(pts for _, _, pts in parts) and rows[1][-1] == ""
    assert {r[0]: r[-1].split(":")[0] for r in rows[2:]} == {
        s: {"dana": "error", "emeka": "partially graded"}.get(s, "graded") for s in EXAMPLE_STUDENTS}
    assert [r[0] for r in rows[2:]] == EXAMPLE_STUDENTS
    # junit: one testcase per part per student
    tree = ET.parse(out / "junit.xml")
    cases = list(tree.iter("testcase"))
    assert any(c.get("classname") == "alice" and c.get("name") == "output-error/delta-L" for c in cases)
    assert "<html" in (out / "report.html").read_text(encoding="utf-8").lower()


def test_grade_empty_folder_exits_4(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("grade", empty, "--out", tmp_path / "out")
    assert result.exit_code == 4
    assert result.stderr == f"No submission found: nothing was graded, and {tmp_path / 'out'} was left as it was.\n"
    assert not (tmp_path / "out").exists()


def make_class(root: Path, students: dict) -> Path:
    for sid, text in students.items():
        write(root / sid / "answers.yaml", text)
    return root


RELU_RIGHT = "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n"
RELU_HALF = "relu:\n  derivative-positive: 1\n  derivative-negative: 1\n"


def test_grade_folder_exit_0_whatever_the_scores(tmp_path):
    cls = make_class(tmp_path / "cls", {"ann": RELU_RIGHT, "ben": RELU_HALF})
    out = tmp_path / "out"
    result = run("grade", cls, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    pos, neg = points("relu", "derivative-positive"), points("relu", "derivative-negative")
    assert [(r["student"], r["status"], r["score"]) for r in results] == [("ann", "graded", pos + neg),
                                                                          ("ben", "graded", pos)]


def test_grade_folder_default_out_dir(tmp_path):
    cls = make_class(tmp_path / "cls", {"ann": RELU_RIGHT})
    result = run("grade", cls, "--jobs", "1")                         # cwd is a tmp folder (fixture)
    assert result.exit_code == 0
    assert (Path.cwd() / "grader-out" / "results.json").is_file()


def test_grade_folder_fail_under(tmp_path):
    cls = make_class(tmp_path / "cls", {"ann": RELU_RIGHT})
    pos, neg = points("relu", "derivative-positive"), points("relu", "derivative-negative")
    full = g(pos + neg)
    assert run("grade", cls, "--out", tmp_path / "o1", "--fail-under", full, "--jobs", "1").exit_code == 0
    assert run("grade", cls, "--out", tmp_path / "o2", "--fail-under", g(pos + neg + 0.5),
               "--jobs", "1").exit_code == 1
    cls2 = make_class(tmp_path / "cls2", {"ann": RELU_RIGHT, "ben": RELU_HALF})
    assert run("grade", cls2, "--out", tmp_path / "o3", "--fail-under", full, "--jobs", "1").exit_code == 1
    assert run("grade", cls2, "--out", tmp_path / "o4", "--fail-under", g(pos), "--jobs", "1").exit_code == 0


def test_grade_folder_student_regrades_only_that_student(tmp_path):
    cls = make_class(tmp_path / "cls", {"ann": RELU_RIGHT, "ben": RELU_HALF, "cat": RELU_HALF})
    out = tmp_path / "out"
    assert run("grade", cls, "--out", out, "--jobs", "1").exit_code == 0
    before = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    # ben and cat both fix their answer; only ben is regraded
    write(cls / "ben" / "answers.yaml", RELU_RIGHT)
    write(cls / "cat" / "answers.yaml", RELU_RIGHT)
    result = run("grade", cls, "--out", out, "--student", "ben", "--jobs", "1")
    assert result.exit_code == 0, result.output
    after = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert sorted(after) == ["ann", "ben", "cat"]
    pos, neg = points("relu", "derivative-positive"), points("relu", "derivative-negative")
    assert after["ben"]["score"] == pos + neg and before["ben"]["score"] == pos
    assert after["cat"] == before["cat"]                               # kept, not regraded
    assert after["ann"] == before["ann"]


def test_grade_folder_student_on_a_fresh_out_dir(tmp_path):
    out = tmp_path / "out"
    result = run("grade", EXAMPLES, "--out", out, "--student", "alice", "--jobs", "1")
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["student"] for r in results] == ["alice"]
    assert (out / "feedback" / "alice.md").is_file()
    assert not (out / "feedback" / "bob.md").exists()


def test_grade_folder_unknown_student_finds_nothing(tmp_path):
    result = run("grade", EXAMPLES, "--out", tmp_path / "out", "--student", "nobody", "--jobs", "1")
    assert result.exit_code == 4


# --- syntax -------------------------------------------------------------------------------

def test_syntax_prints_the_guide():
    result = run("syntax")
    assert result.exit_code == 0, result.output
    assert len(result.stdout) > 300
    assert "^" in result.stdout and "sum" in result.stdout.lower()
    assert "missing" not in result.stderr
    guide = REPO / "docs" / "answer-syntax.md"
    assert guide.is_file()
    assert result.stdout == guide.read_text(encoding="utf-8")


# --- compare ------------------------------------------------------------------------------

def test_compare_equivalent():
    result = run("compare", "x*(1+x)", "x+x^2")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["Student:   x·(1 + x)", "Reference: x + x²",
                                          "equivalent: The two expressions are equivalent."]


def test_compare_different_gives_a_point():
    result = run("compare", "x^2+2", "x^3")      # x^2 alone is named: the power is wrong
    assert result.exit_code == 1
    assert re.search(r"^different: At x = -?[\d.]+, your answer is -?[\d.]+ but the expected value is -?[\d.]+\.$",
                     result.stdout, re.M), result.stdout


def test_compare_invalid():
    result = run("compare", "x+", "x")
    assert result.exit_code == 1
    assert re.search(r"^invalid: ", result.stdout, re.M)
    bad_ref = run("compare", "x", "(x")
    assert bad_ref.exit_code == 1
    assert "invalid: The reference cannot be read" in bad_ref.stdout


def test_compare_json():
    for args, status, code in ((("x*(1+x)", "x+x^2"), "equivalent", 0), (("x^2+2", "x^3"), "different", 1),
                               (("x+", "x"), "invalid", 1)):
        result, data = run_json("compare", *args, "--format", "json")
        assert result.exit_code == code
        assert data["status"] == status
        assert set(data) == {"status", "message", "student", "reference"}
    _, data = run_json("compare", "x^2+2", "x^3", "--format", "json")
    assert data["message"].startswith("At x = ")
    assert data["student"] == "x² + 2" and data["reference"] == "x³"


def test_compare_negative_expression_as_first_argument():
    result = run("compare", "--", "-x", "0-x")
    assert result.exit_code == 0


def test_compare_positive():
    assert run("compare", "sqrt(x^2)", "x").exit_code == 1
    result = run("compare", "sqrt(x^2)", "x", "--positive", "x")
    assert result.exit_code == 0, result.stdout
    assert "equivalent" in result.stdout
    assert run("compare", "log(x*y)", "log(x)+log(y)", "--positive", "x", "--positive", "y").exit_code == 0


def test_compare_with_a_problem_table():
    result = run("compare", "a_k^(l-1)*delta_j^l", "delta_j^l*a_k^(l-1)", "--problem", "param-gradients")
    assert result.exit_code == 0, result.output
    assert run("compare", "x", "x", "--problem", "sigmod").exit_code == 2


# --- validate and schema ------------------------------------------------------------------

def test_validate_the_shipped_bank():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "All problem files are valid." in result.stderr


def test_validate_a_good_folder(mini_bank):
    result = run("validate", mini_bank)
    assert result.exit_code == 0
    assert run("validate", "--problems", mini_bank).exit_code == 0


def test_validate_a_broken_file_exits_5_with_file_and_line(broken_bank):
    result = run("validate", broken_bank)
    assert result.exit_code == 5
    assert re.search(r"broken\.yaml:8: .*'expresion'", result.stdout), result.stdout
    assert "mini.yaml" not in result.stdout
    assert "1 problem(s) found." in result.stderr
    single = run("validate", broken_bank / "broken.yaml")
    assert single.exit_code == 5
    assert "broken.yaml:8:" in single.stdout


@pytest.mark.parametrize("text,line,fragment", [
    ("title: A\ntitle: B\nstatement: x\nsymbols:\n  z: scalar\nparts: []\n", 2, "duplicate key 'title'"),
    ("title: A\nstatement: x\nsymbols:\n\tz: scalar\n", 4, "tab"),
    ("title: A\nstatement: \"x\nsymbols: {}\n", 4, "quoted text that starts at line 2"),
])
def test_validate_malformed_yaml(tmp_path, text, line, fragment):
    f = write(tmp_path / "bad" / "bad.yaml", text)
    result = run("validate", f)
    assert result.exit_code == 5
    assert f"bad.yaml:{line}:" in result.stdout, result.stdout
    assert fragment in result.stdout


def test_validate_missing_path_is_a_usage_error(tmp_path):
    result = run("validate", tmp_path / "nope")
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_a_broken_problem_file_stops_commands_that_read_it_with_exit_5(broken_bank):
    for args in (["list"], ["show", "broken"], ["check", "broken", "a", "z"], ["grade", "x.yaml"]):
        result = run(*args, "--problems", broken_bank)
        assert result.exit_code == 5, args
        assert "the problem bank is invalid" in result.stderr
        assert "broken.yaml:8" in result.stderr
        assert result.stdout == ""


def test_a_broken_problem_file_does_not_block_the_other_problems(broken_bank):
    """show/check load only the named problem's file (fast start)."""
    assert run("show", "mini", "--problems", broken_bank).exit_code == 0
    assert run("check", "--problems", broken_bank, "mini", "d", "2*x").exit_code == 0


def test_schema_is_json_with_a_schema_key():
    result, data = run_json("schema")
    assert result.exit_code == 0
    assert data["$schema"].startswith("https://json-schema.org/")
    assert data.get("type") == "object"
    assert "parts" in data.get("properties", {})


# --- where the bank lives -----------------------------------------------------------------

def test_problems_env_variable(mini_bank):
    result, data = run_json("list", "--format", "json", env={"GRADER_PROBLEMS": str(mini_bank)})
    assert [p["id"] for p in data] == ["mini"]
    checked = run("check", "mini", "d", "x+x", env={"GRADER_PROBLEMS": str(mini_bank)})
    assert checked.exit_code == 0
    unknown = run("check", "sigmoid", "derivative", "x", env={"GRADER_PROBLEMS": str(mini_bank)})
    assert unknown.exit_code == 2
    assert "unknown problem 'sigmoid'" in unknown.stderr


def test_problems_option_overrides_the_env_variable(mini_bank, broken_bank):
    result, data = run_json("list", "--format", "json", "--problems", mini_bank,
                            env={"GRADER_PROBLEMS": str(broken_bank)})
    assert result.exit_code == 0
    assert [p["id"] for p in data] == ["mini"]


def test_problems_option_on_every_bank_command(mini_bank):
    assert run("show", "mini", "--problems", mini_bank).exit_code == 0
    assert run("check", "mini", "d", "2*x", "--problems", mini_bank).exit_code == 0
    assert run("check", "--problems", mini_bank, "mini", "d", "2*x").exit_code == 0
    assert run("compare", "2*x", "x+x", "--problem", "mini", "--problems", mini_bank).exit_code == 0


def test_grade_with_another_bank(mini_bank, tmp_path):
    f = write(tmp_path / "ann.yaml", "mini:\n  d: 2*x\n  plain: x\n")
    result = run("grade", f, "--problems", mini_bank)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Total: 4/4"


def test_problems_folder_that_does_not_exist(tmp_path):
    result = run("list", "--problems", tmp_path / "nope")
    assert result.exit_code in (2, 5)
    assert "nope" in result.stderr


# --- usage --------------------------------------------------------------------------------

def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for cmd in ("check", "compare", "grade", "list", "schema", "show", "syntax", "validate"):
        assert re.search(rf"^  {cmd}\s", result.stdout, re.M), cmd


def test_unknown_command_and_option_are_usage_errors():
    assert run("nosuch").exit_code == 2
    result = run("list", "--bogus")
    assert result.exit_code == 2
    assert "--bogus" in result.stderr


# --- usage errors in our words (click's wording changes between releases) --------------------

@pytest.mark.parametrize("args, message", [
    (["chek"], "Error: there is no command 'chek'. Did you mean check"),
    (["check"], "Error: PROBLEM is missing."),
    (["check", "sigmoid"], "Error: PART is missing."),
    (["list", "--format", "xml"], "Error: --format must be one of: text, json."),
    (["grade", "--jobs", "0", "x"], "Error: --jobs needs a number from 1 to 64."),
    (["grade", "--jobs", "abc", "x"], "Error: --jobs needs a number from 1 to 64."),
    (["list", "--colour"], "Error: there is no option --colour."),
    (["list", "--problem"], "Error: there is no option --problem. Did you mean --problems?"),
    (["check", "--student"], "Error: --student needs a value."),
    (["syntax", "extra"], "Error: too many arguments (put an answer with spaces in quotes)."),
])
def test_usage_errors_are_ours(args, message):
    result = run(*args)
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(message), result.output
    assert "Try '" not in result.output and "No such" not in result.output


def test_check_takes_the_end_of_options_marker_before_an_answer():
    result = run("check", "two-layer-example", "dC-dw2", "--", "-0.004")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Correct")


def test_the_ta_table_in_the_readme_names_every_status_a_class_run_ends_with():
    """README's "After a run" table is what a TA reads: every status `grade DIR` can end with is
    there (a status added to `Exit` without a line for the TA fails here)."""
    import re
    from grader.errors import Exit
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = text.split("### After a run: what the exit status tells a TA", 1)[1].split("\n\n", 3)[2]
    said = {int(n) for row in table.splitlines()[2:] for n in re.findall(r"\d+", row.split("|")[1])}
    assert said == {int(e) for e in Exit}
