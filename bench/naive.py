"""The naive baseline most course scripts use: SymPy `parse_expr` of both strings and
`simplify(a - b) == 0`. Benchmark only: this is the thing we compare against, and it
evaluates student text with `eval` (inside parse_expr), which is exactly why the grader
does not do it. Never import this from `grader/`.

`naive_check(problem, part, answer, values)` has the signature of `equivalence.check` so the
benchmark can run it through `grader.classes.workers.check_answers`, which gives every answer a
killable worker process and a deadline.
"""
from __future__ import annotations

import resource

from grader.model import CORRECT, FUNCTION, INCORRECT, INVALID, SCALAR, Problem, Verdict

_MEMORY_LIMIT = 3 * 1024 ** 3      # per naive worker: a huge integer must not take the machine down
_limited = False
_cache: dict = {}


def scalar_only(problem: Problem) -> bool:
    """Whether every declared name is a plain scalar or a function: the only problems a naive
    script can read at all (no indexed notation, vectors or matrices)."""
    return all(s.kind in (SCALAR, FUNCTION) for s in problem.table.symbols)


def _namespace(problem: Problem) -> dict:
    import sympy
    ns = _cache.get(problem.id)
    if ns is not None:
        return ns
    x = sympy.Symbol("x_")
    sigmoid = sympy.Lambda(x, 1 / (1 + sympy.exp(-x)))
    relu = sympy.Lambda(x, sympy.Max(0, x))
    ns = {"e": sympy.E, "sigma": sigmoid, "sigmoid": sigmoid, "relu": relu, "ReLU": relu,
          "ln": sympy.log}
    for s in problem.table.symbols:
        if s.kind == FUNCTION:
            ns[s.name] = {"sigmoid": sigmoid, "sigma": sigmoid, "relu": relu}.get(s.alias or "", sympy.Function(s.name))
        else:
            ns[s.name] = sympy.Symbol(s.name, real=True)
    _cache[problem.id] = ns
    return ns


def parse(text: str, problem: Problem):
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                            standard_transformations)
    transformations = standard_transformations + (implicit_multiplication_application, convert_xor)
    return parse_expr(text, local_dict=dict(_namespace(problem)), transformations=transformations)


def _limit_memory() -> None:
    """Cap this worker's address space once, before a peer first runs: a huge integer in an
    answer must cost that answer, not the machine."""
    global _limited
    if not _limited:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
        except (ValueError, OSError):
            pass
        _limited = True


def naive_check(problem: Problem, part, answer: str, values=None) -> Verdict:
    """parse_expr both strings, then simplify(a - b) == 0. Any exception: invalid."""
    _limit_memory()
    import sympy
    points = float(part.points)
    try:
        ref = parse(part.answer, problem)
    except Exception as exc:   # noqa: BLE001
        return Verdict(INVALID, 0.0, points, feedback=(f"reference: {type(exc).__name__}",), rule="naive-ref")
    try:
        student = parse(answer, problem)
    except BaseException as exc:   # noqa: BLE001 - parse_expr raises anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Verdict(INVALID, 0.0, points, feedback=(f"{type(exc).__name__}",), rule="naive-parse")
    try:
        same = sympy.simplify(student - ref) == 0
    except BaseException as exc:   # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Verdict(INVALID, 0.0, points, feedback=(f"{type(exc).__name__}",), rule="naive-simplify")
    return Verdict(CORRECT if same else INCORRECT, points if same else 0.0, points, rule="naive")


def mathverify_check(problem: Problem, part, answer: str, values=None) -> Verdict:
    """The second peer: HuggingFace math-verify (``pip install math-verify``, the ``bench``
    extra), the checker many evaluation harnesses use. Both strings go in as inline LaTeX
    (``$...$``), which is how its parser reads an expression such as ``e^(-z)/(1+e^(-z))^2``;
    nothing it cannot extract: invalid. Its own timeouts are off: the worker's deadline rules."""
    _limit_memory()
    import logging
    logging.getLogger("math_verify").setLevel(logging.ERROR)     # its timeout-off notice, per call
    from math_verify import LatexExtractionConfig, parse as mv_parse, verify
    points = float(part.points)
    config = [LatexExtractionConfig()]
    try:
        gold = mv_parse(f"${part.answer}$", extraction_config=config, parsing_timeout=None)
        pred = mv_parse(f"${answer}$", extraction_config=config, parsing_timeout=None)
    except BaseException as exc:   # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Verdict(INVALID, 0.0, points, feedback=(type(exc).__name__,), rule="mv-parse")
    if not gold:
        return Verdict(INVALID, 0.0, points, feedback=("reference not extracted",), rule="mv-ref")
    if not pred:
        return Verdict(INVALID, 0.0, points, feedback=("nothing extracted",), rule="mv-parse")
    try:
        same = verify(gold, pred, timeout_seconds=None)
    except BaseException as exc:   # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Verdict(INVALID, 0.0, points, feedback=(type(exc).__name__,), rule="mv-verify")
    return Verdict(CORRECT if same else INCORRECT, points if same else 0.0, points, rule="math-verify")
