"""What every `grader` command shares: the group, usage errors in our words, the one handler
that maps errors to exit statuses, the bank rule, and the options and helpers that read the
environment (the CLI reads it here, once, and passes values to the library).

The library is imported inside each command, on purpose: importing all of it (NumPy, the
checker, the batch and web modules) takes 0.34 s on the 2-core development machine against
0.13 s for the CLI alone, and a student waits for that on every `grader check`.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import sys
from pathlib import Path
from typing import Optional

import click

from grader import __version__
from grader import BankError, Exit, GraderError, os_reason

from grader.show.values import STUDENT_ENV
from grader.interfaces.cli.pipes import guard_std_streams
PROBLEMS_ENV = "GRADER_PROBLEMS"

problems_option = click.option(
    "--problems", "problems_dir", metavar="DIR",
    help="Folder of problem files (default: $GRADER_PROBLEMS, else ./problems/ when it has problem files, "
         "else the bank installed with the grader).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                             show_default=True, help="Output format.")
assignment_option = click.option(
    "--assignment", "assignment_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
    help="Assignment file (YAML): which problems, points, per-student values on/off, due date.")
roster_option = click.option(
    "--roster", "roster_path", type=click.Path(path_type=Path), default=None, metavar="CSV",
    help="Roster CSV (submission, name, email, sis_id, login_id, canvas_id, section) for the LMS exports.")


class Refusal(GraderError):
    """A command line the CLI itself refuses (exit 2)."""


# --- the bank, problems, assignment and roster -----------------------------------------------

def bank_location(problems_dir: Optional[str], always_say: bool = False):
    """The one rule (`grader.locate_bank`): --problems, $GRADER_PROBLEMS, ./problems/, the
    installed bank. Said on stderr unless it is the installed bank (`always_say`: also then)."""
    import grader
    location = grader.locate_bank(problems_dir, os.environ.get(PROBLEMS_ENV), Path("."))
    if always_say or not location.installed:
        click.echo(location.describe(), err=True)
    return location


def load_bank(problems_dir: Optional[str], location=None) -> dict:
    import grader
    location = location or bank_location(problems_dir)
    try:
        return grader.load_bank(location.path)
    except OSError as err:
        raise Refusal(f"cannot read the problem bank {location.path}: {os_reason(err)}") from None


def assigned_bank(problems_dir: Optional[str], assignment_path: Optional[Path], location=None):
    """The bank as the assignment grades it (its problems, points and per-student values), and
    the assignment (None without one). `location`: the bank already located (`bank_location`)."""
    import grader
    assignment = grader.load_assignment(assignment_path) if assignment_path is not None else None
    return grader.assigned(load_bank(problems_dir, location), assignment), assignment


def assigned_problem(problems_dir: Optional[str], assignment_path: Optional[Path], problem_id: str,
                     part_id: Optional[str] = None):
    """(Problem, Part) as the assignment grades it: with --assignment, from `assigned_bank` (the
    handout's and the class run's values); without, from the problem's own file."""
    if assignment_path is None:
        return one_problem(problems_dir, problem_id, part_id)
    bank, _ = assigned_bank(problems_dir, assignment_path)
    if problem_id not in bank and problem_id in load_bank(problems_dir, bank_location(problems_dir)):
        raise Refusal(f"the assignment {assignment_path} does not list problem '{problem_id}' "
                      f"(it lists: {', '.join(bank)}).")
    return find(bank, problem_id, part_id)


def roster(path: Optional[Path]):
    import grader
    return grader.load_roster(path) if path is not None else None


def find(problems, problem_id: str, part_id: Optional[str] = None):
    """(Problem, Part) from a loaded bank or a bank location; an unknown name is a usage error
    that says how to see the names."""
    import grader
    try:
        return grader.find(problems.path if hasattr(problems, "path") else problems, problem_id, part_id)
    except grader.UnknownName as err:
        lost = err.message.startswith("unknown problem") and not err.suggestions
        raise Refusal(err.message + (" Run `grader list` to see the problems." if lost else "")) from None


def one_problem(problems_dir: Optional[str], problem_id: str, part_id: Optional[str] = None):
    return find(bank_location(problems_dir), problem_id, part_id)


# --- the student and the terminal -------------------------------------------------------------

def env_student() -> Optional[str]:
    return os.environ.get(STUDENT_ENV) or None


def style():
    from grader.show.text import Style
    return Style.detect(sys.stdout, os.environ)


def read_text(path: str, what: str) -> str:
    """The text of a file a person names for one answer or one chain (`-`: standard input),
    refused in our words when it cannot be one: missing, a folder, too large, not text. A
    byte-order mark (Windows Notepad) and the final line break are not part of it."""
    from grader.limits import MAX_ANSWER_INPUT_BYTES as limit
    where = "standard input" if path == "-" else f"the file {path}"
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as stream:
                data = stream.read(limit + 1)
    except OSError as err:
        raise Refusal(f"cannot read {where}: {os_reason(err)}.") from None
    if len(data) > limit:
        raise Refusal(f"{where} has more than {limit:,} bytes; it should hold {what}.")
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\0"), data.index(b"\0") + 1, "NUL")
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Refusal(f"{where} is not text (byte {err.start + 1:,} is not a character): it should hold {what}, "
                      f"saved as plain text (UTF-8).") from None
    return text.removeprefix("\ufeff").rstrip("\r\n")


def emit_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False))


def isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- usage errors in our words, and the one error handler -------------------------------------

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

    exit_code = Exit.USAGE

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


_LONG_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(=.*)?", re.DOTALL)


class AnswerCommand(_Command):
    """A command whose last argument is an answer typed as words (`grader check P PART ANSWER`).

    Answers start with a minus sign (`-0.004`, `-(y - a)`), so after PART only a long option
    (`--name`, `--name=value`) is an option: a known one is taken wherever it stands, an unknown
    one is a usage error naming it (never part of the answer), anything else is the answer, as
    typed. `--` ends the options: what follows is the answer even if it looks like one."""

    def parse_args(self, ctx, args):
        options = {name: param for param in self.params if isinstance(param, click.Option)
                   for name in (*param.opts, *param.secondary_opts)}
        options.update({name: None for name in ctx.help_option_names})
        leading = sum(1 for p in self.params if isinstance(p, click.Argument) and p.nargs == 1)
        taken, positional, i = [], [], 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "--":
                positional.extend(args[i:])
                break
            name = token.partition("=")[0]
            is_option = (_LONG_OPTION.fullmatch(token) is not None if len(positional) >= leading
                         else token.startswith("-") and token != "-")
            if not is_option:
                positional.append(token)
                continue
            if name not in options:
                close = difflib.get_close_matches(name, [o for o in options if o.startswith("--")], n=2)
                raise _reworded(click.NoSuchOption(name, possibilities=close, ctx=ctx))
            taken.append(token)
            param = options[name]
            if param is not None and getattr(param, "_flag_needs_value", False) and "=" not in token:
                if i < len(args) and args[i].isdigit():     # `--hint 2`; a bare `--hint` is its flag value
                    taken.append(args[i])
                    i += 1
                continue
            if param is not None and not param.is_flag and "=" not in token:
                if i == len(args):
                    raise _reworded(click.BadOptionUsage(name, "", ctx))
                taken.append(args[i])
                i += 1
        return super().parse_args(ctx, [*taken, "--", *positional])


def error_line(err: GraderError) -> str:
    """How the CLI states an error that stops a command: the bank's faults say so first."""
    from grader.show.escape import safe_log_text
    text = safe_log_text(str(err))
    return f"the problem bank is invalid: {text}" if isinstance(err, BankError) else text


class Group(_OurUsageErrors, click.Group):
    """The one handler: a GraderError ends the command with its message and its own exit
    status (`GraderError.exit_code`); any other exception is exit 70 with a one-line message,
    never a traceback; usage errors in our words."""

    command_class = _Command

    def main(self, *args, **kwargs):
        # before anything is parsed or printed: a reader that goes away (`| head -1`) must not
        # stop the command or change its exit status (pipes.py)
        guard_std_streams()
        return super().main(*args, **kwargs)

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
        except GraderError as err:
            click.echo(f"Error: {error_line(err)}", err=True)
            ctx.exit(int(err.exit_code))
        except Exception as exc:  # noqa: BLE001 - last line of defence for students
            if os.environ.get("GRADER_DEBUG"):
                raise
            click.echo(f"grader: internal error ({type(exc).__name__}); please report it with the command you ran. "
                       f"Set GRADER_DEBUG=1 to see details.", err=True)
            ctx.exit(Exit.INTERNAL)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="grader")
def main():
    """Check answers to the backpropagation problems, one at a time or a whole class at once.

    \b
    Start with:  grader list            (the problems)
                 grader show sigmoid    (a problem's statement)
                 grader check sigmoid derivative "e^(-z)/(1+e^(-z))^2"
                 grader syntax          (how to type answers)
    """
