"""Student ids that look alike but are different: `Ana` and `Аna` (a Cyrillic А), `Bob` and
`Βob` (a Greek Β), `ann` and `ann ` (a trailing space). The grader keeps them apart, as it must
(they are different names), but a TA reading a report or an LMS export sees two rows that look
the same, or a roster entry "without a submission" next to a submission "not on the roster"
that look identical. So the run says which ids look alike, and why.

Two ids look alike when they have the same *skeleton*: the id in NFKC (fullwidth and other
compatibility forms folded), with the common confusable letters of Cyrillic and Greek (and
1/l/I, 0/O) mapped to one Latin letter, invisible characters dropped and runs of spaces made
one. This is a small table of the confusables met in class lists, after Unicode TR39's
skeleton, not the whole of it: no new dependency for a warning.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

__all__ = ["skeleton", "lookalike_groups", "lookalike_report"]

_CONFUSABLE = str.maketrans({
    # Cyrillic small letters that look Latin
    "а": "a", "е": "e", "һ": "h", "і": "i", "ј": "j", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ё": "ë", "ї": "ï",
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "І": "l", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l", "Ё": "Ë",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # digits and Latin letters that are the same shape in many fonts
    "0": "O", "1": "l", "I": "l", "|": "l", "ı": "i",
    # dashes and quotes that look like their ASCII forms
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "’": "'", "‘": "'", "ʼ": "'",
})
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")
_MAX_GROUPS = 20        # a warning names this many groups, then says how many more


def skeleton(student: str) -> str:
    """The form two ids that look alike share."""
    text = unicodedata.normalize("NFKC", student)
    text = _INVISIBLE.sub("", text).translate(_CONFUSABLE)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def lookalike_groups(ids: Iterable[str]) -> list[tuple[str, ...]]:
    """Groups of two or more different ids with one skeleton, each sorted, in order."""
    by_skeleton: dict[str, set[str]] = {}
    for s in ids:
        by_skeleton.setdefault(skeleton(s), set()).add(s)
    return sorted(tuple(sorted(group)) for group in by_skeleton.values() if len(group) > 1)


def _why(student: str) -> str:
    """What makes an id differ from how it looks: its characters outside printable ASCII, and
    spaces where they are hard to see."""
    marks = [f"'{ch}' is U+{ord(ch):04X} {unicodedata.name(ch, 'an unnamed character')}"
             for ch in dict.fromkeys(student) if not (" " <= ch <= "~")]
    if student != student.strip() or "  " in student:
        marks.append("it has a space at an end or two in a row")
    return f" ({'; '.join(marks)})" if marks else ""


def lookalike_report(ids: Iterable[str]) -> list[str]:
    """One sentence for the person running the class per group of ids that look alike."""
    groups = lookalike_groups(ids)
    lines = ["these student ids look alike but are different students to the grader and to an LMS: "
             + ", ".join(f"'{s}'{_why(s)}" for s in group)
             + "; check that they are really different students (a roster entry matches only the id "
               "written exactly as its submission's)"
             for group in groups[:_MAX_GROUPS]]
    if len(groups) > _MAX_GROUPS:
        lines.append(f"and {len(groups) - _MAX_GROUPS} more groups of student ids that look alike")
    return lines
