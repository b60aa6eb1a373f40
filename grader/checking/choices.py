"""Choice and choose-all-that-apply answers: by letter, number or the option's text."""
from __future__ import annotations

import re
from typing import Optional

from grader.limits import MAX_ANSWER_LENGTH
from grader.model import CORRECT, INCORRECT, INVALID, MULTI_CHOICE, Part, Verdict

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".").lower())


def _one(token: str, options: tuple[str, ...]) -> Optional[int]:
    tok = token.strip().strip("().[]").strip()
    if len(tok) == 1 and tok.upper() in LETTERS[: len(options)]:
        return LETTERS.index(tok.upper())
    if tok.isascii() and tok.isdigit() and len(tok) < 4 and 1 <= int(tok) <= len(options):
        return int(tok) - 1
    for i, opt in enumerate(options):
        if _norm(opt) == _norm(token):
            return i
    return None


def selection(text: str, options: tuple[str, ...]) -> Optional[frozenset[int]]:
    """The options an answer picks, or None when some part of it names no option."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_LENGTH:
        return None
    whole = _one(text, options)
    if whole is not None:
        return frozenset({whole})
    for splitter in (r"[,;]|\band\b", r"[,;\s]+"):
        picks = [p for p in re.split(splitter, text) if p.strip()]
        found = [_one(p, options) for p in picks]
        if picks and all(f is not None for f in found):
            return frozenset(found)
    return None


def labels(picks) -> str:
    return ", ".join(LETTERS[i] for i in sorted(picks))


def check_choice(part: Part, answer) -> Verdict:
    points = part.points
    picks = selection(answer, part.options)
    if not picks:
        return Verdict(INVALID, 0.0, points,
                       feedback=(f"Answer with the letter of an option (A to {LETTERS[len(part.options) - 1]}), "
                                 f"its number, or its exact text.",), rule="choice-unreadable")
    right = selection(part.answer, part.options)
    shown = dict(interpreted=labels(picks), interpreted_ascii=labels(picks))
    if part.kind != MULTI_CHOICE and len(picks) > 1:
        return Verdict(INVALID, 0.0, points, feedback=("Choose exactly one option.",), rule="choice-several", **shown)
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
