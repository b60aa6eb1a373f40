"""A class roster: which person each submission id is, for exports an LMS can match.

A roster is a CSV file with a header row. The `submission` column (the folder or file name
under the class folder, compared in Unicode NFC as every student id is) is required; `name`,
`email`, `sis_id` (the SIS user id), `login_id` (the SIS login id), `canvas_id` (Canvas's
numeric user id) and `section` are optional. Header names are matched case-insensitively,
with spaces, dashes and underscores alike. The roster is the TA's file, not a student's; it is
still read defensively (size limit, one clear message with the line number for anything wrong).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from grader.errors import AuthorError, os_reason
from grader.limits import ROSTER_MAX_BYTES
from grader.model import nfc_id
COLUMNS = ("submission", "name", "email", "sis_id", "login_id", "canvas_id", "section")


class RosterError(AuthorError):
    """A roster that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Person:
    submission: str
    name: str = ""
    email: str = ""
    sis_id: str = ""
    login_id: str = ""
    canvas_id: str = ""
    section: str = ""


@dataclass(frozen=True)
class Roster:
    people: tuple[Person, ...]

    def get(self, submission: str) -> Optional[Person]:
        return self._index().get(submission)

    def _index(self) -> dict[str, Person]:
        return {p.submission: p for p in self.people}


@dataclass(frozen=True)
class Reconciled:
    """Who is where: `matched` students with their roster entry, `unknown` submissions the
    roster does not list, `absent` roster entries without a submission."""

    matched: tuple[tuple[str, Person], ...]
    unknown: tuple[str, ...]
    absent: tuple[Person, ...]


_BY_KEY = {c.replace("_", ""): c for c in COLUMNS}


def _key(header: str) -> str:
    """'SIS ID', 'sis-id', 'E-mail' -> sis_id, sis_id, email (unknown names kept, lower case)."""
    squeezed = re.sub(r"[\s\-_]+", "", header.strip().lower())
    return _BY_KEY.get(squeezed, header.strip().lower())


def parse_roster(text: str, shown: str = "roster") -> Roster:
    """Read roster CSV text (a UTF-8 byte-order mark is ignored)."""
    text = text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RosterError(f"{shown}: the roster is empty (its first line must name the columns, "
                          f"e.g. submission,name,email,sis_id)")
    header = [_key(h) for h in rows[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise RosterError(f"{shown}:1: unknown column '{unknown[0]}' (the columns are: {', '.join(COLUMNS)})")
    if "submission" not in header:
        raise RosterError(f"{shown}:1: the roster needs a 'submission' column: the folder or file "
                          f"name of each student's submission")
    for h in set(header):
        if h and header.count(h) > 1:
            raise RosterError(f"{shown}:1: the column '{h}' appears twice")
    people: list[Person] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise RosterError(f"{shown}:{number}: this line has {len(row)} cells but the header has "
                              f"{len(header)} (put a name with a comma in double quotes)")
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        submission = cells["submission"] = nfc_id(cells["submission"])   # compared with folder names in NFC
        if not submission:
            raise RosterError(f"{shown}:{number}: the 'submission' cell is empty")
        if submission in seen:
            raise RosterError(f"{shown}:{number}: submission '{submission}' is listed twice "
                              f"(first on line {seen[submission]})")
        seen[submission] = number
        people.append(Person(**cells))
    return Roster(tuple(people))


def load_roster(path: Path | str) -> Roster:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(ROSTER_MAX_BYTES + 1)
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {os_reason(exc)}") from None
    if len(raw) > ROSTER_MAX_BYTES:
        raise RosterError(f"{path}: the roster is larger than {ROSTER_MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: the roster is not UTF-8 text (byte {exc.start}); "
                          f"save it as CSV UTF-8") from None
    return parse_roster(text, str(path))


def reconcile(roster: Optional[Roster], students: Iterable[str]) -> Reconciled:
    """Match submissions to the roster. Without a roster every submission stands for itself."""
    students = sorted({nfc_id(s) for s in students})
    if roster is None:
        return Reconciled(tuple((s, Person(s)) for s in students), (), ())
    index = {p.submission: p for p in roster.people}
    matched = tuple((s, index[s]) for s in students if s in index)
    unknown = tuple(s for s in students if s not in index)
    present = set(students)
    absent = tuple(p for p in sorted(roster.people, key=lambda p: p.submission) if p.submission not in present)
    return Reconciled(matched, unknown, absent)
