"""Pasted text -> the ASCII the grammar reads, with a map back to the typed columns.

Students paste math italics, Greek letters, Unicode operators and superscripts from slides and
web pages; each is mapped to what it would be typed as, and anything that has no reading (a
control character, an accented letter, a symbol outside the syntax) is refused here, by name,
with its column, so the later stages only ever see printable ASCII.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Optional

from grader.answers import greek
from grader.answers.syntax_error import AnswerSyntaxError
from grader.model import SymbolTable


SYMBOLS = {
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "·": "*", "⋅": "*", "×": "*", "∗": "*",
    "÷": "/", "∕": "/", "⊙": ".*", "∘": ".*", "∑": "sum", "∏": "prod", "∂": " partial", "′": "'", "’": "'",
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
