"""feedback/<student>.md: what one student reads about their submission, every part with the
answer as typed (a code span), what it was read as, the verdict and the feedback. All student
text goes through the Markdown escaper, so no answer can become a link, HTML or a heading."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from grader.show.escape import md_code, md_text
from grader.formats.plain_text import points_text
from grader.number_format import format_score
from grader.model import CORRECT, INCORRECT, INVALID, MISSING, NOT_GRADED, SUBMISSION_NOT_GRADED, PartResult, Problem, SubmissionResult
from grader.show.markdown import steps_markdown
from grader.show.text import unsaid
from grader.show.values import values_sentences

__all__ = ["feedback_markdown"]

_STATUS_ICON = {CORRECT: "✅", INCORRECT: "❌", INVALID: "⚠️", MISSING: "➖", NOT_GRADED: "⏸️"}


def feedback_markdown(result: SubmissionResult, problems: Optional[dict[str, Problem]] = None,
                      due: Optional[str] = None) -> str:
    lines = [f"# Feedback for {md_text(result.student)}", ""]
    if result.status == SUBMISSION_NOT_GRADED:     # a total with a part the bank could not check is no grade
        lines.append(f"**Score: not a grade yet** ({points_text(result)} on the parts that could be checked)")
    else:
        lines.append(f"**Score: {points_text(result)}**")
    lines.append("")
    if due:
        lines += [f"Due: {md_text(due)}", ""]
    for line in values_sentences(result, problems):
        lines += [md_text(line), ""]
    if result.status == "error":
        lines += [f"> **Your submission could not be graded:** {md_text(result.message)}", "",
                  "Fix the file and submit again; every part below counts as missing until then.", ""]
    elif result.message:
        lines += [f"> **Note:** {md_text(result.message)}", ""]
    for p in result.parts:
        problem = problems.get(p.problem) if problems else None
        title = _heading(p.problem, problem.title) if problem is not None and problem.title else p.problem
        lines += _md_part(title, p)
    return "\n".join(lines).rstrip("\n") + "\n"


@lru_cache(maxsize=1024)
def _heading(pid: str, title: str) -> str:
    """A problem's heading, "Title (id)": the same string object each time, so that the cache
    of rendered parts finds it by identity."""
    return f"{title} ({pid})"


@lru_cache(maxsize=8192)
def _md_part(title: str, p: PartResult) -> tuple[str, ...]:
    """One part's section of a feedback file (a class repeats the same few: made once)."""
    v = p.verdict
    icon = _STATUS_ICON.get(v.status, "")
    lines = [f"## {md_text(title)} — {md_text(p.part)}", "",
             f"{icon} **{md_text(v.status)}**: {format_score(v.score)} / {format_score(v.max_score)}", ""]
    feedback = v.feedback
    if v.steps:         # a derivation: its lines, each marked, instead of one answer read as one formula
        lines += ["Your derivation, line by line:", "", *steps_markdown(v.steps), ""]
        feedback = unsaid(v)
    else:
        if p.answer is not None:
            lines += [f"Your answer: {md_code(p.answer)}", ""]
        if v.interpreted:
            lines += [f"Read as: {md_code(v.interpreted)}", ""]
    lines += [f"- {md_text(f)}" for f in feedback]
    if feedback:
        lines.append("")
    return tuple(lines)
