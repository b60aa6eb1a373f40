"""A derivation checked from a notebook: `grader.check` gives a CheckResult whose `steps` are the
marked lines, and which shows them in a real Jupyter kernel (nbclient + ipykernel) as HTML
(marks, MathML, the reason under the wrong line), Markdown and plain text."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import grader
from grader import Step, StepStatus

REPO = Path(__file__).resolve().parent.parent
SLIP = "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l"
GOOD = "dc/dW_(ij)^l\n= dz_j^l/dW_(ij)^l * dc/dz_j^l\n= a_i^(l-1) * delta_j^l"
SLIP_TEXT = """Incorrect  (0/2 points)
  1 ▸ ∂c/∂W_ij^(l)
  2 ✗ ∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)
      Line 2 does not follow from line 1.
      z_i^(l) has the wrong unit: it should be z_j^(l).
  3 ✗ a_i^(l−1)·δ_j^(l)
      Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2."""


@pytest.fixture(scope="module")
def shown():
    """What a notebook displays for a chain with the course solution's slip and a correct one."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"import grader\ngrader.check('derivation-homework', 'dc-dW', {SLIP!r})"),
        nbformat.v4.new_code_cell(f"grader.check('derivation-homework', 'dc-dW', {GOOD!r})"),
        nbformat.v4.new_code_cell(f"[s.status for s in grader.check('derivation-homework', 'dc-dW', {SLIP!r}).steps]"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    return [cell.outputs[0]["data"] for cell in nb.cells]


def test_steps_are_the_marked_lines():
    result = grader.check("derivation-homework", "dc-dW", SLIP)
    assert result.steps == (
        Step(1, "dc/dW_(ij)^l", StepStatus.START, (), "∂c/∂W_ij^(l)"),
        Step(2, "dz_i^l/dW_(ij)^l * dc/dz_i^l", StepStatus.INCORRECT,
             ("Line 2 does not follow from line 1.", "z_i^(l) has the wrong unit: it should be z_j^(l)."),
             "∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)"),
        Step(3, "a_i^(l-1) * delta_j^l", StepStatus.INCORRECT,
             ("Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2.",),
             "a_i^(l−1)·δ_j^(l)"))
    assert grader.check("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2").steps == ()


def test_a_slip_shows_as_plain_text(shown):
    assert shown[0]["text/plain"] == SLIP_TEXT
    assert str(grader.check("derivation-homework", "dc-dW", SLIP)) == SLIP_TEXT
    assert shown[2]["text/plain"] == "['start', 'incorrect', 'incorrect']"


def test_a_slip_shows_as_html_with_the_reason_at_its_line(shown):
    html = shown[0]["text/html"]
    assert html.startswith('<div class="grader-verdict grader-incorrect"><p><strong class="grader-status">Incorrect'
                           '</strong> <span class="grader-score">(0/2 points)</span></p><ol class="grader-steps">'
                           '<li class="grader-step grader-step-start" value="1"><span class="grader-mark" role="img" '
                           'aria-label="start">▸</span> <span class="grader-line"><math ')
    second = html.split('value="2">')[1].split("</li></ul></li>")[0]
    assert second.startswith('<span class="grader-mark" role="img" aria-label="does not follow">✗</span> '
                             '<span class="grader-line"><math ')
    assert "<msubsup><mi>z</mi><mi>i</mi>" in second     # the line as MathML, with the slipped index
    assert second.endswith('<ul class="grader-step-feedback"><li>Line 2 does not follow from line 1.</li>'
                           '<li>z_i^(l) has the wrong unit: it should be z_j^(l).')
    assert html.count("<math ") == 3 and "Interpreted as" not in html


def test_a_slip_shows_as_markdown(shown):
    assert shown[0]["text/markdown"] == (
        "**Incorrect** (0/2 points)\n\n"
        "* line 1 ▸ `dc/dW_(ij)^l` (start), read as `∂c/∂W_ij^(l)`\n"
        "* line 2 ✗ `dz_i^l/dW_(ij)^l * dc/dz_i^l` (does not follow), read as `∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)`\n"
        "  - Line 2 does not follow from line 1.\n"
        "  - z\\_i^(l) has the wrong unit: it should be z\\_j^(l).\n"
        "* line 3 ✗ `a_i^(l-1) * delta_j^l` (does not follow), read as `a_i^(l−1)·δ_j^(l)`\n"
        "  - Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2.\n")


def test_a_correct_chain_shows_full_marks(shown):
    data = shown[1]
    assert data["text/plain"].startswith("Correct  (2/2 points)\n  1 ▸ ∂c/∂W_ij^(l)\n  2 ✓ ")
    assert data["text/plain"].endswith("\nEvery step follows, from ∂c/∂W_ij^(l) to a_i^(l−1)·δ_j^(l).")
    assert data["text/html"].count('aria-label="follows">✓</span>') == 2
    assert data["text/html"].endswith('</ol><ul class="grader-feedback"><li>Every step follows, from ∂c/∂W_ij^(l) '
                                      'to a_i^(l−1)·δ_j^(l).</li></ul></div>')
    assert data["text/markdown"].endswith("(follows), read as `a_i^(l−1)·δ_j^(l)`\n\n"
                                          "- Every step follows, from ∂c/∂W\\_ij^(l) to a\\_i^(l−1)·δ\\_j^(l).\n")
