"""Sentences about per-student values, for a student at a terminal: which values were used."""
from __future__ import annotations

from grader.checking.variants import varied_text
from grader.model import Problem

STUDENT_ENV = "GRADER_STUDENT"


def course_values_note(problem: Problem) -> str:
    """What `check` says when a per-student problem is checked without an id."""
    return (f"Note: {problem.id} gives each student their own values; this used the course's values "
            f"({varied_text(problem, dict(problem.given))}). To use yours: --student ID, "
            f"or set {STUDENT_ENV}=ID.")


def own_values_line(problem: Problem, student: str, values: dict) -> str:
    return f"Student {student}: your values for {problem.id} are {varied_text(problem, values)}."
