"""Class results as files a learning-management system imports as they are.

Pure functions from score rows to CSV text; nothing here reads or writes files. The column
rules each system documents, and how each function meets them:

* **Canvas** (Instructor Guide, "How do I import grades in the Gradebook?"): the identity
  columns `Student, ID, SIS User ID, SIS Login ID, Section` first (Canvas matches a row by
  ID, SIS User ID or SIS Login ID), then one column per assignment named as the assignment
  (a new name creates the assignment); the row after the header is `Points Possible`, with the
  assignment's points; an empty score cell changes nothing.
* **Gradescope** ("Uploading scores", offline or online assignment): a header row, a column
  `Email` or `SID` that identifies the student, and a numeric score column; no other rows.
* **Moodle** (docs, "Grade import", CSV): a header row; one identifier column that the
  import maps to a user field (`Email address` -> useremail, `ID number` -> useridnumber,
  `Username` -> username), one column per grade item; every row is a student (no points row).

Every file is UTF-8 without a byte-order mark (a BOM would glue itself to the first header
name in importers that do not strip it), CRLF line ends (RFC 4180), cells that a spreadsheet
could run as a formula neutralised. A student the roster does not list cannot be matched by an
LMS and is left out (and reported, see `roster.reconcile`); a roster entry without a
submission, and a submission that could not be graded, get an empty score (Canvas and Moodle:
no change; Gradescope: not graded) rather than a zero nobody decided on.
Without a roster the submission id stands for every identifier.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Sequence

from grader.roster import Person, Reconciled, Roster
from grader.reports import csv_safe, format_score

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
GRADESCOPE_COLUMNS = ("Name", "SID", "Email")
MOODLE_IDENTITY = ("Full name", "ID number", "Email address", "Username")


@dataclass(frozen=True)
class ScoreRow:
    """One submission's outcome, what every export is made from."""

    student: str
    score: float
    max_score: float
    status: str = "graded"


def _cell(text: Optional[str]) -> str:
    return csv_safe(text or "")


def _score(x: Optional[float]) -> str:
    return "" if x is None else format_score(x)


def _csv(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """CSV text a line at a time (a class of any size streams through)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        w.writerow(row)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


Entry = tuple[Person, Optional[float]]


def _score_of(r: ScoreRow) -> Optional[float]:
    return None if r.status == "error" else r.score


def _entries(rows: Sequence[ScoreRow], people: Reconciled) -> list[Entry]:
    """Roster order (by submission id): matched students with their score, absent ones with none."""
    scores = {r.student: _score_of(r) for r in rows}
    out = [(p, scores[s]) for s, p in people.matched]
    out += [(p, None) for p in people.absent]
    return sorted(out, key=lambda e: e[0].submission)


def join(rows: Iterable[ScoreRow], roster: Optional[Roster]) -> Iterator[Entry]:
    """`rows` (sorted by student) joined with the roster by submission id, streamed: the same
    entries as `reconcile` + `_entries`, without holding the class in memory."""
    if roster is None:
        for r in rows:
            yield Person(r.student), _score_of(r)
        return
    people = sorted(roster.people, key=lambda p: p.submission)
    i = 0
    for r in rows:
        while i < len(people) and people[i].submission < r.student:
            yield people[i], None
            i += 1
        if i < len(people) and people[i].submission == r.student:
            yield people[i], _score_of(r)
            i += 1
    for p in people[i:]:
        yield p, None


def _login(p: Person) -> str:
    return p.login_id or (p.submission if not (p.sis_id or p.canvas_id) else "")


def canvas_chunks(entries: Iterable[Entry], assignment: str, points: float) -> Iterator[str]:
    yield from _csv(_chain([[*CANVAS_IDENTITY, _cell(assignment)],
                            [CANVAS_POINTS_ROW, "", "", "", "", _score(points)]],
                           ([_cell(p.name or p.submission), _cell(p.canvas_id), _cell(p.sis_id), _cell(_login(p)),
                             _cell(p.section), _score(score)] for p, score in entries)))


def gradescope_chunks(entries: Iterable[Entry], assignment: str) -> Iterator[str]:
    yield from _csv(_chain([[*GRADESCOPE_COLUMNS, _cell(assignment)]],
                           ([_cell(p.name or p.submission), _cell(p.sis_id or (p.submission if not p.email else "")),
                             _cell(p.email), _score(score)] for p, score in entries)))


def moodle_chunks(entries: Iterable[Entry], assignment: str) -> Iterator[str]:
    yield from _csv(_chain([[*MOODLE_IDENTITY, _cell(assignment)]],
                           ([_cell(p.name or p.submission), _cell(p.sis_id), _cell(p.email),
                             _cell(p.login_id or (p.submission if not (p.email or p.sis_id) else "")),
                             _score(score)] for p, score in entries)))


def _chain(first: list, rest: Iterable) -> Iterator:
    yield from first
    yield from rest


def canvas_csv(rows: Sequence[ScoreRow], people: Reconciled, assignment: str, points: float) -> str:
    return "".join(canvas_chunks(_entries(rows, people), assignment, points))


def gradescope_csv(rows: Sequence[ScoreRow], people: Reconciled, assignment: str) -> str:
    return "".join(gradescope_chunks(_entries(rows, people), assignment))


def moodle_csv(rows: Sequence[ScoreRow], people: Reconciled, assignment: str) -> str:
    return "".join(moodle_chunks(_entries(rows, people), assignment))


EXPORTS = {"canvas.csv": "Canvas", "gradescope-scores.csv": "Gradescope", "moodle.csv": "Moodle"}


def export_chunks(make_rows: Callable[[], Iterable[ScoreRow]], roster: Optional[Roster], assignment: str,
                  points: float) -> dict[str, Iterator[str]]:
    """file name -> the export's text a line at a time; `make_rows()` streams the class (sorted
    by student) once per file."""
    return {"canvas.csv": canvas_chunks(join(make_rows(), roster), assignment, points),
            "gradescope-scores.csv": gradescope_chunks(join(make_rows(), roster), assignment),
            "moodle.csv": moodle_chunks(join(make_rows(), roster), assignment)}


def roster_report(people: Reconciled) -> list[str]:
    """Sentences for the person running the class: nobody is silently dropped."""
    lines = []
    if people.unknown:
        lines.append(f"{len(people.unknown)} submission(s) not on the roster, left out of the LMS exports: "
                     + ", ".join(people.unknown))
    if people.absent:
        lines.append(f"{len(people.absent)} student(s) on the roster without a submission (empty score "
                     f"in the LMS exports): " + ", ".join(p.submission for p in people.absent))
    return lines
