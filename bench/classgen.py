"""A seeded synthetic class for the benchmark: N students answering every part of the bank.

The answer pool of each part comes from the bank itself, so the generator follows the bank
as problems are added:

* right answers in several forms: the part's reference and its ``tests`` with status
  ``correct`` (plus, for expressions, re-spaced copies of them: `a*b` -> `a * b`);
* the common mistakes: ``tests`` with status ``incorrect`` and the answers of the part's
  mistake rules;
* invalid answers the bank already knows (``tests`` with status ``invalid``);
* typos and syntax errors: mutations of the above (a bracket dropped, ``**`` for ``*``,
  two letters swapped, a character deleted or doubled, a sign flipped, a constant changed);
* a few hostile strings (exponent towers, 100 KB strings, Python injection, NUL bytes...);
* heavy repetition: each part's pool is ranked and drawn from a Zipf-like distribution, so
  most students give one of a few answers, with a long tail of one-off typos.

    python bench/classgen.py DIR --students 2000 --seed 1

writes ``DIR/<student>/answers.yaml`` (every answer a JSON-quoted YAML string).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.model import CHOICE, CORRECT, INCORRECT, INVALID, MULTI_CHOICE, NUMERIC, Part, Problem  # noqa: E402

#: strings no student should type; a handful per class (harmless if a naive grader evaluates them)
HOSTILE = (
    "9^9^9^9",
    "10**10**10",
    "z^(10^100000)",
    "__import__('os').getcwd()",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "$(echo pwned)",
    "1/0",
    "nan",
    "inf",
    "1e308*10",
    "(" * 300 + "z" + ")" * 300,
    "x" * 100_000,
    "e^(-z)\x00/(1+e^(-z))^2",
    "\u202ee^(-z)",
    "\u0435^(-z)/(1+\u0435^(-z))^2",    # Cyrillic e
)

#: how the answers of one part are mixed (fractions of the students)
MIX = {
    "popular": 0.80,    # one of the ranked pool (right forms, mistakes, known invalid), Zipf-drawn
    "typo": 0.12,       # a fresh mutation of a pool answer: mostly distinct strings
    "spacing": 0.06,    # a pool answer re-spaced: distinct string, same meaning
    "blank": 0.015,     # no answer
    "hostile": 0.005,
}
ZIPF_S = 1.3


def _respace(rng: random.Random, text: str) -> str:
    """The same answer typed with different spacing (and sometimes `*` left out before '(')."""
    out = []
    for tok in re.findall(r"\*\*|\.\*|[+\-*/=,]|[^+\-*/=,.]+|.", text):
        if tok in ("+", "-", "*", "/", "=", "**", ".*") and rng.random() < 0.5:
            out.append(f" {tok} ")
        elif tok == "," and rng.random() < 0.5:
            out.append(", ")
        else:
            out.append(tok)
    s = "".join(out)
    s = re.sub(r"  +", " ", s).strip()
    if rng.random() < 0.3:
        s = " " + s + " "
    return s


_MUTATIONS = ("drop-bracket", "double-star", "swap-letters", "delete-char", "double-char",
              "flip-sign", "change-constant", "extra-bracket", "drop-operator")


def mutate(rng: random.Random, text: str) -> str:
    """One typo or slip applied to an answer."""
    if not text:
        return "?"
    for _ in range(10):
        kind = rng.choice(_MUTATIONS)
        s = text
        if kind == "drop-bracket":
            idx = [i for i, c in enumerate(s) if c in "()"]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + s[i + 1:]
        elif kind == "double-star":
            idx = [i for i, c in enumerate(s) if c == "*"]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + "**" + s[i + 1:]
            elif "^" in s:
                s = s.replace("^", "**", 1)
        elif kind == "swap-letters":
            idx = [i for i in range(len(s) - 1) if s[i].isalpha() and s[i + 1].isalpha() and s[i] != s[i + 1]]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + s[i + 1] + s[i] + s[i + 2:]
        elif kind == "delete-char":
            i = rng.randrange(len(s))
            s = s[:i] + s[i + 1:]
        elif kind == "double-char":
            i = rng.randrange(len(s))
            s = s[:i] + s[i] + s[i:]
        elif kind == "flip-sign":
            idx = [i for i, c in enumerate(s) if c in "+-"]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + ("-" if s[i] == "+" else "+") + s[i + 1:]
            else:
                s = "-" + s
        elif kind == "change-constant":
            nums = list(re.finditer(r"\d+(?:\.\d+)?", s))
            if nums:
                m = rng.choice(nums)
                s = s[:m.start()] + str(rng.randint(0, 9)) + s[m.end():]
            else:
                s = f"{rng.randint(2, 9)}*({s})"
        elif kind == "extra-bracket":
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice("()") + s[i:]
        elif kind == "drop-operator":
            idx = [i for i, c in enumerate(s) if c in "+-*/"]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + " " + s[i + 1:]
        if s != text and s.strip():
            return s
    return text + ")"


def part_pool(problem: Problem, part: Part) -> list[tuple[str, str]]:
    """The ranked answers of one part as (answer, kind): the reference first, then the right
    forms, the mistakes and the known invalid answers, interleaved so that a mistake is
    among the most popular answers (as in real classes)."""
    right: list[str] = []
    wrong: list[str] = []
    invalid: list[str] = []

    def add(lst, text):
        if isinstance(text, str) and text.strip() and text not in lst:
            lst.append(text)

    if part.kind in (CHOICE, MULTI_CHOICE):
        labels = [chr(ord("A") + i) for i in range(len(part.options))]
        add(right, part.answer)
        for t in part.tests:
            add({CORRECT: right, INCORRECT: wrong}.get(t.status, invalid), t.answer)
        for m in part.mistakes:
            add(wrong, m.answer)
        for lab in labels:
            if lab not in right:
                add(wrong, lab)
        if part.kind == CHOICE:
            for lab, opt in zip(labels, part.options):
                add(right if lab == part.answer.strip() else wrong, opt)
    else:
        # a numeric part's reference and mistake rules are formulas in the given names, which a
        # numeric part refuses unless it says `formula: true`: typed by a student, they are invalid
        formulas = right, wrong
        if part.kind == NUMERIC and not part.formula:
            formulas = invalid, invalid
        add(formulas[0], part.answer)
        for t in part.tests:
            add({CORRECT: right, INCORRECT: wrong, INVALID: invalid}.get(t.status, invalid), t.answer)
        for m in part.mistakes:
            add(formulas[1], m.answer)
    pool: list[tuple[str, str]] = []
    # rank: right, wrong, right, wrong, ... then the invalid ones
    for i in range(max(len(right), len(wrong))):
        if i < len(right):
            pool.append((right[i], "right"))
        if i < len(wrong):
            pool.append((wrong[i], "mistake"))
    pool.extend((t, "invalid") for t in invalid)
    return pool


def _zipf_weights(n: int) -> list[float]:
    return [1.0 / (r ** ZIPF_S) for r in range(1, n + 1)]


def generate(problems: dict[str, Problem], students: int, seed: int = 1) -> dict[str, dict[str, dict[str, str]]]:
    """student id -> problem id -> part id -> answer text (deterministic for a seed)."""
    rng = random.Random(seed)
    pools = {(pid, part.id): part_pool(problems[pid], part)
             for pid in sorted(problems) for part in problems[pid].parts}
    weights = {key: _zipf_weights(len(pool)) for key, pool in pools.items()}
    kinds = list(MIX)
    mix = [MIX[k] for k in kinds]
    width = len(str(students))
    out: dict[str, dict[str, dict[str, str]]] = {}
    for s in range(students):
        student = f"student-{s:0{width}d}"
        answers: dict[str, dict[str, str]] = {}
        for pid in sorted(problems):
            problem = problems[pid]
            parts: dict[str, str] = {}
            for part in problem.parts:
                pool = pools[(pid, part.id)]
                if not pool:
                    continue
                kind = rng.choices(kinds, mix)[0]
                if part.kind in (CHOICE, MULTI_CHOICE) and kind in ("typo", "spacing", "hostile"):
                    kind = "popular" if rng.random() < 0.9 else "typo"
                base = rng.choices(pool, weights[(pid, part.id)])[0][0]
                if kind == "blank":
                    continue
                if kind == "popular":
                    text = base
                elif kind == "typo":
                    text = mutate(rng, base)
                elif kind == "spacing":
                    text = _respace(rng, base)
                else:
                    text = rng.choice(HOSTILE)
                parts[part.id] = text
            if parts:
                answers[pid] = parts
        out[student] = answers
    return out


def to_yaml(answers: dict[str, dict[str, str]]) -> str:
    """An answers.yaml: every answer a double-quoted (JSON) YAML string, so it stays a string."""
    lines = []
    for pid, parts in answers.items():
        lines.append(f"{pid}:")
        for part_id, text in parts.items():
            lines.append(f"  {part_id}: {json.dumps(text, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def write_class(directory: Path | str, klass: dict[str, dict[str, dict[str, str]]]) -> int:
    """Write DIR/<student>/answers.yaml for every student; returns the number of bytes written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    total = 0
    for student, answers in klass.items():
        folder = directory / student
        folder.mkdir(exist_ok=True)
        data = to_yaml(answers).encode("utf-8")
        (folder / "answers.yaml").write_bytes(data)
        total += len(data)
    return total


def answer_kinds(problems: dict[str, Problem]) -> dict[tuple[str, str, str], str]:
    """(problem, part, answer) -> pool kind, for reporting the mix."""
    out = {}
    for pid in problems:
        for part in problems[pid].parts:
            for text, kind in part_pool(problems[pid], part):
                out[(pid, part.id, text)] = kind
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory")
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--problems", default=None, help="bank folder (default: the shipped bank)")
    args = ap.parse_args(argv)
    from grader.authoring.loader import default_bank_dir, load_bank
    bank = load_bank(args.problems or default_bank_dir())
    klass = generate(bank, args.students, args.seed)
    size = write_class(args.directory, klass)
    print(f"wrote {len(klass)} students ({size:,} bytes) to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
