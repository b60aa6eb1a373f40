"""Which entries of a class folder are submissions, and under which student id.

A class directory holds one submission per student, either as a folder
``DIR/<student>/answers.yaml`` or as a single file ``DIR/<student>.yaml`` (``.yml`` too).
Every entry that could be a submission yields an `Entry`, so it gets a row even when it cannot
be read; nothing is opened here (a named pipe called ``x.yaml`` would block), only listed.
"""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Optional

from grader.classes.ids import student_id, twins
from grader.errors import os_reason

ANSWER_FILE_NAMES = ("answers.yaml", "answers.yml")
_SUFFIXES = (".yaml", ".yml")


class Entry(NamedTuple):
    """One student found in a class directory (`scan`). `error` is set when the entry is
    refused before reading (a symbolic link, two submissions under the same id); `path` is
    None when the student's folder has no answer file. `skipped` says why an entry that is not
    a submission was left out (it gets no row, but the caller can say so). `note` is a warning
    for the person running the class about a submission that is graded (a Unicode twin)."""

    student: str
    path: Optional[Path]
    error: Optional[str] = None
    skipped: Optional[str] = None
    note: Optional[str] = None


def _looks_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~") or name.endswith("~") or name == "__MACOSX"


def scan(directory: Path | str, skip: Iterable[str] = ()) -> list[Entry]:
    """Every student of a class directory, sorted by student id, with the file to read.

    * ``DIR/<student>/answers.yaml`` (or ``answers.yml``): a folder per student; a folder
      without an answer file still gets an entry (path None: "no answers.yaml"), unless its
      name looks hidden or like a backup (``.git``, ``__MACOSX``, ``x~``): that one is listed
      as skipped, with the reason.
    * ``DIR/<student>.yaml`` / ``.yml``: a file per student.
    * Hidden and backup-looking names that hold a submission are graded like any other:
      every submission gets a row.
    * The student id is `student_id` of the name: escaped when it is not printable UTF-8.
    * A folder the grader may not open gets an entry saying so; ``..yaml`` (no student id in
      the name) and a non-regular file such as a named pipe called ``x.yaml`` get an entry with
      the reason, and are never opened.
    * Symbolic links are never followed: an entry that is one (or a folder's answer file that
      is one) is refused with "refused: symbolic link".
    * Names in `skip` (the output folder, when it sits inside the class folder) are skipped.
    * Two submissions for one id (``bob/`` and ``bob.yaml``) give one entry with an error.
    """
    found: dict[str, list[Entry]] = {}
    skipped: list[Entry] = []
    for entry in scan_items(directory, skip):
        if entry.skipped:
            skipped.append(entry)
        else:
            found.setdefault(entry.student, []).append(entry)
    result = [merge_entries(directory, found[student]) for student in sorted(found)]
    return sorted(result + skipped, key=lambda e: e.student)


def merge_entries(directory: Path | str, entries: list[Entry]) -> Entry:
    """The one entry of a student found once; an error entry for one found more than once."""
    if len(entries) == 1:
        return entries[0]
    entries = sorted(entries, key=lambda e: e.path.relative_to(directory).parts[0] if e.path else e.student)
    student = entries[0].student
    names = ", ".join(student_id(str(e.path.relative_to(directory))) if e.path else f"{student}/"
                      for e in entries)
    return Entry(student, entries[0].path, f"more than one submission for this student ({names}); keep one")


def scan_items(directory: Path | str, skip: Iterable[str] = ()) -> Iterator[Entry]:
    """`scan` one folder item at a time, in no particular order and not grouped by student
    (a class of any size streams through: see `scan` for the rules). A name not in Unicode NFC
    waits until the folder has been listed (`_twins`): only then is it known whether another
    name is its twin."""
    directory = Path(directory)
    skip = set(skip)
    waiting: list[os.DirEntry] = []
    with os.scandir(directory) as items:
        for item in items:
            if not unicodedata.is_normalized("NFC", item.name) and item.name not in skip:
                waiting.append(item)
            else:
                yield from _item(directory, item, skip)
    if waiting:
        yield from _twins(directory, waiting, skip)


def _twins(directory: Path, waiting: list[os.DirEntry], skip: set[str]) -> Iterator[Entry]:
    """The entries of names not in NFC. Such a name is its student's id in NFC (`zoë` from
    macOS is the roster's `zoë`), unless another submission has a name that differs from it only
    in its Unicode form (folders `zoë` and `zoe` + U+0308, which Linux keeps apart): then both are
    kept, the NFC one (or the first) under the id and each other one under its `twin_id`, with a
    note. The folder is listed once more, only when there are such names (rare)."""
    found: dict[str, list[tuple[str, Entry]]] = {}
    for item in waiting:
        for raw, entry in _named(directory, item, skip):
            found.setdefault(entry.student, []).append((raw, entry))
    with os.scandir(directory) as items:       # the NFC names that are twins of the waiting ones
        for item in items:
            if unicodedata.is_normalized("NFC", item.name) and _may_be(item.name, found):
                for raw, entry in _named(directory, item, skip):
                    if entry.student in found and not entry.skipped:
                        found[entry.student].append((raw, None))
    for student in sorted(found):
        given = twins(student, [raw for raw, e in found[student] if e is None or not e.skipped])
        for raw, entry in found[student]:
            if entry is not None:
                yield entry if entry.skipped else entry._replace(student=given[raw][0], note=given[raw][1])


def _may_be(name: str, found: dict) -> bool:
    stem, suffix = os.path.splitext(name)
    return student_id(name) in found or (suffix.lower() in _SUFFIXES and student_id(stem) in found)


def _named(directory: Path, item: os.DirEntry, skip: set[str]) -> Iterator[tuple[str, Entry]]:
    """`_item`'s entry with the name it took its id from."""
    said: list[str] = []

    def name_of(raw: str) -> str:
        said.append(raw)
        return student_id(raw)

    for entry in _item(directory, item, skip, name_of):
        yield said[-1], entry


def _item(directory: Path, item: os.DirEntry, skip: set[str],
          name_of: Callable[[str], str] = student_id) -> Iterator[Entry]:
    name = item.name
    suffix = os.path.splitext(name)[1].lower()
    path = directory / name
    if name in skip:
        yield Entry(name_of(name), path, None, "it is the output folder")
        return
    if item.is_symlink():
        # never followed, so we cannot tell a linked folder from a linked file: refuse it
        student = name_of(name[: -len(suffix)] if suffix in _SUFFIXES else name)
        yield Entry(student, path, "refused: symbolic link")
        return
    if item.is_dir(follow_symlinks=False):
        student = name_of(name)
        answer, unreadable = _answer_file(path)
        if unreadable is not None and _looks_hidden(name):
            yield Entry(student, path, None, f"a hidden or backup folder: {unreadable}")
        elif unreadable is not None:
            yield Entry(student, None, unreadable)
        elif answer is not None and os.path.islink(answer):
            yield Entry(student, answer, "refused: symbolic link")
        elif answer is None:
            if _looks_hidden(name):
                yield Entry(student, path, None,
                                     "a hidden or backup folder without answers.yaml")
            else:
                yield Entry(student, None, "no answers.yaml")
        else:
            yield Entry(student, answer)
        return
    stem = _yaml_stem(name)
    if stem is not None and not stem.strip("."):
        # `..yaml`, `...yaml`: a submission without a student id in its name; a row says so
        yield Entry(name_of(name), path, f"the file name {name} gives no student id: "
                                            f"name it <student>{name[len(stem):]}")
    elif stem is not None and not item.is_file(follow_symlinks=False):
        # a named pipe or a device named x.yaml: never opened (it could block or have effects)
        yield Entry(name_of(stem), path, f"{name} is not a regular file")
    elif item.is_file(follow_symlinks=False) and suffix in _SUFFIXES and name[: -len(suffix)]:
        student = name_of(name[: -len(suffix)])
        yield Entry(student, path)
    elif _looks_hidden(name) or suffix in _SUFFIXES:
        yield Entry(name_of(name), path, None,
                             "not a submission (neither a folder nor a .yaml file)")


def _yaml_stem(name: str) -> Optional[str]:
    """The name without its .yaml/.yml (any case), or None; `os.path.splitext` gives no
    extension to `..yaml`, whose stem is `.`."""
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def _answer_file(folder: Path) -> tuple[Optional[Path], Optional[str]]:
    """(the answer file in a student's folder or None, why the folder cannot be read or None):
    a folder the grader may not open is reported as such, not as one without answers.yaml."""
    for candidate in ANSWER_FILE_NAMES:
        p = folder / candidate
        try:
            os.lstat(p)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            return None, f"cannot read the folder {folder.name}: {os_reason(exc)}"
        return p, None
    return None, None


def discover(directory: Path | str) -> list[tuple[str, Optional[Path]]]:
    """``(student id, answer file or None)`` for every student of a class directory, sorted.
    See `scan` for the rules and for why an entry is refused."""
    return [(e.student, e.path) for e in scan(directory) if e.skipped is None]


