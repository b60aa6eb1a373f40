"""Deciding right from wrong: one answer to one part -> a Verdict.

Expressions are compared by value in seeded random worlds (see `evaluate`): the same answer
to the same part always meets the same world, so verdicts are deterministic and can be
explained by pointing at a sample. Everything expensive per part (its world, the reference's
values, the instructor rules' values) is computed once and kept in a bounded cache.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from grader import functions
from grader.evaluate import EvalError, World, evaluate, make_world, seed_for
from grader.model import (CHOICE, CORRECT, EXPRESSION, INCORRECT, INVALID, MULTI_CHOICE, NUMERIC, Part, Problem,
                          Symbol, SymbolTable, Tolerance, Verdict)
from grader.syntax import AnswerSyntaxError, ParsedAnswer, parse
from grader.tree import Node, free_indices, names_used

TOO_COMPLEX = "This answer is too complex to check."
BROKEN = "This part cannot be checked: its reference answer is broken. Please tell your instructor."


@dataclass(frozen=True)
class Comparison:
    """How two value arrays relate: equal, or not with the first differing sample."""

    equal: bool
    reason: str = ""            # "" | "shape" | "undefined" | "values" | "unchecked"
    sample: Optional[int] = None


def close(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Per-sample closeness with an absolute floor, so 0 and sin(pi)*x agree."""
    diff = np.abs(a - b) <= tol.atol + tol.rtol * np.abs(b)
    return diff.reshape(diff.shape[0], -1).all(axis=1) if diff.ndim > 1 else diff


def compare_values(ans: np.ndarray, ref: np.ndarray, tol: Tolerance) -> Comparison:
    if ans.shape != ref.shape:
        if ans.ndim == 1 and ref.ndim == 1:
            pass
        else:
            return Comparison(False, "shape")
    with np.errstate(all="ignore"):
        ref_ok = np.isfinite(ref).reshape(ref.shape[0], -1).all(axis=1)
        ans_ok = np.isfinite(ans).reshape(ans.shape[0], -1).all(axis=1)
        if ref_ok.sum() < min(4, ref.shape[0]):
            return Comparison(False, "unchecked")
        bad = ref_ok & ~ans_ok
        if bad.any():
            return Comparison(False, "undefined", int(np.argmax(bad)))
        ok = close(ans, ref, tol)
        wrong = ref_ok & ~ok
        if wrong.any():
            return Comparison(False, "values", int(np.argmax(wrong)))
    return Comparison(True)


# --- per-part context ---------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """Everything about a part that does not depend on the answer."""

    problem: Problem
    part: Part
    table: SymbolTable
    world: World
    reference: ParsedAnswer
    ref_values: np.ndarray
    rules: tuple                # (Mistake, values or None)
    values: tuple               # given values as (name, value) pairs


def _definitions(table: SymbolTable) -> dict:
    out = {}
    for sym in table.symbols:
        if sym.definition is not None:
            out[sym.name] = parse(sym.definition, table).tree
    return out


@lru_cache(maxsize=256)
def context(problem: Problem, part: Part, values: tuple = ()) -> Context:
    """Raises AnswerSyntaxError / EvalError when the problem itself is broken (validate reports it)."""
    table = problem.table
    given = dict(problem.given)
    given.update(dict(values))
    numeric = part.kind == NUMERIC
    world = make_world(table, seed_for(problem.id, part.id), given=given, samples=1 if numeric else 64,
                       definitions=_definitions(table))
    ref = parse(part.answer, table)
    ref_values = evaluate(ref.tree, world)
    rules = []
    for m in part.mistakes:
        try:
            rules.append((m, evaluate(parse(m.answer, table).tree, world)))
        except (AnswerSyntaxError, EvalError):
            rules.append((m, None))
    return Context(problem, part, table, world, ref, ref_values, tuple(rules), tuple(sorted(given.items())))


# --- checking -----------------------------------------------------------------------------

def check(problem: Problem, part: Part, answer, values: Optional[dict] = None) -> Verdict:
    """Grade one answer. Never raises for anything a student can type."""
    key = tuple(sorted((values or {}).items()))
    if isinstance(answer, str) and len(answer) <= 500:
        return _check_cached(problem, part, answer, key)
    return _check(problem, part, answer, key)


@lru_cache(maxsize=4096)
def _check_cached(problem, part, answer, key):
    return _check(problem, part, answer, key)


def _check(problem: Problem, part: Part, answer, key: tuple) -> Verdict:
    if part.kind in (CHOICE, MULTI_CHOICE):
        from grader.choices import check_choice
        return check_choice(part, answer)
    points = part.points
    try:
        parsed = parse(answer, problem.table)
    except AnswerSyntaxError as err:
        return unreadable(err, points)
    shown = dict(interpreted=parsed.unicode, interpreted_ascii=parsed.ascii, interpreted_latex=parsed.latex)
    refused = restriction(part, parsed.tree)
    if refused:
        return Verdict(INVALID, 0.0, points, feedback=(refused,), rule="restriction", **shown)
    try:
        ctx = context(problem, part, key)
    except (AnswerSyntaxError, EvalError):
        return Verdict(INVALID, 0.0, points, feedback=(BROKEN,), rule="broken-part", **shown)
    if parsed.tree == ctx.reference.tree and part.kind == EXPRESSION:
        return Verdict(CORRECT, points, points, **shown)   # the same tree: no need to evaluate
    try:
        values = evaluate(parsed.tree, ctx.world)
    except EvalError as err:
        if err.kind == "shape":
            return Verdict(INCORRECT, 0.0, points, feedback=(err.message,), rule="shape", **shown)
        return Verdict(INVALID, 0.0, points, feedback=(err.message,), rule="evaluation", **shown)
    except (MemoryError, OverflowError, ValueError, IndexError, KeyError):
        return Verdict(INVALID, 0.0, points, feedback=(TOO_COMPLEX,), rule="too-complex", **shown)
    if part.kind == NUMERIC:
        from grader.feedback import numeric_verdict
        return numeric_verdict(ctx, parsed, values, shown)
    cmp = compare_values(values, ctx.ref_values, part.tolerance)
    if cmp.equal and free_indices(parsed.tree) <= free_indices(ctx.reference.tree):
        return Verdict(CORRECT, points, points, **shown)
    from grader.feedback import explain
    return explain(ctx, parsed, values, cmp, shown)


def clear_caches() -> None:
    """Forget every cached part context and verdict: after a problem file changed in place,
    and for tests that must see a verdict computed afresh."""
    context.cache_clear()
    _check_cached.cache_clear()


def unreadable(err: AnswerSyntaxError, points: float) -> Verdict:
    """The verdict for an answer that cannot be read (also what the web page's live preview shows)."""
    feedback = (TOO_COMPLEX + " " + err.message,) if err.too_complex and not err.message.startswith("This answer is too") \
        else (err.message,)
    return Verdict(INVALID, 0.0, points, feedback=feedback, rule="too-complex" if err.too_complex else "syntax",
                   column=err.column if err.source else None)


def check_within(problem: Problem, part: Part, answer, values: Optional[dict] = None,
                 seconds: float = 5.0) -> Verdict:
    """check() under a wall-clock budget enforced by a killable child process."""
    from grader.budget import run_with_deadline
    return run_with_deadline(check, (problem, part, answer, values), seconds, lambda: timed_out(part, seconds))


def timed_out(part: Part, seconds: float) -> Verdict:
    return Verdict(INVALID, 0.0, part.points, feedback=(f"{TOO_COMPLEX} It took longer than {seconds:g} seconds.",),
                   rule="too-complex")


def canonical_name(name: str) -> str:
    return functions.canonical_name(name)


def restriction(part: Part, tree: Node) -> Optional[str]:
    """Why the part refuses this answer's vocabulary (forbidden / required names), or None."""
    used = names_used(tree)
    for name in part.forbidden:
        if canonical_name(name) in used or name in used:
            return part.restriction or f"This part asks for an answer without {name}."
    for name in part.required:
        if name in used or (name == "e" and "exp" in used) or canonical_name(name) in used:
            continue
        return part.restriction or f"This part asks for an answer written with {name}."
    return None


# --- ad-hoc comparison (grader compare) ----------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    status: str            # equivalent | different | invalid
    message: str
    student: Optional[str] = None
    reference: Optional[str] = None


def compare(student: str, reference: str, table: Optional[SymbolTable] = None, *,
            positive: tuple[str, ...] = ()) -> Outcome:
    """Compare two expressions, every free name a real symbol unless the table says otherwise."""
    if table is None:
        table = infer_table(student, reference, positive=positive)
    part = Part(id="compare", prompt="", kind=EXPRESSION, answer=reference)
    problem = Problem(id="compare", title="", statement="", table=table, parts=(part,))
    try:
        ref = parse(reference, table)
    except AnswerSyntaxError as err:
        return Outcome("invalid", f"The reference cannot be read: {err.message}")
    verdict = check(problem, part, student)
    if verdict.status == CORRECT:
        return Outcome("equivalent", "The two expressions are equivalent.", verdict.interpreted, ref.unicode)
    if verdict.status == INVALID:
        return Outcome("invalid", " ".join(verdict.feedback), verdict.interpreted, ref.unicode)
    return Outcome("different", " ".join(verdict.feedback), verdict.interpreted, ref.unicode)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")


def infer_table(*texts: str, positive: tuple[str, ...] = ()) -> SymbolTable:
    """Every name in the texts that is not a function or constant becomes a real scalar symbol
    (`w_1` stays whole), so `grader compare` needs no problem file."""
    from grader.syntax import normalise
    names: set[str] = set()
    called: set[str] = set()
    for text in texts:
        try:
            src, _ = normalise(text)
        except AnswerSyntaxError:
            continue
        for m in _NAME.finditer(src):
            name = m.group()
            end = m.end()
            is_call = end < len(src) and src[end] in "('"
            if functions.lookup(name) is not None or name in ("pi", "e", "sum", "prod"):
                continue
            (called if is_call else names).add(name)
    symbols = tuple(Symbol(n, domain=(0.1, 3.0) if n in positive else (-2.0, 2.0)) for n in sorted(names - called))
    return SymbolTable(symbols + tuple(Symbol(f, "function") for f in sorted(called)))


def equivalent(problem: Problem, part: Part, a: str, b: str) -> bool:
    """Whether two answers to a part are equal in its world (used by validate for mistake rules)."""
    ctx = context(problem, part, ())
    va = evaluate(parse(a, problem.table).tree, ctx.world)
    vb = evaluate(parse(b, problem.table).tree, ctx.world)
    return compare_values(va, vb, part.tolerance).equal


def format_number(x: float, digits: int = 4) -> str:
    if not math.isfinite(x):
        return "undefined"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"
