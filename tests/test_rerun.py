"""Incremental reruns (issue 23, items 6 and 11): a rerun gives the bytes a fresh run gives,
whatever changed between the two (a classmate, the assignment, an option), and writes only what
changed."""
from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import pytest

from conftest import run_cli, write
import grader
from grader.checking.variants import variant_values

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_batch import all_files  # noqa: E402

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600", "CI": "true"}
COURSE = {"t": 1.0, "x": 3.0, "w1": 0.01, "w2": -5.0, "b": -1.0}


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GITHUB_STEP_SUMMARY", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))


def answers(v: dict) -> dict:
    sig = lambda z: 1 / (1 + math.exp(-z))
    a1 = max(0.0, v["w1"] * v["x"])
    y = sig(v["w2"] * a1 + v["b"])
    d = (y - v["t"]) * y * (1 - y)
    return {"loss": 0.5 * (y - v["t"]) ** 2, "dC-dw1": d * v["w2"] * v["x"], "dC-dw2": d * a1, "dC-db": d}


def yaml_of(v: dict) -> str:
    return "two-layer-example:\n" + "".join(f"  {k}: {x:.5f}\n" for k, x in answers(v).items())


ASSIGNMENT = ("title: Homework 3\ndue: 2026-12-08 23:59\nproblems:\n  - relu\n"
              "  - {id: two-layer-example, randomize: per-student}\n")


def grade(cls: Path, out: Path, assignment: Path, *more) -> str:
    result = run_cli("grade", cls, "--out", out, "--assignment", assignment, "--jobs", "1", *more, env=EPOCH)
    assert result.exit_code == 0, result.output
    return result.stderr


def same_as_fresh(cls: Path, out: Path, assignment: Path, tmp_path: Path, *more) -> None:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    grade(cls, fresh, assignment, *more)
    got, want = all_files(out), all_files(fresh)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


@pytest.fixture
def klass(tmp_path):
    """ben copied ana's numbers (ana may not be in the class yet), dee got everything right."""
    a = write(tmp_path / "assignment.yaml", ASSIGNMENT)
    from dataclasses import replace
    p = replace(grader.load_bank()["two-layer-example"], randomize=True)
    ana = "ana"
    ben = next(f"ben{i}" for i in range(200)
               if abs(answers(variant_values(p, f"ben{i}"))["loss"] - answers(variant_values(p, ana))["loss"]) > 0.01
               and abs(answers(variant_values(p, f"ben{i}"))["loss"] - answers(COURSE)["loss"]) > 0.01)
    cls = tmp_path / "cls"
    write(cls / ben / "answers.yaml", yaml_of(variant_values(p, ana)))
    write(cls / "dee" / "answers.yaml", yaml_of(variant_values(p, "dee")) + "relu:\n  derivative-positive: 1\n")
    return cls, a, p, ben


def rows(out: Path) -> dict:
    return {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}


def test_a_classmate_added_or_removed_refreshes_who_read_the_class(tmp_path, klass):
    cls, a, p, ben = klass
    out = tmp_path / "out"
    grade(cls, out, a)
    write(cls / "ana" / "answers.yaml", yaml_of(variant_values(p, "ana")))        # ana joins: ben copied her
    said = grade(cls, out, a)
    assert any(q["rule"] == "other-student-values" for q in rows(out)[ben]["parts"])
    assert "1 unchanged" in said                   # dee (all right) read nobody's values: kept
    same_as_fresh(cls, out, a, tmp_path)
    shutil.rmtree(cls / "ana")                     # and leaves again
    grade(cls, out, a)
    assert not any(q["rule"] == "other-student-values" for q in rows(out)[ben]["parts"])
    same_as_fresh(cls, out, a, tmp_path)


def test_a_changed_assignment_gives_a_fresh_runs_bytes(tmp_path, klass):
    cls, a, p, ben = klass
    write(cls / "ana" / "answers.yaml", yaml_of(variant_values(p, "ana")))
    out = tmp_path / "out"
    grade(cls, out, a)
    write(a, ASSIGNMENT.replace("Homework 3", "Homework 4").replace("2026-12-08", "2026-12-09")
          .replace("  - relu\n", "  - {id: relu, points: 7}\n"))
    grade(cls, out, a)
    same_as_fresh(cls, out, a, tmp_path)
    write(a, ASSIGNMENT.replace("randomize: per-student", "randomize: \"off\""))
    grade(cls, out, a)
    same_as_fresh(cls, out, a, tmp_path)


def test_a_changed_deadline_checks_again_what_it_stopped(tmp_path):
    from test_batch import make_class, run
    src = make_class(tmp_path)
    write(src / "slow" / "answers.yaml", "relu:\n  derivative-positive: SLOW\n")
    out = tmp_path / "out"
    run(src, out, deadline=0.5, generated_at="2026-01-01T00:00:00Z")
    assert "0.5" in (out / "feedback" / "slow.md").read_text(encoding="utf-8")
    again = run(src, out, deadline=0.75, generated_at="2026-01-01T00:00:00Z")
    assert again.checked >= 1                     # the answer stopped at 0.5 s is tried again
    run(src, tmp_path / "fresh", deadline=0.75, generated_at="2026-01-01T00:00:00Z")
    assert all_files(out) == all_files(tmp_path / "fresh")
