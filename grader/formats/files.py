"""How output files are made: a row at a time (`Stream`: the class run writes every output in one
pass over the gradebook), whole without a reader ever seeing half of one (`atomic_write`), and
under students' names: ids are typed by anyone, so a name must not escape its folder, and two
ids must never share a file, even on a case-insensitive file system."""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

__all__ = ["Stream", "atomic_write", "safe_filename", "student_hash", "name_fold", "student_filenames",
           "resolve_name_clashes", "NAME_HASH_WIDTHS"]


@dataclass(frozen=True)
class Stream:
    """A file that is a head, one piece per row (in student order) and a tail. The class run
    (grader.classes.outputs) writes it a row at a time (`part`, `end`); `text` makes the same
    bytes from a list."""

    head: str
    piece: Callable[[Any], str]
    tail: str = ""
    sep: str = ""                   # between two pieces
    empty: Optional[str] = None     # the whole file when there is no row (default: head + tail)

    def part(self, row, first: bool) -> str:
        return (self.head if first else self.sep) + self.piece(row)

    def end(self, any_rows: bool) -> str:
        if any_rows:
            return self.tail
        return self.head + self.tail if self.empty is None else self.empty

    def chunks(self, rows: Iterable) -> Iterator[str]:
        n = 0
        for n, row in enumerate(rows, 1):
            yield self.part(row, n == 1)
        yield self.end(n > 0)

    def text(self, rows: Iterable) -> str:
        return "".join(self.chunks(rows))


def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Write `data` to `path` atomically: a temporary file in the same folder, flushed and
    fsynced, then renamed over `path` (os.replace). An interrupted write leaves the old file
    (or none) and at worst a hidden ``.<name>.*.tmp`` file, never a half-written `path`."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")   # a lone surrogate must not abort the write
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:   # make the rename itself durable (best effort: not every platform allows it)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                     *(f"LPT{i}" for i in range(10))}
_UNSAFE_FILE_CHARS = set('/\\<>:"|?*')


def student_hash(text: str, width: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:width]


def safe_filename(student: str) -> str:
    """A file-name stem for a student id that cannot escape its folder: no path separators,
    NUL or control characters, no leading dots (``..``), no Windows device names, at most
    ~100 characters. Ordinary ids (letters of any script, digits, spaces, ``-_.@``) are kept
    as they are; any id that had to be changed gets ``-<hash>`` appended so that two
    different ids never share a file."""
    cleaned = "".join(
        "_" if (ch in _UNSAFE_FILE_CHARS or not ch.isprintable()
                or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")) else ch
        for ch in student)
    cleaned = cleaned.strip(" .")
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    while len(cleaned.encode("utf-8")) > 100:
        cleaned = cleaned[:-1]
    cleaned = cleaned.rstrip(" .")
    if cleaned != student or not cleaned:
        cleaned = f"{cleaned or 'student'}-{student_hash(student)}"
    return cleaned


NAME_HASH_WIDTHS = (8, 16, 32, 64)


def name_fold(name: str) -> str:
    """The form in which two file names are the same file on a case-insensitive file system."""
    return unicodedata.normalize("NFC", name).casefold()


def student_filenames(students: Iterable[str]) -> dict[str, str]:
    """`safe_filename` for each student, unique even on a case-insensitive file system (the
    rule is `resolve_name_clashes`, shared with the gradebook's names)."""
    names = {s: safe_filename(s) for s in sorted(set(students))}

    def clashing() -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for s in names:
            groups.setdefault(name_fold(names[s]), []).append(s)
        return [members for members in groups.values() if len(members) > 1]

    resolve_name_clashes(clashing, lambda s, name: names.__setitem__(s, name))
    return names


def resolve_name_clashes(clashing: Callable[[], list[list[str]]], rename: Callable[[str, str], None]) -> None:
    """The one uniqueness rule for students' file names, checked rather than assumed: ids whose
    names clash (`clashing`: groups of ids with the same `name_fold`) get a hash suffix, and a
    name that still clashes after that (``Ana``, ``ana`` and a student really called
    ``Ana-<hash of Ana>``) gets a longer hash until none does. `rename(id, name)` records a
    new name wherever the names are kept (a dict in memory, the gradebook)."""
    for width in NAME_HASH_WIDTHS:
        clashes = clashing()
        if not clashes:
            return
        for members in clashes:
            for s in members:
                rename(s, f"{safe_filename(s)}-{student_hash(s, width)}")
    if clashing():
        raise RuntimeError("student file names still clash after the longest hash")   # a sha256 collision

