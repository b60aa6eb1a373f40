"""Incremental reruns (issue 23, items 6 and 11): a rerun gives the bytes a fresh run gives,
whatever changed between the two (a classmate, the assignment, an option), and writes only what
changed."""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import run_cli, write
import grader
from grader.checking.othervalues import OTHER_STUDENT_VALUES
from grader.checking.variants import variant_values

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_batch import all_files  # noqa: E402

from test_student_values import COURSE, answers, yaml_of  # noqa: E402

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600", "CI": "true"}


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GITHUB_STEP_SUMMARY", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))


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
    assert any((q["rule"] or "").startswith(OTHER_STUDENT_VALUES) for q in rows(out)[ben]["parts"])
    assert "1 unchanged" in said                   # dee (all right) read nobody's values: kept
    same_as_fresh(cls, out, a, tmp_path)
    shutil.rmtree(cls / "ana")                     # and leaves again
    grade(cls, out, a)
    assert not any((q["rule"] or "").startswith(OTHER_STUDENT_VALUES) for q in rows(out)[ben]["parts"])
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


# --- item 11: a rerun writes only what changed -------------------------------------------------

STAMP = "2026-01-01T00:00:00Z"


def small_class(root: Path, n: int = 8) -> Path:
    src = root / "class"
    for i in range(n):
        write(src / f"s{i:02d}" / "answers.yaml", f"relu:\n  derivative-positive: {i % 3}\n  derivative-negative: 0\n")
    write(src / "ana" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    return src


def inodes(out: Path) -> dict[str, int]:
    return {rel: os.stat(out / rel).st_ino for rel in all_files(out) if "/" in rel}


def set_is_its_manifest(out: Path) -> None:
    """The set holds exactly what its MANIFEST names (and the MANIFEST), and shows it all."""
    current = out / ".grader" / "current"
    listed = set(filter(None, (current / "MANIFEST").read_text(encoding="utf-8").split("\n")))
    held = {os.path.relpath(os.path.join(root, f), current)
            for root, _dirs, files in os.walk(current) for f in files} - {"MANIFEST"}
    assert held == listed
    assert listed - {"INDEX"} == set(all_files(out))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_rerun_keeps_unchanged_students_files_and_gives_a_fresh_runs_bytes(tmp_path, jobs):
    from test_batch import run
    src = small_class(tmp_path)
    out = tmp_path / "out"
    run(src, out, jobs=jobs, generated_at=STAMP)
    for step in range(4):       # the second rerun on rebuilds the set shown two runs before
        before = inodes(out)
        changed = {0: "s03", 1: "s05", 2: "s03", 3: "Ana"}[step]
        if step == 3:           # a clash: ana's files take a new name, hers under the old one go
            write(src / "Ana" / "answers.yaml", "relu:\n  derivative-positive: 0\n")
        else:
            write(src / changed / "answers.yaml", f"relu:\n  derivative-positive: {step + 7}\n")
        if step == 2:
            shutil.rmtree(src / "s07")
        outcome = run(src, out, jobs=jobs, generated_at=STAMP)
        fresh = tmp_path / f"fresh{step}"
        run(src, fresh, jobs=jobs, generated_at=STAMP)
        assert all_files(out) == all_files(fresh)
        set_is_its_manifest(out)
        after = inodes(out)
        kept = {rel for rel in before if rel in after and changed not in rel and "ana" not in rel}
        assert kept and {rel for rel in kept if before[rel] == after[rel]} == kept      # untouched
        assert outcome.regraded == (1 if step != 3 else 1) and outcome.checked <= 1
    assert not (out / "feedback" / "s07.md").exists()
    sets = os.listdir(out / ".grader" / "sets")
    assert len(sets) == 2                       # the one shown, and the one kept to rebuild next


KILL_POINTS = {
    # where the child kills itself (kill -9) during a rerun with one student changed
    "spare-taken": "from grader.classes.outdir import Outdir as O\n"
                   "real = O.new_set\n"
                   "def hook(self, *a, **k):\n"
                   "    got = real(self, *a, **k)\n"
                   "    if got[1]: die()\n"
                   "    return got\n"
                   "O.new_set = hook\n",
    "linking": "from grader.classes import filemaker as m\n"      # the first link made, once
               "real = m._link\n"
               "def hook(path, source):\n"
               "    if not os.path.exists(MARK):\n"
               "        open(MARK, 'w').close()\n"
               "        die()\n"
               "    real(path, source)\n"
               "m._link = hook\n",
    "before-switch": "from grader.classes import outdir as m\n"
                     "m._syncfs = lambda path: die()\n",
    "after-switch": "from grader.classes.outdir import Outdir as O\n"
                    "O.tidy = lambda self, spare=None: die()\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_kill_9_during_a_rerun_leaves_a_whole_set(tmp_path, point, jobs):
    """With two jobs the links are made by the helper: killed there, the run makes the files itself."""
    import subprocess
    from test_batch import run
    src = small_class(tmp_path)
    out = tmp_path / "out"
    run(src, out, jobs=jobs, generated_at=STAMP)
    write(src / "s01" / "answers.yaml", "relu:\n  derivative-positive: 9\n")
    run(src, out, jobs=jobs, generated_at=STAMP)          # now there is a spare to rebuild
    old = all_files(out)
    write(src / "s02" / "answers.yaml", "relu:\n  derivative-positive: 8\n")
    run(src, tmp_path / "fresh", jobs=jobs, generated_at=STAMP)
    new = all_files(tmp_path / "fresh")
    root = Path(__file__).resolve().parent.parent
    code = ("import os, signal, sys\n"
            f"sys.path[:0] = [{str(root)!r}, {str(root / 'tests')!r}]\n"
            "def die():\n    os.kill(os.getpid(), signal.SIGKILL)\n"
            f"MARK = {str(tmp_path / 'killed-once')!r}\n"
            + KILL_POINTS[point] +
            "import test_batch as t\n"
            "from grader.classes.classrun import grade_class\n"
            f"grade_class({str(src)!r}, {str(out)!r}, t.make_bank(), jobs={jobs}, check=t.fake_check, "
            f"generated_at={STAMP!r})\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    helper_killed = jobs == 2 and point == "linking"
    assert child.returncode == (0 if helper_killed else -9), child.stderr.decode()
    shown = all_files(out)
    assert shown == (new if point == "after-switch" or helper_killed else old)   # one whole set, never a mix
    if helper_killed:
        set_is_its_manifest(out)
    run(src, out, jobs=jobs, generated_at=STAMP)
    assert all_files(out) == new
    set_is_its_manifest(out)


def test_a_file_edited_in_place_is_made_again(tmp_path):
    """The sets share an unchanged student's file (one inode): edited in place inside OUTDIR, it is
    made again by the next run, not kept as edited."""
    import time
    from test_batch import run
    src = small_class(tmp_path)
    out = tmp_path / "out"
    for _ in range(3):                                  # a current set and a spare that share files
        run(src, out, jobs=1, generated_at=STAMP)
    time.sleep(0.05)
    for rel in ("feedback/s04.md", "gradescope/s04/results.json", "junit.xml", "gradebook.csv", "results.json"):
        with open(out / rel, "r+b") as fh:              # in place: the same inode
            fh.seek(0)
            fh.write(b"EDITED")
    write(src / "s01" / "answers.yaml", "relu:\n  derivative-positive: 5\n")
    run(src, out, jobs=1, generated_at=STAMP)
    run(src, tmp_path / "fresh", jobs=1, generated_at=STAMP)
    assert all_files(out) == all_files(tmp_path / "fresh")


def test_a_name_that_only_differs_in_case_replaces_the_one_that_left(tmp_path):
    from test_batch import run
    src = small_class(tmp_path)
    write(src / "Zed" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    out = tmp_path / "out"
    for _ in range(3):
        run(src, out, jobs=2, generated_at=STAMP)
    shutil.rmtree(src / "Zed")
    write(src / "zed" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    run(src, out, jobs=2, generated_at=STAMP)
    run(src, tmp_path / "fresh", jobs=2, generated_at=STAMP)
    assert all_files(out) == all_files(tmp_path / "fresh")
    set_is_its_manifest(out)
