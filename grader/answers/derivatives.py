"""Reading derivatives as the course writes them: `dC/dz_j^l`, `∂C/∂w_(jk)^l`,
`(partial C)/(partial z_j^l)`, `da_j^l/dz_j^l`, and from LaTeX `\\frac{\\partial C}{\\partial z_j^{(l)}}`
(which the LaTeX reader turns into `((partialC)/(partialz_j^{(l)}))`; a pasted `∂` is `partial`).

A derivative is read only between names of the problem: `d` (or `partial`) followed by a
declared name, `/`, and `d` followed by another. The problem's names decide everything else:
a declared name that merely starts with d or partial (`delta`, sgd's `partialC`) is that name;
`d*C`, or `d C` in a problem that declares `d`, keep their meaning as products; `dC/dz` in a
problem that declares `d` has two readings, and the student is asked to choose rather than
guessed for. A derivative binds like a bracketed quotient: `dC/dz_j^l * a_k^(l-1)` is a
product with the derivative.

A mixin of grammar.Parser, split off by what it reads: it uses the parser's token helpers and
NameReader.name to read the names themselves (their indices, their messages).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional

from grader.answers.syntax_error import ColumnError
from grader.answers.tokens import Token
from grader.answers.tree import Deriv, Idx, Node, Sym
from grader.model import FUNCTION, Symbol

PREFIXES = ("partial", "d")
_CLOSE = {"(": ")", "{": "}"}


@dataclass(frozen=True)
class _Side:
    """One differential as typed: `dC`, `d C`, `partialz_j^l`, `(partial C)`."""

    prefix: str
    head: Token                 # the token holding the prefix
    name_at: int                # token index of the name (the head itself when glued)
    rest: str                   # the name as typed after the prefix ('' for a bare d)
    rest_pos: int
    sym: Optional[Symbol]       # the declared name it starts (with w_1-style compounds)
    bracket: Optional[Token]    # the '(' it is wrapped in


class DerivativeReader:
    """Reads a derivative at the parser's position (see the module's docstring)."""

    curly: frozenset = frozenset()      # columns of `partial` that were typed as ∂
    from_tex: bool = False              # the answer was LaTeX

    def prefix_declared(self, prefix: str) -> bool:
        return self.table.get(prefix) is not None or self.table.index_role(prefix) is not None

    def side(self) -> Optional[_Side]:
        """The differential starting at the parser's position, without consuming it, or None."""
        k, bracket = 0, None
        tok = self.peek()
        if tok.kind == "OP" and tok.text in _CLOSE:
            k, bracket = 1, tok
            tok = self.peek(1)
        if tok.kind != "NAME":
            return None
        prefix = next((p for p in PREFIXES if tok.text.startswith(p)), None)
        if prefix is None:
            return None
        at = self.i + k
        if tok.text == prefix:
            if self.prefix_declared(prefix):
                return None                 # `d C`: a product with the problem's d, as always
            nxt = self.peek(k + 1)
            if nxt.kind != "NAME":
                return _Side(prefix, tok, at, "", tok.pos, None, bracket)
            return _Side(prefix, tok, at + 1, nxt.text, nxt.pos, self.declared(nxt.text, at + 2), bracket)
        if self.declared(tok.text, at + 1) is not None:
            return None                     # a declared name: delta, partialC, partialw_1
        rest = tok.text[len(prefix):]
        return _Side(prefix, tok, at, rest, tok.pos + len(prefix), self.declared(rest, at + 1), bracket)

    def declared(self, text: str, after: int) -> Optional[Symbol]:
        """The declared symbol a name typed as `text` (at the token before index `after`) is,
        taking `_1` compounds into account (`w_1`)."""
        saved, self.i = self.i, after
        try:
            full, _ = self.compound(text)
        finally:
            self.i = saved
        return self.table.get(full)

    def derivative(self) -> Optional[Node]:
        """The derivative starting here, consumed; None (nothing consumed) when there is none."""
        start = self.i
        top = self.side()
        if top is None:
            return None
        if not top.rest:
            self.bare(top)
            return None
        if top.sym is None or top.sym.kind == FUNCTION:
            self.not_a_node_on_top(top)
            return None
        of = self.read_side(top)
        if of is None or not self.at("/"):
            self.i = start
            return None
        self.next()
        bottom = self.side()
        if bottom is None:
            self.i = start
            return None
        if not bottom.rest:
            p = self.typed(bottom)
            raise ColumnError(f"Write what the derivative is taken with respect to after {p}, like {p}C/{p}z_j^l",
                              bottom.head.pos)
        if bottom.sym is None:
            raise ColumnError(self.not_a_name(bottom), bottom.rest_pos)
        if bottom.sym.kind == FUNCTION:
            raise ColumnError(self.a_function(bottom), bottom.rest_pos)
        wrt = self.read_side(bottom)
        if wrt is None:
            raise ColumnError(f"This '{bottom.bracket.text}' should close right after the name the derivative "
                              f"is taken with respect to", bottom.bracket.pos)
        if self.at("^", "**") and not self.peek().space:
            raise ColumnError("A power of a derivative needs brackets, like (dC/dz)^2 (second derivatives are "
                              "not read)", self.peek().pos)
        if self.prefix_declared(top.prefix) or self.prefix_declared(bottom.prefix):
            raise ColumnError(self.two_readings(top, of, wrt), top.head.pos)
        how = "latex" if self.from_tex else ("∂" if top.head.pos in self.curly else top.prefix)
        return Deriv(of, wrt, how)

    def read_side(self, side: _Side) -> Optional[Node]:
        """The name of a differential, read with the names' own rules (indices, messages), and its
        closing bracket; None when a bracket holds more than the differential."""
        token = self.t[side.name_at]
        if token is side.head:          # glued: read the name after the prefix as its own token
            self.t[side.name_at] = Token("NAME", side.rest, side.rest_pos, False)
        self.i = side.name_at
        try:
            node = self.name()
        finally:
            self.t[side.name_at] = token
        if not isinstance(node, (Sym, Idx)):
            raise ColumnError("A derivative is taken of and with respect to a quantity, not its transpose",
                              side.rest_pos)
        if side.bracket is not None:
            if not self.at(_CLOSE[side.bracket.text]):
                return None
            self.next()
        return node

    def bare(self, top: _Side) -> None:
        """`d/dz` and `d(3)/dz`: a d with no name after it, where a derivative was meant."""
        after = 1 + (1 if top.bracket else 0)
        nxt = self.peek(after)
        if nxt.kind == "OP" and nxt.text == "/" and self.side_at(after + 1):
            p = self.typed(top)
            raise ColumnError(f"Nothing follows the first {p} of this derivative: write the name that is "
                              f"differentiated after it, like {p}C/{p}z_j^l", top.head.pos)
        if nxt.kind == "OP" and nxt.text == "(" and not nxt.space:
            close = self.matching(self.i + after)
            if close is not None and self.t[close + 1].kind == "OP" and self.t[close + 1].text == "/" \
                    and self.side_at(close + 2 - self.i):
                p = self.typed(top)
                raise ColumnError(f"Only a name of the problem can be differentiated, like {p}C/{p}z_j^l: "
                                  f"{p}(...) is not read as a derivative", top.head.pos)

    def side_at(self, k: int) -> bool:
        """Whether a differential with a name starts k tokens ahead."""
        saved, self.i = self.i, self.i + k
        try:
            found = self.side()
        finally:
            self.i = saved
        return found is not None and bool(found.rest)

    def matching(self, at: int) -> Optional[int]:
        """The token index of the bracket closing the one at token index `at`, or None."""
        depth = 0
        for k in range(at, len(self.t) - 1):
            tok = self.t[k]
            if tok.kind == "OP" and tok.text in ("(", "[", "{"):
                depth += 1
            elif tok.kind == "OP" and tok.text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return k
        return None

    def not_a_node_on_top(self, top: _Side) -> None:
        """`dq/dz`, `df/dz`: a derivative was clearly meant (a differential of a name follows the
        '/'), but what is differentiated is no quantity of the problem."""
        after = top.name_at - self.i + 1 + (1 if top.bracket else 0)
        nxt = self.peek(after)
        single = len(top.rest) == 1 or top.prefix == "partial" or top.name_at != self.i + (1 if top.bracket else 0)
        if not (single and nxt.kind == "OP" and nxt.text == "/" and self.side_at(after + 1)):
            return
        if top.sym is not None:
            raise ColumnError(self.a_function(top), top.rest_pos)
        raise ColumnError(self.not_a_name(top), top.rest_pos)

    def typed(self, side: _Side) -> str:
        """The prefix as the student typed it: d, partial or ∂."""
        return "∂" if side.head.pos in self.curly else side.prefix

    def not_a_name(self, side: _Side) -> str:
        names = [s.name for s in self.table.symbols if s.kind != FUNCTION]
        close = difflib.get_close_matches(side.rest, names, n=1, cutoff=0.6)
        p = self.typed(side)
        hint = f": did you mean {p}{close[0]}?" if close else f" (this problem's names: {', '.join(names) or 'none'})"
        if self.table.get(side.prefix + side.rest) is not None:
            hint = f": this problem's name {side.prefix}{side.rest} is written as one word"
        return f"'{side.rest}' after {p} is not a name of this problem, so this is not a derivative " \
               f"the grader can read{hint}"

    def a_function(self, side: _Side) -> str:
        return f"'{side.rest}' is a function, not a quantity a derivative is taken of or with respect to: " \
               f"the derivative of {side.rest} is written {side.rest}'(...)"

    def two_readings(self, top: _Side, of: Node, wrt: Node) -> str:
        from grader.answers.render import render
        p = top.prefix
        return (f"This has two readings in this problem, which has a name {p}: the derivative "
                f"{render(Deriv(of, wrt), 'unicode')}, or a product with {p}. Write (partial {render(of, 'ascii')})/"
                f"(partial {render(wrt, 'ascii')}) for the derivative, or {p}*{render(of, 'ascii')} for a product")
