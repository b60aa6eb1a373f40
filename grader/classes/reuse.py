"""Reruns write only what changed: each set records which row version each student's files were
rendered from (its INDEX), so that the next set can take them instead of rendering them again.

A student's files (feedback, Gradescope) depend on their graded row, their file-name stem and
what every file is rendered with (the bank, the due date, the grader's code: `render_key`).
A row's version is the run that graded it, in one gradebook (a gradebook started afresh has a
new id, so its versions never match an older set's). For each row, in student order, the
planner compares with two indexes, each read as a stream beside the rows:

* the *spare*: the set shown before the current one, kept (rather than deleted) when the
  current one was switched in, and being rebuilt into the new set. A file it already holds
  for the same version and name is left where it is: nothing is written, no inode made.
* the *current* set: a file it holds for the same version and name is hard-linked into the
  new set (one link, no rendering; the same inode, so the file is untouched).

Anything else is rendered and written. A file is taken only while it is older than its set's
INDEX (`Reuse.untouched`): one edited in place inside OUTDIR is made again. A row taken from the
current set also has its pieces of results.json, junit.xml and gradebook.csv copied from there
(the INDEX says where they are), without the row being decoded. The spare's files of students who left, or whose name
changed, are removed once the pass is over (unless the new set gave the name to another
student). The spare is never shown while it is rebuilt, and it loses its MANIFEST before its
first change: killed at any moment, it is a set that never finished, deleted by the next run
(`Outdir.tidy`); OUTDIR keeps showing the current set until the one rename that switches sets.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional

__all__ = ["INDEX", "SPARE_INDEX", "Reuse", "Now", "Planner", "IndexWriter", "index_header", "render_key"]

INDEX = "INDEX"
SPARE_INDEX = ".INDEX.spare"       # the spare's INDEX while it is rebuilt (not part of a set)


def render_key(problems, due: Optional[str], grader_source: str) -> str:
    """What every student's files are rendered with besides their row and name."""
    text = repr((sorted(problems.items()), due, grader_source))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def index_header(render: str, book: str) -> dict:
    return {"render": render, "book": book}


def _read(path: Path) -> tuple[Optional[dict], Iterator[list]]:
    """An INDEX's header and its entries ([student, name, version, pieces]), streamed; (None, nothing)
    when there is none or it is not ours."""
    header = header_of(path)
    if header is None:
        return None, iter(())
    fh = open(path, encoding="utf-8")
    fh.readline()

    def entries() -> Iterator[list]:
        with fh:
            for line in fh:
                yield json.loads(line)
    return header, entries()


def header_of(path: Path) -> Optional[dict]:
    """An INDEX's header (None: no INDEX, or not one of ours)."""
    try:
        with open(path, encoding="utf-8") as fh:
            header = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


@dataclass(frozen=True)
class Now:
    """What to do with one student's files: `keep` (the folder holds them already), `link_from`
    (a set folder holding them: link; `pieces`: where its pieces of the class-wide files are
    there, [offset, length]), else render. `written`: where this set puts its pieces."""

    version: int
    keep: bool = False
    link_from: Optional[Path] = None
    pieces: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reuse:
    """Where the files of this rerun may come from: the current set (linked) and the spare being
    rebuilt (kept), each with its INDEX; `header`: what the new set's files are rendered with."""

    header: dict
    current: Optional[Path] = None
    current_index: Optional[Path] = None
    spare_index: Optional[Path] = None

    def start(self) -> "Planner":
        return Planner(self)

    def untouched(self, path: Path, spare: bool = False) -> bool:
        """`path` (of the spare, or of the current set) is as its set wrote it: not modified
        since the set's INDEX was written last (a file edited in place inside OUTDIR is made
        again, not kept)."""
        written = self._written[1 if spare else 0]
        try:
            return written is not None and os.stat(path).st_mtime_ns <= written
        except OSError:
            return False

    @cached_property
    def _written(self) -> tuple[Optional[int], Optional[int]]:
        """When the current set's INDEX and the spare's were written last."""
        def mtime(index: Optional[Path]) -> Optional[int]:
            try:
                return None if index is None else os.stat(index).st_mtime_ns
            except OSError:
                return None
        return mtime(self.current_index), mtime(self.spare_index)


class _Cursor:
    """One INDEX read beside the rows, both in student order."""

    def __init__(self, path: Optional[Path], header: dict):
        got, self.entries = _read(path) if path is not None else (None, iter(()))
        if got != header:
            self.entries = iter(())
        self.head: Optional[list] = None
        self._next()

    def _next(self) -> None:
        self.head = next(self.entries, None)

    def passed(self, student: str) -> Iterator[list]:
        """The entries before `student` (then the head is `student`'s, if any)."""
        while self.head is not None and self.head[0] < student:
            yield self.head
            self._next()

    def take(self, student: str) -> Optional[list]:
        if self.head is not None and self.head[0] == student:
            entry = self.head
            self._next()
            return entry
        return None

    def rest(self) -> Iterator[list]:
        while self.head is not None:
            yield self.head
            self._next()


class Planner:
    """One pass over the rows (each process, each pass has its own): `row` tells what to do with
    a student's files; `gone` lists the spare's file-name stems that no row of the pass kept."""

    def __init__(self, reuse: Reuse):
        self.reuse = reuse
        self.current = _Cursor(reuse.current_index, reuse.header)
        self.spare = _Cursor(reuse.spare_index, reuse.header)
        self.gone: list[str] = []

    def row(self, student: str, name: str, version: int) -> Now:
        self.gone.extend(e[1] for e in self.spare.passed(student))
        mine, keep = self.spare.take(student), False
        if mine is not None:
            keep = mine[1:3] == [name, version]
            if mine[1] != name:
                self.gone.append(mine[1])
        for _ in self.current.passed(student):
            pass
        theirs = self.current.take(student)
        if theirs is not None and theirs[1:3] == [name, version]:
            return Now(version, keep=keep, link_from=self.reuse.current, pieces=theirs[3])
        return Now(version, keep=keep)

    def finish(self) -> list[str]:
        self.gone.extend(e[1] for e in self.spare.rest())
        return self.gone


class IndexWriter:
    """A set's INDEX, written as the rows go by (the parent's pass), listed in its manifest."""

    def __init__(self, folder: Path, header: dict, manifest):
        self.manifest = manifest
        self.fh = open(folder / INDEX, "x", encoding="utf-8", buffering=1 << 16)
        self.fh.write(json.dumps(header, sort_keys=True) + "\n")

    def add(self, student: str, name: str, version: int, pieces: dict) -> None:
        self.fh.write(json.dumps([student, name, version, pieces], sort_keys=True) + "\n")

    def close(self) -> None:
        self.fh.close()
        self.manifest.add(INDEX)

    def abandon(self) -> None:
        self.fh.close()


def remove_file(path: Path, top: Path) -> None:
    """A file of the spare nobody has any more (and its own folder, when it is left empty)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    if path.parent != top:
        try:
            os.rmdir(path.parent)
        except OSError:
            pass
