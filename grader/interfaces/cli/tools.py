"""The instructor's tools around a bank: `grader key` (answer keys) and `grader new` (a problem
file to start from). Apart from `instructor.py` so that each command stays small."""
from __future__ import annotations

from pathlib import Path

import click

from grader import os_reason
from grader.interfaces.cli.base import (
    Refusal, assigned_bank, assignment_option, find, format_option, main, problems_option, roster, roster_option,
)


@main.command()
@click.argument("problem_id", required=False, metavar="[PROBLEM]")
@click.option("--student", "students", multiple=True, metavar="ID",
              help="Compute with this student's values (repeatable; default: the course's values).")
@roster_option
@assignment_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Write DIR/<student>.txt (or .json) for each student instead of printing.")
@problems_option
@format_option
def key(problem_id, students, roster_path, assignment_path, out_dir, problems_dir, fmt):
    """Print the answer key: each part's answer for a student (default: every problem).

    \b
    Numeric parts: the number computed with the student's own values.
    Expressions: the reference.  Choices: the option letters and texts.
    Derivations: the chain from the start to the reference.
    With --assignment, per-student values are as the assignment switches them.
    """
    import grader
    bank, _ = assigned_bank(problems_dir, assignment_path)
    if problem_id is not None:
        found, _ = find(bank, problem_id)
        bank = {found.id: found}
    people = list(students) + ([p.submission for p in roster(roster_path).people] if roster_path else [])
    if out_dir is not None:
        try:
            n = grader.write_answer_keys(bank, people, out_dir, fmt)
        except OSError as err:
            raise Refusal(f"cannot write the answer keys into {out_dir}: {os_reason(err)}") from None
        click.echo(f"Wrote the answer keys of {n} student(s) to {out_dir}.", err=True)
        return
    keys = [grader.answer_key(bank[pid], student) for student in (people or [None]) for pid in sorted(bank)]
    click.echo(grader.answer_keys_text(keys, fmt), nl=False)


@main.command()
@click.argument("problem_id", metavar="ID")
@click.option("--problems", "problems_dir", type=click.Path(path_type=Path), default=Path("problems"),
              show_default=True, metavar="DIR", help="The folder to write ID.yaml into.")
def new(problem_id, problems_dir):
    """Start a problem: write DIR/ID.yaml, a commented example that validates, to edit.

    The comments teach the format (symbols, indices, a network block, an expression part with
    tests and a mistake rule, a numeric part over given values, a choice part, hints). An
    existing file is never overwritten.
    """
    import grader
    try:
        path = grader.new_problem(problem_id, problems_dir)
    except OSError as err:
        raise Refusal(f"cannot write {problems_dir}/{problem_id}.yaml: {os_reason(err)}") from None
    click.echo(f"Wrote {path}. Edit it, then check it with: grader validate {path}", err=True)
