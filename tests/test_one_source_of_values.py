"""One source of per-student values (issue 23, item 3): the problem file declares the variants,
the assignment file switches them on, and every way a student or a TA reaches a problem
(handout, check, show, serve, the notebook API, a class run) uses the same values for the same
student and gives the same verdict. Before the fix `check`, `show` and `serve` ignored the
assignment: s01's correct answer was Incorrect and `show` printed the course's values.
"""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import grader
from grader.interfaces import web
from grader.interfaces.cli import main
from grader.number_format import number_text

REPO = Path(__file__).resolve().parent.parent
PROBLEMS = REPO / "problems"
STUDENT = "s01"
PROBLEM = "two-layer-example"
VARIED = ("x", "w1", "w2")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], env={"GRADER_STUDENT": None, "NO_COLOR": "1"},
                              catch_exceptions=False)


def answers_for(v: dict) -> dict[str, float]:
    """The right numbers for these given values (the problem's references, in plain Python)."""
    a1 = max(0.0, v["w1"] * v["x"])
    y = 1 / (1 + math.exp(-(v["w2"] * a1 + v["b"])))
    return {"loss": 0.5 * (y - v["t"]) ** 2, "dC-db": (y - v["t"]) * y * (1 - y)}


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """The files a TA has: the assignment that switches per-student values on, a class folder
    with s01's submission, and s01's handout."""
    root = tmp_path_factory.mktemp("one-source")
    assignment = root / "assignment.yaml"
    assignment.write_text("title: HW\nproblems:\n  - sigmoid\n  - {id: two-layer-example, randomize: per-student}\n",
                          encoding="utf-8")
    (root / "roster.csv").write_text(f"submission,name\n{STUDENT},Sam Ode\n", encoding="utf-8")
    result = run("handout", "--roster", root / "roster.csv", "--assignment", assignment,
                 "--out", root / "handouts", "--problems", PROBLEMS)
    assert result.exit_code == 0, result.output
    # the class folder: s01 answers loss with their own values and dC-db with the course's
    with open(root / "handouts" / "values.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {row["submission"]: row for row in csv.DictReader(fh)}
    handed = {name: float(rows[STUDENT][f"{PROBLEM}/{name}"]) for name in VARIED}
    values = dict(grader.load_bank(PROBLEMS)[PROBLEM].given, **handed)
    mine = {k: f"{n:.4f}" for k, n in answers_for(values).items()}
    course = {k: f"{n:.4f}" for k, n in answers_for(dict(grader.load_bank(PROBLEMS)[PROBLEM].given)).items()}
    folder = root / "class" / STUDENT
    folder.mkdir(parents=True)
    (folder / "answers.yaml").write_text(f'{PROBLEM}:\n  loss: "{mine["loss"]}"\n  dC-db: "{course["dC-db"]}"\n',
                                         encoding="utf-8")
    return {"root": root, "assignment": assignment, "values": values, "handed": handed,
            "mine": mine, "course": course}


def test_s01_has_values_of_their_own(walk):
    # the walk below means something only if s01's values and answers are not the course's
    course = dict(grader.load_bank(PROBLEMS)[PROBLEM].given)
    assert any(walk["values"][n] != course[n] for n in VARIED)
    for part in ("loss", "dC-db"):
        assert abs(float(walk["mine"][part]) - float(walk["course"][part])) > 0.002     # twice the tolerance
    page = (walk["root"] / "handouts" / f"{STUDENT}.md").read_text(encoding="utf-8")
    for name in VARIED:
        assert f"| {name} | {number_text(walk['values'][name])} |" in page


def test_one_student_walks_through_every_interface(walk, monkeypatch):
    a, values, mine, course = walk["assignment"], walk["values"], walk["mine"], walk["course"]
    common = ("--student", STUDENT, "--assignment", a, "--problems", PROBLEMS)

    # check (CliRunner): s01's own number is Correct, the course's is Incorrect, options after the answer
    right = run("check", PROBLEM, "loss", mine["loss"], *common)
    assert right.exit_code == 0 and right.stdout.startswith("Correct  (1/1 point)"), right.output
    own = ", ".join(f"{n} = {number_text(values[n])}" for n in VARIED)
    assert f"Student {STUDENT}: your values for {PROBLEM} are {own}." in right.stdout
    wrong = run("check", PROBLEM, "dC-db", course["dC-db"], *common)
    assert wrong.exit_code == 1 and wrong.stdout.startswith("Incorrect"), wrong.output
    checked = json.loads(run("check", "--format", "json", *common, PROBLEM, "loss", mine["loss"]).stdout)
    assert checked["status"] == "correct" and checked["student"] == STUDENT
    assert checked["values"] == values

    # show: the values the handout gave
    shown = json.loads(run("show", PROBLEM, *common, "--format", "json").stdout)
    assert shown["given"] == values

    # serve: the web app `grader serve` would run, through its ASGI test client
    apps = []
    monkeypatch.setattr(web, "run", lambda app, host, port, on_ready=None: apps.append(app))
    served = run("serve", "--no-browser", *common)
    assert served.exit_code == 0, served.output
    with TestClient(apps[0], base_url="http://127.0.0.1:8000") as client:   # the address it serves
        page = client.get(f"/api/problems/{PROBLEM}").json()
        assert {g["name"]: float(g["value"]) for g in page["given"]} == values
        assert page["student"] == STUDENT
        verdicts = [client.post("/api/check", json={"problem": PROBLEM, "part": part, "answer": answer}).json()
                    for part, answer in (("loss", mine["loss"]), ("dC-db", course["dC-db"]))]
        assert [v["status"] for v in verdicts] == ["correct", "incorrect"]

    # the notebook API, with the assignment file as the CLI takes it
    sheet = grader.problem(PROBLEM, student=STUDENT, problems=PROBLEMS, assignment=a)
    assert dict(sheet.given) == values
    assert grader.check(PROBLEM, "loss", mine["loss"], student=STUDENT, problems=PROBLEMS,
                        assignment=a).verdict.status == "correct"
    assert grader.check(PROBLEM, "dC-db", course["dC-db"], student=STUDENT, problems=PROBLEMS,
                        assignment=grader.load_assignment(a)).verdict.status == "incorrect"

    # the class run: the same values recorded, the same verdicts
    out = walk["root"] / "out"
    graded = run("grade", walk["root"] / "class", "--assignment", a, "--out", out, "--problems", PROBLEMS)
    assert graded.exit_code == 0, graded.output
    row = next(r for r in json.loads((out / "results.json").read_text(encoding="utf-8")) if r["student"] == STUDENT)
    assert row["values"] == {PROBLEM: values}
    statuses = {p["part"]: p["status"] for p in row["parts"] if p["problem"] == PROBLEM}
    assert statuses == {"loss": "correct", "dC-dw1": "missing", "dC-dw2": "missing", "dC-db": "incorrect"}

    # and a real process, as a student types it
    env = dict(os.environ, NO_COLOR="1")
    env.pop("GRADER_STUDENT", None)
    proc = subprocess.run([sys.executable, "-m", "grader", "check", PROBLEM, "loss", mine["loss"], *map(str, common)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("Correct"), proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "grader", "check", PROBLEM, "loss", course["loss"], *map(str, common)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and proc.stdout.startswith("Incorrect"), proc.stdout + proc.stderr


def test_without_the_assignment_check_says_where_the_values_come_from(walk):
    result = run("check", PROBLEM, "loss", walk["mine"]["loss"], "--student", STUDENT, "--problems", PROBLEMS)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        f"Note: {PROBLEM} uses the course's values for everyone here (x = 3, w1 = 0.01, w2 = -5). "
        f"If your handout gives you other values, add --assignment FILE (your course's assignment file).")


def test_a_problem_the_assignment_does_not_list_is_refused_by_name(walk):
    result = run("check", "relu", "derivative-positive", "1", "--assignment", walk["assignment"], "--problems", PROBLEMS)
    assert result.exit_code == 2
    assert f"Error: the assignment {walk['assignment']} does not list problem 'relu' (it lists: sigmoid, {PROBLEM})." \
        in result.stderr


@pytest.mark.parametrize("args, option", [
    (["check", PROBLEM, "loss", "0.5", "--assignmnet", "x.yaml"], "--assignmnet"),
    (["check", PROBLEM, "loss", "0.5", "--studnet=s01"], "--studnet"),
    (["check", PROBLEM, "loss", "-0.5", "--colour"], "--colour"),
    (["check", "--assignmnet", "x.yaml", PROBLEM, "loss", "0.5"], "--assignmnet"),
])
def test_an_unknown_option_after_an_answer_is_a_usage_error(args, option):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"Error: there is no option {option}." in result.stderr


def test_the_suggestion_names_the_option_meant():
    result = run("check", PROBLEM, "loss", "0.5", "--assignmnet", "x.yaml")
    assert result.stderr.splitlines()[-1] == "Error: there is no option --assignmnet. Did you mean --assignment?"


def test_an_option_missing_its_value_after_an_answer_is_a_usage_error():
    result = run("check", PROBLEM, "loss", "0.5", "--assignment")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: --assignment needs a value."


def test_answers_that_look_like_options_after_the_end_of_options_marker_are_answers():
    result = run("check", PROBLEM, "dC-dw2", "--problems", PROBLEMS, "--", "--0.004")
    assert result.exit_code == 1 and result.stdout.startswith("Invalid")     # read as an answer, not an option


@pytest.mark.parametrize("command", ["check", "show", "serve", "grade", "handout"])
def test_every_command_offers_the_same_assignment_option(command):
    option, = [p for p in main.commands[command].params if p.name == "assignment_path"]
    assert (option.opts, option.metavar) == (["--assignment"], "FILE")
    assert option.help == "Assignment file (YAML): which problems, points, per-student values on/off, due date."
    assert "--assignment FILE" in run(command, "--help").stdout
