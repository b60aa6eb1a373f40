"""Handouts of per-student values: what each student must compute with, before they start,
and each problem as they will see it (its texts with their values).

Pure functions (text out); `grader handout` writes them. The values come from
`variants.student_values`, the same function grading uses, so a handout cannot disagree with
the grade.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Optional

from grader.model import Problem
from grader.authoring.roster import Person
from grader.checking.variants import student_values
from grader.number_format import number_text
from grader.show.escape import csv_safe, md_code, md_text
from grader.show.markdown import problem_markdown


def randomized(problems: dict[str, Problem]) -> list[Problem]:
    return [problems[pid] for pid in sorted(problems) if problems[pid].per_student]


def _names(problem: Problem) -> list[str]:
    return [v.name for v in problem.variants]


def handout_csv(problems: dict[str, Problem], people: Iterable[Person]) -> str:
    """One row per student: `submission, name, email`, then `problem/value` columns."""
    chosen = randomized(problems)
    header = ["submission", "name", "email"] + [f"{p.id}/{n}" for p in chosen for n in _names(p)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for person in sorted(people, key=lambda p: p.submission):
        row = [csv_safe(person.submission), csv_safe(person.name), csv_safe(person.email)]
        for p in chosen:
            values = student_values(p, person.submission) or {}
            row += [number_text(values[n]) for n in _names(p)]
        w.writerow(row)
    return "\ufeff" + buf.getvalue()


def handout_markdown(problems: dict[str, Problem], person: Person, due: Optional[str] = None,
                     assignment: Optional[str] = None) -> str:
    """One page for one student: their id (the one to grade with) and their values.

    `assignment` is the name of the assignment file the values were switched on in: without it
    on their commands, a student's own checks would use the course's values."""
    who = f"{person.name} ({person.submission})" if person.name else person.submission
    lines = [f"# Your values: {md_text(who)}", ""]
    if due:
        lines += [f"Due: {md_text(due)}", ""]
    lines += [f"Your student id is {md_code(person.submission)}. Grade your answers with it: put "
              f"{md_code('student: ' + person.submission)} at the top of answers.yaml, or use "
              f"{md_code('--student ' + person.submission)}.", ""]
    if assignment:
        lines += [f"These values come from the assignment file {md_code(assignment)}: add "
                  f"{md_code('--assignment ' + assignment)} to every `grader` command you check "
                  f"your answers with, or they are checked with the course's values.", ""]
    for p in randomized(problems):
        values = student_values(p, person.submission) or {}
        drawn = set(_names(p))
        lines += [f"## {md_text(p.title)} ({md_text(p.id)})", "", "| value | yours |", "| --- | --- |"]
        for name in sorted(values, key=lambda n: (n not in drawn, n)):
            mark = "" if name in drawn else " (the same for everyone)"
            lines.append(f"| {md_text(name)} | {number_text(values[name])}{mark} |")
        lines += ["", problem_markdown(p, tuple(sorted(values.items())), title=False)]
    return "\n".join(lines).rstrip("\n") + "\n"
