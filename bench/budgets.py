"""What slow answers cost a class run, with and without its time budgets (issue 23, item 8).

A class of N students (default 400) answers from the example class; the first S of them
(default 60) each give one distinct slow answer: 30 nested derivative calls `f'''(f''(f'(...)))`
summed, which take seconds to check. The class is graded three times in fresh processes
(`grader grade DIR`): with the budgets out of the way (what every run was before them), with the
default budgets, and with `--run-budget 5`; each run's wall time, exit status and number of
rows "not fully graded" are printed as a Markdown table.

    python bench/budgets.py [--students 400] [--slow 60] [--jobs 2]
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HONEST = [ROOT / "examples" / "submissions" / s / "answers.yaml" for s in ("alice", "bob", "chen-wei", "farah")]


def make_class(root: Path, students: int, slow: int) -> None:
    honest = [p.read_text(encoding="utf-8") for p in HONEST]
    for i in range(students):
        folder = root / f"s{i:04d}"
        folder.mkdir(parents=True)
        if i < slow:
            answer = "+".join(f"f'''(f''(f'(z_j^l+{i}.{k})))" for k in range(30))
            text = f'hidden-error:\n  delta-l: "{answer}"\n'
        else:
            text = honest[i % len(honest)]
        (folder / "answers.yaml").write_text(text, encoding="utf-8")


def run(src: Path, out: Path, jobs: int, extra: list[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(src), "--out", str(out), "--jobs", str(jobs),
                           *extra], capture_output=True, text=True)
    wall = time.perf_counter() - started
    with open(out / "gradebook.csv", encoding="utf-8-sig") as fh:
        incomplete = sum(1 for row in csv.DictReader(fh) if row["status"].startswith("partially graded"))
    return wall, done.returncode, incomplete


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=400)
    ap.add_argument("--slow", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "class"
        make_class(src, args.students, args.slow)
        print(f"{args.students} students, {args.slow} with one slow answer each, {args.jobs} jobs\n")
        print("| run | wall | exit | rows not fully graded |\n|---|---|---|---|")
        for name, extra in (("no budgets (--student-budget 1e9 --run-budget 1e9)", ["--student-budget", "1e9",
                                                                                   "--run-budget", "1e9"]),
                            ("default budgets", []),
                            ("--run-budget 5", ["--run-budget", "5"])):
            wall, code, incomplete = run(src, Path(tmp) / f"out-{len(extra)}", args.jobs, extra)
            print(f"| {name} | {wall:.1f} s | {code} | {incomplete} |")


if __name__ == "__main__":
    main()
