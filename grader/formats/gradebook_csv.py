"""gradebook.csv: the class's scores as a spreadsheet opens them: header ``student,
problem/part..., total, status``; the first data row holds the points possible; then one row per
student (sorted). UTF-8 with a byte-order mark so that spreadsheets read non-ASCII names right;
CRLF line ends (RFC 4180); no cell a spreadsheet could run as a formula."""
from __future__ import annotations

from grader.show.escape import csv_line, csv_safe, one_line
from grader.formats.plain_text import columns, status_text
from grader.number_format import format_score
from grader.formats.files import Stream
from grader.model import NOT_GRADED, Problem, SubmissionResult

__all__ = ["POINTS_ROW_LABEL", "csv_student", "gradebook_csv_stream"]

POINTS_ROW_LABEL = "POINTS POSSIBLE"


def csv_student(student: str) -> str:
    """The student cell: `csv_safe`, and also a quote before an id that starts with one or that
    reads like the points row, so that no two ids share a cell and no id passes for that row."""
    text = csv_safe(student)
    if text == one_line(student) and (text.startswith("'") or text == POINTS_ROW_LABEL):
        text = "'" + text
    return text


def gradebook_csv_stream(problems: dict[str, Problem]) -> Stream:
    cols = columns(problems)
    keys = [(pid, part) for pid, part, _ in cols]

    def row(r: SubmissionResult) -> str:
        # a part the bank cannot grade has no score: its cell is empty, never a 0
        by_key = {(p.problem, p.part): None if p.verdict.status == NOT_GRADED else p.verdict.score
                  for p in r.parts}
        scores = [by_key.get(k) for k in keys]
        total = sum(s for s in scores if s is not None)
        return csv_line([csv_student(r.student), *("" if s is None else format_score(s) for s in scores),
                         format_score(total), csv_safe(status_text(r))])

    head = ("\ufeff" + csv_line(["student", *(csv_safe(f"{pid}/{part}") for pid, part in keys), "total", "status"])
            + csv_line([POINTS_ROW_LABEL, *(format_score(pts) for _, _, pts in cols),
                        format_score(sum(pts for _, _, pts in cols)), ""]))
    return Stream(head=head, piece=row)
