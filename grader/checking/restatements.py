"""Answers that restate the question: `tanh'(z)` for "what is the derivative of tanh?".

The candidates come from the part itself, never from a list: the derivatives (first to
third) of every function the reference uses or the prompt names, applied to every argument
the reference gives a function and to every plain scalar of the problem; and, for
`grader validate`, the names whose definition the problem gives (the left-hand side of the
question, `yhat` where yhat: softmax(a_L)).

A candidate that alone equals the reference shows what the part asks for: the n-th derivative
of F. From then on the rule is by structure, not by value: an answer that uses that derivative
of F anywhere, at any argument, is refused. Trying arguments could never end (tanh'(-z) is
tanh'(z) because tanh' is even; relu'(2z) is relu'(z) for z > 0; tanh'(z) + 0). A derivative
the reference itself uses is never refused: in (a - y) f'(z) the f' is part of the answer, and
f'(z) alone does not equal it anyway. Validate still tries disguises (F'(-z), F'(2z), F'(z)+0,
2F'(z)/2) and reports any graded correct, so an instructor can forbid it or set
`allow_restatement`.

A part can also say what it asks for (`asks: dC/dw_(jk)^l`): no evaluation can tell that
∂C/∂w_jk^(l) is the question rather than an answer when the network makes them equal, so an
answer using an asked-for quantity is refused by the part's word.
"""
from __future__ import annotations

import re

from grader.answers import functions
from grader.model import FUNCTION, INDEXED, SCALAR, Part, SymbolTable
from grader.limits import MAX_PRIMES
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import Bin, Call, Deriv, Idx, Neg, Node, Num, Sym, walk

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def functions_asked_about(part: Part, table: SymbolTable, reference: Node) -> list[str]:
    """Differentiable functions the reference uses or the prompt names, in a stable order."""
    names: list[str] = []

    def add(name: str) -> None:
        if name in names:
            return
        sym = table.get(name)
        if sym is not None and sym.kind == FUNCTION:
            names.append(name)
            if sym.alias is not None:
                add(sym.alias)        # g'(z) and sigma'(z) name the same derivative
            return
        fn = functions.lookup(name)
        if fn is None or not fn.derivatives or fn.name in names:
            return
        names.append(fn.name)
        for other in table.symbols:     # and every declared name for this builtin
            if other.kind == FUNCTION and other.alias is not None and \
                    functions.canonical_name(other.alias) == fn.name:
                add(other.name)

    for node in walk(reference):
        if isinstance(node, Call):
            add(node.name)
    for word in _WORD.findall(part.prompt):
        add(word)
    return names


def derivative_candidates(part: Part, table: SymbolTable, reference: Node) -> list[Call]:
    """f'(x), f''(x), f'''(x) for each function asked about and each argument it could take."""
    args: list[Node] = []
    for node in walk(reference):
        if isinstance(node, Call) and len(node.args) == 1 and node.args[0] not in args:
            args.append(node.args[0])
    for sym in table.symbols:
        if sym.kind == SCALAR and sym.definition is None and Sym(sym.name) not in args:
            args.append(Sym(sym.name))
    used = _derivatives_used(reference)
    out = []
    for name in functions_asked_about(part, table, reference):
        for arg in args:
            for order in range(1, MAX_PRIMES + 1):
                if _key(name, order) not in used:
                    out.append(Call(name, (arg,), order))
    return out


def disguises(candidate: Call) -> list[Node]:
    """What a student could type for F'(x) that the value of F'(x) alone would not catch:
    another argument, or the same derivative dressed up."""
    arg = candidate.args[0]
    two, zero = Num(2, "2"), Num(0, "0")
    return [Call(candidate.name, (Neg(arg),), candidate.order),
            Call(candidate.name, (Bin("*", two, arg),), candidate.order),
            Bin("+", candidate, zero),
            Bin("/", Bin("*", two, candidate), two)]


def _key(name: str, order: int) -> tuple[str, int]:
    return functions.canonical_name(name), order


def _derivatives_used(tree: Node) -> set:
    return {_key(n.name, n.order) for n in walk(tree) if isinstance(n, Call) and n.order}


def defined_names(table: SymbolTable, reference: Node) -> list[Sym]:
    """Plain names the problem defines by an expression (not used by the reference itself)."""
    used = set(walk(reference))
    return [Sym(s.name) for s in table.symbols
            if s.definition is not None and s.kind not in (FUNCTION, INDEXED) and Sym(s.name) not in used]


def contains(tree: Node, candidates: frozenset) -> bool:
    """Whether the tree uses the derivative a candidate restates, at any argument (module
    docstring: by structure, since no list of arguments can be complete)."""
    if not candidates:
        return False
    asked = {_key(c.name, c.order) for c in candidates}
    return bool(asked & _derivatives_used(tree))


def asked_for(part: Part, table: SymbolTable) -> frozenset:
    """The quantities the part says it asks for, as trees (an unreadable one is left out here:
    `grader validate` reports it with its line)."""
    out = set()
    for text in part.asks:
        try:
            out.add(bare(parse(text, table).tree))
        except AnswerSyntaxError:
            continue
    return frozenset(out)


def uses_asked(tree: Node, asked: frozenset) -> bool:
    """Whether the answer uses an asked-for quantity (however its derivative was typed)."""
    return bool(asked) and any(isinstance(n, (Deriv, Sym, Idx)) and bare(n) in asked for n in walk(tree))


def bare(node: Node) -> Node:
    """A quantity as `asks` compares it: a derivative whatever way it was typed."""
    return Deriv(node.of, node.wrt) if isinstance(node, Deriv) else node
