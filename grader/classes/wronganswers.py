"""report.html's tally of a class's wrong answers, kept in the gradebook's connection.

A module of its own because the tally is the one part of the gradebook that belongs to a report,
not to grading: a temporary table, filled while the outputs are written and read once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from grader.model import Verdict

if TYPE_CHECKING:
    from grader.classes.gradebook import Gradebook

def _key(text: str) -> bytes:
    """Text as a blob that sorts as Python sorts str, by code point (UTF-8 bytes do, lone
    surrogates included when they are encoded alike)."""
    return text.encode("utf-8", "surrogatepass")


def _text(blob: bytes) -> str:
    return blob.decode("utf-8", "surrogatepass")


class WrongAnswersTable:
    """The one tally of wrong answers for report.html, kept in a temporary table of the
    gradebook's connection, not in memory: a large class's distinct wrong answers (mostly
    typed once) grow with the class. Each batch is counted in memory first (a class repeats its common mistakes), then
    appended (no index to keep up during the pass); the table is grouped and sorted once, by
    SQLite's external sorter, when the report asks for the most common. A form's verdict is
    read back, only for the few answers shown, from the row of the first student who typed it."""

    _BATCH = 4000      # distinct forms counted in memory before they go to the table

    def __init__(self, book: "Gradebook"):
        self.book = book
        book.db.execute("DROP TABLE IF EXISTS temp.wrong")
        book.db.execute("CREATE TEMP TABLE wrong (problem TEXT NOT NULL, part TEXT NOT NULL, key BLOB NOT NULL, "
                        "form BLOB NOT NULL, count INTEGER NOT NULL, first TEXT NOT NULL)")
        self.pending: dict[tuple[str, str, str, str], list] = {}
        self.common: Optional[dict[tuple[str, str], list]] = None
        self.shown = 0

    def add(self, problem: str, part: str, key: str, form: str, student: str, verdict: Verdict) -> None:
        seen = self.pending.get((problem, part, key, form))
        if seen is None:
            self.pending[(problem, part, key, form)] = [1, student]
            if len(self.pending) >= self._BATCH:
                self._flush()
        else:
            seen[0] += 1

    def _flush(self) -> None:
        self.book.db.executemany(
            "INSERT INTO wrong (problem, part, key, form, count, first) VALUES (?, ?, ?, ?, ?, ?)",
            [(problem, part, _key(key), _key(form), count, first)
             for (problem, part, key, form), (count, first) in self.pending.items()])
        self.pending = {}

    def top(self, problem: str, part: str, n: int) -> list[tuple[int, str, str, Verdict]]:
        if self.common is None or n > self.shown:
            self._most_common(n)
        return [(count, key, form, self.book.part_result(first, problem, part).verdict)
                for count, key, form, first in self.common.get((problem, part), [])[:n]]

    def _most_common(self, n: int) -> None:
        """Every part's `n` most common wrong answers, in one sorted pass over the table; only
        those are kept. Students compare by code point (as they are sorted everywhere), so
        the least is the first who typed a form."""
        if self.pending:
            self._flush()
        common: dict[tuple[str, str], list] = {}
        group = None                  # (problem, part, key) being summed
        total = best = 0
        shown = first = None

        def done() -> None:
            top = common.setdefault(group[:2], [])
            top.append((total, _text(group[2]), _text(shown), first))
            top.sort(key=lambda c: (-c[0], c[1]))
            del top[n:]

        for problem, part, key, form, count, who in self.book.db.execute(
                "SELECT problem, part, key, form, sum(count), min(first) FROM wrong "
                "GROUP BY problem, part, key, form ORDER BY problem, part, key, form"):
            if group != (problem, part, key):
                if group is not None:
                    done()
                group, total, best = (problem, part, key), 0, 0
            total += count
            if count > best:          # the form typed most often; forms come in order: ties to the least
                best, shown, first = count, form, who
        if group is not None:
            done()
        self.common, self.shown = common, n
