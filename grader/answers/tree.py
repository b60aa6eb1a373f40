"""The parse tree: what the parser builds and everything downstream reads.

Nodes are small frozen dataclasses so a parsed reference can be cached and shared between
threads and processes; evaluation, rendering, repairs and SymPy conversion are plain
functions over them.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Union


@dataclass(frozen=True, slots=True)
class Index:
    """An index expression: a declared index letter plus an offset (`l-1`), or a number."""

    var: Optional[str]
    offset: int = 0

    def __str__(self) -> str:
        if self.var is None:
            return str(self.offset)
        if self.offset == 0:
            return self.var
        return f"{self.var}{'+' if self.offset > 0 else '-'}{abs(self.offset)}"


@dataclass(frozen=True, slots=True)
class Num:
    value: Union[int, Fraction, float]
    text: str


@dataclass(frozen=True, slots=True)
class Const:
    name: str  # "pi" or "e"


@dataclass(frozen=True, slots=True)
class Sym:
    """A declared scalar, vector or matrix; `sup` is its layer superscript, if declared."""

    name: str
    sup: Optional[Index] = None


@dataclass(frozen=True, slots=True)
class Idx:
    """An indexed quantity such as w_(jk)^l: subscripts and the layer superscript."""

    name: str
    subs: tuple[Index, ...]
    sup: Optional[Index] = None


@dataclass(frozen=True, slots=True)
class Neg:
    arg: "Node"


@dataclass(frozen=True, slots=True)
class Bin:
    """A binary operation. op is one of + - * / ^ and `.*` (element-wise product);
    `how` remembers how the student wrote it (`**`, implicit product, `⊙`) for feedback."""

    op: str
    left: "Node"
    right: "Node"
    how: str = ""


@dataclass(frozen=True, slots=True)
class Transpose:
    arg: "Node"


@dataclass(frozen=True, slots=True)
class Call:
    """A function application; `order` counts primes (f'' has order 2)."""

    name: str
    args: tuple["Node", ...]
    order: int = 0


@dataclass(frozen=True, slots=True)
class Sum:
    """sum_k body or prod_k body: the index ranges over the units of a layer."""

    index: str
    body: "Node"
    kind: str = "sum"


@dataclass(frozen=True, slots=True)
class Deriv:
    """The derivative of one network node with respect to another, as the course writes it:
    `dC/dz_j^l`, `∂C/∂z_j^l`, `(partial C)/(partial z_j^l)`, `\\frac{\\partial C}{\\partial z_j^{(l)}}`.
    `of` and `wrt` are `Sym` or `Idx` nodes (a name of the problem's network); `how` remembers
    how it was typed ("d", "partial", "∂", "latex") for feedback. Evaluated in a network world
    (perturb `wrt`, recompute downstream, read `of`), never as a quotient."""
    of: "Node"
    wrt: "Node"
    how: str = ""


Node = Union[Num, Const, Sym, Idx, Neg, Bin, Transpose, Call, Sum, Deriv]


def walk(node: Node):
    """Every node of the tree, parents first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (Neg, Transpose)):
            stack.append(n.arg)
        elif isinstance(n, Bin):
            stack.append(n.right)
            stack.append(n.left)
        elif isinstance(n, Call):
            stack.extend(reversed(n.args))
        elif isinstance(n, Sum):
            stack.append(n.body)
        elif isinstance(n, Deriv):
            stack.append(n.wrt)
            stack.append(n.of)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Neg, Transpose)):
        return (node.arg,)
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Sum):
        return (node.body,)
    if isinstance(node, Deriv):
        return (node.of, node.wrt)
    return ()


def rebuild(node: Node, new_children: tuple) -> Node:
    """The node with new children (in `children` order); a derivative keeps only names as its sides."""
    if isinstance(node, (Neg, Transpose)):
        return type(node)(new_children[0])
    if isinstance(node, Bin):
        return Bin(node.op, new_children[0], new_children[1], node.how)
    if isinstance(node, Call):
        return Call(node.name, tuple(new_children), node.order)
    if isinstance(node, Sum):
        return Sum(node.index, new_children[0], node.kind)
    if isinstance(node, Deriv):      # a slip inside a derivative (swapped indices of w) is repaired in place;
        if all(isinstance(c, (Sym, Idx)) for c in new_children):       # a transpose is no quantity of it
            return Deriv(new_children[0], new_children[1], node.how)
    return node


def replace(tree: Node, change) -> Node:
    """The tree with every node n for which `change(n)` is not None replaced by that (the
    outermost first; a replaced node's own children are left as they are)."""
    new = change(tree)
    if new is not None:
        return new
    kids = children(tree)
    return rebuild(tree, tuple(replace(k, change) for k in kids)) if kids else tree


def free_indices(node: Node) -> frozenset[str]:
    """Index letters used but not bound by an enclosing sum."""
    if isinstance(node, Idx):
        out = {i.var for i in node.subs if i.var}
        if node.sup is not None and node.sup.var:
            out.add(node.sup.var)
        return frozenset(out)
    if isinstance(node, Sym):
        return frozenset({node.sup.var} if node.sup is not None and node.sup.var else ())
    if isinstance(node, Sum):
        return free_indices(node.body) - {node.index}
    out: frozenset[str] = frozenset()
    for c in children(node):
        out |= free_indices(c)
    return out


def names_used(node: Node) -> frozenset[str]:
    """Declared symbols, functions and constants an answer mentions (for required/forbidden)."""
    out = set()
    for n in walk(node):
        if isinstance(n, (Sym, Idx)):
            out.add(n.name)
        elif isinstance(n, Const):
            out.add(n.name)
        elif isinstance(n, Call):
            out.add(n.name)
    return frozenset(out)
