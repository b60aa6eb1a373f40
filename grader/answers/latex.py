"""Reading LaTeX answers: LaTeX is a second spelling of the answer language, so it is rewritten
into the plain text the parser already reads, with a column map back to what the student typed.

Nothing here evaluates or hands text to another parser: each command is looked up in a table
(built from the function registry and the Greek table), its arguments are read as brace groups
and rewritten the same way, and whatever the table does not know is refused by name, with the
plain way to write it. `\\frac{a}{b}` becomes `((a)/(b))`, `\\sqrt[n]{x}` becomes `root(x,n)`,
`\\partial C` becomes the single name `partialC` (how problems declare partial derivatives),
`\\sum_{k=1}^{n}` becomes `sum_k` (a sum always runs over the units of a layer).
"""
from __future__ import annotations

import difflib
import re
from typing import Optional

from grader.answers import functions
from grader.answers import greek
from grader.errors import TOO_COMPLEX, StudentError
from grader.limits import MAX_LATEX_GROUPS

GLUE = "\x1f"    # stands for the space after a Greek command; never in normalised text (a control character)

_SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
            "negthinspace", "displaystyle", "textstyle", "limits", "nolimits"}
_SIZING = {"left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
           "biggr", "Biggl", "Biggr"}
_FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
_TEXT = {"operatorname", "mathrm", "text", "textrm", "textit", "mathit", "mathbf", "boldsymbol", "bm", "mathsf",
         "mathcal", "mathnormal", "vec", "mathbb"}
_ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
            "widetilde": "tilde", "dot": "dot"}
_SYMBOLS = {
    "cdot": "*", "times": "*", "ast": "*", "bullet": ".*", "odot": ".*", "circ": ".*", "div": "/",
    "top": "T", "intercal": "T", "prime": "'", "ell": "l", "infty": "oo",
    "{": "{", "}": "}", "lbrace": "{", "rbrace": "}", "lbrack": "[", "rbrack": "]", "langle": "(", "rangle": ")",
    "|": "|", "vert": "|", "lvert": "abs(", "rvert": ")", "mid": "|", "Vert": "|",
    "lfloor": "floor(", "rfloor": ")", "lceil": "ceil(", "rceil": ")",
    "(": "", ")": "", "[": "", "]": "",   # \( \) \[ \] delimiters
}
# commands the grader does not read, with the way to say the same thing
_HINTS = {
    "int": "integrals are not part of answers", "lim": "limits are not part of answers",
    "nabla": "write the gradient's entries as names the problem declares",
    "pm": "± gives two answers: write one", "mp": "∓ gives two answers: write one",
    "approx": "write only the expression, not an approximation",
    "le": "write only the expression, not an inequality", "leq": "write only the expression, not an inequality",
    "ge": "write only the expression, not an inequality", "geq": "write only the expression, not an inequality",
    "neq": "write only the expression", "in": "write only the expression",
    "to": "write only the expression", "rightarrow": "write only the expression",
    "leftarrow": "write only the expression, without the update arrow",
    "dots": "write every term, or sum_k for a sum", "cdots": "write every term, or sum_k for a sum",
    "ldots": "write every term, or sum_k for a sum", "binom": "write the binomial coefficient out",
    "begin": "matrices are written with names the problem declares",
    "over": "write a fraction as \\frac{top}{bottom}, or top/bottom", "atop": "write a fraction as \\frac{top}{bottom}",
    "choose": "write the binomial coefficient out",
}

_BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[A-Za-z](?![A-Za-z]))?")


_DERIVATIVE_HEAD = re.compile(r"\s*\\partial\s*([A-Za-z]+(?:_\{[A-Za-z0-9]+\}|_[A-Za-z0-9])?)\s*(?=\\left\(|\()")
_PARTIAL = re.compile(r"\s*\\partial\s*(.*?)\s*", re.S)


def _squash(text: str) -> str:
    """A LaTeX argument without spacing and sizing, for comparing two spellings of it."""
    return re.sub(r"\s+|\\left|\\right|[{}]", "", text)


class LatexError(StudentError):
    """A message for the student and the column (0-based, in the typed text) it points at."""

    def __init__(self, message: str, pos: int, too_complex: bool = False):
        super().__init__(message)
        self.pos, self.too_complex = pos, too_complex


def looks_like_latex(text: str) -> bool:
    return "\\" in text or "$" in text


_COMMANDS: list = [None, {}]     # (the registry the table was built from, the table)


def _commands() -> dict[str, str]:
    """LaTeX command -> the plain spelling, from the registry (`\\arcsin`, `\\operatorname{sech}` via
    \\operatorname, `\\ln`) and the Greek table; rebuilt only when the registry is another one."""
    if _COMMANDS[0] is functions.REGISTRY:
        return _COMMANDS[1]
    table = {name: name for name in greek.LETTERS}
    table.update(greek.VARIANTS)
    table["pi"] = "pi"
    for fn in functions.REGISTRY.functions:
        for spelling in fn.spellings:
            if spelling.isalpha():
                table[spelling] = spelling
        if fn.latex and re.fullmatch(r"\\[A-Za-z]+", fn.latex):
            table.setdefault(fn.latex[1:], fn.name)
    _COMMANDS[:] = [functions.REGISTRY, table]
    return table


class _Reader:
    def __init__(self, src: str):
        self.src = src
        self.i = 0
        self.out: list[str] = []
        self.where: list[int] = []
        self.sep = False        # the last output was a command word: a letter after it starts a new name
        self.depth = 0
        self.commands = _commands()

    # output
    def emit(self, text: str, pos: int, word: bool = False):
        if not text:
            return
        if self.sep and (text[0].isalnum()) and self.out and self.out[-1][-1:].isalnum():
            self.out.append(" ")
            self.where.append(pos)
        self.out.append(text)
        self.where.extend([pos] * len(text))
        self.sep = word

    # input
    def peek(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else ""

    def skip_spaces(self):
        while self.i < len(self.src) and self.src[self.i] in " \t\n\r":
            self.i += 1

    def command(self) -> tuple[str, int]:
        """The command name after a backslash at self.i (letters, or one other character)."""
        start = self.i
        self.i += 1
        if self.i >= len(self.src):
            raise LatexError("A '\\' at the end of the answer starts no command", start)
        m = re.compile(r"[A-Za-z]+").match(self.src, self.i)
        if m:
            self.i = m.end()
            return m.group(), start
        self.i += 1
        return self.src[self.i - 1], start

    def enter(self, pos: int):
        self.depth += 1
        if self.depth > MAX_LATEX_GROUPS:
            raise LatexError(f"{TOO_COMPLEX}: it is nested too deeply", pos, True)

    def index(self) -> None:
        """Copy a `_` or `^` and its argument, braced so the grader reads the whole argument as the index."""
        self.emit(self.peek(), self.i)
        self.i += 1
        self.emit("{", self.i)
        self.group("an index", self.i)
        self.emit("}", self.i)

    def group(self, what: str, pos: int) -> None:
        """Copy one argument: a {...} group (its contents rewritten), a command or one character."""
        self.skip_spaces()
        ch = self.peek()
        if ch == "{":
            open_at = self.i
            self.i += 1
            self.enter(open_at)
            self.run(stop="}", open_at=open_at)
            self.depth -= 1
            self.i += 1
        elif ch == "\\":
            self.one_command()
        elif ch and ch not in "}^_":
            self.emit(ch, self.i)
            self.i += 1
        else:
            raise LatexError(f"{what}: it is missing here", pos if not ch else self.i)

    def run(self, stop: Optional[str] = None, open_at: int = 0):
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch == stop:
                return
            if ch == "\\":
                self.one_command()
            elif ch == "$":
                self.i += 1
            elif ch == "{":
                open_here = self.i
                self.emit("{", self.i)
                self.i += 1
                self.enter(open_here)
                self.run(stop="}", open_at=open_here)
                self.depth -= 1
                self.emit("}", self.i)
                self.i += 1
            elif ch == "}":
                raise LatexError("This '}' has no matching '{'", self.i)
            elif ch == "^":
                self.superscript()
            else:
                self.emit(ch, self.i)
                self.i += 1
        if stop is not None:
            raise LatexError("This '{' is never closed" if stop == "}" else "This '[' is never closed", open_at)

    def superscript(self):
        """`^\\prime`, `^{\\prime\\prime}` are primes; anything else is copied as `^`."""
        at = self.i
        m = re.compile(r"\^\s*(?:\\prime|\{\s*((?:\\prime\s*|'\s*)+)\})").match(self.src, at)
        if m:
            count = 1 if m.group(1) is None else m.group(1).count("\\prime") + m.group(1).count("'")
            self.emit("'" * count, at)
            self.i = m.end()
            return
        self.emit("^", at)
        self.i += 1

    def one_command(self):
        name, pos = self.command()
        if name in _SPACING:
            if name not in ("displaystyle", "textstyle", "limits", "nolimits"):
                self.emit(" ", pos)
                self.sep = False
            return
        if name in _SIZING:
            self.skip_spaces()
            if self.peek() == ".":
                self.i += 1
            bar = re.compile(r"\||\\[lr]?vert\b|\\\|").match(self.src, self.i)
            if bar and name in ("left", "bigl", "Bigl", "biggl", "Biggl"):
                self.i = bar.end()
                self.emit("abs(", pos)        # \left| ... \right| nests, unlike bare bars
            elif bar and name in ("right", "bigr", "Bigr", "biggr", "Biggr"):
                self.i = bar.end()
                self.emit(")", pos)
            return
        if name in _FRACTIONS and self.derivative_fraction(pos):
            return
        if name in _FRACTIONS:
            self.emit("((", pos)
            self.group(f"\\{name} needs a numerator", pos)
            self.emit(")/(", pos)
            self.group(f"\\{name} needs a denominator", pos)
            self.emit("))", pos)
            return
        if name == "sqrt":
            self.sqrt(pos)
            return
        if name in _TEXT:
            self.group(f"\\{name} needs its text in braces", pos)
            self.sep = True
            return
        if name in _ACCENTS:
            self.group(f"\\{name} needs a letter in braces", pos)
            self.emit(_ACCENTS[name], pos, word=True)
            return
        if name == "partial":
            self.emit("partial", pos)
            self.skip_spaces()
            self.sep = False
            return
        if name in ("sum", "prod"):
            self.sum(name, pos)
            return
        if name in _SYMBOLS:
            self.emit(_SYMBOLS[name], pos, word=name in ("top", "intercal", "infty", "ell"))
            return
        plain = self.commands.get(name)
        if plain is not None:
            self.emit(plain, pos, word=True)
            if functions.lookup(plain) is not None:
                self.bare_argument(pos)
            elif re.compile(r"[ \t]+[A-Za-z]").match(self.src, self.i):
                self.skip_spaces()
                self.emit(GLUE, self.i - 1)
                self.sep = False
            return
        hint = _HINTS.get(name)
        shown = "\\" + name
        if hint:
            raise LatexError(f"'{shown}' is not part of the answer syntax: {hint}", pos)
        known = sorted(set(self.commands) | _SIZING | _FRACTIONS | _TEXT | set(_ACCENTS) | set(_SYMBOLS)
                       | {"sqrt", "partial", "sum", "prod"})
        close = difflib.get_close_matches(name, [k for k in known if k.isalpha()], n=1, cutoff=0.75) \
            if len(name) >= 4 else []
        if close:
            raise LatexError(f"The LaTeX command '{shown}' is not one the grader reads: did you mean "
                             f"\\{close[0]}?", pos)
        raise LatexError(f"The LaTeX command '{shown}' is not one the grader reads: write this part in plain "
                         f"answer syntax (see `grader syntax`)", pos)

    def bare_argument(self, pos: int):
        """`\\sin x`, `\\ln z_j`: LaTeX lets a function take its argument without brackets; put them
        in so the parser reads a call. Brackets, powers and primes are left to the parser."""
        while True:        # \log_{10} x, \sin^2 x: indices and powers first
            save = self.i
            self.skip_spaces()
            if self.peek() == "^" and re.compile(r"\^\s*(?:\\prime|\{\s*(?:\\prime|')+)").match(self.src, self.i):
                self.superscript()
            elif self.peek() == "'":
                self.emit("'", self.i)
                self.i += 1
            elif self.peek() in ("_", "^"):
                self.index()
            else:
                self.i = save
                break
        save = self.i
        self.skip_spaces()
        ch = self.peek()
        if ch == "{":             # \exp{-z}: braces are invisible in LaTeX, the group is the argument
            self.emit("(", self.i)
            self.group("an argument", pos)
            self.emit(")", self.i)
            self.sep = False
            return
        if not ch or ch in "({[^_'}|" or ch in "+-*/=,)]" or self.src.startswith("\\left", self.i) \
                or self.src.startswith("\\big", self.i) or self.src.startswith("\\Big", self.i):
            self.i = save
            return
        if ch == "\\" and re.match(r"\\(cdot|times|odot|circ|,|;|!|quad)", self.src[self.i:]):
            self.i = save
            return
        self.emit("(", self.i)
        number = _BARE_NUMBER.match(self.src, self.i)
        if number:          # \sin 2x is sin(2x), as printed: a number and the letter it multiplies
            self.emit(number.group(), self.i)
            self.i = number.end()
        else:
            self.group("an argument", pos)
        while self.peek() in ("_", "^"):
            self.index()
        self.emit(")", self.i)
        self.sep = False

    def derivative_fraction(self, pos: int) -> bool:
        """`\\frac{\\partial f(z_j)}{\\partial z_j}`, as the course notes write f'(z_j): read as
        the prime of f when the denominator is the function's own argument. Anything else is
        left to the plain \\frac reading."""
        save = self.i
        self.skip_spaces()
        found = self.derivative_parts() if self.peek() == "{" else None
        if found is None:
            self.i = save
            return False
        name, num_at, arg_at, den_end = found
        self.emit(name.replace("{", "").replace("}", "") + "'", pos)
        self.i = arg_at
        self.enter(num_at)
        self.run(stop="}", open_at=num_at)       # the bracketed argument, rewritten like any text
        self.depth -= 1
        self.i = den_end + 1
        return True

    def derivative_parts(self) -> Optional[tuple[str, int, int, int]]:
        """(function name, numerator's '{', where its bracketed argument starts, denominator's '}')."""
        try:
            num_at = self.i
            num_end = self.matching_brace(num_at)
            num = self.src[num_at + 1:num_end]
            head = _DERIVATIVE_HEAD.match(num)
            k = num_end + 1
            while k < len(self.src) and self.src[k] in " \t":
                k += 1
            if head is None or k >= len(self.src) or self.src[k] != "{":
                return None
            den_end = self.matching_brace(k)
        except LatexError:
            return None
        den = _PARTIAL.fullmatch(self.src[k + 1:den_end])
        bracket = re.fullmatch(r"\\left\((.*)\\right\)|\((.*)\)", num[head.end():].strip(), re.S)
        if den is None or bracket is None or \
                _squash(bracket.group(1) or bracket.group(2) or "") != _squash(den.group(1)):
            return None
        return head.group(1), num_at, num_at + 1 + head.end(), den_end

    def matching_brace(self, at: int) -> int:
        depth = 0
        for k in range(at, len(self.src)):
            if self.src[k] == "{" and self.src[k - 1:k] != "\\":
                depth += 1
            elif self.src[k] == "}" and self.src[k - 1:k] != "\\":
                depth -= 1
                if depth == 0:
                    return k
        raise LatexError("This '{' is never closed", at)

    def sqrt(self, pos: int):
        self.skip_spaces()
        if self.peek() == "[":
            open_at = self.i
            self.i += 1
            start = len(self.out)
            self.enter(open_at)
            self.run(stop="]", open_at=open_at)
            self.depth -= 1
            self.i += 1
            index_text = "".join(self.out[start:])
            index_where = self.where[len(self.where) - len(index_text):]
            del self.out[start:]
            del self.where[len(self.where) - len(index_text):]
            if not index_text.strip():
                raise LatexError("\\sqrt[...] needs the root's degree inside [ ]", open_at)
            self.emit("root(", pos)
            self.group("\\sqrt needs its argument in braces", pos)
            self.emit(",", pos)
            self.out.append(index_text)
            self.where.extend(index_where)
            self.emit(")", pos)
            return
        self.emit("sqrt(", pos)
        self.group("\\sqrt needs its argument in braces", pos)
        self.emit(")", pos)

    def sum(self, name: str, pos: int):
        self.skip_spaces()
        if self.peek() != "_":
            self.emit(name, pos, word=True)   # the parser asks for the index
            return
        self.i += 1
        self.skip_spaces()
        at = self.i
        if self.peek() == "{":
            end = self.matching_brace(at)
            inner, self.i = self.src[at + 1:end], end + 1
        else:
            inner, self.i = self.src[at:at + 1], at + 1
        m = re.fullmatch(r"\s*([A-Za-z])\s*(?:=\s*([0-9]+)\s*)?", inner)
        if m is None:
            raise LatexError(f"Write the summation index after \\{name}_, like \\{name}_{{k}}", at)
        if m.group(2) not in (None, "0", "1"):
            raise LatexError(f"A sum here runs over all the units of a layer: write \\{name}_{{{m.group(1)}}}", at)
        self.skip_spaces()
        if self.peek() == "^":     # the upper bound is the layer's width
            self.i += 1
            self.skip_spaces()
            if self.peek() == "{":
                self.i = self.matching_brace(self.i) + 1
            elif self.peek() == "\\":
                self.command()
            else:
                self.i += 1
        self.emit(f"{name}_{m.group(1)} ", pos)
        self.sep = False


def read(text: str) -> tuple[str, list[int]]:
    """Plain answer text for a LaTeX answer, and for each of its characters the column (0-based)
    in `text` it comes from. Raises LatexError."""
    reader = _Reader(text)
    reader.run()
    return "".join(reader.out), reader.where
