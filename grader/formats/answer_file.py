"""An answers.yaml written for a student (the web page's "Download my answers"), which
`grader grade FILE` reads back to exactly the answers given.

Written by hand rather than by a YAML library so that the file looks like the ones students
write themselves: a one-line answer in double quotes, a derivation as a literal block scalar
(`|`) with one line of the chain per line. Every character YAML would read differently (a
line break inside a quoted answer, a control character, a byte-order mark) is escaped in a
double-quoted scalar instead, so no answer can change its meaning on the way.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

STUDENT_KEY = "student"     # the file's `student: ID` line, as grader.classes.submissions reads it


class UnwritableAnswer(ValueError):
    """An answer holding a character an answer file cannot carry (a lone surrogate)."""


def _raw(c: str) -> bool:
    """A character a YAML reader takes as it stands (PyYAML's printable set), less line breaks and the BOM."""
    if c in "\u2028\u2029\ufeff":
        return False
    return c == "\t" or " " <= c <= "~" or "\xa0" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"


def quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar: the characters a reader takes as they stand,
    everything else as an escape."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif "\ud800" <= c <= "\udfff":
            raise UnwritableAnswer("an answer holds a character that is not text (a lone surrogate)")
        elif _raw(c):
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    """A problem or part id as it stands when YAML reads it back as that text, else quoted."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name) and name.lower() not in _NOT_PLAIN
    return name if plain else quoted(name)


_NOT_PLAIN = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}   # YAML 1.1 reads these as values


def _block(text: str, indent: str) -> Optional[str]:
    """A multi-line answer as a literal block scalar, or None when it cannot be one."""
    if "\n" not in text.rstrip("\n") or not all(c == "\n" or _raw(c) for c in text):
        return None
    # explicit indentation (2) and chomping: leading spaces and trailing newlines survive
    head = "|2+" if text.endswith("\n") else "|2-"
    body = text[:-1] if text.endswith("\n") else text
    lines = [(indent + "  " + line) if line else "" for line in body.split("\n")]
    return head + "\n" + "\n".join(lines)


def answers_yaml(answers: Mapping[str, Mapping[str, str]], student: Optional[str] = None) -> str:
    """problem id -> part id -> answer, as the text of an answers.yaml (problems and parts in the
    order given). Raises UnwritableAnswer for an answer no file can hold."""
    lines = ["# My answers, saved from the grader's web page. Grade them with: grader grade answers.yaml"]
    if student:
        lines.append(f"{STUDENT_KEY}: {quoted(student)}")
    for problem_id, parts in answers.items():
        lines.append(f"{_key(problem_id)}:")
        for part_id, answer in parts.items():
            block = _block(answer, "  ")
            lines.append(f"  {_key(part_id)}: {block if block is not None else quoted(answer)}")
    return "\n".join(lines) + "\n"
