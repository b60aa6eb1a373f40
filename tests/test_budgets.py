"""Budgets for a whole class run (issue 23, item 8): a per-student and a per-run time budget
bound what slow answers cost (those left are graded "too complex to check", and every
submission still gets its row); answer files are read under a size and a time limit. Behaviour
only: no speed is asserted here (bench/ measures it).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import limits
from grader.authoring import yamlsafe
from grader.checking import checker
from grader.classes.classrun import grade_class
from grader.interfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
RIGHT = "e^(-z)/(1+e^(-z))^2"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rows(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads((out / "results.json").read_text())}


def parts(row: dict) -> dict[tuple[str, str], dict]:
    return {(p["problem"], p["part"]): p for p in row["parts"]}


LONG = " + 0" * 40       # an answer longer than limits.SHORT_ANSWER: charged to its student's budget


def slow_check(problem, part, answer, values=None):
    """The checker, half a second slower on answers with `+ 0*`: a slow answer, made on purpose."""
    if "+ 0*" in answer:
        time.sleep(0.5)
    return checker.check(problem, part, answer, values)


def test_a_spent_student_budget_grades_their_remaining_answers_too_complex(tmp_path):
    src = tmp_path / "class"
    write(src / "ann" / "answers.yaml", "sigmoid:\n"
          f"  derivative: {RIGHT} + 0*1{LONG}\n  saturation: Its magnitude becomes small\n"
          f"activations:\n  tanh-derivative: 1-tanh(z)^2 + 0*2{LONG}\n"
          f"  logistic-derivative: g(z)*(1-g(z)) + 0*3{LONG}\n"
          f"relu:\n  derivative-positive: 1 + 0*4{LONG}\n  derivative-negative: 0 + 0*5{LONG}\n")
    write(src / "bob" / "answers.yaml", f"sigmoid:\n  derivative: {RIGHT}\n")
    lines: list[str] = []
    run = grade_class(src, tmp_path / "out", ROOT / "problems", jobs=1, check=slow_check, student_budget=0.4,
                      run_budget=1e9, log=lines.append)
    assert run.exit_code == 0
    ann = parts(rows(tmp_path / "out")["ann"])
    slow = [ann[k] for k in (("sigmoid", "derivative"), ("activations", "tanh-derivative"),
                             ("activations", "logistic-derivative"), ("relu", "derivative-positive"),
                             ("relu", "derivative-negative"))]
    budget = ["This answer is too complex to check: your answers together took longer than 0.4 seconds to check, "
              "so this one was not checked."]
    # each slow answer is checked (all are right) until ann's budget is spent, the rest are not: one
    # answer already handed to the worker when the budget runs out is still checked
    checked = [p for p in slow if p["status"] == "correct"]
    skipped = [p for p in slow if p["status"] == "invalid" and p["feedback"] == budget]
    assert len(checked) + len(skipped) == 5 and 1 <= len(checked) <= 2, [p["status"] for p in slow]
    assert parts(rows(tmp_path / "out")["bob"])[("sigmoid", "derivative")]["status"] == "correct"
    assert ann[("sigmoid", "saturation")]["status"] == "correct"    # short: checked before any budget is spent
    everything_skipped = skipped
    assert lines == [f"the per-student time budget (0.4 s) was spent by 1 student(s) (ann): {len(everything_skipped)} of their "
                     f"answers were not checked and are graded 'too complex to check' (--student-budget gives more "
                     f"time)"]


def test_a_spent_run_budget_leaves_every_row_and_the_next_run_checks_the_rest(tmp_path):
    src = tmp_path / "class"
    for name in ("ann", "bob", "cy"):
        write(src / name / "answers.yaml", f"sigmoid:\n  derivative: {RIGHT}\nrelu:\n  derivative-positive: 1\n")
    write(src / "dana.yaml", "not: [closed")
    runner = CliRunner()
    first = runner.invoke(main, ["grade", str(src), "--out", str(tmp_path / "out"), "--jobs", "1",
                                 "--run-budget", "0.000000001"])
    assert first.exit_code == 3, first.output
    assert ("grader: the run's time budget (1e-09 s of checking) was spent: 2 answer(s) were not checked; their "
            "rows say 'not fully graded' (exit 3). Run the same command again to check them (--run-budget gives "
            "more time)") in first.output
    results = rows(tmp_path / "out")
    assert sorted(results) == ["ann", "bob", "cy", "dana"]        # every submission has its row
    note = ("Not fully graded: the run's time budget was spent before relu/derivative-positive, sigmoid/derivative "
            "could be checked; those parts count 0 points for now. Grading the class again checks them.")
    for name in ("ann", "bob", "cy"):
        assert (results[name]["status"], results[name]["message"]) == ("partial", note)
        p = parts(results[name])[("sigmoid", "derivative")]
        assert (p["status"], p["feedback"]) == ("invalid", [
            "This answer is too complex to check in this grading run: the run's time budget of 1e-09 seconds was "
            "spent before it was checked. Grading the class again checks it."])
    assert results["dana"]["status"] == "error"
    # the next run, with the default budget, checks what was left
    second = runner.invoke(main, ["grade", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert second.exit_code == 3 and "time budget" not in second.output    # 3: dana's file is broken
    assert {n: (r["status"], r["score"]) for n, r in rows(tmp_path / "out").items()} == {
        "ann": ("graded", 3.0), "bob": ("graded", 3.0), "cy": ("graded", 3.0), "dana": ("error", 0.0)}


def test_an_answer_file_over_the_size_limit_gets_its_row_with_the_reason(tmp_path):
    src = tmp_path / "class"
    big = "sigmoid:\n" + "".join(f"  p{i}: z+{i}\n" for i in range(40_000))
    assert len(big.encode()) > limits.ANSWER_FILE_MAX_BYTES
    write(src / "ann" / "answers.yaml", big)
    write(src / "bob" / "answers.yaml", f"sigmoid:\n  derivative: {RIGHT}\n")
    run = grade_class(src, tmp_path / "out", ROOT / "problems", jobs=1)
    assert run.exit_code == 3
    ann = rows(tmp_path / "out")["ann"]
    assert (ann["status"], ann["message"]) == (
        "error", f"answers.yaml is too large ({len(big.encode()):,} bytes; an answer file may have at most "
                 f"262,144 bytes, far more than a whole assignment's answers need)")
    assert rows(tmp_path / "out")["bob"]["status"] == "graded"


def test_an_answer_file_is_read_under_a_time_limit():
    text = "sigmoid:\n" + "".join(f"  p{i}: z+{i}\n" for i in range(3000))
    assert len(yamlsafe.load(text, max_seconds=60)["sigmoid"]) == 3000
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load(text, max_seconds=0)
    assert caught.value.message == ("the file takes too long to read (more than 0 seconds); a file of answers is "
                                    "read in a fraction of that")


def test_the_readme_states_the_budgets_the_code_has():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(r"`--student-budget` \(default (\d+) s\).*?`--run-budget` \(default ([\d.]+) s plus "
                       r"([\d.]+) s per submission\).*?answer file over ([\d,]+) bytes.*?more than ([\d.]+) "
                       r"seconds to read", readme)
    assert stated, "README's 'Time budgets' paragraph"
    assert [float(x.replace(",", "")) for x in stated.groups()] == [
        limits.STUDENT_BUDGET_SECONDS, limits.RUN_BUDGET_SECONDS, limits.RUN_BUDGET_PER_SUBMISSION,
        limits.ANSWER_FILE_MAX_BYTES, limits.ANSWER_FILE_PARSE_SECONDS]
