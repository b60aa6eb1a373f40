"""A derivation in the terminal (issue 25, item 4): `grader check P PART` takes a chain of
equalities from a file (`--answer-file`), from standard input (`-`) or line by line when asked,
and prints each line with its mark and the reason, in text (colour and Unicode only where they
show) and JSON; `grader show` says how a derivation part is answered."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.interfaces.cli import main
from test_console_script import _run_on_a_terminal

REPO = Path(__file__).resolve().parent.parent
GRADER = [sys.executable, "-m", "grader"]
ANSI = b"\x1b["

# the course solution's slip: z_i where the weight W_(ij) feeds z_j
SLIP = "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l\n"
RIGHT = "dc/dW_(ij)^l\n= dz_j^l/dW_(ij)^l * dc/dz_j^l\n= a_i^(l-1) * delta_j^l\n"
SLIP_TEXT = """\
Incorrect  (0/2 points)
  1 ▸ ∂c/∂W_ij^(l)
  2 ✗ ∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)
      Line 2 does not follow from line 1.
      z_i^(l) has the wrong unit: it should be z_j^(l).
  3 ✗ a_i^(l−1)·δ_j^(l)
      Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2.
"""
RIGHT_TEXT = """\
Correct  (2/2 points)
  1 ▸ ∂c/∂W_ij^(l)
  2 ✓ ∂z_j^(l)/∂W_ij^(l)·∂c/∂z_j^(l)
  3 ✓ a_i^(l−1)·δ_j^(l)
Every step follows, from ∂c/∂W_ij^(l) to a_i^(l−1)·δ_j^(l).
"""
# the dropped g' factor, with an unreadable line before it (ASCII: the marks > ! X, the text as typed)
DROPPED = "delta_j^L\n= dc/da_j^L * da_j^L/dz_j^L +\n= dc/da_j^L * g_L(z_j^L)\n"
DROPPED_ASCII = """\
Invalid  (0/2 points)
  1 > delta_j^L
  2 ! dc/da_j^L * da_j^L/dz_j^L +
      dc/da_j^L * da_j^L/dz_j^L +
                                 ^
      The answer ends too early: something is missing at the end.
  3 X dc/da_j^L * g_L(z_j^L)
      Line 3 does not follow from line 1.
      da_j^(L)/dz_j^(L) is the slope g_L'(z_j^(L)), not the value g_L(z_j^(L)).
Line 2 cannot be checked: the answer ends too early: something is missing at the end.
"""


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_DEBUG", "NO_COLOR", "GRADER_STUDENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output + result.stderr
    return result


# --- --answer-file and standard input ------------------------------------------------------

def test_answer_file_prints_each_line_with_its_mark_and_reason(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text(SLIP, encoding="utf-8")
    result = run("check", "derivation-homework", "dc-dW", "--answer-file", path)
    assert (result.exit_code, result.stdout, result.stderr) == (1, SLIP_TEXT, "")
    path.write_text(RIGHT, encoding="utf-8")
    result = run("check", "derivation-homework", "dc-dW", "--answer-file", path)
    assert (result.exit_code, result.stdout) == (0, RIGHT_TEXT)


def test_answer_file_from_windows_notepad_reads_the_same(tmp_path):
    """A byte-order mark and CRLF line ends are not part of the answer."""
    path = tmp_path / "chain.txt"
    path.write_bytes(b"\xef\xbb\xbf" + RIGHT.replace("\n", "\r\n").encode("utf-8"))
    result = run("check", "derivation-homework", "dc-dW", "--answer-file", path)
    assert (result.exit_code, result.stdout) == (0, RIGHT_TEXT)


def test_answer_file_dash_and_answer_dash_read_standard_input():
    for args in (["--answer-file", "-"], ["-"]):
        result = run("check", "derivation-homework", "dc-dW", *args, input=SLIP)
        assert (result.exit_code, result.stdout) == (1, SLIP_TEXT)


def test_answer_file_for_a_one_line_part():
    result = run("check", "output-error", "delta-L", "--answer-file", "-", input="(a_j^L - y_j)*f'(z_j^L)\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("Correct  (")


def test_json_has_every_step_with_its_status_and_feedback(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text(SLIP, encoding="utf-8")
    result = run("check", "derivation-homework", "dc-dW", "--answer-file", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["score"], data["max_score"]) == ("incorrect", 0.0, 2.0)
    assert data["steps"] == [
        {"line": 1, "text": "dc/dW_(ij)^l", "status": "start", "interpreted": "∂c/∂W_ij^(l)", "feedback": []},
        {"line": 2, "text": "dz_i^l/dW_(ij)^l * dc/dz_i^l", "status": "incorrect",
         "interpreted": "∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)",
         "feedback": ["Line 2 does not follow from line 1.", "z_i^(l) has the wrong unit: it should be z_j^(l)."]},
        {"line": 3, "text": "a_i^(l-1) * delta_j^l", "status": "incorrect", "interpreted": "a_i^(l−1)·δ_j^(l)",
         "feedback": ["Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2."]},
    ]


def test_a_one_line_answer_has_no_steps_in_json():
    result = run("check", "output-error", "delta-L", "a_j^L - y_j", "--format", "json")
    assert "steps" not in json.loads(result.stdout)


@pytest.mark.parametrize("content, message", [
    (None, "cannot read the file {path}: no such file or folder."),
    ("folder", "cannot read the file {path}: it is a folder, not a file."),
    (b"dc/db_j^l\n= delta\x00_j^l\n", "the file {path} is not text (byte 18 is not a character): it should hold one "
                                      "answer, saved as plain text (UTF-8)."),
    (b"dc/db_j^l\n= \xff\xfe\n", "the file {path} is not text (byte 13 is not a character): it should hold one "
                                 "answer, saved as plain text (UTF-8)."),
    (b"x" * 100_001, "the file {path} has more than 100,000 bytes; it should hold one answer."),
], ids=["missing", "folder", "nul-byte", "not-utf8", "oversized"])
def test_an_answer_file_that_is_not_an_answer_is_refused_in_our_words(tmp_path, content, message):
    path = tmp_path / "answer.txt"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = run("check", "derivation-homework", "dc-db", "--answer-file", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {message.format(path=path)}\n"


def test_exactly_the_limit_is_read(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_bytes(b"x" * 100_000)
    result = run("check", "derivation-homework", "dc-db", "--answer-file", path)
    assert result.exit_code == 1
    assert result.stdout == ("Invalid  (0/1 point)\nThis derivation is 100,000 characters long; the grader reads "
                             "up to 6,000.\n")


def test_an_answer_and_an_answer_file_together_are_refused(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text(RIGHT, encoding="utf-8")
    result = run("check", "derivation-homework", "dc-dW", "x", "--answer-file", path)
    assert result.exit_code == 2
    assert result.stderr == "Error: give the answer either after PART or with --answer-file, not both.\n"


# --- asked line by line ----------------------------------------------------------------------

HOW = ("Type the derivation one line at a time, each step starting with '='. An empty line checks it; an empty "
       "first line (or Ctrl-D) quits, and \"?\" shows a hint.")


def test_interactive_derivation_is_asked_line_by_line_until_right():
    typed = ("dc/db_j^l\n= dc/dz_j^l\n?\n= delta_j^l * 2\n\n"          # a hint in the middle; a wrong chain
             "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= delta_j^l\n\n"   # then a right one: the loop ends
             "never read\n")
    result = run("check", "derivation-homework", "dc-db", input=typed)
    assert result.exit_code == 0
    assert result.stdout.count("Incorrect  (0/1 point)\n") == 1
    assert result.stdout.endswith("Correct  (1/1 point)\n  1 ▸ ∂c/∂b_j^(l)\n  2 ✓ ∂c/∂z_j^(l)·∂z_j^(l)/∂b_j^(l)\n"
                                  "  3 ✓ δ_j^(l)\nEvery step follows, from ∂c/∂b_j^(l) to δ_j^(l).\n")
    err = result.stderr
    assert "Answer with a chain of equalities from dc/db_j^l, one expression per line, each new line starting " \
           "with '='.\n" + HOW + "\n" in err
    assert err.count("Line 1 > ") == 2 and err.count("Line 3 > ") == 3 and "Line 4 > " in err
    assert "Hint 1 of 2: b_j^(l) enters the cost only through z_j^(l).\n" in err


def test_interactive_derivation_ctrl_d_checks_what_was_typed_and_an_empty_first_line_quits():
    result = run("check", "derivation-homework", "dc-db", input="dc/db_j^l\n= delta_j^l * 2")   # no newline: EOF
    assert result.exit_code == 1
    assert result.stdout.startswith("Incorrect  (0/1 point)\n  1 ▸ ∂c/∂b_j^(l)\n  2 ✗ δ_j^(l)·2\n")
    assert result.stdout.count("point)") == 1
    quit_ = run("check", "derivation-homework", "dc-db", input="\n")
    assert (quit_.exit_code, quit_.stdout) == (1, "")


def test_interactive_one_line_part_is_unchanged():
    result = run("check", "output-error", "delta-L", input="a_j^L\n\n")
    assert result.exit_code == 1
    assert "Your answer > " in result.stderr and "Line 1" not in result.stderr
    assert "Answer with an expression in the names above." in result.stderr


# --- grader show -------------------------------------------------------------------------------

def test_show_says_how_a_derivation_is_answered():
    out = run("show", "derivation-homework").stdout
    assert "Part dc-db (1 point, derivation)\nShow that dc/db_j^(l) = delta_j^(l). Start from dc/db_j^(l).\n" \
           "Answer with a chain of equalities from dc/db_j^l, one expression per line, each new line starting " \
           "with '='.\n" in out
    assert "Answer with an expression in the names above." not in out
    assert "Answer with an expression in the names above." in run("show", "output-error").stdout


# --- a real process: pipes, ASCII, a terminal, NO_COLOR ------------------------------------------

def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADER_PROBLEMS", "GRADER_DEBUG", "NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")}
    env.update({"PYTHONPATH": str(REPO), "GRADER_STATE_DIR": str(tmp_path / "state"), "PYTHONUTF8": "1", **extra})
    return env


def test_a_real_process_piped_in_ascii_and_on_a_terminal(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text(DROPPED, encoding="utf-8")
    args = ["check", "derivation-homework", "delta-L", "--answer-file", str(path)]
    piped = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, env=_env(tmp_path),
                           cwd=tmp_path, timeout=120)
    assert piped.returncode == 1 and piped.stderr == b""
    assert ANSI not in piped.stdout
    assert "  3 ✗ ∂c/∂a_j^(L)·g_L(z_j^(L))\n".encode() in piped.stdout
    ascii_ = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, timeout=120, cwd=tmp_path,
                            env=_env(tmp_path, PYTHONIOENCODING="ascii", PYTHONUTF8="0"))
    assert (ascii_.returncode, ascii_.stdout.decode("ascii")) == (1, DROPPED_ASCII)
    code, out = _run_on_a_terminal(GRADER, args, _env(tmp_path, TERM="xterm-256color"))
    assert code == 1
    assert "\x1b[31m\x1b[1m✗\x1b[0m ∂c/∂a_j^(L)·g_L(z_j^(L))".encode() in out      # the wrong line's mark, red
    assert "\x1b[33m\x1b[1m!\x1b[0m".encode() in out                               # the unreadable one, yellow
    code, out = _run_on_a_terminal(GRADER, args, _env(tmp_path, TERM="xterm-256color", NO_COLOR="1"))
    assert code == 1 and ANSI not in out
    assert "  3 ✗ ∂c/∂a_j^(L)·g_L(z_j^(L))".encode() in out


# --- the answer-syntax guide ---------------------------------------------------------------------

def _derivations_section() -> str:
    text = run("syntax").stdout
    assert "\n## Derivations\n" in text
    return text.split("\n## Derivations\n", 1)[1].split("\n## ", 1)[0]


def test_the_guides_derivation_examples_are_right_answers(tmp_path):
    """The two chains `grader syntax` shows (plain, and LaTeX aligned) are graded Correct for
    the part they show (derivation-homework dc-db), so the guide cannot drift from the grader."""
    section = _derivations_section()
    blocks = [b for b in section.split("\n\n") if b.startswith("    ") and "=" in b]
    plain = "\n".join(l[4:] for l in blocks[0].splitlines())
    latex = "\n".join(l.strip() for l in blocks[1].splitlines())
    assert plain.startswith("dc/db_j^(l)\n= ") and latex.startswith("\\begin{aligned}\n")
    for chain in (plain, latex):
        result = run("check", "derivation-homework", "dc-db", "-", input=chain)
        assert result.exit_code == 0 and result.stdout.startswith("Correct  (1/1 point)\n"), result.stdout


def test_the_guide_states_the_chain_limits_the_grader_enforces():
    from grader import limits
    section = " ".join(_derivations_section().split())
    assert (f"a chain of more than {limits.MAX_CHAIN_LINES} lines or {limits.MAX_CHAIN_LENGTH:,} characters (one "
            f"line, like any answer, has up to {limits.MAX_ANSWER_LENGTH} characters)") in section


# --- README's example ----------------------------------------------------------------------------

def test_readmes_derivation_examples_print_what_readme_shows(tmp_path):
    """Every `$ command` of README's "Derivations, line by line" run in a shell prints exactly
    the lines README shows under it (`$ cat FILE` shows a file the example uses: it is written)."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("### Derivations, line by line\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = section.split("```\n")[1::2]
    assert len(blocks) == 2
    ran = 0
    for block in blocks:
        for chunk in block.split("$ ")[1:]:
            command, _, shown = chunk.partition("\n")
            if command.startswith("cat "):
                (tmp_path / command[4:]).write_text(shown, encoding="utf-8")
                continue
            out = subprocess.run(["bash", "-c", command.replace("grader ", f"{sys.executable} -m grader ")],
                                 capture_output=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
            assert out.stderr == b"", out.stderr
            assert out.stdout.decode("utf-8") == shown, command
            ran += 1
    assert ran == 4
