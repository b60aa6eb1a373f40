"""Verdicts and problems as HTML: what a notebook shows (the API's results' `_repr_html_`) and
what the web page puts on screen, so a verdict reads the same in both. Maths as MathML, every
student or author string escaped.
"""
from __future__ import annotations

from html import escape
from typing import Optional, Sequence

from grader.answers.parser import AnswerSyntaxError, parse
from grader.checking.choices import LETTERS
from grader.model import CHOICE, CORRECT, MULTI_CHOICE, Problem, Step, StepStatus, SymbolTable, Verdict
from grader.number_format import format_number, out_of, score_text
from grader.show.escape import html_text, one_line
from grader.show.mathml import mathml as mathml_of
from grader.show.prose import inline_html, prose_html, with_values
from grader.show.text import STEP_MARKS, STEP_WORDS, expects, names_line, unsaid, verdict_word
from grader.show.width import caret_pad, shows_caret


def verdict_html(v: Verdict, answer: Optional[str], mathml: Optional[str],
                 table: Optional[SymbolTable] = None) -> str:
    """`table` (the problem's names) lets a derivation's lines show as MathML."""
    css = "partial" if v.status != CORRECT and v.score > 0 else v.status
    out = [f'<div class="grader-verdict grader-{css}">',
           f'<p><strong class="grader-status">{escape(verdict_word(v))}</strong> '
           f'<span class="grader-score">({out_of(v.score, v.max_score)})</span></p>']
    if v.steps:     # the marked lines say what was read and where it goes wrong; then what they do not say
        out.append(steps_html(v.steps, table))
        out.append(_feedback_html(list(unsaid(v))))
        out.append("</div>")
        return "".join(out)
    if v.interpreted:
        shown = mathml or f"<code>{escape(v.interpreted)}</code>"
        out.append(f'<p class="grader-interpreted">Interpreted as: {shown}</p>')
    out.append(caret_html(answer, v.column))
    out.append(_feedback_html(v.feedback))
    out.append("</div>")
    return "".join(out)


def _feedback_html(feedback: Sequence[str], css: str = "grader-feedback") -> str:
    return f'<ul class="{css}">' + "".join(f"<li>{escape(f)}</li>" for f in feedback) + "</ul>" if feedback else ""


def steps_html(steps: Sequence[Step], table: Optional[SymbolTable] = None, as_typed: bool = False) -> str:
    """A derivation line by line, as the terminal's `step_lines` shows it: each line numbered,
    its mark (named for a screen reader), the line as read (MathML when `table` is given, else
    the Unicode the terminal prints; `as_typed`: the student's text, where a report has the
    reading in a column of its own), a caret under an unreadable spot, and the reason."""
    out = ['<ol class="grader-steps">']
    for s in steps:
        status = StepStatus(s.status)
        out.append(f'<li class="grader-step grader-step-{status.value}" value="{int(s.line)}">'
                   f'<span class="grader-mark" role="img" aria-label="{escape(STEP_WORDS[status])}">'
                   f'{STEP_MARKS[status][0]}</span> <span class="grader-line">{_line_html(s, table, as_typed)}</span>'
                   f'{caret_html(s.text, s.column)}{_feedback_html(s.feedback, "grader-step-feedback")}</li>')
    out.append("</ol>")
    return "".join(out)


def _line_html(step: Step, table: Optional[SymbolTable], as_typed: bool = False) -> str:
    if as_typed:
        return f"<code>{html_text(one_line(step.text))}</code>"
    if table is not None and step.column is None:
        try:
            return mathml_of(parse(step.text, table).tree)
        except (AnswerSyntaxError, RecursionError, ValueError):
            pass
    return f"<code>{html_text(step.interpreted or step.text)}</code>"   # student text: control characters dropped


def caret_html(answer: Optional[str], column: Optional[int]) -> str:
    """The answer with a caret under the column a syntax error points at (as the CLI prints it)."""
    if not shows_caret(answer, column):
        return ""
    return (f'<pre class="grader-caret" aria-label="the error is at character {column}">{escape(answer)}\n'
            f'{caret_pad(answer, column)}^</pre>')


def unreadable_html(answer: Optional[str], column: Optional[int], feedback: Sequence[str]) -> str:
    """An answer that cannot be read, as its interpretation preview shows it: caret, then why."""
    return caret_html(answer, column) + "".join(f"<p>{escape(m)}</p>" for m in feedback)


def interpreted_html(mathml: Optional[str]) -> str:
    return f'<p class="grader-interpreted">Interpreted as: {mathml}</p>'


def problem_html(problem: Problem, given: tuple[tuple[str, float], ...], student: Optional[str]) -> str:
    problem = with_values(problem, dict(given))
    out = [f'<section class="grader-problem"><h2>{escape(problem.title)}</h2>',
           f'<div class="grader-statement">{prose_html(problem.statement, problem)}</div>']
    if given:
        who = f" (for student {escape(student)})" if student and problem.per_student else ""
        out.append(f'<p class="grader-given">Given values{who}: '
                   + ", ".join(f"{escape(k)} = {format_number(v, 6)}" for k, v in given) + "</p>")
    if names_line(problem, dict(given)):
        out.append(f'<p class="grader-names">{escape(names_line(problem, dict(given)))}</p>')
    for part in problem.parts:
        out.append(f'<h3>Part {escape(part.id)} <span class="grader-points">({score_text(part.points)} '
                   f'point{"s" if part.points != 1 else ""}, {escape(part.kind)})</span></h3>')
        out.append(f'<div class="grader-prompt">{prose_html(part.prompt, problem)}</div>')
        if part.kind in (CHOICE, MULTI_CHOICE):
            out.append("<ol class=\"grader-options\">" + "".join(
                f"<li><b>{LETTERS[i]}</b>) {inline_html(o, problem)}</li>" for i, o in enumerate(part.options)) + "</ol>")
        out.append(f'<p class="grader-expects">{escape(expects(part))}</p>')
    out.append("</section>")
    return "".join(out)
