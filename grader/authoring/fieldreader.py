"""Reading one problem file's YAML tree field by field: typed access that names the field and
its line when a value has the wrong type, and the error every problem-file mistake raises.

The loader (problems, symbols, indices, variants) and `parts` (parts, answer rules, tests) both
read through a FieldReader, so a mistake reads the same wherever in the file it is.
"""
from __future__ import annotations

import difflib
import math
from typing import Any, Iterable, Optional

from grader.errors import BankError
from grader.authoring.fields import INT_RE, NUMBER_RE
from grader.authoring.yamlsafe import YDict


class ProblemError(BankError):
    """A problem file that cannot be used; str(e) = "path:line: message"."""

    def __init__(self, path: Any, line: Optional[int], message: str):
        super().__init__(message, str(path), line)
        self.path = str(path)
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def line_of(value: Any, default: Optional[int] = None) -> Optional[int]:
    line = getattr(value, "line", None)
    return line if line is not None else default


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a text"


class FieldReader:
    """Typed access to the YAML tree of one file, raising ProblemError with file:line."""

    def __init__(self, path: str):
        self.path = path
        self.lines: dict[tuple, Optional[int]] = {}   # ("test", part, i) / ("mistake", part, i) -> line

    def fail(self, line: Optional[int], message: str) -> None:
        raise ProblemError(self.path, line, message)

    def mapping(self, value: Any, what: str, line: Optional[int]) -> YDict:
        if not isinstance(value, dict):
            self.fail(line_of(value, line), f"{what} must be a mapping ('key: value' lines), not {kind_of(value)}")
        return value

    def check_fields(self, mapping: YDict, allowed: dict, what: str, required: Iterable[str] = ()) -> None:
        for key in mapping:
            if key not in allowed:
                line = mapping.key_lines.get(key, mapping.line)
                self.fail(line, f"{what}: unknown field '{key}'{suggest(key, allowed)}")
        for key in required:
            if key not in mapping:
                self.fail(mapping.line, f"{what}: missing field '{key}'")

    def text(self, mapping: YDict, key: str, what: str, *, required: bool = False,
             empty_ok: bool = False) -> Optional[str]:
        if key not in mapping:
            if required:
                self.fail(mapping.line, f"{what}: missing field '{key}'")
            return None
        value = mapping[key]
        line = mapping.key_lines.get(key, mapping.line)
        if not isinstance(value, str):
            self.fail(line_of(value, line), f"{what}: '{key}' must be a text, not {kind_of(value)}")
        if not empty_ok and not value.strip():
            self.fail(line, f"{what}: '{key}' is empty")
        return str(value)

    def number(self, value: Any, what: str, line: Optional[int]) -> float:
        if not isinstance(value, str) or not NUMBER_RE.fullmatch(value.strip()):
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            self.fail(line_of(value, line), f"{what} must be a number, not {shown}")
        result = float(value.strip())
        if not math.isfinite(result):
            self.fail(line_of(value, line), f"{what} is too large a number: '{value}'")
        return result

    def integer(self, value: Any, what: str, line: Optional[int]) -> int:
        if not isinstance(value, str) or not INT_RE.fullmatch(value.strip()) or len(value.strip()) > 6:
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            self.fail(line_of(value, line), f"{what} must be a whole number, not {shown}")
        return int(value.strip())

    def boolean(self, value: Any, what: str, line: Optional[int]) -> bool:
        if isinstance(value, str) and value.strip() in ("true", "True", "false", "False"):
            return value.strip() in ("true", "True")
        shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
        self.fail(line_of(value, line), f"{what} must be true or false, not {shown}")
        raise AssertionError  # unreachable

    def text_list(self, value: Any, what: str, line: Optional[int], *, allow_single: bool = False) -> list[str]:
        if allow_single and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(line_of(value, line), f"{what} must be a list, not {kind_of(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(line_of(item, line_of(value, line)), f"{what}: item {i + 1} must be a text, not {kind_of(item)}")
            if not item.strip():
                self.fail(line_of(item, line_of(value, line)), f"{what}: item {i + 1} is empty")
            out.append(str(item))
        return out
