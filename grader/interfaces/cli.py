"""The `grader` command: a thin layer of click over the library.

Exit codes (documented in the README):
  0  every graded answer right / every submission graded / expressions equivalent
  1  some answer not right (incorrect, invalid or missing), or below --fail-under
  2  usage error: unknown problem or part, unreadable file, bad option
  3  batch: some submission could not be graded (its row says why)
  4  batch: no submission found
  5  the problem bank is invalid (grader validate found problems, or a problem file is broken)
  70 internal error (a bug: please report it)
  130 / 143  interrupted by Ctrl-C / stopped by SIGTERM (a class run says what it kept)
A closed standard output (``grader list | head``) ends the command quietly.
Results go to stdout; progress and diagnostics to stderr. The CLI owns the terminal and the
environment: every environment variable the grader honours is read here, once.

The library is imported inside each command, on purpose: importing all of it (NumPy, the
checker, the batch and web modules) takes 0.34 s on the 2-core development machine against
0.13 s for this module alone, and a student waits for that on every `grader check`.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import click

from grader import __version__
from grader.errors import os_reason
from grader.limits import CHECK_SECONDS
from grader.model import CORRECT, EXPRESSION, NUMERIC

EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_UNGRADED, EXIT_NOTHING, EXIT_BANK, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5, 70
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143     # Ctrl-C, SIGTERM (128 + the signal's number)

problems_option = click.option(
    "--problems", "problems_dir", metavar="DIR", envvar="GRADER_PROBLEMS",
    help="Folder of problem files (default: $GRADER_PROBLEMS, else the bank shipped with the grader).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True, help="Output format.")


class UsageProblem(click.ClickException):
    exit_code = EXIT_USAGE


class BankProblem(click.ClickException):
    exit_code = EXIT_BANK


def _bank_location(problems_dir: Optional[str]):
    """--problems (click fills it from $GRADER_PROBLEMS too), else the bank shipped with the grader."""
    if problems_dir:
        return Path(problems_dir)
    from grader.authoring.loader import default_bank_dir
    return default_bank_dir()


def _editing_bank(problems_dir: Optional[str]) -> Path:
    """`validate` and `list` read the bank being edited: --problems (or $GRADER_PROBLEMS), else
    a problems/ folder in the current folder, else the installed bank; and say which (stderr),
    so an instructor never checks the installed copy by mistake."""
    from grader.authoring.loader import problem_files
    if problems_dir:
        where, why = Path(problems_dir), "--problems or $GRADER_PROBLEMS"
    elif Path("problems").is_dir() and problem_files(Path("problems")):
        where, why = Path("problems"), "the problems/ folder here"
    else:
        where, why = _bank_location(None), "the bank installed with the grader"
    click.echo(f"Problem bank: {where} ({why})", err=True)
    return where


def _bank(problems_dir: Optional[str], location: Optional[Path] = None):
    from grader.authoring.loader import ProblemError, load_bank
    try:
        return load_bank(location or _bank_location(problems_dir))
    except ProblemError as err:
        raise BankProblem(f"the problem bank is invalid: {err}") from None
    except OSError as err:
        raise UsageProblem(f"cannot read the problem bank {problems_dir or ''}: {os_reason(err)}".replace(" :", ":")) from None


def _assignment(path: Optional[Path]):
    if path is None:
        return None
    from grader.authoring.assignment import AssignmentError, load_assignment
    try:
        return load_assignment(path)
    except AssignmentError as err:
        raise UsageProblem(str(err)) from None


def _assigned_bank(problems_dir: Optional[str], assignment):
    """The bank as the assignment grades it (its problems, points and per-student values)."""
    bank = _bank(problems_dir)
    if assignment is None:
        return bank
    from grader.authoring.assignment import AssignmentError, apply
    try:
        return apply(assignment, bank)
    except AssignmentError as err:
        raise UsageProblem(str(err)) from None


def _roster(path: Optional[Path]):
    if path is None:
        return None
    from grader.authoring.roster import RosterError, load_roster
    try:
        return load_roster(path)
    except RosterError as err:
        raise UsageProblem(str(err)) from None


assignment_option = click.option(
    "--assignment", "assignment_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
    help="Assignment file (YAML): which problems, points, per-student values on/off, due date.")
roster_option = click.option(
    "--roster", "roster_path", type=click.Path(path_type=Path), default=None, metavar="CSV",
    help="Roster CSV (submission, name, email, sis_id, login_id, canvas_id, section) for the LMS exports.")


def _find(bank: dict, problem_id: str, part_id: Optional[str] = None):
    from grader.api import UnknownName, find
    try:
        return find(bank, problem_id, part_id)
    except UnknownName as err:
        unknown_problem = problem_id not in bank
        hint = " Run `grader list` to see the problems." if unknown_problem and not err.suggestions else ""
        raise UsageProblem(err.message + hint) from None


def _one_problem(problems_dir: Optional[str], problem_id: str, part_id: Optional[str] = None):
    """Load only the file of the named problem (fast start); the whole bank only to suggest names."""
    from grader.authoring.loader import ProblemError, load_problem, problem_file
    path = problem_file(_bank_location(problems_dir), problem_id)
    if path is not None:
        try:
            problem = load_problem(path)
        except ProblemError as err:
            raise BankProblem(f"the problem bank is invalid: {err}") from None
        return _find({problem.id: problem}, problem_id, part_id)
    return _find(_bank(problems_dir), problem_id, part_id)


def _ensure_checkable(problem, part, values) -> None:
    """A broken reference is the bank's fault (exit 5), not the student's; computing the part's
    context here also lets the forked checker inherit it."""
    if part.kind not in (EXPRESSION, NUMERIC):
        return
    from grader.checking.checker import context
    from grader.checking.evaluate import EvalError
    from grader.answers.parser import AnswerSyntaxError
    try:
        context(problem, part, tuple(sorted((values or {}).items())))
    except (AnswerSyntaxError, EvalError) as err:
        raise BankProblem(f"the problem bank is invalid: {problem.path}: part '{part.id}': "
                          f"its reference answer cannot be checked: {err}") from None


def _values(problem, student: Optional[str]):
    from grader.checking.variants import student_values
    return student_values(problem, student)


STUDENT_ENV = "GRADER_STUDENT"


def _env_student() -> Optional[str]:
    return os.environ.get(STUDENT_ENV) or None


def _course_values_note(problem) -> str:
    """What `check` says when a per-student problem is checked without an id."""
    from grader.checking.variants import varied_text
    return (f"Note: {problem.id} gives each student their own values; this used the course's values "
            f"({varied_text(problem, dict(problem.given))}). To use yours: --student ID, "
            f"or set {STUDENT_ENV}=ID.")


def _own_values_line(problem, student, values) -> str:
    from grader.checking.variants import varied_text
    return f"Student {student}: your values for {problem.id} are {varied_text(problem, values)}."


def _style():
    from grader.show.text import Style
    return Style.detect(sys.stdout, os.environ)


def _emit_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False))


def _param_name(param: Optional[click.Parameter]) -> str:
    if param is None:
        return "a value"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return (param.human_readable_name or "a value").upper()


def _reworded(err: click.UsageError) -> click.UsageError:
    """click's usage errors in our words: its wording changes between releases and is not
    written for students (we own every message a user sees)."""
    if isinstance(err, click.NoSuchOption):
        close = [p for p in (err.possibilities or ()) if p]
        hint = f" Did you mean {' or '.join(sorted(close))}?" if close else ""
        message = f"there is no option {err.option_name}.{hint}"
    elif isinstance(err, click.MissingParameter):
        message = f"{_param_name(err.param)} is missing."
    elif isinstance(err, click.BadParameter):
        param = err.param
        if param is not None and isinstance(param.type, click.Choice):
            message = f"{_param_name(param)} must be one of: {', '.join(map(str, param.type.choices))}."
        elif param is not None and isinstance(param.type, (click.IntRange, click.FloatRange)):
            low, high = param.type.min, param.type.max
            bounds = (f"from {low} to {high}" if low is not None and high is not None
                      else f"of at least {low}" if low is not None else f"of at most {high}")
            message = f"{_param_name(param)} needs a number {bounds}."
        elif param is not None and param.type.name in ("integer", "float"):
            message = f"{_param_name(param)} needs a number."
        else:
            message = f"the value of {_param_name(param)} cannot be used."
    elif isinstance(err, click.BadOptionUsage):
        message = f"{err.option_name} needs a value."
    elif isinstance(err, click.BadArgumentUsage) or "unexpected extra argument" in err.message:
        message = "too many arguments (put an answer with spaces in quotes)."
    else:
        message = "this command line cannot be read."
    return _Usage(message, err.ctx)


class _Usage(click.UsageError):
    """A usage error as we show it: the usage line from our own parameters, then our message."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        ctx = self.ctx
        if ctx is not None:
            click.echo(ctx.get_usage(), err=True)
            click.echo(f"(`{ctx.command_path} --help` lists the options.)", err=True)
        click.echo(f"Error: {self.message}", err=True)


class _OurUsageErrors:
    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except _Usage:
            raise
        except click.UsageError as err:
            raise _reworded(err) from None


class _Command(_OurUsageErrors, click.Command):
    pass


class _Group(_OurUsageErrors, click.Group):
    """Turns an unexpected exception into exit code 70 with a one-line message, never a traceback;
    usage errors in our words."""

    command_class = _Command

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=2)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise _Usage(f"there is no command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`grader list | head`): stop quietly, and let no later
            # flush of stdout complain either
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, sys.stdout.fileno())
                os.close(null)
            except (OSError, ValueError, AttributeError):
                pass
            ctx.exit(EXIT_OK)
        except Exception as exc:  # noqa: BLE001 - last line of defence for students
            if os.environ.get("GRADER_DEBUG"):
                raise
            click.echo(f"grader: internal error ({type(exc).__name__}); please report it with the command you ran. "
                       f"Set GRADER_DEBUG=1 to see details.", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="grader")
def main():
    """Check answers to the backpropagation problems, one at a time or a whole class at once.

    \b
    Start with:  grader list            (the problems)
                 grader show sigmoid    (a problem's statement)
                 grader check sigmoid derivative "e^(-z)/(1+e^(-z))^2"
                 grader syntax          (how to type answers)
    """


@main.command("list")
@problems_option
@format_option
def list_cmd(problems_dir, fmt):
    """List the problems and their parts with points (the bank: see `grader validate --help`)."""
    bank = _bank(problems_dir, _editing_bank(problems_dir))
    if fmt == "json":
        _emit_json([{"id": p.id, "title": p.title,
                     "parts": [{"id": q.id, "kind": q.kind, "points": q.points} for q in p.parts]}
                    for p in bank.values()])
        return
    from grader.show.text import score_text
    for p in bank.values():
        click.echo(f"{p.id}  {p.title}  ({score_text(p.max_score)} points)")
        for q in p.parts:
            click.echo(f"    {q.id:<32} {q.kind:<13} {score_text(q.points)} pt")


@main.command()
@click.argument("problem_id", metavar="PROBLEM")
@click.option("--student", metavar="ID", help="Show the given values drawn for this student.")
@problems_option
@format_option
def show(problem_id, student, problems_dir, fmt):
    """Show a problem: statement, names to use, each part's prompt and answer format."""
    from grader.show.text import problem_text
    problem, _ = _one_problem(problems_dir, problem_id)
    given = _values(problem, student or _env_student()) or dict(problem.given)
    if fmt == "json":
        _emit_json({"id": problem.id, "title": problem.title, "statement": problem.statement, "given": given,
                    "parts": [{"id": q.id, "kind": q.kind, "points": q.points, "prompt": q.prompt,
                               "options": list(q.options)} for q in problem.parts]})
        return
    click.echo(problem_text(problem, given, _style()), nl=False)


def _hint_state() -> Path:
    base = os.environ.get("GRADER_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "backprop-grader")
    return Path(base) / "hints.json"


def _next_hint(problem, part) -> Optional[str]:
    """Reveal hints one at a time; the count is remembered per part between runs."""
    if not part.hints:
        return None
    path = _hint_state()
    key = f"{problem.id}/{part.id}"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            state = {}
    except (OSError, ValueError):
        state = {}
    shown = state.get(key, 0) if isinstance(state.get(key, 0), int) else 0
    if shown >= len(part.hints):
        from grader.show.text import no_more_hints
        return no_more_hints(len(part.hints))
    index = max(shown, 0)
    state[key] = index + 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return f"Hint {index + 1} of {len(part.hints)}: {part.hints[index]}"


def _read_stdin_answer() -> str:
    data = sys.stdin.buffer.read(100_001)
    if len(data) > 100_000:
        return "x" * 100_001  # refused by the parser's length limit with its own message
    try:
        return data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return data  # the checker reports invalid UTF-8


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("problem_id", metavar="PROBLEM")
@click.argument("part_id", metavar="PART")
@click.argument("answer", nargs=-1, type=click.UNPROCESSED)
@click.option("--hint", is_flag=True, help="Show the part's next hint (one more each time).")
@click.option("--student", metavar="ID", help="Use the given values drawn for this student.")
@problems_option
@format_option
def check(problem_id, part_id, answer, hint, student, problems_dir, fmt):
    """Check one ANSWER to PART of PROBLEM.

    \b
    Answers that start with a minus sign work as typed:  grader check two-layer-example dC-dw2 -0.004
    ANSWER "-" reads the answer from standard input. With no ANSWER, you are asked for answers
    until the part is right (an empty line or Ctrl-D quits; "?" shows a hint).
    Options go before PROBLEM when the answer itself looks like an option.

    \b
    Quote the answer for the shell: single quotes keep ( ) * | ! $ \\ as typed,
      grader check sigmoid derivative 'e^(-z)/(1+e^(-z))^2'
    an answer with a prime needs double quotes,
      grader check hidden-error delta-l "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)"
    or skip the shell: ANSWER "-" (standard input), no ANSWER (asked interactively),
    or an answers file with grader grade FILE.
    """
    # click stops option parsing at the first argument, so trailing options arrive inside ANSWER
    answer = list(answer)
    while answer:
        if answer[-1] == "--hint":
            hint = True
            answer.pop()
        elif len(answer) >= 2 and answer[-2] in ("--format", "--student", "--problems"):
            value = answer.pop()
            flag = answer.pop()
            if flag == "--format":
                if value not in ("text", "json"):
                    raise UsageProblem("--format must be text or json.")
                fmt = value
            elif flag == "--student":
                student = value
            else:
                problems_dir = value
        else:
            break
    if answer and answer[0] == "--":      # the shell's "end of options" marker is not part of the answer
        answer.pop(0)
    problem, part = _one_problem(problems_dir, problem_id, part_id)
    student = student or _env_student()
    values = _values(problem, student)
    _ensure_checkable(problem, part, values)
    if not problem.per_student:
        about = None
    elif values is None:
        about = _course_values_note(problem)
    else:
        about = _own_values_line(problem, student, values)
    from grader.checking.checker import check_within as grade
    from grader.show.text import verdict_json, verdict_lines
    style = _style()
    if hint:
        text = _next_hint(problem, part) or "This part has no hints."
        if not answer:
            if fmt == "json":
                _emit_json({"problem": problem.id, "part": part.id, "hint": text})
            else:
                click.echo(style.text(text))
            return
        click.echo(style.text(text), err=fmt == "json")
    if answer == ["-"]:
        texts = [_read_stdin_answer()]
    elif answer:
        texts = [" ".join(answer)]
    else:
        texts = None
    if texts is not None:
        verdict = _recognised(problem, part, texts[0], grade(problem, part, texts[0], values), values)
        if fmt == "json":
            _emit_json(_with_values(verdict_json(problem.id, part.id, verdict), problem, student, values))
        else:
            for line in verdict_lines(verdict, texts[0] if isinstance(texts[0], str) else None, style):
                click.echo(line)
            if about:
                click.echo(style.text(about))
        sys.exit(EXIT_OK if verdict.status == CORRECT else EXIT_WRONG)
    # interactive: keep asking until right
    if fmt == "text":
        from grader.show.text import expects, options_lines
        for line in [part.prompt.strip(), *options_lines(part), expects(part)]:
            click.echo(style.text(line), err=True)
    verdict = None
    while True:
        try:
            text = click.prompt("Your answer", default="", show_default=False, err=True, prompt_suffix=" > ")
        except (click.Abort, EOFError):
            break
        if not text.strip():
            break
        if text.strip() == "?":
            click.echo(style.text(_next_hint(problem, part) or "This part has no hints."), err=True)
            continue
        verdict = _recognised(problem, part, text, grade(problem, part, text, values), values)
        if fmt == "json":
            _emit_json(_with_values(verdict_json(problem.id, part.id, verdict), problem, student, values))
        else:
            for line in verdict_lines(verdict, text, style):
                click.echo(line)
            if about:
                click.echo(style.text(about))
        if verdict.status == CORRECT:
            break
    sys.exit(EXIT_OK if verdict is not None and verdict.status == CORRECT else EXIT_WRONG)


def _recognised(problem, part, answer, verdict, values):
    from grader.checking.othervalues import recognise
    return recognise(problem, part, answer, verdict, values)


def _with_values(obj: dict, problem, student, values) -> dict:
    """JSON of a per-student problem names the student and the values used (null: the course's)."""
    if problem.per_student:
        obj = dict(obj, student=student if values is not None else None,
                   values=dict(values) if values is not None else None)
    return obj


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="OUTDIR",
              help="For a folder of submissions: where to write the gradebook and feedback (default: grader-out).")
@click.option("--student", "students", multiple=True, metavar="ID",
              help="File: the student id (default: the file or folder name). Folder: regrade only these students.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: the number of cores).")
@click.option("--fail-under", type=float, default=None, metavar="SCORE",
              help="Exit 1 when a submission scores fewer than SCORE points (a CI gate).")
@click.option("--gradescope", "gradescope_path", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="File: also write Gradescope's results.json to PATH.")
@click.option("--deadline", type=float, default=CHECK_SECONDS, show_default=True, help="Seconds allowed per distinct answer.")
@assignment_option
@roster_option
@problems_option
@format_option
def grade(path, out_dir, students, jobs, fail_under, gradescope_path, deadline, assignment_path, roster_path,
          problems_dir, fmt):
    """Grade an answer file, or a folder with one submission per student.

    \b
    A file (answers.yaml: problem id -> part id -> answer) prints a table of parts and the total.
    A folder (DIR/<student>/answers.yaml or DIR/<student>.yaml) writes into OUTDIR:
    results.json, gradebook.csv, feedback/<student>.md, junit.xml, gradescope/<student>/results.json
    and report.html.
    """
    assignment = _assignment(assignment_path)
    bank = _assigned_bank(problems_dir, assignment)
    if path.is_dir():
        roster = _roster(roster_path)
        _grade_dir(path, out_dir or Path("grader-out"), list(students) or None, jobs, fail_under, deadline, bank,
                   assignment, roster)
        return
    if not path.exists() and not path.is_symlink():
        raise UsageProblem(f"no such file: {path}")
    from dataclasses import replace
    from grader.classes.submissions import grade_submission, read_answer_file
    sub = read_answer_file(path)
    if sub.error is not None:
        raise UsageProblem(f"cannot grade {path}: {sub.error}")
    student, source = _file_student(path, sub, students[0] if students else None)
    result = grade_submission(bank, replace(sub, student=student or "", declared=None))
    # the whole bank (or the assignment's problems): the total the class gradebook gives
    parts = list(result.parts)
    score, max_score = result.score, result.max_score
    randomized = [p for p in bank.values() if p.per_student]
    if gradescope_path is not None:
        from grader.formats.reports import write_gradescope
        write_gradescope(result, gradescope_path)
    if fmt == "json":
        from grader.show.text import verdict_json
        _emit_json({"student": result.student or None, "score": score, "max_score": max_score,
                    **({"student_from": source, "values": {pid: dict(v) for pid, v in result.values} or None}
                       if randomized else {}),
                    "parts": [dict(verdict_json(r.problem, r.part, r.verdict), answer=r.answer) for r in parts],
                    **({"notes": result.message} if result.message else {})})
    else:
        from grader.show.text import grade_table, score_text
        from grader.formats.reports import values_sentences
        style = _style()
        if assignment is not None:
            due = f" (due {assignment.due})" if assignment.due else ""
            click.echo(style.text(f"Assignment: {assignment.title}{due}"))
        if randomized and student:
            click.echo(style.text(f"Student: {student} (from {source}; --student ID or a 'student: ID' "
                                  f"line in the file gives another id)"))
            for line in values_sentences(result, bank):
                click.echo(style.text(line))
        elif randomized:
            for problem in randomized:
                click.echo(style.text(_course_values_note(problem)))
        for line in grade_table(parts, style):
            click.echo(line)
        if result.message:
            click.echo(style.text(f"Note: {result.message}"))
        click.echo(f"Total: {score_text(score)}/{score_text(max_score)}")
    all_right = all(r.verdict.status == CORRECT for r in parts)
    if fail_under is not None:
        sys.exit(EXIT_WRONG if score < fail_under - 1e-9 else EXIT_OK)
    sys.exit(EXIT_OK if all_right else EXIT_WRONG)


def _file_student(path: Path, sub, flag: Optional[str]) -> tuple[Optional[str], str]:
    """The student a single answer file is graded as, and where that id came from: --student,
    then $GRADER_STUDENT, then the file's `student:` line, then its folder (DIR/<id>/answers.yaml)
    or file name (DIR/<id>.yaml)."""
    from grader.classes.submissions import student_source
    if flag:
        return flag, "--student"
    if _env_student():
        return _env_student(), f"${STUDENT_ENV}"
    if sub.declared:
        return sub.declared, "the file's 'student:' line"
    return (sub.student or None), student_source(path)


class _Stopped(BaseException):
    """SIGTERM while grading a class: unwinds like Ctrl-C, so every `finally` runs."""


def _on_sigterm(signum, frame):
    raise _Stopped()


def _generated_at(epoch: Optional[str]) -> Optional[str]:
    """SOURCE_DATE_EPOCH pins the report's timestamp (reproducible builds convention)."""
    if not (epoch and epoch.strip().isdigit()):
        return None
    from datetime import datetime, timezone
    when = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _grade_dir(src, out, students, jobs, fail_under, deadline, bank, assignment=None, roster=None):
    import signal
    from grader.formats.cilog import safe_log_text
    from grader.classes.classrun import BatchError, fail_under as below, grade_class
    env_ci = os.environ.get("CI")
    env_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    env_epoch = os.environ.get("SOURCE_DATE_EPOCH")

    def log(line: str) -> None:
        click.echo(f"grader: {safe_log_text(line)}", err=True)

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Grading", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    show_bar = _isatty(sys.stderr) and not env_ci
    kept = (f"{out} still holds its previous complete set of outputs; the answers checked so far "
            f"are kept in its gradebook: run the same command again to continue")
    from grader.authoring.assignment import DEFAULT_TITLE
    from grader.classes.outputs import ClassInfo
    info = ClassInfo(assignment.title if assignment else DEFAULT_TITLE, assignment.due if assignment else None,
                     roster)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        outcome = grade_class(src, out, bank, jobs=jobs, students=students, deadline=deadline,
                              generated_at=_generated_at(env_epoch), summary=bool(env_summary),
                              on_progress=progress if show_bar else None, log=log, info=info)
    except BatchError as err:
        raise UsageProblem(safe_log_text(err)) from None
    except KeyboardInterrupt:
        click.echo(f"\ngrader: interrupted; {kept}.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except _Stopped:
        click.echo(f"grader: stopped (SIGTERM); {kept}.", err=True)
        sys.exit(EXIT_TERMINATED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if bar is not None:
            bar.__exit__(None, None, None)
    if env_summary and outcome.summary is not None:
        try:
            with open(env_summary, "a", encoding="utf-8") as fh:
                fh.write(outcome.summary + "\n")
        except OSError as exc:
            log(f"cannot write the GitHub step summary: {exc}")
    if outcome.found:
        from grader.formats.lms import roster_report
        from grader.authoring.roster import reconcile
        for line in roster_report(reconcile(roster, (r.student for r in outcome.results))):
            log(line)
    incomplete = f", {outcome.incomplete} not fully graded" if outcome.incomplete else ""
    click.echo(f"Graded {outcome.graded} submission(s), {outcome.errors} could not be graded{incomplete}; "
               f"{outcome.regraded} read and graded, {outcome.reused} unchanged, "
               f"{outcome.checked} distinct answer(s) checked; results in {out}", err=True)
    if outcome.exit_code:
        sys.exit(outcome.exit_code)
    if fail_under is not None and below(outcome, fail_under):
        sys.exit(EXIT_WRONG)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@main.command()
@click.argument("source", required=False, type=click.Path(path_type=Path), metavar="[DIR]")
@roster_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("handouts"), show_default=True,
              metavar="OUTDIR", help="Where to write values.csv and one <student>.md per student.")
@assignment_option
@problems_option
def handout(source, roster_path, out_dir, assignment_path, problems_dir):
    """Write every student's per-student values: OUTDIR/values.csv and OUTDIR/<student>.md.

    The students come from --roster CSV, or from a class folder DIR (one submission per student).
    """
    from grader.formats.handout import handout_csv, handout_markdown, randomized
    from grader.formats.reports import atomic_write, student_filenames
    from grader.authoring.roster import Person
    assignment = _assignment(assignment_path)
    bank = _assigned_bank(problems_dir, assignment)
    if not randomized(bank):
        raise UsageProblem("no problem gives per-student values, so everyone uses the course's values: "
                           "switch them on with 'randomize: per-student' in a problem or assignment file.")
    if roster_path is not None:
        people = list(_roster(roster_path).people)
    elif source is not None:
        if not source.is_dir():
            raise UsageProblem(f"{source} is not a folder of submissions")
        from grader.classes.submissions import scan
        people = [Person(e.student) for e in scan(source)]
    else:
        raise UsageProblem("name the students: --roster CSV, or a class folder DIR.")
    if not people:
        raise UsageProblem("there are no students to write handouts for.")
    due = assignment.due if assignment is not None else None
    names = student_filenames(p.submission for p in people)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(out_dir / "values.csv", handout_csv(bank, people))
        for person in people:
            atomic_write(out_dir / f"{names[person.submission]}.md", handout_markdown(bank, person, due))
    except OSError as err:
        raise UsageProblem(f"cannot write the handouts into {out_dir}: {os_reason(err)}") from None
    click.echo(f"Wrote the values of {len(people)} student(s) to {out_dir}/values.csv and one page each.", err=True)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("expressions", nargs=-1, type=click.UNPROCESSED, metavar="STUDENT REFERENCE")
@click.option("--positive", multiple=True, metavar="NAME", help="Sample NAME from positive values only (repeatable).")
@click.option("--function", "function_names", multiple=True, metavar="NAME",
              help="NAME is an unknown function, like f in f'(z) (repeatable); other names before brackets "
                   "are an error.")
@problems_option
@click.option("--problem", "problem_id", metavar="PROBLEM",
              help="Read both expressions with this problem's names and indices (for indexed answers).")
@click.option("--part", "part_id", metavar="PART",
              help="With --problem: compare as this part grades (its condition, tolerance, given values, rules).")
@click.option("--tolerance", type=click.FloatRange(min=0), metavar="X",
              help="Relative and absolute tolerance at every sampled point (default 1e-7 and 1e-9).")
@click.option("--rtol", type=click.FloatRange(min=0), metavar="X", help="Relative tolerance at every sampled point.")
@click.option("--atol", type=click.FloatRange(min=0), metavar="X", help="Absolute tolerance at every sampled point.")
@click.option("--let", "lets", multiple=True, metavar="NAME=NUMBER", help="Fix a value, e.g. --let x=9.72 (repeatable).")
@click.option("--where", metavar="CONDITION", help='Sample only where a condition holds, e.g. --where "x > 0".')
@format_option
def compare(expressions, positive, function_names, problems_dir, problem_id, part_id, tolerance, rtol, atol, lets,
            where, fmt):
    """Compare two expressions: equivalent, different (with a point where they differ) or invalid.

    Every free name is a real symbol (a_{0} and w_1 are single names); with --problem, the
    problem's declared symbols, indexed names, functions and index letters are used instead.

    \b
    Expressions starting with a minus sign work as typed:  grader compare -x+1 "1-x"
    Quote each expression in single quotes in the shell; f'(z) needs double quotes.
    """
    if len(expressions) != 2:
        raise UsageProblem(f"compare needs two expressions, STUDENT and REFERENCE (got {len(expressions)}); "
                           "quote each one, like: grader compare 'x*(1-x)' 'x-x^2'")
    student_expr, reference_expr = expressions
    from grader.checking import checker as equivalence
    from grader.authoring.fields import NAME_RE, NUMBER_RE
    let = {}
    for item in lets:
        name, _, number = item.partition("=")
        if not NAME_RE.fullmatch(name.strip()) or not NUMBER_RE.fullmatch(number.strip()):
            raise UsageProblem(f"--let takes NAME=NUMBER, like x=9.72, not '{item}'.")
        let[name.strip()] = float(number.strip())
    if part_id and not problem_id:
        raise UsageProblem("--part needs --problem.")
    problem = part = None
    if problem_id:
        problem, part = _one_problem(problems_dir, problem_id, part_id)
    outcome = equivalence.compare(student_expr, reference_expr, positive=tuple(positive),
                                  rtol=rtol if rtol is not None else tolerance,
                                  atol=atol if atol is not None else tolerance,
                                  let=let, where=where, problem=problem, part=part,
                                  functions_declared=tuple(function_names))
    if fmt == "json":
        _emit_json({"status": outcome.status, "message": outcome.message, "student": outcome.student,
                    "reference": outcome.reference})
    else:
        style = _style()
        if outcome.student:
            click.echo(style.text(f"Student:   {outcome.student}"))
        if outcome.reference:
            click.echo(style.text(f"Reference: {outcome.reference}"))
        click.echo(style.text(f"{outcome.status}: {outcome.message}"))
    sys.exit(EXIT_OK if outcome.status == "equivalent" else EXIT_WRONG)


@main.command()
def syntax():
    """How to type answers (the answer syntax)."""
    click.echo(_style().text(syntax_text()), nl=False)


def syntax_text() -> str:
    from importlib.resources import files
    for source in (lambda: files("grader.docs").joinpath("answer-syntax.md").read_text(encoding="utf-8"),
                   lambda: (Path(__file__).resolve().parents[2] / "docs" / "answer-syntax.md")
                   .read_text(encoding="utf-8")):
        try:
            return source()
        except (OSError, ModuleNotFoundError, FileNotFoundError, TypeError):
            continue
    raise click.ClickException("the syntax guide is missing from this installation")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@problems_option
def validate(paths, problems_dir):
    """Check problem files (default: the whole bank): schema, references, tests, mistake rules.

    \b
    The bank: --problems DIR (or $GRADER_PROBLEMS), else ./problems/ when this folder has one
    (the bank you are editing), else the bank installed with the grader.
    """
    from grader.authoring.validation import validate as run
    targets = list(paths) or [_editing_bank(problems_dir)]
    for p in targets:
        if not Path(str(p)).exists():
            raise UsageProblem(f"no such file or folder: {p}")
    issues = run(targets)
    for issue in issues:
        click.echo(str(issue))
    if issues:
        click.echo(f"{len(issues)} problem(s) found.", err=True)
        sys.exit(EXIT_BANK)
    click.echo("All problem files are valid.", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer (127.0.0.1) lets others reach the page.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--student", metavar="ID",
              help="The student using the page (default: $GRADER_STUDENT): shown, and their values used.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
@problems_option
def serve(host, port, student, no_browser, problems_dir):
    """Open a local web page to answer the problems: live preview of what the grader reads,
    Check with feedback, hints one at a time. Stop it with Ctrl-C."""
    try:
        from grader.interfaces import web
    except ImportError:
        raise UsageProblem('the web page needs the optional web extra: pip install "backprop-grader[web]"') from None
    bank = _bank(problems_dir)
    if not web.is_loopback(host):
        click.echo(f"grader: warning: listening on {host}: other computers can reach this page and use this "
                   f"computer to check answers. Use --host 127.0.0.1 to keep it local.", err=True)
    app = web.create_app(bank, student=student or _env_student())
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown_host}:{port}/"

    def ready():
        click.echo(f"The grader's page is at {url} (Ctrl-C stops it).", err=True)
        if not no_browser:
            import webbrowser
            webbrowser.open(url)
    try:
        web.run(app, host, port, on_ready=ready)
    except OSError as err:
        raise UsageProblem(f"cannot listen on {host}:{port}: {err.strerror or err}") from None


@main.command()
def schema():
    """Print the JSON Schema of problem files (for editors)."""
    from grader.authoring.schema import json_schema
    _emit_json(json_schema())


if __name__ == "__main__":  # pragma: no cover
    main()
