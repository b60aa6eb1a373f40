"""`grader validate`: everything wrong with a set of problem files, not just the first thing.

File and field errors come from the loader; the rest is found by grading: references that
cannot be read or are not graded correct (for the course's values and for variants), mistake
rules equivalent to the reference, and parts whose own sample answers get another status.
What only other students' values show is `across`'s; what only the file shows, `lints`'.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace as dc_replace
from pathlib import Path
from typing import Any, Iterable, Optional

from grader.checking import checker
from grader.answers import parser
from grader.checking.decide import context
from grader.checking.evaluate import EvalError, evaluate, make_world
from grader.answers.render import render
from grader.answers.tree import Deriv, Idx, Sym, names_used
from grader.checking.restatements import bare, defined_names, derivative_candidates, disguises, uses_asked
from grader.limits import MAX_RESTATEMENTS
from grader.model import CHOICE, CORRECT, DERIVATION, EXPRESSION, MULTI_CHOICE, NUMERIC, Part, Problem
from grader.authoring.loader import ProblemError, _load, _problem_files
from grader.authoring.formulas import formula_errors, placeholder_errors
from grader.authoring.parts import choice_labels
from grader.checking.variants import variant_values, varied_text
from grader.answers import functions
from grader.authoring.validation.across import (REFERENCE_STUDENTS, VALIDATION_STUDENTS, condition_ok, never_fires,
                                                per_student, reference_across, test_across, verdict_text)
from grader.authoring.validation.lints import lints

__all__ = ["validate", "ValidationIssue", "VALIDATION_STUDENTS", "REFERENCE_STUDENTS"]


@dataclass(frozen=True)
class ValidationIssue:
    path: str
    line: Optional[int]
    message: str
    warning: bool = False     # worth a look, but the problem grades correctly: fails only `validate --strict`

    def __str__(self) -> str:
        text = f"warning: {self.message}" if self.warning else self.message
        if self.line is None:
            return f"{self.path}: {text}"
        return f"{self.path}:{self.line}: {text}"


def _expand(paths: Iterable[Any]) -> list[Any]:
    out = []
    for p in paths:
        if isinstance(p, (str, os.PathLike)):
            is_dir = Path(p).is_dir()
        else:   # an importlib.resources Traversable
            try:
                is_dir = bool(p.is_dir())
            except (AttributeError, OSError):
                is_dir = False
        if is_dir:
            out.extend(_problem_files(p))
        else:
            out.append(p)
    return out


def validate(paths: Iterable[Any], *, warnings: bool = False) -> list[ValidationIssue]:
    """Every problem found in the given files (folders are expanded to their problem files);
    warnings only when asked, so that a caller checking a bank is clean sees errors only."""
    issues: list[ValidationIssue] = []
    loaded: list[tuple[Problem, dict]] = []
    seen: dict[str, str] = {}
    for path in _expand(paths):
        try:
            problem, lines = _load(path)
        except ProblemError as exc:
            issues.append(ValidationIssue(exc.path, exc.line, exc.message))
            continue
        if problem.id in seen:
            issues.append(ValidationIssue(problem.path, None,
                                          f"duplicate problem id '{problem.id}' (also in {seen[problem.id]})"))
            continue
        seen[problem.id] = problem.path
        loaded.append((problem, lines))
    for problem, lines in loaded:
        issues.extend(_check_problem(problem, lines))
    return [i for i in issues if warnings or not i.warning]


def _line_of_text(path: str, text: Optional[str]) -> Optional[int]:
    """The first line of the file holding `text` (a formula's first line), for a file:line
    message about prose, whose YAML value has no line of its own per formula."""
    first = text or ""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return next((n for n, line in enumerate(lines, 1) if first and first in line), None)


def _check_problem(problem: Problem, lines: dict) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []

    def issue(line: Optional[int], message: str, warning: bool = False) -> None:
        issues.append(ValidationIssue(problem.path, line, message, warning))

    table = problem.table
    definitions = {}
    for sym in table.symbols:
        if sym.definition is not None:
            try:
                definitions[sym.name] = parser.parse(sym.definition, table).tree
            except parser.AnswerSyntaxError as exc:
                issue(None, f"symbol '{sym.name}': the definition '{sym.definition}' cannot be read: {exc}")
    _definitions_evaluate(problem, definitions, issue)
    for where, message, source in (*formula_errors(problem), *placeholder_errors(problem)):
        issue(_line_of_text(problem.path, source), f"{where}: {message}")

    students: list[Optional[str]] = [None]
    if problem.variants:
        students.extend(VALIDATION_STUDENTS[:REFERENCE_STUDENTS])

    lints(problem, lines, issue)
    for part in problem.parts:
        where = f"part '{part.id}'"
        line = part.line or None
        expression_like = part.kind in (EXPRESSION, NUMERIC, DERIVATION)
        reference_ok = True
        unreadable: set[int] = set()   # mistakes already reported as unreadable
        if expression_like:
            to_read = [("the reference answer", part.answer, line, None)]
            to_read += [(f"mistake '{mk.tag}'", mk.answer, lines.get(("mistake", part.id, i), line), i)
                        for i, mk in enumerate(part.mistakes)]
            to_read += [(f"its {key}", text, lines.get((key, part.id), line), -1)
                        for key, texts in (("start", part.start), ("through", part.through)) for text in texts]
            for label, text, where_line, mistake_index in to_read:
                try:
                    parser.parse(text, table)
                    continue
                except parser.AnswerSyntaxError as exc:
                    issue(where_line, f"{where}: {label} '{text}' cannot be read: {exc}")
                except Exception as exc:  # noqa: BLE001 - never let a checker bug stop validation
                    issue(where_line, f"{where}: reading '{text}' failed: {type(exc).__name__}: {exc}")
                if mistake_index is None:
                    reference_ok = False
                else:
                    unreadable.add(mistake_index)
        if not reference_ok:
            continue
        if part.asks:
            _asks_readable(problem, part, lines.get(("asks", part.id), line), issue)
            if problem.table.network is not None:
                _proved(problem, part, lines, issue)
        if part.where is not None and not condition_ok(problem, part, lines, students, issue):
            continue

        if part.kind == DERIVATION:
            if -1 not in unreadable:
                _derivation_proved(problem, part, lines, issue)
        _reference_causes(problem, part, issue)
        out_of_reach = reference_across(problem, part, issue) if problem.variants else set()
        # the reference must be right, for the course's values and for variants (a numeric part's
        # reference is a formula in the given names: the instructor's, checked as one)
        reference_part = dc_replace(part, formula=True) if part.kind == NUMERIC else part
        for student in [s for s in students if s not in out_of_reach] if part.kind != DERIVATION else ():
            values = variant_values(problem, student) if problem.given else None
            try:
                v = checker.check(problem, reference_part, part.answer, values)
            except Exception as exc:  # noqa: BLE001
                issue(line, f"{where}: checking the reference failed: {type(exc).__name__}: {exc}")
                break
            if v.status != CORRECT or v.score < v.max_score - 1e-9:
                who = "" if student is None else f" (for a sampled student with {varied_text(problem, values)})"
                issue(line, f"{where}: the reference answer '{part.answer}' is graded {v.status}"
                            f"{who}: {verdict_text(v)}".rstrip(": "))
                break

        if part.kind == NUMERIC:
            never_fires(problem, part, lines, unreadable, issue)
        if problem.variants and part.kind == NUMERIC:
            per_student(problem, part, lines, unreadable, issue)

        # a mistake rule must not be the reference in disguise
        for i, mk in enumerate(part.mistakes):
            if i in unreadable:
                continue
            mline = lines.get(("mistake", part.id, i), line)
            try:
                same = _equivalent(problem, part, mk.answer, part.answer)
            except Exception as exc:  # noqa: BLE001
                issue(mline, f"{where}: comparing mistake '{mk.tag}' failed: {type(exc).__name__}: {exc}")
                continue
            if same:
                issue(mline, f"{where}: mistake '{mk.tag}' ('{mk.answer}') is equivalent to the reference answer")

        # an answer that restates the question must not be graded correct
        if part.kind == EXPRESSION and not part.allow_restatement:
            for text in _restatements(problem, part):
                v = checker.check(problem, part, text, None)
                if v.status == CORRECT:
                    issue(line, f"{where}: the restatement '{text}' of the question is graded correct: forbid it "
                                f"('forbidden') or accept it on purpose ('allow_restatement: true')")

        # the part's own tests
        for i, t in enumerate(part.tests):
            tline = lines.get(("test", part.id, i), line)
            try:
                v = checker.check(problem, part, t.answer, None)
            except Exception as exc:  # noqa: BLE001
                issue(tline, f"{where}: checking test answer '{t.answer}' failed: {type(exc).__name__}: {exc}")
                continue
            if v.status != t.status:
                issue(tline, f"{where}: test answer '{t.answer}' should be {t.status} but is {v.status}"
                             + _numbers(problem, part, t.answer)
                             + (f" (feedback: {verdict_text(v)})" if v.feedback else ""))
            elif t.feedback and t.feedback.lower() not in verdict_text(v).lower():
                issue(tline, f"{where}: test answer '{t.answer}' is {v.status} as expected, but its feedback "
                             f"does not mention '{t.feedback}' (feedback: {verdict_text(v) or 'none'})")
            elif problem.variants:
                test_across(problem, part, t, tline, out_of_reach, issue)
    return issues


def _reference_causes(problem: Problem, part: Part, issue) -> None:
    """The two reasons a reference fails that its verdict would hide behind a student's sentence:
    a `required` name it does not use itself, and (numeric) a name `given` has no value for."""
    where, line = f"part '{part.id}'", part.line or None
    try:
        used = names_used(parser.parse(part.answer, problem.table).tree)
    except parser.AnswerSyntaxError:
        return
    for name in part.required:
        if name not in used and functions.canonical_name(name) not in used and not (name == "e" and "exp" in used):
            issue(line, f"{where}: 'required' names '{name}', which the reference answer '{part.answer}' does not "
                        f"use: every answer written like the reference is refused; drop it from 'required' or "
                        f"write the reference with it")
    if part.kind == NUMERIC:
        missing = sorted(n for n in used if (sym := problem.table.get(n)) is not None and sym.definition is None
                         and sym.kind != "function" and n not in dict(problem.given))
        if missing:
            issue(line, f"{where}: the reference answer '{part.answer}' uses {', '.join(missing)}, which 'given' "
                        f"has no value for: a numeric part is computed from the given values (add "
                        f"{', '.join(missing)} to 'given')")


def _numbers(problem: Problem, part: Part, answer: str) -> str:
    """For a failing numeric test: what the reference and the answer evaluate to (course's values)."""
    if part.kind != NUMERIC:
        return ""
    try:
        ctx = context(problem, dc_replace(part, formula=True), ())
        mine = evaluate(parser.parse(answer, problem.table).tree, ctx.world)
        return (f": the reference gives {float(ctx.ref_values[0]):.6g} for the course's values, the answer "
                f"{float(mine[0]):.6g}")
    except Exception:  # noqa: BLE001 - the numbers are a courtesy; the verdict is said anyway
        return ""


def _equivalent(problem: Problem, part: Part, text_a: str, text_b: str) -> bool:
    """Whether two answers to a part are equivalent, through the checker."""
    if part.kind in (CHOICE, MULTI_CHOICE):
        return sorted(x.upper() for x in choice_labels(text_a)) == sorted(x.upper() for x in choice_labels(text_b))
    return checker.equivalent(problem, part, text_a, text_b)


def _asks_readable(problem: Problem, part: Part, line: Optional[int], issue) -> None:
    """What a part asks for must read as one quantity, and its own reference must not use it."""
    reference = parser.parse(part.answer, problem.table).tree
    for text in part.asks:
        try:
            node = parser.parse(text, problem.table).tree
        except parser.AnswerSyntaxError as exc:
            issue(line, f"part '{part.id}': what it asks for, '{text}', cannot be read: {exc}")
            continue
        if not isinstance(node, (Deriv, Sym, Idx)):
            issue(line, f"part '{part.id}': what it asks for, '{text}', is not one quantity (a name or a derivative)")
        elif uses_asked(reference, frozenset({bare(node)})):
            issue(line, f"part '{part.id}': its reference answer uses '{text}', which the part says it asks for")


def _proved(problem: Problem, part: Part, lines: dict, issue) -> None:
    """In a network, what a part asks for (`asks`: dC/dz_j^L) has a true value in every sampled
    network, computed from the network itself: the reference must equal it there, and no mistake
    rule may (a rule that does is the right answer called a mistake). This is what catches a
    sign error that the part's own tests, written by the same hand, agree with."""
    where, line = f"part '{part.id}'", part.line or None
    for text in part.asks:
        try:
            point = checker.difference(problem, part, text, part.answer)
        except parser.AnswerSyntaxError:
            continue        # `_asks_readable` has said why it cannot be read
        except Exception as exc:  # noqa: BLE001 - an asked quantity the network cannot compute
            issue(line, f"{where}: what it asks for, '{text}', cannot be computed in the network: {exc}")
            continue
        if point is not None:
            issue(line, f"{where}: the reference answer '{part.answer}' is not {text}: in a random network "
                        f"{point}")
        for i, mk in enumerate(part.mistakes):
            try:
                same = checker.difference(problem, part, text, mk.answer) is None
            except Exception:  # noqa: BLE001 - an unreadable rule is reported above
                continue
            if same:
                issue(lines.get(("mistake", part.id, i), line),
                      f"{where}: mistake '{mk.tag}' ('{mk.answer}') equals {text} in every random network: "
                      f"it is the right answer, not a mistake")


def _derivation_proved(problem: Problem, part: Part, lines: dict, issue) -> None:
    """A derivation's start, its target (the reference) and every form it must go through are
    one quantity written differently, so they must be equal in every world (in a network, the
    true derivatives): a sign error in the target is caught here, before a student meets it.
    A part with no test answer graded correct cannot show that it can be answered at all."""
    where, line = f"part '{part.id}'", part.line or None
    for key, texts in (("start", part.start), ("through", part.through)):
        for text in texts:
            try:
                point = checker.difference(problem, part, text, part.answer)
            except Exception as exc:  # noqa: BLE001 - a start the world cannot compute
                issue(lines.get((key, part.id), line), f"{where}: its {key} '{text}' cannot be computed: {exc}")
                continue
            if point is not None:
                issue(line if key == "start" else lines.get((key, part.id), line),
                      f"{where}: the target '{part.answer}' is not equal to its {key} '{text}': {point}")
    if not any(t.status == CORRECT for t in part.tests):
        issue(line, f"{where}: give a test with a whole derivation graded correct (status: correct), so that "
                    f"validate shows the part can be answered")


def _restatements(problem: Problem, part: Part) -> list[str]:
    """The candidate restatements of a part, as a student would type them: each derivative also
    in disguise (F'(-z), F'(2z), F'(z)+0, 2F'(z)/2), which the checker refuses only once it
    knows the part asks for that derivative."""
    reference = parser.parse(part.answer, problem.table).tree
    derivatives = derivative_candidates(part, problem.table, reference)
    nodes = defined_names(problem.table, reference) + [d for c in derivatives for d in [c, *disguises(c)]]
    return list(dict.fromkeys(render(n, "ascii") for n in nodes))[:MAX_RESTATEMENTS]


def _definitions_evaluate(problem: Problem, definitions: dict, issue) -> None:
    """Every readable definition must have values, also where no part uses it (a definition in
    terms of itself, a shape mismatch): otherwise each answer using it could not be graded."""
    if not definitions:
        return
    world = make_world(problem.table, 0, given=dict(problem.given), definitions=definitions)
    for name, tree in definitions.items():
        try:
            evaluate(tree, world)
        except EvalError as exc:
            sym = problem.table.get(name)
            issue(None, f"symbol '{name}': the definition '{sym.definition}' cannot be evaluated: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - never let a checker bug stop validation
            issue(None, f"symbol '{name}': evaluating the definition failed: {type(exc).__name__}: {exc}")


