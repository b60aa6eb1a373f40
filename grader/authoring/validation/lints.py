"""Lints: what grading cannot show, read from the file: names in `forbidden`/`required` the
problem does not declare, duplicate options (errors); parts without tests, unused symbols,
mistake messages that give the answer away (warnings, failing only `--strict`)."""
from __future__ import annotations

import difflib
import re
from dataclasses import replace as dc_replace

from grader.answers import parser
from grader.model import EXPRESSION, NUMERIC, Part, Problem
from grader.answers import functions


def _declared(problem: Problem, name: str) -> bool:
    if problem.table.get(name) is not None or functions.lookup(name) is not None:
        return True
    try:
        parser.parse(name, problem.table)
        return True
    except Exception:  # noqa: BLE001 - a name the problem does not know
        return False


def lints(problem: Problem, lines: dict, issue) -> None:
    """What grading cannot show but an author wants to know: names in `forbidden`/`required`
    that nothing can use (a misspelt restriction restricts nothing), duplicate options (errors);
    parts without tests, unused symbols, mistake messages that give the answer away (warnings)."""
    names = list(problem.table.names)
    for part in problem.parts:
        where, line = f"part '{part.id}'", part.line or None
        for key in ("forbidden", "required"):
            for name in getattr(part, key):
                if not _declared(problem, name):
                    close = difflib.get_close_matches(name, names, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    issue(line, f"{where}: '{name}' in {key} is not a name this problem declares{hint}")
        seen: dict[str, str] = {}
        for label, text in zip(choice_labels_for(part), part.options):
            key = " ".join(text.split()).casefold()
            if key in seen:
                issue(line, f"{where}: options {seen[key]} and {label} are the same ('{text}')")
            seen.setdefault(key, label)
        if not part.tests:
            issue(line, f"{where}: it has no tests: add a right answer and one for each mistake, so that "
                        f"validate shows it grades as you mean", warning=True)
        answer = "".join(part.answer.split())
        if part.kind in (EXPRESSION, NUMERIC) and len(answer) > 1:
            for i, mk in enumerate(part.mistakes):
                if answer in "".join(mk.message.split()):
                    issue(lines.get(("mistake", part.id, i), line),
                          f"{where}: the message of mistake '{mk.tag}' contains the reference answer "
                          f"'{part.answer}': it gives the answer away", warning=True)
    for name in _unused(problem):
        issue(None, f"symbol '{name}' is declared but used nowhere (not in the text, an answer, a test or "
                    f"a condition)", warning=True)


def _unused(problem: Problem) -> list[str]:
    """Declared symbols no text, answer, test, condition, value or network of the problem names."""
    rest = dc_replace(problem, table=dc_replace(problem.table, symbols=()))
    words = set(re.findall(r"[A-Za-z]\w*", repr(rest) + " ".join(str(s.definition) for s in problem.table.symbols)))
    return [s.name for s in problem.table.symbols if s.name not in words]


def choice_labels_for(part: Part) -> list[str]:
    return [chr(ord("A") + i) for i in range(len(part.options))]
