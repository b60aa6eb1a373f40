"""The student's commands: list, show, check, syntax, serve."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import click

from grader import Exit
from grader.limits import MAX_ANSWER_INPUT_BYTES
from grader.show.prose import part_with_values, plain, with_values
from grader.interfaces.cli.base import (
    AnswerCommand, Refusal, assigned_bank, assigned_problem, assignment_option, bank_location, emit_json,
    env_student, format_option, load_bank, main, problems_option, read_text, style,
)


@main.command("list")
@problems_option
@format_option
def list_cmd(problems_dir, fmt):
    """List the problems and their parts with points (the bank: see `grader validate --help`)."""
    bank = load_bank(problems_dir, bank_location(problems_dir, always_say=True))
    if fmt == "json":
        emit_json([{"id": p.id, "title": p.title,
                    "parts": [{"id": q.id, "kind": q.kind, "points": q.points} for q in p.parts]}
                   for p in bank.values()])
        return
    from grader.show.text import score_text
    for p in bank.values():
        click.echo(f"{p.id}  {p.title}  ({score_text(p.max_score)} point{'' if p.max_score == 1 else 's'})")
        for q in p.parts:
            click.echo(f"    {q.id:<32} {q.kind:<13} {score_text(q.points)} pt")


@main.command()
@click.argument("problem_id", metavar="PROBLEM")
@click.option("--student", metavar="ID", help="Show the given values drawn for this student.")
@assignment_option
@problems_option
@format_option
def show(problem_id, student, assignment_path, problems_dir, fmt):
    """Show a problem: statement, names to use, each part's prompt and answer format."""
    import grader
    from grader.show.text import problem_text
    problem, _ = assigned_problem(problems_dir, assignment_path, problem_id)
    given = grader.given_values(problem, student or env_student())
    if fmt == "json":
        seen = with_values(problem, given)
        emit_json({"id": problem.id, "title": problem.title, "statement": plain(seen.statement), "given": given,
                   "parts": [{"id": q.id, "kind": q.kind, "points": q.points, "prompt": plain(q.prompt),
                              "options": list(q.options)} for q in seen.parts]})
        return
    click.echo(problem_text(problem, given, style()), nl=False)


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
    return f"Hint {index + 1} of {len(part.hints)}: {plain(part.hints[index])}"


def _hint_again(problem, part, number: int) -> Optional[str]:
    """Hint `number` once more, if it was shown before: hints stay one at a time."""
    if not part.hints:
        return None
    try:
        state = json.loads(_hint_state().read_text(encoding="utf-8"))
        shown = state.get(f"{problem.id}/{part.id}", 0) if isinstance(state, dict) else 0
    except (OSError, ValueError):
        shown = 0
    shown = shown if isinstance(shown, int) and shown > 0 else 0
    if not 1 <= number <= len(part.hints):
        raise Refusal(f"this part has {len(part.hints)} hint{'s' if len(part.hints) != 1 else ''}: "
                      f"there is no hint {number}.")
    if number > shown:
        seen = f"you have seen hints 1 to {shown}" if shown > 1 else \
            ("you have seen hint 1" if shown == 1 else "you have seen none yet")
        raise Refusal(f"hint {number} is not shown yet ({seen}): --hint alone shows the next one.")
    return f"Hint {number} of {len(part.hints)}: {plain(part.hints[number - 1])}"


def _read_stdin_answer() -> str:
    data = sys.stdin.buffer.read(MAX_ANSWER_INPUT_BYTES + 1)
    if len(data) > MAX_ANSWER_INPUT_BYTES:
        return "x" * (MAX_ANSWER_INPUT_BYTES + 1)  # refused by the parser's length limit with its own message
    try:
        return data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return data  # the checker reports invalid UTF-8


@main.command(cls=AnswerCommand)
@click.argument("problem_id", metavar="PROBLEM")
@click.argument("part_id", metavar="PART")
@click.argument("answer", nargs=-1, type=click.UNPROCESSED)
@click.option("--answer-file", "answer_file", metavar="FILE",
              help="Read the answer from FILE, e.g. a derivation, one line per step (\"-\": standard input).")
@click.option("--hint", "hint", type=int, is_flag=False, flag_value=0, default=None, metavar="[N]",
              help="Show the part's next hint (one more each time); --hint N shows hint N again.")
@click.option("--student", metavar="ID", help="Use the given values drawn for this student.")
@assignment_option
@problems_option
@format_option
def check(problem_id, part_id, answer, answer_file, hint, student, assignment_path, problems_dir, fmt):
    """Check one ANSWER to PART of PROBLEM.

    \b
    Answers that start with a minus sign work as typed:  grader check two-layer-example dC-dw2 -0.004
    ANSWER "-" reads the answer from standard input, --answer-file FILE from a file: a
    derivation has one step per line. With no ANSWER, you are asked for answers until the part
    is right (an empty line or Ctrl-D quits; "?" shows a hint); a derivation is asked line by
    line, and an empty line checks it.
    Options may follow the answer; a word starting with -- that is not an option is an error,
    so put "--" before an answer that starts with two minus signs.

    \b
    Quote the answer for the shell: single quotes keep ( ) * | ! $ \\ as typed,
      grader check sigmoid derivative 'e^(-z)/(1+e^(-z))^2'
    an answer with a prime needs double quotes,
      grader check hidden-error delta-l "sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)"
    or skip the shell: ANSWER "-" (standard input), --answer-file FILE, no ANSWER (asked
    interactively), or an answers file with grader grade FILE.
    """
    import grader
    from grader.show.text import verdict_json, verdict_lines
    from grader.show.values import course_values_note, own_values_line, shared_values_note
    answer = list(answer)       # AnswerCommand took the options wherever they stood
    if answer_file is not None and answer:
        raise Refusal("give the answer either after PART or with --answer-file, not both.")
    problem, part = assigned_problem(problems_dir, assignment_path, problem_id, part_id)
    student = student or env_student()
    values = grader.student_values(problem, student)
    grader.ensure_checkable(problem, part, student)
    seen = part_with_values(part, grader.given_values(problem, student))     # prompt and hints with their values
    if not problem.per_student:
        about = shared_values_note(problem) if student and problem.variants else None
    elif values is None:
        about = course_values_note(problem)
    else:
        about = own_values_line(problem, student, values)
    shown = style()

    def report(text) -> bool:
        verdict = grader.grade_answer(problem, part, text, student=student)
        if fmt == "json":
            emit_json(_with_values(verdict_json(problem.id, part.id, verdict), problem, student, values))
        else:
            for line in verdict_lines(verdict, text if isinstance(text, str) else None, shown):
                click.echo(line)
            if about:
                click.echo(shown.text(about))
        return verdict.status == "correct"

    if hint is not None:
        text = (_next_hint(problem, seen) if hint == 0 else _hint_again(problem, seen, hint)) \
            or "This part has no hints."
        if not answer:
            if fmt == "json":
                emit_json({"problem": problem.id, "part": part.id, "hint": text})
            else:
                click.echo(shown.text(text))
            return
        click.echo(shown.text(text), err=fmt == "json")
    if answer_file is not None:
        right = report(read_text(answer_file, "one answer"))
        sys.exit(Exit.OK if right else Exit.WRONG)
    if answer:
        right = report(_read_stdin_answer() if answer == ["-"] else " ".join(answer))
        sys.exit(Exit.OK if right else Exit.WRONG)
    # interactive: keep asking until right
    chain = part.kind == "derivation"
    if fmt == "text":
        from grader.show.text import expects, hints_line, names_line, options_lines
        names = [names_line(problem, values or {})] if part.kind not in ("choice", "multi-choice") else []
        for line in [plain(seen.prompt.strip()), *options_lines(seen), *filter(None, names), expects(part),
                     *([CHAIN_HOW] if chain else []), hints_line(part)]:
            click.echo(shown.text(line), err=True)

    def hint_asked() -> None:
        click.echo(shown.text(_next_hint(problem, seen) or "This part has no hints."), err=True)
    right = False
    while not right:
        text = _ask_chain(hint_asked) if chain else _ask_answer(hint_asked)
        if text is None:
            break
        right = report(text)
    sys.exit(Exit.OK if right else Exit.WRONG)


CHAIN_HOW = ("Type the derivation one line at a time, each step starting with '='. An empty line checks it; "
             "an empty first line (or Ctrl-D) quits, and \"?\" shows a hint.")


def _prompt(label: str) -> Optional[str]:
    """One line typed at the terminal; None at Ctrl-D or Ctrl-C."""
    try:
        return click.prompt(label, default="", show_default=False, err=True, prompt_suffix=" > ")
    except (click.Abort, EOFError):
        return None


def _ask_answer(hint_asked) -> Optional[str]:
    """One answer, asked for until one is given; None to quit (an empty line, Ctrl-D)."""
    while True:
        text = _prompt("Your answer")
        if text is None or not text.strip():
            return None
        if text.strip() != "?":
            return text
        hint_asked()


def _ask_chain(hint_asked) -> Optional[str]:
    """A derivation, line by line until an empty line (Ctrl-D also ends it); None to quit: an
    empty line, or Ctrl-D, before the first line."""
    lines: list[str] = []
    while True:
        text = _prompt(f"Line {len(lines) + 1}")
        if text is None or not text.strip():
            return "\n".join(lines) if lines else None
        if text.strip() == "?":
            hint_asked()
            continue
        lines.append(text)


def _with_values(obj: dict, problem, student, values) -> dict:
    """JSON of a per-student problem names the student and the values used (null: the course's)."""
    if problem.per_student:
        obj = dict(obj, student=student if values is not None else None,
                   values=dict(values) if values is not None else None)
    return obj


@main.command()
def syntax():
    """How to type answers (the answer syntax)."""
    import grader
    click.echo(style().text(grader.syntax_guide()), nl=False)


def _watch(web, folder, assignment):
    """The bank's folder, watched (--reload, and by default a problems/ folder here: the bank being
    written), reloaded as at start-up (with the assignment). Only its own files: the loader reads
    no sub-folder, so neither does the watch."""
    import grader
    return web.BankWatch(folder, lambda: grader.assigned(grader.load_bank(folder), assignment),
                         lambda line: click.echo(line, err=True))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer (127.0.0.1) lets others reach the page.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--student", metavar="ID",
              help="The student using the page (default: $GRADER_STUDENT): shown, and their values used.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
@click.option("--reload/--no-reload", default=None,
              help="Pick up edited problem files on the next request (while you write them). "
                   "Default: on for a problems/ folder found here, off for any other bank.")
@assignment_option
@problems_option
def serve(host, port, student, no_browser, reload, assignment_path, problems_dir):
    """Open a local web page to answer the problems: live preview of what the grader reads,
    Check with feedback, hints one at a time. Stop it with Ctrl-C."""
    try:
        from grader.interfaces import web
    except ImportError:
        raise Refusal('the web page needs the optional web extra: pip install "backprop-grader[web]"') from None
    location = bank_location(problems_dir)      # located once: the page's bank is the one --reload watches
    bank, assignment = assigned_bank(problems_dir, assignment_path, location)
    if not web.is_loopback(host):
        click.echo(f"grader: warning: listening on {host}: other computers can reach this page and use this "
                   f"computer to check answers. Use --host 127.0.0.1 to keep it local.", err=True)
    watch = _watch(web, location.path, assignment) if (location.here if reload is None else reload) else None
    if watch is not None:
        off = " (--no-reload serves them as they are now)" if reload is None else ""
        click.echo(f"Watching {location.path}: edited problem files are picked up on the next request{off}.", err=True)
    app = web.create_app(bank, student=student or env_student(), host=host, watch=watch)
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
        raise Refusal(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
