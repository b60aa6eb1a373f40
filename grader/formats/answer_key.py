"""An answer key for one student: each part's answer as that student must give it.

A numeric part's number is computed from the student's own values by the same `context` that
grades them, so a key cannot disagree with the grade; an expression's answer is its reference,
a choice's the labels and texts, a derivation's the chain from its start to its reference.
Pure functions (data and text out); `grader key` prints or writes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from grader.checking.decide import context
from grader.checking.variants import student_values, values_text
from grader.model import CHOICE, DERIVATION, MULTI_CHOICE, NUMERIC, Part, Problem
from grader.number_format import number_text


@dataclass(frozen=True)
class PartKey:
    part: str
    kind: str
    lines: tuple[str, ...]          # the answer as shown: one line, or a chain, or one line per option
    value: Optional[float] = None   # a numeric part's number for this student


@dataclass(frozen=True)
class AnswerKey:
    problem: str
    title: str
    student: Optional[str]
    values: tuple[tuple[str, float], ...]   # the given values this key was computed with
    parts: tuple[PartKey, ...]
    drawn: bool = False                     # the values are the student's own (per-student values are on)

    def text(self) -> str:
        """The key as an instructor reads it on a terminal or in a file."""
        who = "the course's values" if self.student is None else f"student {self.student}" + \
            ("" if self.drawn else " (this problem gives everyone the course's values)")
        out = [f"{self.problem}: {self.title}", f"Answer key for {who}"]
        if self.values:
            out.append(f"Values: {values_text(dict(self.values))}")
        for part in self.parts:
            out.append("")
            out.append(f"{part.part} ({part.kind}):")
            out.extend(f"  {line}" for line in part.lines)
        return "\n".join(out) + "\n"

    def as_json(self) -> dict:
        return {"problem": self.problem, "title": self.title, "student": self.student, "values": dict(self.values),
                "parts": [{"part": p.part, "kind": p.kind, "answer": list(p.lines), "value": p.value}
                          for p in self.parts]}


def _labels(part: Part) -> list[str]:
    return [label.strip() for label in part.answer.split(",") if label.strip()]


def _part_key(problem: Problem, part: Part, values: Optional[dict]) -> PartKey:
    if part.kind in (CHOICE, MULTI_CHOICE):
        lines = []
        for label in _labels(part):
            index = ord(label.upper()) - ord("A")
            text = part.options[index] if 0 <= index < len(part.options) else ""
            lines.append(f"{label}: {text}")
        return PartKey(part.id, str(part.kind), tuple(lines))
    if part.kind == NUMERIC:
        value = float(context(problem, part, tuple(sorted((values or {}).items()))).ref_values[0])
        return PartKey(part.id, str(part.kind), (number_text(value),), value)
    if part.kind == DERIVATION:
        chain = [part.start[0]] if part.start else []
        chain += [f"= {step}" for step in part.through] + [f"= {part.answer}"]
        return PartKey(part.id, str(part.kind), tuple(chain))
    return PartKey(part.id, str(part.kind), (part.answer,))


def answer_key(problem: Problem, student: Optional[str] = None) -> AnswerKey:
    """Each part's answer for `student` (None: with the course's values). Raises the checker's
    errors for a part whose reference cannot be evaluated (validate reports those)."""
    values = student_values(problem, student)
    used = values if values is not None else dict(problem.given)
    return AnswerKey(problem.id, problem.title, student, tuple(sorted(used.items())),
                     tuple(_part_key(problem, part, values) for part in problem.parts), values is not None)
