"""Per-student values: which given values a student's numeric parts use.

They are opt-in (`randomize: per-student` on a problem, or an assignment that switches them
on): otherwise everyone grades the course's `given` values. `variant_values` draws a student's
values whatever the switch (for `validate` and handouts); `student_values` is what grading uses.

Each variant is drawn from sha256 of (problem, student, name), so a student gets the same
values on every machine and in every run, and nobody can derive another student's values
without their id.
"""
from __future__ import annotations

import hashlib
import math
from typing import Optional

from grader.model import Problem, nfc_id
from grader.number_format import number_text

def _draw(problem_id: str, student_id: str, name: str) -> int:
    # NFC: `zoë` from a macOS folder (NFD) and from a roster draw the same values;
    # surrogateescape: a folder name that is not UTF-8 draws from its own bytes
    student_id = nfc_id(student_id)
    digest = hashlib.sha256(f"{problem_id}:{student_id}:{name}".encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big")


def _decimals_of(*numbers: float) -> int:
    best = 0
    for x in numbers:
        text = repr(float(x))
        if "e" in text or "E" in text:
            return 12
        if "." in text:
            best = max(best, len(text.split(".")[1].rstrip("0")))
    return min(best, 12)


def variant_values(problem: Problem, student_id: Optional[str]) -> dict[str, float]:
    """The given values a student works with: the course's values when student_id is None,
    otherwise each variant drawn from sha256(f"{problem.id}:{student_id}:{name}") (the id in NFC)."""
    values = dict(problem.given)
    if student_id is None:
        return values
    for v in problem.variants:
        u = _draw(problem.id, str(student_id), v.name)
        if v.choices:
            values[v.name] = float(v.choices[u % len(v.choices)])
        elif v.low is not None and v.high is not None:
            if v.step:
                n = int(math.floor((v.high - v.low) / v.step + 1e-9)) + 1
                value = v.low + (u % n) * v.step
                value = round(value, _decimals_of(v.low, v.step))
            else:
                value = v.low + (u / 2.0 ** 64) * (v.high - v.low)
            values[v.name] = float(value)
    return values



def student_values(problem: Problem, student_id: Optional[str]) -> Optional[dict[str, float]]:
    """The given values grading uses for this student: None (the course's own) unless the
    problem draws per-student values and the student is known."""
    if not problem.per_student or student_id is None:
        return None
    return variant_values(problem, student_id)


def values_text(values: dict[str, float], names: Optional[tuple[str, ...]] = None) -> str:
    """`x = 2, w1 = 0.03, w2 = -4`: the values in the problem's order (`names`, else sorted)."""
    order = [n for n in (names or sorted(values)) if n in values]
    return ", ".join(f"{n} = {number_text(values[n])}" for n in order)


def varied_text(problem: Problem, values: dict[str, float]) -> str:
    """Only the values that vary between students, in the problem's order."""
    names = tuple(v.name for v in problem.variants)
    return values_text({n: values[n] for n in names if n in values}, names)
