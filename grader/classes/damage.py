"""A gradebook damaged after it opened: recognised, set aside, never deleted.

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

__all__ = ["GradebookDamaged", "decoded", "damage", "set_aside"]

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
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
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
