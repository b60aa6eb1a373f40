"""A reader that goes away never stops the work (issue 23, item 1).

`grader grade DIR --out o 2>&1 | head -1` used to die at its next log line with exit 0 and no
outputs. These tests close real OS pipes under real `grader` processes (stdout, stderr, both;
`grade` and `check`) and assert the exit status the run would have had without the pipe
closing, the whole output set, byte for byte, and no Python complaint anywhere.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"
COMPLAINTS = (b"Traceback", b"Exception ignored", b"BrokenPipeError", b"internal error")


def _env(tmp_path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH="1700000000")
    env.pop("GRADER_PROBLEMS", None)
    env.pop("GRADER_STUDENT", None)
    return env


def _grader(*args) -> list:
    return [sys.executable, "-m", "grader", *map(str, args)]


def _outputs(out: Path) -> dict:
    """Every file of the set OUTDIR shows, by name, with its bytes."""
    files = {}
    for folder, dirs, names in os.walk(out, followlinks=True):     # its names are links into .grader/
        dirs[:] = [d for d in dirs if d != ".grader"]
        for name in names:
            path = Path(folder, name)
            files[str(path.relative_to(out))] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def broken_class(tmp_path_factory):
    """The example class plus 30 more broken files (one log line each), and the outputs and
    stderr of a run whose reader stays to the end."""
    base = tmp_path_factory.mktemp("class")
    src = base / "class"
    shutil.copytree(EXAMPLES, src)
    for i in range(30):
        shutil.copy(src / "dana.yaml", src / f"dana{i:02d}.yaml")
    out = base / "reference"
    done = subprocess.run(_grader("grade", src, "--out", out, "--jobs", "2"), env=_env(base), cwd=base,
                          capture_output=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count(b"could not be graded:") == 31
    files = _outputs(out)
    assert {"gradebook.csv", "results.json", "junit.xml", "report.html", "canvas.csv", "moodle.csv",
            "gradescope-scores.csv", "feedback/alice.md", "gradescope/alice/results.json"} <= set(files)
    return src, files


def _closed_pipe():
    """A pipe whose reader is already gone: every write to it fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_head_dash_1_on_the_merged_log_of_the_example_class_finishes_and_exits_3(tmp_path):
    shell = (f"{sys.executable} -m grader grade '{EXAMPLES}' --out o 2>&1 | head -1; "
             f"echo \"status=${{PIPESTATUS[0]}}\"")
    done = subprocess.run(["bash", "-c", shell], env=_env(tmp_path), cwd=tmp_path, capture_output=True, timeout=300)
    lines = done.stdout.decode().splitlines()
    assert lines == ["grader: dana: could not be graded: dana.yaml, line 8: the file ends inside a quoted text "
                     "that starts at line 5; a closing quote is missing", "status=3"], done.stdout
    assert done.stderr == b""
    reference = tmp_path / "reference"
    subprocess.run(_grader("grade", EXAMPLES, "--out", reference), env=_env(tmp_path), cwd=tmp_path,
                   capture_output=True, timeout=300)
    assert _outputs(tmp_path / "o") == _outputs(reference)


def test_stderr_closed_after_its_first_line_the_run_finishes_its_set_and_exits_3(tmp_path, broken_class):
    src, expected = broken_class
    out = tmp_path / "o"
    stdout = tmp_path / "stdout"
    with open(stdout, "wb") as sink:
        proc = subprocess.Popen(_grader("grade", src, "--out", out, "--jobs", "2"), env=_env(tmp_path), cwd=tmp_path,
                                stdout=sink, stderr=subprocess.PIPE)
        first = proc.stderr.readline()
        proc.stderr.close()                     # the reader goes away (`| head -1`, `grep -m1`)
        status = proc.wait(timeout=300)
    assert first.startswith(b"grader: dana"), first
    assert status == 3
    assert _outputs(out) == expected
    assert stdout.read_bytes() == b""


@pytest.mark.parametrize("closed", ["stdout", "stderr", "both"])
def test_a_class_run_whose_readers_are_gone_before_it_starts_still_writes_its_set(tmp_path, broken_class, closed):
    src, expected = broken_class
    pipe = _closed_pipe()
    out = tmp_path / "o"
    try:
        streams = {"stdout": pipe if closed in ("stdout", "both") else subprocess.PIPE,
                   "stderr": pipe if closed in ("stderr", "both") else subprocess.PIPE}
        done = subprocess.run(_grader("grade", src, "--out", out, "--jobs", "2"), env=_env(tmp_path), cwd=tmp_path,
                              timeout=300, **streams)
    finally:
        os.close(pipe)
    assert done.returncode == 3
    assert _outputs(out) == expected
    for text in (done.stdout or b"", done.stderr or b""):
        assert not any(word in text for word in COMPLAINTS), text
    if closed == "stdout":
        assert done.stderr.count(b"could not be graded:") == 31


@pytest.mark.parametrize("answer, status", [("e^(-z)/(1+e^(-z))^2", 0), ("e^(z)/(1+e^(-z))^3", 1)])
@pytest.mark.parametrize("closed", ["stdout", "stderr"])
def test_check_with_a_closed_stream_exits_with_the_verdicts_status(tmp_path, answer, status, closed):
    pipe = _closed_pipe()
    try:
        other = {"stderr" if closed == "stdout" else "stdout": subprocess.PIPE}
        # --problems: `check` then says on stderr which bank it read, so stderr is written to
        done = subprocess.run(_grader("check", "--problems", ROOT / "problems", "sigmoid", "derivative", answer),
                              env=_env(tmp_path), cwd=tmp_path, timeout=120, **{closed: pipe}, **other)
    finally:
        os.close(pipe)
    assert done.returncode == status
    left = done.stderr if closed == "stdout" else done.stdout
    assert not any(word in left for word in COMPLAINTS), left
    if closed == "stderr":
        assert done.stdout.startswith(b"Correct" if status == 0 else b"Incorrect"), done.stdout


def test_grade_of_one_file_with_stdout_closed_exits_with_its_status(tmp_path):
    pipe = _closed_pipe()
    try:
        done = subprocess.run(_grader("grade", EXAMPLES / "bob" / "answers.yaml"), env=_env(tmp_path), cwd=tmp_path,
                              timeout=120, stdout=pipe, stderr=subprocess.PIPE)
    finally:
        os.close(pipe)
    assert done.returncode == 1                 # Bob has wrong answers
    assert not any(word in done.stderr for word in COMPLAINTS), done.stderr
