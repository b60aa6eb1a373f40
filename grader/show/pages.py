"""A problem as the web page shows it: the JSON its script renders (statement, names to use,
index letters, parts with their expected form), built from the same sentences as the terminal."""
from __future__ import annotations

from typing import Optional

from grader.answers.parser import AnswerSyntaxError, parse
from grader.checking.choices import LETTERS
from grader.checking.tolerance import words as tolerance_words
from grader.checking.variants import student_values
from grader.model import CHOICE, MULTI_CHOICE, NUMERIC, Part, Problem
from grader.number_format import format_number
from grader.show.html import problem_html
from grader.show.mathml import mathml
from grader.show.prose import inline_html, plain, prose_html, with_values
from grader.show.text import expects, index_entries, name_entries


def problem_json(p: Problem, student: Optional[str]) -> dict:
    given = student_values(p, student) or dict(p.given)
    seen = with_values(p, given)      # the texts with the student's values; problem_html fills its own
    return {
        "id": p.id, "title": p.title, "statement": plain(seen.statement.strip()), "statement_html": prose_html(seen.statement, p),
        "points": p.max_score, "per_student": p.per_student,
        "student": student, "given": [{"name": k, "value": format_number(v, 6)} for k, v in sorted(given.items())],
        "names": [_name_json(p, ex, note) for ex, note in name_entries(p, given)],
        "indices": [{"letter": letter, "role": role, "range": p.table.index_range(letter), "note": note}
                    for (letter, role), (_, note) in zip(p.table.indices, index_entries(p))],
        "parts": [_part_json(p, q) for q in seen.parts],
        "html": problem_html(p, tuple(sorted(given.items())), student)}


def _part_json(problem: Problem, part: Part) -> dict:
    out = {"id": part.id, "kind": part.kind, "points": part.points, "prompt": plain(part.prompt.strip()),
           "prompt_html": prose_html(part.prompt, problem),
           "expects": expects(part), "hints": len(part.hints), "restriction": part.restriction}
    if part.kind in (CHOICE, MULTI_CHOICE):
        out["options"] = [{"letter": LETTERS[i], "text": plain(text), "html": inline_html(text, problem)}
                          for i, text in enumerate(part.options)]
    if part.kind == NUMERIC:
        out["tolerance"] = tolerance_words(part.tolerance)
    return out


def _name_json(problem: Problem, example: str, note: str) -> dict:
    try:
        shown = mathml(parse(example, problem.table).tree)
    except AnswerSyntaxError:
        shown = None
    return {"text": example, "note": note, "mathml": shown}
