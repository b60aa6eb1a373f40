"""Deciding right from wrong: one answer to one part -> a Decision (status, score, and the
facts behind it). Feedback (`feedback`) puts the facts into words; `checker.check` joins
the two. Nothing here writes a sentence of feedback.

Expressions are compared by value in seeded random worlds (see `evaluate`): the same answer
to the same part always meets the same world, so verdicts are deterministic and can be
explained by pointing at a sample. Everything expensive per part (its world, the reference's
values, the instructor rules' values) is computed once and kept in a bounded cache.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from grader.checking.conditions import Condition, ConditionError, bounds, holds, read_condition
from grader.limits import SAMPLES
from grader.checking.evaluate import EvalError, World, evaluate, exact_value, make_world, seed_for
from grader.model import (CORRECT, EXPRESSION, INCORRECT, INVALID, NOT_GRADED, NUMERIC, Mistake, Part, Problem, SymbolTable,
                          Tolerance)
from grader.answers import functions
from grader.answers.parser import AnswerSyntaxError, ParsedAnswer, parse
from grader.checking.restatements import asked_for, contains, derivative_candidates, uses_asked
from grader.checking import symbolic
from grader.checking.tolerance import close, within
from grader.answers.tree import Idx, Node, Sym, free_indices, names_used, walk


SEARCH_MINIMUM = 16      # a domain search that finds fewer points than this gives up


class Difference(enum.Enum):
    """Why two value arrays are not equal."""

    NONE = ""                  # they are equal
    SHAPE = "shape"            # different shapes
    UNDEFINED = "undefined"    # the answer is undefined where the reference is defined
    VALUES = "values"          # different values at some sample
    UNCHECKED = "unchecked"    # the reference is undefined at (almost) every sample
    EXACT = "exact"            # equal as floats, different as exact fractions
    SYMBOLIC = "symbolic"      # equal within the tolerance, different by algebra (the symbolic stage)


@dataclass(frozen=True)
class Comparison:
    """How two value arrays relate: equal, or not, with why and the first differing sample."""

    equal: bool
    reason: Difference = Difference.NONE
    sample: Optional[int] = None


def compare_values(ans: np.ndarray, ref: np.ndarray, tol: Tolerance) -> Comparison:
    if ans.shape != ref.shape:
        if ans.ndim == 1 and ref.ndim == 1:
            pass
        else:
            return Comparison(False, Difference.SHAPE)
    with np.errstate(all="ignore"):
        ref_ok = np.isfinite(ref).reshape(ref.shape[0], -1).all(axis=1)
        ans_ok = np.isfinite(ans).reshape(ans.shape[0], -1).all(axis=1)
        if ref_ok.sum() < min(4, ref.shape[0]):
            return Comparison(False, Difference.UNCHECKED)
        bad = ref_ok & ~ans_ok
        if bad.any():
            return Comparison(False, Difference.UNDEFINED, int(np.argmax(bad)))
        ok = close(ans, ref, tol)
        wrong = ref_ok & ~ok
        if wrong.any():
            return Comparison(False, Difference.VALUES, int(np.argmax(wrong)))
    return Comparison(True)


# --- per-part context ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """An instructor's mistake rule with its values in the part's world (None: unreadable)."""

    mistake: Mistake
    values: Optional[np.ndarray]


@dataclass(frozen=True)
class Context:
    """Everything about a part that does not depend on the answer."""

    problem: Problem
    part: Part
    table: SymbolTable
    world: World
    reference: ParsedAnswer
    ref_values: np.ndarray
    rules: tuple[Rule, ...]
    values: tuple               # given values as (name, value) pairs
    restatements: frozenset = frozenset()   # nodes that name what is asked and alone equal the reference
    ref_exact: Optional[object] = None      # the reference's exact value (a Fraction) when it has one
    condition: Optional[Condition] = None   # the part's `where`, which every sample meets
    asked: frozenset = frozenset()          # what the part says it asks for (`asks`): refused in an answer


def _definitions(table: SymbolTable) -> dict:
    out = {}
    for sym in table.symbols:
        if sym.definition is not None:
            out[sym.name] = parse(sym.definition, table).tree
    return out


@lru_cache(maxsize=256)
def context(problem: Problem, part: Part, values: tuple = ()) -> Context:
    """Raises AnswerSyntaxError / EvalError / ConditionError when the problem itself is broken
    (validate reports it)."""
    table = problem.table
    given = dict(problem.given)
    given.update(dict(values))
    numeric = part.kind == NUMERIC
    ref = parse(part.answer, table)
    condition = read_condition(part.where, table) if part.where and not numeric else None
    world = _world(problem, part, given, ref.tree, condition)
    ref_values = evaluate(ref.tree, world)
    rules = []
    for m in part.mistakes:
        try:
            rules.append(Rule(m, evaluate(parse(m.answer, table).tree, world)))
        except (AnswerSyntaxError, EvalError):
            rules.append(Rule(m, None))
    restated = asked = frozenset()
    if not numeric and not part.allow_restatement:
        restated = frozenset(c for c in derivative_candidates(part, table, ref.tree)
                             if _equal(c, world, ref_values, part.tolerance))
    if not part.allow_restatement:       # a numeric part's asked quantity is a name too (C, dC/dw1)
        asked = asked_for(part, table)
    return Context(problem, part, table, world, ref, ref_values, tuple(rules), tuple(sorted(given.items())),
                   restated, None if numeric else exact_value(ref.tree), condition, asked)


def _world(problem: Problem, part: Part, given: dict, reference: Node, condition: Optional[Condition]) -> World:
    """The part's world: inside its condition, and where the reference is defined when it is
    undefined at most points of a plain draw (a search within the symbols' domains)."""
    table = problem.table
    seed = seed_for(problem.id, part.id)
    definitions = _definitions(table)
    if part.kind == NUMERIC:
        return make_world(table, seed, given=given, samples=1, definitions=definitions)
    limits = bounds(condition, table)
    keep = (lambda w: holds(condition, w)) if condition is not None else None
    world = make_world(table, seed, given=given, samples=SAMPLES, definitions=definitions, bounds=limits, keep=keep)
    if _defined(evaluate(reference, world)).sum() >= SAMPLES // 2:
        return world

    def usable(w: World) -> np.ndarray:
        ok = _defined(evaluate(reference, w))
        return ok & holds(condition, w) if condition is not None else ok
    try:
        return make_world(table, seed, given=given, samples=SAMPLES, definitions=definitions, bounds=limits,
                          keep=usable, minimum=SEARCH_MINIMUM)
    except EvalError:
        return world        # no better points: the comparison says the part cannot be checked


def _defined(values: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.isfinite(values).reshape(values.shape[0], -1).all(axis=1)


def _equal(tree: Node, world: World, ref_values: np.ndarray, tol: Tolerance) -> bool:
    try:
        values = evaluate(tree, world)
    except EvalError:
        return False
    return compare_values(values, ref_values, tol).equal


# --- deciding -----------------------------------------------------------------------------

class Why(enum.Enum):
    """What decided the status: the fact feedback has to explain."""

    SAME = "same"                      # correct
    SYNTAX = "syntax"                  # the parser refused the text (message: the parser's)
    TOO_COMPLEX = "too-complex"        # refused before or while computing (message: the parser's, or none)
    RESTRICTION = "restriction"        # a forbidden / required name
    RESTATEMENT = "restatement"        # the answer names what is asked (tanh'(z) for d tanh/dz)
    BROKEN_PART = "broken-part"        # the part's own reference cannot be evaluated
    SHAPE_ERROR = "shape"              # the answer itself mixes shapes (message: the evaluator's)
    EVALUATION = "evaluation"          # the answer cannot be evaluated (message: the evaluator's)
    MISTAKE = "mistake"                # an instructor's rule matched
    UNCHECKED = "unchecked"            # the reference is undefined at (almost) every sample
    WRONG_SHAPE = "wrong-shape"        # a value of another shape than the reference's
    NOT_A_NUMBER = "not-a-number"      # numeric part: not a single number
    FORMULA = "formula"                # numeric part: a formula in the problem's names, not a value
    NOT_FINITE = "not-finite"          # numeric part: no finite value
    DIFFERENT = "different"            # another value: feedback looks for the mistake


@dataclass(frozen=True)
class Decision:
    """The status and score of one answer, with the facts behind them."""

    status: str
    score: float
    points: float
    why: Why
    message: Optional[str] = None          # a sentence already written: the parser's / evaluator's
    column: Optional[int] = None           # syntax errors: 1-based column
    mistake: Optional[Mistake] = None      # Why.MISTAKE: the rule that matched
    refused: Optional[tuple[str, bool]] = None   # Why.RESTRICTION: (name, True if forbidden else required)
    parsed: Optional[ParsedAnswer] = None
    ctx: Optional[Context] = None
    values: Optional[np.ndarray] = None
    comparison: Optional[Comparison] = None
    decided_by: str = symbolic.SAMPLING    # the stage that decided (symbolic: the SymPy stage)


def decide(problem: Problem, part: Part, answer, key: tuple) -> Decision:
    """Decide an expression or numeric answer. Never raises for anything a student can type."""
    points = part.points
    try:
        parsed = parse(answer, problem.table)
    except AnswerSyntaxError as err:
        return unreadable(err, points)
    refused = refused_name(part, parsed.tree)
    if refused is not None:
        return Decision(INVALID, 0.0, points, Why.RESTRICTION, message=part.restriction, refused=refused,
                        parsed=parsed)
    try:
        ctx = context(problem, part, key)
    except (AnswerSyntaxError, EvalError, ConditionError) as err:
        return Decision(NOT_GRADED, 0.0, points, Why.BROKEN_PART, message=broken_reason(part, err), parsed=parsed)
    # what the part asks for, used in an answer, is a restatement when the answer is right by
    # value (dC/dw_(jk)^l, or 2*dC/dw_(jk)^l - dC/dw_(jk)^l); a wrong answer that uses it (delta_1
    # for delta_2) is graded as the slip it is. A number asked for is never written with its name.
    asks_used = uses_asked(parsed.tree, ctx.asked)
    if contains(parsed.tree, ctx.restatements) or (asks_used and part.kind == NUMERIC):
        return Decision(INVALID, 0.0, points, Why.RESTATEMENT, parsed=parsed, ctx=ctx)
    if part.kind == NUMERIC and not part.formula and formula_names(parsed.tree):
        return Decision(INVALID, 0.0, points, Why.FORMULA, parsed=parsed, ctx=ctx)    # the computation is theirs
    if parsed.tree == ctx.reference.tree and part.kind == EXPRESSION:     # the same tree; said so where
        by = symbolic.STRUCTURE if symbolic.big_exponent(parsed.tree) else symbolic.SAMPLING   # floats could not
        return Decision(CORRECT, points, points, Why.SAME, parsed=parsed, ctx=ctx, decided_by=by)
    try:
        values = evaluate(parsed.tree, ctx.world)
    except EvalError as err:
        if err.kind == "shape":
            return Decision(INCORRECT, 0.0, points, Why.SHAPE_ERROR, message=err.message, parsed=parsed, ctx=ctx)
        return Decision(INVALID, 0.0, points, Why.EVALUATION, message=err.message, parsed=parsed, ctx=ctx)
    except (MemoryError, OverflowError, ValueError):
        return Decision(INVALID, 0.0, points, Why.TOO_COMPLEX, parsed=parsed, ctx=ctx)
    if part.kind == NUMERIC:
        return _numeric(ctx, values, dict(parsed=parsed, ctx=ctx, values=values))
    return judge(parsed, values, ctx, asks_used)


def judge(parsed: ParsedAnswer, values: np.ndarray, ctx: Context, asks_used: bool = False) -> Decision:
    """Decide an expression whose values are known against the context's reference: also how a
    derivation's line is judged against the line before it (a context whose reference is that line)."""
    part, points = ctx.part, ctx.part.points
    facts = dict(parsed=parsed, ctx=ctx, values=values)
    cmp = compare_values(values, ctx.ref_values, part.tolerance)
    if ctx.ref_exact is not None and cmp.equal:
        mine = exact_value(parsed.tree)
        if mine is not None and mine != ctx.ref_exact:
            cmp = Comparison(False, Difference.EXACT)
    found = _symbolic(parsed, values, ctx, cmp)
    if found is not None:
        facts["decided_by"] = found.decided_by
        if found.equal is not None:
            cmp = Comparison(True) if found.equal else Comparison(False, Difference.SYMBOLIC)
            facts["message"] = found.message
    facts["comparison"] = cmp
    if cmp.equal and free_indices(parsed.tree) <= free_indices(ctx.reference.tree):
        if asks_used:
            return Decision(INVALID, 0.0, points, Why.RESTATEMENT, parsed=parsed, ctx=ctx)
        return Decision(CORRECT, points, points, Why.SAME, **facts)
    if cmp.reason is Difference.SHAPE:
        return Decision(INCORRECT, 0.0, points, Why.WRONG_SHAPE, **facts)
    if cmp.reason is Difference.UNCHECKED:
        return Decision(NOT_GRADED, 0.0, points, Why.UNCHECKED, **facts)
    for rule in ctx.rules:
        if rule.values is not None and compare_values(values, rule.values, part.tolerance).equal:
            return _mistake(rule.mistake, points, facts)
    return Decision(INCORRECT, 0.0, points, Why.DIFFERENT, **facts)


def _symbolic(parsed: ParsedAnswer, values: np.ndarray, ctx: Context, cmp: Comparison):
    """The symbolic stage's finding when sampling is not clear-cut (None: it is, or the stage
    cannot see everything: then sampling decides). A difference is proved only where the stage
    sees what sampling sees: no condition, no given values, no names defined by formulas."""
    if cmp.reason is Difference.EXACT or not symbolic.wanted(parsed.tree, ctx.reference.tree, ctx.table, values,
                                                                ctx.ref_values, cmp.equal, ctx.world.samples,
                                                                ctx.part.tolerance):
        return None
    used = names_used(parsed.tree) | names_used(ctx.reference.tree)
    hidden = ctx.condition is not None or any(name in used for name, _ in ctx.values) or any(
        s.definition is not None and s.name in used for s in ctx.table.symbols)
    return symbolic.settle(parsed.tree, ctx.reference.tree, ctx.table, ctx.part.tolerance,
                           proving_different=not hidden, overturning=not cmp.equal)


def broken_reason(part: Part, err: Exception) -> str:
    """Why a part's own reference cannot be checked, for the instructor who has to fix it (and
    the student, who learns it is not their mistake)."""
    message = getattr(err, "message", None) or str(err)
    if isinstance(err, ConditionError):
        return message
    if isinstance(err, EvalError) and err.kind == "condition":
        return f"its condition '{part.where}' cannot be met: {message}"
    if isinstance(err, AnswerSyntaxError):
        return f"its reference answer '{part.answer}' cannot be read: {message}"
    return f"its reference answer '{part.answer}' cannot be evaluated: {message}"


def unreadable(err: AnswerSyntaxError, points: float) -> Decision:
    """An answer that cannot be read: invalid, with the parser's message and column."""
    return Decision(INVALID, 0.0, points, Why.TOO_COMPLEX if err.too_complex else Why.SYNTAX,
                    message=err.message, column=err.column if err.source else None)


def _mistake(mistake: Mistake, points: float, facts: dict) -> Decision:
    return Decision(INCORRECT, round(mistake.score * points, 6), points, Why.MISTAKE, mistake=mistake, **facts)


def _numeric(ctx: Context, values: np.ndarray, facts: dict) -> Decision:
    part = ctx.part
    points = part.points
    b = float(ctx.ref_values[0])
    if not np.isfinite(b):      # these values put the reference out of reach (1/(x-2) with x = 2)
        return Decision(NOT_GRADED, 0.0, points, Why.BROKEN_PART,
                        message=f"its reference answer '{part.answer}' is not a finite number for these values", **facts)
    if values.ndim != 1:
        return Decision(INCORRECT, 0.0, points, Why.NOT_A_NUMBER, **facts)
    a = float(values[0])
    if not np.isfinite(a):
        return Decision(INCORRECT, 0.0, points, Why.NOT_FINITE, **facts)
    if within(a, b, part.tolerance):
        return Decision(CORRECT, points, points, Why.SAME, **facts)
    for rule in ctx.rules:
        if rule.values is not None and within(a, float(rule.values[0]), part.tolerance):
            return _mistake(rule.mistake, points, facts)
    return Decision(INCORRECT, 0.0, points, Why.DIFFERENT, **facts)


def formula_names(tree: Node) -> list[Node]:
    """The problem's names a numeric answer uses (x, w_1, a_j^l), in the order first written:
    a value is a number or arithmetic on numbers, and pi or e are numbers."""
    out: list[Node] = []
    for node in walk(tree):
        if isinstance(node, (Sym, Idx)) and node not in out:
            out.append(node)
    return out


def canonical_name(name: str) -> str:
    return functions.canonical_name(name)


def refused_name(part: Part, tree: Node) -> Optional[tuple[str, bool]]:
    """The first forbidden name the answer uses (name, True) or required name it lacks (name, False)."""
    used = names_used(tree)
    for name in part.forbidden:
        if canonical_name(name) in used or name in used:
            return name, True
    for name in part.required:
        if name in used or (name == "e" and "exp" in used) or canonical_name(name) in used:
            continue
        return name, False
    return None



