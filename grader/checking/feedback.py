"""Feedback that teaches: put a decision (`decide`) into words, and find the mistake in a
wrong answer to say it in one sentence. The status and score are never changed here.

Every diagnosis is a claim checked by evaluation in the part's world: "your answer would be
right with the indices of w swapped" is only said after the swapped answer was evaluated and
found equal to the reference. Instructor rules come first, then repairs of typing slips,
then structural diagnoses, then one concrete point where the values differ.
"""
from __future__ import annotations

import math
import re
from dataclasses import replace as dc_replace
from fractions import Fraction
from typing import Optional

import numpy as np

from grader.answers import functions
from grader.checking.conditions import shown_values
from grader.checking.decide import Context, Decision, Difference, Why, compare_values, formula_names
from grader.errors import TOO_COMPLEX
from grader.checking.evaluate import EvalError, evaluate, exact_value, shape_word
from grader.model import FUNCTION, NUMERIC, SCALAR, Verdict
from grader.number_format import format_number, format_pair
from grader.answers.render import render
from grader.checking import tolerance
from grader.checking.slips import reference_slip, variants   # variants: the tree surgery both use
from grader.limits import MAX_PRIMES, MAX_VARIANTS
from grader.answers.parser import AnswerSyntaxError, ParsedAnswer, parse
from grader.answers.tree import (Call, Idx, Index, Node, Sum, Sym, Transpose, free_indices,
                                names_used, replace, walk)


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
        except (EvalError, MemoryError, OverflowError, ValueError):
            return False
        return compare_values(values, self.ctx.ref_values, self.ctx.part.tolerance).equal

    def right_text(self, text: str) -> bool:
        try:
            tree = parse(text, self.ctx.table).tree
        except AnswerSyntaxError:
            return False
        return self.right(tree)


_BARE_LAYER = re.compile(r"\^([A-Za-z]+)\s*([+-])\s*(\d+)")


def _repairs(probe: _Probe, source: str) -> Optional[tuple[str, str]]:
    for found in _BARE_LAYER.finditer(source):       # a_k^l-1 reads as a_k^l minus 1
        cand = source[:found.start()] + f"^({found[1]}{found[2]}{found[3]})" + source[found.end():]
        if probe.right_text(cand):
            return ("brackets-superscript",
                    f"Check your brackets: ^{found[1]}{found[2]}{found[3]} means the layer {found[1]}, then "
                    f"{'minus' if found[2] == '-' else 'plus'} {found[3]}. Your answer would be right with brackets "
                    f"around the whole layer: ^({found[1]}{found[2]}{found[3]}).")
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
            if node.order < MAX_PRIMES:
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

    # a wrong letter, wherever that quantity appears: ∂z_i/∂W_ij · ∂C/∂z_i for ∂z_j/∂W_ij · ∂C/∂z_j
    letters = sorted(free_indices(tree) | free_indices(probe.ctx.reference.tree))
    quantities = sorted({n for n in walk(tree) if isinstance(n, Idx)}, key=repr)
    for node in quantities:
        for i, sub in enumerate(node.subs):
            for letter in letters if sub.var is not None else ():
                if letter == sub.var or probe.ctx.table.index_role(letter) != probe.ctx.table.index_role(sub.var):
                    continue
                new = dc_replace(node, subs=node.subs[:i] + (Index(letter, sub.offset),) + node.subs[i + 1:])
                if probe.right(replace(tree, lambda n: new if n == node else None)):
                    return ("wrong-index-letter",
                            f"{render(node, 'unicode')} has the wrong unit: it should be {render(new, 'unicode')}.")

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


def _scaling(ctx: Context, values: np.ndarray, constant: bool = False) -> Optional[tuple[str, str]]:
    """Wrong sign, transpose or a constant factor (not for two constants: 0.7 is not "7/10 times" 1)."""
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
        nice = None if constant else _nice_factor(c)
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


def _kinks(tree) -> list[str]:
    """The functions with a corner at 0 whose derivative an answer takes (ReLU′, |x|′)."""
    shown = (render(Call(n.name, (Sym("x"),), n.order), "unicode") for n in walk(tree)
             if isinstance(n, Call) and n.order >= 1 and getattr(functions.lookup(n.name), "kink", False))
    return list(dict.fromkeys(shown))       # each once, in the order written


def _point(ctx: Context, parsed: ParsedAnswer, values: np.ndarray, sample: int, undefined: bool) -> str:
    kinks = _kinks(parsed.tree) if undefined else []
    if kinks:
        return (f"Your answer is undefined where the expected answer is defined: {' and '.join(kinks)} has no value "
                f"at x = 0, where the function has a corner.")
    def shown_plainly(name: str) -> bool:
        sym = ctx.table.get(name)
        return sym is None or sym.kind == SCALAR or (sym.kind == FUNCTION and sym.alias is not None)
    used = _drawn_names(ctx, parsed.tree) | _drawn_names(ctx, ctx.reference.tree)
    scalar_problem = values.ndim == 1 and all(shown_plainly(n) for n in used)
    names = sorted(n for n in used if ctx.table.get(n) is not None and ctx.table.get(n).kind == SCALAR)
    if scalar_problem and names and len(names) <= 4:
        at = ", ".join(f"{render(Sym(n), 'unicode')} = {text}"
                       for n, text in zip(names, shown_values(ctx.condition, ctx.world, sample, names)))
        if undefined:
            return f"Your answer is undefined at {at}, where the expected answer is defined."
        mine, theirs = format_pair(float(values[sample]), float(ctx.ref_values[sample]))
        return f"At {at}, your answer is {mine} but the expected value is {theirs}." 
    if undefined:
        return "Your answer is undefined (a division by zero or the log of a negative number?) where the " \
               "expected answer is defined."
    if not _has_names(parsed.tree) and not _has_names(ctx.reference.tree):
        return "That is not the expected value."       # two constants: no random values were involved
    return "Your answer gives different values from the expected answer when tested with random values."


_NOT_GRADED = ("Not graded: the problem bank cannot check this part (", "). This is not a mistake in your "
               "answer; your instructor has to fix the problem.")


def not_graded_sentence(why: Optional[str]) -> str:
    """The one sentence of a part the bank cannot grade: not the student's mistake, and why."""
    return f"{_NOT_GRADED[0]}{why}{_NOT_GRADED[1]}"


def not_graded_reason(sentence: str) -> str:
    """The why of `not_graded_sentence`, for the instructor's log line."""
    if sentence.startswith(_NOT_GRADED[0]) and sentence.endswith(_NOT_GRADED[1]):
        return sentence[len(_NOT_GRADED[0]):-len(_NOT_GRADED[1])]
    return sentence


def _drawn_names(ctx: Context, tree: Node) -> frozenset[str]:
    """The names a tree's values come from: a defined name (`s: {definition: tanh(x)}`) stands
    for the names of its definition, since only drawn names have a value to quote."""
    out: set[str] = set()
    seen: set[str] = set()
    todo = list(names_used(tree))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        definition = ctx.world.definitions.get(name)
        if definition is not None and name not in ctx.world.arrays:
            todo.extend(names_used(definition))
        else:
            out.add(name)
    return frozenset(out)


def _has_names(tree: Node) -> bool:
    return any(isinstance(n, (Sym, Idx)) for n in walk(tree))


def explain(d: Decision) -> Verdict:
    """The verdict for a decision: its status and score unchanged, the facts put into words."""
    shown = {}
    if d.parsed is not None:
        shown = dict(interpreted=d.parsed.unicode, interpreted_ascii=d.parsed.ascii,
                     interpreted_latex=d.parsed.latex)
    rule, sentences = _words(d)
    if d.ctx is not None and d.ctx.part.show_solution and d.why in (Why.MISTAKE, Why.DIFFERENT):
        sentences += (f"The expected answer is {d.ctx.reference.unicode}.",)
    return Verdict(d.status, d.score, d.points, feedback=sentences, rule=rule,
                   column=d.column if d.why is Why.SYNTAX or d.why is Why.TOO_COMPLEX else None,
                   decided_by=d.decided_by, **shown)


def _words(d: Decision) -> tuple[Optional[str], tuple[str, ...]]:
    """(rule tag, sentences) for a decision."""
    why = d.why
    if why is Why.SAME:
        return None, ()
    if why is Why.SYNTAX:
        return "syntax", (d.message,)
    if why is Why.TOO_COMPLEX:
        return "too-complex", (d.message or f"{TOO_COMPLEX}.",)
    if why is Why.RESTRICTION:
        name, forbidden = d.refused
        return "restriction", (d.message or (f"This part asks for an answer without {name}." if forbidden
                                             else f"This part asks for an answer written with {name}."),)
    if why is Why.RESTATEMENT:
        return "restatement", (_restatement(d.ctx),)
    if why is Why.BROKEN_PART:
        return "broken-part", (not_graded_sentence(d.message),)
    if why is Why.SHAPE_ERROR:
        return "shape", (d.message,)
    if why is Why.EVALUATION:
        return "evaluation", (d.message,)
    if why is Why.MISTAKE:
        return d.mistake.tag, (d.mistake.message,)
    if why is Why.UNCHECKED:
        return "unchecked", (not_graded_sentence("its reference answer is undefined at almost every sampled "
                                                 "point"),)
    if why is Why.WRONG_SHAPE:
        return "shape", (f"Your answer is {shape_word(d.values)}, but {shape_word(d.ctx.ref_values)} is expected.",)
    if why is Why.FORMULA:
        return "formula", (_formula(d.parsed.tree),)
    if why is Why.NOT_A_NUMBER:
        return "shape", ("This part asks for a single number.",)
    if why is Why.NOT_FINITE:
        return "not-finite", ("Your answer does not evaluate to a finite number.",)
    if d.ctx.part.kind == NUMERIC:
        return _wrong_number(d)
    return _wrong_expression(d)


def _formula(tree: Node) -> str:
    """A numeric part asks for the student's computation, not a formula the grader would compute."""
    names = sorted({render(n, "unicode") for n in formula_names(tree)})
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Write the number: this part asks for its value, not a formula in {listed}."


def _restatement(ctx: Context) -> str:
    """"That is the question itself": the answer must be written with what the reference uses."""
    terms: list[str] = []
    for node in walk(ctx.reference.tree):
        if isinstance(node, Call) and node.order == 0:
            shown = render(node, "unicode")
        elif isinstance(node, (Sym, Idx)) and not _inside_call(ctx.reference.tree, node):
            shown = render(node, "unicode")
        else:
            continue
        if shown not in terms:
            terms.append(shown)
    if not terms or ctx.part.kind == NUMERIC:      # a numeric part asks for the number
        return "That is the question itself: write its value."
    listed = terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " and " + terms[-1]
    return f"That is the question itself: write it in terms of {listed}."


def _inside_call(tree: Node, target: Node) -> bool:
    return any(isinstance(n, Call) and any(target in walk(a) for a in n.args) for n in walk(tree))


def _wrong_expression(d: Decision) -> tuple[Optional[str], tuple[str, ...]]:
    ctx, parsed, values, cmp = d.ctx, d.parsed, d.values, d.comparison
    if cmp.reason is Difference.SYMBOLIC:      # the symbolic stage's sentence: a point or a constant gap
        return "not-exact", (d.message,)
    if cmp.reason is Difference.EXACT:
        gap = format_number(abs(float(exact_value(parsed.tree) - ctx.ref_exact)), 2)
        return "not-exact", (f"Your answer is not exactly the expected value: they differ by {gap}.",)
    probe = _Probe(ctx)
    diagnosis = None
    constant = not _has_names(parsed.tree) and not _has_names(ctx.reference.tree)
    for step in (lambda: _scaling(ctx, values, constant) if cmp.reason is Difference.VALUES else None,
                 lambda: _repairs(probe, parsed.source), lambda: _free_index(probe, parsed.tree),
                 lambda: _function_slip(probe, parsed.tree), lambda: _index_slips(probe, parsed.tree),
                 lambda: reference_slip(ctx, values) if cmp.reason is Difference.VALUES else None,
                 lambda: _names(ctx, parsed.tree)):
        diagnosis = step()
        if diagnosis:
            break
    feedback = []
    if diagnosis:
        feedback.append(diagnosis[1])
    if diagnosis is None or diagnosis[0] in ("unexpected-name", "missing-name"):
        if cmp.sample is not None:
            feedback.append(_point(ctx, parsed, values, cmp.sample, cmp.reason is Difference.UNDEFINED))
        elif not feedback:
            feedback.append("Your answer is not equivalent to the expected answer.")
    rule = diagnosis[0] if diagnosis else ("undefined" if cmp.reason is Difference.UNDEFINED else None)
    return rule, tuple(feedback)


def _wrong_number(d: Decision) -> tuple[Optional[str], tuple[str, ...]]:
    a, b = float(d.values[0]), float(d.ctx.ref_values[0])
    tol = d.ctx.part.tolerance
    if b != 0 and tolerance.within(-a, b, tol):
        return "sign", ("The size of your answer is right but its sign is wrong.",)
    if tolerance.within(a, b, tol, widen=10.0):
        return "rounding", (f"Close, but not accurate enough: this part needs {tolerance.words(tol)}. "
                            f"Check your rounding.",)
    if b == 0 or not math.isfinite(a):
        return None, ("That is not the right value.",)
    off = abs(a - b) / abs(b)
    if off >= 1:
        return None, (f"That is not the right value: {format_number(a)} is off by more than the value itself.",)
    return None, (f"{format_number(a)} is {format_number(off * 100, 2)}% away from the value; this part needs "
                  f"{tolerance.words(tol)}.",)
