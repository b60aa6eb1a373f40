"""The common slips of backprop, made on the reference: what a wrong answer is, when it is the
reference with one standard mistake (issue 27).

Instead of one rule per answer, the reference of a part is perturbed the ways students go
wrong (a layer superscript off by one, alone or several together; an index letter swapped or
replaced; f for f' or f' for f; a factor dropped, squared, or kept as 1/2 x^2 (not
differentiated); a sign or an operation flipped; a product regrouped around a sum or a
Hadamard product; a transpose added or dropped; a sum over the units left in). Each perturbed
tree carries the sentence that names the slip with the part's own names. The values of every
perturbation are computed once per part (the reference does not change between answers), so a
wrong answer costs one vectorised comparison against all of them; a slip is only ever said
after the answer's values were found equal to the perturbed reference's.
"""
from __future__ import annotations

from dataclasses import dataclass, replace as dc_replace
from itertools import chain
from typing import Iterator, Optional

import numpy as np

from grader.answers.render import render
from grader.answers.tree import (Bin, Call, Idx, Index, Neg, Node, Num, Sum, Sym, Transpose, children,
                                 free_indices, rebuild, replace, walk)
from grader.answers import functions
from grader.checking.decide import Context, compare_values
from grader.checking.evaluate import EvalError, evaluate
from grader.limits import MAX_PRIMES, MAX_REFERENCE_SLIPS
from grader.model import FUNCTION, MATRIX, UNIT, VECTOR, SymbolTable

_PRODUCTS = ("*", ".*")
_HALF = Num(1, "1")


@dataclass(frozen=True)
class Slip:
    """The reference with one slip in it, and the sentence that names the slip."""

    tree: Node
    tag: str
    message: str


def _u(node: Node) -> str:
    return render(node, "unicode")


def _listed(nodes) -> str:
    shown = list(dict.fromkeys(_u(n) for n in nodes))
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def variants(tree: Node, change) -> Iterator[tuple[Node, Node, Node]]:
    """Every tree obtained by replacing one node n by one of change(n): (new tree, old, new)."""
    def go(node):
        for new in change(node):
            yield new, node, new
        kids = children(node)
        for i, kid in enumerate(kids):
            for sub, old, new in go(kid):
                yield rebuild(node, kids[:i] + (sub,) + kids[i + 1:]), old, new
    return go(tree)


def _with_sup(node: Node, shift: int) -> Node:
    return dc_replace(node, sup=Index(node.sup.var, node.sup.offset + shift))


def _layers(tree: Node) -> Iterator[Slip]:
    """Superscripts off by one or two: each quantity, then several together (every subset of
    at most four quantities, else each group of equal superscripts and all of them)."""
    marked = [n for n in dict.fromkeys(walk(tree)) if isinstance(n, (Sym, Idx)) and n.sup is not None
              and n.sup.var is not None]
    if len(marked) <= 4:
        choices = [[n for i, n in enumerate(marked) if mask >> i & 1] for mask in range(1, 2 ** len(marked))]
    else:
        groups = list(dict.fromkeys(n.sup for n in marked))
        choices = [[n for n in marked if n.sup == g] for g in groups] + [marked]
    choices.sort(key=len)
    for shift in (-1, 1, -2, 2):
        for nodes in choices:
            moved = {n: _with_sup(n, shift) for n in nodes}
            theirs = [moved[n] for n in nodes]
            how = "is off by one" if abs(shift) == 1 else "is wrong"
            yield Slip(replace(tree, moved.get), "layer-off-by-one" if abs(shift) == 1 else "wrong-layer",
                       f"The layer of {_listed(theirs)} {how}: {'it' if len(nodes) == 1 else 'they'} "
                       f"should be {_listed(nodes)}.")


def _names(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    """One quantity written for another of the same kind (a_j^L for z_j^L), or a function's
    argument written without the function (z for f'(z))."""
    def change(node):
        if isinstance(node, Call) and len(node.args) == 1 and node.order:
            return [node.args[0]]
        if isinstance(node, Bin) and node.op == "/" and node.left == Num(1, "1"):
            return [node.right]
        if not isinstance(node, (Sym, Idx)) or table.get(node.name) is None:
            return []
        mine = table.get(node.name)
        return [dc_replace(node, name=s.name) for s in table.symbols if s.name != node.name and s.kind == mine.kind
                and s.kind != FUNCTION and s.subscripts == mine.subscripts]
    for new_tree, old, new in variants(tree, change):
        yield Slip(new_tree, "wrong-quantity", f"Your answer uses {_u(new)} where {_u(old)} is needed.")


def _letters(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    """Subscripts swapped, or one quantity with the wrong unit letter (all its occurrences)."""
    units = [letter for letter, role in table.indices if role == UNIT]
    for node in dict.fromkeys(n for n in walk(tree) if isinstance(n, Idx)):
        if len(node.subs) >= 2 and node.subs[0] != node.subs[1]:
            new = dc_replace(node, subs=(node.subs[1], node.subs[0]) + node.subs[2:])
            yield Slip(replace(tree, lambda n, o=node, w=new: w if n == o else None), "swapped-indices",
                       f"The subscripts of {_u(new)} are in the wrong order: it should be {_u(node)} "
                       f"(check which unit each index counts).")
        for i, sub in enumerate(node.subs):
            if sub.var is None or table.index_role(sub.var) != UNIT:
                continue
            for letter in units:
                if letter == sub.var:
                    continue
                new = dc_replace(node, subs=node.subs[:i] + (Index(letter, sub.offset),) + node.subs[i + 1:])
                yield Slip(replace(tree, lambda n, o=node, w=new: w if n == o else None), "wrong-index-letter",
                           f"{_u(new)} has the wrong unit: it should be {_u(node)}.")


def _derivatives(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    def change(node):
        if not isinstance(node, Call):
            return []
        sym = table.get(node.name)
        fn = functions.by_name(node.name) if sym is None else None
        if not ((sym is not None and sym.kind == FUNCTION) or (fn is not None and fn.activation)):
            return []
        return [Call(node.name, node.args, o) for o in (node.order - 1, node.order + 1) if 0 <= o <= MAX_PRIMES]
    for new_tree, old, new in variants(tree, change):
        head = _u(new).split("(")[0]
        want = _u(old).split("(")[0]
        tag = "function-not-derivative" if new.order < old.order else "derivative-not-function"
        yield Slip(new_tree, tag, f"You wrote {head}(...) where {want}(...) is needed"
                                  f"{': the chain rule takes the slope of the function' if old.order > new.order else ''}.")


def _factors(tree: Node) -> Iterator[Slip]:
    """A factor dropped, squared, or kept as ½x² (integrated instead of differentiated)."""
    def dropped(node):
        if isinstance(node, Bin) and node.op in _PRODUCTS:
            return [node.right, node.left]
        if isinstance(node, Bin) and node.op == "/":
            return [node.left, Bin("/", Num(1, "1"), node.right)]
        return []
    for new_tree, old, new in variants(tree, dropped):
        gone = old.right if new is old.left else old.left
        yield Slip(new_tree, "missing-factor", f"A factor is missing: the expected answer also has {_u(gone)} "
                                               f"where your answer leaves it out.")

    made: dict[Node, tuple[Node, str]] = {}

    def squared(node):
        out = []
        if isinstance(node, Bin) and node.op in _PRODUCTS + ("/",):
            for side in ("left", "right"):
                factor = getattr(node, side)
                if isinstance(factor, Num) or (isinstance(factor, Bin) and factor.op in _PRODUCTS):
                    continue
                for new, tag in _powers(factor):
                    out.append(dc_replace(node, **{side: new}))
                    made.setdefault(out[-1], (factor, tag))
        return out
    pairs = [(new, tree, tag) for new, tag in _powers(tree)]
    for new_tree, old, new in variants(tree, squared):
        pairs.append((new_tree,) + made[new])
    for new_tree, factor, tag in pairs:
        if tag == "squared":
            yield Slip(new_tree, tag, f"Your answer squares {_u(factor)}, which the expected answer does not "
                                      f"square (a square kept instead of differentiated?).")
        else:
            yield Slip(new_tree, tag, f"Your answer keeps ½({_u(factor)})² where its derivative {_u(factor)} is "
                                      f"needed: differentiate the square.")


def _powers(factor: Node) -> list[tuple[Node, str]]:
    """factor², factor ⊙ factor (for vectors) and ½ of each: a square kept, a cost not differentiated."""
    out = []
    for square in (Bin("^", factor, Num(2, "2")), Bin(".*", factor, factor)):
        out += [(square, "squared"), (Bin("*", Bin("/", _HALF, Num(2, "2")), square), "not-differentiated")]
    return out


def _extra(tree: Node) -> Iterator[Slip]:
    """One factor too many: a quantity of the reference once more, or f next to f' (f'(z)·f(z))."""
    atoms = [Call(n.name, n.args, o) for n in dict.fromkeys(walk(tree)) if isinstance(n, Call)
             for o in (n.order - 1, n.order + 1) if 0 <= o <= MAX_PRIMES]
    atoms += [n for n in dict.fromkeys(walk(tree)) if isinstance(n, (Sym, Idx))]
    for atom in atoms:
        for op in _PRODUCTS:
            yield Slip(Bin(op, tree, atom), "extra-factor", f"Your answer has an extra factor {_u(atom)}: the "
                                                            f"expected answer does not multiply by it.")


def _signs(tree: Node) -> Iterator[Slip]:
    def flips(node):
        if isinstance(node, Bin) and node.op in "+-":
            return [Bin("-" if node.op == "+" else "+", node.left, node.right), node.left, node.right,
                    Neg(node.right)]
        if isinstance(node, Neg):
            return [node.arg]
        if isinstance(node, Bin) and node.op == "^" and isinstance(node.right, Num):
            return [node.left, Bin("^", node.left, Num(node.right.value + 1, str(node.right.value + 1))),
                    Bin("^", node.left, Num(node.right.value - 1, str(node.right.value - 1)))]
        return []
    for new_tree, old, new in variants(tree, flips):
        if isinstance(old, Neg):
            yield Slip(new_tree, "sign", f"A sign is missing: the expected answer has {_u(old)}.")
        elif isinstance(new, Bin) and new.op in "+-":
            yield Slip(new_tree, "sign", f"A sign is wrong: {_u(new)} should be {_u(old)}.")
        elif isinstance(old, Bin) and old.op == "^":
            yield Slip(new_tree, "power", f"The power is wrong: {_u(new)} should be {_u(old)}.")
        else:
            yield Slip(new_tree, "missing-term", f"A term is missing: the expected answer has {_u(old)}, "
                                                 f"not only {_u(new)}.")


def _operations(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    """An operation moved inside or outside a sum or a Hadamard product, a wrong operation, a
    transpose added or dropped."""
    def regroup(node):
        out = []
        if isinstance(node, Bin) and node.op in _PRODUCTS:
            left, right = node.left, node.right
            if isinstance(left, Bin) and left.op in _PRODUCTS:      # (A o2 B) o1 C -> A o2 (B o1 C)
                out.append(Bin(left.op, left.left, Bin(node.op, left.right, right)))
            if isinstance(right, Bin) and right.op in _PRODUCTS:    # A o1 (B o2 C) -> (A o1 B) o2 C
                out.append(Bin(right.op, Bin(node.op, left, right.left), right.right))
            if isinstance(left, Sum):
                out.append(Sum(left.index, Bin(node.op, left.body, right), left.kind))
            if isinstance(right, Sum):
                out.append(Sum(right.index, Bin(node.op, left, right.body), right.kind))
        if isinstance(node, Sum) and isinstance(node.body, Bin) and node.body.op in _PRODUCTS:
            body = node.body
            out += [Bin(body.op, Sum(node.index, body.left, node.kind), body.right),
                    Bin(body.op, body.left, Sum(node.index, body.right, node.kind))]
        return out
    for new_tree, old, new in variants(tree, regroup):
        yield Slip(new_tree, "regrouped", f"An operation is in the wrong place: the expected answer is grouped "
                                          f"as {_u(old)}, not as {_u(new)}.")

    def operation(node):
        if isinstance(node, Bin) and node.op == "*":
            return [Bin("/", node.left, node.right), Bin("/", node.right, node.left), Bin("+", node.left, node.right),
                    Bin(".*", node.left, node.right)]
        if isinstance(node, Bin) and node.op == ".*":
            return [Bin("*", node.left, node.right)]
        if isinstance(node, Bin) and node.op == "/":
            return [Bin("*", node.left, node.right)]
        return []
    for new_tree, old, new in variants(tree, operation):
        names = {"*": "a product", ".*": "an element-wise product ⊙", "/": "a division", "+": "a sum"}
        yield Slip(new_tree, "wrong-operation", f"Your answer has {names[new.op]} where the expected answer has "
                                                f"{names[old.op]}: {_u(old)}.")

    yield from _transposes(tree, table)


def _transposes(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    def change(node):
        if isinstance(node, Transpose):
            return [node.arg]
        sym = table.get(node.name) if isinstance(node, Sym) else None
        return [Transpose(node)] if sym is not None and sym.kind in (MATRIX, VECTOR) else []
    for new_tree, old, new in variants(tree, change):
        yield Slip(new_tree, "transpose", f"A transpose is missing or misplaced: the expected answer has {_u(old)}, "
                                          f"not {_u(new)}.")


def _with_a_derivative_slip(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    """Two slips at once, the commonest pairs: f for f' (or f' for f) with a wrong sign, swapped
    or wrong index letters, a layer off, or a transpose."""
    for first in _derivatives(tree, table):
        seconds = [Slip(Neg(first.tree), "sign", "The sign is wrong too.")]
        for second in chain(seconds, _letters(first.tree, table), _layers(first.tree),
                            _transposes(first.tree, table)):
            yield Slip(second.tree, "two-slips", f"{first.message} {second.message}")


def _sums(tree: Node, table: SymbolTable) -> Iterator[Slip]:
    for letter in sorted(free_indices(tree)):
        if table.index_role(letter) == UNIT:
            yield Slip(Sum(letter, tree), "sum-left-in",
                       f"Your answer adds up over all the units, but the quantity asked for belongs to one unit "
                       f"{letter}: leave out the sum.")


def slips(tree: Node, table: SymbolTable) -> list[Slip]:
    """The reference's slips in a fixed order (the most common kinds first), each tree once, at
    most MAX_REFERENCE_SLIPS of them."""
    out: list[Slip] = []
    seen = {tree}
    looked = 0
    for family in (_layers(tree), _letters(tree, table), _derivatives(tree, table), _sums(tree, table),
                   _names(tree, table),
                   _factors(tree), _operations(tree, table), _signs(tree), _extra(tree),
                   _with_a_derivative_slip(tree, table)):
        for slip in family:
            looked += 1
            if looked > 4 * MAX_REFERENCE_SLIPS:       # a huge reference: its most common slips are tried
                return out
            if slip.tree in seen or not free_indices(slip.tree) <= free_indices(tree):
                continue
            seen.add(slip.tree)
            out.append(slip)
            if len(out) >= MAX_REFERENCE_SLIPS:
                return out
    return out


class _Evaluated:
    """The slips of one part with their values, stacked by shape for one comparison each."""

    def __init__(self, ctx: Context):
        self.by_shape: dict[tuple, tuple[list[Slip], np.ndarray]] = {}
        found: dict[tuple, tuple[list, list]] = {}
        for slip in slips(ctx.reference.tree, ctx.table):
            try:
                with np.errstate(all="ignore"):
                    values = np.asarray(evaluate(slip.tree, ctx.world), dtype=float)
            except (EvalError, ArithmeticError, LookupError, MemoryError, ValueError, TypeError):
                continue        # a slip the part's world cannot evaluate (a name swap of another shape)
            if compare_values(values, ctx.ref_values, ctx.part.tolerance).equal:
                continue        # no slip at all (it changed nothing by value)
            kept, arrays = found.setdefault(values.shape, ([], []))
            kept.append(slip)
            arrays.append(values)
        self.by_shape = {shape: (kept, np.stack(arrays)) for shape, (kept, arrays) in found.items()}

    def match(self, values: np.ndarray, ctx: Context) -> Optional[Slip]:
        entry = self.by_shape.get(values.shape)
        if entry is None:
            return None
        kept, stack = entry
        with np.errstate(all="ignore"):      # a loose first look, then the part's own comparison
            near = np.abs(stack - values) <= 1e-3 * (1 + np.abs(values))
            near |= ~np.isfinite(stack) | ~np.isfinite(values)
            likely = near.reshape(len(kept), -1).all(axis=1)
        for i in np.flatnonzero(likely):
            if compare_values(values, stack[i], ctx.part.tolerance).equal:
                return kept[i]
        return None


_CACHE: dict[int, tuple[Context, _Evaluated]] = {}


def reference_slip(ctx: Context, values: np.ndarray) -> Optional[tuple[str, str]]:
    """(tag, sentence) of the slip whose perturbed reference has the answer's values, if any."""
    entry = _CACHE.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        if len(_CACHE) >= 64:        # parts (or per-student value sets) kept: a few MB of values each at most
            _CACHE.clear()
        entry = _CACHE[id(ctx)] = (ctx, _Evaluated(ctx))
    slip = entry[1].match(np.asarray(values, dtype=float), ctx)
    return (slip.tag, slip.message) if slip is not None else None
