"""results.json: every submission of the class with each part's verdict, sorted by student,
the file a later run reads back to keep what it does not regrade. One writer (`RESULTS_JSON`,
written a row at a time) and its reader (`parse_results_json`), which refuses any other shape."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Optional

from grader.checking.othervalues import Classmates
from grader.formats.json_text import encode, indented, json_list, json_object, rounded
from grader.formats.files import Stream
from grader.model import STATUSES, PartResult, Step, StepStatus, SubmissionResult, SubmissionStatus, Verdict
from grader.show.text import step_json

__all__ = ["RESULTS_JSON", "results_json_stream", "parse_results_json", "result_from_dict"]


def _opt_str(d: dict, key: str) -> Optional[str]:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{key!r} must be a string or null")
    return v


def result_from_dict(d: dict) -> SubmissionResult:
    """A submission read back from its results.json object (for merging a previous run). Raises
    ValueError for anything that does not have the expected shape."""
    if not isinstance(d, dict) or not isinstance(d.get("student"), str):
        raise ValueError("each result must be an object with a 'student' string")
    parts = []
    for p in d.get("parts") or []:
        if not isinstance(p, dict):
            raise ValueError("each part must be an object")
        status = p.get("status")
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        feedback = p.get("feedback") or []
        if not isinstance(feedback, list) or not all(isinstance(f, str) for f in feedback):
            raise ValueError("'feedback' must be a list of strings")
        for key in ("score", "max_score"):
            if not isinstance(p.get(key), (int, float)) or isinstance(p.get(key), bool):
                raise ValueError(f"{key!r} must be a number")
        if not isinstance(p.get("problem"), str) or not isinstance(p.get("part"), str):
            raise ValueError("'problem' and 'part' must be strings")
        verdict = Verdict(status=status, score=float(p["score"]), max_score=float(p["max_score"]),
                          interpreted=_opt_str(p, "interpreted"), feedback=tuple(feedback),
                          rule=_opt_str(p, "rule"), steps=_steps_from(p.get("steps")))
        parts.append(PartResult(p["problem"], p["part"], _opt_str(p, "answer"), verdict))
    status = d.get("status")
    if status not in tuple(SubmissionStatus):
        raise ValueError(f"unknown submission status {status!r}")
    return SubmissionResult(student=d["student"], status=status, parts=tuple(parts),
                            message=_opt_str(d, "message"), values=_values_from(d.get("values")))


def _steps_from(data) -> tuple[Step, ...]:
    """A derivation's marked lines as `step_json` wrote them (none: not a derivation)."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ValueError("'steps' must be a list")
    steps = []
    for d in data:
        if not isinstance(d, dict) or not isinstance(d.get("line"), int) or isinstance(d.get("line"), bool) \
                or not isinstance(d.get("text"), str) or d.get("status") not in tuple(StepStatus):
            raise ValueError("each step must be an object with a 'line' number, its 'text' and a step 'status'")
        feedback = d.get("feedback") or []
        if not isinstance(feedback, list) or not all(isinstance(f, str) for f in feedback):
            raise ValueError("a step's 'feedback' must be a list of strings")
        steps.append(Step(d["line"], d["text"], StepStatus(d["status"]), tuple(feedback), _opt_str(d, "interpreted")))
    return tuple(steps)


def _values_from(data) -> tuple:
    if data is None:
        return ()
    if not isinstance(data, dict) or not all(
            isinstance(v, dict) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values())
            for v in data.values()):
        raise ValueError("'values' must map problem ids to {name: number}")
    return tuple((str(pid), tuple((str(n), float(x)) for n, x in sorted(v.items())))
                 for pid, v in sorted(data.items()))


@lru_cache(maxsize=8192)
def _part_json(p: PartResult, level: int, whose: Optional[tuple[tuple[str, ...], bool]] = None) -> str:
    """A part's object, nested `level` deep (keys in sorted order); a class repeats the same
    few verdicts, so each is encoded once. `whose`: the classmates whose values its numbers are
    right for, and whether more have them (a part the diagnosis labelled, in the class's file)."""
    v = p.verdict
    return json_object([
        ("answer", encode(p.answer)), ("feedback", json_list([encode(f) for f in v.feedback], level + 1)),
        ("interpreted", encode(v.interpreted)), ("max_score", encode(rounded(v.max_score))), ("part", encode(p.part)),
        ("problem", encode(p.problem)), ("rule", encode(v.rule)), ("score", encode(rounded(v.score))),
        ("status", encode(v.status)),
        *((("steps", indented([step_json(s) for s in v.steps], level + 1)),) if v.steps else ()),
        *((("whose_values", json_list([encode(n) for n in whose[0]], level + 1)),) if whose is not None else ()),
        *((("whose_values_more", "true"),) if whose is not None and whose[1] else ())], level)


def _result_json(r: SubmissionResult, level: int, classmates: Optional[Classmates] = None) -> str:
    """A submission's object, nested `level` deep (keys in sorted order)."""
    def part(p: PartResult) -> str:
        key = p.verdict.matched_values
        return _part_json(p, level + 2, classmates.whose(p.problem, key, r.student)
                          if key and classmates is not None else None)
    return json_object([
        ("max_score", encode(r.max_score)), ("message", encode(r.message)),
        ("parts", json_list([part(p) for p in r.parts], level + 1)),
        ("score", encode(r.score)), ("status", encode(r.status)), ("student", encode(r.student)),
        *((("values", indented({pid: dict(vals) for pid, vals in r.values}, level + 1)),) if r.values else ())],
        level)


def results_json_stream(classmates: Optional[Classmates] = None) -> Stream:
    """results.json: the same bytes as one json.dumps(list, sort_keys=True, indent=2). The
    class's file is the instructor's: with `classmates`, a part labelled as right for a
    classmate's values names whose they are (`whose_values`: their ids, sorted; and
    `whose_values_more` when more have them than OTHER_VALUES_MAX_NAMED). No file a student sees
    is made from here."""
    return Stream(head="[\n  ", piece=lambda r: _result_json(r, 1, classmates), sep=",\n  ", tail="\n]\n",
                  empty="[]\n")


RESULTS_JSON = results_json_stream()


def parse_results_json(text: str | bytes) -> list[SubmissionResult]:
    """A previous run's results.json, refused (ValueError) unless it has the shape we write."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("results.json must hold a list of submissions")
    return [result_from_dict(d) for d in data]

