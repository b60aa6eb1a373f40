"""The recursive-descent grammar of answers: tokens -> tree, node by node.

Sums, products, powers, brackets, |bars|, calls, derivatives (`f'`), function powers
(`tanh^2(z)`) and logarithms with a base are read here; names, indices and derivatives in ∂
notation are read by the mixins (names.NameReader, indices.IndexReader,
derivatives.DerivativeReader). Nesting and sum depth are counted while
reading, so a too-deep answer is refused before it can exhaust the stack.
"""
from __future__ import annotations

import re
from typing import Optional

from grader.answers import functions
from grader.answers.derivatives import DerivativeReader
from grader.answers.indices import IndexReader
from grader.answers.names import NameReader
from grader.answers.syntax_error import ColumnError
from grader.answers.tokens import Token
from grader.answers.tree import Bin, Call, Neg, Node, Num, Sum, Sym, Transpose
from grader.errors import TOO_COMPLEX
from grader.limits import MAX_ANSWER_DEPTH, MAX_DIGITS, MAX_POWER_OF_TEN, MAX_PRIMES, MAX_SUM_NESTING
from grader.model import SCALAR, Symbol, SymbolTable


class Parser(DerivativeReader, NameReader, IndexReader):
    """One answer's tokens, read once from the left; `expr()` returns the tree."""

    def __init__(self, tokens: list[Token], table: SymbolTable):
        self.t = tokens
        self.last = len(tokens) - 1
        self.i = 0
        self.table = table
        self.depth = 0
        self.sums = 0
        self.bound: list[str] = []
        self._current: Optional[str] = None   # the indexed name whose subscripts are being read
        self.bars = 0                          # open |...| (inside one, a '|' closes it)
        self.transposed = False                # a superscript just read ended in T (W^{(l)T})

    def role(self, name: str) -> Optional[str]:
        if name in self.bound:
            return "unit"
        return self.table.index_role(name)

    # token helpers
    def peek(self, k: int = 0) -> Token:
        i = self.i + k
        return self.t[i] if i < self.last else self.t[-1]

    def next(self) -> Token:
        tok = self.t[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok.kind == "OP" and tok.text in texts

    def unexpected(self):
        tok = self.peek()
        if tok.text == "," and self.i > 0 and self.t[self.i - 1].kind == "NUM" and self.peek(1).kind == "NUM" \
                and not tok.space and not self.peek(1).space:
            number = f"{self.t[self.i - 1].text}.{self.peek(1).text}"
            raise ColumnError(f"Use a decimal point: {number}", tok.pos)
        if tok.kind == "END":
            raise ColumnError("The answer ends too early: something is missing at the end", tok.pos)
        if tok.text in ")}]":
            raise ColumnError(f"This '{tok.text}' has no matching opening bracket", tok.pos)
        if tok.text in "*/^,**":
            raise ColumnError(f"'{tok.text}' is missing something on its left", tok.pos)
        if tok.text == "'" and self.i > 0 and self.t[self.i - 1].text == ")":
            raise ColumnError(f"A prime after the bracket is not read: put it on the function, before the "
                              f"bracket, as in {self.called_before(self.i - 1) or 'f'}'(z)", tok.pos)
        raise ColumnError(f"Unexpected '{tok.text}'", tok.pos)

    def called_before(self, close: int) -> str:
        """The name in front of the bracket that closes at token `close` (sigma in sigma(z)), or ''."""
        depth = 0
        for k in range(close, -1, -1):
            depth += {")": 1, "(": -1}.get(self.t[k].text, 0) if self.t[k].kind == "OP" else 0
            if depth == 0:
                return self.t[k - 1].text if k and self.t[k - 1].kind == "NAME" else ""
        return ""

    def enter(self, pos: int):
        self.depth += 1
        if self.depth > MAX_ANSWER_DEPTH:
            raise ColumnError(f"{TOO_COMPLEX}: it is nested too deeply", pos, True)

    # grammar
    def expr(self) -> Node:
        self.enter(self.peek().pos)
        left = self.term()
        while self.at("+", "-"):
            op = self.next().text
            left = Bin(op, left, self.term())
        self.depth -= 1
        return left

    def starts_atom(self, tok: Token) -> bool:
        return tok.kind in ("NUM", "NAME") or (tok.kind == "OP" and (tok.text in "({[" or
                                                                      (tok.text == "|" and not self.bars)))

    def term(self) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok.kind == "OP" and tok.text in ("*", "/", ".*"):
                self.next()
                if self.at("*", "/", ".*", ")", "}", "]") or self.peek().kind == "END":
                    self.unexpected()
                right = self.unary()
                left = Bin("/" if tok.text == "/" else ("*" if tok.text == "*" else ".*"), left, right)
            elif self.starts_atom(tok):
                if tok.kind == "NUM":
                    raise ColumnError(f"Write '*' before the number {tok.text} if you mean a product", tok.pos)
                left = Bin("*", left, self.unary(), "implicit")
            else:
                return left

    def unary(self) -> Node:
        if self.at("-"):
            self.next()
            if self.at("-", "+"):
                self.unexpected()
            return Neg(self.unary())
        if self.at("+"):
            self.next()
            if self.at("-", "+"):
                self.unexpected()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        while self.at("!") and not self.peek().space:
            self.next()
            base = Call("factorial", (base,))
        return self.power_tail(base)

    def power_tail(self, base: Node) -> Node:
        while self.at("^", "**"):
            op = self.next()
            nxt = self.peek()
            if nxt.kind == "NAME" and nxt.text == "T" and self.table.get("T") is None \
                    and self.table.index_role("T") is None:
                self.next()
                base = Transpose(base)
                continue
            if nxt.kind == "OP" and nxt.text in "({" and self.peek(1).text == "T" and self.peek(1).kind == "NAME" \
                    and self.peek(2).text == {"(": ")", "{": "}"}[nxt.text] and self.table.get("T") is None \
                    and self.table.index_role("T") is None:
                self.i += 3
                base = Transpose(base)
                continue
            exponent = self.exponent()
            return Bin("^", base, exponent, "**" if op.text == "**" else "")
        return base

    def exponent(self) -> Node:
        if self.at("-"):
            self.next()
            return Neg(self.exponent())
        if self.at("+"):
            self.next()
            return self.exponent()
        if self.peek().kind == "END" or self.at(")", "}", "]", "*", "/", "^", "**"):
            self.unexpected()
        return self.power()

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "NAME" or (tok.kind == "OP" and tok.text in "({"):
            node = self.derivative()
            if node is not None:
                return node
        if tok.kind == "NUM":
            self.next()
            return self.number(tok)
        if tok.kind == "NAME":
            return self.name()
        if tok.kind == "OP" and tok.text in "({[":
            return self.group()
        if tok.kind == "OP" and tok.text == "|" and not self.bars:
            return self.bars_abs()
        self.unexpected()

    def bars_abs(self) -> Node:
        """|x| is abs(x). Bars do not nest (|a|b|c| has two readings): inside one, '|' closes it."""
        open_tok = self.next()
        if self.at("|"):
            raise ColumnError("Empty bars: write the value between | and |", self.peek().pos)
        self.bars += 1
        inner = self.expr()
        self.bars -= 1
        if not self.at("|"):
            if self.peek().kind == "END":
                raise ColumnError("This '|' is never closed", open_tok.pos)
            self.unexpected()
        self.next()
        return Call("abs", (inner,))

    def group(self) -> Node:
        open_tok = self.next()
        close = {"(": ")", "{": "}", "[": "]"}[open_tok.text]
        if self.at(")", "}", "]"):
            raise ColumnError("Empty brackets", self.peek().pos)
        inner = self.expr()
        tok = self.peek()
        if tok.kind == "OP" and tok.text in ")}]":
            if tok.text != close:
                raise ColumnError(f"This '{open_tok.text}' is closed by '{tok.text}'", open_tok.pos)
            self.next()
            return inner
        if tok.kind == "END":
            raise ColumnError(f"This '{open_tok.text}' is never closed", open_tok.pos)
        self.unexpected()

    def number(self, tok: Token) -> Node:
        text = tok.text
        digits = sum(c.isdigit() for c in text.split("e")[0].split("E")[0])
        if digits > MAX_DIGITS:
            raise ColumnError(f"{TOO_COMPLEX}. This number is too long to check ({digits} digits)", tok.pos, True)
        if re.fullmatch(r"\d+", text):
            return Num(int(text), text)
        mant, _, exp = text.lower().partition("e")
        if exp and abs(int(exp)) > MAX_POWER_OF_TEN:
            raise ColumnError(f"{TOO_COMPLEX}. This number is too large or too small to check", tok.pos, True)
        return Num(float(text), text)

    def call(self, tok: Token, name: str, sym: Optional[Symbol], fn: Optional[functions.Function] = None,
             order: int = 0) -> Node:
        while self.at("'"):
            self.next()
            order += 1
        if order > MAX_PRIMES:
            raise ColumnError("At most three primes are allowed", tok.pos)
        display = name if sym is not None else tok.text
        if sym is None and order > len(fn.derivatives):
            raise ColumnError(f"The derivative {display}' is not available here", tok.pos)
        if order and sym is not None and sym.arguments > 1:
            raise ColumnError(f"{display} takes {sym.arguments} arguments, so it has no derivative {display}' here",
                              tok.pos)
        power = self.function_power(display) if self.at("^", "**") else None
        if not self.at("("):
            nxt = self.peek()
            if nxt.kind == "OP" and nxt.text in "[{":
                raise ColumnError(f"Use round brackets for {display}(...)", nxt.pos)
            bare = None if order else self.bare_argument()
            if bare is None:
                shown = display + "'" * order + ("" if power is None else f"^{power.text}")
                raise ColumnError(f"'{display}' is a function: write {shown}(...) with its argument in brackets",
                                  nxt.pos if nxt.kind != "END" else tok.pos)
            if not (fn.takes(1) if sym is None else sym.arguments == 1):
                raise ColumnError(f"{display}(...) takes {self.arity(fn, sym)}: write them in brackets", nxt.pos)
            node = Call(name, (bare,), 0)
            return node if power is None else Bin("^", node, power)
        open_tok = self.next()
        if self.at(")"):
            raise ColumnError(f"{display}() needs an argument inside the brackets", self.peek().pos)
        args = [self.expr()]
        while self.at(","):
            self.next()
            if self.at(")") or self.peek().kind == "END":
                raise ColumnError("An argument is missing after ','", self.peek().pos)
            args.append(self.expr())
        if not self.at(")"):
            if self.peek().kind == "END":
                raise ColumnError("This '(' is never closed", open_tok.pos)
            self.unexpected()
        self.next()
        if not (fn.takes(len(args)) if sym is None else len(args) == sym.arguments):
            comma = self.decimal_comma(args)
            raise ColumnError(f"{display}(...) takes {self.arity(fn, sym)}, not {len(args)}{comma}", open_tok.pos)
        if order and len(args) > 1:
            raise ColumnError(f"The derivative {display}' takes one argument", open_tok.pos)
        node = Call(name, tuple(args), order)
        return node if power is None else Bin("^", node, power)

    def bare_argument(self) -> Optional[Node]:
        """`sin 5n`, `tanh z_j^l`, `log^2 2n`: a function before a space and ONE term (a number,
        a name with its indices and power, or a number directly followed by one) reads as the
        function of that term, as in written mathematics. Only where nothing else can follow
        the term: an end, `+ - ) , |` or another function (`sin x cos x`). Anything else
        (`sin x y`, `sin 2 x`, `sin x/2`, `sin x(1+x)`) has two readings: None, and the caller
        asks for brackets."""
        start, first = self.i, self.peek()
        if not first.space or first.kind not in ("NUM", "NAME"):
            return None
        node = None
        if first.kind == "NUM":
            node = self.number(self.next())
        nxt = self.peek()
        if nxt.kind == "NAME" and (node is None or not nxt.space):
            if self.is_function(nxt.text):
                self.i = start
                return None
            name = self.power_tail(self.name())
            node = name if node is None else Bin("*", node, name, "implicit")
        end = self.peek()
        if end.kind == "END" or (end.kind == "OP" and end.text in "+-)]},|") or \
                (end.kind == "NAME" and end.space and self.is_function(end.text)):
            return node
        self.i = start
        return None

    @staticmethod
    def arity(fn: Optional[functions.Function], sym: Optional[Symbol]) -> str:
        if sym is None:
            return fn.arity_text()
        return f"{sym.arguments} argument{'s' if sym.arguments > 1 else ''}"

    def is_function(self, text: str) -> bool:
        sym = self.table.get(text)
        if sym is not None:
            return sym.kind == "function"
        return functions.lookup(text) is not None or text in ("sum", "prod")

    def decimal_comma(self, args: list) -> str:
        """`sigma(0,5)`: two whole numbers where one is expected is a decimal comma."""
        if len(args) == 2 and all(isinstance(a, Num) and isinstance(a.value, int) for a in args):
            return f" (for a decimal number use a decimal point: {args[0].text}.{args[1].text})"
        return ""

    def function_power(self, display: str) -> Node:
        """`tanh^2(z)`, `tanh²(z)`: the course's way of writing (tanh(z))^2."""
        hat = self.next()
        tok, k = self.peek(), 0
        if tok.kind == "OP" and tok.text in "({":
            tok, k = self.peek(1), 1
        close = self.peek(k + 1)
        if tok.kind == "OP" and tok.text == "-":
            raise ColumnError(f"{display}^(-1) would be an inverse function: write 1/{display}(...) for a reciprocal, "
                       f"or the inverse by its name (like atanh)", tok.pos)
        if tok.kind != "NUM" or not re.fullmatch(r"[1-9]", tok.text) or \
                (k and not (close.kind == "OP" and close.text == {"(": ")", "{": "}"}[self.peek().text])):
            raise ColumnError(f"A power of {display} is written {display}^2(x) or ({display}(x))^2", hat.pos)
        self.i += 1 + 2 * k
        if not self.at("(") and not (self.peek().space and self.peek().kind in ("NUM", "NAME")):
            raise ColumnError(f"'{display}' is a function: write {display}^{tok.text}(...) with its argument in brackets",
                       self.peek().pos)
        return Num(int(tok.text), tok.text)

    def log_base(self, tok: Token, fn: functions.Function) -> Node:
        """log_2(x), log_10(x), log_b(x): a logarithm with a base (log_e is ln)."""
        sub = self.simple_sub(1)
        if sub is None:
            raise ColumnError("Write the base of the logarithm like log_2(x) or log_(10)(x)", self.peek(1).pos)
        text, used = sub
        base_tok = self.peek(1 if used == 1 else 2)
        self.i += 1 + used
        if text in ("2", "10"):
            return self.call(tok, "log" + text, None, functions.by_name("log" + text))
        if text == "e":
            return self.call(tok, "log", None, fn)
        if base_tok.kind == "NUM":
            base = self.number(base_tok)
        else:
            sym = self.table.get(text)
            if sym is None or sym.kind != SCALAR or sym.superscript:
                raise ColumnError(f"The base of a logarithm is a number or a declared name, not '{text}'", base_tok.pos)
            base = Sym(text)
        call = self.call(tok, "log", None, fn)
        target = call.left if isinstance(call, Bin) else call
        if len(target.args) != 1:
            raise ColumnError("A logarithm with a base takes one argument: log_b(x)", tok.pos)
        if target.order:
            raise ColumnError("The derivative of a logarithm with a base is written 1/(x*log(b))", tok.pos)
        new = Call("log", (target.args[0], base))
        return Bin("^", new, call.right) if isinstance(call, Bin) else new

    def sum(self, tok: Token) -> Node:
        kind = tok.text
        if not self.at("_"):
            raise ColumnError(f"Write the summation index: {kind}_k(...)", self.peek().pos)
        self.next()
        idx_tok = self.peek()
        sub = self.simple_sub(0)
        if sub is None:
            raise ColumnError(f"Write one index letter after {kind}_, like {kind}_k", idx_tok.pos)
        letter, used = sub
        role = self.role(letter)
        if role is None and not (len(letter) == 1 and letter.isalpha() and self.table.get(letter) is None):
            raise ColumnError(f"'{letter}' cannot be a summation index here", idx_tok.pos)
        if role not in (None, "unit"):
            raise ColumnError(f"'{letter}' is a layer index; a sum runs over the units of a layer, like sum_k", idx_tok.pos)
        self.i += used
        if self.peek().kind == "END" or self.at("+", "-", ")", "}", "]", "*", "/", "^"):
            raise ColumnError(f"{kind}_{letter} has nothing to {'add' if kind == 'sum' else 'multiply'} up",
                       self.peek().pos)
        self.sums += 1
        if self.sums > MAX_SUM_NESTING:
            raise ColumnError(f"{TOO_COMPLEX} (more than {MAX_SUM_NESTING} nested sums)", tok.pos, True)
        self.bound.append(letter)
        body = self.term()
        self.bound.pop()
        self.sums -= 1
        return Sum(letter, body, kind)
