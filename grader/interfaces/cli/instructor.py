"""The instructor's commands: compare, validate, schema."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import Exit
from grader.interfaces.cli.base import (
    Refusal, bank_location, emit_json, find, format_option, main, problems_option, read_text, style,
)


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
@click.option("--steps", "steps_file", metavar="FILE",
              help='Compare each line of FILE with the line before it (a chain; "-": standard input).')
@format_option
def compare(expressions, positive, function_names, problems_dir, problem_id, part_id, tolerance, rtol, atol, lets,
            where, steps_file, fmt):
    """Compare two expressions: equivalent, different (with a point where they differ) or invalid.

    Every free name is a real symbol (a_{0} and w_1 are single names); with --problem, the
    problem's declared symbols, indexed names, functions and index letters are used instead.

    \b
    Expressions starting with a minus sign work as typed:  grader compare -x+1 "1-x"
    Quote each expression in single quotes in the shell; f'(z) needs double quotes.

    \b
    --steps FILE checks a chain: one expression per line (a leading "=" is allowed), each
    compared with the line before it, with the same options. Equivalent only if every step is.
    """
    import grader
    if steps_file is not None:
        _compare_steps(expressions, steps_file, positive, function_names, problems_dir, problem_id, part_id,
                       tolerance, rtol, atol, lets, where, fmt)
    if len(expressions) != 2:
        raise Refusal(f"compare needs two expressions, STUDENT and REFERENCE (got {len(expressions)}); "
                      "quote each one, like: grader compare 'x*(1-x)' 'x-x^2'")
    if part_id and not problem_id:
        raise Refusal("--part needs --problem.")
    problem = part = None
    if problem_id:
        problem, part = find(bank_location(problems_dir), problem_id, part_id)
    outcome = grader.compare(*expressions, problem=problem, part=part, positive=positive, functions=function_names,
                             rtol=rtol if rtol is not None else tolerance,
                             atol=atol if atol is not None else tolerance, let=lets, where=where)
    if fmt == "json":
        emit_json({"status": outcome.status, "message": outcome.message, "student": outcome.student,
                   "reference": outcome.reference})
    else:
        shown = style()
        if outcome.student:
            click.echo(shown.text(f"Student:   {outcome.student}"))
        if outcome.reference:
            click.echo(shown.text(f"Reference: {outcome.reference}"))
        click.echo(shown.text(f"{outcome.status}: {outcome.message}"))
    sys.exit(Exit.OK if outcome.status == "equivalent" else Exit.WRONG)


def _compare_steps(expressions, steps_file, positive, function_names, problems_dir, problem_id, part_id, tolerance,
                   rtol, atol, lets, where, fmt):
    import grader
    from grader.show.text import compared_steps_json, compared_steps_lines
    if expressions:
        raise Refusal("compare --steps takes the expressions from FILE, not from the command line "
                      f"(got {len(expressions)} more).")
    if part_id and not problem_id:
        raise Refusal("--part needs --problem.")
    text = read_text(steps_file, "a chain of expressions, one per line")
    problem = part = None
    if problem_id:
        problem, part = find(bank_location(problems_dir), problem_id, part_id)
    outcome = grader.compare_steps(text, problem=problem, part=part, positive=positive, functions=function_names,
                                   rtol=rtol if rtol is not None else tolerance,
                                   atol=atol if atol is not None else tolerance, let=lets, where=where)
    if fmt == "json":
        emit_json(compared_steps_json(outcome))
    else:
        for line in compared_steps_lines(outcome, style()):
            click.echo(line)
    sys.exit(Exit.OK if outcome.status == "equivalent" else Exit.WRONG)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@problems_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (a rule that cannot fire, a part without tests...).")
def validate(paths, problems_dir, strict):
    """Check problem files (default: the whole bank): schema, references, tests, mistake rules.

    \b
    The bank: --problems DIR (or $GRADER_PROBLEMS), else ./problems/ when this folder has one
    (the bank you are editing), else the bank installed with the grader.
    """
    import grader
    targets = list(paths) or [bank_location(problems_dir, always_say=True).path]
    for p in targets:
        if not Path(str(p)).exists():
            raise Refusal(f"no such file or folder: {p}")
    issues = grader.validate(targets, warnings=True)
    errors = [issue for issue in issues if not issue.warning]
    warnings = len(issues) - len(errors)
    for issue in issues if strict else errors:
        click.echo(str(issue))
    if errors or (strict and warnings):
        click.echo(f"{len(errors)} problem(s) and {warnings} warning(s) found." if warnings
                   else f"{len(errors)} problem(s) found.", err=True)
        sys.exit(Exit.BANK)
    click.echo("All problem files are valid.", err=True)


@main.command()
def schema():
    """Print the JSON Schema of problem files (for editors)."""
    import grader
    emit_json(grader.json_schema())
