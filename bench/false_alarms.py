"""How often the classmate diagnosis accuses an honest student, and how often it finds a copy.

With per-student values on, a class run recognises answers computed from a classmate's values
(`grader.checking.othervalues.recognise_classmate`). Its evidence must be something honest
slips do not produce. This bench measures that on a generated class (`bench/classgen.py`, its
student ids), with two-layer-example's values switched on:

* **honest slips**: every student computes their own right numbers and then slips the same way
  on every part (the worst case for a rule that needs several parts), and again on two parts
  drawn at random (the others right): rounded to 2 decimals, x0.9, x1.1, +0.01, the sign
  flipped, one digit off by one. The false-alarm rate is the share
  of those wrong answers labelled with a classmate's values, by the rule as it was (any one
  wrong number within tolerance of any classmate's set: computed here, in the same run, as the
  baseline) and by the rule as it is;
* **real copying**: every student hands in a classmate's whole set of right answers (a
  classmate with other values, the numbers to 4 significant figures as the problem asks); the
  detection rate is the share of those students with at least 2 wrong parts who are labelled.

Each answer is checked against the student's own values by the real checker (its explanations,
"a rounding slip" and the like, count as they do in a class run); the re-checks against the
classmates' value sets, hundreds per answer, by a numeric check equal to the checker's on plain
numbers (the same tolerance rule and mistake rules; compared with `checker.check` on a sample
first), so the 65,000 slipped answers take a minute or two. Deterministic (seeded).

    python bench/false_alarms.py                 # 2,000 students, writes its section of results.md
    python bench/false_alarms.py --students 300 --results ''   # a quick look, no file
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import classgen  # noqa: E402  (bench/ is on sys.path when run as a script)

from grader.api import load_bank  # noqa: E402
from grader.checking import checker  # noqa: E402
from grader.checking.decide import context  # noqa: E402
from grader.checking.othervalues import (  # noqa: E402
    COURSE_VALUES, ValuesKey, classmates_values, recognise, recognise_classmate,
)
from grader.checking.tolerance import within  # noqa: E402
from grader.checking.variants import student_values  # noqa: E402
from grader.model import CORRECT, INCORRECT, NUMERIC, Verdict  # noqa: E402

PROBLEM = "two-layer-example"
TARGET = 0.01           # the false-alarm rate must stay under 1%
BEGIN, END = "<!-- false-alarms -->", "<!-- /false-alarms -->"


def _key(values: dict) -> ValuesKey:
    return tuple(sorted((str(k), float(v)) for k, v in values.items()))


def _text(x: float) -> str:
    return f"{x:.4g}"


def _digit_off(rng: random.Random, x: float) -> str:
    text = _text(x)
    places = [i for i, c in enumerate(text) if c.isdigit() and (i > 0 and text[:i].strip("-0.") != "" or c != "0")]
    i = rng.choice(places)
    d = int(text[i])
    d = d + 1 if d < 9 and (d == 0 or rng.random() < 0.5) else d - 1
    return text[:i] + str(d) + text[i + 1:]


SLIPS: dict[str, Callable[[random.Random, float], str]] = {
    "rounded to 2 decimals": lambda rng, x: f"{round(x, 2):.2f}",
    "x0.9": lambda rng, x: _text(x * 0.9),
    "x1.1": lambda rng, x: _text(x * 1.1),
    "+0.01": lambda rng, x: _text(x + 0.01),
    "sign flipped": lambda rng, x: _text(-x),
    "one digit off by one": _digit_off,
}


class NumericCheck:
    """`checker.check` for plain-number answers, from each value set's reference numbers (the
    checker's own `context`, computed once per set)."""

    def __init__(self, problem):
        self.problem = problem
        self.refs: dict = {}

    def numbers(self, part, key: ValuesKey):
        found = self.refs.get((part.id, key))
        if found is None:
            ctx = context(self.problem, part, key)
            found = (float(ctx.ref_values[0]),
                     tuple((r.mistake, float(r.values[0])) for r in ctx.rules if r.values is not None))
            self.refs[(part.id, key)] = found
        return found

    def __call__(self, problem, part, answer, values=None) -> Verdict:
        ref, rules = self.numbers(part, _key(values or {}))
        a = float(answer)
        points = float(part.points)
        if within(a, ref, part.tolerance):
            return Verdict(CORRECT, points, points)
        for mistake, value in rules:
            if within(a, value, part.tolerance):
                return Verdict(INCORRECT, round(mistake.score * points, 6), points, rule=mistake.tag)
        return Verdict(INCORRECT, 0.0, points, feedback=("That is not the right value.",))


def old_rule(problem, part, answer, verdict, own, others, check) -> bool:
    """The diagnosis as it was (before issue 23): one wrong number right for any classmate's set."""
    if verdict.status != INCORRECT or verdict.score != 0 or part.kind != NUMERIC:
        return False
    if recognise(problem, part, answer, verdict, own, check).rule == COURSE_VALUES:
        return False
    mine, course = _key(own), _key(dict(problem.given))
    return any(check(problem, part, answer, dict(k)).status == CORRECT for k in others if k not in (mine, course))


def run(students: int, seed: int) -> dict:
    bank = load_bank(ROOT / "problems")
    problem = replace(bank[PROBLEM], randomize=True)
    ids = sorted(classgen.generate(bank, students, seed))
    others = classmates_values({PROBLEM: problem}, ids)[PROBLEM]
    check = NumericCheck(problem)
    rng = random.Random(seed)
    parts = [p for p in problem.parts if p.kind == NUMERIC]
    own = {s: student_values(problem, s) for s in ids}
    right = {s: {p.id: check.numbers(p, _key(own[s]))[0] for p in parts} for s in ids}

    # the numeric check agrees with the checker (a sample of answers against a sample of value sets)
    for _ in range(300):
        part, key, s = rng.choice(parts), rng.choice(others), rng.choice(ids)
        answer = rng.choice(list(SLIPS.values()))(rng, right[s][part.id])
        assert check(problem, part, answer, dict(key)).status == checker.check(problem, part, answer, dict(key)).status

    def graded(s, answers):       # the real checker for the student's own values: its explanations count
        return [(p, answers[p.id], recognise(problem, p, answers[p.id], checker.check(problem, p, answers[p.id], own[s]),
                                             own[s], check)) for p in parts]

    slips = {}
    for name, slip in SLIPS.items():
        for where in ("every part", "two parts"):
            wrong = old = new = 0
            for s in ids:
                slipped = {p.id for p in parts} if where == "every part" else set(rng.sample([p.id for p in parts], 2))
                answers = {p.id: slip(rng, right[s][p.id]) if p.id in slipped else _text(right[s][p.id]) for p in parts}
                done = graded(s, answers)
                labelled = recognise_classmate(problem, done, own[s], others, check)
                for part, answer, verdict in done:
                    if verdict.status != INCORRECT:
                        continue
                    wrong += 1
                    old += old_rule(problem, part, answer, verdict, own[s], others, check)
                    new += part.id in labelled
            slips[f"{name}, {where}"] = (wrong, old, new)

    copiers = caught = caught_old = 0
    course = _key(dict(problem.given))
    for s in ids:
        mates = [m for m in ids if _key(own[m]) not in (_key(own[s]), course)]     # the course's: said so
        mate = mates[rng.randrange(len(mates))]
        answers = {p.id: _text(right[mate][p.id]) for p in parts}
        done = graded(s, answers)
        if sum(v.status == INCORRECT and v.score == 0 for _, _, v in done) < 2:
            continue              # the classmate's numbers are (nearly) this student's own
        copiers += 1
        caught += bool(recognise_classmate(problem, done, own[s], others, check))
        caught_old += any(old_rule(problem, p, a, v, own[s], others, check) for p, a, v in done)
    return {"students": students, "seed": seed, "sets": len(others), "parts": len(parts), "slips": slips,
            "copiers": copiers, "caught": caught, "caught_old": caught_old}


def _pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.2f}%" if d else "-"


def report(r: dict) -> str:
    lines = [f"Class of {r['students']:,} students (bench/classgen.py, seed {r['seed']}), {PROBLEM} with "
             f"per-student values on: {r['sets']} distinct value sets, {r['parts']} numeric parts.", "",
             "| honest slip, on which parts | wrong answers | labelled, rule as it was | labelled, rule now |",
             "|---|---:|---:|---:|"]
    tw = to = tn = 0
    for name, (wrong, old, new) in r["slips"].items():
        lines.append(f"| {name} | {wrong:,} | {old:,} ({_pct(old, wrong)}) | {new:,} ({_pct(new, wrong)}) |")
        tw, to, tn = tw + wrong, to + old, tn + new
    lines.append(f"| **all** | {tw:,} | {to:,} ({_pct(to, tw)}) | {tn:,} ({_pct(tn, tw)}) |")
    rate = tn / tw if tw else 0.0
    lines += ["", f"False-alarm rate: {_pct(to, tw)} as it was, {_pct(tn, tw)} now "
              f"(target under {TARGET:.0%}: {'met' if rate < TARGET else 'MISSED'}).",
              f"Real copying (a classmate's whole set of right answers, {r['copiers']:,} students with at least "
              f"2 wrong parts): detected {r['caught']:,} ({_pct(r['caught'], r['copiers'])}) now, "
              f"{r['caught_old']:,} ({_pct(r['caught_old'], r['copiers'])}) as it was."]
    return "\n".join(lines) + "\n"


def write_results(path: Path, text: str) -> None:
    section = f"{BEGIN}\n{text}{END}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda m: section, old, flags=re.DOTALL)
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + \
            "## The classmate diagnosis: false alarms on honest slips (`bench/false_alarms.py`)\n\n" + section + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", default=str(ROOT / "bench" / "results.md"),
                    help="results file whose false-alarms section is rewritten ('' for none)")
    args = ap.parse_args(argv)
    r = run(args.students, args.seed)
    text = report(r)
    print(text, end="")
    if args.results:
        write_results(Path(args.results), text)
    tw = sum(w for w, _, _ in r["slips"].values())
    tn = sum(n for _, _, n in r["slips"].values())
    return 0 if tw and tn / tw < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
