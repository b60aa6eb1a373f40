"""Time budgets of a class run: what bounds a run's checking when answers are slow on purpose.

Each distinct answer has its deadline (`--deadline`), but sixty students with one slow answer
each still cost sixty deadlines. Two budgets bound the rest:

* a student's budget (`--student-budget`): the checking time of the long answers (over
  SHORT_ANSWER characters) a student needs is charged to them (an answer several students gave,
  to each); once it is spent, a long answer only over-budget students need is not checked but
  graded "too complex to check", final: it is their answers that cost it. Short answers are
  checked first, before any long one, so no budget is spent on them or applied to them;
* the run's budget (`--run-budget`, by default a base plus a little per submission): once the
  check step has taken it, every answer still to check is graded "too complex to check in this
  grading run", not final: the row says "not fully graded" and the next run checks it.

Either way the run goes on to grade and write a row for every submission. The budgets are
applied as the worker pool asks for its next answer (`tasks`), so an answer is never checked
and then thrown away.
"""
from __future__ import annotations

import time
from itertools import chain
from typing import Callable, Iterable, Iterator, Optional

from grader.classes.gradebook import Gradebook
from grader.classes.workers import Task
from grader.errors import over_run_budget, over_student_budget
from grader.limits import RUN_BUDGET_PER_SUBMISSION, RUN_BUDGET_SECONDS, SHORT_ANSWER
from grader.model import INVALID, Problem, Verdict

RUN_BUDGET_RULE = "run-budget"      # a stand-in verdict: the run's budget, not the answer, stopped it
STUDENT_BUDGET_RULE = "too-complex"     # the student's own answers cost their budget


def default_run_budget(submissions: int) -> float:
    """The run's budget when none is given: a base, plus a little per submission."""
    return RUN_BUDGET_SECONDS + RUN_BUDGET_PER_SUBMISSION * submissions


class Budgets:
    """The two budgets of one run's check step, charged as verdicts come back."""

    def __init__(self, book: Gradebook, problems: dict[str, Problem], student_seconds: float,
                 run_seconds: float):
        self.book, self.problems = book, problems
        self.student_seconds, self.run_seconds = student_seconds, run_seconds
        self.spent: dict[str, float] = {}
        self.started: Optional[float] = None
        self.over_students: set[str] = set()     # students whose budget stopped some answer
        self.skipped_student = 0                 # answers graded too complex on a student's budget
        self.skipped_run = 0                     # answers left for the next run on the run's budget
        # which student needs which answer, this run: a temporary table of the gradebook's connection
        book.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT NOT NULL, student TEXT NOT NULL)")
        book.db.execute("CREATE INDEX IF NOT EXISTS temp.wanted_key ON wanted (key)")

    def want(self, student: str, key: str, answer: str) -> None:
        """`student` needs the answer `key`: its check is charged to their budget. Only long
        answers are: short ones are checked first, before any budget can be spent, and
        recording every answer of a large class would cost a tenth of its run."""
        if len(answer) > SHORT_ANSWER:
            self.book.db.execute("INSERT INTO wanted (key, student) VALUES (?, ?)", (key, student))

    def wanted_by(self, key: str, answer: str) -> list[str]:
        """Who pays for checking `answer` (`key`): nobody for a short one, which `want` never records."""
        if len(answer) <= SHORT_ANSWER:
            return []
        return [s for (s,) in self.book.db.execute("SELECT DISTINCT student FROM wanted WHERE key = ?", (key,))]

    def charge(self, key: str, answer: str, seconds: float) -> None:
        """The check of `answer` (`key`) took `seconds`: each student who needs it pays them."""
        for student in self.wanted_by(key, answer):
            self.spent[student] = self.spent.get(student, 0.0) + seconds

    def tasks(self, source: Callable[[], Iterable[Task]], key: Callable[[Task], str]) -> Iterator[Task]:
        """The answers to check (`source()` streams those without a verdict), the short ones
        first: honest answers are short and slow ones long, so a run that spends its budget has
        checked the honest ones. An answer over a budget is not handed out but stored at once
        with its stand-in verdict (`skipped_student`, `skipped_run` count them)."""
        self.started = time.monotonic()
        short = (task for task in source() if len(task.answer) <= SHORT_ANSWER)
        long = (task for task in source() if len(task.answer) > SHORT_ANSWER)   # read once the short are out
        for task in chain(short, long):
            k = key(task)
            if time.monotonic() - self.started >= self.run_seconds:
                self.book.store(k, self._verdict(task, over_run_budget(self.run_seconds), RUN_BUDGET_RULE), False)
                self.skipped_run += 1
                continue
            students = self.wanted_by(k, task.answer)
            if students and all(self.spent.get(s, 0.0) >= self.student_seconds for s in students):
                self.book.store(k, self._verdict(task, over_student_budget(self.student_seconds),
                                                 STUDENT_BUDGET_RULE), True)
                self.skipped_student += 1
                self.over_students.update(students)
                continue
            yield task

    def _verdict(self, task: Task, message: str, rule: str) -> Verdict:
        part = self.problems[task.problem].part(task.part)
        return Verdict(INVALID, 0.0, float(part.points) if part is not None else 0.0, feedback=(message,),
                       rule=rule)

    def report(self) -> list[str]:
        """Lines for the person running the class: what each budget stopped, and what to do."""
        lines = []
        if self.skipped_student:
            names = sorted(self.over_students)
            shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            lines.append(f"the per-student time budget ({self.student_seconds:g} s) was spent by {len(names)} "
                         f"student(s) ({shown}): {self.skipped_student} of their answers were not checked and "
                         f"are graded 'too complex to check' (--student-budget gives more time)")
        if self.skipped_run:
            lines.append(f"the run's time budget ({self.run_seconds:g} s of checking) was spent: "
                         f"{self.skipped_run} answer(s) were not checked; their rows say 'not fully graded' "
                         f"(exit 3). Run the same command again to check them (--run-budget gives more time)")
        return lines
