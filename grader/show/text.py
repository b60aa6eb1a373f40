"""Verdicts and problems as a person reads them in a terminal, and as stable JSON.

Colour and check marks only where a terminal will show them (not when piped, not with
NO_COLOR); Unicode maths with an ASCII fallback when the output cannot encode it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from grader.answers.latex import looks_like_latex
from grader.checking.choices import LETTERS
from grader.model import (CHOICE, CORRECT, DERIVATION, FUNCTION, INCORRECT, INDEXED, INVALID, MATRIX, MISSING, MULTI_CHOICE, NOT_GRADED,
                          NUMERIC, UNIT, VECTOR, Part, PartResult, Problem, Step, StepStatus, Verdict)
from grader.number_format import format_number, out_of, score_text
from grader.show.prose import plain, with_values
from grader.show.width import caret_pad, shows_caret

COLOURS = {CORRECT: "green", INCORRECT: "red", INVALID: "yellow", MISSING: "yellow", NOT_GRADED: "yellow"}
MARKS = {CORRECT: "✓", INCORRECT: "✗", INVALID: "!", MISSING: "·", NOT_GRADED: "?"}
WORDS = {CORRECT: "Correct", INCORRECT: "Incorrect", INVALID: "Invalid", MISSING: "Missing", NOT_GRADED: "Not graded"}
PARTLY = "Partly correct"

# ANSI SGR (Select Graphic Rendition) codes, byte for byte what click's style(text, fg=..., bold=True)
# wrote, so that the library itself never imports click (only grader/interfaces/ does).
_SGR_FG = {"red": 31, "green": 32, "yellow": 33}
_SGR_BOLD = 1
_SGR_RESET = "\x1b[0m"


def bold(text: str, colour: str | None = None) -> str:
    """`text` in bold, in one of the colours of _SGR_FG if given, for a terminal that shows colour."""
    start = f"\x1b[{_SGR_FG[colour]}m" if colour else ""
    return f"{start}\x1b[{_SGR_BOLD}m{text}{_SGR_RESET}"


def verdict_word(verdict: Verdict) -> str:
    """Partial credit is not "Incorrect": a student who earned points should see that."""
    if verdict.status == INCORRECT and verdict.score > 0:
        return PARTLY
    return WORDS[verdict.status]


@dataclass(frozen=True)
class Style:
    colour: bool
    unicode: bool

    @classmethod
    def detect(cls, stream, environ: Mapping[str, str]) -> "Style":
        """Colour only on a terminal that shows it (not piped, not NO_COLOR, not TERM=dumb);
        Unicode only where the stream can encode it. The caller passes the environment."""
        tty = hasattr(stream, "isatty") and stream.isatty()
        colour = tty and "NO_COLOR" not in environ and environ.get("TERM") != "dumb"
        encoding = (getattr(stream, "encoding", None) or "ascii").lower()
        try:
            "δ✓²·−".encode(encoding)
            uni = True
        except (LookupError, UnicodeEncodeError):
            uni = False
        return cls(colour, uni)

    def status(self, status: str, word: str | None = None) -> str:
        """The verdict word, on a colour terminal in bold and its status's colour, with its mark
        where Unicode shows: Correct green, Incorrect red, Invalid and Missing yellow; any other
        word (partial credit) yellow with a half mark."""
        word = word or WORDS[status]
        if not self.colour:
            return word
        usual = word == WORDS[status]          # compared before a mark is added to `word`
        if self.unicode:
            word = f"{MARKS[status] if usual else '◐'} {word}"
        return bold(word, COLOURS[status] if usual else "yellow")

    def verdict(self, verdict: Verdict) -> str:
        return self.status(verdict.status, verdict_word(verdict))

    def maths(self, verdict: Verdict) -> str:
        return (verdict.interpreted if self.unicode else verdict.interpreted_ascii) or ""

    def text(self, s: str) -> str:
        if self.unicode:
            return s
        return s.encode("ascii", "replace").decode("ascii")


# a derivation's line marks: the start, a line that follows, one that does not, one that cannot be read
STEP_MARKS = {StepStatus.START: ("▸", ">"), StepStatus.CORRECT: ("✓", "ok"), StepStatus.INCORRECT: ("✗", "X"),
              StepStatus.INVALID: ("!", "!")}
STEP_WORDS = {StepStatus.START: "start", StepStatus.CORRECT: "follows", StepStatus.INCORRECT: "does not follow",
              StepStatus.INVALID: "cannot be read"}


def step_lines(steps, style: Style) -> list[str]:
    """A derivation as the terminal shows it: each line numbered, with its mark and, under it,
    the reason for a mark that is not a plain tick."""
    out = []
    for s in steps:
        mark = STEP_MARKS[s.status][0 if style.unicode else 1]
        if style.colour:
            mark = bold(mark, {StepStatus.CORRECT: "green", StepStatus.INCORRECT: "red"}.get(s.status, "yellow"))
        shown = s.interpreted if s.interpreted and style.unicode else s.text
        out.append(f"{s.line:>3} {mark} {style.text(shown)}")
        if s.column is not None and shows_caret(s.text, s.column):
            out.append(f"      {style.text(s.text)}")
            out.append(f"      {caret_pad(style.text(s.text), s.column)}^")
        for message in s.feedback:
            out.append(f"      {style.text(message)}")
    return out


# `grader compare --steps`: a step's status as compare says it -> the mark a derivation's line gets
_COMPARED = {"start": StepStatus.START, "equivalent": StepStatus.CORRECT, "different": StepStatus.INCORRECT,
             "invalid": StepStatus.INVALID}


def compared_steps_lines(outcome, style: Style) -> list[str]:
    """A chain compared line by line (`StepsOutcome`), marked as a derivation is (`step_lines`):
    the message under each line that is not equivalent, or that was compared with a line other
    than the one just before it (which cannot be read); then the status and why."""
    said = lambda s: s.status in ("different", "invalid") or s.against not in (None, s.line - 1)  # noqa: E731
    steps = [Step(s.line, s.text, _COMPARED[s.status], (s.message,) if said(s) else (), s.interpreted, s.column)
             for s in outcome.steps]
    return [*step_lines(steps, style), style.text(f"{outcome.status}: {outcome.message}")]


def compared_steps_json(outcome) -> dict:
    """`grader compare --steps --format json`: the status, why, and each line's status and message."""
    return {"status": outcome.status, "message": outcome.message,
            "steps": [{"line": s.line, "status": s.status, **({"message": s.message} if s.message else {})}
                      for s in outcome.steps]}


def step_json(step) -> dict:
    return {"line": step.line, "text": step.text, "status": step.status, "interpreted": step.interpreted,
            "feedback": list(step.feedback)}


def unsaid(verdict: Verdict) -> tuple[str, ...]:
    """A derivation's feedback that no line's reason already says: what is shown after the marked
    lines (in the terminal, the page, the notebook and the feedback file alike)."""
    said = {m for s in verdict.steps for m in s.feedback}
    return tuple(m for m in verdict.feedback if m not in said)


def verdict_lines(verdict: Verdict, answer: str | None, style: Style) -> list[str]:
    lines = [f"{style.verdict(verdict)}  ({out_of(verdict.score, verdict.max_score)})"]
    if verdict.steps:
        lines.extend(step_lines(verdict.steps, style))
        lines.extend(style.text(m) for m in unsaid(verdict))
        return lines
    if verdict.interpreted:
        lines.append(f"Interpreted as: {style.maths(verdict)}")
        if verdict.interpreted_latex and answer and looks_like_latex(answer):
            lines.append(f"In LaTeX:       {verdict.interpreted_latex}")   # a LaTeX answer is echoed in LaTeX
    if shows_caret(answer, verdict.column):
        shown = style.text(answer)      # an ASCII fallback turns each character into one "?"
        lines.append(f"  {shown}")
        lines.append(f"  {caret_pad(shown, verdict.column)}^")
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
        **({"steps": [step_json(s) for s in verdict.steps]} if verdict.steps else {}),
        **({"decided_by": verdict.decided_by} if verdict.decided_by != Verdict.decided_by else {}),
    }


def grade_table(results: list[PartResult], style: Style) -> list[str]:
    width = max((len(f"{r.problem}/{r.part}") for r in results), default=10)
    lines = []
    for r in results:
        v = r.verdict
        label = f"{r.problem}/{r.part}".ljust(width)
        lines.append(f"{label}  {score_text(v.score):>4}/{score_text(v.max_score):<4} {style.verdict(v)}")
        if v.status != CORRECT and (v.status != MISSING or v.rule):   # a plain "Missing" says it all
            pad = " " * (width + 2)
            if v.steps:             # a derivation: its marked lines, then what they do not say
                lines.extend(pad + line for line in step_lines(v.steps, style))
            elif v.status == INVALID and r.answer and "\n" not in r.answer.strip():
                lines.extend(pad + line for line in _answer_lines(r.answer, v.column, style))
            for message in (unsaid(v) if v.steps else v.feedback):
                lines.append(pad + style.text(message))
    return lines


def _answer_lines(answer: str, column, style: Style) -> list[str]:
    """An Invalid answer in a table: what was read, and the caret where it went wrong."""
    shown = style.text(answer.strip("\n"))
    if shows_caret(answer, column):
        return [f"  {shown}", f"  {caret_pad(shown, column)}^"]
    return [f"Your answer: {shown if len(shown) <= 80 else shown[:79] + '…'}"]


def no_more_hints(total: int) -> str:
    return f"There are no more hints: you have seen all {total} of this part's hints."


def options_lines(part: Part) -> list[str]:
    """A choice part's options as the terminal lists them: `  A) text`."""
    return [f"  {LETTERS[i]}) {plain(opt)}" for i, opt in enumerate(part.options)]


def expects(part: Part) -> str:
    """What kind of answer a part takes, said the same way in the terminal, notebook and page."""
    if part.kind == CHOICE:
        return "Answer with a letter."
    if part.kind == MULTI_CHOICE:
        return "Answer with a letter or several, separated by commas."
    if part.kind == NUMERIC:
        from grader.checking.tolerance import words as tolerance_words
        return f"Answer with a number (or arithmetic on numbers). Accuracy needed: {tolerance_words(part.tolerance)}."
    if part.kind == DERIVATION:
        start = part.start[0] if part.start else "the left-hand side"
        return (f"Answer with a chain of equalities from {start}, one expression per line, each new line "
                f"starting with '='.")
    return "Answer with an expression in the names above."


def name_entries(problem: Problem, given: dict) -> list[tuple[str, str]]:
    """The names a student may use, each as an example of how to type it and a note."""
    names = []
    for s in problem.table.symbols:
        if s.name in given:
            continue
        if s.kind == INDEXED:
            subs = "".join(l for l, role in problem.table.indices if role == UNIT)[: s.subscripts]
            ex = s.name + (f"_({subs})" if s.subscripts > 1 else f"_{subs}" if s.subscripts else "")
            ex += "^l" if s.superscript else ""
            names.append((ex, "indexed"))
        elif s.kind == FUNCTION and s.arguments > 1:     # no derivative: in which argument?
            names.append((f"{s.name}({', '.join(['...'] * s.arguments)})", f"function of {s.arguments} arguments"))
        elif s.kind == FUNCTION:
            names.append((f"{s.name}(...)", f"function{', ' + s.alias if s.alias else ''}; derivative {s.name}'(...)"))
        elif s.kind in (VECTOR, MATRIX):
            names.append((f"{s.name}{'^(l)' if s.superscript else ''}", s.kind))
        else:
            names.append((s.name, ""))
    return names


def names_line(problem: Problem, given: dict) -> str:
    """"Names you can use: ...": said wherever an expression part says "the names above"."""
    names = [f"{example} ({note})" if note else example for example, note in name_entries(problem, given)]
    return "Names you can use: " + ", ".join(names) if names else ""


def hints_line(part: Part) -> str:
    """How many hints a part has, in the interactive terminal, where "?" asks for the next."""
    n = len(part.hints)
    return f"This part has {n} hint{'s' if n != 1 else ''}: type ? to see the next one." if n else \
        "This part has no hints."


def index_entries(problem: Problem) -> list[tuple[str, str]]:
    """``(letter, note)`` for each index letter: its role and, when the problem confines it, its
    range (``"layer, 1 to 2"``), so a student knows which values the letter stands for. `grader
    show` and the web page both list these."""
    out = []
    for letter, role in problem.table.indices:
        bounds = problem.table.index_range(letter)
        out.append((letter, f"{role}, {bounds[0]} to {bounds[1]}" if bounds else str(role)))
    return out


def problem_text(problem: Problem, given: dict, style: Style) -> str:
    """What a student needs to answer: the statement, the names to use, each part's prompt."""
    problem = with_values(problem, given)
    out = [bold(problem.title) if style.colour else problem.title, "=" * len(problem.title), "",
           plain(problem.statement.strip()), ""]
    if given:
        out.append("Given values: " + ", ".join(f"{k} = {format_number(v, 6)}" for k, v in sorted(given.items())))
        out.append("")
    if names_line(problem, given):
        out.append(names_line(problem, given))
    if problem.table.indices:
        out.append("Index letters: " + ", ".join(f"{l} ({note})" for l, note in index_entries(problem)))
    out.append("")
    for part in problem.parts:
        head = f"Part {part.id} ({score_text(part.points)} point{'s' if part.points != 1 else ''}, {part.kind})"
        out.append(bold(head) if style.colour else head)
        out.append(plain(part.prompt.strip()))
        out.extend(options_lines(part))
        out.append(expects(part))
        if part.restriction:
            out.append(part.restriction)
        out.append("")
    return style.text("\n".join(out).rstrip() + "\n")
