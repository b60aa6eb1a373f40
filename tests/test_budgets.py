"""Budgets for a whole class run (issue 23, item 8): a per-student and a per-run time budget
bound what slow answers cost (those left are graded "too complex to check", and every
submission still gets its row); answer files are read under a size and a time limit. Behaviour
only: no speed is asserted here (bench/ measures it).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader import limits
from grader.authoring import yamlsafe
from grader.classes.classrun import grade_class

ROOT = Path(__file__).resolve().parent.parent
RIGHT = "e^(-z)/(1+e^(-z))^2"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rows(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads((out / "results.json").read_text())}


def parts(row: dict) -> dict[tuple[str, str], dict]:
    return {(p["problem"], p["part"]): p for p in row["parts"]}


def test_an_answer_file_over_the_size_limit_gets_its_row_with_the_reason(tmp_path):
    src = tmp_path / "class"
    big = "sigmoid:\n" + "".join(f"  p{i}: z+{i}\n" for i in range(40_000))
    assert len(big.encode()) > limits.ANSWER_FILE_MAX_BYTES
    write(src / "ann" / "answers.yaml", big)
    write(src / "bob" / "answers.yaml", f"sigmoid:\n  derivative: {RIGHT}\n")
    run = grade_class(src, tmp_path / "out", ROOT / "problems", jobs=1)
    assert run.exit_code == 3
    ann = rows(tmp_path / "out")["ann"]
    assert (ann["status"], ann["message"]) == (
        "error", f"answers.yaml is too large ({len(big.encode()):,} bytes; an answer file may have at most "
                 f"262,144 bytes, far more than a whole assignment's answers need)")
    assert rows(tmp_path / "out")["bob"]["status"] == "graded"


def test_an_answer_file_is_read_under_a_time_limit():
    text = "sigmoid:\n" + "".join(f"  p{i}: z+{i}\n" for i in range(3000))
    assert len(yamlsafe.load(text, max_seconds=60)["sigmoid"]) == 3000
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load(text, max_seconds=0)
    assert caught.value.message == ("the file takes too long to read (more than 0 seconds); a file of answers is "
                                    "read in a fraction of that")


def test_the_readme_states_the_answer_file_limits_the_code_has():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(r"answer file over ([\d,]+) bytes.*?more than ([\d.]+) seconds to read", readme)
    assert stated, "README's paragraph on answer files"
    assert [float(x.replace(",", "")) for x in stated.groups()] == [
        limits.ANSWER_FILE_MAX_BYTES, limits.ANSWER_FILE_PARSE_SECONDS]
