"""The bank's faults are never the students' (issue 23, item 9): a scalar defined by an
expression grades like any other name; a part the bank cannot grade is "not graded" in every
output of a class run, which exits 3 and says which part and why; a class run refuses a bank
that fails validate unless told to go ahead.
"""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from grader.authoring.loader import load_problem
from grader.checking.grading import grade_answer
from grader.interfaces.cli import main
from grader.model import CORRECT, INCORRECT

DEFINED = """\
title: A defined scalar
statement: s stands for tanh(x).
symbols:
  x: {kind: scalar}
  s: {kind: scalar, definition: "tanh(x)"}
parts:
  - id: slope
    prompt: "What is ds/dx, in terms of s?"
    kind: expression
    answer: "1-s^2"
    points: 1
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scalar_definition_grades_right_and_wrong_answers(tmp_path):
    problem = load_problem(write(tmp_path / "bank" / "defined.yaml", DEFINED))
    part = problem.part("slope")
    right = grade_answer(problem, part, "1 - tanh(x)^2", seconds=None)
    assert (right.status, right.score, right.feedback) == (CORRECT, 1.0, ())
    wrong = grade_answer(problem, part, "2-s", seconds=None)    # (1-s is named: the power of s is wrong)
    assert (wrong.status, wrong.score) == (INCORRECT, 0.0)
    # the point quoted is a drawn name's (x), never the defined s, which has no drawn value
    assert wrong.feedback == ("At x = 1.259, your answer is 1.149 but the expected value is 0.2763.",)


def test_a_scalar_definition_through_grader_check(tmp_path):
    write(tmp_path / "bank" / "defined.yaml", DEFINED)
    run = CliRunner().invoke(main, ["check", "--problems", str(tmp_path / "bank"), "defined", "slope", "s"])
    assert run.exit_code == 1, run.output
    assert "Incorrect  (0/1 point)" in run.output
    assert "At x = 1.259, your answer is 0.8507 but the expected value is 0.2763." in run.output


# --- a part the bank cannot grade: "not graded" in every output --------------------------------

BROKEN = """\
title: One part the bank cannot grade
statement: x is a real number.
symbols:
  x: {kind: scalar}
parts:
  - id: double
    prompt: "What is 2 times x?"
    kind: expression
    answer: "2*x"
    points: 1
  - id: impossible
    prompt: "Simplify x, for x above 5 and below 3."
    kind: expression
    answer: "x"
    where: "x > 5 and x < 3"
    points: 1
"""
REASON = "its condition 'x > 5 and x < 3' cannot be met: no value of x in its domain [-2.0, 2.0] meets the condition"


def broken_class(tmp_path: Path) -> tuple[Path, Path]:
    bank = tmp_path / "bank"
    write(bank / "broken.yaml", BROKEN)
    write(tmp_path / "class" / "ann" / "answers.yaml", "broken:\n  double: 2*x\n  impossible: x\n")
    write(tmp_path / "class" / "bob" / "answers.yaml", "broken:\n  double: 3*x\n")
    return bank, tmp_path / "class"


def test_a_part_the_bank_cannot_grade_is_not_graded_in_every_output(tmp_path):
    import json
    import grader
    bank, src = broken_class(tmp_path)
    lines: list[str] = []
    out = tmp_path / "out"
    run = grader.grade_class(src, out, problems=bank, jobs=1, log=lines.append)
    assert run.exit_code == 3 and run.ungraded == 1
    assert lines == [f"broken/impossible could not be graded for 1 student(s), through no fault of theirs: the "
                     f"problem bank cannot check it ({REASON}). Their rows say 'not graded' and the LMS exports "
                     f"leave their score unchanged; fix the problem (grader validate shows what is wrong) and "
                     f"grade again."]
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    ann = results["ann"]
    assert ann["status"] == "not-graded"
    assert [(p["part"], p["status"]) for p in ann["parts"]] == [("double", "correct"), ("impossible", "not-graded")]
    assert results["bob"]["status"] == "graded"      # bob did not answer the broken part
    note = ("The problem bank cannot check broken/impossible (not a mistake in the answers): the total is not a "
            "grade until the problem is fixed and the class graded again.")
    assert (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "student,broken/double,broken/impossible,total,status",
        "POINTS POSSIBLE,1,1,2,",
        f"ann,1,,1,not graded: {note}",
        "bob,0,0,0,graded"]
    junit = (out / "junit.xml").read_text()
    assert 'tests="4" failures="2" errors="1"' in junit
    assert (f'<testcase classname="ann" name="broken/impossible" time="0">\n      <error message="broken/impossible '
            f'could not be graded: {REASON.replace(">", "&gt;").replace("<", "&lt;")}" type="not-graded">') in junit
    # every LMS export: no change for ann (an empty cell), bob's score as graded
    assert (out / "canvas.csv").read_text().splitlines()[2:] == ["ann,,,ann,,", "bob,,,bob,,0"]
    assert (out / "gradescope-scores.csv").read_text().splitlines()[1:] == ["ann,ann,,", "bob,bob,,0"]
    assert (out / "moodle.csv").read_text().splitlines()[1:] == ["bob,,,bob,0"]     # Moodle's "no change": no row
    report = (out / "report.html").read_text()     # ann's total is no grade: out of the distribution
    assert "<h2>Score distribution (1 graded submission)</h2>" in report
    feedback = (out / "feedback" / "ann.md").read_text()
    assert feedback.startswith("# Feedback for ann\n\n**Score: not a grade yet** (1 / 2 on the parts that could be checked)\n")
    assert "⏸️ **not-graded**: 0 / 1" in feedback
    assert "meets the condition). This is not a mistake in your answer; your instructor has to fix the problem." \
        in feedback


# --- a class run checks the bank first -------------------------------------------------------------

def grade_cli(*args: str, cwd: Path):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "grader", "grade", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_a_class_run_refuses_a_bank_that_fails_validate(tmp_path):
    broken_class(tmp_path)
    run = grade_cli("class", "--out", "out", "--problems", "bank", "--jobs", "1", cwd=tmp_path)
    assert run.returncode == 5, run.stderr
    assert run.stderr.splitlines()[1:] == [
        "grader: bank/broken.yaml:15: part 'impossible': the condition 'x > 5 and x < 3' cannot be met: no value "
        "of x in its domain [-2.0, 2.0] meets the condition",
        "Error: the problem bank is invalid: grader validate found 1 problem(s) in the problems this run grades "
        "(listed above), so no submission was graded. Fix them and run again, or grade anyway with "
        "--even-if-invalid (parts the bank cannot check are then 'not graded')."]
    assert not (tmp_path / "out").exists()


def test_even_if_invalid_grades_and_says_which_part_is_not_graded(tmp_path):
    broken_class(tmp_path)
    run = grade_cli("class", "--out", "out", "--problems", "bank", "--jobs", "1", "--even-if-invalid", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    lines = run.stderr.splitlines()
    assert lines[2] == ("grader: grading anyway (--even-if-invalid) although grader validate found 1 problem(s); "
                        "parts the bank cannot check are 'not graded' in every output.")
    assert lines[3].startswith(f"grader: broken/impossible could not be graded for 1 student(s), through no fault "
                               f"of theirs: the problem bank cannot check it ({REASON}).")
    assert lines[4].startswith("Graded 1 submission(s), 0 could not be graded, 1 not graded (a part the problem "
                               "bank cannot check);")
    assert "ann,1,,1,not graded: " in (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig")


def test_validate_finds_definitions_without_values_and_conditions_variants_cannot_meet(tmp_path):
    from grader.authoring.validation import validate
    path = write(tmp_path / "defs.yaml", """\
title: Definitions and variants
statement: c is drawn per student.
symbols:
  x: {kind: scalar}
  v: {kind: vector}
  s: {kind: scalar, definition: "s + x"}
  u: {kind: scalar, definition: "v * v"}
  c: {kind: scalar}
given: {c: 0}
variants:
  c: {choices: [0, 1, 5, 6, 7]}
parts:
  - id: above
    prompt: "What is 2x, for x above c?"
    kind: expression
    answer: "2*x"
    where: "x > c"
    points: 1
""")
    assert [str(i) for i in validate([path])] == [
        f"{path}: symbol 's': the definition 's + x' cannot be evaluated: 's' is defined in terms of itself.",
        f"{path}: symbol 'u': the definition 'v * v' cannot be evaluated: You cannot multiply a column vector by a "
        f"column vector: their sizes do not match (is a transpose missing or misplaced?).",
        f"{path}:17: part 'above': the condition 'x > c' cannot be met with a sampled student's values (c = 6): only 0 "
        f"of 1024 random samples meet the condition, 64 are needed"]


def test_grading_one_file_with_a_part_the_bank_cannot_check_exits_3(tmp_path):
    bank, src = broken_class(tmp_path)
    run = CliRunner().invoke(main, ["grade", str(src / "ann" / "answers.yaml"), "--problems", str(bank)])
    assert run.exit_code == 3, run.output
    assert "broken/impossible" in run.output and "Not graded" in run.output
    assert f"Not graded: the problem bank cannot check this part ({REASON})." in " ".join(run.output.split())
