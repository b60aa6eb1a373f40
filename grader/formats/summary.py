"""The GitHub step summary ($GITHUB_STEP_SUMMARY): counts, one row per student (capped: GitHub
takes at most 1 MiB), and the success rate of every part, in Markdown. Every student string goes
through the Markdown escaper, which also keeps a ``|`` from adding a table column."""
from __future__ import annotations

from grader.formats.class_stats import SUMMARY_MAX_ROWS, ClassStats, percent
from grader.show.escape import md_text
from grader.number_format import format_score
from grader.model import CORRECT

__all__ = ["github_summary_from"]


def github_summary_from(cs: ClassStats) -> str:
    """The summary, from the class run's statistics (gathered a submission at a time)."""
    lines = ["## Backpropagation homework: grading summary", ""]
    lines.append(f"{cs.total} submission{'s' if cs.total != 1 else ''}: "
                 f"{cs.graded} graded, {len(cs.errors)} could not be graded.")
    if cs.graded:
        mean = cs.score_sum / cs.graded
        lines.append("")
        lines.append(f"Mean score {format_score(mean)} / {format_score(cs.first_max)}.")
    lines.append("")
    if cs.total:
        lines += ["| Student | Score | Status |", "| --- | ---: | --- |"]
        for student, points, status in cs.first_rows:
            lines.append(f"| {md_text(student)} | {points} | {md_text(status)} |")
        if cs.total > SUMMARY_MAX_ROWS:
            lines.append("")
            lines.append(f"… and {cs.total - SUMMARY_MAX_ROWS} more (see results.json).")
        lines.append("")
    cols = cs.result_cols()
    if cols and cs.graded:
        lines += ["| Part | Correct | Success rate |", "| --- | ---: | ---: |"]
        for s in cs.part_stats(cols):
            lines.append(f"| {md_text(s['problem'] + '/' + s['part'])} | {s['counts'][CORRECT]} / {s['n']} "
                         f"| {percent(s['rate'])} |")
        lines.append("")
    return "\n".join(lines)
