"""Class results as files a learning-management system imports as they are.

Pure functions from score rows to CSV text; nothing here reads or writes files. The column
rules each system documents, and how each function meets them:

* **Canvas** (Instructor Guide, "How do I import grades in the Gradebook?"): the identity
  columns `Student, ID, SIS User ID, SIS Login ID, Section` first (Canvas matches a row by
  ID, SIS User ID or SIS Login ID), then one column per assignment named as the assignment
  (a new name creates the assignment); the row after the header is `Points Possible`, with the
  assignment's points; an empty score cell changes nothing. Canvas takes any row whose first
  cell says `Points Possible` for that row, so a student whose name cell would say so is
  refused (`canvas_reserved`) and named in `roster_report`.
* **Gradescope** ("Uploading scores", offline or online assignment): a header row, a column
  `Email` or `SID` that identifies the student, and a numeric score column; no other rows.
* **Moodle** (docs, "Grade import", CSV; grade/import/csv/classes/load_data.php): a header
  row; one identifier column that the import maps to a user field (`Email address` ->
  useremail, `ID number` -> useridnumber, `Username` -> username), one column per grade item;
  every row is a student (no points row). An empty or `-` grade cell is read as "no grade"
  and clears the student's grade, so Moodle's "no change" is a student left out of the file.

Every file is UTF-8 without a byte-order mark (a BOM would glue itself to the first header
name in importers that do not strip it), CRLF line ends (RFC 4180). Identifier cells (name,
ids, email, login) are written exactly as the roster or the submission id has them: the LMS
compares them with its own records, so a `'` put before `-rf` would make a student nobody can
match. Only free text (the assignment's title, the section) is neutralised against spreadsheet
formulas. A student the roster does not list cannot be matched by an LMS and is left out (and
reported, see `roster.reconcile`); a roster entry without a submission, a submission that
could not be graded, and one with a part the bank cannot grade (status `not-graded`: its total
is no grade) get each system's "no change" rather than a zero nobody decided on: an empty score
in Canvas and Gradescope (whose guide, as far as we found, does not say what an empty cell
does), no row in Moodle.
Without a roster the submission id stands for every identifier.
"""
from __future__ import annotations

from dataclasses import dataclass
import unicodedata
from typing import Optional, Sequence

from grader.authoring.roster import Person, Reconciled, Roster
from grader.model import ERROR, SUBMISSION_NOT_GRADED
from grader.show.escape import csv_line, csv_safe
from grader.number_format import format_score
from grader.formats.files import Stream

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
    """Free text (a title, a section): neutralised against spreadsheet formulas."""
    return csv_safe(text or "")


def _id(text: Optional[str]) -> str:
    """An identifier: verbatim, so that it still matches the LMS's record."""
    return text or ""


def canvas_reserved(name: str) -> bool:
    """Canvas reads a row whose first cell says `Points Possible` as the assignment's points,
    not as a student (compared loosely here: refusing a real student costs a hand entry,
    letting one through sets the assignment's points)."""
    folded = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return CANVAS_POINTS_ROW.casefold() in folded


def _score(x: Optional[float]) -> str:
    return "" if x is None else format_score(x)


Entry = tuple[Person, Optional[float]]
_NO_GRADE = (ERROR, SUBMISSION_NOT_GRADED)     # no score to import: the file could not be read, or a part not graded


def _score_of(r: ScoreRow) -> Optional[float]:
    return None if r.status in _NO_GRADE else r.score


class Join:
    """The class's rows (fed in student order, one at a time) joined with the roster by
    submission id, without holding the class: roster order, matched students with their
    score, absent ones with none, submissions the roster does not list left out."""

    def __init__(self, roster: Optional[Roster]):
        self.people = None if roster is None else sorted(roster.people, key=lambda p: p.submission)
        self.i = 0

    def add(self, r: ScoreRow) -> list[Entry]:
        if self.people is None:
            return [(Person(r.student), _score_of(r))]
        out: list[Entry] = []
        people, i = self.people, self.i
        while i < len(people) and people[i].submission < r.student:
            out.append((people[i], None))
            i += 1
        if i < len(people) and people[i].submission == r.student:
            out.append((people[i], _score_of(r)))
            i += 1
        self.i = i
        return out

    def rest(self) -> list[Entry]:
        """Roster entries after the last row (no submission)."""
        if self.people is None:
            return []
        rest, self.i = self.people[self.i:], len(self.people)
        return [(p, None) for p in rest]


def _login(p: Person) -> str:
    return p.login_id or (p.submission if not (p.sis_id or p.canvas_id) else "")


def _lines(*rows: Sequence[str]) -> str:
    return "".join(csv_line(row) for row in rows)


def _canvas_name(p: Person) -> str:
    return p.name or p.submission


def _canvas_row(e: Entry) -> str:
    p = e[0]
    if canvas_reserved(_canvas_name(p)):
        return ""
    return csv_line([_id(_canvas_name(p)), _id(p.canvas_id), _id(p.sis_id), _id(_login(p)), _cell(p.section),
                     _score(e[1])])


def canvas_stream(assignment: str, points: float) -> Stream:
    return Stream(head=_lines([*CANVAS_IDENTITY, _cell(assignment)],
                              [CANVAS_POINTS_ROW, "", "", "", "", _score(points)]),
                  piece=_canvas_row)


def gradescope_stream(assignment: str) -> Stream:
    return Stream(head=_lines([*GRADESCOPE_COLUMNS, _cell(assignment)]),
                  piece=lambda e: csv_line([_id(e[0].name or e[0].submission),
                                            _id(e[0].sis_id or (e[0].submission if not e[0].email else "")),
                                            _id(e[0].email), _score(e[1])]))


def _moodle_row(e: Entry) -> str:
    p, score = e
    if score is None:       # Moodle clears a grade on an empty cell: no row is its "no change"
        return ""
    return csv_line([_id(p.name or p.submission), _id(p.sis_id), _id(p.email),
                     _id(p.login_id or (p.submission if not (p.email or p.sis_id) else "")), _score(score)])


def moodle_stream(assignment: str) -> Stream:
    return Stream(head=_lines([*MOODLE_IDENTITY, _cell(assignment)]), piece=_moodle_row)


def export_streams(assignment: str, points: float) -> dict[str, Stream]:
    """file name -> the export, made an entry (`Join`) at a time."""
    return {"canvas.csv": canvas_stream(assignment, points),
            "gradescope-scores.csv": gradescope_stream(assignment),
            "moodle.csv": moodle_stream(assignment)}


EXPORTS = {"canvas.csv": "Canvas", "gradescope-scores.csv": "Gradescope", "moodle.csv": "Moodle"}


def roster_report(people: Reconciled) -> list[str]:
    """Sentences for the person running the class: nobody is silently dropped."""
    lines = []
    if people.unknown:
        lines.append(f"{len(people.unknown)} submission(s) not on the roster, left out of the LMS exports: "
                     + ", ".join(people.unknown))
    if people.absent:
        lines.append(f"{len(people.absent)} student(s) on the roster without a submission (an empty score in "
                     f"canvas.csv and gradescope-scores.csv, left out of moodle.csv): "
                     + ", ".join(p.submission for p in people.absent))
    reserved = [p for p in sorted([p for _, p in people.matched] + list(people.absent), key=lambda p: p.submission)
                if canvas_reserved(_canvas_name(p))]
    if reserved:
        lines.append(f"{len(reserved)} student(s) left out of canvas.csv, because Canvas would read a row named "
                     f"'{CANVAS_POINTS_ROW}' as the assignment's points, not as a student (give them another "
                     f"name in the roster's name column, or enter the score in Canvas by hand): "
                     + ", ".join(p.submission for p in reserved))
    return lines
