"""Verdicts and problems as Markdown, for notebook front ends that prefer it to HTML."""
from __future__ import annotations

from typing import Sequence

from grader.checking.choices import LETTERS
from grader.model import CHOICE, MULTI_CHOICE, Problem, Step, StepStatus, Verdict
from grader.number_format import format_number, score_text
from grader.show.escape import md_code, md_text as md
from grader.show.text import STEP_MARKS, expects, verdict_word


def verdict_markdown(v: Verdict) -> str:
    out = [f"**{verdict_word(v)}** ({score_text(v.score)}/{score_text(v.max_score)} points)"]
    if v.steps:     # as the HTML: the marked lines, then what is not said under a line
        said = {m for s in v.steps for m in s.feedback}
        out.append(steps_markdown(v.steps))
        out.extend(f"- {md(line)}" for line in v.feedback if line not in said)
        return "\n\n".join(out) + "\n"
    if v.interpreted:
        out.append(f"Interpreted as: {md_code(v.interpreted)}")
    for line in v.feedback:
        out.append(f"- {md(line)}")
    return "\n\n".join(out) + "\n"


def steps_markdown(steps: Sequence[Step]) -> str:
    """A derivation as a numbered list: each line's mark and the line as read, its reasons under it."""
    out = []
    for s in steps:
        head = f"{int(s.line)}. "
        out.append(f"{head}{STEP_MARKS[StepStatus(s.status)][0]} {md_code(s.interpreted or s.text)}")
        out.extend(f"{' ' * len(head)}- {md(m)}" for m in s.feedback)
    return "\n".join(out)


def problem_markdown(p: Problem, given: tuple[tuple[str, float], ...]) -> str:
    out = [f"### {md(p.title)}", "```text\n" + p.statement.strip() + "\n```"]
    if given:
        out.append("Given values: " + ", ".join(f"{md(k)} = {format_number(v, 6)}" for k, v in given))
    for part in p.parts:
        out.append(f"**Part {md(part.id)}** ({score_text(part.points)} point{'s' if part.points != 1 else ''}, "
                   f"{part.kind}): {md(part.prompt.strip())}")
        if part.kind in (CHOICE, MULTI_CHOICE):
            out.append("\n".join(f"- **{LETTERS[i]}**) {md(o)}" for i, o in enumerate(part.options)))
        out.append(f"*{md(expects(part))}*")
    return "\n\n".join(out) + "\n"
