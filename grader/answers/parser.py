"""Reading what students type: untrusted text -> parse tree, against a problem's symbol table.

`normalise` maps pasted Unicode to ASCII (keeping a column map), LaTeX answers are rewritten
by grader.answers.latex into the same plain text, `tokenize` cuts it into tokens, and `_Parser`, a
recursive-descent parser over the token list, builds the tree node by node. One error type
carries the column; nothing here evaluates text; every limit (length, nesting, size of numbers
and exponents) is checked before anything downstream computes with it. What the built-in
functions are (spellings, arity, which derivatives exist) comes from grader.answers.functions.

The one decision that matters most lives in `_Parser.name`: after a name declared as indexed,
`_...` are subscripts and `^...` is the layer index; after anything else `^` is a power.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
import unicodedata
from dataclasses import dataclass
from typing import Optional

from grader.answers import functions
from grader.answers import greek
from grader.answers import latex
from grader.errors import TOO_COMPLEX, StudentError
from grader.limits import (CARET_MAX_LENGTH, DEFAULT_DOMAIN, MAX_ANSWER_DEPTH, MAX_ANSWER_LENGTH, MAX_CONSTANT_EXPONENT,
                           MAX_DIGITS, MAX_NODES, MAX_POWER_OF_TEN, MAX_PRIMES, MAX_SUM_NESTING, POSITIVE_DOMAIN)
from grader.model import FUNCTION, INDEXED, MATRIX, SCALAR, VECTOR, Symbol, SymbolTable
from grader.answers.tree import Bin, Call, Const, Idx, Index, Neg, Node, Num, Sum, Sym, Transpose, walk
from grader.answers.render import render, to_sympy



class AnswerSyntaxError(StudentError):
    """Why an answer could not be read, written for a student, with the column it points at."""

    def __init__(self, message: str, position: int = 0, source: str = "", *, too_complex: bool = False):
        super().__init__(message)
        self.position = position
        self.source = source
        self.too_complex = too_complex

    @property
    def column(self) -> int:
        return self.position + 1

    def caret(self) -> str:
        """The answer with a caret under the offending character (empty for unprintable input)."""
        src = self.source
        if not src or len(src) > CARET_MAX_LENGTH or "\n" in src or any(unicodedata.category(c)[0] == "C" for c in src):
            return ""
        pad = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in src[: self.position])
        return f"{src}\n{' ' * pad}^"

    def __str__(self) -> str:
        return self.message


# --- normalisation ----------------------------------------------------------------------

SYMBOLS = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "·": "*", "⋅": "*", "×": "*", "∗": "*",
    "÷": "/", "∕": "/", "⊙": ".*", "∘": ".*", "∑": "sum", "∏": "prod", "′": "'", "’": "'",
    "ʹ": "'", "″": "''", "∞": "oo", "⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " ",
}
SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
                "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "ᵀ": "T"}


ACCENTS = {"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar", "\u0305": "bar", "\u0307": "dot",
           "\u0308": "ddot", "\u20d7": "vec"}


def _spelled(ch: str, table: Optional[SymbolTable] = None) -> str:
    """How to type a letter with an accent (ŷ -> yhat), as the end of a message, or ''; with the
    declared name it probably means (yhat_i) when the problem has one."""
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[:1], parts[1:]
    base = greek.NAMES.get(base, base)
    if not (base.isascii() and base.isalpha() and marks and all(m in ACCENTS for m in marks)):
        return ""
    word = base + "".join(ACCENTS[m] for m in marks)
    names = table.names if table is not None else ()
    if word in names:
        return f": type {word}"
    near = [n for n in names if n.startswith(word + "_")] or difflib.get_close_matches(word, list(names), 1, 0.75)
    return f": type {word}" + (f" (this problem's name: {near[0]})" if near else "")


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = str.maketrans("\t\n\r", "   ")


def normalise(text: str, table: Optional[SymbolTable] = None) -> tuple[str, list[int]]:
    """Map what a student pastes (math italics, Greek letters, Unicode operators) to the ASCII
    the grammar reads; the second value maps each output character to its column in `text`."""
    if text.isascii():   # the common case: no per-character work beyond finding control characters
        bad = _ASCII_CONTROL.search(text)
        if bad is not None:
            i = bad.start()
            raise AnswerSyntaxError(
                f"The answer contains a control character (U+{ord(text[i]):04X}) at column {i + 1}.", i, text)
        return text.translate(_WHITESPACE), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    prev_sup = False
    for i, ch in enumerate(text):
        if ch == "ᵀ":
            rep, prev_sup = "^T ", False
        elif ch in SUPERSCRIPTS:
            rep = SUPERSCRIPTS[ch] if prev_sup else "^" + SUPERSCRIPTS[ch]
            prev_sup = True
        else:
            prev_sup = False
            if ch.isascii():
                if ch in "\t\n\r":
                    rep = " "
                elif not ch.isprintable():
                    raise AnswerSyntaxError(
                        f"The answer contains a control character (U+{ord(ch):04X}) at column {i + 1}.", i, text)
                else:
                    rep = ch
            elif ch in SYMBOLS:
                rep = SYMBOLS[ch]
            elif ch in ACCENTS and i > 0 and text[i - 1].isalpha():
                shown = text[i - 1:i + 1]
                raise AnswerSyntaxError(f"The character '{shown}' at column {i} is not part of the answer "
                                        f"syntax{_spelled(unicodedata.normalize('NFC', shown), table)}.", i - 1, text)
            else:
                folded = unicodedata.normalize("NFKC", ch)
                if folded in greek.NAMES:
                    rep = greek.NAMES[folded]
                elif folded in SYMBOLS:
                    rep = SYMBOLS[folded]
                elif folded.isascii() and folded.isprintable() and folded:
                    rep = folded
                elif unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
                    raise AnswerSyntaxError(
                        f"The answer contains an invisible control character (U+{ord(ch):04X}) at column {i + 1}.",
                        i, text)
                else:
                    raise AnswerSyntaxError(f"The character '{ch}' at column {i + 1} is not part of the answer "
                                            f"syntax{_spelled(ch, table)}.", i, text)
        out.append(rep)
        where.extend([i] * len(rep))
    return "".join(out), where


# --- tokens -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Token:
    kind: str      # NUM NAME OP END
    text: str
    pos: int       # column in the normalised text
    space: bool    # white space before it
    glue: bool = False   # that space followed a LaTeX letter command (\\Delta W): a declared DeltaW may join


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9]*)
  | (?P<op>\*\*|\.\*|[-+*/^(){}\[\],_'|!])
""", re.VERBOSE)


def tokenize(src: str, glue: bool = False) -> list[Token]:
    """`glue`: the text came from the LaTeX reader, whose GLUE character marks a space after a
    letter command."""
    tokens: list[Token] = []
    pos, space, glued = 0, False, False
    while pos < len(src):
        if glue and src[pos] == latex.GLUE:
            space = glued = True
            pos += 1
            continue
        m = _TOKEN.match(src, pos)
        if m is None:
            raise _Err(f"'{src[pos]}' is not part of the answer syntax", pos)
        kind = m.lastgroup
        if kind == "space":
            space = True
        else:
            tokens.append(Token(kind.upper(), m.group(), pos, space, glued))
            space = glued = False
        pos = m.end()
    tokens.append(Token("END", "", len(src), space))
    return tokens


class _Err(Exception):
    """Internal: a message and a column in the normalised text, mapped back by `parse`."""

    def __init__(self, message: str, pos: int, too_complex: bool = False):
        super().__init__(message)
        self.message, self.pos, self.too_complex = message, pos, too_complex


# --- the parser ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedAnswer:
    """An answer as the grader read it: the tree, the source, and renderings for the student."""

    source: str
    tree: Node
    table: SymbolTable

    @property
    def unicode(self) -> str:
        return render(self.tree, "unicode")

    @property
    def ascii(self) -> str:
        return render(self.tree, "ascii")

    @property
    def latex(self) -> str:
        return render(self.tree, "latex")

    def sympy(self):
        """The answer as a SymPy expression built from the tree (never from a string)."""
        return to_sympy(self.tree, self.table)


def parse(text, table: SymbolTable = SymbolTable()) -> ParsedAnswer:
    """Read one answer. Raises AnswerSyntaxError with a student-facing message and column."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnswerSyntaxError(f"The answer is not valid UTF-8 text (byte {exc.start + 1}).", 0, "") from None
    if not isinstance(text, str):
        raise AnswerSyntaxError("The answer must be text.", 0, "")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerSyntaxError(
            f"{TOO_COMPLEX}. The answer is too long ({len(text)} characters; the limit is {MAX_ANSWER_LENGTH}).", 0, "", too_complex=True)
    src, where = normalise(text, table)
    from_tex = latex.looks_like_latex(src)
    if from_tex:
        try:
            src, from_latex = latex.read(src)
        except latex.LatexError as err:
            col = where[err.pos] if err.pos < len(where) else len(text)
            raise AnswerSyntaxError(_sentence(err.message), col, text, too_complex=err.too_complex) from None
        where = [where[i] if i < len(where) else len(text) for i in from_latex]
    if not src.strip():
        raise AnswerSyntaxError("The answer is empty.", 0, text)
    try:
        tokens = tokenize(src, from_tex)
        p = _Parser(tokens, table)
        tree = p.expr()
        if p.peek().kind != "END":
            p.unexpected()
        _check_limits(tree)
    except _Err as err:
        col = where[err.pos] if err.pos < len(where) else len(text)
        raise AnswerSyntaxError(_sentence(err.message), col, text, too_complex=err.too_complex) from None
    except RecursionError:
        raise AnswerSyntaxError(f"{TOO_COMPLEX}. The answer is too deeply nested to check.", 0, text, too_complex=True) from None
    return ParsedAnswer(text, tree, table)


@lru_cache(maxsize=2048)
def _close(name: str, pool: tuple[str, ...]) -> list[str]:
    """Did-you-mean candidates (cached: a class repeats its misspellings, and the pool holds
    every built-in function's spellings)."""
    return difflib.get_close_matches(name, pool, n=3, cutoff=0.6)


def _sentence(message: str) -> str:
    return message if message.endswith(("?", ".", "!")) else message + "."


def _check_limits(tree: Node) -> None:
    nodes = 0
    for n in walk(tree):
        nodes += 1
        if nodes > MAX_NODES:
            raise _Err(f"{TOO_COMPLEX} (more than {MAX_NODES} parts)", 0, True)
        if isinstance(n, Bin) and n.op == "^":
            value = constant_value(n.right)
            if value is not None and not abs(value) <= MAX_CONSTANT_EXPONENT:
                raise _Err(f"{TOO_COMPLEX}: an exponent is far too large", 0, True)


def constant_value(node: Node) -> Optional[float]:
    """The float value of a subtree made only of numbers, or None. Never raises, never hangs:
    powers are computed in floats (inf on overflow)."""
    import math
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Const):
        return math.pi if node.name == "pi" else math.e
    if isinstance(node, Neg):
        v = constant_value(node.arg)
        return None if v is None else -v
    if isinstance(node, Bin) and node.op in "+-*/^":
        a, b = constant_value(node.left), constant_value(node.right)
        if a is None or b is None:
            return None
        try:
            if node.op == "+":
                return a + b
            if node.op == "-":
                return a - b
            if node.op == "*":
                return a * b
            if node.op == "/":
                return a / b if b else math.inf
            if abs(b) > MAX_CONSTANT_EXPONENT or (abs(a) > 1 and abs(b) * math.log(abs(a)) > 700):
                return math.inf
            r = a ** b
            return r if isinstance(r, float) else math.nan
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.inf
    return None


class _Parser:
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
            raise _Err(f"Use a decimal point: {number}", tok.pos)
        if tok.kind == "END":
            raise _Err("The answer ends too early: something is missing at the end", tok.pos)
        if tok.text in ")}]":
            raise _Err(f"This '{tok.text}' has no matching opening bracket", tok.pos)
        if tok.text in "*/^,**":
            raise _Err(f"'{tok.text}' is missing something on its left", tok.pos)
        raise _Err(f"Unexpected '{tok.text}'", tok.pos)

    def enter(self, pos: int):
        self.depth += 1
        if self.depth > MAX_ANSWER_DEPTH:
            raise _Err(f"{TOO_COMPLEX}: it is nested too deeply", pos, True)

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
                    raise _Err(f"Write '*' before the number {tok.text} if you mean a product", tok.pos)
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
            raise _Err("Empty bars: write the value between | and |", self.peek().pos)
        self.bars += 1
        inner = self.expr()
        self.bars -= 1
        if not self.at("|"):
            if self.peek().kind == "END":
                raise _Err("This '|' is never closed", open_tok.pos)
            self.unexpected()
        self.next()
        return Call("abs", (inner,))

    def group(self) -> Node:
        open_tok = self.next()
        close = {"(": ")", "{": "}", "[": "]"}[open_tok.text]
        if self.at(")", "}", "]"):
            raise _Err("Empty brackets", self.peek().pos)
        inner = self.expr()
        tok = self.peek()
        if tok.kind == "OP" and tok.text in ")}]":
            if tok.text != close:
                raise _Err(f"This '{open_tok.text}' is closed by '{tok.text}'", open_tok.pos)
            self.next()
            return inner
        if tok.kind == "END":
            raise _Err(f"This '{open_tok.text}' is never closed", open_tok.pos)
        self.unexpected()

    def number(self, tok: Token) -> Node:
        text = tok.text
        digits = sum(c.isdigit() for c in text.split("e")[0].split("E")[0])
        if digits > MAX_DIGITS:
            raise _Err(f"{TOO_COMPLEX}. This number is too long to check ({digits} digits)", tok.pos, True)
        if re.fullmatch(r"\d+", text):
            return Num(int(text), text)
        mant, _, exp = text.lower().partition("e")
        if exp and abs(int(exp)) > MAX_POWER_OF_TEN:
            raise _Err(f"{TOO_COMPLEX}. This number is too large or too small to check", tok.pos, True)
        return Num(float(text), text)

    # names ----------------------------------------------------------------------------
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
            raise _Err(f"'{full}' runs into '{rest}': names are never split, so write {full}*{rest} "
                       f"for a product", nxt.pos)
        sym = self.table.get(full)
        if sym is not None and sym.kind == FUNCTION:
            return self.call(tok, full, sym)
        if sym is not None and sym.kind == INDEXED:
            return self.indexed(tok, sym)
        if sym is not None:
            node = Sym(sym.name)
            if sym.superscript:
                if not self.at("^") or self.peek(1).text == "T":
                    raise _Err(f"{sym.name} needs its layer as a superscript, like {sym.name}^(l)", self.peek().pos)
                self.next()
                node = Sym(sym.name, self.index_arg(self.peek(), "superscript"))
            if self.at("_") and not self.peek().space:
                sub = self.simple_sub(1)
                shown = f"{full}_{sub[0]}" if sub else f"{full}_"
                raise _Err(self.unknown(shown), tok.pos)
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
            raise _Err(f"'{base}' is an index: it can only appear in a subscript or superscript, "
                       f"or after sum_", tok.pos)
        if base in ("oo", "inf", "infty", "infinity", "Infinity"):
            raise _Err("Infinity is not a value an answer can have here: write a finite expression", tok.pos)
        if base in ("i", "j", "I", "J"):
            raise _Err(f"'{base}' is not a name in this problem; complex numbers (like 1j or i) are outside "
                       f"what the grader checks", tok.pos)
        nxt = self.peek()
        if nxt.kind == "OP" and nxt.text == "(" and not nxt.space:
            raise _Err(self.unknown_function(base), tok.pos)
        raise _Err(self.unknown(base), tok.pos)

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
            raise _Err(f"'{name}' is not a function: write {name}*(...) for a product", nxt.pos)

    def unknown(self, name: str) -> str:
        if len(name) > 40:
            return f"Unknown name '{name[:20]}…' ({len(name)} letters long)"
        table = self.table
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

    def call(self, tok: Token, name: str, sym: Optional[Symbol], fn: Optional[functions.Function] = None,
             order: int = 0) -> Node:
        while self.at("'"):
            self.next()
            order += 1
        if order > MAX_PRIMES:
            raise _Err("At most three primes are allowed", tok.pos)
        display = name if sym is not None else tok.text
        if sym is None and order > len(fn.derivatives):
            raise _Err(f"The derivative {display}' is not available here", tok.pos)
        power = self.function_power(display) if self.at("^", "**") else None
        if not self.at("("):
            nxt = self.peek()
            if nxt.kind == "OP" and nxt.text in "[{":
                raise _Err(f"Use round brackets for {display}(...)", nxt.pos)
            raise _Err(f"'{display}' is a function: write {display}(...) with its argument in brackets",
                       nxt.pos if nxt.kind != "END" else tok.pos)
        open_tok = self.next()
        if self.at(")"):
            raise _Err(f"{display}() needs an argument inside the brackets", self.peek().pos)
        args = [self.expr()]
        while self.at(","):
            self.next()
            if self.at(")") or self.peek().kind == "END":
                raise _Err("An argument is missing after ','", self.peek().pos)
            args.append(self.expr())
        if not self.at(")"):
            if self.peek().kind == "END":
                raise _Err("This '(' is never closed", open_tok.pos)
            self.unexpected()
        self.next()
        if not (fn.takes(len(args)) if sym is None else len(args) == 1):
            want = fn.arity_text() if sym is None else "1 argument"
            comma = self.decimal_comma(args)
            raise _Err(f"{display}(...) takes {want}, not {len(args)}{comma}", open_tok.pos)
        if order and len(args) > 1:
            raise _Err(f"The derivative {display}' takes one argument", open_tok.pos)
        node = Call(name, tuple(args), order)
        return node if power is None else Bin("^", node, power)

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
            raise _Err(f"{display}^(-1) would be an inverse function: write 1/{display}(...) for a reciprocal, "
                       f"or the inverse by its name (like atanh)", tok.pos)
        if tok.kind != "NUM" or not re.fullmatch(r"[1-9]", tok.text) or \
                (k and not (close.kind == "OP" and close.text == {"(": ")", "{": "}"}[self.peek().text])):
            raise _Err(f"A power of {display} is written {display}^2(x) or ({display}(x))^2", hat.pos)
        self.i += 1 + 2 * k
        if not self.at("("):
            raise _Err(f"'{display}' is a function: write {display}^{tok.text}(...) with its argument in brackets",
                       self.peek().pos)
        return Num(int(tok.text), tok.text)

    def log_base(self, tok: Token, fn: functions.Function) -> Node:
        """log_2(x), log_10(x), log_b(x): a logarithm with a base (log_e is ln)."""
        sub = self.simple_sub(1)
        if sub is None:
            raise _Err("Write the base of the logarithm like log_2(x) or log_(10)(x)", self.peek(1).pos)
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
                raise _Err(f"The base of a logarithm is a number or a declared name, not '{text}'", base_tok.pos)
            base = Sym(text)
        call = self.call(tok, "log", None, fn)
        target = call.left if isinstance(call, Bin) else call
        if len(target.args) != 1:
            raise _Err("A logarithm with a base takes one argument: log_b(x)", tok.pos)
        if target.order:
            raise _Err("The derivative of a logarithm with a base is written 1/(x*log(b))", tok.pos)
        new = Call("log", (target.args[0], base))
        return Bin("^", new, call.right) if isinstance(call, Bin) else new

    def sum(self, tok: Token) -> Node:
        kind = tok.text
        if not self.at("_"):
            raise _Err(f"Write the summation index: {kind}_k(...)", self.peek().pos)
        self.next()
        idx_tok = self.peek()
        sub = self.simple_sub(0)
        if sub is None:
            raise _Err(f"Write one index letter after {kind}_, like {kind}_k", idx_tok.pos)
        letter, used = sub
        role = self.role(letter)
        if role is None and not (len(letter) == 1 and letter.isalpha() and self.table.get(letter) is None):
            raise _Err(f"'{letter}' cannot be a summation index here", idx_tok.pos)
        if role not in (None, "unit"):
            raise _Err(f"'{letter}' is a layer index; a sum runs over the units of a layer, like sum_k", idx_tok.pos)
        self.i += used
        if self.peek().kind == "END" or self.at("+", "-", ")", "}", "]", "*", "/", "^"):
            raise _Err(f"{kind}_{letter} has nothing to {'add' if kind == 'sum' else 'multiply'} up",
                       self.peek().pos)
        self.sums += 1
        if self.sums > MAX_SUM_NESTING:
            raise _Err(f"{TOO_COMPLEX} (more than {MAX_SUM_NESTING} nested sums)", tok.pos, True)
        self.bound.append(letter)
        body = self.term()
        self.bound.pop()
        self.sums -= 1
        return Sum(letter, body, kind)

    # indices ---------------------------------------------------------------------------
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
                raise _Err(f"{sym.name} needs {sym.subscripts} subscript{'s' if sym.subscripts > 1 else ''}, "
                           f"like {example}", hat)
            self.next()
            subs = self.index_list(self.peek(), sym, example)
        elif self.at("_"):
            raise _Err(f"{sym.name} takes no subscript here", self.peek().pos)
        if sym.superscript and sup is None:
            if not self.at("^"):
                raise _Err(f"{sym.name} needs its layer as a superscript, like {example}", self.peek().pos)
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
                    raise _Err(f"This '{first.text}' is never closed", first.pos)
                self.unexpected()
        elif first.kind == "NAME":
            self.next()
            items = self.split_letters(first, n, example)
        elif first.kind == "NUM" and re.fullmatch(r"\d+", first.text):
            self.next()
            items = [Index(None, int(first.text))] if n == 1 else [Index(None, int(c)) for c in first.text]
        else:
            raise _Err(f"Write the subscripts of {sym.name} like {example}", first.pos)
        if len(items) != n:
            raise _Err(f"{sym.name} needs {n} subscript{'s' if n > 1 else ''}, like {example}; "
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
            raise _Err(f"{self.table.get(self._current).name if self._current else 'This name'} needs {n} "
                       f"subscript{'s' if n > 1 else ''}, like {example}; this has {len(text)}", tok.pos)
        bad = letters[0]
        raise _Err(f"'{bad}' is not an index letter of this problem (indices: "
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
                    raise _Err(f"This '{tok.text}' is never closed", tok.pos)
                raise _Err(f"A {what} index is a letter, possibly with +1 or -1, like (l-1)", self.peek().pos)
            self.next()
            return idx
        if tok.kind == "NAME":
            joined = self.joined_index()
            if joined is not None:
                return Index(joined)
            self.next()
            if self.role(tok.text) is None:
                raise _Err(f"'{tok.text}' is not an index of this problem: a {what} here is a layer index "
                           f"like l, l-1 or L (to raise to a power, put the quantity in brackets first)", tok.pos)
            return Index(tok.text)
        if tok.kind == "NUM" and re.fullmatch(r"\d+", tok.text):
            self.next()
            return Index(None, int(tok.text))
        if tok.kind == "OP" and tok.text == "-":
            raise _Err(f"A {what} index cannot be negative; write it in brackets like (l-1)", tok.pos)
        raise _Err(f"Write the {what} index here, like l or (l-1)", tok.pos)

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
            raise _Err(f"'{tok.text or 'nothing'}' is not an index of this problem", tok.pos)
        else:
            self.next()
        offset = 0
        while self.at("+", "-"):
            sign = 1 if self.next().text == "+" else -1
            num = self.peek()
            if num.kind != "NUM" or not re.fullmatch(r"\d{1,3}", num.text):
                raise _Err("An index can only be shifted by a whole number, like l-1", num.pos)
            self.next()
            offset += sign * int(num.text)
        return Index(tok.text, offset)


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


__all__ = ["AnswerSyntaxError", "ParsedAnswer", "parse", "normalise", "tokenize",
           "constant_value", "VECTOR", "MATRIX"]
