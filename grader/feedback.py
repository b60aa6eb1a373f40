"""Feedback that teaches: find the mistake in a wrong answer and say it in one sentence.

Every diagnosis is a claim checked by evaluation in the part's world: "your answer would be
right with the indices of w swapped" is only said after the swapped answer was evaluated and
found equal to the reference. Instructor rules come first, then repairs of typing slips,
then structural diagnoses, then one concrete point where the values differ.
"""
from __future__ import annotations

import math
from dataclasses import replace as dc_replace
from fractions import Fraction
from typing import Callable, Iterator, Optional

import numpy as np

from grader import functions
from grader.equivalence import Context, compare_values, format_number
from grader.evaluate import EvalError, _shape_word, evaluate
from grader.model import CORRECT, FUNCTION, INCORRECT, INVALID, SCALAR, Tolerance, Verdict
from grader.render import render
from grader.syntax import AnswerSyntaxError, ParsedAnswer, parse
from grader.tree import Bin, Call, Idx, Index, Neg, Node, Sum, Sym, Transpose, children, free_indices, names_used

MAX_VARIANTS = 60


# --- tree surgery -------------------------------------------------------------------------

def _rebuild(node: Node, new_children: tuple) -> Node:
    if isinstance(node, (Neg, Transpose)):
        return type(node)(new_children[0])
    if isinstance(node, Bin):
        return Bin(node.op, new_children[0], new_children[1], node.how)
    if isinstance(node, Call):
        return Call(node.name, tuple(new_children), node.order)
    if isinstance(node, Sum):
        return Sum(node.index, new_children[0], node.kind)
    return node


def variants(tree: Node, change: Callable[[Node], list]) -> Iterator[tuple[Node, Node, Node]]:
    """Every tree obtained by replacing one node n by one of change(n): (new tree, old, new)."""
    def go(node: Node):
        for new in change(node):
            yield new, node, new
        kids = children(node)
        for i, kid in enumerate(kids):
            for sub, old, new in go(kid):
                yield _rebuild(node, kids[:i] + (sub,) + kids[i + 1:]), old, new
    return go(tree)


# --- the diagnoses ------------------------------------------------------------------------

class _Probe:
    """Evaluates candidate trees against the reference, within a bounded number of tries."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.tries = 0

    def right(self, tree: Node) -> bool:
        if self.tries >= MAX_VARIANTS:
            return False
        self.tries += 1
        if not free_indices(tree) <= free_indices(self.ctx.reference.tree):
            return False
        try:
            values = evaluate(tree, self.ctx.world)
        except (EvalError, MemoryError, ValueError, IndexError, KeyError):
            return False
        return compare_values(values, self.ctx.ref_values, self.ctx.part.tolerance).equal

    def right_text(self, text: str) -> bool:
        try:
            tree = parse(text, self.ctx.table).tree
        except AnswerSyntaxError:
            return False
        return self.right(tree)


def _repairs(probe: _Probe, source: str) -> Optional[tuple[str, str]]:
    if "**" in source and probe.right_text(source.replace("**", "*")):
        return ("star-star", "Your answer would be right with * instead of **: ** means a power, not a product.")
    closers = [i for i, c in enumerate(source) if c in ")}"] + [len(source)]
    for i, ch in enumerate(source):
        if ch not in "/^" or source[i + 1: i + 2].lstrip("-+ ")[:1] in ("(", "{"):
            continue   # already bracketed: a bracket repair cannot change the reading
        for end in closers:
            if end <= i + 1:
                continue
            cand = source[: i + 1] + "(" + source[i + 1: end] + ")" + source[end:]
            if probe.right_text(cand):
                if ch == "/":
                    return ("brackets-division",
                            "Check your brackets: a/b+c means (a/b)+c. Your answer would be right with brackets "
                            "around the whole denominator.")
                return ("brackets-exponent",
                        "Check your brackets: e^-z+1 means e^(-z)+1. Your answer would be right with brackets "
                        "around the whole exponent.")
    return None


def _function_slip(probe: _Probe, tree: Node) -> Optional[tuple[str, str]]:
    table = probe.ctx.table

    def change(node):
        if not isinstance(node, Call):
            return []
        out = []
        sym = table.get(node.name)
        fn = functions.by_name(node.name) if sym is None else None
        if (sym is not None and sym.kind == FUNCTION) or (fn is not None and fn.activation):
            out.append(Call(node.name, node.args, node.order + 1))
            if node.order:
                out.append(Call(node.name, node.args, node.order - 1))
        return out

    for cand, old, new in variants(tree, change):
        if probe.right(cand):
            name = render(Call(old.name, (Sym("x"),), 0), "unicode").replace("(x)", "")
            if new.order > old.order:
                want = name + "′" * new.order
                return ("function-not-derivative",
                        f"You wrote {render(old, 'unicode').split('(')[0]}(...) where the derivative {want}(...) "
                        f"is needed.")
            return ("derivative-not-function",
                    f"You wrote {render(old, 'unicode').split('(')[0]}(...) where {name + '′' * new.order}(...) "
                    f"is needed.")
    return None


def _index_slips(probe: _Probe, tree: Node) -> Optional[tuple[str, str]]:
    def swaps(node):
        if isinstance(node, Idx) and len(node.subs) >= 2 and node.subs[0] != node.subs[1]:
            return [Idx(node.name, (node.subs[1], node.subs[0]) + node.subs[2:], node.sup)]
        return []

    for cand, old, new in variants(tree, swaps):
        if probe.right(cand):
            return ("swapped-indices",
                    f"The subscripts of {render(old, 'unicode')} are in the wrong order: check which unit "
                    f"each index counts.")

    def layers(node):
        if isinstance(node, (Idx, Sym)) and node.sup is not None:
            out = []
            for d in (1, -1):
                sup = Index(node.sup.var, node.sup.offset + d)
                out.append(dc_replace(node, sup=sup))
            return out
        return []

    for cand, old, new in variants(tree, layers):
        if probe.right(cand):
            return ("layer-off-by-one",
                    f"The layer of {render(old, 'unicode')} is off by one.")

    def transposes(node):
        if isinstance(node, Transpose):
            return [node.arg]
        if isinstance(node, Sym) and probe.ctx.table.get(node.name) is not None and \
                probe.ctx.table.get(node.name).kind in ("matrix", "vector"):
            return [Transpose(node)]
        return []

    for cand, old, new in variants(tree, transposes):
        if probe.right(cand):
            what = render(new if isinstance(old, Transpose) else old, "unicode")
            return ("transpose", f"A transpose is missing or misplaced on {what}.")
    return None


def _free_index(probe: _Probe, tree: Node) -> Optional[tuple[str, str]]:
    extra = sorted(free_indices(tree) - free_indices(probe.ctx.reference.tree))
    if not extra:
        return None
    k = extra[0]
    if probe.ctx.table.index_role(k) != "unit":
        return ("free-index", f"Your answer uses the layer index {k}, which the quantity asked for does not "
                              f"depend on: check the layer of each quantity.")
    if probe.right(Sum(k, tree)):
        return ("missing-sum", f"A sum over {k} is missing: {k} is left free in your answer.")
    return ("free-index", f"The index {k} is left free in your answer; the quantity asked for does not depend on "
                          f"{k} (is a sum over {k} missing, or is {k} the wrong letter?).")


def _nice_factor(c: float) -> Optional[str]:
    if not math.isfinite(c) or c == 0:
        return None
    frac = Fraction(c).limit_denominator(12)
    if abs(float(frac) - c) <= 1e-6 * abs(c):
        return str(frac)
    return None


def _scaling(ctx: Context, values: np.ndarray) -> Optional[tuple[str, str]]:
    ref = ctx.ref_values
    tol = ctx.part.tolerance
    if compare_values(-values, ref, tol).equal:
        return ("sign", "Your answer has the wrong sign.")
    if values.ndim == 3 and values.shape == ref.shape[:1] + ref.shape[:0:-1] and \
            compare_values(np.swapaxes(values, 1, 2), ref, tol).equal:
        return ("transpose", "Your answer is the transpose of the expected one.")
    if values.shape != ref.shape:
        return None
    with np.errstate(all="ignore"):
        mask = np.isfinite(ref) & np.isfinite(values) & (np.abs(ref) > 1e-6)
        if mask.sum() < 4:
            return None
        ratio = values[mask] / ref[mask]
    c = float(np.median(ratio))
    if np.allclose(ratio, c, rtol=1e-7, atol=1e-12) and abs(c - 1) > 1e-6:
        nice = _nice_factor(c)
        if nice is not None:
            return ("factor", f"Your answer is {nice} times the expected answer: check for a missing or extra "
                              f"constant factor.")
    return None


def _names(ctx: Context, tree: Node) -> Optional[tuple[str, str]]:
    used, want = names_used(tree), names_used(ctx.reference.tree)
    show = lambda n: render(Sym(n), "unicode")  # noqa: E731
    extra = sorted(n for n in used - want if ctx.table.get(n) is not None)
    if extra:
        return ("unexpected-name", f"Your answer uses {show(extra[0])}, which the expected answer does not need.")
    missing = sorted(n for n in want - used if ctx.table.get(n) is not None and ctx.table.get(n).kind != FUNCTION)
    if missing:
        return ("missing-name", f"Your answer does not use {show(missing[0])}, which the expected answer needs.")
    return None


def _point(ctx: Context, parsed: ParsedAnswer, values: np.ndarray, sample: int, undefined: bool) -> str:
    def shown_plainly(name: str) -> bool:
        sym = ctx.table.get(name)
        return sym is None or sym.kind == SCALAR or (sym.kind == FUNCTION and sym.alias is not None)
    scalar_problem = values.ndim == 1 and all(
        shown_plainly(n) for n in names_used(parsed.tree) | names_used(ctx.reference.tree))
    names = sorted(n for n in names_used(parsed.tree) | names_used(ctx.reference.tree)
                   if ctx.table.get(n) is not None and ctx.table.get(n).kind == SCALAR)
    if scalar_problem and names and len(names) <= 4:
        at = ", ".join(f"{render(Sym(n), 'unicode')} = {format_number(float(ctx.world.arrays[n][sample]))}"
                       for n in names)
        if undefined:
            return f"Your answer is undefined at {at}, where the expected answer is defined."
        mine, theirs = format_pair(float(values[sample]), float(ctx.ref_values[sample]))
        return f"At {at}, your answer is {mine} but the expected value is {theirs}." 
    if undefined:
        return "Your answer is undefined (a division by zero or the log of a negative number?) where the " \
               "expected answer is defined."
    return "Your answer gives different values from the expected answer when tested with random values."


def format_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with just enough digits to show that they differ."""
    for digits in range(4, 13):
        x, y = format_number(a, digits), format_number(b, digits)
        if x != y:
            return x, y
    return x, y


def explain(ctx: Context, parsed: ParsedAnswer, values: np.ndarray, cmp, shown: dict) -> Verdict:
    part = ctx.part
    points = part.points
    if cmp.reason == "shape":
        return Verdict(INCORRECT, 0.0, points, rule="shape", feedback=(
            f"Your answer is {_shape_word(values)}, but {_shape_word(ctx.ref_values)} is expected.",), **shown)
    if cmp.reason == "unchecked":
        return Verdict(INVALID, 0.0, points, rule="unchecked", feedback=(
            "This part cannot be checked right now (its reference is undefined); please tell your instructor.",),
            **shown)
    for mistake, rule_values in ctx.rules:
        if rule_values is not None and compare_values(values, rule_values, part.tolerance).equal:
            return _with_solution(ctx, Verdict(INCORRECT, round(mistake.score * points, 6), points,
                                               feedback=(mistake.message,), rule=mistake.tag, **shown))
    probe = _Probe(ctx)
    diagnosis = None
    for step in (lambda: _scaling(ctx, values) if cmp.reason == "values" else None,
                 lambda: _repairs(probe, parsed.source), lambda: _free_index(probe, parsed.tree),
                 lambda: _function_slip(probe, parsed.tree), lambda: _index_slips(probe, parsed.tree),
                 lambda: _names(ctx, parsed.tree)):
        diagnosis = step()
        if diagnosis:
            break
    feedback = []
    if diagnosis:
        feedback.append(diagnosis[1])
    if diagnosis is None or diagnosis[0] in ("unexpected-name", "missing-name"):
        if cmp.sample is not None:
            feedback.append(_point(ctx, parsed, values, cmp.sample, cmp.reason == "undefined"))
        elif not feedback:
            feedback.append("Your answer is not equivalent to the expected answer.")
    rule = diagnosis[0] if diagnosis else ("undefined" if cmp.reason == "undefined" else None)
    return _with_solution(ctx, Verdict(INCORRECT, 0.0, points, feedback=tuple(feedback), rule=rule, **shown))


def _with_solution(ctx: Context, verdict: Verdict) -> Verdict:
    if not ctx.part.show_solution:
        return verdict
    return dc_replace(verdict, feedback=verdict.feedback + (f"The expected answer is {ctx.reference.unicode}.",))


# --- numbers ------------------------------------------------------------------------------

def tolerance_words(tol: Tolerance) -> str:
    if tol.decimals is not None:
        return f"{tol.decimals} decimal place{'s' if tol.decimals != 1 else ''}"
    if tol.sigfigs is not None:
        return f"{tol.sigfigs} significant figure{'s' if tol.sigfigs != 1 else ''}"
    if tol.absolute is not None:
        return f"an error below {format_number(tol.absolute)}"
    if tol.relative is not None:
        return f"a relative error below {format_number(tol.relative * 100)}%"
    return "the exact value"


def within(a: float, b: float, tol: Tolerance, widen: float = 1.0) -> bool:
    """Numeric-part closeness. decimals d accepts an error below one unit of the d-th decimal;
    sigfigs n accepts an error below half a unit of the n-th significant figure."""
    err = abs(a - b)
    slack = 1e-12 * max(1.0, abs(b))
    if tol.absolute is not None:
        return err <= tol.absolute * widen + slack
    if tol.relative is not None:
        return err <= tol.relative * abs(b) * widen + slack
    if tol.decimals is not None:
        return err <= 10.0 ** (-tol.decimals) * widen + slack
    if tol.sigfigs is not None:
        if b == 0:
            return err <= slack
        unit = 10.0 ** (math.floor(math.log10(abs(b))) - tol.sigfigs + 1)
        return err <= 0.5 * unit * widen + slack
    return err <= (tol.atol + tol.rtol * abs(b)) * widen


def numeric_verdict(ctx: Context, parsed: ParsedAnswer, values: np.ndarray, shown: dict) -> Verdict:
    part = ctx.part
    points = part.points
    if values.ndim != 1:
        return Verdict(INCORRECT, 0.0, points, feedback=("This part asks for a single number.",), rule="shape",
                       **shown)
    a, b = float(values[0]), float(ctx.ref_values[0])
    if not math.isfinite(a):
        return Verdict(INCORRECT, 0.0, points, feedback=("Your answer does not evaluate to a finite number.",),
                       rule="not-finite", **shown)
    tol = part.tolerance
    if within(a, b, tol):
        return Verdict(CORRECT, points, points, **shown)
    for mistake, rule_values in ctx.rules:
        if rule_values is not None and within(a, float(rule_values[0]), tol):
            return _with_solution(ctx, Verdict(INCORRECT, round(mistake.score * points, 6), points,
                                               feedback=(mistake.message,), rule=mistake.tag, **shown))
    if b != 0 and within(-a, b, tol):
        fb, rule = "The size of your answer is right but its sign is wrong.", "sign"
    elif within(a, b, tol, widen=10.0):
        fb, rule = f"Close, but not accurate enough: this part needs {tolerance_words(tol)}. Check your rounding.", \
            "rounding"
    else:
        fb, rule = "That is not the right value.", None
    return _with_solution(ctx, Verdict(INCORRECT, 0.0, points, feedback=(fb,), rule=rule, **shown))
