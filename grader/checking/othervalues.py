"""Recognise a wrong number that is right for other values.

With per-student values, the commonest wrong answer is a right computation with the wrong
numbers: the course's worked example redone (one number is evidence enough: `recognise`), or a
classmate's answers shared (only several parts agreeing with one classmate's values are:
`recognise_classmate`). Both deserve feedback that says so instead of "That is not the right
value.". Only short answers (plain numbers, typically) to numeric parts of per-student problems
are re-checked, so the extra work stays small and bounded.
"""
from __future__ import annotations

import re
from bisect import insort
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional, Sequence

from grader.limits import (
    OTHER_VALUES_MAX_ANSWER, OTHER_VALUES_MAX_NAMED, OTHER_VALUES_MAX_OTHERS, OTHER_VALUES_MIN_PARTS,
)
from grader.model import CORRECT, INCORRECT, NUMERIC, Part, Problem, Tolerance, Verdict
from grader.checking.variants import student_values, varied_text
from grader.checking import checker
from grader.checking.tolerance import last_place

COURSE_VALUES = "course-values"          # rule tags: reports count them like any diagnosis
OTHER_STUDENT_VALUES = "matches-another-students-values"   # + "-on-N-parts": `classmate_rule`

ValuesKey = tuple[tuple[str, float], ...]


def _key(values: dict[str, float]) -> ValuesKey:
    return tuple(sorted((str(k), float(v)) for k, v in values.items()))


@dataclass(frozen=True)
class Classmates:
    """A class's value sets. `values`: for each per-student problem, the distinct sets (sorted,
    at most OTHER_VALUES_MAX_OTHERS), what grading compares wrong numbers with: anonymous, so no
    verdict ever holds a classmate's id. `owners`: whose each of those sets is, by (problem id,
    set): the first OTHER_VALUES_MAX_NAMED ids in order, and whether there are more. Only the
    instructor's outputs read it (`whose`): a student's feedback must never name a classmate."""

    values: dict[str, tuple[ValuesKey, ...]]
    owners: dict[tuple[str, ValuesKey], tuple[tuple[str, ...], bool]]

    def whose(self, problem: str, key: ValuesKey, student: str) -> tuple[tuple[str, ...], bool]:
        """The classmates (not `student`) who have the value set `key`, and whether more do
        than are named; ((), False) for a set nobody in the class has."""
        names, more = self.owners.get((problem, tuple(key)), ((), False))
        return tuple(n for n in names if n != student), more


def classmates(problems: dict[str, Problem], students: Iterable[str]) -> Classmates:
    """The class's `Classmates`, its students streamed in any order (an id given twice counts
    once): memory grows with the distinct value sets, not the class."""
    chosen = {pid: p for pid, p in problems.items() if p.per_student}
    seen: dict[str, dict[ValuesKey, list[str]]] = {pid: {} for pid in chosen}
    for s in students:
        for pid, problem in chosen.items():
            names = seen[pid].setdefault(_key(student_values(problem, s) or {}), [])
            if s not in names and (len(names) <= OTHER_VALUES_MAX_NAMED or s < names[-1]):
                insort(names, s)
                del names[OTHER_VALUES_MAX_NAMED + 1:]     # one more than named: says there are more
    values = {pid: tuple(sorted(keys)[:OTHER_VALUES_MAX_OTHERS]) for pid, keys in seen.items()}
    return Classmates(values, {(pid, key): (tuple(seen[pid][key][:OTHER_VALUES_MAX_NAMED]),
                                            len(seen[pid][key]) > OTHER_VALUES_MAX_NAMED)
                               for pid, keys in values.items() for key in keys})


def classmates_values(problems: dict[str, Problem], students: Iterable[str]) -> dict[str, tuple[ValuesKey, ...]]:
    """For each per-student problem, the distinct value sets of a class (`Classmates.values`):
    what an answer shared between students would have been computed from."""
    return classmates(problems, students).values


def _default_check(problem, part, answer, values=None) -> Verdict:
    return checker.check(problem, part, answer, values)


def recognise(problem: Problem, part: Part, answer: Optional[str], verdict: Verdict,
              own: Optional[dict[str, float]], check: Callable[..., Verdict] = _default_check) -> Verdict:
    """`verdict` with feedback naming the course's values, when a wrong answer is right for
    them (the worked example redone, not the student's own values); otherwise unchanged."""
    if not _recheckable(problem, part, answer, verdict, own):
        return verdict
    course = dict(problem.given)
    if _key(own) != _key(course) and check(problem, part, answer, None).status == CORRECT:
        return replace(verdict, rule=COURSE_VALUES, feedback=(
            f"That is the right value for the course's values ({varied_text(problem, course)}), "
            f"but your values are {varied_text(problem, own)}: redo the computation with yours.",))
    return verdict


def _recheckable(problem: Problem, part: Part, answer, verdict: Verdict, own) -> bool:
    return (own is not None and problem.per_student and part.kind == NUMERIC and verdict.status == INCORRECT
            and verdict.score == 0 and isinstance(answer, str) and len(answer) <= OTHER_VALUES_MAX_ANSWER)


_PLAIN = re.compile(r"\s*[+-]?\d*(?:\.(\d*))?\s*")


def as_typed(part: Part, answer: str) -> Optional[Part]:
    """The part judged to the digits of a plain decimal answer: a number copied from a classmate
    is their exact value rounded to the digits typed, an honest slip almost never is. None when
    that is no evidence: an answer that is not a plain decimal, or one whose last digit is
    coarser than the part's tolerance (0.24 for a tolerance of 0.001 matches too much)."""
    m = _PLAIN.fullmatch(answer)
    if m is None or not any(c.isdigit() for c in answer):
        return None
    decimals = len(m.group(1) or "")
    if 10.0 ** -decimals > last_place(part.tolerance, abs(float(answer))) * (1 + 1e-9):
        return None
    return replace(part, tolerance=Tolerance(decimals=decimals))


def classmate_rule(parts: int) -> str:
    """The rule tag, which reports group and count: it says the evidence, not a verdict on the
    student (`matches-another-students-values-on-3-parts`)."""
    return f"{OTHER_STUDENT_VALUES}-on-{parts}-parts"


def recognise_classmate(problem: Problem, graded: Sequence[tuple[Part, Optional[str], Verdict]],
                        own: Optional[dict[str, float]], others: Sequence[ValuesKey] = (),
                        check: Callable[..., Verdict] = _default_check) -> dict[str, Verdict]:
    """The verdicts to replace (by part id) when a student's wrong numbers on one problem are the
    right ones for ONE classmate's value set on at least OTHER_VALUES_MIN_PARTS parts, each to
    every digit typed (`as_typed`); the parts the checker explains otherwise (a rounding or sign
    slip of the student's own value, an instructor's mistake rule) are no evidence.

    One wrong number within tolerance of some classmate's is no evidence: with a hundred value
    sets in a class, an honest slip (rounding, a digit off, x0.9) lands within tolerance of one
    of them a third of the time (bench/false_alarms.py measures it, and 0% with this rule).
    Without the evidence nothing changes: the ordinary feedback stands."""
    wrong = [(part, answer, verdict) for part, answer, verdict in graded
             if verdict.rule is None and _recheckable(problem, part, answer, verdict, own)]
    if len(wrong) < OTHER_VALUES_MIN_PARTS or own is None:
        return {}
    skip = {_key(own), _key(dict(problem.given))}
    typed = {part.id: as_typed(part, answer) for part, answer, _ in wrong}
    wrong = [w for w in wrong if typed[w[0].id] is not None]

    def agrees(part, answer, values) -> bool:
        return (check(problem, part, answer, values).status == CORRECT
                and check(problem, typed[part.id], answer, values).status == CORRECT)

    best: list = []
    best_key: ValuesKey = ()
    for key in others:           # sorted: the first best set wins, deterministic
        if key in skip:
            continue
        matched = []
        for n, (part, answer, verdict) in enumerate(wrong):
            if len(matched) + len(wrong) - n < max(OTHER_VALUES_MIN_PARTS, len(best) + 1):
                break            # this set can no longer do better than the best one
            if agrees(part, answer, dict(key)):
                matched.append((part, verdict))
        if len(matched) >= max(OTHER_VALUES_MIN_PARTS, len(best) + 1):
            best, best_key = matched, tuple(key)
    if not best:
        return {}
    names = ", ".join(part.id for part, _ in best)
    said = (f"Your answers to {len(best)} parts of this problem ({names}) match another student's values, "
            f"not yours ({varied_text(problem, own)}): redo the computation with your own values.")
    return {part.id: replace(verdict, rule=classmate_rule(len(best)), feedback=(said,), matched_values=best_key)
            for part, verdict in best}
