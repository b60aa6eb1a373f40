"""Verdicts and problems as a person reads them in a terminal, and as stable JSON.

Colour and check marks only where a terminal will show them (not when piped, not with
NO_COLOR); Unicode maths with an ASCII fallback when the output cannot encode it.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from grader.model import CORRECT, INCORRECT, INVALID, MISSING, PartResult, Problem, Verdict

COLOURS = {CORRECT: "green", INCORRECT: "red", INVALID: "yellow", MISSING: "yellow"}
MARKS = {CORRECT: "✓", INCORRECT: "✗", INVALID: "!", MISSING: "·"}


@dataclass(frozen=True)
class Style:
    colour: bool
    unicode: bool

    @classmethod
    def detect(cls, stream=None) -> "Style":
        stream = stream or sys.stdout
        tty = hasattr(stream, "isatty") and stream.isatty()
        colour = tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        encoding = (getattr(stream, "encoding", None) or "ascii").lower()
        try:
            "δ✓²·−".encode(encoding)
            uni = True
        except (LookupError, UnicodeEncodeError):
            uni = False
        return cls(colour, uni)

    def status(self, status: str) -> str:
        word = {CORRECT: "Correct", INCORRECT: "Incorrect", INVALID: "Invalid", MISSING: "Missing"}[status]
        if self.colour and self.unicode:
            word = f"{MARKS[status]} {word}"
        return click.style(word, fg=COLOURS[status], bold=True) if self.colour else word

    def maths(self, verdict: Verdict) -> str:
        return (verdict.interpreted if self.unicode else verdict.interpreted_ascii) or ""

    def text(self, s: str) -> str:
        if self.unicode:
            return s
        return s.encode("ascii", "replace").decode("ascii")


def score_text(x: float) -> str:
    return f"{x:g}"


def verdict_lines(verdict: Verdict, answer: str | None, style: Style) -> list[str]:
    lines = [f"{style.status(verdict.status)}  ({score_text(verdict.score)}/{score_text(verdict.max_score)} points)"]
    if verdict.interpreted:
        lines.append(f"Interpreted as: {style.maths(verdict)}")
    if verdict.column is not None and answer and len(answer) <= 200 and answer.isprintable():
        lines.append(f"  {style.text(answer)}")
        lines.append("  " + " " * (verdict.column - 1) + "^")
    for message in verdict.feedback:
        lines.append(style.text(message))
    return lines


def verdict_json(problem: str, part: str, verdict: Verdict) -> dict:
    return {
        "problem": problem,
        "part": part,
        "status": verdict.status,
        "score": verdict.score,
        "max_score": verdict.max_score,
        "interpreted": verdict.interpreted,
        "feedback": list(verdict.feedback),
    }


def grade_table(results: list[PartResult], style: Style) -> list[str]:
    width = max((len(f"{r.problem}/{r.part}") for r in results), default=10)
    lines = []
    for r in results:
        v = r.verdict
        label = f"{r.problem}/{r.part}".ljust(width)
        lines.append(f"{label}  {score_text(v.score):>4}/{score_text(v.max_score):<4} {style.status(v.status)}")
        if v.status not in (CORRECT, MISSING):    # "Missing" says it all: no "No answer given." line
            for message in v.feedback:
                lines.append(" " * (width + 2) + style.text(message))
    return lines


def problem_text(problem: Problem, given: dict, style: Style) -> str:
    """What a student needs to answer: the statement, the names to use, each part's prompt."""
    from grader.model import CHOICE, FUNCTION, INDEXED, MATRIX, MULTI_CHOICE, NUMERIC, VECTOR
    from grader.choices import LETTERS
    out = [click.style(problem.title, bold=True) if style.colour else problem.title, "=" * len(problem.title), "",
           problem.statement.strip(), ""]
    if given:
        out.append("Given values: " + ", ".join(f"{k} = {v:g}" for k, v in sorted(given.items())))
        out.append("")
    names = []
    for s in problem.table.symbols:
        if s.name in given:
            continue
        if s.kind == INDEXED:
            subs = "".join(l for l, role in problem.table.indices if role == "unit")[: s.subscripts]
            ex = s.name + (f"_({subs})" if s.subscripts > 1 else f"_{subs}" if s.subscripts else "")
            ex += "^l" if s.superscript else ""
            names.append(f"{ex} (indexed)")
        elif s.kind == FUNCTION:
            names.append(f"{s.name}(...) (function{', ' + s.alias if s.alias else ''}; derivative {s.name}'(...))")
        elif s.kind in (VECTOR, MATRIX):
            names.append(f"{s.name}{'^(l)' if s.superscript else ''} ({s.kind})")
        else:
            names.append(s.name)
    if names:
        out.append("Names you can use: " + ", ".join(names))
    if problem.table.indices:
        out.append("Index letters: " + ", ".join(f"{l} ({role})" for l, role in problem.table.indices))
    out.append("")
    for part in problem.parts:
        head = f"Part {part.id} ({score_text(part.points)} point{'s' if part.points != 1 else ''}, {part.kind})"
        out.append(click.style(head, bold=True) if style.colour else head)
        out.append(part.prompt.strip())
        if part.kind in (CHOICE, MULTI_CHOICE):
            for i, opt in enumerate(part.options):
                out.append(f"  {LETTERS[i]}) {opt}")
            out.append("Answer with a letter" + (" or several, separated by commas" if part.kind == MULTI_CHOICE
                                                 else "") + ".")
        elif part.kind == NUMERIC:
            out.append("Answer with a number (or arithmetic on numbers).")
        if part.restriction:
            out.append(part.restriction)
        out.append("")
    return style.text("\n".join(out).rstrip() + "\n")
