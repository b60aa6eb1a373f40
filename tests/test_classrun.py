"""Class grading that loses nothing (issue 15): the gradebook, resuming, incremental reruns,
consistent output sets, the OUTDIR lock, workers that die with their parent, ids that stay
distinct, stable reads, signals. One test (at least) per numbered defect of the issue."""
from __future__ import annotations

import csv
import errno
import io
import json
import re
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.interfaces import cli
from grader.classes import outputs
from grader.classes import submissions
from grader.classes.classrun import NOT_FULLY_GRADED, BatchError, grade_class
from grader.classes.outdir import Outdir
from grader.formats.files import student_hash
from grader.formats.gradebook_csv import POINTS_ROW_LABEL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_batch import all_files, fake_check, make_bank, make_class, run, write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STAMP = "2026-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch):
    for name in ("GITHUB_STEP_SUMMARY", "SOURCE_DATE_EPOCH", "FAKE_CHECK_LOG", "FAKE_CHECK_DELAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI", "true")


def big_class(root: Path, n: int = 24) -> Path:
    """n students, every answer distinct (so every answer costs a check)."""
    src = root / "class"
    for i in range(n):
        write(src / f"s{i:03d}.yaml", f"relu:\n  derivative-positive: '{i}'\n  derivative-negative: 0\n")
    return src


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead too
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return True


def wait_dead(pids, seconds=10.0) -> list[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def child_code(src: Path, out: Path, jobs: int = 1) -> str:
    return ("import sys; sys.path[:0] = [%r, %r]\n"
            "import test_batch as t\n"
            "from grader.classes.classrun import grade_class\n"
            "grade_class(%r, %r, t.make_bank(), jobs=%d, deadline=60, check=t.fake_check, generated_at=%r)\n"
            % (str(ROOT), str(ROOT / "tests"), str(src), str(out), jobs, STAMP))


def saved(out: Path) -> int:
    """Verdicts committed to the gradebook so far (read as another process would)."""
    import sqlite3
    path = out / ".grader" / "gradebook.sqlite"
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM answers WHERE verdict_id IS NOT NULL").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


# --- 1. workers die with their parent; a killed run resumes to the same bytes ------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_of_the_parent_kills_the_workers_and_a_rerun_resumes(tmp_path, jobs):
    src = big_class(tmp_path)
    out = tmp_path / "out"
    log = tmp_path / "calls.log"
    env = dict(os.environ, FAKE_CHECK_LOG=str(log), FAKE_CHECK_DELAY="0.15")
    proc = subprocess.Popen([sys.executable, "-c", child_code(src, out, jobs)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 60
    while saved(out) < 5 and time.monotonic() < end:          # some verdicts committed, not all
        time.sleep(0.05)
    assert 5 <= saved(out) < 20
    proc.kill()                                               # kill -9, no cleanup at all
    proc.wait(timeout=10)
    workers = {int(line.split()[0]) for line in calls(log)}
    assert wait_dead(workers) == []                           # no worker outlives the parent
    assert proc.stdout.read() == b""                          # and none holds its stdout: EOF
    proc.stdout.close()
    assert not (out / "results.json").exists()                # nothing was switched in

    done_before = len(calls(log))
    resumed = grade_class(src, out, make_bank(), jobs=2, deadline=60, check=fake_check, generated_at=STAMP)
    fresh = grade_class(src, tmp_path / "fresh", make_bank(), jobs=2, deadline=60, check=fake_check,
                        generated_at=STAMP)
    assert fresh.checked == 25                                # "0".."23" for one part, "0" for the other
    assert 0 < resumed.checked < 25 - 5                       # only what the killed run had not saved
    assert resumed.checked + done_before >= 25
    assert all_files(out) == all_files(tmp_path / "fresh")    # byte-identical to a run never killed
    assert resumed.exit_code == fresh.exit_code == 0


def test_piped_output_ends_when_the_parent_is_killed(tmp_path):
    """`grader grade ... | cat` must end: after kill -9 of the grader, cat sees end-of-file."""
    src = tmp_path / "class"
    write(src / "a.yaml", "relu:\n  derivative-positive: SLOW\n")
    log = tmp_path / "calls.log"
    env = dict(os.environ, FAKE_CHECK_LOG=str(log))
    cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc = subprocess.Popen([sys.executable, "-c", child_code(src, tmp_path / "out")], env=env,
                            stdout=cat.stdin, stderr=subprocess.DEVNULL)
    cat.stdin.close()
    end = time.monotonic() + 60
    while not calls(log) and time.monotonic() < end:
        time.sleep(0.05)
    worker = int(calls(log)[0].split()[0])
    proc.kill()
    proc.wait(timeout=10)
    try:
        assert cat.wait(timeout=15) == 0
    finally:
        if cat.poll() is None:
            cat.kill()
    assert wait_dead([worker]) == []


# --- 2. a crashed worker costs nobody points, and never silently ------------------------------

def test_a_worker_crash_is_retried_once_in_a_fresh_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CHECK_MARKER", str(tmp_path / "crashed-once"))
    src = tmp_path / "class"
    write(src / "a.yaml", "relu:\n  derivative-positive: CRASH_ONCE\n  derivative-negative: 0\n")
    lines = []
    outcome = run(src, tmp_path / "out", log=lines.append)
    v = {p.part: p.verdict for p in outcome.results[0].parts}
    assert v["derivative-positive"].status == "incorrect"     # really checked, on the second try
    assert v["derivative-positive"].feedback == ("Not quite: CRASH_ONCE",)
    assert outcome.crashed == 0 and outcome.incomplete == 0 and outcome.exit_code == 0
    assert any("exit code 9" in line and "once more" in line for line in lines)


def test_a_second_crash_marks_the_row_and_the_exit_code(tmp_path, monkeypatch):
    src = tmp_path / "class"
    write(src / "a.yaml", "relu:\n  derivative-positive: CRASH\n  derivative-negative: 0\n")
    write(src / "b.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CHECK_LOG", str(log))
    outcome = run(src, tmp_path / "out")
    assert outcome.crashed == 1 and outcome.incomplete == 1
    assert outcome.exit_code == 3                               # "not fully graded" is not success
    a, b = outcome.results
    assert a.message == NOT_FULLY_GRADED.format(parts="relu/derivative-positive")
    assert {p.part: p.verdict.rule for p in a.parts}["derivative-positive"] == "worker-crashed"
    assert b.message is None
    assert sum("CRASH" in line for line in calls(log)) == 2     # tried twice
    again = run(src, tmp_path / "out")                          # the next run tries it again
    assert sum("CRASH" in line for line in calls(log)) == 4
    assert again.checked == 1 and again.incomplete == 1
    assert (again.regraded, again.reused) == (1, 1)             # its row is graded again, b's kept


# --- 3. one file per student, checked -----------------------------------------------------------

def test_ana_ana_and_ana_with_the_hash_get_three_feedback_files(tmp_path):
    clash = f"Ana-{student_hash('Ana')}"
    assert clash == "Ana-dea210f0"
    src = tmp_path / "class"
    for name in ("Ana", "ana", clash):
        write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    outcome = run(src, tmp_path / "out")
    assert [r.student for r in outcome.results] == sorted(["Ana", "ana", clash])
    feedback = tmp_path / "out" / "feedback"
    names = sorted(os.listdir(feedback))
    assert len(names) == 3 and len({n.casefold() for n in names}) == 3
    heads = sorted((feedback / n).read_text(encoding="utf-8").splitlines()[0] for n in names)
    assert heads == sorted(f"# Feedback for {s}" for s in ("Ana", "ana", clash))
    assert len(os.listdir(tmp_path / "out" / "gradescope")) == 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_that_lost_their_file_names_are_named_again_before_grading(tmp_path, jobs):
    """A gradebook whose rows have no file name (a run killed by an older grader, which named
    rows only once graded): the next run names them all before it grades or writes anything,
    so the helper that follows the rows finds every name, and the set is the same bytes."""
    import sqlite3
    src = tmp_path / "class"
    for name in ("Ana", "ana", f"Ana-{student_hash('Ana')}", "bob"):
        write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    run(src, tmp_path / "first", jobs=jobs, generated_at="2026-01-01T00:00:00Z")
    out = tmp_path / "out"
    run(src, out, jobs=jobs, generated_at="2026-01-01T00:00:00Z")
    db = sqlite3.connect(out / ".grader" / "gradebook.sqlite")
    with db:
        db.execute("DELETE FROM filenames")
        db.execute("UPDATE submissions SET state = 'pending' WHERE student = 'bob'")
    db.close()
    run(src, out, jobs=jobs, generated_at="2026-01-01T00:00:00Z")
    assert all_files(out) == all_files(tmp_path / "first")


# --- 4. one run at a time per OUTDIR -------------------------------------------------------------

def test_a_second_run_on_the_same_outdir_is_refused_with_the_holder(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    holder = Outdir(out)
    holder.prepare(1)
    holder.lock("2026-12-01T01:02:03Z")
    try:
        with pytest.raises(BatchError) as err:
            run(src, out)
        assert str(err.value) == (f"another grading run (pid {os.getpid()}, started 2026-12-01T01:02:03Z) "
                                  f"is writing to {out}; wait for it to finish")
        result = CliRunner().invoke(cli.main, ["grade", str(src), "--out", str(out)])
        assert result.exit_code == 2 and "another grading run" in result.output
    finally:
        holder.unlock()
    assert run(src, out).exit_code == 3


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    write(out / ".grader" / "lock", "999999999 2020-01-01T00:00:00Z\n")
    assert run(src, out).students == 6


# --- 5. a consistent set: never a mix, nothing of others deleted ---------------------------------

def test_an_interrupted_write_keeps_the_previous_set_whole(tmp_path, monkeypatch):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    run(src, out, generated_at=STAMP)
    before = all_files(out)
    write(src / "bob" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")

    def dies(rows, folder, manifest):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "WRITERS", outputs.WRITERS[:2] + (dies,) + outputs.WRITERS[2:])
    with pytest.raises(KeyboardInterrupt):
        run(src, out, generated_at=STAMP)
    monkeypatch.undo()
    assert all_files(out) == before                             # the old set, whole
    assert os.listdir(out / ".grader" / "sets") == [os.readlink(out / ".grader" / "current").split("/")[-1]]
    # a later regrade of one student renders the whole class from the gradebook: no old rows
    outcome = run(src, out, students=["alice"], generated_at=STAMP)
    assert outcome.regraded == 0 and outcome.reused == 1       # alice did not change
    run(src, tmp_path / "fresh", generated_at=STAMP)
    assert all_files(out) == all_files(tmp_path / "fresh")


def test_files_that_are_not_ours_survive_every_run(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    run(src, out)
    write(out / "feedback" / "NOTES.md", "the TA's notes\n")
    write(out / "README.txt", "ours, not the grader's\n")
    import shutil
    shutil.rmtree(src / "bob")
    run(src, out)
    run(src, out)
    assert (out / "feedback" / "NOTES.md").read_text() == "the TA's notes\n"
    assert (out / "README.txt").read_text() == "ours, not the grader's\n"
    assert not (out / "feedback" / "bob.md").exists() and not (out / "gradescope" / "bob").exists()
    manifest = (out / ".grader" / "current" / "MANIFEST").read_text(encoding="utf-8").splitlines()
    assert "feedback/alice.md" in manifest and "feedback/NOTES.md" not in manifest


def test_an_outdir_from_before_the_gradebook_is_taken_over(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    write(out / "results.json", "[]\n")
    write(out / "feedback" / "NOTES.md", "kept\n")
    write(out / "gradescope" / "x" / "results.json", "{}\n")
    run(src, out)
    assert (out / "results.json").is_symlink()
    assert (out / "feedback" / "NOTES.md").read_text() == "kept\n"
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))) == 6


def test_a_gradebook_that_is_not_one_is_refused_in_our_words_and_kept(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    run(src, out, generated_at="2026-01-01T00:00:00Z")
    before = all_files(out)
    book = out / ".grader" / "gradebook.sqlite"
    for extra in ("-wal", "-shm"):
        Path(f"{book}{extra}").unlink(missing_ok=True)
    book.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(BatchError) as err:
        run(src, out, generated_at="2026-01-01T00:00:00Z")
    assert str(err.value) == (f"cannot open the gradebook {book}: it is not a gradebook (damaged or replaced); "
                              f"move it away and run again to grade every submission afresh")
    assert book.read_bytes() == b"these are my notes, not a database\n" * 200       # not ours to delete
    assert all_files(out) == before
    book.rename(tmp_path / "moved-away.sqlite")
    run(src, out, generated_at="2026-01-01T00:00:00Z")
    assert all_files(out) == before


def test_outdir_inside_the_class_folder_is_skipped_by_name(tmp_path):
    src = make_class(tmp_path)
    lines = []
    first = run(src, src / "graded", log=lines.append)
    second = run(src, src / "graded", log=lines.append)
    assert first.students == second.students == 6
    assert "graded" not in {r.student for r in second.results}
    assert ("graded", "it is the output folder") in second.skipped
    assert "skipped graded: it is the output folder" in lines


# --- 6. OUTDIR problems up front, in words --------------------------------------------------------

def test_outdir_that_is_a_file_is_refused_before_any_grading(tmp_path, monkeypatch):
    src = make_class(tmp_path)
    write(tmp_path / "out", "a file")
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CHECK_LOG", str(log))
    with pytest.raises(BatchError, match="exists and is not a folder"):
        run(src, tmp_path / "out")
    assert not log.exists()                                     # nothing was graded first


def test_too_little_free_space_is_refused_before_any_grading(tmp_path, monkeypatch):
    import shutil
    src = make_class(tmp_path)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CHECK_LOG", str(log))
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 5000, 5000))
    with pytest.raises(BatchError, match=r"not enough free space in .*out: the outputs need about"):
        run(src, tmp_path / "out")
    assert not log.exists()


def test_a_full_disk_while_writing_stops_with_words_and_keeps_the_old_set(tmp_path, monkeypatch):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    run(src, out, generated_at=STAMP)
    before = all_files(out)
    written = []

    def fills_up(path, mode="r", *args, **kw):     # every output file is opened "xb" in outputs
        if len(written) == 5:                      # (each student's, in filemaker's threads)
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        return open(path, mode, *args, **kw)

    from grader.classes import filemaker
    monkeypatch.setattr(outputs, "open", fills_up, raising=False)
    monkeypatch.setattr(filemaker, "open", fills_up, raising=False)
    with pytest.raises(BatchError) as err:
        run(src, out, generated_at="2027-01-01T00:00:00Z")
    assert str(err.value) == f"no space left on the device of {out}; the previous outputs were kept"
    assert all_files(out) == before
    assert len(os.listdir(out / ".grader" / "sets")) == 1       # the half-written set is gone
    written.clear()
    result = CliRunner().invoke(cli.main, ["grade", str(src), "--out", str(out)])
    assert result.exit_code == 2 and "no space left on the device of" in result.output


# --- 7. ids that stay distinct and faithful ---------------------------------------------------------

def test_ids_that_differ_only_by_invisible_characters_stay_distinct(tmp_path):
    src = tmp_path / "class"
    src.mkdir()
    names = ["a b", "a\tb", "a\nb", "=x", "'=x", POINTS_ROW_LABEL, "a\\x09b"]
    for name in names:
        write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    raw = os.fsencode(str(src))
    for b in (b"caf\xe9", b"caf\xe8"):
        os.mkdir(raw + b"/" + b)
        with open(raw + b"/" + b + b"/answers.yaml", "wb") as fh:
            fh.write(b"relu:\n  derivative-positive: 1\n")
    outcome = run(src, tmp_path / "out")
    ids = [r.student for r in outcome.results]
    assert len(ids) == len(set(ids)) == len(names) + 2
    assert {"a\\x09b", "a\\x0ab", "caf\\xe9", "caf\\xe8", "a\\\\x09b"} <= set(ids)
    assert all(i.isprintable() for i in ids)
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    firsts = [r[0] for r in rows]
    assert len(firsts) == len(set(firsts))                      # no two rows look alike
    assert firsts.count(POINTS_ROW_LABEL) == 1 and rows[1][0] == POINTS_ROW_LABEL
    assert {"'=x", "''=x", "'POINTS POSSIBLE"} <= set(firsts)
    assert len(os.listdir(tmp_path / "out" / "feedback")) == len(ids)
    # regrading a non-UTF-8 id by the id shown replaces its row
    again = run(src, tmp_path / "out", students=["caf\\xe9"])
    assert again.found == 1 and again.students == len(ids)


@pytest.mark.parametrize("name", [".hidden", "~x", "x~", "__MACOSX"])
def test_hidden_and_backup_looking_submissions_get_a_row(tmp_path, name):
    src = tmp_path / "class"
    write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(src / "bob.yaml", "relu:\n  derivative-positive: 1\n")
    outcome = run(src, tmp_path / "out")
    assert sorted(r.student for r in outcome.results) == sorted([name, "bob"])


def test_entries_that_are_no_submission_are_named_as_skipped(tmp_path):
    src = tmp_path / "class"
    write(src / ".git" / "config", "x")
    write(src / "bob.yaml~", "x")
    write(src / "bob.yaml", "relu:\n  derivative-positive: 1\n")
    lines = []
    outcome = run(src, tmp_path / "out", log=lines.append)
    assert outcome.skipped == ((".git", "a hidden or backup folder without answers.yaml"),
                               ("bob.yaml~", "not a submission (neither a folder nor a .yaml file)"))
    assert "skipped .git: a hidden or backup folder without answers.yaml" in lines


# --- 8. stable reads ---------------------------------------------------------------------------------

def test_a_file_rewritten_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    path = write(tmp_path / "s.yaml", "relu:\n  derivative-positive: 1\n")
    full = "relu:\n  derivative-positive: 1\n  derivative-negative: 0\nsigmoid:\n  derivative: z\n"
    real = os.read
    state = {"n": 0}

    def racing_read(fd, n):
        data = real(fd, n)
        if state["n"] == 0:          # the student's editor saves while we read
            path.write_text(full, encoding="utf-8")
            os.utime(path, ns=(10**9, 10**9))
        state["n"] += 1
        return data

    monkeypatch.setattr(submissions.os, "read", racing_read)
    sub = submissions.read_answer_file(path, "s")
    assert sub.ok and sub.answers == {"relu": {"derivative-positive": "1", "derivative-negative": "0"},
                                      "sigmoid": {"derivative": "z"}}


def test_a_file_that_keeps_changing_is_reported(tmp_path, monkeypatch):
    path = write(tmp_path / "s.yaml", "relu:\n  derivative-positive: 1\n")
    real = os.read
    state = {"n": 0}

    def always_changing(fd, n):
        data = real(fd, n)
        if data:                     # rewritten in place after every read: same size, new bytes
            state["n"] += 1
            path.write_text(f"relu:\n  derivative-positive: {state['n'] % 10}\n", encoding="utf-8")
            os.utime(path, ns=(state["n"] * 10**9, state["n"] * 10**9))
        return data

    monkeypatch.setattr(submissions.os, "read", always_changing)
    sub = submissions.read_answer_file(path, "s")
    assert sub.error == "s.yaml kept changing while it was read (3 tries); it was not graded: save it once and grade again"


# --- 9. signals and pipes -----------------------------------------------------------------------------

def _cli_env(tmp_path, **extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    env.pop("GRADER_PROBLEMS", None)
    return env


N_SLOW = 2000


def grading_a_slow_class(tmp_path, n, sigint=signal.SIG_DFL):
    """(`grader grade` process, its OUTDIR) on n distinct answers that take ~10 ms each to check
    (far more work than a signal takes to arrive, even on a loaded machine), once its first
    verdict is saved. `sigint`: the SIGINT disposition it starts with, whatever this test run's is
    (an ignored SIGINT is inherited across exec; Python's restore_signals resets only SIGPIPE and
    SIGXFSZ)."""
    src = tmp_path / "class"
    for i in range(n):
        write(src / f"s{i:03d}.yaml",
              f"hidden-error:\n  delta-l: sum_k w_(kj)^(l+1)*delta_k^(l+{i})*f'(z_j^l)\n")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(src), "--out", str(out), "--jobs", "1"],
                            env=_cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    end = time.monotonic() + 60
    while saved(out) < 1 and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.05)
    return proc, out


@pytest.mark.parametrize("sig, code, words", [(signal.SIGINT, 130, "interrupted"),
                                              (signal.SIGTERM, 143, "stopped (SIGTERM)")])
def test_ctrl_c_and_sigterm_exit_codes_say_what_was_kept(tmp_path, sig, code, words):
    proc, out = grading_a_slow_class(tmp_path, N_SLOW)    # (400 once finished first)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    lines = stderr.decode().strip().splitlines()
    assert lines[-1] == (f"grader: {words}; {out} still holds its previous complete set of outputs; the answers "
                         f"checked so far are kept in its gradebook: run the same command again to continue.")
    assert "Traceback" not in stderr.decode()
    assert not (out / "results.json").exists() and 1 <= saved(out) < N_SLOW


def test_a_closed_stdout_ends_quietly(tmp_path):
    proc = subprocess.run(f"{sys.executable} -m grader list | head -1", shell=True, env=_cli_env(tmp_path),
                          capture_output=True, timeout=120, cwd=tmp_path)
    assert proc.stdout.count(b"\n") == 1
    # only the line saying which bank `list` read (issue 16): no error about the closed pipe
    assert re.fullmatch(rb"Problem bank: \S+ \(the bank installed with the grader\)\n", proc.stderr), proc.stderr


# --- incremental: only what changed is graded again ------------------------------------------------

def test_a_rerun_regrades_only_resubmissions_and_new_answers(tmp_path, monkeypatch):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    first = run(src, out)
    assert (first.regraded, first.reused) == (6, 0)
    same = run(src, out)
    assert (same.regraded, same.reused, same.checked) == (0, 6, 0)
    write(src / "bob" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 7\n")
    changed = run(src, out)
    assert (changed.regraded, changed.reused, changed.checked) == (1, 5, 1)   # only bob's new "7"
    run(src, tmp_path / "fresh")
    assert json.loads((out / "results.json").read_text()) == json.loads((tmp_path / "fresh" / "results.json").read_text())


def test_changing_one_parts_reference_rechecks_only_that_parts_answers(tmp_path):
    import dataclasses
    src = make_class(tmp_path)
    out = tmp_path / "out"
    log = []
    grade_class(src, out, make_bank(), jobs=2, check=fake_check)
    bank = make_bank()
    relu = bank["relu"]
    neg = dataclasses.replace(relu.parts[1], answer="1")       # the course fixes a reference
    bank["relu"] = dataclasses.replace(relu, parts=(relu.parts[0], neg))
    outcome = grade_class(src, out, bank, jobs=2, check=fake_check, log=log.append)
    assert outcome.checked == 2                                # alice's "0" and bob's "1": that part's answers
    by = {r.student: r for r in outcome.results}
    assert {p.part: p.verdict.status for p in by["bob"].parts}["derivative-negative"] == "correct"
    assert {p.part: p.verdict.status for p in by["alice"].parts}["derivative-negative"] == "incorrect"
