"""Checking one answer to one part: the decision (`decide`) put into words (`feedback`), cached.

This is the checker's entry point for every interface (CLI, batch, validation): `check`,
`check_within` (under a wall-clock budget), `compare` (two expressions, no problem file) and
`equivalent` (two answers to a part, for validation).
"""
from __future__ import annotations

import difflib
import multiprocessing
import signal
import time
import re
from dataclasses import dataclass, replace as dc_replace
from functools import lru_cache, partial
from typing import Callable, Optional, TypeVar

from grader.answers import functions
from grader.answers import latex
from grader.checking.choices import check_choice
from grader.checking.derivation import check_chain, line_list
from grader.checking.conditions import ConditionError
from grader.checking.decide import Context, compare_values, context, decide
from grader.checking.decide import unreadable as unreadable_decision
from grader.errors import took_too_long
from grader.number_format import format_number
from grader.limits import DEADLINE_SECONDS
from grader.checking.evaluate import EvalError, evaluate
from grader.checking.feedback import explain, not_graded_reason
from grader.model import CHOICE, CORRECT, DERIVATION, EXPRESSION, INVALID, MULTI_CHOICE, NOT_GRADED, Part, Problem, SymbolTable, Verdict
from grader.answers.names import table_for
from grader.answers.normalise import normalise
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.steps import ChainError, split
from grader.answers.tree import free_indices

__all__ = ["check", "check_within", "clear_caches", "compare", "compare_steps", "Outcome", "StepOutcome", "StepsOutcome", "infer_names", "unreadable", "timed_out", "equivalent", "context",
           "Context"]


# --- a wall-clock budget that really stops things (was grader/checking/deadline.py) -----------
# The work runs in a forked child that is killed at the deadline. A signal-based timeout cannot
# interrupt a computation stuck inside C code; killing the process can. The parser's static
# limits make this a second line of defence.

T = TypeVar("T")


def _child(conn, fn, args):
    # The child's signals are set here, not inherited: Ctrl-C is the parent's to handle (it kills
    # us in its `finally`), and SIGTERM kills us outright rather than running a handler the parent
    # installed (the class run's SIGTERM handler raises to unwind the *parent*). Without this, what a
    # check does on Ctrl-C would depend on how the grader was started (SIGINT ignored or not).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never printed
        conn.send((False, f"{type(exc).__name__}"))
    finally:
        conn.close()


def run_with_deadline(fn: Callable[..., T], args: tuple, seconds: float, on_timeout: Callable[[], T]) -> T:
    """fn(*args) in a child process, or on_timeout() if it has not answered within `seconds`.
    Where fork is unavailable (Windows), runs in-process under the static limits only."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
    proc.start()
    send.close()
    try:
        if receive.poll(seconds):
            try:
                ok, value = receive.recv()
            except EOFError:
                ok, value = False, "the checking process died"
            if ok:
                return value
            raise RuntimeError(value)
        return on_timeout()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()


def check(problem: Problem, part: Part, answer, values: Optional[dict] = None, *, cached: bool = True) -> Verdict:
    """Grade one answer. Never raises for anything a student can type. `cached=False` computes
    the verdict afresh (the part's world stays cached): what the benchmark measures."""
    key = tuple(sorted((values or {}).items()))
    if cached and isinstance(answer, str) and len(answer) <= 500:
        return _check_cached(problem, part, answer, key)
    return _check(problem, part, answer, key)


@lru_cache(maxsize=4096)
def _check_cached(problem, part, answer, key):
    return _check(problem, part, answer, key)


def _check(problem: Problem, part: Part, answer, key: tuple) -> Verdict:
    if part.kind in (CHOICE, MULTI_CHOICE):
        return check_choice(part, answer)
    if part.kind == DERIVATION:
        return check_chain(problem, part, answer, key)
    return explain(decide(problem, part, answer, key))


def clear_caches(contexts: bool = True) -> None:
    """Forget every cached verdict, and the part contexts unless `contexts` is False: after a
    problem file changed in place, and for tests that must see a verdict computed afresh."""
    if contexts:
        context.cache_clear()
    _check_cached.cache_clear()


def cache_info():
    """Hits, misses and size of the verdict cache (for the benchmark)."""
    return _check_cached.cache_info()


def unreadable(err: AnswerSyntaxError, points: float) -> Verdict:
    """The verdict for an answer that cannot be read (also what the web page's live preview shows)."""
    return explain(unreadable_decision(err, points))


def check_within(problem: Problem, part: Part, answer, values: Optional[dict] = None,
                 seconds: float = DEADLINE_SECONDS) -> Verdict:
    """check() under a wall-clock budget enforced by a killable child process."""
    return run_with_deadline(check, (problem, part, answer, values), seconds, lambda: timed_out(part, seconds))


def timed_out(part: Part, seconds: float) -> Verdict:
    """The verdict for an answer whose check ran past its wall-clock budget."""
    return Verdict(INVALID, 0.0, part.points, feedback=(took_too_long(seconds),), rule="too-complex")


# --- ad-hoc comparison (grader compare) ----------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    status: str            # equivalent | different | invalid
    message: str
    student: Optional[str] = None
    reference: Optional[str] = None


def compare(student: str, reference: str, table: Optional[SymbolTable] = None, *,
            positive: tuple[str, ...] = (), rtol: Optional[float] = None, atol: Optional[float] = None,
            let: Optional[dict] = None, where: Optional[str] = None, problem: Optional[Problem] = None,
            part: Optional[Part] = None, functions_declared: tuple[str, ...] = ()) -> Outcome:
    """Compare two expressions, every free name a real symbol unless the table says otherwise.
    Without a table, a name used only before brackets is an unknown function: an error unless
    `functions_declared` names it (a misspelt `sine(x)` must not become a made-up function).

    An instructor's tool: `rtol`/`atol` replace the tolerance at every sampled point, `let`
    fixes values (`{"x": 9.72}`), `where` is a condition the samples meet (`"x > 0"`), and
    `problem`/`part` compare as that part grades: its names, given values, condition,
    tolerance, world and instructor rules (the answer is judged against `reference`).
    """
    if problem is not None:
        table = problem.table
    if table is None:
        table, unknown_function = _names((student, reference), where, positive, functions_declared)
        if unknown_function:
            return Outcome("invalid", unknown_function)
    if part is None:
        base = Part(id="compare", prompt="", kind=EXPRESSION, answer=reference, allow_restatement=True)
    else:      # a derivation part compares its lines as expressions (one line is not a chain)
        base = dc_replace(part, answer=reference, tests=(), kind=EXPRESSION if part.kind == DERIVATION else part.kind)
    tolerance = base.tolerance
    if rtol is not None:
        tolerance = dc_replace(tolerance, rtol=rtol)
    if atol is not None:
        tolerance = dc_replace(tolerance, atol=atol)
    trial = dc_replace(base, tolerance=tolerance, where=where if where is not None else base.where)
    given = dict(problem.given) if problem is not None else {}
    given.update(let or {})
    unknown = sorted(n for n in given if table.get(n) is None)
    if unknown:
        return Outcome("invalid", f"--let names {unknown[0]}, which is not a name of these expressions.")
    trial_problem = Problem(id=problem.id if problem is not None else "compare", title="", statement="",
                            table=table, parts=(trial,), given=tuple(sorted(given.items())))
    try:
        ref = parse(reference, table)
    except AnswerSyntaxError as err:
        return Outcome("invalid", f"The reference cannot be read: {err.message}")
    try:
        context(trial_problem, trial, ())
    except ConditionError as err:
        return Outcome("invalid", f"The condition cannot be used: {err.message}", None, ref.unicode)
    except EvalError as err:
        if err.kind == "condition":
            return Outcome("invalid", f"The condition cannot be met: {err.message}.", None, ref.unicode)
        if err.kind == "deriv":
            return Outcome("invalid", f"The reference cannot be checked: {err.message}", None, ref.unicode)
    except AnswerSyntaxError:
        pass                 # a broken problem: check() says so
    verdict = check(trial_problem, trial, student)
    if verdict.status == CORRECT:
        return Outcome("equivalent", "The two expressions are equivalent.", verdict.interpreted, ref.unicode)
    if verdict.status == NOT_GRADED and verdict.rule == "unchecked":   # the reference, not the answer
        return Outcome("invalid", "The reference is undefined at almost every sampled point: the two "
                                  "expressions cannot be compared.", verdict.interpreted, ref.unicode)
    if verdict.status == NOT_GRADED:     # the reference cannot be evaluated: say why, as for a derivative
        why = not_graded_reason(verdict.feedback[0]) if verdict.feedback else "it cannot be evaluated"
        return Outcome("invalid", f"The reference cannot be checked: {why.rstrip('.')}.", verdict.interpreted,
                       ref.unicode)
    if verdict.status == INVALID:
        return Outcome("invalid", " ".join(verdict.feedback), verdict.interpreted, ref.unicode)
    return Outcome("different", " ".join(verdict.feedback), verdict.interpreted, ref.unicode)


@dataclass(frozen=True)
class StepOutcome:
    """One line of a chain compared with the line before it (`grader compare --steps`). `line`
    counts the chain's expressions, as a derivation's steps do (a line `a = b` holds two);
    `status` is start (line 1) or, as `compare` says it, equivalent / different / invalid;
    `column` is where a line that cannot be read goes wrong (1-based, for a caret)."""

    line: int
    text: str
    status: str
    message: Optional[str] = None
    interpreted: Optional[str] = None
    column: Optional[int] = None
    against: Optional[int] = None       # the line it was compared with: the last readable one before it


@dataclass(frozen=True)
class StepsOutcome:
    """A chain compared line by line: equivalent only when every step is, invalid when the
    chain or one of its lines cannot be compared, else different. `steps` is empty when the
    text is not a chain at all (`message` says why)."""

    status: str
    message: str
    steps: tuple[StepOutcome, ...] = ()


def compare_steps(text: str, table: Optional[SymbolTable] = None, *, positive: tuple[str, ...] = (),
                  rtol: Optional[float] = None, atol: Optional[float] = None, let: Optional[dict] = None,
                  where: Optional[str] = None, problem: Optional[Problem] = None, part: Optional[Part] = None,
                  functions_declared: tuple[str, ...] = (), seconds: float = DEADLINE_SECONDS) -> StepsOutcome:
    """Each expression of a chain (cut as a derivation is, `steps.split`) against the one
    before it, by `compare` with the same options. Without a problem the names come from every
    line at once, so each step reads a name the same way. A line that cannot be read is marked
    with its caret, and the next line is compared with the last line that can. The whole chain
    is compared within `seconds`, as a derivation is checked, each step in a killable child."""
    started = time.monotonic()
    try:
        pieces = split(text)
    except ChainError as err:
        return StepsOutcome("invalid", err.message)
    if len(pieces) < 2:
        return StepsOutcome("invalid", "There is nothing to compare: write at least two expressions, one per line "
                                       "(a line may start with '=').")
    if problem is not None:
        table = problem.table
    if table is None:
        table, unknown_function = _names([p.text for p in pieces], where, positive, functions_declared)
        if unknown_function:
            return StepsOutcome("invalid", unknown_function)
    readable: list[Optional[int]] = []          # the index of the last readable line up to each line
    steps = []
    for i, piece in enumerate(pieces):
        n = piece.number
        before = readable[-1] if readable else None
        try:
            shown = parse(piece.text, table).unicode
        except AnswerSyntaxError as err:
            readable.append(before)
            steps.append(StepOutcome(n, piece.text, "invalid", f"Line {n} cannot be read. {err.message}", None,
                                     err.column if err.source else None))
            continue
        readable.append(i)
        if i == 0:
            steps.append(StepOutcome(n, piece.text, "start", None, shown))
        elif before is None:
            steps.append(StepOutcome(n, piece.text, "invalid", "There is no readable line before this one to "
                                                                "compare it with.", shown))
        else:
            m = pieces[before].number
            left = seconds - (time.monotonic() - started)
            one = partial(compare, piece.text, pieces[before].text, table, positive=positive, rtol=rtol, atol=atol,
                          let=let, where=where, problem=problem, part=part, functions_declared=functions_declared)
            outcome = run_with_deadline(one, (), left, lambda: Outcome("invalid", took_too_long(seconds))) \
                if left > 0 else Outcome("invalid", took_too_long(seconds))
            said = f"Line {n} is equivalent to line {m}." if outcome.status == "equivalent" else \
                _naming_lines(outcome.message, n, m)
            steps.append(StepOutcome(n, piece.text, outcome.status, said, shown, against=m))
    return StepsOutcome(*_chain_summary(steps), tuple(steps))


def _naming_lines(message: str, line: int, before: int) -> str:
    """compare's message about a student's answer and a reference, about two lines instead."""
    for old, new in (("That is not the expected value.", f"Line {line} is not the value of line {before}."),
                     ("Your answer", f"Line {line}"), ("your answer", f"line {line}"),
                     ("The expected answer", f"Line {before}"), ("the expected answer", f"line {before}"),
                     ("the expected value", f"line {before}"), ("The reference", f"Line {before}"),
                     ("the reference", f"line {before}")):
        message = message.replace(old, new)
    return message


def _chain_summary(steps: list[StepOutcome]) -> tuple[str, str]:
    different = [s.line for s in steps if s.status == "different"]
    invalid = [s.line for s in steps if s.status == "invalid"]
    if not different and not invalid:
        return "equivalent", "Every line is equivalent to the line before it."
    said = []
    if different:
        one = len(different) == 1
        said.append(f"{line_list(different)} {'is' if one else 'are'} not equivalent to the line before "
                    f"{'it' if one else 'them'}.")
    if invalid:
        said.append(f"{line_list(invalid)} cannot be compared.")
    return ("invalid" if invalid else "different"), " ".join(said)


def _names(texts, where: Optional[str], positive: tuple[str, ...], declared: tuple[str, ...]) \
        -> tuple[SymbolTable, Optional[str]]:
    """The names of expressions compared without a problem, and the message for a name used
    only before brackets that is not declared a function (None when there is none)."""
    table, called = infer_names(*texts, *([where] if where else []), positive=positive, declared=declared)
    if not called:
        return table, None
    name = called[0]
    close = difflib.get_close_matches(name, functions.spellings(), n=2, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? If not, " if close else ""
    return table, (f"Unknown function '{name}': {hint}declare it with --function {name} if it stands for any "
                   f"function, or write {name}*(...) for a product.")


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]+))*")
_NOT_NAMES = ("pi", "e", "sum", "prod", "and", "oo", "inf", "infty", "infinity", "Infinity")


def infer_names(*texts: str, positive: tuple[str, ...] = (), declared: tuple[str, ...] = ()) \
        -> tuple[SymbolTable, list[str]]:
    """Every name in the texts that is not a function or constant becomes a real scalar symbol
    (`w_1` and `a_{0}` stay whole), so `grader compare` needs no problem file; `declared` names
    are unknown functions. Also returns the other names used only before brackets."""
    names: set[str] = set()
    called: set[str] = set()
    for text in texts:
        try:
            src, _ = normalise(text)
            if latex.looks_like_latex(src):
                src, _ = latex.read(src)
        except (AnswerSyntaxError, latex.LatexError):
            continue
        for m in _NAME.finditer(src):
            name = m.group().replace("{", "").replace("}", "")
            head = name.split("_")[0]
            end = m.end()
            if functions.lookup(name) is not None or functions.lookup(head) is not None \
                    or name in _NOT_NAMES or head in ("sum", "prod"):
                continue
            (called if end < len(src) and src[end] in "('" else names).add(name)
    table = table_for(sorted(names - set(declared)), positive=positive, functions=sorted(set(declared)))
    return table, sorted(called - names - set(declared))


def difference(problem: Problem, part: Part, truth: str, claim: str) -> Optional[str]:
    """Where `claim` differs from `truth` in the part's world, in words for an instructor (the
    indices and both values at the sample `compare_values` found), or None when they agree."""
    ctx = context(problem, part, ())
    trees = [parse(text, problem.table).tree for text in (truth, claim)]
    vt, vc = (evaluate(tree, ctx.world) for tree in trees)
    cmp = compare_values(vc, vt, part.tolerance)
    if cmp.equal:
        return None
    s = cmp.sample or 0
    free = free_indices(trees[0]) | free_indices(trees[1])
    at = ", ".join(f"{letter} = {int(v[s])}" for letter, v in sorted(ctx.world.index_values.items()) if letter in free)
    first = lambda v: float(v.reshape(len(v), -1)[s][0])     # noqa: E731 - the sample's first entry
    return (f"({at or 'sample ' + str(s + 1)}) it gives {format_number(first(vc), 6)} where {truth} is "
            f"{format_number(first(vt), 6)}")


def equivalent(problem: Problem, part: Part, a: str, b: str) -> bool:
    """Whether two answers to a part are equal in its world (used by validate for mistake rules)."""
    ctx = context(problem, part, ())
    va = evaluate(parse(a, problem.table).tree, ctx.world)
    vb = evaluate(parse(b, problem.table).tree, ctx.world)
    return compare_values(va, vb, part.tolerance).equal
