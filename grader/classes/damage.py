"""A gradebook damaged after it opened (recognised, set aside, never deleted), and what SQLite's
errors about the file mean, in our words.

Why set aside and regrade rather than stop: the gradebook is a file the grader wrote, and
everything in it can be redone (grading is deterministic and the class folder is still there),
so a run that finds a damaged page, a row that does not decode or a table gone moves the file
out of the way, starts a fresh one and grades the whole class again, saying so. The damaged
file is kept (renamed) for whoever wants to look at it. A file that does not even open as a
gradebook is another matter: it may not be ours, and the run refuses it instead (classrun).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Callable, Optional

__all__ = ["GradebookDamaged", "decoded", "damage", "set_aside", "sqlite_code", "gradebook_reason",
           "SQLITE_FULL", "SQLITE_READONLY"]

_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


class GradebookDamaged(Exception):
    """A row is not as the grader wrote it (edited by hand, a page rewritten, a table emptied
    under it). Not a GraderError: the class run catches it, sets the gradebook aside and grades
    afresh (the gradebook is a record of work that can be redone)."""


_BAD_ROW = (ValueError, KeyError, TypeError, IndexError, AttributeError)


def decoded(what: str, make: Callable, *args):
    """`make(*args)` on values read from the gradebook, or GradebookDamaged when they are not
    what the grader wrote (`what` names the kind of row)."""
    try:
        return make(*args)
    except _BAD_ROW as exc:
        raise GradebookDamaged(what) from exc


def damage(exc: BaseException) -> Optional[str]:
    """What is wrong with the gradebook, in words, when `exc` says it is damaged; else None."""
    if isinstance(exc, GradebookDamaged):
        return f"a stored {exc.args[0] if exc.args else 'row'} is missing or not as the grader wrote it"
    if isinstance(exc, sqlite3.DatabaseError):
        code = sqlite_code(exc)
        if code == _SQLITE_CORRUPT:
            return "a page of the file is damaged"
        if code == _SQLITE_NOTADB:
            return "the file is no longer a database"
        if str(exc).startswith(("no such table", "no such column")):   # detection only, never shown
            return "a table is missing"
    return None


def set_aside(path: Path) -> Path:
    """Rename the gradebook (with its -wal and -shm files: a fresh file must never pick up the
    old journal) to the first free gradebook-damaged-N.sqlite beside it; returns the new name."""
    n = 1
    while any(os.path.lexists(f"{path.with_name(f'gradebook-damaged-{n}.sqlite')}{extra}")
              for extra in ("", "-wal", "-shm")):
        n += 1
    aside = path.with_name(f"gradebook-damaged-{n}.sqlite")
    for extra in ("-wal", "-shm", ""):          # the journal first: never a fresh file with an old journal
        try:
            os.replace(f"{path}{extra}", f"{aside}{extra}")
        except FileNotFoundError:
            pass
    return aside


SQLITE_READONLY, SQLITE_FULL = 8, 13     # SQLite's primary result codes
_SQLITE_REASONS = {                         # what a gradebook file can give, in our words
    3: "permission denied",
    5: "another program is using it",
    6: "another program is using it",
    SQLITE_READONLY: "it cannot be written (a read-only file or file system)",
    10: "the device reported an input/output error",
    _SQLITE_CORRUPT: "it is damaged; move it away and run again to grade every submission afresh",
    SQLITE_FULL: "no space left on the device",
    14: "it cannot be opened (a folder, or a missing folder on its path)",
    23: "permission denied",
    _SQLITE_NOTADB: "it is not a gradebook (damaged or replaced); move it away and run again to grade every "
        "submission afresh",
}


def sqlite_code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code (0 when the error carries none)."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def gradebook_reason(exc: sqlite3.Error) -> str:
    """Why SQLite refused the gradebook file, in our words (never SQLite's own)."""
    code = sqlite_code(exc)
    return _SQLITE_REASONS.get(code, f"the database library refused it (error code {code})")
