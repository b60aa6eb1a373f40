"""The instructor's tools of issue 28: `grader key` (each part's answer for one student, numbers
from that student's own values), `grader new` (a commented problem file that validates) and
`grader serve` picking up edits (by default for a problems/ folder here)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader
from grader.interfaces.cli import main

TINY = """\
title: A tiny square
statement: |
  Square $x$.
symbols:
  x: {kind: scalar, domain: [1, 5]}
given: {x: 2}
randomize: per-student
variants:
  x: {choices: [3, 4, 5]}
parts:
  - id: formula
    prompt: "What is the derivative of $x^2$ with respect to $x$?"
    kind: expression
    answer: "2*x"
    tests:
      - {answer: "x+x", status: correct}
  - id: value
    prompt: "What is $x^2$ for your $x$?"
    kind: numeric
    answer: "x^2"
    tolerance: {absolute: 0.01}
    tests:
      - {answer: "4", status: correct}
  - id: pick
    prompt: "Which is larger for x > 1?"
    kind: choice
    options: ["x", "x^2"]
    answer: B
    tests:
      - {answer: "B", status: correct}
"""

ANN_KEY = """\
tiny: A tiny square
Answer key for student ann
Values: x = 3

formula (expression):
  2*x

value (numeric):
  9

pick (choice):
  B: x^2
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    assert grader.validate([folder]) == []
    return folder


def test_key_prints_each_part_with_the_students_own_number(bank):
    result = CliRunner().invoke(main, ["key", "tiny", "--problems", str(bank), "--student", "ann"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ANN_KEY
    # bob draws x = 4: his number is 16, not ann's 9 nor the course's 4
    bob = CliRunner().invoke(main, ["key", "tiny", "--problems", str(bank), "--student", "bob", "--format", "json"])
    assert json.loads(bob.stdout) == [{
        "problem": "tiny", "title": "A tiny square", "student": "bob", "values": {"x": 4.0},
        "parts": [{"part": "formula", "kind": "expression", "answer": ["2*x"], "value": None},
                  {"part": "value", "kind": "numeric", "answer": ["16"], "value": 16.0},
                  {"part": "pick", "kind": "choice", "answer": ["B: x^2"], "value": None}]}]


def test_key_without_a_student_uses_the_course_values(bank):
    result = CliRunner().invoke(main, ["key", "tiny", "--problems", str(bank)])
    assert result.stdout.splitlines()[1:3] == ["Answer key for the course's values", "Values: x = 2"]
    assert "value (numeric):\n  4\n" in result.stdout


def test_key_of_a_derivation_is_its_chain():
    key = grader.answer_key("chain-rule-derivation")
    assert key.parts[0].lines == ("dLoss/dw_1", "= dz_1/dw_1 * dLoss/dz_1", "= x*delta_1")


def test_key_out_writes_one_file_per_student_in_a_real_process(bank, tmp_path):
    out = tmp_path / "keys"
    done = subprocess.run([sys.executable, "-m", "grader", "key", "--problems", str(bank), "--student", "ann",
                           "--student", "bob", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == f"Wrote the answer keys of 2 student(s) to {out}."
    assert sorted(p.name for p in out.iterdir()) == ["ann.txt", "bob.txt"]
    assert (out / "ann.txt").read_text(encoding="utf-8") == ANN_KEY
    assert "value (numeric):\n  16\n" in (out / "bob.txt").read_text(encoding="utf-8")


def test_new_writes_a_problem_that_validates_and_teaches_the_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "weight-decay"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "problems" / "weight-decay.yaml"
    assert result.stderr == ("Wrote problems/weight-decay.yaml. Edit it, then check it with: "
                             "grader validate problems/weight-decay.yaml\n")
    assert grader.validate([path]) == []
    text = path.read_text(encoding="utf-8")
    for taught in ("symbols:", "# indices:", "# network:", "kind: expression", "mistakes:", "tests:",
                   "kind: numeric", "given:", "kind: choice", "hints:", "randomize: per-student"):
        assert taught in text, taught
    assert text.startswith("# weight-decay: a problem file for backprop-grader")
    key = grader.answer_key("weight-decay", problems=tmp_path / "problems")
    assert [p.lines for p in key.parts] == [("w - eta*(g + lambda*w)",), ("0.4795",),
                                            ("B: It shrinks the weight towards zero.",)]


def test_new_refuses_to_overwrite_and_refuses_a_bad_id(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "mine.yaml").write_text("title: mine\n", encoding="utf-8")
    again = CliRunner().invoke(main, ["new", "mine", "--problems", str(folder)])
    assert again.exit_code == 2
    assert again.stderr == f"Error: {folder}/mine.yaml exists already; grader new never overwrites a problem file.\n"
    assert (folder / "mine.yaml").read_text(encoding="utf-8") == "title: mine\n"
    bad = CliRunner().invoke(main, ["new", "Weight_Decay", "--problems", str(folder)])
    assert bad.exit_code == 2
    assert bad.stderr == ("Error: 'Weight_Decay' cannot be a problem id: an id is lower-case letters, digits and '-', "
                          "starting with a letter or digit ([a-z0-9][a-z0-9-]*), like weight-decay.\n")
    assert sorted(p.name for p in folder.iterdir()) == ["mine.yaml"]


def test_new_then_validate_in_a_real_process(tmp_path):
    run = lambda *args: subprocess.run([sys.executable, "-m", "grader", *args], cwd=tmp_path,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    assert run("new", "first-try").returncode == 0
    checked = run("validate", "problems/first-try.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stderr.splitlines()[-1] == "All problem files are valid."


def test_new_problem_matches_the_json_schema_the_editor_uses(tmp_path):
    """docs/yaml-format.md "Editor support": an editor checks files against `grader schema`, so
    the file `grader new` writes must satisfy it (the shipped bank does: tests/test_bank.py)."""
    import jsonschema
    import yaml
    path = grader.new_problem("from-template", tmp_path)
    text = "# yaml-language-server: $schema=../problem.schema.json\n" + path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    errors = list(jsonschema.Draft202012Validator(grader.json_schema()).iter_errors(yaml.safe_load(text)))
    assert errors == []
    assert grader.validate([path]) == []


def test_editor_support_is_documented_with_the_tests_it_names():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "yaml-format.md").read_text(encoding="utf-8")
    section = docs.split("## Editor support", 1)[1].split("\n## ", 1)[0]
    for needed in ("grader schema > problem.schema.json", '"yaml.schemas"',
                   "# yaml-language-server: $schema=../problem.schema.json", "test_bank_files_match_the_json_schema"):
        assert needed in section, needed
    bank_tests = (Path(__file__).resolve().parent / "test_bank.py").read_text(encoding="utf-8")
    assert "def test_bank_files_match_the_json_schema" in bank_tests


# --- grader serve --reload -------------------------------------------------------------------------

def _touch_later(path: Path) -> None:
    """An edit a stat can see even within one mtime tick of the last one."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_serve_reload_grades_the_edited_file_on_the_next_request(bank):
    from starlette.testclient import TestClient
    from grader.interfaces import web
    said = []
    watch = web.BankWatch(bank, lambda: grader.load_bank(bank), said.append)
    app = web.create_app(grader.load_bank(bank), student="ann", watch=watch)
    check = {"problem": "tiny", "part": "formula", "answer": "3*x"}
    with TestClient(app) as client:
        assert client.get("/api/problems/tiny").json()["title"] == "A tiny square"
        assert client.post("/api/check", json=check).json()["status"] == "incorrect"
        path = bank / "tiny.yaml"
        path.write_text(TINY.replace("A tiny square", "A tiny cube").replace('answer: "2*x"', 'answer: "3*x"')
                        .replace('{answer: "x+x", status: correct}', '{answer: "x+2*x", status: correct}'),
                        encoding="utf-8")
        _touch_later(path)
        assert client.get("/api/problems/tiny").json()["title"] == "A tiny cube"
        assert client.post("/api/check", json=check).json()["status"] == "correct"
        assert said == ["grader: problem files changed; the page now uses the edited bank."]
        path.write_text("title: [unclosed\n", encoding="utf-8")
        _touch_later(path)
        assert client.get("/api/problems/tiny").json()["title"] == "A tiny cube"     # the last good bank
        assert len(said) == 2 and said[1].startswith(
            "grader: the edited bank does not load, so the page keeps the last good one: ")


def test_serve_without_reload_keeps_the_bank_it_started_with(bank):
    from starlette.testclient import TestClient
    from grader.interfaces import web
    with TestClient(web.create_app(grader.load_bank(bank))) as client:
        (bank / "tiny.yaml").write_text(TINY.replace("A tiny square", "A tiny cube"), encoding="utf-8")
        _touch_later(bank / "tiny.yaml")
        assert client.get("/api/problems/tiny").json()["title"] == "A tiny square"


def test_serve_help_offers_reload():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--reload / --no-reload" in result.stdout and "Pick up edited problem files on the next request" in result.stdout
    assert "Default: on for a problems/" in result.stdout


def test_key_says_when_a_problem_gives_everyone_the_course_values_and_refuses_what_it_cannot_do(bank, tmp_path):
    shared = CliRunner().invoke(main, ["key", "sigmoid", "--student", "ann"])
    assert shared.stdout.splitlines()[1] == "Answer key for student ann (this problem gives everyone the course's values)"
    unknown = CliRunner().invoke(main, ["key", "tiy", "--problems", str(bank)])
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines()[-1] == "Error: unknown problem 'tiy'. Did you mean tiny?"
    nobody = CliRunner().invoke(main, ["key", "--problems", str(bank), "--out", str(tmp_path / "keys")])
    assert nobody.exit_code == 2
    assert nobody.stderr.splitlines()[-1] == ("Error: there are no students to write answer keys for: "
                                              "name them with --student or --roster.")
    assert not (tmp_path / "keys").exists()


# --- grader serve watches ./problems by default ---------------------------------------------------

WATCHING = "Watching problems: edited problem files are picked up on the next request"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _title_after_an_edit(cwd: Path, bank: Path, *args: str) -> tuple[str, list[str]]:
    """A real `grader serve` run from `cwd`: the title it shows after tiny.yaml is edited, and
    what it said on stderr before the edit."""
    (bank / "tiny.yaml").write_text(TINY, encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_PROBLEMS", "GRADER_STUDENT")}
    log = cwd / "serve-stderr.txt"
    with open(log, "wb") as err:      # a file, not a pipe nobody drains
        proc = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--no-browser", "--port", str(port), *args],
                                cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}/api/problems/tiny"

    def title() -> str:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)["title"]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert title() == "A tiny square"
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
        said = log.read_text(encoding="utf-8").splitlines()
        (bank / "tiny.yaml").write_text(TINY.replace("A tiny square", "A tiny cube"), encoding="utf-8")
        _touch_later(bank / "tiny.yaml")
        return title(), said
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_watches_a_problems_folder_here_by_default_and_says_so(bank):
    title, said = _title_after_an_edit(bank.parent, bank)
    assert title == "A tiny cube"
    assert said[:2] == ["Problem bank: problems (the problems/ folder here)",
                        f"{WATCHING} (--no-reload serves them as they are now)."]


def test_serve_no_reload_keeps_the_bank_of_a_problems_folder_here(bank):
    title, said = _title_after_an_edit(bank.parent, bank, "--no-reload")
    assert title == "A tiny square"
    assert said[0] == "Problem bank: problems (the problems/ folder here)"
    assert not any(line.startswith("Watching") for line in said)


def test_serve_does_not_watch_a_bank_named_by_option_unless_asked(bank):
    title, said = _title_after_an_edit(bank.parent, bank, "--problems", "problems")
    assert title == "A tiny square"
    assert said[0] == "Problem bank: problems (--problems)"
    assert not any(line.startswith("Watching") for line in said)
    title, said = _title_after_an_edit(bank.parent, bank, "--problems", "problems", "--reload")
    assert title == "A tiny cube"
    assert said[:2] == ["Problem bank: problems (--problems)", f"{WATCHING}."]
