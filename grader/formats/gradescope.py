"""Gradescope's autograder results (results.json, one per student): the score, a test per
part with its verdict as text, and the submission's note or values on top."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

from grader.show.values import values_sentences
from grader.formats.files import atomic_write
from grader.formats.json_text import encode, json_list, json_object, rounded
from grader.formats.plain_text import part_text
from grader.model import CORRECT, PartResult, SubmissionResult

__all__ = ["gradescope_json", "write_gradescope"]


def _output(result: SubmissionResult) -> Optional[str]:
    lines = values_sentences(result)        # per-student values: the id and values, stated
    if result.status == "error":
        lines.insert(0, f"Your submission could not be graded: {result.message}")
    elif result.message:
        lines.insert(0, result.message)
    return "\n".join(lines) or None


@lru_cache(maxsize=4096)
def _test_json(p: PartResult) -> str:
    """One part's test object (keys in sorted order); a class repeats the same few: made once."""
    v = p.verdict
    return json_object([
        ("max_score", encode(rounded(v.max_score))), ("name", encode(f"{p.problem}/{p.part}")),
        ("output", encode(part_text(p))), ("score", encode(rounded(v.score))),
        ("status", '"passed"' if v.status == CORRECT else '"failed"'), ("visibility", '"visible"')], 2)


def gradescope_json(result: SubmissionResult) -> str:
    """One student's results.json, the bytes of json.dumps(sort_keys=True, indent=2,
    ensure_ascii=False) of Gradescope's format, each part's text encoded once."""
    output = _output(result)
    pairs = [("output", encode(output))] if output is not None else []
    pairs += [("score", encode(result.score)), ("stdout_visibility", '"hidden"'),
              ("tests", json_list([_test_json(p) for p in result.parts], 1)),
              ("visibility", '"visible"')]
    return json_object(pairs, 0) + "\n"


def write_gradescope(result: SubmissionResult, path: Path | str) -> None:
    """Write one student's Gradescope results.json atomically (e.g. /autograder/results/results.json)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, gradescope_json(result))
