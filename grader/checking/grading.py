"""Grading one answer to one part for one student: the one path every interface takes.

The terminal, the web page, the notebook API and the class run each used to assemble this from
parts, and they drifted apart (a per-student answer computed with the course's values was
recognised by `grader check` only). Now each of them calls `grade_answer`; they differ only in
how the raw verdict is computed under the deadline (`check=`): in a forked child here, in the
web server's bounded pool of children, in the class run's worker pool.
"""
from __future__ import annotations

from typing import Callable, Optional

from grader.checking import checker
from grader.checking.decide import context
from grader.checking.evaluate import EvalError
from grader.checking.othervalues import recognise
from grader.checking.variants import student_values
from grader.answers.parser import AnswerSyntaxError
from grader.errors import BankError
from grader.limits import DEADLINE_SECONDS
from grader.checking.feedback import not_graded_sentence
from grader.model import CHOICE, INVALID, MULTI_CHOICE, NOT_GRADED, Part, Problem, Verdict

INTERNAL_ERROR = ("The grader could not check this answer because of an internal error; "
                  "please tell your instructor.")

Check = Callable[[Problem, Part, object, Optional[dict]], Verdict]
TOO_COMPLEX_RULE = "too-complex"
_OWN = object()           # values: the student's own (drawn from `student`)


class BrokenReference(BankError):
    """A part whose reference answer cannot be evaluated: the bank's fault, not the student's."""


def prepare(problem: Problem, part: Part, values: Optional[dict] = None) -> None:
    """Compute the part's world and reference values in this process (cached), so that a forked
    check inherits them instead of recomputing; raises BrokenReference for a broken part."""
    if part.kind in (CHOICE, MULTI_CHOICE):
        return
    try:
        context(problem, part, tuple(sorted((values or {}).items())))
    except (AnswerSyntaxError, EvalError) as err:
        raise BrokenReference(f"{problem.path}: part '{part.id}': its reference answer cannot be "
                              f"checked: {err}") from None


def within(seconds: Optional[float], slots=None) -> Check:
    """The raw check under a wall-clock budget in a killable child (None: in this process).
    `slots` (a semaphore) bounds how many children run at once (the web server's pool)."""
    def check(problem, part, answer, values=None):
        if seconds is None or part.kind in (CHOICE, MULTI_CHOICE):
            return checker.check(problem, part, answer, values)
        try:
            prepare(problem, part, values)
        except BrokenReference:
            pass             # the check itself says so to the student
        if slots is None:
            return checker.check_within(problem, part, answer, values, seconds)
        with slots:
            return checker.check_within(problem, part, answer, values, seconds)
    return check


def grade_answer(problem: Problem, part: Part, answer, *, student: Optional[str] = None, values=_OWN,
                 seconds: Optional[float] = DEADLINE_SECONDS, slots=None, check: Optional[Check] = None) -> Verdict:
    """The verdict and feedback for one answer: the student's own given values (or `values`,
    None for the course's), choices by letter or text, restatements refused, an answer over
    the budget "too complex to check", a wrong number recognised as right for the course's
    values, and an internal error reported as such on this answer alone. Never raises for
    anything a student can type. (A classmate's values need several answers as evidence: the
    class run's `othervalues.recognise_classmate`.)

    A part the bank cannot grade (a reference or condition that cannot be evaluated, for these
    values) gets status NOT_GRADED with the reason (`bank_fault`): never a score of the
    student's, so every output can say "not graded" instead of 0.

    `check(problem, part, answer, values)` computes the raw verdict; the default runs it under
    `seconds` in a killable child, at most `slots` (a semaphore) children at once (`within`)."""
    if values is _OWN:
        values = student_values(problem, student)
    try:
        verdict = (check or within(seconds, slots))(problem, part, answer, values)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"check returned {type(verdict).__name__}, not a Verdict")
    except Exception:        # a bug must cost one answer, never the student's whole session
        return internal_error(part)
    if values is not None and not bank_fault(verdict):
        try:
            verdict = recognise(problem, part, answer, verdict, values)
        except Exception:    # the recognition is a courtesy: never lose the verdict
            pass
    return verdict


def bank_fault(verdict: Verdict) -> bool:
    """The bank, not the answer, is why this verdict is no grade."""
    return verdict.status == NOT_GRADED


def not_graded(part: Part, why: str) -> Verdict:
    """The verdict of a part the bank cannot grade, `why` said for its instructor."""
    return Verdict(NOT_GRADED, 0.0, float(part.points), feedback=(not_graded_sentence(why),), rule="broken-part")


def too_complex(verdict: Verdict) -> bool:
    """An answer stopped at its deadline: a quieter machine may manage it (do not cache it)."""
    return verdict.rule == TOO_COMPLEX_RULE


def internal_error(part: Part) -> Verdict:
    return Verdict(INVALID, 0.0, float(part.points), feedback=(INTERNAL_ERROR,), rule="internal-error")
