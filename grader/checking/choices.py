"""Choice and choose-all-that-apply answers, read as students type them: a letter (`B`, `b`,
`(b)`, `B.`), the option's number (`2`), its text, letters run together (`BC`), a list
(`B, C`, `b;c`, `B and C`, `B C`), or a letter followed by its option's text (`C. Its
magnitude becomes small.`, `C) Its magnitude`, a prefix of the text is enough).

What cannot be read one way only is refused with a sentence saying what was read, never
guessed: a letter followed by another option's text, a number that is one option's position
and another option's text, letters run together in a single-choice part.
"""
from __future__ import annotations

import re
from typing import Optional

from grader.answers.dollars import plain
from grader.limits import MAX_ANSWER_LENGTH
from grader.model import CORRECT, INCORRECT, INVALID, MULTI_CHOICE, Part, Verdict

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: a label (letter or number) with its punctuation, then the option's text: `C. Its`, `(c) Its`, `3) Its`
_LABELLED = re.compile(r"\s*\(?([A-Za-z]|\d{1,2})\s*(?:[.:]\s+|\)\s*)(\S.*)", re.S)


class Unclear(Exception):
    """An answer read in two ways: `message` says both, for the student."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _norm(text: str) -> str:
    """An option as shown (its formulas without their dollars) or as typed, for comparing."""
    return re.sub(r"\s+", " ", plain(text).strip().strip(".").lower())


def _label(tok: str, count: int) -> Optional[int]:
    """A letter or a number naming an option, or None."""
    if len(tok) == 1 and tok.upper() in LETTERS[:count]:
        return LETTERS.index(tok.upper())
    if tok.isascii() and tok.isdigit() and len(tok) < 4 and 1 <= int(tok) <= count:
        return int(tok) - 1
    return None


def _text_of(token: str, options: tuple[str, ...]) -> Optional[int]:
    for i, opt in enumerate(options):
        if _norm(opt) == _norm(token):
            return i
    return None


def _starts(typed: str, option: str) -> bool:
    """Whether typed text is the option's text or its beginning, cut at a word's end."""
    typed, option = _norm(typed), _norm(option)
    return bool(typed) and option.startswith(typed) and (len(typed) == len(option) or not option[len(typed)].isalnum())


def _one(token: str, options: tuple[str, ...]) -> Optional[frozenset[int]]:
    """The options one item of an answer names, or None; raises Unclear."""
    tok = token.strip().strip("().[]:").strip()
    by_text = _text_of(token, options)
    by_label = _label(tok, len(options))
    if by_label is not None:
        if by_text is not None and by_text != by_label and tok.isdigit():
            raise Unclear(f"'{tok}' is the number of option {LETTERS[by_label]} and the text of option "
                          f"{LETTERS[by_text]}: write the letter of the option you mean.")
        return frozenset({by_label})
    if by_text is not None:
        return frozenset({by_text})
    run = token.strip()
    if 2 <= len(run) <= len(options) and run.isalpha() and (run.isupper() or run.islower()) \
            and len(set(run.upper())) == len(run) and all(c in LETTERS[:len(options)] for c in run.upper()):
        return frozenset(LETTERS.index(c) for c in run.upper())        # BC: the letters run together
    labelled = _LABELLED.fullmatch(token)
    if labelled:
        i = _label(labelled.group(1), len(options))
        if i is not None:
            return frozenset({_labelled(labelled.group(1), i, labelled.group(2), options)})
    return None


def _labelled(typed: str, i: int, text: str, options: tuple[str, ...]) -> int:
    """`C. Its magnitude ...`: the label and its option's text (or a beginning of it) agree."""
    if _starts(text, options[i]):
        return i
    other = [k for k, opt in enumerate(options) if _starts(text, opt)]
    if len(other) == 1:
        said = f"the text of option {LETTERS[other[0]]} (\"{plain(options[other[0]]).strip()}\")"
    elif other:
        first = ", ".join(LETTERS[k] for k in other[:-1])
        said = f"how options {first} and {LETTERS[other[-1]]} begin"
    else:
        said = f"not the text of option {LETTERS[i]} (\"{plain(options[i]).strip()}\")"
    raise Unclear(f"'{typed}' names option {LETTERS[i]}, but the text after it is {said}: "
                  f"write the letter alone, or the option's text alone.")


def read(text: str, options: tuple[str, ...]) -> Optional[frozenset[int]]:
    """The options an answer picks, or None when some part of it names no option; raises
    Unclear when it names options in two ways."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_LENGTH:
        return None
    unclear = None
    # the whole first, then lines and ';': an option's text may hold a comma ("It approaches 1/4, its largest value.")
    for splitter in (None, r"[;\n]", r"[,;\n]|\band\b", r"[,;\s]+"):
        picks = [p for p in (re.split(splitter, text) if splitter else [text]) if p.strip()]
        try:
            found = [_one(p, options) for p in picks]
        except Unclear as err:
            unclear = unclear or err
            continue
        if picks and all(f is not None for f in found):
            return frozenset().union(*found)
    if unclear is not None:
        raise unclear
    return None


def selection(text: str, options: tuple[str, ...]) -> Optional[frozenset[int]]:
    """The options an answer picks, or None when it cannot be read one way only."""
    try:
        return read(text, options)
    except Unclear:
        return None


def labels(picks) -> str:
    return ", ".join(LETTERS[i] for i in sorted(picks))


def check_choice(part: Part, answer) -> Verdict:
    points = part.points
    try:
        picks = read(answer, part.options)
    except Unclear as unclear:
        return Verdict(INVALID, 0.0, points, feedback=(unclear.message,), rule="choice-unclear")
    if not picks:
        return Verdict(INVALID, 0.0, points,
                       feedback=(f"Answer with the letter of an option (A to {LETTERS[len(part.options) - 1]}), "
                                 f"its number, or its exact text.",), rule="choice-unreadable")
    right = selection(part.answer, part.options)
    shown = dict(interpreted=labels(picks), interpreted_ascii=labels(picks))
    if part.kind != MULTI_CHOICE and len(picks) > 1:
        run = answer.strip()
        said = f" ('{run}' reads as {' and '.join(labels(picks).split(', '))})" if run.isalpha() else ""
        return Verdict(INVALID, 0.0, points, feedback=(f"Choose exactly one option{said}.",), rule="choice-several",
                       **shown)
    if picks == right:
        return Verdict(CORRECT, points, points, **shown)
    for m in part.mistakes:
        if selection(m.answer, part.options) == picks:
            return Verdict(INCORRECT, round(m.score * points, 6), points, feedback=(m.message,), rule=m.tag, **shown)
    if part.kind == MULTI_CHOICE:
        good, bad = len(picks & right), len(picks - right)
        score = max(0.0, (good - bad) / len(right)) * points if part.partial_credit else 0.0
        missing = len(right) - good
        parts = []
        if bad:
            parts.append(f"{bad} of your choices {'is' if bad == 1 else 'are'} not right")
        if missing:
            parts.append(f"{missing} right option{'s are' if missing > 1 else ' is'} missing")
        return Verdict(INCORRECT, round(score, 6), points, feedback=("; ".join(parts).capitalize() + ".",),
                       rule="choice-partial" if score else "choice-wrong", **shown)
    return Verdict(INCORRECT, 0.0, points, feedback=("That is not the right option.",), rule="choice-wrong", **shown)
