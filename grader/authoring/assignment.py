"""An assignment: which problems of the bank a class answers, for how many points, whether
each student gets their own values, and when it is due.

    title: Homework 3 (backpropagation)      # the column name in LMS exports
    due: 2026-12-08 23:59                     # shown in reports (text, as written)
    randomize: per-student                    # optional: switch per-student values on (or off)
    problems:                                 # optional: default, the whole bank
      - two-layer-example                     # the bank's points
      - {id: sigmoid, points: 4}              # scaled to 4 points in all
      - {id: relu, randomize: "off"}

`apply` turns the bank into the assignment's bank (only its problems, points scaled,
per-student values switched), so everything downstream grades and reports the assignment
without knowing it exists: knowledge in one place.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from grader.authoring import yamlsafe
from grader.errors import AuthorError, os_reason
from grader.limits import YAML_MAX_BYTES
from grader.model import Problem
from grader.authoring.fields import NUMBER_RE, RANDOMIZE_MODES, RANDOMIZE_PER_STUDENT

FIELDS = ("title", "due", "randomize", "problems")
PROBLEM_FIELDS = ("id", "points", "randomize")
DEFAULT_TITLE = "Backpropagation homework"


class AssignmentError(AuthorError):
    """An assignment file that cannot be used."""


@dataclass(frozen=True)
class Entry:
    id: str
    points: Optional[float] = None
    randomize: Optional[bool] = None


@dataclass(frozen=True)
class Assignment:
    title: str = DEFAULT_TITLE
    due: Optional[str] = None
    randomize: Optional[bool] = None       # None: each problem's own setting
    problems: Optional[tuple[Entry, ...]] = None   # None: the whole bank


def _line(doc, key) -> str:
    line = doc.key_line(key) if hasattr(doc, "key_line") else None
    return f":{line}" if line else ""


def _randomize(value, where: str) -> bool:
    if not isinstance(value, str) or value not in RANDOMIZE_MODES:
        raise AssignmentError(f"{where}: 'randomize' must be one of: {', '.join(RANDOMIZE_MODES)}")
    return value == RANDOMIZE_PER_STUDENT


def _text(value, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AssignmentError(f"{where}: '{what}' must be a line of text")
    return value.strip()


def parse_assignment(data: bytes | str, shown: str = "assignment") -> Assignment:
    try:
        doc = yamlsafe.load(data)
    except yamlsafe.YamlError as exc:
        raise AssignmentError(f"{shown}{f':{exc.line}' if exc.line else ''}: {exc.message}") from None
    if not isinstance(doc, dict):
        raise AssignmentError(f"{shown}: an assignment file maps fields ({', '.join(FIELDS)}) to values")
    for key in doc:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise AssignmentError(f"{shown}{_line(doc, key)}: unknown field '{key}'{hint}")
    title = _text(doc["title"], f"{shown}{_line(doc, 'title')}", "title") if "title" in doc else DEFAULT_TITLE
    due = _text(doc["due"], f"{shown}{_line(doc, 'due')}", "due") if "due" in doc else None
    randomize = _randomize(doc["randomize"], f"{shown}{_line(doc, 'randomize')}") if "randomize" in doc else None
    problems = None
    if "problems" in doc:
        where = f"{shown}{_line(doc, 'problems')}"
        raw = doc["problems"]
        if not isinstance(raw, list) or not raw:
            raise AssignmentError(f"{where}: 'problems' must be a non-empty list of problem ids")
        entries = []
        for item in raw:
            entries.append(_entry(item, where))
        ids = [e.id for e in entries]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise AssignmentError(f"{where}: problem '{dup}' is listed twice")
        problems = tuple(entries)
    return Assignment(title=title, due=due, randomize=randomize, problems=problems)


def _entry(item, where: str) -> Entry:
    if isinstance(item, str):
        return Entry(item.strip())
    if not isinstance(item, dict) or "id" not in item:
        raise AssignmentError(f"{where}: each problem is an id, or {{id: ..., points: ..., randomize: ...}}")
    for key in item:
        if key not in PROBLEM_FIELDS:
            raise AssignmentError(f"{where}: problem '{item.get('id')}': unknown field '{key}' "
                                  f"(the fields are: {', '.join(PROBLEM_FIELDS)})")
    pid = _text(item["id"], where, "id")
    points = None
    if "points" in item:
        text = item["points"]
        if not isinstance(text, str) or not NUMBER_RE.fullmatch(text.strip()) or float(text) <= 0:
            raise AssignmentError(f"{where}: problem '{pid}': 'points' must be a positive number")
        points = float(text)
    randomize = _randomize(item["randomize"], f"{where}: problem '{pid}'") if "randomize" in item else None
    return Entry(pid, points, randomize)


def load_assignment(path: Path | str) -> Assignment:
    path = Path(path)
    try:
        data = path.read_bytes()[: YAML_MAX_BYTES + 1]
    except OSError as exc:
        raise AssignmentError(f"cannot read the assignment {path}: {os_reason(exc)}") from None
    return parse_assignment(data, str(path))


def _scaled(problem: Problem, points: float) -> Problem:
    factor = points / problem.max_score
    parts = tuple(replace(p, points=round(p.points * factor, 6)) for p in problem.parts)
    return replace(problem, parts=parts)


def apply(assignment: Assignment, bank: dict[str, Problem]) -> dict[str, Problem]:
    """The bank as this assignment grades it."""
    entries = assignment.problems or tuple(Entry(pid) for pid in bank)
    out: dict[str, Problem] = {}
    for e in entries:
        problem = bank.get(e.id)
        if problem is None:
            close = difflib.get_close_matches(e.id, list(bank), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise AssignmentError(f"the assignment lists problem '{e.id}', which the bank does not have{hint}")
        randomize = e.randomize if e.randomize is not None else assignment.randomize
        if randomize is not None:
            if randomize and not problem.variants and e.randomize:
                raise AssignmentError(f"the assignment gives problem '{e.id}' per-student values, "
                                      f"but the problem declares no 'variants' to draw them from")
            problem = replace(problem, randomize=randomize)
        if e.points is not None:
            problem = _scaled(problem, e.points)
        out[e.id] = problem
    return dict(sorted(out.items()))
