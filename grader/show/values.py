"""Sentences about per-student values: which values a student's answers were graded with
(the terminal, the feedback files and Gradescope all state them the same way)."""
from __future__ import annotations

from typing import Optional

from grader.checking.variants import values_text, varied_text
from grader.model import Problem, SubmissionResult

STUDENT_ENV = "GRADER_STUDENT"


def course_values_note(problem: Problem) -> str:
    """What `check` says when a per-student problem is checked without an id."""
    return (f"Note: {problem.id} gives each student their own values; this used the course's values "
            f"({varied_text(problem, dict(problem.given))}). To use yours: --student ID, "
            f"or set {STUDENT_ENV}=ID.")


def shared_values_note(problem: Problem) -> str:
    """What `check --student ID` says when the problem could draw per-student values but they are
    off: the student's handout may come from an assignment that switches them on."""
    return (f"Note: {problem.id} uses the course's values for everyone here "
            f"({varied_text(problem, dict(problem.given))}). If your handout gives you other values, "
            f"add --assignment FILE (your course's assignment file).")


def own_values_line(problem: Problem, student: str, values: dict) -> str:
    return f"Student {student}: your values for {problem.id} are {varied_text(problem, values)}."


def values_sentences(result: SubmissionResult, problems: Optional[dict[str, Problem]] = None) -> list[str]:
    """"Your values for two-layer-example (student bob): x = 2, ...": every output states them."""
    out = []
    for pid, vals in result.values:
        problem = (problems or {}).get(pid)
        shown = varied_text(problem, dict(vals)) if problem is not None else values_text(dict(vals))
        out.append(f"Your values for {pid} (drawn for student {result.student}): {shown}")
    return out
