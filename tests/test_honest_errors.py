"""Errors that used to end a class run as exit 70 "internal error" (issue 23, item 5) say what
happened, with an honest exit status:

* a disk that fills up while the class is read or its answers checked (a real tmpfs): "no space
  left on the device of OUTDIR; the previous outputs were kept", exit 2, and the run after
  space is freed ends as a clean run would (SQLite's own rollback used to hide the cause);
* OUTDIR/.grader left to another user by a `sudo grader grade` (a real second user, uid 65534):
  which file belongs to whom, and the command that gives it back, exit 2;
* a gradebook damaged after it opens (a page overwritten, a row rewritten, a table dropped): set
  aside under a new name, the class graded afresh, said on stderr, and the run's own status.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader.classes.classrun import BatchError, grade_class
from test_batch import all_files, fake_check, make_bank, make_class

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"
NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH="1700000000")
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GRADER_DEBUG", "CI", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    return env


def grader(*args, user=(), cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([*user, sys.executable, "-m", "grader", *map(str, args)], env=_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MB tmpfs, unmounted afterwards whatever happens."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


# --- a disk that fills up ---------------------------------------------------------------------

def _class_of_long_answers(src: Path, n: int = 40) -> Path:
    """n students each with a distinct 200 KB answer (under the answer file limit): reading them
    fills the gradebook (the answers are kept as typed) far beyond the 64 KB a student the
    up-front check asks for."""
    for i in range(n):
        text = "+".join(f"x{i}_{k}" for k in range(50_000))[:200_000]
        (src / f"s{i:02d}.yaml").parent.mkdir(parents=True, exist_ok=True)
        (src / f"s{i:02d}.yaml").write_text(f"sigmoid:\n  derivative: '{text}'\n", encoding="utf-8")
    return src


def test_a_disk_that_fills_up_while_the_class_is_read_says_so_and_the_rerun_recovers(tmp_path, small_disk):
    src = _class_of_long_answers(tmp_path / "class")
    out = small_disk / "out"
    full = grader("grade", src, "--out", out, "--jobs", "1", cwd=tmp_path)
    assert full.returncode == 2, full.stderr
    assert full.stderr == f"Error: no space left on the device of {out}; the previous outputs were kept\n"
    assert not (out / "results.json").exists()
    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)     # space freed
    again = grader("grade", src, "--out", out, "--jobs", "1", cwd=tmp_path)
    clean = grader("grade", src, "--out", tmp_path / "clean", "--jobs", "1", cwd=tmp_path)
    assert again.returncode == clean.returncode == 0, again.stderr
    assert all_files(out) == all_files(tmp_path / "clean")


def filling_check(problem, part, answer, values=None):
    """fake_check, after filling the disk at $FILL_DISK once (in the worker, mid-checking)."""
    filler = os.environ.get("FILL_DISK")
    if filler and not os.path.exists(filler):
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(b"x" * (1 << 16))
                    fh.flush()
            except OSError:
                pass
    return fake_check(problem, part, answer, values)


def test_a_disk_that_fills_up_while_answers_are_checked_says_so(tmp_path, small_disk, monkeypatch):
    src = make_class(tmp_path)
    out = small_disk / "out"
    monkeypatch.setenv("FILL_DISK", str(small_disk / "filler"))
    with pytest.raises(BatchError) as err:
        grade_class(src, out, make_bank(), check=filling_check, jobs=1, log=lambda line: None)
    assert str(err.value) == f"no space left on the device of {out}; the previous outputs were kept"
    os.remove(small_disk / "filler")
    monkeypatch.delenv("FILL_DISK")
    grade_class(src, out, make_bank(), check=fake_check, jobs=1, log=lambda line: None,
                generated_at="2026-01-01T00:00:00Z")
    grade_class(src, tmp_path / "clean", make_bank(), check=fake_check, jobs=1, log=lambda line: None,
                generated_at="2026-01-01T00:00:00Z")
    assert all_files(out) == all_files(tmp_path / "clean")


# --- .grader/ left to another user ------------------------------------------------------------

@pytest.fixture
def shared(tmp_path):
    """A folder every user can reach (pytest's own are private to root), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="grader-users-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_a_grader_folder_left_to_root_by_sudo_is_named_with_the_command_that_gives_it_back(shared):
    src = shared / "class"
    shutil.copytree(EXAMPLES, src)
    out = shared / "out"
    out.mkdir(mode=0o777)                      # the TA's folder, writable by the TA (uid 65534)
    out.chmod(0o777)
    assert grader("grade", src, "--out", out, cwd=shared).returncode == 3        # `sudo grader grade`
    before = all_files(out)
    ta = grader("grade", src, "--out", out, user=NOBODY, cwd=shared)
    assert ta.returncode == 2, ta.stderr
    assert ta.stderr == (f"Error: cannot write into the output folder {out}: {out}/.grader belongs to another user "
                         f"(root), probably from a run with sudo; give it back to yourself with "
                         f"`sudo chown -R nobody {out}/.grader` and run again\n")
    assert all_files(out) == before
    subprocess.run(["chown", "-R", "nobody", str(out / ".grader")], check=True)     # what it says to do
    assert grader("grade", src, "--out", out, user=NOBODY, cwd=shared).returncode == 3


def test_a_gradebook_file_left_to_another_user_is_named(shared):
    src = shared / "class"
    shutil.copytree(EXAMPLES, src)
    out = shared / "out"
    out.mkdir()
    assert grader("grade", src, "--out", out, cwd=shared).returncode == 3
    subprocess.run(["chown", "-R", "nobody", str(out)], check=True)
    book = out / ".grader" / "gradebook.sqlite"
    os.chown(book, 0, 0)                       # only the gradebook is root's
    ta = grader("grade", src, "--out", out, user=NOBODY, cwd=shared)
    assert ta.returncode == 2, ta.stderr
    assert ta.stderr == (f"Error: cannot write into the output folder {out}: {book} belongs to another user "
                         f"(root), probably from a run with sudo; give it back to yourself with "
                         f"`sudo chown -R nobody {out}/.grader` and run again\n")


# --- a gradebook damaged after it opens --------------------------------------------------------

def _overwrite_a_page(book: Path) -> None:
    db = sqlite3.connect(book)
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'submissions'").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with open(book, "r+b") as fh:               # a leaf page whose cell count is garbage
        fh.seek((root - 1) * size)
        fh.write(b"\x0d\x00\x00\xff\xff" + b"\xff" * 60)


def _sql(statement: str):
    def damage(book: Path) -> None:
        db = sqlite3.connect(book)
        db.execute(statement)
        db.commit()
        db.close()
    return damage


DAMAGES = {
    "page": (_overwrite_a_page, "a page of the file is damaged"),
    "row": (_sql("UPDATE submissions SET body = '{\"parts\": 7}' WHERE student = 'alice'"),
            "a stored submission is missing or not as the grader wrote it"),
    "table": (_sql("DROP TABLE verdicts"), "a stored verdict is missing or not as the grader wrote it"),
}


@pytest.fixture(scope="module")
def graded_examples(tmp_path_factory):
    base = tmp_path_factory.mktemp("examples")
    out = base / "clean"
    done = grader("grade", EXAMPLES, "--out", out, cwd=base)
    assert done.returncode == 3
    return out, done.stderr


@pytest.mark.parametrize("kind", sorted(DAMAGES))
def test_a_gradebook_damaged_after_it_opens_is_set_aside_and_the_class_graded_afresh(tmp_path, graded_examples,
                                                                                    kind):
    clean, clean_log = graded_examples
    out = tmp_path / "out"
    shutil.copytree(clean, out, symlinks=True)
    book = out / ".grader" / "gradebook.sqlite"
    damage, why = DAMAGES[kind]
    damage(book)
    done = grader("grade", EXAMPLES, "--out", out, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[0] == (f"grader: the gradebook {book} is damaged ({why}): it was set aside as "
                                           f"gradebook-damaged-1.sqlite and every submission is graded afresh")
    assert done.stderr.splitlines()[1:] == clean_log.replace(str(clean), str(out)).splitlines()
    assert all_files(out) == all_files(clean)
    aside = out / ".grader" / "gradebook-damaged-1.sqlite"                            # kept, not deleted
    assert aside.read_bytes()[:16] == b"SQLite format 3\0"
    again = grader("grade", EXAMPLES, "--out", out, cwd=tmp_path)                     # the fresh one works
    assert again.returncode == 3 and "7 unchanged" in again.stderr and "set aside" not in again.stderr


def test_a_regrade_of_one_student_on_a_damaged_gradebook_keeps_the_whole_class(tmp_path, graded_examples):
    clean, _ = graded_examples
    out = tmp_path / "out"
    shutil.copytree(clean, out, symlinks=True)
    _overwrite_a_page(out / ".grader" / "gradebook.sqlite")
    done = grader("grade", EXAMPLES, "--out", out, "--student", "alice", cwd=tmp_path)
    assert done.returncode == 0, done.stderr          # alice is graded: the run judges her
    assert "set aside as gradebook-damaged-1.sqlite" in done.stderr
    assert all_files(out) == all_files(clean)
