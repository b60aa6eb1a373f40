"""Validate across students: a per-student problem checked with the values of a seeded sample
of drawn students (`VALIDATION_SAMPLE`), not only the course's: its conditions, its reference
(evaluated for all of them), its mistake rules (none may collide with the reference for
anyone) and its tests written with the given names. A numeric part's rules are also checked
for ones that can never fire."""
from __future__ import annotations

import math
from typing import Optional

from grader.checking import checker
from grader.answers import parser
from grader.checking.conditions import ConditionError, holds, read_condition
from grader.checking.decide import Difference, compare_values, context
from grader.checking.tolerance import within
from grader.checking.evaluate import EvalError, make_world
from grader.answers.tree import names_used
from grader.limits import VALIDATION_SAMPLE
from grader.model import EXPRESSION, NUMERIC, Part, Problem
from grader.checking.variants import variant_values, varied_text


# the students whose drawn values validate checks a per-student problem with (grader.limits says why so many)
VALIDATION_STUDENTS = ("validate-a", "validate-b", "validate-c") + tuple(f"validate-{n}" for n in range(3, VALIDATION_SAMPLE))
# the reference itself is graded for the first few of them (a whole check each); rules, for all
REFERENCE_STUDENTS = 3


def verdict_text(verdict) -> str:
    return " ".join(verdict.feedback or ())


def condition_ok(problem: Problem, part: Part, lines: dict, students: list, issue) -> bool:
    """Whether a part's condition can be read and met; reports what is wrong at its line."""
    cline = lines.get(("where", part.id)) or part.line or None
    label = f"part '{part.id}'"
    try:
        condition = read_condition(part.where, problem.table)
    except ConditionError as exc:
        issue(cline, f"{label}: {exc.message}")
        return False
    if part.kind == NUMERIC:      # one sample per student: cheap enough for the whole sample
        for student in [None, *VALIDATION_STUDENTS] if problem.variants else students:
            values = variant_values(problem, student) if problem.given else {}
            given = dict(problem.given)
            given.update(values or {})
            world = make_world(problem.table, 0, given=given, samples=1)
            try:
                met = bool(holds(condition, world)[0])
            except EvalError as exc:
                issue(cline, f"{label}: the condition '{part.where}' cannot be checked: {exc.message}")
                return False
            if not met:
                who = "the given values" if student is None else f"a sampled student's values ({varied_text(problem, values)})"
                issue(cline, f"{label}: {who} do not meet the condition '{part.where}'")
                return False
        return True
    for student in students:      # the course's values, and drawn variants: each must meet it
        values = variant_values(problem, student) if student is not None else {}
        try:
            context(problem, part, tuple(sorted(values.items())))
        except EvalError as exc:
            if exc.kind == "condition":
                who = "" if student is None else f" with a sampled student's values ({varied_text(problem, values)})"
                issue(cline, f"{label}: the condition '{part.where}' cannot be met{who}: {exc.message}")
                return False
        except Exception:  # noqa: BLE001 - the reference check below reports a broken part
            pass
    return True


def per_student(problem: Problem, part: Part, lines: dict, unreadable: set, issue) -> None:
    """A per-student numeric part is graded against each student's own number: its reference
    must be computed from the given names (a typed number grades everyone against the course's
    number), and no mistake rule may land within the tolerance of the reference for any sampled
    student, who would otherwise get full marks for that mistake."""
    where, line = f"part '{part.id}'", part.line or None
    if not names_used(parser.parse(part.answer, problem.table).tree) & set(dict(problem.given)):
        issue(line, f"{where}: the reference answer '{part.answer}' is a typed number, but each student has "
                    f"their own values ({', '.join(v.name for v in problem.variants)}): write it as a formula "
                    f"of the given names, so that each student is graded against their own number")
        return
    hits: dict[tuple[int, bool], list[dict]] = {}
    for student in VALIDATION_STUDENTS:
        values = variant_values(problem, student)
        try:
            ctx = context(problem, part, tuple(sorted(values.items())))
        except Exception:  # noqa: BLE001 - a broken part is reported by the reference check
            return
        reference = float(ctx.ref_values.reshape(-1)[0])
        for i, rule in enumerate(ctx.rules):
            if i in unreadable or rule.values is None:
                continue
            value = float(rule.values.reshape(-1)[0])
            if within(value, reference, part.tolerance):
                hits.setdefault((i, math.isclose(value, reference, rel_tol=1e-12, abs_tol=1e-15)), []).append(values)
    for (i, exact), found in sorted(hits.items()):
        mk, mline = part.mistakes[i], lines.get(("mistake", part.id, i), line)
        who = f"{len(found)} of {len(VALIDATION_STUDENTS)} sampled students, e.g. with {varied_text(problem, found[0])}"
        if exact:     # the values make the slip harmless (x = 1 times anything): no tolerance can tell
            issue(mline, f"{where}: mistake '{mk.tag}' ('{mk.answer}') gives exactly the reference's number for "
                         f"{who}: for them it cannot be told from the right answer", warning=True)
        else:
            issue(mline, f"{where}: mistake '{mk.tag}' ('{mk.answer}') is within the tolerance of the reference "
                         f"answer for {who}: such a student gets full marks for the mistake; tighten the "
                         f"tolerance or change the variants")


def reference_across(problem: Problem, part: Part, issue) -> set:
    """A whole check of the reference is costly, so it is graded for a few students only; every
    sampled student's values still go through grading's own evaluation (`context`), which is
    cheap: a reference out of reach for some values (1/(x-2) with x = 2, log(w - 0.02) with
    w = 0.02) leaves those students' answers not graded, as the bank's fault. Returns them. What
    the course's values show already, the whole check reports (once, in its own words)."""
    if part.kind not in (NUMERIC, EXPRESSION):
        return set()
    where, answer = f"part '{part.id}'", f"the reference answer '{part.answer}'"
    try:
        if _out_of_reach(problem, part, ()) is not None:
            return set()
    except Exception:  # noqa: BLE001 - an unreadable part or condition is reported where it is read
        return set()
    found: dict[str, list[tuple[str, dict, str]]] = {}
    for student in VALIDATION_STUDENTS:
        values = variant_values(problem, student)
        try:
            trouble = _out_of_reach(problem, part, tuple(sorted(values.items())))
        except Exception as exc:  # noqa: BLE001 - never let a checker bug stop validation
            issue(part.line or None, f"{where}: evaluating the reference failed: {type(exc).__name__}: {exc}")
            return set()
        if trouble is not None:
            found.setdefault(trouble[0], []).append((student, values, trouble[1]))
    for reason, hits in found.items():
        _, values, detail = hits[0]
        who = f"{len(hits)} of {len(VALIDATION_STUDENTS)} sampled students, e.g. with {varied_text(problem, values)}"
        issue(part.line or None, {
            "evaluate": f"{where}: {answer} cannot be evaluated for {who}: {detail}",
            "condition": f"{where}: the condition '{part.where}' cannot be met for {who}: {detail}",
            "finite": f"{where}: {answer} is not a finite number for {who} (it gives {detail}): their answers "
                      f"are not graded; change the variants or the reference",
            "undefined": f"{where}: {answer} is undefined at almost every sampled point for {who}: their answers "
                         f"are not graded; change the variants or the reference"}[reason])
    return {student for hits in found.values() for student, _, _ in hits}


def _out_of_reach(problem: Problem, part: Part, values: tuple) -> Optional[tuple[str, str]]:
    """(reason, detail) when grading's evaluation of the reference with these values leaves
    nothing to grade against: an EvalError, a number that is not finite, an expression undefined
    at (almost) every sample (what `compare_values` calls unchecked)."""
    try:
        ctx = context(problem, part, values)
    except EvalError as exc:
        return ("condition" if exc.kind == "condition" else "evaluate"), exc.message
    if part.kind == NUMERIC:
        value = float(ctx.ref_values.reshape(-1)[0])
        return None if math.isfinite(value) else ("finite", f"{value}")
    if compare_values(ctx.ref_values, ctx.ref_values, part.tolerance).reason is Difference.UNCHECKED:
        return "undefined", ""
    return None


def test_across(problem: Problem, part: Part, test, line: Optional[int], out_of_reach: set, issue) -> None:
    """A test written with the given names (not a number typed for the course's values) means the
    same for every student: it is checked with each sampled student's values too (but those whose
    reference is out of reach, reported already)."""
    try:
        used = names_used(parser.parse(str(test.answer), problem.table).tree)
    except parser.AnswerSyntaxError:
        return
    if not used & set(dict(problem.given)):
        return
    students = [s for s in VALIDATION_STUDENTS if s not in out_of_reach]
    wrong = []
    for student in students:
        values = variant_values(problem, student)
        v = checker.check(problem, part, test.answer, values)
        if v.status != test.status:
            wrong.append((values, v))
    if wrong:
        values, v = wrong[0]
        issue(line, f"part '{part.id}': test answer '{test.answer}' should be {test.status} but is {v.status} for "
                    f"{len(wrong)} of {len(students)} sampled students, e.g. with "
                    f"{varied_text(problem, values)}" + (f" (feedback: {verdict_text(v)})" if v.feedback else ""))


def never_fires(problem: Problem, part: Part, lines: dict, unreadable: set, issue) -> None:
    """A numeric part's tolerance (absolute, decimals...) is wider than the equivalence the
    mistake check uses: a rule inside it for the course's values is graded correct, never as the
    mistake. A rule equal to the reference is reported as equivalent already."""
    try:
        ctx = context(problem, part, ())
    except Exception:  # noqa: BLE001 - a broken part is reported by the reference check
        return
    reference = float(ctx.ref_values.reshape(-1)[0])
    for i, rule in enumerate(ctx.rules):
        if i in unreadable or rule.values is None or compare_values(rule.values, ctx.ref_values, part.tolerance).equal:
            continue
        if within(float(rule.values.reshape(-1)[0]), reference, part.tolerance):
            mk = part.mistakes[i]
            issue(lines.get(("mistake", part.id, i), part.line or None),
                  f"part '{part.id}': mistake '{mk.tag}' ('{mk.answer}') is within the tolerance of the reference "
                  f"answer for the course's values: it can never fire")
