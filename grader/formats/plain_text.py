"""How a score, a submission's status and a part's verdict read in every output, so that the
gradebook, the feedback, JUnit, Gradescope and the reports never disagree on a number or a word."""
from __future__ import annotations

from typing import Optional

from grader.show.escape import one_line
from grader.model import ERROR, PARTIAL, SUBMISSION_NOT_GRADED, PartResult, Problem, SubmissionResult
from grader.number_format import format_score

__all__ = ["columns", "format_score", "points_text", "STATUS_WORDS", "status_text", "part_text"]


def columns(problems: dict[str, Problem]) -> list[tuple[str, str, float]]:
    """``(problem id, part id, points)`` in bank order: problem ids sorted, parts in file order."""
    return [(pid, part.id, float(part.points)) for pid in sorted(problems) for part in problems[pid].parts]


def points_text(result: SubmissionResult) -> str:
    """"3 / 4": a submission's score out of its points."""
    return f"{format_score(result.score)} / {format_score(result.max_score)}"


STATUS_WORDS = {"graded": "graded", "partial": "partially graded", "error": "error", "not-graded": "not graded"}


def status_text(r: SubmissionResult) -> str:
    """What happened to a submission, in one cell: `graded`, `partially graded: <what was not>`
    or `error: <why>`, so a row of zeros is never mistaken for a graded one."""
    word = STATUS_WORDS.get(str(r.status), str(r.status))
    if r.status in (ERROR, PARTIAL, SUBMISSION_NOT_GRADED) and r.message:
        return f"{word}: {one_line(r.message)}"
    return word


def part_text(p: PartResult, error: Optional[str] = None) -> str:
    """A part's verdict as plain lines (a JUnit failure, a Gradescope test's output); `error`:
    why the whole submission could not be graded, said first."""
    v = p.verdict
    lines = []
    if error:
        lines.append(f"Submission could not be graded: {error}")
    if p.answer is not None:
        lines.append(f"Answer: {p.answer}")
    if v.interpreted:
        lines.append(f"Read as: {v.interpreted}")
    lines.append(f"Verdict: {v.status} ({format_score(v.score)} / {format_score(v.max_score)})")
    lines.extend(v.feedback)
    return "\n".join(lines)
