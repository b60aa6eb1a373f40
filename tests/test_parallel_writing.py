"""Writing a class's outputs on two cores (issue 15, "faster writing"): each student's files
and results.json are made by a helper process, which follows the rows as the run grades them,
while the run grades and then writes the rest. The set must be the same bytes as one written in
a single process, and the helper must cost nothing when it fails or dies."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.classes import classrun
from grader.classes import filemaker
from grader.classes import outputs
from grader.classes import workers
from grader.classes.classrun import BatchError
from grader.classes.gradebook import Gradebook
from grader.model import PartResult, SubmissionResult, Verdict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_batch import all_files, make_class, run, write  # noqa: E402
from test_classrun import STAMP, alive, wait_dead  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch):
    for name in ("GITHUB_STEP_SUMMARY", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def helpers(monkeypatch):
    """The helpers started (in this process: the pids of their children)."""
    started = []
    real = workers.Helper.__init__

    def counting(self, *args, **kw):
        real(self, *args, **kw)
        started.append(self.proc.pid)

    monkeypatch.setattr(workers.Helper, "__init__", counting)
    return started


@pytest.fixture
def fallbacks(monkeypatch):
    """Times this process wrote a helper's files itself (the helper failed)."""
    parent, calls = os.getpid(), []
    real = outputs._write_all

    def recording(*args, **kw):
        if os.getpid() == parent:
            calls.append(args[0])
        return real(*args, **kw)

    monkeypatch.setattr(outputs, "_write_all", recording)
    return calls


def class_of(root: Path, n: int) -> Path:
    src = root / "class"
    for i in range(n):
        write(src / f"s{i:03d}" / "answers.yaml",
              f"relu:\n  derivative-positive: {i % 3}\n  derivative-negative: 0\n"
              f"sigmoid:\n  derivative: e^(-z)/(1+e^(-z))^{i % 4}\n")
    return src


def test_two_jobs_write_the_feedback_in_a_helper_and_the_same_bytes_as_one(tmp_path, helpers, fallbacks):
    src = make_class(tmp_path)
    run(src, tmp_path / "one", jobs=1, generated_at=STAMP)
    assert helpers == []                                       # one job: one process writes
    run(src, tmp_path / "two", jobs=2, generated_at=STAMP)
    assert len(helpers) == 1 and wait_dead(helpers) == []      # two: a helper, gone when done
    assert fallbacks == []                                     # and it wrote its files itself
    one, two = all_files(tmp_path / "one"), all_files(tmp_path / "two")
    assert one == two
    assert {"feedback/alice.md", "feedback/bob.md", "feedback/frank.md"} <= set(two)
    manifest = (tmp_path / "two" / ".grader" / "current" / "MANIFEST").read_text(encoding="utf-8").split("\n")
    assert sorted(filter(None, manifest)) == sorted([*two, "INDEX"])  # the helper's files are named too


def test_the_helper_writes_each_students_files_while_the_run_grades(tmp_path, monkeypatch, helpers, fallbacks):
    """Rows are committed three at a time and graded slowly: before the run grades its tenth
    student, the helper has written the files of the nine rows committed, in order; the set is
    the same bytes as one written after grading by one process."""
    src = class_of(tmp_path, 12)
    run(src, tmp_path / "one", jobs=1, generated_at=STAMP)
    out = tmp_path / "two"
    monkeypatch.setattr(classrun, "_GRADED_EVERY", 3)
    monkeypatch.setattr(filemaker.Files, "batch", 1)         # each file handed over as it is made
    real_put = Gradebook.put_result
    seen: list[list[str]] = []

    def slowly(self, result, complete, *more):
        if result.student == "s009":        # s000-s008 committed: their files come without waiting for the rest
            new = next((out / ".grader" / "sets").iterdir())
            end = time.monotonic() + 20
            while len(list((new / "gradescope").glob("*/results.json"))) < 9 and time.monotonic() < end:
                time.sleep(0.02)
            seen.append(sorted(p.name for p in (new / "feedback").iterdir()))
            seen.append(sorted(p.parent.name for p in (new / "gradescope").glob("*/results.json")))
        real_put(self, result, complete, *more)

    monkeypatch.setattr(Gradebook, "put_result", slowly)
    run(src, out, jobs=2, generated_at=STAMP)
    assert seen == [[f"s{i:03d}.md" for i in range(9)], [f"s{i:03d}" for i in range(9)]]
    assert len(helpers) == 1 and fallbacks == []
    assert all_files(out) == all_files(tmp_path / "one")


def test_following_the_rows_waits_for_each_one_to_be_graded(tmp_path):
    """`named_results(follow=True)` on a second connection yields the rows in student order,
    each once it is graded, and ends with the last."""
    import threading
    book = Gradebook(tmp_path / "gradebook.sqlite")
    run_id = book.start_run("now", 1, "all")
    for s in ("a", "b", "c"):
        book.put_pending(s, "hash", "bank", {}, run_id)
    outputs.assign_filenames(book)
    reader = Gradebook.reader(tmp_path / "gradebook.sqlite")
    got: list[tuple[str, float]] = []

    def follow() -> None:
        for name, r in reader.named_results(follow=True):
            got.append((name, r.score))

    follower = threading.Thread(target=follow)
    follower.start()
    for s, points in (("b", 2.0), ("a", 1.0), ("c", 3.0)):   # b first: a, still pending, holds it back
        time.sleep(0.2)
        assert [name for name, _ in got] == {"b": [], "a": [], "c": ["a", "b"]}[s]
        verdict = Verdict("correct", points, 3.0)
        book.put_result(SubmissionResult(s, "graded", (PartResult("p", "q", "x", verdict),)), True)
    follower.join(timeout=10)
    assert not follower.is_alive()
    assert got == [("a", 1.0), ("b", 2.0), ("c", 3.0)]
    reader.close()
    book.close()


def test_a_helper_that_dies_costs_nothing(tmp_path, monkeypatch, helpers, fallbacks):
    """Killed mid-write (out of memory, a stray signal): the run makes its files itself."""
    src = class_of(tmp_path, 12)
    run(src, tmp_path / "calm", jobs=1, generated_at=STAMP)
    parent = os.getpid()
    real_add = outputs.FeedbackFiles.add

    def dies_in_the_helper(self, name, r):
        if os.getpid() != parent and name == "s005":
            os.kill(os.getpid(), signal.SIGKILL)
        real_add(self, name, r)

    monkeypatch.setattr(outputs.FeedbackFiles, "add", dies_in_the_helper)
    lines = []
    outcome = run(src, tmp_path / "out", jobs=2, generated_at=STAMP, log=lines.append)
    assert len(helpers) == 1 and len(fallbacks) == 1          # the run made the helper's files
    assert lines == ["the helper process writing some of the outputs was killed by signal 9; "
                     "this run wrote its files itself"]
    assert outcome.exit_code == 0
    assert all_files(tmp_path / "out") == all_files(tmp_path / "calm")


def test_a_full_disk_in_the_helper_stops_the_run_and_keeps_the_old_set(tmp_path, monkeypatch, helpers):
    src = class_of(tmp_path, 12)
    out = tmp_path / "out"
    run(src, out, generated_at=STAMP)
    before = all_files(out)
    write(src / "s000" / "answers.yaml", "relu:\n  derivative-positive: 7\n")
    parent = os.getpid()
    real_add = outputs.FeedbackFiles.add

    def fills_up(self, name, r):
        if os.getpid() != parent and name == "s004":
            raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / name))
        real_add(self, name, r)

    monkeypatch.setattr(outputs.FeedbackFiles, "add", fills_up)
    with pytest.raises(BatchError) as err:
        run(src, out, generated_at="2027-01-01T00:00:00Z")
    assert str(err.value) == f"no space left on the device of {out}; the previous outputs were kept"
    assert len(helpers) == 2 and wait_dead(helpers) == []
    assert all_files(out) == before
    assert len(os.listdir(out / ".grader" / "sets")) == 1      # the half-written set is gone


def test_a_helper_dies_with_the_run_when_it_is_killed(tmp_path):
    """kill -9 of the run while its helper writes: the helper goes too, nothing is switched in."""
    src = class_of(tmp_path, 40)
    out = tmp_path / "out"
    marks = tmp_path / "helper-pids"
    code = (
        "import os, sys, time\n"
        f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
        "import test_batch as t\n"
        "from grader.classes import outputs\n"
        "from grader.classes.classrun import grade_class\n"
        "parent = os.getpid()\n"
        "real = outputs.FeedbackFiles.add\n"
        "def slow(self, name, r):\n"
        "    if os.getpid() != parent:\n"
        f"        open({str(marks)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
        "        time.sleep(0.5)\n"
        "    real(self, name, r)\n"
        "outputs.FeedbackFiles.add = slow\n"
        f"grade_class({str(src)!r}, {str(out)!r}, t.make_bank(), jobs=2, check=t.fake_check, "
        f"generated_at={STAMP!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 60
    while not (marks.exists() and marks.read_text().count("\n") >= 3) and time.monotonic() < end:
        time.sleep(0.05)
    helper = int(marks.read_text().split()[0])
    assert alive(helper)
    proc.kill()
    proc.wait(timeout=10)
    assert wait_dead([helper], seconds=5) == []              # at once, not when it is done (20 s)
    assert proc.stdout.read() == b""
    proc.stdout.close()
    assert not (out / "feedback").exists() and not (out / "results.json").exists()


def test_the_helper_reads_the_gradebook_of_an_outdir_with_an_awkward_name(tmp_path, helpers, fallbacks):
    """The helper opens the gradebook by URI (read-only): '?', '%', '#' and spaces stay part of the path."""
    src = make_class(tmp_path)
    run(src, tmp_path / "plain", jobs=1, generated_at=STAMP)
    awkward = tmp_path / "out ?x=1%20#frag é"
    outcome = run(src, awkward, jobs=2, generated_at=STAMP)
    assert len(helpers) == 1 and fallbacks == [] and outcome.exit_code == 3   # 3: dana's broken file
    assert all_files(awkward) == all_files(tmp_path / "plain")
