"""Benchmark of reruns (issue 23, item 11): what a rerun costs next to a fresh run, in one run.

    python bench/run.py --rerun 2000            # or 20000; --seed S, --jobs N, --results PATH

One class (bench/classgen.py, seeded) is graded five times, each by `grade_class` in a fresh
process (run.end_to_end): a fresh run into an empty OUTDIR, a rerun with nothing changed (the
first rerun: no set to rebuild yet), a rerun after 1% of the students changed their answers
(each taken from the same student of a class generated with the next seed), a rerun with
nothing changed again, and, as the reference, a fresh run of the changed class into a new OUTDIR. The rerun's files must be byte-identical to the reference's; the table goes
into bench/results.md between the `<!-- rerun ... -->` markers.
"""
from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RERUN_BEGIN = "<!-- rerun: written by bench/run.py --rerun -->"
RERUN_END = "<!-- /rerun -->"
TARGET = 0.15          # a rerun with 1% changed: under 15% of a fresh run


def _class(root: Path, where: Path, students: int, seed: int) -> None:
    subprocess.run([sys.executable, str(root / "bench" / "classgen.py"), str(where), "--students", str(students),
                    "--seed", str(seed)], check=True, capture_output=True)


def _change(src: Path, other: Path, every: int = 100) -> int:
    """Every `every`-th student (sorted) takes the answers of the same student in `other`."""
    changed = 0
    for n, name in enumerate(sorted(os.listdir(src))):
        if n % every == every // 2:
            mine, theirs = src / name / "answers.yaml", other / name / "answers.yaml"
            if theirs.exists() and theirs.read_bytes() != mine.read_bytes():
                shutil.copyfile(theirs, mine)
                changed += 1
    return changed


def same_files(a: Path, b: Path) -> bool:
    """The files two OUTDIRs show (through the grader's links), byte for byte."""
    def files(top: Path) -> set[str]:
        out = set()
        for root, _dirs, names in os.walk(top, followlinks=True):
            rel = os.path.relpath(root, top)
            if rel.split(os.sep)[0] == ".grader":
                continue
            out.update(os.path.normpath(os.path.join(rel, f)) for f in names)
        return out
    fa, fb = files(a), files(b)
    return fa == fb and all(filecmp.cmp(a / f, b / f, shallow=False) for f in fa)


def measure(root: Path, students: int, seed: int, jobs: int, end_to_end, log) -> dict:
    work = Path(tempfile.mkdtemp(prefix="grader-bench-rerun-"))
    try:
        src, other, out, ref = work / "class", work / "other", work / "out", work / "reference"
        log(f"rerun: generating {students:,} students")
        _class(root, src, students, seed)
        _class(root, other, students, seed + 1)
        runs = {}
        log("rerun: fresh run")
        runs["fresh"] = end_to_end(src, out, jobs)
        log("rerun: nothing changed")
        runs["nothing"] = end_to_end(src, out, jobs)
        changed = _change(src, other)
        log(f"rerun: {changed} students changed")
        runs["one-percent"] = end_to_end(src, out, jobs)
        log("rerun: nothing changed, again")
        runs["again"] = end_to_end(src, out, jobs)
        log("rerun: reference fresh run of the changed class")
        runs["reference"] = end_to_end(src, ref, jobs)
        identical = same_files(out, ref)
        return {"students": students, "changed": changed, "runs": runs, "identical": identical, "jobs": jobs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(m: dict, mach: dict) -> str:
    runs = m["runs"]
    fresh = runs["fresh"]["wall"]
    names = {"fresh": "fresh run (empty OUTDIR)", "nothing": "rerun, nothing changed",
             "one-percent": f"rerun, {m['changed']:,} students ({m['changed'] / m['students']:.0%}) changed",
             "again": "rerun again, nothing changed",
             "reference": "fresh run of the changed class (reference)"}
    L = [RERUN_BEGIN, "## Reruns: what a rerun costs next to a fresh run", "",
         f"`python bench/run.py --rerun {m['students']}` on {mach['date']} (commit {mach['commit']}, "
         f"{mach['nproc']} cores, {m['jobs']} jobs): one class from bench/classgen.py, each run of "
         f"`grade_class` in a fresh process, in this order, on the same OUTDIR except the reference.",
         "",
         "| Run | Wall | Share of the fresh run | Read / check / grade / write / switch (s) | Regraded | Checked |",
         "|---|---:|---:|---|---:|---:|"]
    for key in ("fresh", "nothing", "one-percent", "again", "reference"):
        r = runs[key]
        ph = r.get("phases") or {}
        L.append(f"| {names[key]} | {r['wall']:.1f} s | {r['wall'] / fresh:.0%} | "
                 + " / ".join(f"{ph.get(k, 0.0):.1f}" for k in ("read", "check", "grade", "write", "switch"))
                 + f" | {r.get('regraded', '')} | {r['checked']:,} |")
    share = runs["one-percent"]["wall"] / fresh
    L += ["", f"A rerun with 1% changed costs **{share:.0%}** of the fresh run (target: under {TARGET:.0%}: "
          f"{'met' if share < TARGET else 'missed'}); its files are "
          f"{'byte-identical' if m['identical'] else 'NOT identical'} to the reference's.",
          "", "Wall times include starting Python and loading the bank (about 0.3 s). The machine is "
          "shared: compare figures within one run.", RERUN_END]
    return "\n".join(L)

