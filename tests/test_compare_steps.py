"""An instructor's check of any chain (issue 25, item 5): `grader compare --steps FILE` (or `-`)
compares each line with the line before it exactly as `grader compare` compares two
expressions, with the same options, in text and JSON; bad input gets our own message."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import grader
from test_cli_derivations import run

REPO = Path(__file__).resolve().parent.parent

CHAIN = "x*(1-x)\n= x - x^2\n= x + x^2\n= x+(\n= x + x*x\n"
CHAIN_TEXT = """\
  1 ▸ x·(1 − x)
  2 ✓ x − x²
  3 ✗ x + x²
      A sign is wrong: x + x² should be x − x².
  4 ! x+(
      x+(
         ^
      Line 4 cannot be read. The answer ends too early: something is missing at the end.
  5 ✓ x + x·x
      Line 5 is equivalent to line 3.
invalid: Line 3 is not equivalent to the line before it. Line 4 cannot be compared.
"""
CHAIN_JSON = {
    "status": "invalid",
    "message": "Line 3 is not equivalent to the line before it. Line 4 cannot be compared.",
    "steps": [
        {"line": 1, "status": "start"},
        {"line": 2, "status": "equivalent", "message": "Line 2 is equivalent to line 1."},
        {"line": 3, "status": "different", "message": "A sign is wrong: x + x² should be x − x²."},
        {"line": 4, "status": "invalid",
         "message": "Line 4 cannot be read. The answer ends too early: something is missing at the end."},
        {"line": 5, "status": "equivalent", "message": "Line 5 is equivalent to line 3."},
    ],
}
EVERY_LINE = "equivalent: Every line is equivalent to the line before it.\n"


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def steps(text: str, *options: str):
    return run("compare", "--steps", "-", *options, input=text)


# --- text and JSON ---------------------------------------------------------------------------

def test_each_line_against_the_one_before_in_text_and_json(tmp_path):
    path = tmp_path / "chain.txt"
    path.write_text(CHAIN, encoding="utf-8")
    text = run("compare", "--steps", path)
    assert (text.exit_code, text.stdout, text.stderr) == (1, CHAIN_TEXT, "")
    as_json = run("compare", "--steps", path, "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == CHAIN_JSON


def test_a_chain_of_equivalent_lines_exits_0():
    result = steps("x*(1-x)\n= x - x^2\n=x-x*x\n")
    assert (result.exit_code, result.stdout) == (0, "  1 ▸ x·(1 − x)\n  2 ✓ x − x²\n  3 ✓ x − x·x\n" + EVERY_LINE)
    data = json.loads(steps("x*(1-x)\n= x - x^2\n", "--format", "json").stdout)
    assert data == {"status": "equivalent", "message": "Every line is equivalent to the line before it.",
                    "steps": [{"line": 1, "status": "start"},
                              {"line": 2, "status": "equivalent", "message": "Line 2 is equivalent to line 1."}]}


def test_a_latex_aligned_paste_and_one_line_with_several_equals_are_chains():
    pasted = steps("\\begin{aligned} (x+1)^2 &= x^2 + 2x + 1 \\\\ &= x(x+2) + 1 \\quad \\text{factor} \\\\ "
                   "&= x(x+1) \\end{aligned}")
    assert pasted.exit_code == 1
    assert pasted.stdout == ("  1 ▸ (x + 1)²\n  2 ✓ x² + 2·x + 1\n  3 ✓ x·(x + 2) + 1\n  4 ✗ x·(x + 1)\n"
                             "      At x = -1.808, line 4 is 1.461 but line 3 is 0.6532.\n"
                             "different: Line 4 is not equivalent to the line before it.\n")
    one_line = steps("x^2 = x*x = x + x")
    assert one_line.stdout.splitlines()[-2:] == ["      Line 3 has a sum where line 2 has a product: x·x.",
                                                 "different: Line 3 is not equivalent to the line before it."]


def test_two_constants_that_differ():
    result = steps("1\n= 1.0001\n")
    assert result.stdout == ("  1 ▸ 1\n  2 ✗ 1.0001\n      Line 2 is not the value of line 1.\n"
                             "different: Line 2 is not equivalent to the line before it.\n")


# --- the options of grader compare ------------------------------------------------------------

@pytest.mark.parametrize("chain, options, status", [
    ("sqrt(x^2)\n= x\n", [], 1),
    ("sqrt(x^2)\n= x\n", ["--positive", "x"], 0),
    ("sqrt(x^2)\n= x\n", ["--where", "x > 0"], 0),
    ("f(x)*2\n= 2*f(x)\n", ["--function", "f"], 0),
    ("1\n= 1.0001\n", ["--tolerance", "0.01"], 0),
    ("1\n= 1.0001\n", ["--rtol", "0.01"], 0),
    ("x\n= 2\n", [], 1),
    ("x\n= 2\n", ["--let", "x=2"], 0),
], ids=["plain", "positive", "where", "function", "tolerance", "rtol", "no-let", "let"])
def test_each_step_takes_compares_options(chain, options, status):
    result = steps(chain, *options)
    assert result.exit_code == status, result.stdout
    assert result.stdout.endswith(EVERY_LINE) == (status == 0)
    lines = chain.split("\n")
    assert result.exit_code == run("compare", lines[0], lines[1].lstrip("= "), *options).exit_code


def test_an_undeclared_function_is_refused_as_compare_refuses_it():
    result = steps("f(x)*2\n= 2*f(x)\n")
    assert (result.exit_code, result.stdout) == (
        1, "invalid: Unknown function 'f': declare it with --function f if it stands for any function, or write "
           "f*(...) for a product.\n")


def test_names_come_from_every_line_together():
    """`w` is a name (line 3 uses it alone), so `w(x+1)` is a product on every step: compared
    pair by pair, lines 1 and 2 would call `w` an unknown function."""
    result = steps("w(x+1)\n= w(x) + w(1)\n= w*x + w\n")
    assert (result.exit_code, result.stdout) == (0, "  1 ▸ w·(x + 1)\n  2 ✓ w·x + w·1\n  3 ✓ w·x + w\n" + EVERY_LINE)


def test_with_a_problem_its_names_network_and_diagnoses():
    result = steps("dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= dz_j^l/dW_(ij)^l * dc/dz_j^l\n"
                   "= a_i^(l-1) * delta_j^l\n", "--problem", "derivation-homework")
    assert result.exit_code == 1
    assert result.stdout == (
        "  1 ▸ ∂c/∂W_ij^(l)\n"
        "  2 ✗ ∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)\n"
        "      z_i^(l) has the wrong unit: it should be z_j^(l).\n"
        "  3 ✗ ∂z_j^(l)/∂W_ij^(l)·∂c/∂z_j^(l)\n"
        "      The subscripts of W_ij^(l) are in the wrong order: check which unit each index counts.\n"
        "  4 ✓ a_i^(l−1)·δ_j^(l)\n"
        "different: Lines 2 and 3 are not equivalent to the line before them.\n")


def test_a_derivation_part_compares_its_lines_as_expressions():
    """--part of a derivation part: each line is an expression in its world (it was read as a
    one-line chain: 'A derivation is a chain of equalities...')."""
    two = run("compare", "--problem", "derivation-homework", "--part", "dc-db", "dc/db_j^l", "delta_j^l")
    assert (two.exit_code, two.stdout.splitlines()[-1]) == (0, "equivalent: The two expressions are equivalent.")
    chain = steps("dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= delta_j^l\n",
                  "--problem", "derivation-homework", "--part", "dc-db")
    assert (chain.exit_code, chain.stdout.splitlines()[-1]) == (0, EVERY_LINE.rstrip("\n"))


def test_the_library_returns_a_frozen_outcome():
    outcome = grader.compare_steps("x^2\n= x*x", positive=["x"])
    assert isinstance(outcome, grader.StepsOutcome)
    assert (outcome.status, [s.status for s in outcome.steps]) == ("equivalent", ["start", "equivalent"])
    assert outcome.steps[1] == grader.StepOutcome(2, "x*x", "equivalent", "Line 2 is equivalent to line 1.", "x·x",
                                                  None, 1)
    with pytest.raises(AttributeError):
        outcome.status = "different"


# --- bad input --------------------------------------------------------------------------------

NOTHING = "invalid: There is nothing to compare: write at least two expressions, one per line (a line may start " \
          "with '=').\n"


@pytest.mark.parametrize("chain, said", [
    ("", NOTHING),
    ("\n\n", NOTHING),
    ("x^2\n", NOTHING),
    ("".join(f"= x + {i}\n" for i in range(200)),
     "invalid: This derivation has 200 lines; the grader reads up to 40. Keep the steps that matter.\n"),
    ("x^2\n= x*x < 3\n", "invalid: Line 2 has '<': a derivation here is a chain of equalities, one expression per "
                         "line or joined by '='. Write each step as '= ...', and put remarks in words outside the "
                         "answer.\n"),
    ("x^2\n= x*x\n\\leq x^3\n", "invalid: Line 3 has 'leq': a derivation here is a chain of equalities, one "
                                "expression per line or joined by '='. Write each step as '= ...', and put remarks "
                                "in words outside the answer.\n"),
    ("x^2 = = x*x\n", "invalid: Line 1 has two '=' with nothing between them.\n"),
], ids=["empty", "blank-lines", "one-line", "200-lines", "inequality", "latex-inequality", "two-equals"])
def test_a_chain_that_cannot_be_compared_says_why(chain, said):
    result = steps(chain)
    assert (result.exit_code, result.stdout, result.stderr) == (1, said, "")
    data = json.loads(steps(chain, "--format", "json").stdout)
    assert data == {"status": "invalid", "message": said[len("invalid: "):].rstrip("\n"), "steps": []}


def test_a_line_that_does_not_parse_has_its_number_and_caret():
    result = steps("x^2\n= x*x\n= x*)x\n= x^2\n")
    assert result.exit_code == 1
    assert result.stdout == ("  1 ▸ x²\n  2 ✓ x·x\n  3 ! x*)x\n      x*)x\n        ^\n"
                             "      Line 3 cannot be read. This ')' has no matching opening bracket.\n"
                             "  4 ✓ x²\n      Line 4 is equivalent to line 2.\n"
                             "invalid: Line 3 cannot be compared.\n")


def test_an_unreadable_first_line_leaves_the_second_nothing_to_compare_with():
    data = json.loads(steps("x+\n= x\n= 2*x/2\n", "--format", "json").stdout)
    assert data["status"] == "invalid"
    assert data["steps"] == [
        {"line": 1, "status": "invalid",
         "message": "Line 1 cannot be read. The answer ends too early: something is missing at the end."},
        {"line": 2, "status": "invalid", "message": "There is no readable line before this one to compare it with."},
        {"line": 3, "status": "equivalent", "message": "Line 3 is equivalent to line 2."}]


@pytest.mark.parametrize("args, said", [
    (["compare", "--steps", "{tmp}/nowhere.txt"], "Error: cannot read the file {tmp}/nowhere.txt: no such file or "
                                                  "folder.\n"),
    (["compare", "--steps", "{tmp}"], "Error: cannot read the file {tmp}: it is a folder, not a file.\n"),
    (["compare", "--steps", "{tmp}/binary"], "Error: the file {tmp}/binary is not text (byte 3 is not a character): "
                                             "it should hold a chain of expressions, one per line, saved as plain "
                                             "text (UTF-8).\n"),
    (["compare", "--steps", "{tmp}/chain.txt", "x"], "Error: compare --steps takes the expressions from FILE, not "
                                                     "from the command line (got 1 more).\n"),
    (["compare", "--steps", "{tmp}/chain.txt", "--part", "dc-db"], "Error: --part needs --problem.\n"),
], ids=["missing", "folder", "binary", "expressions-too", "part-alone"])
def test_a_file_that_cannot_be_a_chain_is_refused_with_exit_2(tmp_path, args, said):
    (tmp_path / "binary").write_bytes(b"x\n\x00\x01")
    (tmp_path / "chain.txt").write_text("x\n= x\n", encoding="utf-8")
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", said.format(tmp=tmp_path))


def test_standard_input_over_the_limit_is_refused():
    result = steps("x" * 100_001)
    assert (result.exit_code, result.stderr) == (
        2, "Error: standard input has more than 100,000 bytes; it should hold a chain of expressions, one per line.\n")


# --- a real process ----------------------------------------------------------------------------

def test_a_real_process_reads_the_chain_from_a_pipe(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_PROBLEMS", "NO_COLOR", "PYTHONIOENCODING")}
    env.update({"PYTHONPATH": str(REPO), "PYTHONUTF8": "1"})
    command = [sys.executable, "-m", "grader", "compare", "--steps", "-"]
    as_json = subprocess.run([*command, "--format", "json"], input=CHAIN.encode(), capture_output=True, env=env,
                             cwd=tmp_path, timeout=120)
    assert (as_json.returncode, as_json.stderr) == (1, b"")
    assert json.loads(as_json.stdout) == CHAIN_JSON
    text = subprocess.run(command, input=CHAIN.encode(), capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert (text.returncode, text.stdout.decode("utf-8")) == (1, CHAIN_TEXT)
    right = subprocess.run(command, input=b"x^2\n= x*x\n", capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert (right.returncode, right.stdout.decode("utf-8")) == (0, "  1 ▸ x²\n  2 ✓ x·x\n" + EVERY_LINE)


def test_a_chain_is_compared_within_one_time_budget():
    """39 slow lines once took 36 s: the chain now has the budget a derivation has, and the
    steps left when it is spent are said to be too complex, in our words."""
    from grader.checking.checker import compare_steps
    slow = "\n".join(f"= sum_k sum_m x_k*y_m*{i}" for i in range(6))
    outcome = compare_steps("x_1\n" + slow, seconds=0.0)
    assert outcome.status == "invalid"
    assert [s.status for s in outcome.steps[1:]] == ["invalid"] * 6
    assert outcome.steps[1].message.endswith("It took longer than 0 seconds.")
