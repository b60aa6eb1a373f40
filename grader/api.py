"""The public Python API: what `import grader` offers a notebook, a script, the `grader`
command and the web page. The interfaces import nothing else from the library but presentation
helpers (`grader.show`), so every feature a person can reach is reachable from Python too.

Thin on purpose: each function names a job and calls the module that does it. Banks are passed
in (a loaded bank, a folder, or None for the bank shipped with the package); the library never
reads environment variables or the current folder on its own: `locate_bank` takes them as
arguments from the interface.
"""
from __future__ import annotations

import difflib
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

from grader.authoring.banks import BankLocation, locate_bank
from grader.checking.grading import DEADLINE_SECONDS, BrokenReference, grade_answer, prepare, too_complex
from grader.errors import GraderError
from grader.limits import STUDENT_BUDGET_SECONDS
from grader.model import CHOICE, DERIVATION, MULTI_CHOICE, Part, Problem, SubmissionResult, nfc_id
from grader.results import CheckResult, Interpretation, ProblemSheet

Bank = Mapping[str, Problem]
BankSource = Union[Bank, str, PathLike, None]

__all__ = ["BankLocation", "BrokenReference", "DEADLINE_SECONDS", "UnknownName", "answer_key", "clear_caches", "new_problem", "answer_keys_text", "write_answer_keys", "apply_assignment", "assigned", "check",
           "check_result", "too_complex",
           "compare", "compare_steps", "ensure_checkable", "find", "given_values", "grade_answer", "grade_class", "grade_file",
           "interpret", "json_schema", "load_assignment", "load_bank", "load_roster", "locate_bank", "problem",
           "read", "read_answer_file", "grade_submission", "student_source", "write_gradescope", "roster_report", "student_values", "students_in", "syntax_guide", "validate",
           "write_handouts"]


class UnknownName(GraderError, LookupError):
    """A problem or part id the bank does not have; the message suggests close names
    (`suggestions`, empty when none is close)."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.suggestions = suggestions


# --- banks and problems ----------------------------------------------------------------------

def load_bank(directory: Union[str, PathLike, None] = None) -> dict[str, Problem]:
    """Every problem of a folder (default: the bank shipped with the package), keyed by id.
    Raises `grader.ProblemError` for a broken problem file."""
    from grader.authoring.loader import default_bank_dir, load_bank as load
    return load(default_bank_dir() if directory is None else directory)


def _bank(problems: BankSource) -> Bank:
    return problems if isinstance(problems, Mapping) else load_bank(problems)


def find(problems: BankSource, problem_id: str, part_id: Optional[str] = None) -> tuple[Problem, Optional[Part]]:
    """Look up a problem (and one of its parts). Raises UnknownName with a suggestion. Given a
    folder, only the named problem's file is read (a student's `grader check` starts fast); the
    whole bank is read only to suggest a name."""
    if not isinstance(problems, Mapping):
        from grader.authoring.loader import default_bank_dir, load_problem, problem_file
        path = problem_file(default_bank_dir() if problems is None else problems, str(problem_id)) \
            if isinstance(problem_id, str) else None
        if path is not None:
            found = load_problem(path)
            return find({found.id: found}, problem_id, part_id) if found.id == problem_id else \
                find(load_bank(problems), problem_id, part_id)
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


def problem(problem_id: str, *, student: Optional[str] = None, problems: BankSource = None,
            assignment=None) -> ProblemSheet:
    """A problem as a student reads it (statement, names, parts); shows itself in Jupyter.
    `assignment` (a file or a loaded one) gives the values the handout and the class run use."""
    found, _ = find(assigned(problems, assignment), problem_id)
    return ProblemSheet(found, tuple(sorted(given_values(found, student).items())), student)


def answer_key(problem_id: Union[str, Problem], student: Optional[str] = None, *, problems: BankSource = None,
               assignment=None):
    """Each part's answer for one student (`AnswerKey`, frozen; `.text()`, `.as_json()`): the
    number a numeric part expects from that student's own values, the reference of an
    expression, the options of a choice, the chain of a derivation. `assignment` switches
    per-student values as the class run does. Raises BrokenReference for a broken part."""
    from grader.formats.answer_key import answer_key as key
    found = problem_id if isinstance(problem_id, Problem) else find(assigned(problems, assignment), problem_id)[0]
    for part in found.parts:
        ensure_checkable(found, part, student)
    return key(found, student)


def answer_keys_text(keys: Sequence, fmt: str = "text") -> str:
    """Several keys (one student's problems) as one text: plain, or a JSON list (`fmt="json"`)."""
    if fmt == "json":
        import json
        return json.dumps([k.as_json() for k in keys], indent=2, ensure_ascii=False) + "\n"
    return "\n".join(k.text() for k in keys)


def write_answer_keys(problems: BankSource, students: Sequence[str], out: Union[str, PathLike],
                      fmt: str = "text") -> int:
    """OUTDIR/<student>.txt (or .json) for each student: the answer key of every problem of
    `problems` with that student's values. Returns how many files were written."""
    from grader.formats.files import atomic_write, student_filenames
    bank = dict(_bank(problems))
    ids = [nfc_id(s) for s in students]
    if not ids:
        raise GraderError("there are no students to write answer keys for: name them with --student or --roster.")
    names = student_filenames(ids)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for student in ids:
        keys = [answer_key(bank[pid], student) for pid in sorted(bank)]
        atomic_write(out / f"{names[student]}.{'json' if fmt == 'json' else 'txt'}", answer_keys_text(keys, fmt))
    return len(ids)


def clear_caches() -> None:
    """Forget every cached verdict and part context: after problem files changed in place
    (`grader serve --reload`)."""
    from grader.checking.checker import clear_caches as clear
    clear()


def ensure_checkable(problem: Problem, part: Part, student: Optional[str] = None) -> None:
    """Raise BrokenReference when the part's reference answer cannot be evaluated (the bank's
    fault, never the student's); otherwise the part's world is ready for `grade_answer`."""
    prepare(problem, part, student_values(problem, student))


# --- one answer ------------------------------------------------------------------------------

def check(problem_id: str, part_id: str, answer: str, *, student: Optional[str] = None,
          problems: BankSource = None, assignment=None,
          seconds: Optional[float] = DEADLINE_SECONDS) -> CheckResult:
    """Check one answer, as `grader check` and the web page do (`grade_answer`); the result
    shows itself in Jupyter. `assignment` (a file or a loaded one) switches per-student values
    as `grader check --assignment` does."""
    found, part = find(assigned(problems, assignment), problem_id, part_id)
    return check_result(found, part, answer, grade_answer(found, part, answer, student=student, seconds=seconds))


def check_result(problem: Problem, part: Part, answer: str, verdict) -> CheckResult:
    """A verdict with the problem, the part and what the grader read (MathML), for display."""
    shown = verdict.interpreted and part.kind not in (CHOICE, MULTI_CHOICE, DERIVATION)   # a chain: its lines
    return CheckResult(problem, part, answer, verdict, read(problem, answer).mathml if shown else None)


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


def compare(student: str, reference: str, *, problem: Union[str, Problem, None] = None,
            part: Union[str, Part, None] = None, positive: Sequence[str] = (), functions: Sequence[str] = (),
            rtol: Optional[float] = None, atol: Optional[float] = None,
            let: Union[Mapping[str, float], Sequence[str], None] = None, where: Optional[str] = None,
            problems: BankSource = None):
    """Are two expressions equivalent? Returns an `Outcome` (status equivalent / different /
    invalid, and a message). Every free name is a real symbol (`positive` ones sampled from
    positive values; `functions` unknown functions) unless `problem` (an id or a Problem) gives
    its names; with `part` too, they are compared as that part grades. `rtol`/`atol` replace
    the tolerance at every sampled point, `let` fixes values ({"x": 9.72}, or "x=9.72" strings
    as typed on a command line), `where` is a condition."""
    from grader.checking import checker
    return checker.compare(student, reference, **_compare_options(problem, part, positive, functions, rtol, atol,
                                                                  let, where, problems))


def compare_steps(text: str, *, problem: Union[str, Problem, None] = None, part: Union[str, Part, None] = None,
                  positive: Sequence[str] = (), functions: Sequence[str] = (), rtol: Optional[float] = None,
                  atol: Optional[float] = None, let: Union[Mapping[str, float], Sequence[str], None] = None,
                  where: Optional[str] = None, problems: BankSource = None):
    """Is each line of a chain equivalent to the line before it? `text` holds one expression per
    line (a leading `=` allowed, or `a = b = c`, or a LaTeX aligned paste); each step is
    compared as `compare` compares two expressions, with the same options. Returns a
    `StepsOutcome`: equivalent only when every step is, and each line's `StepOutcome`."""
    from grader.checking import checker
    return checker.compare_steps(text, **_compare_options(problem, part, positive, functions, rtol, atol, let,
                                                          where, problems))


def _compare_options(problem, part, positive, functions, rtol, atol, let, where, problems) -> dict:
    if let is not None and not isinstance(let, Mapping):
        let = dict(_let(item) for item in let)
    if isinstance(problem, str):
        problem, found_part = find(problems, problem, part if isinstance(part, str) else None)
        part = found_part if isinstance(part, str) else part
    elif part is not None and isinstance(part, str):
        raise UnknownName("a part needs its problem.")
    return dict(positive=tuple(positive), rtol=rtol, atol=atol, let=dict(let or {}), where=where, problem=problem,
                part=part, functions_declared=tuple(functions))


def _let(item: str) -> tuple[str, float]:
    from grader.authoring.fields import NAME_RE, NUMBER_RE
    name, _, number = str(item).partition("=")
    if not NAME_RE.fullmatch(name.strip()) or not NUMBER_RE.fullmatch(number.strip()):
        raise GraderError(f"--let takes NAME=NUMBER, like x=9.72, not '{item}'.")
    return name.strip(), float(number.strip())


# --- files of students, instructors and TAs --------------------------------------------------

def read_answer_file(path: Union[str, PathLike], student: Optional[str] = None):
    """A student's answer file, read safely (`Submission`: its answers, or why it cannot be
    graded); the student id defaults to the file's (DIR/<id>.yaml or DIR/<id>/answers.yaml)."""
    from grader.classes.submissions import read_answer_file as read_file
    return read_file(Path(path), student)


def student_source(path: Union[str, PathLike]) -> str:
    """Where an answer file's student id comes from, in words ("the file name", "its folder")."""
    from grader.classes.submissions import student_source as source
    return source(Path(path))


def grade_submission(problems: BankSource, submission) -> SubmissionResult:
    """Grade every part of the bank for one read `Submission` (each answer by `grade_answer`)."""
    from grader.classes.submissions import grade_submission as grade
    return grade(dict(_bank(problems)), submission)


def write_gradescope(result: SubmissionResult, path: Union[str, PathLike]) -> None:
    """Gradescope's results.json for one graded submission."""
    from grader.formats.gradescope import write_gradescope as write
    write(result, Path(path))


def grade_file(path: Union[str, PathLike], *, student: Optional[str] = None,
               problems: BankSource = None) -> SubmissionResult:
    """Grade one answer file (problem id -> part id -> answer) against the whole bank; a file
    that cannot be read gives a result with status `error` and the reason."""
    from grader.classes.submissions import grade_submission, read_answer_file
    return grade_submission(dict(_bank(problems)), read_answer_file(Path(path), student))


def grade_class(src: Union[str, PathLike], out: Union[str, PathLike], *, problems: BankSource = None,
                jobs: Optional[int] = None, students: Optional[list[str]] = None,
                deadline: float = DEADLINE_SECONDS, log: Optional[Callable[[str], None]] = None,
                on_progress: Optional[Callable[[int, int], None]] = None, generated_at: Optional[str] = None,
                summary: bool = False, title: Optional[str] = None, due: Optional[str] = None, roster=None,
                student_budget: float = STUDENT_BUDGET_SECONDS, run_budget: Optional[float] = None,
                on_switched: Optional[Callable[[], None]] = None):
    """Grade a folder with one submission per student and write every report into `out`.
    Returns the run's outcome (`ClassRun`: counts, exit code, and `results`, the rows read back
    from the gradebook). `title`/`due`/`roster` name the assignment and the people in the
    reports and LMS exports. `student_budget` and `run_budget` bound the seconds of checking per
    student and per run (None: the default for the class's size). `on_switched()` is called once
    the new outputs are in place. Raises BatchError when the run cannot start."""
    from grader.authoring.assignment import DEFAULT_TITLE
    from grader.classes.classrun import grade_class as run
    from grader.classes.outputs import ClassInfo
    return run(Path(src), Path(out), dict(_bank(problems)), jobs=jobs, students=students, deadline=deadline,
               student_budget=student_budget, run_budget=run_budget, log=log, on_progress=on_progress,
               generated_at=generated_at, summary=summary,
               info=ClassInfo(title or DEFAULT_TITLE, due, roster), on_switched=on_switched)


def roster_report(roster, students: Iterable[str]) -> list[str]:
    """Sentences for the TA about the roster against the class: who is not on it, who has no
    submission (nobody is silently dropped from an LMS export), who cannot be in an export, and
    which ids (of the class and the roster) look alike but are different students."""
    from grader.authoring.roster import reconcile
    from grader.classes.lookalike import lookalike_report
    from grader.formats.lms import roster_report as sentences
    people = reconcile(roster, students)
    ids = [s for s, _ in people.matched] + list(people.unknown) + [p.submission for p in people.absent]
    return sentences(people) + lookalike_report(ids)


def load_assignment(path: Union[str, PathLike]):
    """An assignment file: which problems, their points, per-student values, the due date.
    Raises AssignmentError."""
    from grader.authoring.assignment import load_assignment as load
    return load(path)


def apply_assignment(assignment, problems: BankSource = None) -> dict[str, Problem]:
    """The bank as the assignment grades it (its problems, points and per-student values)."""
    from grader.authoring.assignment import apply
    return apply(assignment, dict(_bank(problems)))


def assigned(problems: BankSource, assignment) -> BankSource:
    """The bank as an assignment (a loaded one, or its file) grades it; `problems` unchanged
    without one. The one way the notebook gets the handout's values."""
    if assignment is None:
        return problems
    if isinstance(assignment, (str, PathLike)):
        assignment = load_assignment(assignment)
    return apply_assignment(assignment, problems)


def load_roster(path: Union[str, PathLike]):
    """A roster CSV: which person each submission is, for the LMS exports. Raises RosterError."""
    from grader.authoring.roster import load_roster as load
    return load(path)


def students_in(folder: Union[str, PathLike]) -> list[str]:
    """The student ids of a class folder, as a class run names them."""
    from grader.classes.submissions import scan
    return [e.student for e in scan(folder)]


def write_handouts(problems: BankSource, students: Sequence, out: Union[str, PathLike],
                   due: Optional[str] = None, assignment: Optional[str] = None) -> int:
    """Write OUTDIR/values.csv and one page per student with their per-student values;
    `students` are roster people or ids; `assignment` is the assignment file's name as the
    students know it (each page tells them to check with it). Returns how many pages were written. Raises
    GraderError when no problem draws per-student values or there is nobody to write for,
    OSError when OUTDIR cannot be written."""
    from grader.authoring.roster import Person
    from grader.formats.handout import handout_csv, handout_markdown, randomized
    from grader.formats.files import atomic_write, student_filenames
    bank = dict(_bank(problems))
    if not randomized(bank):
        raise GraderError("no problem gives per-student values, so everyone uses the course's values: "
                          "switch them on with 'randomize: per-student' in a problem or assignment file.")
    people = [replace(s, submission=nfc_id(s.submission)) if isinstance(s, Person) else Person(nfc_id(s))
              for s in students]
    if not people:
        raise GraderError("there are no students to write handouts for.")
    names = student_filenames(p.submission for p in people)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "values.csv", handout_csv(bank, people))
    for person in people:
        atomic_write(out / f"{names[person.submission]}.md", handout_markdown(bank, person, due, assignment))
    return len(people)


def validate(paths: Iterable[Union[str, PathLike]], *, warnings: bool = False) -> list:
    """Everything wrong with a set of problem files or folders (`ValidationIssue`s, empty when
    all is well): schema, references, self-tests, mistake rules; with `warnings`, also what is
    worth a look but grades correctly (`issue.warning`)."""
    from grader.authoring.validation import validate as run
    return run(list(paths), warnings=warnings)


def new_problem(problem_id: str, directory: Union[str, PathLike]) -> Path:
    """Write DIRECTORY/<problem_id>.yaml: a commented example problem that validates, to edit.
    Refuses (GraderError) an id that is not a problem id and a file that exists already."""
    from importlib.resources import files
    from grader.authoring.fields import EXTENSIONS, ID_PATTERN, ID_RE
    if not ID_RE.fullmatch(problem_id):
        raise GraderError(f"'{problem_id}' cannot be a problem id: an id is lower-case letters, digits and '-', "
                          f"starting with a letter or digit ({ID_PATTERN}), like weight-decay.")
    directory = Path(directory)
    for existing in (directory / f"{problem_id}{ext}" for ext in EXTENSIONS):
        if existing.exists():
            raise GraderError(f"{existing} exists already; grader new never overwrites a problem file.")
    try:
        text = files("grader.authoring").joinpath("new-problem.yaml").read_text(encoding="utf-8")
    except OSError:
        raise GraderError("the example problem (grader/authoring/new-problem.yaml) is missing from this "
                          "installation: reinstall the grader.") from None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{problem_id}.yaml"
    with open(path, "x", encoding="utf-8") as f:
        f.write(text.replace("PROBLEM_ID", problem_id))
    return path


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of problem files, for editors."""
    from grader.authoring.schema import json_schema as schema
    return schema()


def syntax_guide() -> str:
    """docs/answer-syntax.md, the guide to typing answers, as installed with the grader."""
    from importlib.resources import files
    for source in (lambda: files("grader.docs").joinpath("answer-syntax.md").read_text(encoding="utf-8"),
                   lambda: (Path(__file__).resolve().parent.parent / "docs" / "answer-syntax.md")
                   .read_text(encoding="utf-8")):
        try:
            return source()
        except (OSError, ModuleNotFoundError, FileNotFoundError, TypeError):
            continue
    raise GraderError("the syntax guide is missing from this installation")
