"""Verdicts and problems as Markdown, for notebook front ends that prefer it to HTML."""
from __future__ import annotations

from grader.checking.choices import LETTERS
from grader.model import CHOICE, MULTI_CHOICE, Problem, Verdict
from grader.number_format import format_number, out_of, score_text
from grader.show.escape import md_code, md_text as md
from grader.show.prose import plain, with_values
from grader.show.text import STEP_MARKS, STEP_WORDS, expects, names_line, unsaid, verdict_word


def verdict_markdown(v: Verdict) -> str:
    out = [f"**{verdict_word(v)}** ({out_of(v.score, v.max_score)})"]
    if v.steps:     # as the HTML: the marked lines, then what is not said under a line
        out.append("\n".join(steps_markdown(v.steps)))
        out.extend(f"- {md(line)}" for line in unsaid(v))
        return "\n\n".join(out) + "\n"
    if v.interpreted:
        out.append(f"Interpreted as: {md_code(v.interpreted)}")
    for line in v.feedback:
        out.append(f"- {md(line)}")
    return "\n\n".join(out) + "\n"


def steps_markdown(steps) -> list[str]:
    """A derivation as Markdown lines: a list item per line with its mark and word (as the
    terminal marks it), the line as typed and what it was read as, and under it the reasons.
    Every student string is a code span or escaped text, so no line can become markup. Items
    are `*` bullets: a `-` list after them (the verdict's feedback) stays a list of its own."""
    out = []
    for s in steps:
        where = f" at character {s.column}" if s.column is not None else ""
        read = f", read as {md_code(s.interpreted)}" if s.interpreted and s.interpreted != s.text else ""
        out.append(f"* line {s.line} {STEP_MARKS[s.status][0]} {md_code(s.text)} ({STEP_WORDS[s.status]}{where}){read}")
        out.extend(f"  - {md(m)}" for m in s.feedback)
    return out


def problem_markdown(p: Problem, given: tuple[tuple[str, float], ...], title: bool = True) -> str:
    """The problem with these values in its texts (`title=False`: under a heading of its own)."""
    p = with_values(p, dict(given))
    out = [f"### {md(p.title)}"] if title else []
    out.append("```text\n" + plain(p.statement.strip()) + "\n```")
    if given:
        out.append("Given values: " + ", ".join(f"{md(k)} = {format_number(v, 6)}" for k, v in given))
    if names_line(p, dict(given)):
        out.append(md(names_line(p, dict(given))))
    for part in p.parts:
        out.append(f"**Part {md(part.id)}** ({score_text(part.points)} point{'s' if part.points != 1 else ''}, "
                   f"{part.kind}): {md(plain(part.prompt.strip()))}")
        if part.kind in (CHOICE, MULTI_CHOICE):
            out.append("\n".join(f"- **{LETTERS[i]}**) {md(plain(o))}" for i, o in enumerate(part.options)))
        out.append(f"*{md(expects(part))}*")
    return "\n\n".join(out) + "\n"
