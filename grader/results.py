"""What the public API returns, shown three ways: HTML and Markdown for Jupyter, plain text
elsewhere. The HTML (maths as MathML, every student string escaped) is also what the web page
puts on screen, so a verdict reads the same in a notebook and in the browser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Optional

from grader.checking.choices import LETTERS
from grader.model import CHOICE, CORRECT, MULTI_CHOICE, Part, Problem, Verdict
from grader.number_format import format_number
from grader.show.text import Style, expects, problem_text, score_text, verdict_lines, verdict_word

_PLAIN = Style(colour=False, unicode=True)


def _md(text: str) -> str:
    """Markdown-escape prose so `*`, `_` and `<` in feedback stay literal."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)


@dataclass(frozen=True)
class Interpretation:
    """What the grader reads in an answer before grading it: the Unicode rendering and its
    MathML, or (`error`) the verdict an unreadable answer gets, with its column."""

    answer: str
    unicode: Optional[str]
    error: Optional[Verdict] = None
    ascii: Optional[str] = None
    mathml: Optional[str] = None

    @property
    def message(self) -> Optional[str]:
        return " ".join(self.error.feedback) if self.error else None

    @property
    def column(self) -> Optional[int]:
        return self.error.column if self.error else None

    def __str__(self) -> str:
        if self.error is None:
            return f"Interpreted as: {self.unicode}"
        return "\n".join(verdict_lines(self.error, self.answer, _PLAIN)[1:])

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        if self.error is None:
            return f'<p class="grader-interpreted">Interpreted as: {self.mathml}</p>'
        return caret_html(self.answer, self.column) + "".join(f"<p>{escape(m)}</p>" for m in self.error.feedback)


@dataclass(frozen=True)
class CheckResult:
    """One checked answer: the verdict with the problem and part it answers."""

    problem: Problem
    part: Part
    answer: str
    verdict: Verdict
    mathml: Optional[str] = None     # the interpretation as MathML (None when unreadable)

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def correct(self) -> bool:
        return self.verdict.status == CORRECT

    @property
    def score(self) -> float:
        return self.verdict.score

    @property
    def max_score(self) -> float:
        return self.verdict.max_score

    @property
    def feedback(self) -> tuple[str, ...]:
        return self.verdict.feedback

    @property
    def interpreted(self) -> Optional[str]:
        return self.verdict.interpreted

    def __str__(self) -> str:
        return "\n".join(verdict_lines(self.verdict, self.answer, _PLAIN))

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        return verdict_html(self.verdict, self.answer, self.mathml)

    def _repr_markdown_(self) -> str:
        v = self.verdict
        out = [f"**{verdict_word(v)}** ({score_text(v.score)}/{score_text(v.max_score)} points)"]
        if v.interpreted:
            out.append(f"Interpreted as: `{v.interpreted}`")
        for line in v.feedback:
            out.append(f"- {_md(line)}")
        return "\n\n".join(out) + "\n"


def verdict_html(v: Verdict, answer: Optional[str], mathml: Optional[str]) -> str:
    css = "partial" if v.status != CORRECT and v.score > 0 else v.status
    out = [f'<div class="grader-verdict grader-{css}">',
           f'<p><strong class="grader-status">{escape(verdict_word(v))}</strong> '
           f'<span class="grader-score">({score_text(v.score)}/{score_text(v.max_score)} points)</span></p>']
    if v.interpreted:
        shown = mathml or f"<code>{escape(v.interpreted)}</code>"
        out.append(f'<p class="grader-interpreted">Interpreted as: {shown}</p>')
    out.append(caret_html(answer, v.column))
    if v.feedback:
        out.append('<ul class="grader-feedback">' + "".join(f"<li>{escape(f)}</li>" for f in v.feedback) + "</ul>")
    out.append("</div>")
    return "".join(out)


def caret_html(answer: Optional[str], column: Optional[int]) -> str:
    """The answer with a caret under the column a syntax error points at (as the CLI prints it)."""
    if column is None or not answer or len(answer) > 200 or not answer.isprintable():
        return ""
    return (f'<pre class="grader-caret" aria-label="the error is at character {column}">{escape(answer)}\n'
            f'{" " * (column - 1)}^</pre>')


@dataclass(frozen=True)
class ProblemSheet:
    """A problem as a student reads it, with the given values drawn for `student`."""

    problem: Problem
    given: tuple[tuple[str, float], ...] = ()
    student: Optional[str] = None

    @property
    def id(self) -> str:
        return self.problem.id

    @property
    def title(self) -> str:
        return self.problem.title

    @property
    def parts(self) -> tuple[Part, ...]:
        return self.problem.parts

    def __str__(self) -> str:
        return problem_text(self.problem, dict(self.given), _PLAIN)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_markdown_(self) -> str:
        p = self.problem
        out = [f"### {_md(p.title)}", "```text\n" + p.statement.strip() + "\n```"]
        if self.given:
            out.append("Given values: " + ", ".join(f"{_md(k)} = {format_number(v, 6)}" for k, v in self.given))
        for part in p.parts:
            out.append(f"**Part {_md(part.id)}** ({score_text(part.points)} point{'s' if part.points != 1 else ''}, "
                       f"{part.kind}): {_md(part.prompt.strip())}")
            if part.kind in (CHOICE, MULTI_CHOICE):
                out.append("\n".join(f"- **{LETTERS[i]}**) {_md(o)}" for i, o in enumerate(part.options)))
            out.append(f"*{_md(expects(part))}*")
        return "\n\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        return problem_html(self.problem, self.given, self.student)


def prose_html(text: str) -> str:
    """A statement or prompt as a problem author wrote it: paragraphs reflowed, indented lines
    (formulas) kept as they are, `backticks` as code. Everything escaped first."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = block.split("\n")
        if all(line.startswith("    ") or not line.strip() for line in lines):
            out.append(f"<pre>{escape(chr(10).join(line[4:] for line in lines))}</pre>")
            continue
        words = escape(" ".join(line.strip() for line in lines))
        out.append("<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", words) + "</p>")
    return "".join(out)


def problem_html(problem: Problem, given: tuple[tuple[str, float], ...], student: Optional[str]) -> str:
    out = [f'<section class="grader-problem"><h2>{escape(problem.title)}</h2>',
           f'<div class="grader-statement">{prose_html(problem.statement)}</div>']
    if given:
        who = f" (for student {escape(student)})" if student and problem.per_student else ""
        out.append(f'<p class="grader-given">Given values{who}: '
                   + ", ".join(f"{escape(k)} = {format_number(v, 6)}" for k, v in given) + "</p>")
    for part in problem.parts:
        out.append(f'<h3>Part {escape(part.id)} <span class="grader-points">({score_text(part.points)} '
                   f'point{"s" if part.points != 1 else ""}, {escape(part.kind)})</span></h3>')
        out.append(f'<div class="grader-prompt">{prose_html(part.prompt)}</div>')
        if part.kind in (CHOICE, MULTI_CHOICE):
            out.append("<ol class=\"grader-options\">" + "".join(
                f"<li><b>{LETTERS[i]}</b>) {escape(o)}</li>" for i, o in enumerate(part.options)) + "</ol>")
        out.append(f'<p class="grader-expects">{escape(expects(part))}</p>')
    out.append("</section>")
    return "".join(out)

