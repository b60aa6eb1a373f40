"""What the public API returns: frozen values that show themselves three ways, HTML and
Markdown for Jupyter, plain text elsewhere. The rendering lives in grader/show/ (html, markdown,
text); the HTML is also what the web page puts on screen, so a verdict reads the same in a
notebook and in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from grader.model import CORRECT, Part, Problem, Step, Verdict
from grader.show.html import interpreted_html, problem_html, unreadable_html, verdict_html
from grader.show.markdown import problem_markdown, verdict_markdown
from grader.show.text import Style, problem_text, verdict_lines

_PLAIN = Style(colour=False, unicode=True)


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
            return interpreted_html(self.mathml)
        return unreadable_html(self.answer, self.column, self.error.feedback)


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

    @property
    def steps(self) -> tuple[Step, ...]:
        """A derivation's lines, each with its mark and reason (empty for any other answer)."""
        return self.verdict.steps

    def __str__(self) -> str:
        return "\n".join(verdict_lines(self.verdict, self.answer, _PLAIN))

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        return verdict_html(self.verdict, self.answer, self.mathml, self.problem.table)

    def _repr_markdown_(self) -> str:
        return verdict_markdown(self.verdict)


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
        return problem_markdown(self.problem, self.given)

    def _repr_html_(self) -> str:
        return problem_html(self.problem, self.given, self.student)
