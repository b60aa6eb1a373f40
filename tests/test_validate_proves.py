"""`grader validate` proves a network problem's references (issue 24, item 6).

What a part asks for (`asks: dC/dz_j^L`) has a true value in every sampled network, computed
from the network itself; a reference that differs from it is wrong whatever the part's own
tests say, because the same hand wrote both. These tests plant errors that the rest of
validate cannot see and check that validate names the part, its line and a point where it fails.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grader

ROOT = Path(__file__).resolve().parents[1]

# a network problem whose reference, mistake rule and tests all agree with each other: only the
# network can tell which of them is right
PROBLEM = """\
title: Output error, planted
statement: The quadratic cost C = 1/2 sum_j (a_j^L - y_j)^2, with a_j^L = f(z_j^L).
symbols:
  a: {{kind: indexed, subscripts: 1, superscript: true}}
  z: {{kind: indexed, subscripts: 1, superscript: true}}
  y: {{kind: indexed, subscripts: 1}}
  f: function
  C: scalar
network: {{weighted-input: z, activation: a, function: f, target: y, cost: C, loss: quadratic}}
indices: {{j: unit, L: last}}
parts:
  - id: delta-L
    prompt: What is dC/dz_j^L?
    kind: expression
    answer: "{reference}"
    asks: "dC/dz_j^L"
    points: 1
    mistakes:
      - answer: "{mistake}"
        message: A mistake.
        tag: planted
    tests:
      - {{answer: "{reference}", status: correct}}
"""


def write(tmp_path: Path, reference: str, mistake: str) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "planted.yaml").write_text(PROBLEM.format(reference=reference, mistake=mistake), encoding="utf-8")
    return folder


def messages(folder: Path) -> list[str]:
    return [str(i) for i in grader.validate([folder])]


def test_a_right_network_problem_is_valid(tmp_path):
    assert messages(write(tmp_path, "(a_j^L - y_j)*f'(z_j^L)", "a_j^L - y_j")) == []


def test_a_sign_error_its_own_tests_agree_with_is_found_with_the_point_where_it_fails(tmp_path):
    folder = write(tmp_path, "(y_j - a_j^L)*f'(z_j^L)", "a_j^L - y_j")
    [found] = messages(folder)
    assert found.startswith(f"{folder / 'planted.yaml'}:12: part 'delta-L': the reference answer "
                            f"'(y_j - a_j^L)*f'(z_j^L)' is not dC/dz_j^L: in a random network (L = ")
    assert ", j = " in found and " where dC/dz_j^L is " in found
    # the point is real: the two values it names differ, and are opposite (a sign error)
    got, truth = found.split(") it gives ")[1].split(" where dC/dz_j^L is ")
    assert float(got) == -float(truth) != 0


def test_a_mistake_rule_that_is_the_right_answer_is_found(tmp_path):
    folder = write(tmp_path, "(a_j^L + y_j)*f'(z_j^L)", "(a_j^L - y_j)*f'(z_j^L)")
    found = messages(folder)
    assert any(m.startswith(f"{folder / 'planted.yaml'}:12: part 'delta-L': the reference answer") for m in found)
    assert f"{folder / 'planted.yaml'}:19: part 'delta-L': mistake 'planted' ('(a_j^L - y_j)*f'(z_j^L)') equals " \
           f"dC/dz_j^L in every random network: it is the right answer, not a mistake" in found


def test_a_copy_of_the_bank_with_a_planted_sign_error_fails_validate_naming_the_part(tmp_path):
    bank = tmp_path / "problems"
    shutil.copytree(ROOT / "problems", bank)
    path = bank / "param-gradients.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'answer: "a_k^(l-1)*delta_j^l"' in text
    path.write_text(text.replace('answer: "a_k^(l-1)*delta_j^l"', 'answer: "-a_k^(l-1)*delta_j^l"', 1),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "grader", "validate", str(bank)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 5, done.stdout + done.stderr
    assert (f"param-gradients.yaml:" in done.stdout + done.stderr
            and "part 'dC-dw': the reference answer '-a_k^(l-1)*delta_j^l' is not dC/dw_(jk)^l: in a random network ("
            in done.stdout + done.stderr)
    clean = subprocess.run([sys.executable, "-m", "grader", "validate", str(ROOT / "problems")], capture_output=True,
                           text=True, cwd=tmp_path, timeout=300)
    assert clean.returncode == 0, clean.stdout + clean.stderr
