"""What report.html and the step summary need from a class, gathered one submission at a time
(in student order) so that a class of any size can be streamed through: counts, scores, each
part's tally and, in the gradebook's table (`Gradebook.wrong_answers`, the one tally of wrong
answers), the most common wrong answers."""
from __future__ import annotations

import math
from array import array
from collections import Counter
from typing import Iterable, Optional

from grader.formats.plain_text import points_text, status_text
from grader.model import CORRECT, ERROR, INCORRECT, INVALID, MISSING, PARTIAL, SUBMISSION_NOT_GRADED, Problem, SubmissionResult

__all__ = ["ClassStats", "per_student_ids", "percent", "SUMMARY_MAX_ROWS", "ROSTER_MAX_ROWS", "COMMON_WRONG_SHOWN"]

SUMMARY_MAX_ROWS = 300          # GitHub caps a step summary at 1 MiB
COMMON_WRONG_SHOWN = 5
BINS = 10                       # score histogram
ROSTER_MAX_ROWS = 5000          # report.html's roster table; every row is in gradebook.csv


class _PartTally:
    __slots__ = ("counts", "matched", "total", "last")

    def __init__(self):
        self.counts: Counter = Counter()
        self.matched = 0
        self.total = 0.0
        self.last = -1          # the submission (by number) it was last counted for


class ClassStats:
    """A class's statistics, gathered a submission at a time (in student order): memory grows
    with the rows that carry a message, not with the class (`wrong` keeps the distinct wrong
    answers in the gradebook)."""

    def __init__(self, by_diagnosis: Iterable[str], wrong):
        # problems whose wrong answers are grouped by diagnosis (rule), not by the literal text:
        # with per-student values the same mistake gives a different number for each student
        self.by_diagnosis = frozenset(by_diagnosis)
        self.wrong = wrong      # the tally of wrong answers: `Gradebook.wrong_answers()`
        self.total = 0
        self.graded = 0
        self.read = 0           # rows with answers to tally (the graded and the not-graded)
        self.score_sum = 0.0
        self.first_max: Optional[float] = None
        self.scores = array("d")
        self.bins = [0] * BINS
        self.cols: dict[tuple[str, str], float] = {}
        self.parts: dict[tuple[str, str], _PartTally] = {}
        self.errors: list[tuple[str, Optional[str]]] = []
        self.notes: list[tuple[str, Optional[str]]] = []
        self.first_rows: list[tuple[str, str, str]] = []   # the step summary's table
        self.roster: list[tuple[str, float, float, str]] = []   # report.html's roster table (capped)
        # report.html's answers right for a classmate's values: (student, problem, parts, value set, rule)
        self.matched: list[tuple[str, str, tuple[str, ...], tuple, Optional[str]]] = []
        self.matched_more = False      # rows past ROSTER_MAX_ROWS were left out of that table
        self.partial = 0

    def add(self, r: SubmissionResult) -> None:
        self.total += 1
        for p in r.parts:
            self.cols.setdefault((p.problem, p.part), p.verdict.max_score)
        if len(self.first_rows) < SUMMARY_MAX_ROWS:
            self.first_rows.append((r.student, points_text(r), status_text(r)))
        if len(self.roster) < ROSTER_MAX_ROWS:
            self.roster.append((r.student, r.score, r.max_score, status_text(r)))
        if r.status == ERROR:
            self.errors.append((r.student, r.message))
            return
        if r.message:
            self.notes.append((r.student, r.message))
        self.partial += r.status == PARTIAL
        self.read += 1
        if r.status != SUBMISSION_NOT_GRADED:
            # the histogram, the mean and the median count the graded submissions: an error's
            # row, and a total the bank could not complete, are no grade
            frac = (r.score / r.max_score) if r.max_score else 0.0
            self.bins[min(BINS - 1, max(0, int(math.floor(frac * BINS + 1e-9))))] += 1
            self.graded += 1
            self.score_sum += r.score
            self.scores.append(r.score)
            if self.first_max is None:
                self.first_max = r.max_score
        parts, n = self.parts, self.read
        for p in r.parts:
            t = parts.get((p.problem, p.part))
            if t is None:
                t = parts[(p.problem, p.part)] = _PartTally()
            elif t.last == n:       # a part given twice: its first occurrence counts
                continue
            t.last = n
            v = p.verdict
            t.matched += 1
            t.counts[v.status] += 1
            t.total += v.score
            if v.matched_values:
                self._matched(r.student, p.problem, p.part, v)
            if (v.status == INCORRECT or v.status == INVALID) and p.answer is not None:
                key = (f"\x00{v.status}:{v.rule or ''}" if p.problem in self.by_diagnosis
                       else "".join(p.answer.split()))
                self.wrong.add(p.problem, p.part, key, p.answer, r.student, v)

    def _matched(self, student: str, problem: str, part: str, v) -> None:
        """One part labelled as right for a classmate's values; a problem's parts come together."""
        last = self.matched[-1] if self.matched else None
        if last is not None and last[:2] == (student, problem) and last[3] == v.matched_values:
            self.matched[-1] = (student, problem, last[2] + (part,), last[3], last[4])
        elif len(self.matched) < ROSTER_MAX_ROWS:
            self.matched.append((student, problem, (part,), v.matched_values, v.rule))
        else:
            self.matched_more = True

    def part_stats(self, cols: list[tuple[str, str, float]]) -> list[dict]:
        n = self.graded
        stats = []
        for pid, part, pts in cols:
            t = self.parts.get((pid, part)) or _PartTally()
            counts = Counter(t.counts)
            counts[MISSING] += n - t.matched
            stats.append({
                "problem": pid, "part": part, "points": pts, "n": n, "counts": counts,
                "rate": (counts[CORRECT] / n) if n else None,
                "mean": (t.total / n) if n else None,
                "common": self.wrong.top(pid, part, COMMON_WRONG_SHOWN),
            })
        return stats

    def result_cols(self) -> list[tuple[str, str, float]]:
        return [(pid, part, pts) for (pid, part), pts in self.cols.items()]


def per_student_ids(problems: Optional[dict[str, Problem]]) -> set[str]:
    """The problems whose wrong answers are grouped by diagnosis (`ClassStats`)."""
    return {pid for pid, p in (problems or {}).items() if p.per_student}


def percent(x: Optional[float]) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"
