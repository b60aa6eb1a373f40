"""Reading subscripts and superscripts: the part of the parser that decides, after a name
declared as indexed, which index letters are meant (`w_(kj)^(l+1)`, `w_kj^l`, `delta^l_j`,
`W^{(l)T}`), and refuses a letter that is no index of the problem.

A mixin of grammar.Parser, split off by what it reads: it uses the parser's token helpers
(`peek`, `next`, `at`, `unexpected`) and its symbol table.
"""
from __future__ import annotations

import re
from typing import Optional

from grader.answers.syntax_error import ColumnError
from grader.answers.tokens import Token
from grader.answers.tree import Idx, Index, Node, Transpose
from grader.model import Symbol


class IndexReader:
    """Reads the indices after an indexed name (see the module's docstring)."""

    def indexed(self, tok: Token, sym: Symbol) -> Node:
        self._current = sym.name
        letters = [l for l, role in self.table.indices if role == "unit"][: sym.subscripts] or ["j", "k"]
        subs_text = "".join(letters[: sym.subscripts])
        example = sym.name + (("_" + subs_text if sym.subscripts == 1 else f"_({subs_text})") if sym.subscripts else "") \
            + ("^l" if sym.superscript else "")
        subs: list[Index] = []
        sup = None
        hat = self.peek().pos if self.at("^") else tok.pos
        if sym.superscript and sym.subscripts and self.at("^") and not self.transpose_follows():
            self.next()        # delta^l_j: the layer first, then the subscripts
            sup = self.index_arg(self.peek(), "superscript")
        if sym.subscripts:
            if not self.at("_"):
                raise ColumnError(f"{sym.name} needs {sym.subscripts} subscript{'s' if sym.subscripts > 1 else ''}, "
                           f"like {example}", hat)
            self.next()
            subs = self.index_list(self.peek(), sym, example)
        elif self.at("_"):
            raise ColumnError(f"{sym.name} takes no subscript here", self.peek().pos)
        if sym.superscript and sup is None:
            if not self.at("^"):
                raise ColumnError(f"{sym.name} needs its layer as a superscript, like {example}", self.peek().pos)
            self.next()
            sup = self.index_arg(self.peek(), "superscript")
        return self.with_transpose(Idx(sym.name, tuple(subs), sup))

    def transpose_inside(self, close: str) -> bool:
        nxt, after = self.peek(), self.peek(1)
        return nxt.kind == "NAME" and nxt.text == "T" and after.kind == "OP" and after.text == close \
            and self.table.get("T") is None and self.table.index_role("T") is None

    def with_transpose(self, node: Node) -> Node:
        """W^{(l)T} is the transpose of W^(l); for an entry, W_{kj}^{(l)T} is (W^T)_kj = W_jk."""
        if not self.transposed:
            return node
        self.transposed = False
        if isinstance(node, Idx):
            return Idx(node.name, node.subs[1::-1] + node.subs[2:], node.sup) if len(node.subs) >= 2 else node
        return Transpose(node)

    def transpose_follows(self) -> bool:
        nxt = self.peek(1)
        return nxt.kind == "NAME" and nxt.text == "T" and self.table.index_role("T") is None

    def index_list(self, first: Token, sym: Symbol, example: str) -> list[Index]:
        n = sym.subscripts
        if first.kind == "OP" and first.text in "({":
            self.next()
            close = ")" if first.text == "(" else "}"
            items: list[Index] = []
            while True:
                tok = self.peek()
                if tok.kind == "NAME" and not self.index_follows_op():
                    self.next()
                    items.extend(self.split_letters(tok, n if not items else 1, example))
                else:
                    items.append(self.index_expr())
                if self.at(","):
                    self.next()
                    continue
                if self.at(close):
                    self.next()
                    break
                if self.peek().kind in ("NAME", "NUM"):
                    continue
                if not any(t.kind == "OP" and t.text == close for t in self.t[self.i:]):
                    raise ColumnError(f"This '{first.text}' is never closed", first.pos)
                self.unexpected()
        elif first.kind == "NAME":
            self.next()
            items = self.split_letters(first, n, example)
        elif first.kind == "NUM" and re.fullmatch(r"\d+", first.text):
            self.next()
            items = [Index(None, int(first.text))] if n == 1 else [Index(None, int(c)) for c in first.text]
        else:
            raise ColumnError(f"Write the subscripts of {sym.name} like {example}", first.pos)
        if len(items) != n:
            raise ColumnError(f"{sym.name} needs {n} subscript{'s' if n > 1 else ''}, like {example}; "
                       f"this has {len(items)}", first.pos)
        return items

    def index_follows_op(self) -> bool:
        nxt = self.peek(1)
        return nxt.kind == "OP" and nxt.text in "+-"

    def split_letters(self, tok: Token, n: int, example: str) -> list[Index]:
        text = tok.text
        if self.role(text) is not None:
            return [Index(text)]
        if n > 1 and len(text) == n and all(self.role(c) is not None for c in text):
            return [Index(c) for c in text]
        letters = [c for c in text if self.role(c) is None]
        if not letters:
            raise ColumnError(f"{self.table.get(self._current).name if self._current else 'This name'} needs {n} "
                       f"subscript{'s' if n > 1 else ''}, like {example}; this has {len(text)}", tok.pos)
        bad = letters[0]
        raise ColumnError(f"'{bad}' is not an index letter of this problem (indices: "
                   f"{', '.join(l for l, _ in self.table.indices)})", tok.pos)

    def index_arg(self, tok: Token, what: str) -> Index:
        """One index after `^` or in a one-index subscript: `l`, `(l-1)`, `{l+1}`, `2`."""
        if tok.kind == "OP" and tok.text in "({":
            self.next()
            inner = self.peek()
            if inner.kind == "OP" and inner.text in "({" and inner.text != tok.text:
                idx = self.index_arg(inner, what)       # ^{(l)}: the course's layer in brackets, in braces
            else:
                idx = self.index_expr()
            close = ")" if tok.text == "(" else "}"
            if tok.text == "{" and what == "superscript" and self.transpose_inside(close):
                self.next()                             # ^{(l)T}: the layer and a transpose in one superscript
                self.transposed = True
            if not self.at(close):
                if not any(t.kind == "OP" and t.text == close for t in self.t[self.i:]):
                    raise ColumnError(f"This '{tok.text}' is never closed", tok.pos)
                raise ColumnError(f"A {what} index is a letter, possibly with +1 or -1, like (l-1)", self.peek().pos)
            self.next()
            return idx
        if tok.kind == "NAME":
            joined = self.joined_index()
            if joined is not None:
                return Index(joined)
            self.next()
            if self.role(tok.text) is None:
                raise ColumnError(f"'{tok.text}' is not an index of this problem: a {what} here is a layer index "
                           f"like l, l-1 or L (to raise to a power, put the quantity in brackets first)", tok.pos)
            return Index(tok.text)
        if tok.kind == "NUM" and re.fullmatch(r"\d+", tok.text):
            self.next()
            return Index(None, int(tok.text))
        if tok.kind == "OP" and tok.text == "-":
            raise ColumnError(f"A {what} index cannot be negative; write it in brackets like (l-1)", tok.pos)
        raise ColumnError(f"Write the {what} index here, like l or (l-1)", tok.pos)

    def joined_index(self) -> Optional[str]:
        """`n_l` where the problem declares the index `nl` (the course prints n_l, n_{l}): the
        declared index, with its tokens consumed, or None."""
        tok, bar = self.peek(), self.peek(1)
        if tok.kind != "NAME" or not (bar.kind == "OP" and bar.text == "_" and not bar.space):
            return None
        sub = self.simple_sub(2)
        if sub is None or self.role(tok.text + sub[0]) is None:
            return None
        self.i += 2 + sub[1]
        return tok.text + sub[0]

    def index_expr(self) -> Index:
        tok = self.peek()
        if tok.kind == "NUM" and re.fullmatch(r"\d+", tok.text):
            self.next()
            return Index(None, int(tok.text))
        joined = self.joined_index()
        if joined is not None:
            tok = Token("NAME", joined, tok.pos, tok.space)
        elif tok.kind != "NAME" or self.role(tok.text) is None:
            raise ColumnError(f"'{tok.text or 'nothing'}' is not an index of this problem", tok.pos)
        else:
            self.next()
        offset = 0
        while self.at("+", "-"):
            sign = 1 if self.next().text == "+" else -1
            num = self.peek()
            if num.kind != "NUM" or not re.fullmatch(r"\d{1,3}", num.text):
                raise ColumnError("An index can only be shifted by a whole number, like l-1", num.pos)
            self.next()
            offset += sign * int(num.text)
        return Index(tok.text, offset)
