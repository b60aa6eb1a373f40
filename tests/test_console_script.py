"""The `grader` command as a student runs it: real processes, real pipes, a real terminal.

Every test runs `python -m grader` (with this repository on PYTHONPATH, from a folder that is
not the repository). When a `grader` console script is on PATH and it imports this
repository's package, the same tests run through it too; otherwise `python -m grader`
stands for it (an installed copy elsewhere is not this code).

Covered: exit codes, results on stdout and diagnostics on stderr, answers from stdin and
the interactive loop over a pipe, no ANSI escapes when piped or with NO_COLOR (and colour on
a pseudo-terminal), an ASCII fallback, valid JSON, `--help` for every command, `--version`,
and the cold start time of `grader check` (printed, not asserted).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "submissions"
COMMANDS = ("check", "compare", "grade", "list", "schema", "show", "syntax", "validate")
RIGHT = "(a_j^L - y_j)*f'(z_j^L)"
ANSI = re.compile(rb"\x1b\[")
TIMEOUT = 120


def base_env(tmp: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADER_PROBLEMS", "GRADER_DEBUG", "NO_COLOR", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS",
                        "FORCE_COLOR", "PYTHONIOENCODING")}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["GRADER_STATE_DIR"] = str(tmp / "state")
    env["PYTHONUTF8"] = "1"
    env.update(extra)
    return env


def _script_importing_this_repo():
    """The `grader` on PATH, if running it would import this repository's package."""
    path = shutil.which("grader")
    if not path:
        return None
    try:
        first = Path(path).read_bytes()[:512].split(b"\n", 1)[0].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("#!"):
        return None
    interpreter = first[2:].split()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        probe = subprocess.run(interpreter + ["-c", "import grader, os; print(os.path.realpath(grader.__file__))"],
                               capture_output=True, text=True, cwd=Path(path).parent, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if probe.returncode != 0:
        return None
    return path if Path(probe.stdout.strip()).parent == (REPO / "grader").resolve() else None


SCRIPT = _script_importing_this_repo()
LAUNCHERS = [pytest.param([sys.executable, "-m", "grader"], id="python-m-grader")]
if SCRIPT:
    LAUNCHERS.append(pytest.param([SCRIPT], id="grader-script"))


@pytest.fixture(params=LAUNCHERS)
def grader(request, tmp_path):
    """Run the grader in a fresh folder; returns a function(args, input=None, env=None)."""
    launcher = request.param
    work = tmp_path / "cwd"
    work.mkdir()

    def run(*args, input=None, env=None, cwd=None):
        proc = subprocess.run(launcher + [str(a) for a in args], input=input, capture_output=True,
                              cwd=cwd or work, env=base_env(tmp_path, **(env or {})), timeout=TIMEOUT)
        assert b"Traceback" not in proc.stdout, proc.stdout.decode("utf-8", "replace")
        assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")
        return proc

    run.launcher = launcher
    run.work = work
    return run


def _sources(package: Path, prefix: str = "") -> dict[str, bytes]:
    return {prefix + str(p.relative_to(package)): p.read_bytes() for p in sorted(package.rglob("*.py"))
            if "__pycache__" not in p.parts}


def _repository_sources() -> dict[str, bytes]:
    """This repository's Python files as an install lays them out (pyproject's package-dir:
    problems/ is grader/bank, docs/ is grader/docs)."""
    return {**_sources(REPO / "grader"), **_sources(REPO / "problems", "bank/"), **_sources(REPO / "docs", "docs/")}


def test_which_launchers_run(tmp_path):
    """Every launcher these tests use runs this repository's code, and a `grader` script on PATH
    that they do not use is a faithful copy of it (a fresh `pip install .`, as CI makes), so that
    `python -m grader` may stand for it; a stale installed copy fails here instead of passing
    unseen. (tests/test_installed_wheel.py runs an installed console script in any case.)"""
    path = shutil.which("grader")
    print(f"grader on PATH: {path!r}; imports this repository: {bool(SCRIPT)}")
    assert LAUNCHERS[0].values[0] == [sys.executable, "-m", "grader"]
    probe = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env=base_env(tmp_path), timeout=TIMEOUT)
    assert Path(probe.stdout.strip()).resolve() == (REPO / "grader" / "__init__.py").resolve(), probe.stderr
    if SCRIPT:
        assert [p.values[0] for p in LAUNCHERS] == [[sys.executable, "-m", "grader"], [SCRIPT]]
        version = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, timeout=TIMEOUT,
                                 cwd=tmp_path, env=base_env(tmp_path))
        assert version.returncode == 0, version.stderr
    elif path:
        interpreter = Path(path).read_text(encoding="utf-8", errors="replace").split("\n", 1)[0][2:].split()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        where = subprocess.run(interpreter + ["-c", "import grader; print(grader.__file__)"], capture_output=True,
                               text=True, cwd=tmp_path, env=env, timeout=TIMEOUT)
        assert where.returncode == 0, where.stderr
        installed = Path(where.stdout.strip()).parent
        assert _sources(installed) == _repository_sources(), f"{path} runs a different copy: {installed}"


# --- exit codes and streams -------------------------------------------------------------

def test_check_exit_codes(grader):
    right = grader("check", "output-error", "delta-L", RIGHT)
    assert right.returncode == 0
    assert right.stdout.decode().startswith("Correct  (")
    wrong = grader("check", "output-error", "delta-L", "(a_j^L - y_j)")
    assert wrong.returncode == 1
    assert wrong.stdout.decode().startswith("Incorrect  (0/")
    invalid = grader("check", "output-error", "delta-L", "(a_j^L - y_j")
    assert invalid.returncode == 1
    assert invalid.stdout.decode().startswith("Invalid  (0/")


def test_negative_answers_as_typed(grader):
    assert grader("check", "two-layer-example", "dC-dw2", "-0.004").returncode == 0
    assert grader("check", "output-error", "delta-L", "-(y_j - a_j^L)*f'(z_j^L)").returncode == 0
    assert grader("check", "two-layer-example", "dC-dw2", "0.004").returncode == 1


def test_usage_errors_exit_2_on_stderr(grader):
    unknown = grader("check", "sigmod", "derivative", "x")
    assert unknown.returncode == 2
    assert unknown.stdout == b""
    assert b"unknown problem 'sigmod'" in unknown.stderr
    part = grader("check", "sigmoid", "derivativ", "x")
    assert part.returncode == 2
    assert b"no part 'derivativ'" in part.stderr
    assert grader("grade", "no-such-file.yaml").returncode == 2
    assert grader("nosuch").returncode == 2
    assert grader("list", "--bogus").returncode == 2


def test_bank_exit_codes(grader, tmp_path):
    assert grader("validate").returncode == 0
    bad = tmp_path / "bank"
    bad.mkdir()
    (bad / "broken.yaml").write_text("title: A\ntitle: B\nstatement: x\nsymbols: {}\nparts: []\n", encoding="utf-8")
    result = grader("validate", bad)
    assert result.returncode == 5
    assert re.search(rb"broken\.yaml:2: duplicate key 'title'", result.stdout)
    listing = grader("list", "--problems", bad)
    assert listing.returncode == 5
    env = grader("list", env={"GRADER_PROBLEMS": str(bad)})
    assert env.returncode == 5
    assert b"broken.yaml:2" in env.stderr


def test_batch_exit_codes_and_streams(grader, tmp_path):
    out = tmp_path / "out"
    result = grader("grade", EXAMPLES, "--out", out, "--jobs", "2")
    assert result.returncode == 3                                   # dana.yaml cannot be graded
    assert result.stdout == b""                                     # files hold the results
    assert b"could not be graded" in result.stderr
    assert not ANSI.search(result.stderr)                          # no progress bar when piped
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert grader("grade", empty, "--out", tmp_path / "out2").returncode == 4


def test_grade_file_exit_codes(grader, tmp_path):
    good = tmp_path / "ann" / "answers.yaml"
    good.parent.mkdir()
    good.write_text("relu:\n  derivative-positive: 1\n  derivative-negative: 0\n", encoding="utf-8")
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "relu.yaml").write_bytes((Path(__file__).resolve().parent.parent / "problems" / "relu.yaml").read_bytes())
    result = grader("grade", good, "--problems", bank)    # one problem: every part of the bank answered
    assert result.returncode == 0
    assert re.fullmatch(r"Total: ([\d.]+)/\1", result.stdout.decode().splitlines()[-1])
    half = tmp_path / "ben.yaml"
    half.write_text("relu:\n  derivative-positive: 1\n", encoding="utf-8")
    result = grader("grade", half)
    assert result.returncode == 1
    assert re.search(r"^relu/derivative-negative\s+0/[\d.]+\s+Missing$", result.stdout.decode(), re.M)


def test_runs_from_any_folder_with_the_shipped_bank(grader, tmp_path):
    result = grader("list", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    ids = [p["id"] for p in json.loads(result.stdout)]
    assert {"output-error", "sigmoid", "two-layer-example"} <= set(ids)


# --- stdin --------------------------------------------------------------------------------

def test_answer_from_stdin(grader):
    result = grader("check", "output-error", "delta-L", "-", input=(RIGHT + "\n").encode())
    assert result.returncode == 0
    assert result.stdout.decode().startswith("Correct")
    wrong = grader("check", "two-layer-example", "dC-dw2", "-", input=b"0.004\n")
    assert wrong.returncode == 1
    junk = grader("check", "output-error", "delta-L", "-", input=b"\xff\xfe(\n")
    assert junk.returncode == 1
    assert junk.stdout.decode().startswith("Invalid")


def test_interactive_loop_over_a_pipe(grader):
    result = grader("check", "output-error", "delta-L", input=f"a_j^L\n{RIGHT}\nnot read\n".encode())
    assert result.returncode == 0
    verdicts = re.findall(r"^(Correct|Incorrect|Invalid)  \(", result.stdout.decode(), re.M)
    assert verdicts == ["Incorrect", "Correct"]
    quit_ = grader("check", "output-error", "delta-L", input=b"a_j^L\n\n")
    assert quit_.returncode == 1
    eof = grader("check", "output-error", "delta-L", input=b"")
    assert eof.returncode == 1
    assert eof.stdout == b""


def test_the_caret_counts_wide_characters_as_two_columns(grader):
    """`ｚ` (fullwidth z) takes two columns on a terminal: the caret under the unmatched `)`
    (character 3) stands after three columns of answer, not two."""
    result = grader("check", "sigmoid", "derivative", "ｚ+)")
    assert result.returncode == 1
    lines = result.stdout.decode("utf-8").splitlines()
    assert lines[1:3] == ["  ｚ+)", "     ^"], lines
    assert "no matching opening bracket" in lines[3]


# --- colour, NO_COLOR, encodings ----------------------------------------------------------

PLAIN_COMMANDS = [
    ("check", "output-error", "delta-L", "(a_j^L - y_j)"),
    ("check", "output-error", "delta-L", RIGHT),
    ("list",),
    ("show", "sigmoid"),
    ("compare", "x^2", "x^3"),
]


@pytest.mark.parametrize("args", PLAIN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_piped_output_has_no_ansi_escapes(grader, args):
    result = grader(*args)
    assert not ANSI.search(result.stdout), result.stdout
    assert not ANSI.search(result.stderr), result.stderr
    with_no_color = grader(*args, env={"NO_COLOR": "1", "TERM": "xterm-256color"})
    assert not ANSI.search(with_no_color.stdout)


def test_piped_check_has_no_marks(grader):
    out = grader("check", "output-error", "delta-L", RIGHT).stdout.decode()
    assert "✓" not in out and out.startswith("Correct  (")


def _run_on_a_terminal(launcher, args, env):
    """Run with stdout on a pseudo-terminal; returns (exit code, bytes written to the terminal)."""
    import pty
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(launcher + list(args), stdout=slave, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:                     # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = proc.stderr.read()
    proc.stderr.close()
    code = proc.wait(timeout=TIMEOUT)
    assert b"Traceback" not in err
    return code, b"".join(chunks)


def test_colour_on_a_terminal_and_none_with_no_color(grader, tmp_path):
    args = ["check", "output-error", "delta-L", "(a_j^L - y_j)"]
    code, out = _run_on_a_terminal(grader.launcher, args, base_env(tmp_path, TERM="xterm-256color"))
    assert code == 1
    assert ANSI.search(out), out                                    # a terminal gets colour
    assert "✗ Incorrect".encode() in out
    code, out = _run_on_a_terminal(grader.launcher, args, base_env(tmp_path, TERM="xterm-256color", NO_COLOR="1"))
    assert code == 1
    assert not ANSI.search(out), out
    assert out.startswith(b"Incorrect  (0/")
    code, out = _run_on_a_terminal(grader.launcher, args, base_env(tmp_path, TERM="dumb"))
    assert not ANSI.search(out), out


GREEN, RED, YELLOW = b"\x1b[32m", b"\x1b[31m", b"\x1b[33m"


@pytest.mark.parametrize("answer, code, colour, word", [
    ("e^(-z)/(1+e^(-z))^2", 0, GREEN, "Correct"),
    ("e^(-z)", 1, RED, "Incorrect"),
    ("(", 1, YELLOW, "Invalid"),
], ids=["correct-green", "incorrect-red", "invalid-yellow"])
def test_each_verdict_has_its_colour_on_a_terminal(grader, tmp_path, answer, code, colour, word):
    env = base_env(tmp_path, TERM="xterm")
    got, out = _run_on_a_terminal(grader.launcher, ["check", "sigmoid", "derivative", answer], env)
    assert got == code, out
    sgr = re.match(rb"((?:\x1b\[\d+m)+)(?:\S+ )?" + word.encode() + rb"\x1b\[0m", out)
    assert sgr, out                                   # the verdict opens the output, coloured
    assert sgr.group(1) == colour + b"\x1b[1m", out    # its colour, bold


def test_ascii_fallback_when_the_output_cannot_encode_unicode(grader):
    result = grader("check", "output-error", "delta-L", RIGHT, env={"PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0",
                                                                    "LC_ALL": "C", "LANG": "C"})
    assert result.returncode == 0
    out = result.stdout.decode("ascii")                             # every byte is ASCII
    assert "Interpreted as: (a_j^(L) - y_j)*f'(z_j^(L))" in out


# --- JSON ---------------------------------------------------------------------------------

def test_json_outputs_are_valid(grader, tmp_path):
    answers = tmp_path / "ann.yaml"
    answers.write_text("relu:\n  derivative-positive: 1\n  derivative-negative: no\n", encoding="utf-8")
    cases = [
        (("list", "--format", "json"), 0, list),
        (("show", "two-layer-example", "--student", "alice", "--format", "json"), 0, dict),
        (("check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2", "--format", "json"), 0, dict),
        (("check", "--format", "json", "output-error", "delta-L", "-(y_j - a_j^L)"), 1, dict),
        (("grade", answers, "--format", "json"), 1, dict),
        (("compare", "x^2", "x*x", "--format", "json"), 0, dict),
        (("schema",), 0, dict),
    ]
    for args, code, kind in cases:
        result = grader(*args)
        assert result.returncode == code, (args, result.stderr)
        data = json.loads(result.stdout.decode("utf-8"))
        assert isinstance(data, kind), args
    check = json.loads(grader("check", "--format", "json", "output-error", "delta-L", RIGHT).stdout)
    assert set(check) == {"problem", "part", "status", "score", "max_score", "interpreted", "feedback"}
    graded = json.loads(grader("grade", answers, "--format", "json").stdout)
    assert {"student", "score", "max_score", "parts"} <= set(graded)
    assert {p["part"]: p["answer"] for p in graded["parts"]}["derivative-negative"] == "no"
    assert "$schema" in json.loads(grader("schema").stdout)


def test_json_from_stdin_answer(grader):
    result = grader("check", "--format", "json", "two-layer-example", "dC-dw2", "-", input=b"-0.004\n")
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "correct"


# --- help and version ---------------------------------------------------------------------

def test_main_help(grader):
    for flag in ("--help", "-h"):
        result = grader(flag)
        assert result.returncode == 0
        out = result.stdout.decode()
        assert out.startswith("Usage: ")
        for cmd in COMMANDS:
            assert re.search(rf"^  {cmd}\s", out, re.M), cmd


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(grader, command):
    result = grader(command, "--help")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("Usage: ") and f" {command} " in out.splitlines()[0]
    assert "--help" in out
    assert result.stderr == b""


def test_version(grader):
    import tomllib
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = grader("--version")
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-500:]
    assert version in result.stdout.decode()


# --- cold start ---------------------------------------------------------------------------

def test_cold_start_of_check(grader, capsys):
    """`grader check` from a fresh process completes; the time is printed (no bound asserted)."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = grader("check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")
        times.append(time.perf_counter() - start)
        assert result.returncode == 0
        assert result.stdout.decode().startswith("Correct")
    with capsys.disabled():
        print(f"\ncold start of `{' '.join(Path(a).name for a in grader.launcher)} check`: "
              f"{', '.join(f'{t:.2f}s' for t in times)} (best {min(times):.2f}s)")
