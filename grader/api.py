"""The public Python API: what `import grader` offers a notebook, a script or the web page.

Thin on purpose: each function names a job the CLI also does and calls the module that does
it. Banks are passed in (a loaded bank, a folder, or None for the bank shipped with the
package); the library never reads environment variables, so `$GRADER_PROBLEMS` stays the
CLI's business.
"""
from __future__ import annotations

import difflib
from os import PathLike
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

from grader.errors import GraderError
from grader.model import CHOICE, MULTI_CHOICE, Part, Problem, SubmissionResult, Verdict
from grader.results import CheckResult, Interpretation, ProblemSheet

Bank = Mapping[str, Problem]
BankSource = Union[Bank, str, PathLike, None]

from grader.limits import CHECK_SECONDS   # the CLI's budget for one answer


class UnknownName(GraderError, LookupError):
    """A problem or part id the bank does not have; the message suggests close names
    (`suggestions`, empty when none is close)."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.suggestions = suggestions


def load_bank(directory: Union[str, PathLike, None] = None) -> dict[str, Problem]:
    """Every problem of a folder (default: the bank shipped with the package), keyed by id.
    Raises `grader.authoring.loader.ProblemError` for a broken problem file."""
    from grader.authoring.loader import default_bank_dir, load_bank as load
    return load(default_bank_dir() if directory is None else directory)


def _bank(problems: BankSource) -> Bank:
    return problems if isinstance(problems, Mapping) else load_bank(problems)


def find(problems: BankSource, problem_id: str, part_id: Optional[str] = None) -> tuple[Problem, Optional[Part]]:
    """Look up a problem (and one of its parts). Raises UnknownName with a suggestion."""
    bank = _bank(problems)
    problem = bank.get(problem_id) if isinstance(problem_id, str) else None
    if problem is None:
        close = tuple(difflib.get_close_matches(str(problem_id), list(bank), n=3))
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UnknownName(f"unknown problem '{problem_id}'.{hint}", close)
    if part_id is None:
        return problem, None
    part = problem.part(part_id)
    if part is None:
        raise UnknownName(f"problem '{problem_id}' has no part '{part_id}' "
                          f"(its parts: {', '.join(p.id for p in problem.parts)}).")
    return problem, part


def student_values(problem: Problem, student: Optional[str]) -> Optional[dict[str, float]]:
    """The given values grading uses for a student: None (the course's own) unless the problem
    draws per-student values."""
    from grader.checking.variants import student_values as drawn
    return drawn(problem, student)


def given_values(problem: Problem, student: Optional[str]) -> dict[str, float]:
    """The given values a student sees: the ones grading uses."""
    return student_values(problem, student) or dict(problem.given)


def problem(problem_id: str, *, student: Optional[str] = None, problems: BankSource = None) -> ProblemSheet:
    """A problem as a student reads it (statement, names, parts); shows itself in Jupyter."""
    found, _ = find(problems, problem_id)
    return ProblemSheet(found, tuple(sorted(given_values(found, student).items())), student)


def grade(problem: Problem, part: Part, answer: str, values: Optional[dict] = None,
          seconds: Optional[float] = CHECK_SECONDS) -> Verdict:
    """One verdict under the CLI's wall-clock budget (`seconds=None`: no budget, in-process)."""
    from grader.checking import checker as equivalence
    if seconds is None or part.kind in (CHOICE, MULTI_CHOICE):
        return equivalence.check(problem, part, answer, values)
    return equivalence.check_within(problem, part, answer, values, seconds)


def check(problem_id: str, part_id: str, answer: str, *, student: Optional[str] = None,
          problems: BankSource = None, seconds: Optional[float] = CHECK_SECONDS) -> CheckResult:
    """Check one answer, as `grader check` does; the result shows itself in Jupyter."""
    found, part = find(problems, problem_id, part_id)
    verdict = grade(found, part, answer, student_values(found, student), seconds)
    shown = verdict.interpreted and part.kind not in (CHOICE, MULTI_CHOICE)
    return CheckResult(found, part, answer, verdict, read(found, answer).mathml if shown else None)


def interpret(problem_id: str, answer: str, *, problems: BankSource = None) -> Interpretation:
    """What the grader reads in an answer, without grading it (the web page's live preview):
    the rendering, or the syntax error exactly as `grader check` reports it."""
    found, _ = find(problems, problem_id)
    return read(found, answer)


def read(problem: Problem, answer: str) -> Interpretation:
    from grader.checking.checker import unreadable
    from grader.show.mathml import mathml
    from grader.answers.parser import AnswerSyntaxError, parse
    try:
        parsed = parse(answer, problem.table)
    except AnswerSyntaxError as err:
        return Interpretation(answer, None, unreadable(err, 0.0))
    return Interpretation(answer, parsed.unicode, None, parsed.ascii, mathml(parsed.tree))


def compare(student: str, reference: str, *, problem: Optional[str] = None, positive: tuple[str, ...] = (),
            problems: BankSource = None):
    """Are two expressions equivalent? Every free name a real symbol, or the names of `problem`.
    Returns an `Outcome` (status equivalent / different / invalid, and a message)."""
    from grader.checking import checker as equivalence
    table = find(problems, problem)[0].table if problem is not None else None
    return equivalence.compare(student, reference, table, positive=tuple(positive))


def grade_file(path: Union[str, PathLike], *, student: Optional[str] = None,
               problems: BankSource = None) -> SubmissionResult:
    """Grade one answer file (problem id -> part id -> answer) against the whole bank; a file
    that cannot be read gives a result with status `error` and the reason."""
    from grader.classes.submissions import grade_submission, read_answer_file
    return grade_submission(dict(_bank(problems)), read_answer_file(Path(path), student))


def grade_class(src: Union[str, PathLike], out: Union[str, PathLike], *, problems: BankSource = None,
                jobs: Optional[int] = None, students: Optional[list[str]] = None, deadline: float = CHECK_SECONDS,
                log: Optional[Callable[[str], None]] = None):
    """Grade a folder with one submission per student and write every report into `out`.
    Returns the run's outcome (`grader.classes.classrun.ClassRun`: counts, exit code, and `results`,
    the rows read back from the gradebook). See `grader.classes.classrun.grade_class` for the rest."""
    from grader.classes.classrun import grade_class as run
    return run(Path(src), Path(out), dict(_bank(problems)), jobs=jobs, students=students,
               deadline=deadline, log=log)
