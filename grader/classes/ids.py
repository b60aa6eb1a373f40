"""A student's id from the name of their folder or file, in the one form every id is compared in.

Ids come from names anyone can type, on any system, so the id is the name made comparable and
visible: Unicode NFC (macOS writes `zoë` decomposed, a roster has it composed: one student),
and anything that would not show as itself escaped. Two names that are Unicode twins (the same
text in NFC and NFD, which Linux keeps as two folders) stay two students: one keeps the id,
the other gets its characters spelled out (`twin_id`), and the run says so.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from grader.model import nfc_id

__all__ = ["student_id", "twin_id", "twins"]


def student_id(name: str) -> str:
    """The id shown for a folder or file name: in Unicode NFC (`nfc_id`: a macOS folder `zoë`
    is the roster's `zoë`), printable UTF-8 kept as it is; a backslash, a control or invisible
    character and a byte that is not UTF-8 written as ``\\``, ``\\xNN`` or ``\\uNNNN``. Two
    names that differ in more than their Unicode form never give the same id (`scan` keeps
    twins apart), and no id hides a newline, a tab or a terminal escape."""
    name = nfc_id(name)
    if name.isprintable() and "\\" not in name:
        return name
    return _escaped(name, lambda ch: ch.isprintable())


def twin_id(name: str) -> str:
    """The id of a name that is the Unicode twin of another (`zoe` + U+0308 beside `zoë`): its
    characters outside printable ASCII spelled out (``zoe\\u0308``), so it is a different
    student that anyone can see is different."""
    return _escaped(name, lambda ch: " " <= ch <= "~")


def _escaped(name: str, keep: Callable[[str], bool]) -> str:
    out = []
    for ch in name:
        c = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= c <= 0xDCFF:          # a byte os.fsdecode could not decode
            out.append(f"\\x{c - 0xDC00:02x}")
        elif keep(ch):
            out.append(ch)
        elif c < 0x80 or (c < 0x100 and not ch.isprintable()):
            out.append(f"\\x{c:02x}")
        elif c < 0x10000:
            out.append(f"\\u{c:04x}")
        else:
            out.append(f"\\U{c:08x}")
    return "".join(out)


def twins(student: str, names: Iterable[str]) -> dict[str, tuple[str, Optional[str]]]:
    """name -> (id, note) for the names whose id in NFC is `student`. One name: the id. Several
    (twins): the one already in NFC (or else the first) keeps the id, each other one gets its
    `twin_id` and a note for the person running the class."""
    names = sorted(set(names), key=lambda raw: (raw != nfc_id(raw), raw))
    given: dict[str, tuple[str, Optional[str]]] = {names[0]: (student, None)} if names else {}
    for raw in names[1:]:
        twin = twin_id(raw)
        given[raw] = (twin, f"'{student}' and '{twin}' are two submissions whose names differ only in how "
                            f"their accents are encoded (Unicode NFC and NFD; macOS writes NFD): both are "
                            f"graded, the second under the id '{twin}', which a roster entry '{student}' does "
                            f"not match: keep one of them, or rename one")
    return given
