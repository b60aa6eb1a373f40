"""The smaller defects of issue 23, item 10, each with real kills, signals, users and files:

* a `kill -9` at any instant of the first-ever switch-in leaves OUTDIR showing nothing or the
  whole set, and no stray temporary name; the next run of any kind ends with the whole set;
* a student folder the grader may not open is reported as such (as uid 65534: root would
  read it anyway), not as "no answers.yaml";
* `..yaml`, `...yaml` and named pipes called `x.yaml` (or `bob/answers.yaml`) each get a row
  saying why they were not graded, and the run never waits on a pipe;
* SIGTERM at the end of a run: before the switch-in the previous set is kept, after it the
  new set stays; either way exit 143 with a line that says which set OUTDIR holds.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grader.classes.outdir import OWNED
from test_batch import all_files, make_class, run
from test_honest_errors import NOBODY, grader, shared  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"


def _child(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
               SOURCE_DATE_EPOCH="1700000000")
    for name in ("GRADER_PROBLEMS", "GRADER_DEBUG", "CI", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


# --- a kill -9 during the first switch-in --------------------------------------------------------

KILL_AT = """
import os, signal, sys
import test_batch as t
out = {out!r}
events = 0
def counted(real):
    def op(src, dst, *args, **kw):
        global events
        real(src, dst, *args, **kw)
        if os.path.dirname(os.path.abspath(dst)) in (out, os.path.join(out, ".grader")):
            events += 1
            if events == {k}:
                os.kill(os.getpid(), signal.SIGKILL)      # kill -9, nothing runs after it
    return op
os.symlink, os.replace = counted(os.symlink), counted(os.replace)
t.run(t.make_class(__import__("pathlib").Path({base!r})), out, jobs=1, generated_at="2026-01-01T00:00:00Z")
print("finished")
"""


def _shown(out: Path) -> list[str]:
    return [name for name in OWNED if (out / name).exists()]


@pytest.mark.parametrize("k", range(1, 13))
def test_a_kill_at_any_instant_of_the_first_switch_in_leaves_nothing_or_the_whole_set(tmp_path, k):
    out = tmp_path / "out"
    done = _child(KILL_AT.format(out=str(out), k=k, base=str(tmp_path)), tmp_path)
    if done.stdout.strip() == "finished":          # fewer switch-in steps than k: nothing was killed
        assert k > 1
    else:
        assert done.returncode == -signal.SIGKILL, done.stderr
    shown = _shown(out)
    assert shown in ([], list(OWNED)), shown       # nothing, or the whole set: never some of the names
    assert sorted(os.listdir(out)) == sorted({".grader", *(n for n in OWNED if os.path.lexists(out / n))})
    run(tmp_path / "class", out, generated_at="2026-01-01T00:00:00Z", students=["alice"])   # a run of any kind
    assert _shown(out) == list(OWNED)
    run(tmp_path / "class", tmp_path / "clean", generated_at="2026-01-01T00:00:00Z")
    assert all_files(out) == all_files(tmp_path / "clean")


def test_the_temporary_link_names_of_older_versions_are_removed(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(".grader/current/results.json", out / ".results.json.link")     # left by a kill, before
    run(src, out)
    assert not os.path.lexists(out / ".results.json.link")
    assert sorted(os.listdir(out)) == sorted([".grader", *OWNED])


# --- folders and files that cannot be submissions as they are ----------------------------------

def test_an_unreadable_student_folder_is_reported_as_unreadable(shared):   # noqa: F811
    src = shared / "class"
    shutil.copytree(EXAMPLES, src)
    os.chmod(src / "bob", 0)                   # root reads it anyway: the grader runs as uid 65534
    out = shared / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    done = grader("grade", src, "--out", out, user=NOBODY, cwd=shared)
    assert done.returncode == 3, done.stderr
    assert "grader: bob: could not be graded: cannot read the folder bob: permission denied\n" in done.stderr
    bob = next(r for r in json.loads((out / "results.json").read_text(encoding="utf-8")) if r["student"] == "bob")
    assert (bob["status"], bob["message"]) == ("error", "cannot read the folder bob: permission denied")


def test_dot_dot_yaml_names_and_named_pipes_each_get_a_row_and_nothing_waits(tmp_path):
    src = tmp_path / "class"
    shutil.copytree(EXAMPLES / "alice", src / "alice")
    for name in ("..yaml", "...yaml"):
        (src / name).write_text("relu:\n  derivative-positive: 1\n", encoding="utf-8")
    os.mkfifo(src / "x.yaml")                  # nobody ever writes to it: opening it to read would wait
    (src / "bob").mkdir()
    os.mkfifo(src / "bob" / "answers.yaml")
    done = grader("grade", src, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    rows = {r["student"]: (r["status"], r["message"])
            for r in json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))}
    assert rows == {
        "..yaml": ("error", "the file name ..yaml gives no student id: name it <student>.yaml"),
        "...yaml": ("error", "the file name ...yaml gives no student id: name it <student>.yaml"),
        "x": ("error", "x.yaml is not a regular file"),
        "bob": ("error", "answers.yaml is not a regular file"),
        "alice": ("graded", None),
    }


# --- SIGTERM at the end of a run -------------------------------------------------------------------

SIGTERM_AT = """
import os, signal, sys
import grader
from grader.classes import outdir, outputs
def term_then(real):
    def op(*args, **kw):
        os.kill(os.getpid(), signal.SIGTERM)             # a real signal, at this very point
        return real(*args, **kw)
    return op
{patch}
from grader.interfaces.cli import main
main(["grade", {src!r}, "--out", {out!r}, "--jobs", "1"])
"""

PHASES = {
    # writing the class-wide files, before the switch-in
    "writing": "outputs.SetWriting.finish = term_then(outputs.SetWriting.finish)",
    # the set switched in, the old sets being removed
    "tidying": "outdir.Outdir.tidy = term_then(outdir.Outdir.tidy)",
    # grading done, the command writing its last lines
    "reporting": "import grader.api; grader.roster_report = term_then(grader.api.roster_report)",
}


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_sigterm_after_grading_ends_says_which_set_outdir_holds(tmp_path, phase):
    out = tmp_path / "out"
    first = grader("grade", EXAMPLES, "--out", out, cwd=tmp_path)      # a previous complete set
    assert first.returncode == 3
    previous = all_files(out)
    src = tmp_path / "class"
    shutil.copytree(EXAMPLES, src)
    shutil.rmtree(src / "alice")                                         # so that the new set differs
    done = _child(SIGTERM_AT.format(patch=PHASES[phase], src=str(src), out=str(out)), tmp_path)
    assert done.returncode == 143, done.stderr
    last = done.stderr.splitlines()[-1]
    if phase == "writing":
        assert last == (f"grader: stopped (SIGTERM); {out} still holds its previous complete set of outputs; "
                        f"the answers checked so far are kept in its gradebook: run the same command again "
                        f"to continue.")
        assert all_files(out) == previous
    else:
        assert last == (f"grader: stopped (SIGTERM) after this run's outputs were in place; {out} holds this "
                        f"run's complete set of outputs.")
        clean = grader("grade", src, "--out", tmp_path / "clean", cwd=tmp_path)
        assert clean.returncode == 3
        assert all_files(out) == all_files(tmp_path / "clean")


@pytest.mark.parametrize("k", range(1, 13))
def test_a_kill_during_the_first_switch_in_never_loses_what_an_older_grader_folder_held(tmp_path, k):
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "NOTES.md").write_text("the TA's notes\n", encoding="utf-8")   # an OUTDIR from
    (out / "results.json").write_text("[]\n", encoding="utf-8")                          # before the gradebook
    _child(KILL_AT.format(out=str(out), k=k, base=str(tmp_path)), tmp_path)
    run(tmp_path / "class", out, generated_at="2026-01-01T00:00:00Z")
    assert (out / "feedback" / "NOTES.md").read_text(encoding="utf-8") == "the TA's notes\n"
    assert _shown(out) == list(OWNED)
