"""The example notebook (examples/grader-in-a-notebook.ipynb) executed in a real Jupyter kernel
(nbclient + ipykernel): every cell runs, the results show themselves as HTML with MathML,
Markdown and plain text, and the outputs are exactly the ones committed with the notebook (so
what a reader sees on the repository page is what the code produces)."""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "examples" / "grader-in-a-notebook.ipynb"


def _outputs(nb):
    """Each code cell's outputs; consecutive stream pieces joined (the kernel may split them)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        items = []
        for o in cell.outputs:
            if o.output_type == "stream" and items and items[-1]["type"] == "stream" \
                    and items[-1]["name"] == o.name:
                items[-1]["text"] += o.text
                continue
            items.append({"type": o.output_type, "name": o.get("name"), "data": dict(o.get("data", {})),
                          "text": o.get("text")})
        out.append(items)
    return out


@pytest.fixture(scope="module")
def executed():
    committed = nbformat.read(NOTEBOOK, as_version=4)
    nb = copy.deepcopy(committed)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(REPO)}}).execute()
    return committed, _outputs(nb)


def test_every_cell_runs_without_an_error(executed):
    _, outputs = executed
    assert all(o["type"] != "error" for cell in outputs for o in cell)
    assert len(outputs) == 7 and all(outputs)


def test_outputs_are_the_committed_ones(executed):
    committed, outputs = executed
    assert outputs == _outputs(committed)


def test_problem_and_verdicts_show_themselves(executed):
    _, outputs = executed
    sheet = outputs[0][0]["data"]
    assert sheet["text/html"].startswith('<section class="grader-problem"><h2>The sigmoid activation and its derivative')
    assert sheet["text/markdown"].startswith("### The sigmoid activation and its derivative")
    wrong = outputs[1][0]["data"]
    assert wrong["text/plain"] == ("Incorrect  (0/2 points)\nInterpreted as: 1/1 + e^(−z)\n"
                                   "At z = 2.86, your answer is 1.057 but the expected value is 0.05125.")
    assert '<strong class="grader-status">Incorrect</strong>' in wrong["text/html"]
    assert "<mfrac><mn>1</mn><mn>1</mn></mfrac>" in wrong["text/html"]
    assert wrong["text/markdown"].startswith("**Incorrect** (0/2 points)")
    assert outputs[2][0]["data"]["text/plain"].startswith("Correct  (2/2 points)")
    assert "<munder><mo>∑</mo><mi>k</mi></munder>" in outputs[3][0]["data"]["text/html"]
    assert outputs[4][0]["data"]["text/plain"] == "  e^(-z)/(1+e^(-z)^2\n         ^\nThis '(' is never closed."
    assert outputs[5][0]["text"].startswith("incorrect 0.0 1.0\nIncorrect  (0/1 point)\n")
    assert outputs[6][0]["text"] == "bob 3.0 of 66.0\n"
