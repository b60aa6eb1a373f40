"""What a stored result depends on beyond its own file and the bank: the classmates' value sets.

A rerun reuses a student's graded row when their file and the bank are unchanged. With
per-student values that is not enough: the "another student's values" diagnosis compares a
wrong number with the value sets of the class (`othervalues.classmates_values`), so adding,
removing or renaming a classmate can change an unchanged student's feedback. Rather than
regrade everybody whenever the class changes, the run records which problems' value sets a
student's grading actually read (`Watch`), with a hash of each (`Depends`); a row is reused
only while those hashes still hold. A student whose grading never looked at the classmates
(every answer right, say) keeps their row whatever the class becomes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Iterable, Optional

from grader.model import PartResult

__all__ = ["Depends", "Watch"]


WHOSE = " whose"    # an entry's suffix (no problem id has a space): whose the matched value set is


def _hash(obj) -> str:
    return hashlib.sha256(repr(obj).encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Depends:
    """The class's value sets, one hash per problem, and the test of a stored row against them.

    A row labelled as right for a classmate's value set also depends on whose that set is
    (`owners`, `othervalues.Classmates.owners`): the instructor's files name them beside the
    row, so a classmate joining with those very values (the sets unchanged) regrades that row,
    and only that row, and its files never name a class that is gone."""

    def __init__(self, others: dict[str, tuple], owners: Optional[dict] = None):
        self.others = others
        self.owners = owners or {}
        self.hashes = {pid: _hash(sets) for pid, sets in others.items()}
        self.whose = {pid: frozenset(_hash((key, self.owners.get((pid, key)))) for key in sets)
                      for pid, sets in others.items()}

    def record(self, read: Iterable[str], parts: Iterable[PartResult] = ()) -> str:
        """What a row stores: the hashes of the value sets its grading read and, for a problem
        its `parts` were labelled on, of whose the matched set is ('' for none)."""
        entries = {pid: self.hashes[pid] for pid in set(read)}
        for p in parts:
            key = p.verdict.matched_values
            if key:
                entries[p.problem + WHOSE] = _hash((key, self.owners.get((p.problem, key))))
        return json.dumps(entries, sort_keys=True, separators=(",", ":")) if entries else ""

    def holds(self, stored: Optional[str]) -> bool:
        """The value sets a row's grading read, and whose its matched ones are, are the same in
        this class (None: never graded)."""
        if stored is None:
            return False
        if not stored:
            return True
        return all(h in self.whose.get(name[:-len(WHOSE)], ()) if name.endswith(WHOSE) else self.hashes.get(name) == h
                   for name, h in json.loads(stored).items())


class Watch:
    """The class's value sets handed to one student's grading, noting which problems' sets it
    reads (any look at a set's contents counts: iterating, its length, an element, whether there
    are none)."""

    def __init__(self, others: dict[str, tuple]):
        self.read: set[str] = set()
        self.others = {pid: _Watched(sets, pid, self.read) for pid, sets in others.items()}


class _Watched(Sequence):
    def __init__(self, items: tuple, pid: str, read: set):
        self._items, self._pid, self._read = items, pid, read

    def _seen(self) -> tuple:
        self._read.add(self._pid)
        return self._items

    def __getitem__(self, i):
        return self._seen()[i]

    def __len__(self) -> int:
        return len(self._seen())

    def __iter__(self):
        return iter(self._seen())

    def __contains__(self, item) -> bool:
        return item in self._seen()

    def __bool__(self) -> bool:
        """Asking whether there are any is no look at them (a grading that goes on to read them is
        noted then, and one that stops early reads nothing), unless there are none: their coming
        would change what it does."""
        if not self._items:
            self._seen()
        return bool(self._items)

    def __eq__(self, other) -> bool:
        return self._seen() == (tuple(other) if isinstance(other, Sequence) else other)

    __hash__ = None
