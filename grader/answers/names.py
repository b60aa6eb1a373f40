"""Name resolution: which declared symbol, function, constant or index a name in an answer
is, and when it is none, the message that says what was probably meant. Also `table_for`, the
symbol table of an ad-hoc comparison (`grader compare`).

The one decision that matters most lives in `NameReader.name`: after a name declared as
indexed, `_...` are subscripts and `^...` is the layer index; after anything else `^` is a power.
A mixin of grammar.Parser, split off by what it reads: it uses the parser's token helpers and
hands calls, sums and indices back to the parser.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Optional

from grader.answers import functions
from grader.answers.syntax_error import ColumnError
from grader.answers.tokens import Token
from grader.answers.tree import Const, Node, Sym
from grader.limits import DEFAULT_DOMAIN, POSITIVE_DOMAIN
from grader.model import FUNCTION, INDEXED, SCALAR, Symbol, SymbolTable


@lru_cache(maxsize=2048)
def _close(name: str, pool: tuple[str, ...]) -> list[str]:
    """Did-you-mean candidates (cached: a class repeats its misspellings, and the pool holds
    every built-in function's spellings)."""
    return difflib.get_close_matches(name, pool, n=3, cutoff=0.6)


class NameReader:
    """Reads a name at the parser's position (see the module's docstring)."""

    def simple_sub(self, k: int) -> Optional[tuple[str, int]]:
        """The text of a one-token subscript at offset k after '_' (`_1`, `_L`, `_{L}`), and the
        number of tokens it takes."""
        tok = self.peek(k)
        if tok.kind in ("NAME", "NUM") and not tok.space:
            return tok.text, 1
        if tok.kind == "OP" and tok.text in "({":
            inner, close = self.peek(k + 1), self.peek(k + 2)
            if inner.kind in ("NAME", "NUM") and close.kind == "OP" and close.text in ")}":
                return inner.text, 3
        return None

    def word_here(self) -> str:
        """The name as typed from here (`delta_2`, `delta_{2}`), for a message."""
        parts, k = [], 0
        while True:
            tok = self.peek(k)
            if k and tok.space or not (tok.kind in ("NAME", "NUM") or tok.text in ("_", "{", "}")):
                return "".join(parts)
            parts.append(tok.text)
            k += 1

    def joined_name(self, base: str) -> str:
        """LaTeX `\\Delta W` where the problem declares the single name DeltaW: the name the problem
        made by joining, read joined (typed plain, `Delta W` stays two names: names have no spaces)."""
        nxt = self.peek()
        if nxt.kind != "NAME" or not nxt.glue or self.table.get(base) is not None \
                or functions.lookup(base) is not None:
            return base
        joined = base + nxt.text
        if any(n == joined or n.startswith(joined + "_") for n in self.table.names):
            self.next()
            return joined
        return base

    def compound(self, base: str) -> tuple[str, int]:
        """The longest declared name `base_x_y` starting here (w_1, f_L, g_L, a_L)."""
        name, best = base, (base, 0)
        k = 0
        for _ in range(3):
            if not (self.peek(k).kind == "OP" and self.peek(k).text == "_" and not self.peek(k).space):
                break
            sub = self.simple_sub(k + 1)
            if sub is None:
                break
            name = f"{name}_{sub[0]}"
            k += 1 + sub[1]
            if self.table.get(name) is not None:
                best = (name, k)
        return best

    def name(self) -> Node:
        tok = self.next()
        base = tok.text
        if base in ("sum", "prod") and self.table.get(base) is None:
            return self.sum(tok)
        base = self.joined_name(base)
        primes = self.primes_before_subscript(base)
        if primes:
            return self.call(tok, primes[0], self.table.get(primes[0]), order=primes[1])
        full, extra = self.compound(base)
        self.i += extra
        nxt = self.peek()
        if extra and self.t[self.i - 1].kind == "NUM" and nxt.kind == "NAME" and not nxt.space:
            rest = self.word_here()
            raise ColumnError(f"'{full}' runs into '{rest}': names are never split, so write {full}*{rest} "
                       f"for a product", nxt.pos)
        sym = self.table.get(full)
        if sym is not None and sym.kind == FUNCTION:
            return self.call(tok, full, sym)
        if sym is not None and sym.kind == INDEXED:
            return self.indexed(tok, sym)
        if sym is not None:
            node = Sym(sym.name)
            if sym.superscript:
                if self.at("_") and not self.peek().space:
                    raise ColumnError(_no_subscript(sym.name), self.peek().pos)
                if not self.at("^") or self.peek(1).text == "T":
                    raise ColumnError(f"{sym.name} needs its layer as a superscript, like {sym.name}^(l)", self.peek().pos)
                self.next()
                node = Sym(sym.name, self.index_arg(self.peek(), "superscript"))
            if self.at("_") and not self.peek().space:
                if sym.superscript:
                    raise ColumnError(_no_subscript(sym.name), self.peek().pos)
                sub = self.simple_sub(1)
                shown = f"{full}_{sub[0]}" if sub else f"{full}_"
                raise ColumnError(self.unknown(shown), tok.pos)
            return self.with_transpose(node)
        fn = functions.lookup(base)
        if fn is not None and fn.name == "log" and self.at("_") and not self.peek().space:
            return self.log_base(tok, fn)
        if fn is not None:
            return self.call(tok, fn.name, None, fn)
        if base in ("pi", "e") and self.table.index_role(base) is None:
            self.no_call(tok, base)
            return Const(base)
        if self.role(base) is not None:
            raise ColumnError(f"'{base}' is an index: it can only appear in a subscript or superscript, "
                       f"or after sum_", tok.pos)
        if base in ("oo", "inf", "infty", "infinity", "Infinity"):
            raise ColumnError("Infinity is not a value an answer can have here: write a finite expression", tok.pos)
        if base in ("i", "j", "I", "J"):
            raise ColumnError(f"'{base}' is not a name in this problem; complex numbers (like 1j or i) are outside "
                       f"what the grader checks", tok.pos)
        nxt = self.peek()
        if nxt.kind == "OP" and nxt.text == "(" and not nxt.space:
            raise ColumnError(self.unknown_function(base), tok.pos)
        numbered = sorted(n for n in self.table.names if n.startswith(base + "_"))
        if numbered and nxt.kind == "OP" and nxt.text == "_" and not nxt.space:
            sub = self.simple_sub(1)
            raise ColumnError(f"Unknown name '{base}_{sub[0] if sub else ''}': this problem's names that start "
                              f"with {base}_ are {', '.join(numbered)}", tok.pos)
        raise ColumnError(self.unknown(base), tok.pos)

    def unknown_function(self, name: str) -> str:
        shown = name if len(name) <= 40 else name[:20] + "…"
        declared = [s.name for s in self.table.symbols if s.kind == FUNCTION]
        close = _close(name, tuple(declared + sorted(set(functions.spellings()))))
        if close:
            return f"Unknown function '{shown}': did you mean {' or '.join(close)}?"
        mine = f"this problem's functions: {', '.join(declared)}; " if declared else ""
        return f"Unknown function '{shown}' ({mine}the built-in functions are listed by `grader syntax`)"

    def no_call(self, tok: Token, name: str):
        nxt = self.peek()
        if nxt.kind == "OP" and nxt.text == "(" and not nxt.space:
            raise ColumnError(f"'{name}' is not a function: write {name}*(...) for a product", nxt.pos)

    def unknown(self, name: str) -> str:
        if len(name) > 40:
            return f"Unknown name '{name[:20]}…' ({len(name)} letters long)"
        table = self.table
        if name.startswith("partial") and len(name) > len("partial"):   # what `\partial C` is read as
            rest = name[len("partial"):]
            return (f"∂{rest} on its own is not something the grader reads: a derivative has a top and a bottom, "
                    f"like \\frac{{\\partial {rest}}}{{\\partial z}} in LaTeX or (partial {rest})/(partial z)")
        for s in table.symbols:
            if s.kind == INDEXED and name.startswith(s.name) and len(name) > len(s.name):
                rest = name[len(s.name):]
                if rest and all(c.isalnum() for c in rest):
                    sub = rest if len(rest) == 1 else f"({rest})"
                    return f"Unknown name '{name}': did you mean {s.name}_{sub}?"
        parts = [s.name for s in table.symbols if s.kind != FUNCTION and len(s.name) < len(name)
                 and name.startswith(s.name)]
        if parts:
            first = max(parts, key=len)
            rest = name[len(first):]
            if table.get(rest) is not None or rest in ("e", "pi"):
                return (f"Unknown name '{name}': names are never split into letters; "
                        f"write {first}*{rest} for a product")
        pool = list(table.names) + functions.spellings() + ["pi", "e"]
        close = _close(name, tuple(pool))
        if close:
            return f"Unknown name '{name}': did you mean {' or '.join(close)}?"
        known = ", ".join(sorted(n for n in table.names)) or "none"
        return f"Unknown name '{name}' (this problem's names: {known})"

    def primes_before_subscript(self, base: str) -> Optional[tuple[str, int]]:
        """`g'_L(z)`, as the course prints g_L'(z): the declared function and the number of primes
        (consumed), or None."""
        k = 0
        while self.peek(k).kind == "OP" and self.peek(k).text == "'":
            k += 1
        if not k or not (self.peek(k).kind == "OP" and self.peek(k).text == "_"):
            return None
        self.i += k
        full, extra = self.compound(base)
        sym = self.table.get(full)
        if extra and sym is not None and sym.kind == FUNCTION:
            self.i += extra
            return full, k
        self.i -= k
        return None


def _no_subscript(name: str) -> str:
    return (f"{name} takes no subscript in this problem, only its layer as a superscript, like {name}^(l): "
            f"it stands for the whole vector, not one of its entries")


def table_for(names=(), positive=(), indexed=(), functions=(), indices=()) -> SymbolTable:
    """A symbol table for ad-hoc comparison: every listed name a real symbol."""
    symbols = []
    for n in names:
        symbols.append(Symbol(n, SCALAR, domain=POSITIVE_DOMAIN if n in positive else DEFAULT_DOMAIN))
    for spec in indexed:
        symbols.append(spec)
    for f in functions:
        symbols.append(Symbol(f, FUNCTION))
    return SymbolTable(tuple(symbols), tuple(indices))
