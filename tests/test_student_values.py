"""Per-student values without traps (issue 16): the id is always known and stated, answers
computed from the course's or a classmate's values are recognised, and `grade FILE` totals
what the class gradebook totals."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

from conftest import run_cli as run, write
from grader.authoring.loader import load_bank
from grader.classes.submissions import grade_submission, read_answer_file
from grader.checking.variants import variant_values

REPO = Path(__file__).resolve().parent.parent
COURSE = {"t": 1.0, "x": 3.0, "w1": 0.01, "w2": -5.0, "b": -1.0}
COURSE_TEXT = "x = 3, w1 = 0.01, w2 = -5"


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GRADER_DEBUG", "NO_COLOR", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))


def answers(v: dict) -> dict:
    sig = lambda z: 1 / (1 + math.exp(-z))
    a1 = max(0.0, v["w1"] * v["x"])
    y = sig(v["w2"] * a1 + v["b"])
    d = (y - v["t"]) * y * (1 - y)
    return {"loss": 0.5 * (y - v["t"]) ** 2, "dC-dw1": d * v["w2"] * v["x"], "dC-dw2": d * a1, "dC-db": d}


def yaml_of(v: dict, extra: str = "") -> str:
    return extra + "two-layer-example:\n" + "".join(f"  {k}: {x:.5f}\n" for k, x in answers(v).items())


@pytest.fixture(scope="module")
def rbank(randomized_bank):
    return load_bank(randomized_bank)


def varied(sid, bank) -> str:
    v = variant_values(bank["two-layer-example"], sid)
    return ", ".join(f"{n} = {v[n]:g}" for n in ("x", "w1", "w2"))


def different_student(bank, not_like=COURSE) -> str:
    p = bank["two-layer-example"]
    return next(f"s{i}" for i in range(100)
                if abs(answers(variant_values(p, f"s{i}"))["loss"] - answers(not_like)["loss"]) > 0.01)


# --- the id -------------------------------------------------------------------------------

def test_answers_yaml_takes_its_folder_name_wherever_the_command_runs(tmp_path, monkeypatch, randomized_bank, rbank):
    sid = different_student(rbank)
    f = write(tmp_path / sid / "answers.yaml", yaml_of(variant_values(rbank["two-layer-example"], sid)))
    monkeypatch.chdir(f.parent)                       # `grader grade answers.yaml` inside the folder
    assert read_answer_file(Path("answers.yaml")).student == sid
    result = run("grade", "answers.yaml", "--problems", randomized_bank, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["student"], data["student_from"]) == (sid, "the folder name")
    assert {p["status"] for p in data["parts"] if p["problem"] == "two-layer-example"} == {"correct"}


def test_student_line_in_the_file_then_env_then_flag(tmp_path, monkeypatch, randomized_bank, rbank):
    sid = different_student(rbank)
    f = write(tmp_path / "hw3" / "answers.yaml",
              yaml_of(variant_values(rbank["two-layer-example"], sid), extra=f"student: {sid}\n"))
    sub = read_answer_file(f)
    assert (sub.student, sub.declared) == ("hw3", sid)
    assert "student" not in sub.answers                   # not an unknown problem
    _, = [json.loads(run("grade", f, "--problems", randomized_bank, "--format", "json").stdout)]
    data = _
    assert (data["student"], data["student_from"]) == (sid, "the file's 'student:' line")
    assert "notes" not in data
    assert {p["status"] for p in data["parts"] if p["problem"] == "two-layer-example"} == {"correct"}
    monkeypatch.setenv("GRADER_STUDENT", "from-env")
    data = json.loads(run("grade", f, "--problems", randomized_bank, "--format", "json").stdout)
    assert (data["student"], data["student_from"]) == ("from-env", "$GRADER_STUDENT")
    data = json.loads(run("grade", f, "--student", "flag", "--problems", randomized_bank, "--format", "json").stdout)
    assert (data["student"], data["student_from"]) == ("flag", "--student")
    assert data["values"]["two-layer-example"] == variant_values(rbank["two-layer-example"], "flag")


def test_class_grading_keeps_the_folder_id_and_notes_a_different_student_line(tmp_path, rbank):
    f = write(tmp_path / "cls" / "ann" / "answers.yaml", "student: bob\nrelu:\n  derivative-positive: 1\n")
    result = grade_submission(rbank, read_answer_file(f, "ann"))
    assert result.student == "ann"
    assert result.message == ("The file says 'student: bob', but it is graded as 'ann' "
                              "(the name of its file or folder).")
    assert dict(result.values)["two-layer-example"] == tuple(
        sorted(variant_values(rbank["two-layer-example"], "ann").items()))


# --- check without an id, recognised values --------------------------------------------------

def test_check_without_an_id_says_it_used_the_course_values(randomized_bank):
    result = run("check", "two-layer-example", "loss", "0.288", "--problems", randomized_bank)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        f"Note: two-layer-example gives each student their own values; this used the course's values "
        f"({COURSE_TEXT}). To use yours: --student ID, or set GRADER_STUDENT=ID.")
    # the shipped bank (values off): no such note
    assert "Note:" not in run("check", "two-layer-example", "loss", "0.288").stdout


def test_check_with_an_id_recognises_the_course_answer(randomized_bank, rbank):
    sid = different_student(rbank)
    result = run("check", "two-layer-example", "loss", "0.288", "--student", sid, "--problems", randomized_bank)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Incorrect")
    assert (f"That is the right value for the course's values ({COURSE_TEXT}), but your values are "
            f"{varied(sid, rbank)}: redo the computation with yours.") in lines
    assert lines[-1] == f"Student {sid}: your values for two-layer-example are {varied(sid, rbank)}."
    env = run("check", "two-layer-example", "loss", "0.288", "--problems", randomized_bank,
              "--format", "json", env={"GRADER_STUDENT": sid})
    data = json.loads(env.stdout)
    assert data["student"] == sid and data["values"] == variant_values(rbank["two-layer-example"], sid)
    assert data["status"] == "incorrect" and "course's values" in data["feedback"][0]


def test_class_recognises_course_and_classmate_values(tmp_path, randomized_bank, rbank):
    p = rbank["two-layer-example"]
    ana = different_student(rbank)
    ben = next(f"t{i}" for i in range(200) if abs(answers(variant_values(p, f"t{i}"))["loss"]
                                                   - answers(variant_values(p, ana))["loss"]) > 0.01
               and abs(answers(variant_values(p, f"t{i}"))["loss"] - answers(COURSE)["loss"]) > 0.01)
    cls = tmp_path / "cls"
    write(cls / ana / "answers.yaml", yaml_of(variant_values(p, ana)))
    write(cls / ben / "answers.yaml", yaml_of(variant_values(p, ana)))      # ben copied ana's numbers
    write(cls / "cat" / "answers.yaml", yaml_of(COURSE))                    # cat used the course's
    out = tmp_path / "out"
    result = run("grade", cls, "--out", out, "--problems", randomized_bank, "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = (out / "results.json").read_text(encoding="utf-8")
    rows = {r["student"]: r for r in json.loads(text)}
    # the streamed file is exactly one json.dumps of the rows (the values included), and reads back
    from grader.formats.results_json import RESULTS_JSON, parse_results_json
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    # read back, all but the instructor's `whose_values` (names, not a verdict: issue 28, item 7)
    kept = [dict(r, parts=[{k: v for k, v in q.items() if k != "whose_values"} for q in r["parts"]])
            for r in json.loads(text)]
    assert RESULTS_JSON.text(parse_results_json(text)) == json.dumps(kept, sort_keys=True, indent=2,
                                                                      ensure_ascii=False) + "\n"
    assert [q["whose_values"] for q in rows[ben]["parts"] if "whose_values" in q] == [[ana]] * 4
    two = lambda s: {q["part"]: q for q in rows[s]["parts"] if q["problem"] == "two-layer-example"}
    assert {q["status"] for q in two(ana).values()} == {"correct"}
    assert {q["rule"] for q in two(ben).values()} == {"matches-another-students-values-on-4-parts"}
    assert two(ben)["loss"]["feedback"] == [
        f"Your answers to 4 parts of this problem (loss, dC-dw1, dC-dw2, dC-db) match another student's "
        f"values, not yours ({varied(ben, rbank)}): redo the computation with your own values."]
    if variant_values(p, "cat") != COURSE:
        assert {q["rule"] for q in two("cat").values()} == {"course-values"}
    for s in (ana, ben, "cat"):
        assert rows[s]["values"] == {"two-layer-example": variant_values(p, s)}
        gs = json.loads((out / "gradescope" / s / "results.json").read_text(encoding="utf-8"))
        said = gs["output"].split(f"Your values for two-layer-example (drawn for student {s}): ", 1)[1]
        assert all(part in said for part in varied(s, rbank).split(", "))      # every value, with b and t
        md = (out / "feedback" / f"{s}.md").read_text(encoding="utf-8")
        assert f"Your values for two-layer-example (drawn for student {s}): {varied(s, rbank)}" in md


# --- totals that agree ------------------------------------------------------------------------

def test_grade_file_total_is_the_class_gradebook_total(tmp_path):
    cls = tmp_path / "cls"
    f = write(cls / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 5\n"
              "two-layer-example:\n  loss: 0.288\n  dC-dw1: 2.080\n  dC-dw2: -0.004\n  dC-db: -0.1387\n")
    one = json.loads(run("grade", f, "--format", "json").stdout)
    text = run("grade", f).stdout.splitlines()[-1]
    run("grade", cls, "--out", tmp_path / "out", "--jobs", "1")
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    header, points, ann = rows[0], rows[1], rows[2]
    total = header.index("total")
    assert ann[0] == "ann"
    assert text == f"Total: {ann[total]}/{points[total]}"
    assert (one["score"], one["max_score"]) == (float(ann[total]), float(points[total]))
    assert len(one["parts"]) == total - 1                  # every part of the bank, unanswered ones missing
