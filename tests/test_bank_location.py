"""`grader validate` and `grader list` read the bank being edited (issue 16, item 8): --problems
or $GRADER_PROBLEMS, else ./problems/ in the current folder, else the installed bank; and
they say which."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.interfaces.cli import main
from grader.authoring.loader import default_bank_dir

REPO = Path(__file__).resolve().parent.parent

NEW = """\
title: A new problem
statement: Differentiate x^2.
symbols:
  x: scalar
parts:
  - id: d
    prompt: What is d/dx x^2?
    answer: 2*x
"""


@pytest.fixture
def editing(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "brand-new.yaml").write_text(NEW, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_and_validate_read_the_local_problems_folder(editing):
    result = CliRunner().invoke(main, ["list", "--format", "json"])
    assert result.exit_code == 0
    assert [p["id"] for p in json.loads(result.stdout)] == ["brand-new"]
    assert result.stderr == "Problem bank: problems (the problems/ folder here)\n"
    (editing / "problems" / "brand-new.yaml").write_text(NEW.replace("answer: 2*x", "answer: 2*x +"),
                                                          encoding="utf-8")
    bad = CliRunner().invoke(main, ["validate"])
    assert bad.exit_code == 5                         # the file being edited is checked, not the installed copy
    assert "brand-new.yaml" in bad.stdout
    assert bad.stderr.startswith("Problem bank: problems (the problems/ folder here)\n")


def test_flag_and_env_win_and_elsewhere_the_installed_bank(editing, monkeypatch, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "relu.yaml").write_bytes((REPO / "problems" / "relu.yaml").read_bytes())
    result = CliRunner().invoke(main, ["list", "--format", "json", "--problems", str(other)])
    assert [p["id"] for p in json.loads(result.stdout)] == ["relu"]
    assert result.stderr == f"Problem bank: {other} (--problems)\n"
    env = CliRunner().invoke(main, ["list", "--format", "json"], env={"GRADER_PROBLEMS": str(other)})
    assert [p["id"] for p in json.loads(env.stdout)] == ["relu"]
    assert env.stderr == f"Problem bank: {other} ($GRADER_PROBLEMS)\n"
    empty = tmp_path / "elsewhere"
    (empty / "problems").mkdir(parents=True)          # a problems/ folder without problem files
    monkeypatch.chdir(empty)
    installed = CliRunner().invoke(main, ["list", "--format", "json"])
    assert "two-layer-example" in {p["id"] for p in json.loads(installed.stdout)}
    assert installed.stderr == f"Problem bank: {default_bank_dir()} (the bank installed with the grader)\n"


def test_a_real_process_in_the_editing_folder(editing):
    env = {k: v for k, v in os.environ.items() if k != "GRADER_PROBLEMS"}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-m", "grader", "validate"], cwd=editing, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "Problem bank: problems (the problems/ folder here)\nAll problem files are valid.\n"


def test_an_edit_to_the_local_bank_is_seen_by_every_command(editing, monkeypatch):
    """validate, list, show, check and serve read the same ./problems/ (issue 22): an edit is
    never validated in one copy and graded from another."""
    from grader.interfaces import web
    served = []
    monkeypatch.setattr(web, "run", lambda app, *a, **k: served.append(app.state.grading.bank))
    said = "Problem bank: problems (the problems/ folder here)\n"

    def every_command(answer_right: str, answer_wrong: str, statement: str):
        assert CliRunner().invoke(main, ["validate"]).exit_code == 0
        listed = CliRunner().invoke(main, ["list"])
        assert listed.stdout.startswith("brand-new  A new problem") and listed.stderr == said
        shown = CliRunner().invoke(main, ["show", "brand-new"])
        assert statement in shown.stdout and shown.stderr == said
        right = CliRunner().invoke(main, ["check", "brand-new", "d", answer_right])
        assert (right.exit_code, right.stdout.split("  ")[0], right.stderr) == (0, "Correct", said)
        wrong = CliRunner().invoke(main, ["check", "brand-new", "d", answer_wrong])
        assert (wrong.exit_code, wrong.stdout.split("  ")[0]) == (1, "Incorrect")
        assert CliRunner().invoke(main, ["serve", "--no-browser"]).exit_code == 0
        assert served.pop().get("brand-new").statement.strip() == statement

    every_command("2*x", "3*x", "Differentiate x^2.")
    path = editing / "problems" / "brand-new.yaml"
    path.write_text(NEW.replace("x^2", "x^3/3*3/2").replace("answer: 2*x", "answer: 3*x"), encoding="utf-8")
    every_command("3*x", "2*x", "Differentiate x^3/3*3/2.")
    path.write_text(NEW.replace("answer:", "answr:"), encoding="utf-8")     # now broken: every command says so
    for args in (["validate"], ["list"], ["show", "brand-new"], ["check", "brand-new", "d", "2*x"],
                 ["serve", "--no-browser"]):
        broken = CliRunner().invoke(main, args)
        assert broken.exit_code == 5, args
        assert "brand-new.yaml" in broken.stdout + broken.stderr, args
