"""Recognise a wrong number that is right for other values.

With per-student values, the commonest wrong answer is a right computation with the wrong
numbers: the course's worked example copied, or a classmate's answer shared. Both deserve
feedback that says so instead of "That is not the right value.". Only short answers (plain
numbers, typically) to numeric parts of per-student problems are re-checked, so the extra work
stays small and bounded.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Optional, Sequence

from grader.limits import OTHER_VALUES_MAX_ANSWER, OTHER_VALUES_MAX_OTHERS
from grader.model import CORRECT, INCORRECT, NUMERIC, Part, Problem, Verdict
from grader.checking.variants import student_values, varied_text
from grader.checking import checker

COURSE_VALUES = "course-values"          # rule tags: reports count them like any diagnosis
OTHER_STUDENT_VALUES = "other-student-values"

ValuesKey = tuple[tuple[str, float], ...]


def _key(values: dict[str, float]) -> ValuesKey:
    return tuple(sorted((str(k), float(v)) for k, v in values.items()))


def classmates_values(problems: dict[str, Problem], students: Iterable[str]) -> dict[str, tuple[ValuesKey, ...]]:
    """For each per-student problem, the distinct value sets of a class (sorted, at most
    OTHER_VALUES_MAX_OTHERS): what an answer shared between students would have been computed from."""
    chosen = {pid: p for pid, p in problems.items() if p.per_student}
    if not chosen:
        return {}
    seen: dict[str, set[ValuesKey]] = {pid: set() for pid in chosen}
    for s in students:       # streamed: memory grows with the distinct value sets, not the class
        for pid, problem in chosen.items():
            seen[pid].add(_key(student_values(problem, s) or {}))
    return {pid: tuple(sorted(keys)[:OTHER_VALUES_MAX_OTHERS]) for pid, keys in seen.items()}


def _default_check(problem, part, answer, values=None) -> Verdict:
    return checker.check(problem, part, answer, values)


def recognise(problem: Problem, part: Part, answer: Optional[str], verdict: Verdict,
              own: Optional[dict[str, float]], others: Sequence[ValuesKey] = (),
              check: Callable[..., Verdict] = _default_check) -> Verdict:
    """`verdict` with feedback naming the values the answer was computed from, when a wrong
    answer is right for the course's values or for another student's; otherwise unchanged."""
    if (own is None or not problem.per_student or part.kind != NUMERIC or verdict.status != INCORRECT
            or verdict.score != 0 or not isinstance(answer, str) or len(answer) > OTHER_VALUES_MAX_ANSWER):
        return verdict
    course = dict(problem.given)
    mine = _key(own)
    if mine != _key(course) and check(problem, part, answer, None).status == CORRECT:
        return replace(verdict, rule=COURSE_VALUES, feedback=(
            f"That is the right value for the course's values ({varied_text(problem, course)}), "
            f"but your values are {varied_text(problem, own)}: redo the computation with yours.",))
    for key in others:
        if key == mine or key == _key(course):
            continue
        if check(problem, part, answer, dict(key)).status == CORRECT:
            return replace(verdict, rule=OTHER_STUDENT_VALUES, feedback=(
                f"That is the right value for another student's values, not for yours "
                f"({varied_text(problem, own)}): redo the computation with your own values.",))
    return verdict
