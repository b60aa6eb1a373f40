"""The TA's commands: grade (one answer file, or a class folder) and handout."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import click

from grader import DEADLINE_SECONDS, BankError, Exit, os_reason
from grader.limits import RUN_BUDGET_PER_SUBMISSION, RUN_BUDGET_SECONDS, STUDENT_BUDGET_SECONDS
from grader.interfaces.cli.base import (
    Refusal, STUDENT_ENV, assigned_bank, assignment_option, emit_json, env_student, format_option, isatty, main,
    problems_option, roster, roster_option, style,
)


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
@click.option("--deadline", type=float, default=DEADLINE_SECONDS, show_default=True, help="Seconds allowed per distinct answer.")
@click.option("--student-budget", type=float, default=STUDENT_BUDGET_SECONDS, show_default=True, metavar="SECONDS",
              help="Folder: seconds of checking per student; once spent, their remaining answers are graded "
                   "'too complex to check'.")
@click.option("--run-budget", type=float, default=None, metavar="SECONDS",
              help=f"Folder: seconds of checking for the whole run (default: {RUN_BUDGET_SECONDS:g} + "
                   f"{RUN_BUDGET_PER_SUBMISSION:g} per submission); answers left are graded 'too complex to "
                   f"check in this grading run' and the next run checks them.")
@click.option("--even-if-invalid", is_flag=True,
              help="Folder: grade even when `grader validate` finds problems in the bank's problems (parts the "
                   "bank cannot check are then 'not graded'); without it such a run does not start (exit 5).")
@assignment_option
@roster_option
@problems_option
@format_option
def grade(path, out_dir, students, jobs, fail_under, gradescope_path, deadline, student_budget, run_budget,
          even_if_invalid, assignment_path, roster_path, problems_dir, fmt):
    """Grade an answer file, or a folder with one submission per student.

    \b
    A file (answers.yaml: problem id -> part id -> answer) prints a table of parts and the total.
    A folder (DIR/<student>/answers.yaml or DIR/<student>.yaml) writes into OUTDIR:
    results.json, gradebook.csv, feedback/<student>.md, junit.xml, gradescope/<student>/results.json
    and report.html.
    """
    bank, assignment = assigned_bank(problems_dir, assignment_path)
    if path.is_dir():
        _check_bank(bank, even_if_invalid)
        _grade_dir(path, out_dir or Path("grader-out"), list(students) or None, jobs, fail_under,
                   (deadline, student_budget, run_budget), bank, assignment, roster(roster_path))
        return
    if not path.exists() and not path.is_symlink():
        raise Refusal(f"no such file: {path}")
    import grader
    from grader.show.text import verdict_json
    sub = grader.read_answer_file(path)
    if sub.error is not None:
        raise Refusal(f"cannot grade {path}: {sub.error}")
    student, source = _file_student(path, sub, students[0] if students else None)
    result = grader.grade_submission(bank, replace(sub, student=student or "", declared=None))
    # the whole bank (or the assignment's problems): the total the class gradebook gives
    parts = list(result.parts)
    score, max_score = result.score, result.max_score
    randomized = [p for p in bank.values() if p.per_student]
    if gradescope_path is not None:
        grader.write_gradescope(result, gradescope_path)
    if fmt == "json":
        emit_json({"student": result.student or None, "score": score, "max_score": max_score,
                   **({"student_from": source, "values": {pid: dict(v) for pid, v in result.values} or None}
                      if randomized else {}),
                   "parts": [dict(verdict_json(r.problem, r.part, r.verdict), answer=r.answer) for r in parts],
                   **({"notes": result.message} if result.message else {})})
    else:
        from grader.show.text import grade_table, score_text
        from grader.show.values import course_values_note, values_sentences
        shown = style()
        if assignment is not None:
            due = f" (due {assignment.due})" if assignment.due else ""
            click.echo(shown.text(f"Assignment: {assignment.title}{due}"))
        if randomized and student:
            click.echo(shown.text(f"Student: {student} (from {source}; --student ID or a 'student: ID' "
                                  f"line in the file gives another id)"))
            for line in values_sentences(result, bank):
                click.echo(shown.text(line))
        elif randomized:
            for problem in randomized:
                click.echo(shown.text(course_values_note(problem)))
        for line in grade_table(parts, shown):
            click.echo(line)
        if result.message:
            click.echo(shown.text(f"Note: {result.message}"))
        click.echo(f"Total: {score_text(score)}/{score_text(max_score)}")
    if any(r.verdict.status == "not-graded" for r in parts):    # the bank's fault: no grade to judge
        sys.exit(Exit.UNGRADED)
    if fail_under is not None:
        sys.exit(Exit.WRONG if score < fail_under - 1e-9 else Exit.OK)
    sys.exit(Exit.OK if all(r.verdict.status == "correct" for r in parts) else Exit.WRONG)


def _check_bank(bank: dict, even_if_invalid: bool) -> None:
    """A class run starts on a bank `grader validate` accepts (the problems it grades), so that
    a broken part is found before a class is graded with it, not in every student's row."""
    import grader
    issues = grader.validate(sorted({p.path for p in bank.values() if p.path}))
    if not issues:
        return
    from grader.show.escape import safe_log_text
    for issue in issues:
        click.echo(f"grader: {safe_log_text(str(issue))}", err=True)
    if not even_if_invalid:
        raise BankError(f"grader validate found {len(issues)} problem(s) in the problems this run grades "
                        f"(listed above), so no submission was graded. Fix them and run again, or grade anyway "
                        f"with --even-if-invalid (parts the bank cannot check are then 'not graded').")
    click.echo(f"grader: grading anyway (--even-if-invalid) although grader validate found {len(issues)} "
               f"problem(s); parts the bank cannot check are 'not graded' in every output.", err=True)


def _file_student(path: Path, sub, flag: Optional[str]) -> tuple[Optional[str], str]:
    """The student a single answer file is graded as, and where that id came from: --student,
    then $GRADER_STUDENT, then the file's `student:` line, then its folder (DIR/<id>/answers.yaml)
    or file name (DIR/<id>.yaml)."""
    import grader
    if flag:
        return flag, "--student"
    if env_student():
        return env_student(), f"${STUDENT_ENV}"
    if sub.declared:
        return sub.declared, "the file's 'student:' line"
    return (sub.student or None), grader.student_source(path)


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


def _grade_dir(src, out, students, jobs, fail_under, times, bank, assignment=None, people=None):
    """`times`: the seconds per answer (--deadline), per student and per run (the budgets)."""
    import signal
    import grader
    env_ci = os.environ.get("CI")
    env_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    env_epoch = os.environ.get("SOURCE_DATE_EPOCH")

    from grader.show.escape import safe_log_text

    def said(line: str) -> None:              # the class run's lines: already made safe, once
        click.echo(f"grader: {line}", err=True)

    def log(line: str) -> None:               # this command's own lines (roster, step summary)
        said(safe_log_text(line))

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Grading", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    show_bar = isatty(sys.stderr) and not env_ci
    in_place = False            # this run's outputs are the set OUTDIR shows

    def switched() -> None:
        nonlocal in_place
        in_place = True

    # SIGTERM and Ctrl-C are honoured until the command's last line, each with a line saying
    # which set OUTDIR holds: the previous one or, once switched in, this run's complete set
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        deadline, student_budget, run_budget = times
        try:
            outcome = grader.grade_class(src, out, problems=bank, jobs=jobs, students=students, deadline=deadline,
                                         student_budget=student_budget, run_budget=run_budget,
                                         generated_at=_generated_at(env_epoch), summary=bool(env_summary),
                                         on_progress=progress if show_bar else None, log=said,
                                         title=assignment.title if assignment else None,
                                         due=assignment.due if assignment else None, roster=people,
                                         on_switched=switched)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        status = _report(grader, outcome, out, people, env_summary, log, fail_under)
    except KeyboardInterrupt:
        click.echo(f"\ngrader: interrupted{_what_is_kept(out, in_place)}.", err=True)
        sys.exit(Exit.INTERRUPTED)
    except _Stopped:
        click.echo(f"grader: stopped (SIGTERM){_what_is_kept(out, in_place)}.", err=True)
        sys.exit(Exit.TERMINATED)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if status:
        sys.exit(status)


def _what_is_kept(out, in_place: bool) -> str:
    if in_place:
        return f" after this run's outputs were in place; {out} holds this run's complete set of outputs"
    return (f"; {out} still holds its previous complete set of outputs; the answers checked so far "
            f"are kept in its gradebook: run the same command again to continue")


def _report(grader, outcome, out, people, env_summary, log, fail_under) -> int:
    """The lines after a class run (step summary, roster, counts) and its exit status."""
    if env_summary and outcome.summary is not None:
        try:
            with open(env_summary, "a", encoding="utf-8") as fh:
                fh.write(outcome.summary + "\n")
        except OSError as exc:
            log(f"cannot write the GitHub step summary: {exc}")
    if outcome.found:
        for line in grader.roster_report(people, (r.student for r in outcome.results)):
            log(line)
    if outcome.exit_code == Exit.NOTHING:
        click.echo(f"No submission found: nothing was graded, and {out} was left as it was.", err=True)
        return outcome.exit_code
    incomplete = f", {outcome.incomplete} not fully graded" if outcome.incomplete else ""
    if outcome.ungraded:
        incomplete += f", {outcome.ungraded} not graded (a part the problem bank cannot check)"
    click.echo(f"Graded {outcome.graded} submission(s), {outcome.errors} could not be graded{incomplete}; "
               f"{outcome.regraded} read and graded, {outcome.reused} unchanged, "
               f"{outcome.checked} distinct answer(s) checked; results in {out}", err=True)
    if outcome.exit_code:
        return outcome.exit_code
    if fail_under is not None and outcome.below(fail_under):
        return Exit.WRONG
    return Exit.OK


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
    import grader
    bank, assignment = assigned_bank(problems_dir, assignment_path)
    if roster_path is not None:
        people = list(roster(roster_path).people)
    elif source is not None:
        if not source.is_dir():
            raise Refusal(f"{source} is not a folder of submissions")
        people = grader.students_in(source)
    else:
        people = []
    if not people and roster_path is None and source is None and any(p.per_student for p in bank.values()):
        raise Refusal("name the students: --roster CSV, or a class folder DIR.")
    try:
        n = grader.write_handouts(bank, people, out_dir, assignment.due if assignment is not None else None,
                                 assignment_path.name if assignment_path is not None else None)
    except OSError as err:
        raise Refusal(f"cannot write the handouts into {out_dir}: {os_reason(err)}") from None
    click.echo(f"Wrote the values of {n} student(s) to {out_dir}/values.csv and one page each.", err=True)
