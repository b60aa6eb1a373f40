"""Checking a derivation line by line: a "show that" answer as a chain of equalities.

Every line of the chain has a value in each of the part's worlds (a real network when the
problem has one, so `∂c/∂a_j^(L) · ∂a_j^(L)/∂z_j^(L)` is a number like any other), so each line
is judged against the line before it exactly as an answer is judged against a reference
(`decide.judge`): the part's mistake rules and the automatic diagnoses name the slip at a wrong
line. What a comparison of adjacent lines cannot see is checked on its own, as STACK's
equivalence reasoning does not: that the chain starts from what is to be shown (as written,
not merely something equal to it), that it ends at the target written in the target's terms,
and that it takes the steps the part asks for.

Credit (`credit:` in the part, default `complete`):
- `complete`: full points for a complete valid chain, nothing otherwise;
- `per-step`: each step that follows from the line before earns an equal share; a chain that
  stops short of the target, or lacks a step the part asks for, counts each missing piece as one
  more step, and a chain that does not start from the start earns nothing;
- `one-slip`: a chain from the start to the target in which exactly one line has a wrong value
  (later lines may follow from it or return to the truth) earns half the points.
"""
from __future__ import annotations

from dataclasses import dataclass, replace as dc_replace
from typing import Optional

import numpy as np

from grader.answers.parser import AnswerSyntaxError, ParsedAnswer, parse
from grader.answers.steps import ChainError, Piece, split
from grader.answers.tree import Bin, Deriv, Idx, Node, Num, Sym, free_indices, names_used, replace, walk
from grader.checking.conditions import ConditionError
from grader.checking.decide import Context, Why, compare_values, context, broken_reason, judge
from grader.checking.evaluate import EvalError, evaluate, exact_value
from grader.checking.feedback import explain, not_graded_sentence
from grader.checking.restatements import bare
from grader.limits import MAX_DIAGNOSED_STEPS
from grader.model import (CORRECT, EXPRESSION, INCORRECT, INVALID, NOT_GRADED, Network, Part, Problem, Step,
                          StepStatus, Verdict)

CREDITS = ("complete", "per-step", "one-slip")
SLIP_SHARE = 0.5


@dataclass(frozen=True)
class _Line:
    piece: Piece
    parsed: Optional[ParsedAnswer] = None
    values: Optional[np.ndarray] = None
    problem: Optional[Step] = None       # the line cannot be read or evaluated: its mark


def check_chain(problem: Problem, part: Part, answer, key: tuple = ()) -> Verdict:
    """The verdict on a derivation, with a mark for every line. Never raises for anything a
    student can type."""
    points = part.points
    if not isinstance(answer, str):
        return Verdict(INVALID, 0.0, points, feedback=("A derivation is text: one expression per line.",),
                       rule="syntax")
    try:
        pieces = split(answer)
    except ChainError as err:
        return Verdict(INVALID, 0.0, points, feedback=(err.message,), rule="syntax")
    start = start_text(problem, part)
    if len(pieces) < 2:
        return Verdict(INVALID, 0.0, points, rule="no-steps", feedback=(
            f"A derivation is a chain of equalities: start from {start} and write each step on a new line "
            f"beginning with '=' (or join them with '=' on one line).",))
    try:
        ctx = context(problem, part, key)
    except (AnswerSyntaxError, EvalError, ConditionError) as err:
        return Verdict(NOT_GRADED, 0.0, points, feedback=(not_graded_sentence(broken_reason(part, err)),),
                       rule="broken-part")
    lines = [_read(piece, problem, ctx) for piece in pieces]
    marks = [_first(lines[0], problem, part, start)]
    for i in range(1, len(lines)):
        marks.append(_follows(lines, i, marks, ctx))
    return _verdict(lines, marks, problem, part, ctx, start)


def start_text(problem: Problem, part: Part) -> str:
    """The start as the course writes it (for messages)."""
    try:
        return parse(part.start[0], problem.table).unicode
    except (AnswerSyntaxError, IndexError):
        return part.start[0] if part.start else "the quantity to be shown"


def _read(piece: Piece, problem: Problem, ctx: Context) -> _Line:
    try:
        parsed = parse(piece.text, problem.table)
    except AnswerSyntaxError as err:
        return _Line(piece, problem=Step(piece.number, piece.text, StepStatus.INVALID, (err.message,),
                                         column=err.column if err.source else None))
    try:
        values = evaluate(parsed.tree, ctx.world)
    except EvalError as err:
        status = StepStatus.INCORRECT if err.kind == "shape" else StepStatus.INVALID
        return _Line(piece, parsed, problem=Step(piece.number, piece.text, status, (err.message,), parsed.unicode))
    except (MemoryError, OverflowError, ValueError):
        return _Line(piece, parsed, problem=Step(piece.number, piece.text, StepStatus.INVALID,
                                                 ("This line is too complex to check.",), parsed.unicode))
    return _Line(piece, parsed, values)


def _first(line: _Line, problem: Problem, part: Part, start: str) -> Step:
    if line.problem is not None:
        return line.problem
    mine = line.parsed.unicode
    for text in part.start:
        try:
            if parse(text, problem.table).unicode == mine:
                return Step(1, line.piece.text, StepStatus.START, (), mine)
        except AnswerSyntaxError:
            continue
    return Step(1, line.piece.text, StepStatus.INCORRECT,
                (f"The derivation starts from {start}, as the question writes it; line 1 is {mine}.",), mine)


def _follows(lines: list[_Line], i: int, marks: list[Step], ctx: Context) -> Step:
    line = lines[i]
    number = line.piece.number
    if line.problem is not None:
        return line.problem
    j = i - 1
    while j >= 0 and lines[j].values is None:
        j -= 1
    if j < 0:
        return Step(number, line.piece.text, StepStatus.INVALID,
                    ("There is no readable line before this one to compare it with.",), line.parsed.unicode)
    before = lines[j]
    step_ctx = dc_replace(ctx, part=dc_replace(ctx.part, kind=EXPRESSION, show_solution=False),
                          reference=before.parsed, ref_values=before.values, ref_exact=exact_value(before.parsed.tree),
                          restatements=frozenset(), asked=frozenset())
    decision = judge(line.parsed, line.values, step_ctx)
    then = j + 1
    if decision.status == CORRECT:
        note = () if marks[j].status in (StepStatus.START, StepStatus.CORRECT) else \
            (f"It follows from line {then}, but line {then} is not right.",)
        return Step(number, line.piece.text, StepStatus.CORRECT, note, line.parsed.unicode)
    if marks[j].status == StepStatus.INCORRECT and j > 0 and _agrees(line, lines[0], ctx):
        return Step(number, line.piece.text, StepStatus.INCORRECT,
                    (f"Line {number} does not follow from line {then}, but it equals line 1 again: the slip is in "
                     f"line {then}.",), line.parsed.unicode)
    if sum(m.status == StepStatus.INCORRECT for m in marks[1:]) >= MAX_DIAGNOSED_STEPS and decision.why is Why.DIFFERENT:
        return Step(number, line.piece.text, StepStatus.INCORRECT,      # a long wrong chain: the first few explained
                    (f"Line {number} does not follow from line {then}.",), line.parsed.unicode)
    verdict = explain(decision)
    said = tuple(s.replace("Your answer", "This line").replace("your answer", "this line")
                 .replace("the expected answer", f"line {then}").replace("The expected answer", f"Line {then}")
                 for s in verdict.feedback)
    return Step(number, line.piece.text, StepStatus.INCORRECT,
                (f"Line {number} does not follow from line {then}.",) + said, line.parsed.unicode)


def _derivs(tree: Node, net: Optional[Network] = None) -> frozenset:
    """The derivatives a line writes, each as (of, with respect to) families: `∂c/∂a_k^(L)` and
    `∂c/∂a_j^(L)` are the same kind of factor whichever letter a sum binds. Given the network,
    its error name counts as the derivative it is by definition (delta_k^(l+1) as ∂c/∂z_k^(l+1)),
    so the chain-rule line may be written with it."""
    out = {(_family(n.of), _family(n.wrt)) for n in walk(tree) if isinstance(n, Deriv)}
    if net is not None:
        out.update(_as_derivative(n.name, net) for n in walk(tree)
                   if isinstance(n, (Sym, Idx)) and net.role_of(n.name) == "error")
    return frozenset(out)


def _as_derivative(name: str, net: Network) -> tuple[str, str]:
    if not net.chain:
        return net.cost or "", net.weighted_input
    layer = net.chain_layer(name)
    names = {role: n for n, role, at in net.chain if at == layer or role == "cost"}
    return names.get("cost", ""), names.get("weighted-input", "")


def _family(node: Node) -> str:
    return node.name if isinstance(node, (Sym, Idx)) else repr(node)


def _reaches(line: _Line, ctx: Context, starts: frozenset) -> Optional[str]:
    """None when the line is the target written in the target's terms, else why not (a phrase)."""
    if line.values is None:
        return "it cannot be checked"
    cmp = compare_values(line.values, ctx.ref_values, ctx.part.tolerance)
    if not cmp.equal or not free_indices(line.parsed.tree) <= free_indices(ctx.reference.tree):
        return "its value is not the target's"
    if any(bare(n) in starts for n in walk(line.parsed.tree) if isinstance(n, (Deriv, Sym, Idx))):
        return "it still uses the quantity to be shown"
    extra = _derivs(line.parsed.tree) - _derivs(ctx.reference.tree)
    if extra:
        return "it still has derivatives the target does not write"
    names = sorted(names_used(line.parsed.tree) - names_used(ctx.reference.tree))
    if names:       # equal in the worlds drawn is not the target's terms (a sum over l+1 is no use at L)
        return f"it still uses {', '.join(names)}, which the target does not"
    return None


def _through(lines: list[_Line], text: str, problem: Problem, ctx: Context) -> bool:
    """Whether some line takes this form: equal to it, writing the same derivatives, and equal
    to it still when every derivative is doubled (so its derivatives are the form's factors, not
    decoration such as `target + 0*form`). `lines` are those before the chain first reaches the
    target: a form written after the answer is no step towards it."""
    net = problem.table.network
    try:
        form = parse(text, problem.table).tree
        values = evaluate(form, ctx.world)
        doubled = evaluate(_doubled(form, net), ctx.world)
    except (AnswerSyntaxError, EvalError):
        return False
    want = _derivs(form, net)
    tol = ctx.part.tolerance
    for line in lines:
        if line.values is None or _derivs(line.parsed.tree, net) != want or \
                not compare_values(line.values, values, tol).equal:
            continue
        try:
            if compare_values(evaluate(_doubled(line.parsed.tree, net), ctx.world), doubled, tol).equal:
                return True
        except EvalError:
            continue
    return False


def _doubled(tree: Node, net: Optional[Network]) -> Node:
    """The tree with every derivative (and the network's error names, derivatives by definition) doubled."""
    def change(n):
        if isinstance(n, Deriv) or (net is not None and isinstance(n, (Sym, Idx)) and net.role_of(n.name) == "error"):
            return Bin("*", Num(2, "2"), n)
        return None
    return replace(tree, change)


def _verdict(lines: list[_Line], marks: list[Step], problem: Problem, part: Part, ctx: Context,
             start: str) -> Verdict:
    points = part.points
    steps = tuple(marks)
    shown = " = ".join(line.parsed.unicode if line.parsed is not None else line.piece.text for line in lines)
    ascii_ = " = ".join(line.parsed.ascii if line.parsed is not None else line.piece.text for line in lines)
    latex = " = ".join(line.parsed.latex if line.parsed is not None else line.piece.text for line in lines)
    base = dict(interpreted=shown, interpreted_ascii=ascii_, interpreted_latex=latex, steps=steps)
    unreadable = [m for m in marks if m.status == StepStatus.INVALID]
    if unreadable:
        m = unreadable[0]
        why = m.feedback[0]
        return Verdict(INVALID, 0.0, points, feedback=(f"Line {m.line} cannot be checked: {why[:1].lower()}{why[1:]}",),
                       rule="syntax", **base)
    starts = frozenset(_starts(problem, part))
    target = ctx.reference.unicode
    said: list[str] = []
    rule: Optional[str] = None
    wrong = [m for m in marks[1:] if m.status == StepStatus.INCORRECT]
    started = marks[0].status == StepStatus.START
    if not started:
        said.append(marks[0].feedback[0])
        rule = "wrong-start"
        if lines[-1].values is not None and lines[0].values is not None and \
                any(bare(n) in starts for n in walk(lines[-1].parsed.tree) if isinstance(n, (Deriv, Sym, Idx))):
            said.append(f"Your chain runs from the target to the start: write it from {start} to {target}.")
    if wrong:
        first = wrong[0]
        said.extend(first.feedback)
        rule = rule or _rule_of(first, lines, ctx)
        back = [m for m in wrong[1:] if "equals line 1 again" in m.feedback[0]]
        later = [m.line for m in wrong[1:] if m not in back]
        said.extend(m.feedback[0] for m in back)
        if later:
            said.append(f"{line_list(later)} {'does' if len(later) == 1 else 'do'} not follow from the line before "
                        f"{'it' if len(later) == 1 else 'them'} either.")
        follow = [m.line for m in marks if m.status == StepStatus.CORRECT and m.feedback]
        if follow:
            said.append(f"{line_list(follow)} {'follows' if len(follow) == 1 else 'follow'} from the line before, "
                        f"which is not right.")
    why_not = _reaches(lines[-1], ctx, starts)
    if why_not is not None:
        said.append(f"The chain ends at line {len(lines)}, which is not the target {target} yet: {why_not}.")
        rule = rule or "stops-short"
    missing = [] if wrong else _missing(lines, marks, problem, part, ctx, starts)   # the wrong line is the story
    said.extend(missing)
    if missing:
        rule = rule or "missing-step"
    if not said:
        return Verdict(CORRECT, points, points, feedback=(f"Every step follows, from {start} to {target}.",),
                       **base)
    return Verdict(INCORRECT, _credit(part, lines, marks, ctx, started, why_not is None, len(missing)), points,
                   feedback=tuple(said), rule=rule, **base)


def _same(line: _Line, before: _Line) -> bool:
    """The same expression as the line before it (no step), as the course writes it."""
    return line.parsed is not None and before.parsed is not None and line.parsed.unicode == before.parsed.unicode


def _agrees(line: _Line, first: _Line, ctx: Context) -> bool:
    return line.values is not None and first.values is not None and \
        compare_values(line.values, first.values, ctx.part.tolerance).equal


def line_list(numbers: list[int]) -> str:
    """'Line 3' or 'Lines 3, 4 and 6': how a sentence names lines of a chain."""
    if len(numbers) == 1:
        return f"Line {numbers[0]}"
    return "Lines " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _starts(problem: Problem, part: Part) -> list[Node]:
    out = []
    for text in part.start:
        try:
            out.append(bare(parse(text, problem.table).tree))
        except AnswerSyntaxError:
            continue
    return out


def _rule_of(step: Step, lines: list[_Line], ctx: Context) -> str:
    """The tag of a wrong line: the part's mistake rule it matches, else a generic one."""
    line = lines[step.line - 1]
    for rule in ctx.rules:
        if rule.values is not None and compare_values(line.values, rule.values, ctx.part.tolerance).equal:
            return rule.mistake.tag or "wrong-step"
    return "wrong-step"


def _missing(lines: list[_Line], marks: list[Step], problem: Problem, part: Part, ctx: Context,
             starts: frozenset) -> list[str]:
    """What the part asks for that the chain does not show: enough steps, its intermediate forms."""
    out = []
    taken = sum(1 for i in range(1, len(lines)) if not _same(lines[i], lines[i - 1]))
    if taken < part.min_steps:
        out.append(f"This part asks for at least {part.min_steps} steps and the chain takes {taken}: show how "
                   f"you get from one line to the next.")
    first = next((i for i, line in enumerate(lines) if i and _reaches(line, ctx, starts) is None), len(lines))
    for text in part.through:
        if not _through(lines[1:first], text, problem, ctx):
            try:
                form = parse(text, problem.table).unicode
            except AnswerSyntaxError:
                form = text
            out.append(f"This part asks for a line of the form {form} (the chain rule written out) before it "
                       f"is simplified; the chain never writes it.")
    return out


def _credit(part: Part, lines: list[_Line], marks: list[Step], ctx: Context, started: bool, reached: bool,
            missing: int) -> float:
    points = part.points
    if not started:
        return 0.0
    if part.credit == "per-step":      # a line the same as the one before is no step (no padding)
        steps = [m for i, m in enumerate(marks[1:], 1) if not _same(lines[i], lines[i - 1])]
        good = sum(1 for m in steps if m.status == StepStatus.CORRECT)
        total = len(steps) + (0 if reached else 1) + missing
        return round(points * good / total, 6) if total else 0.0
    if part.credit == "one-slip" and reached and not missing:
        truth = lines[0].values
        slips = sum(1 for line in lines[1:] if not compare_values(line.values, truth, part.tolerance).equal)
        return round(points * SLIP_SHARE, 6) if slips == 1 else 0.0
    return 0.0
