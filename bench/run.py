"""Benchmark: our grader against its targets and against the naive SymPy baseline.

    python bench/run.py                 # 2,000 students, naive sample of 200 (a few minutes)
    python bench/run.py --quick         # 200 students, naive sample of 30 (well under a minute)
    python bench/run.py --students 500 --sample 50 --results /tmp/r.md

One run generates a seeded synthetic class over the whole bank (bench/classgen.py) and
measures, on the same answers:

1. throughput on the distinct expression answers, cache off (`equivalence.check(..., cached=False)`, the
   uncached checker) and cache on (`equivalence.check` over every answer of the class, in
   student order, with the repeat cache), one process;
2. per-answer latency p50 / p99 / max (cache off) and the answers over the 5 s budget; a
   six-line derivation checked line by line, cache off: derivations per second and ms each;
3. peak memory (ru_maxrss) of this process and of the end-to-end run;
4. `grader check` cold-start wall time next to `python -c "import sympy"` (median of 5);
5. the whole class graded end to end by `grader.classes.classrun.grade_class` (all outputs), in a
   fresh process so no cache is inherited; with ``--scale 2000,20000,100000`` only this, at
   each size: wall time, phases, peak memory of the parent and the largest worker, output
   size, and the ratios between sizes (written into bench/results.md between markers);
6. the naive baseline (bench/naive.py: SymPy parse_expr + simplify(a - b) == 0) and a second
   peer, HuggingFace math-verify (the optional ``bench`` extra), on a seeded sample of the same
   distinct scalar expression answers, one worker, 10 s per answer, with their throughput and
   their agreement with our verdicts.

Prints a table and writes bench/results.md (not with --quick unless --results is given).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BUDGET = 5.0            # seconds per answer (the batch deadline)
NAIVE_DEADLINE = 10.0   # seconds per answer for the naive baseline

ANALYSIS_MARKER = "<!-- analysis: written by hand, kept by bench/run.py when it rewrites this file -->"
SCALE_BEGIN = "<!-- scale: written by bench/run.py --scale -->"
SCALE_END = "<!-- /scale -->"

TARGETS = {
    "throughput": 1000.0,     # distinct expression answers / s / core, cache off
    "class_seconds": 60.0,    # 2,000-student class end to end
    "p99_ms": 50.0,
    "over_budget": 0,
    "naive_ratio": 50.0,
    "derivation_ms": 100.0,   # a six-line derivation, cache off (p99)
}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --- machine ---------------------------------------------------------------------------------

def machine() -> dict:
    import numpy
    import sympy
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except Exception:
        commit = "unknown"
    return {
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "sympy": sympy.__version__,
        "commit": commit,
    }


# --- helpers ---------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def short(text: str, n: int = 50) -> str:
    t = text.encode("unicode_escape").decode("ascii")
    t = t.replace("|", "\\|")
    return t if len(t) <= n else t[: n - 1] + "…"


def collect(problems, submissions):
    """Every answer of the class, in student order, as (problem id, part id, answer, values key)."""
    from grader.classes.submissions import grade_submission
    from grader.model import Verdict, INVALID
    ids = {id(p): pid for pid, p in problems.items()}
    out = []
    placeholder = Verdict(INVALID, 0.0, 0.0)

    def record(problem, part, answer, values=None):
        key = tuple(sorted((values or {}).items()))
        out.append((ids[id(problem)], part.id, answer, key))
        return placeholder

    for sub in submissions:
        grade_submission(problems, sub, check=record)
    return out


# --- measurements ----------------------------------------------------------------------------

def in_network(problem) -> bool:
    """Whether a problem's names live in a network (its worlds are real networks)."""
    return getattr(problem, "network", None) is not None


def measure_ours(problems, answers):
    """Cache off over the distinct expression answers; cache on over every answer."""
    from grader.checking import checker as equivalence
    from grader.model import EXPRESSION, NUMERIC
    distinct = sorted({a for a in answers if problems[a[0]].part(a[1]).kind == EXPRESSION},
                      key=lambda a: (a[0], a[1], a[2], a[3]))
    # per-part setup (world, reference values, rule values): once per part, not per answer
    equivalence.context.cache_clear()
    t0 = time.perf_counter()
    for pid, part_id, _, key in {(a[0], a[1], None, a[3]) for a in answers}:
        problem = problems[pid]
        if problem.part(part_id).kind not in (EXPRESSION, NUMERIC):
            continue
        try:
            equivalence.context(problem, problem.part(part_id), key)
        except Exception as exc:   # a broken bank problem: its answers report it
            log(f"context of {pid}/{part_id} fails: {type(exc).__name__}: {exc}")
    setup = time.perf_counter() - t0

    # cache off: the uncached checker, every distinct answer once; the symbolic stage counted
    from grader.checking import symbolic
    equivalence.clear_caches(contexts=False)
    symbolic.reset_stats()
    sympy_before = "sympy" in sys.modules
    lat = []
    statuses = {}
    t_all = time.perf_counter()
    for a in distinct:
        problem = problems[a[0]]
        part = problem.part(a[1])
        t = time.perf_counter()
        v = equivalence.check(problem, part, a[2], dict(a[3]) or None, cached=False)
        lat.append(time.perf_counter() - t)
        statuses[a] = v
    off_total = time.perf_counter() - t_all
    stage = dict(symbolic.stats(), imported=not sympy_before and "sympy" in sys.modules)

    # all distinct answers (choice, numeric too), cache off
    every = sorted(set(answers), key=lambda a: (a[0], a[1], a[2], a[3]))
    t = time.perf_counter()
    for a in every:
        problem = problems[a[0]]
        equivalence.check(problem, problem.part(a[1]), a[2], dict(a[3]) or None, cached=False)
    every_total = time.perf_counter() - t

    # cache on: every answer of the class through the public check, cache cleared first
    equivalence.clear_caches(contexts=False)
    expr_answers = [a for a in answers if problems[a[0]].part(a[1]).kind == EXPRESSION]
    t = time.perf_counter()
    for a in expr_answers:
        problem = problems[a[0]]
        equivalence.check(problem, problem.part(a[1]), a[2], dict(a[3]) or None)
    on_total = time.perf_counter() - t
    info = equivalence.cache_info()

    slow = sorted(zip(lat, distinct), key=lambda x: -x[0])[:10]
    # network problems (a `network:` block: worlds are real networks, ∂ notation) apart, same run
    groups = {True: [0, 0.0], False: [0, 0.0]}
    for a, t in zip(distinct, lat):
        g = groups[in_network(problems[a[0]])]
        g[0] += 1
        g[1] += t
    return {
        "groups": groups,
        "distinct": distinct, "lat": lat, "verdicts": statuses, "setup": setup,
        "off_total": off_total, "every_count": len(every), "every_total": every_total,
        "on_count": len(expr_answers), "on_total": on_total, "cache_info": info, "slowest": slow,
        "symbolic": stage,
    }


# Answers that need the symbolic stage (README: how a verdict is decided), to time it where it
# runs: the generated class rarely reaches it. (student, reference)
SYMBOLIC_ROWS = [("1/(1+exp(-x)) + 10^(-9)", "1/(1+exp(-x))"), ("(a-x)^6000", "(x-a)^6000"),
                 ("(a^b)^c", "a^(b*c)"), ("x*(1 + 10^(-8))", "x"), ("(x^6000)^(1/3000)", "x^2"),
                 ("0.3333333333*x", "x/3"), ("sqrt(x*y)", "sqrt(x)*sqrt(y)")]


def measure_symbolic(rounds: int = 3) -> dict:
    """The stage's cost where it runs: each row through the uncached check, SymPy imported
    first (its import, once per process, is the cold-start row's `import sympy`)."""
    from grader.checking import checker, symbolic
    import sympy  # noqa: F401
    times = []
    for _ in range(rounds):
        for student, reference in SYMBOLIC_ROWS:
            checker.clear_caches()
            symbolic.reset_stats()
            checker.compare(student, reference)
            times.append(symbolic.stats()["seconds"])
    return {"mean": sum(times) / len(times), "max": max(times), "n": len(times)}


# A six-line derivation (derivation-homework/delta-hidden, the course's chain written out in full)
# and the same chain with the index slip students make at line 5 (W_(kj) for W_(jk)), which line 6
# then follows: every line is checked, the slip is diagnosed, the chain is told it misses the target.
DERIVATION_PART = ("derivation-homework", "delta-hidden")
DERIVATION_GOOD = """delta_j^l
= dc/dz_j^l
= sum_k dc/dz_k^(l+1) * dz_k^(l+1)/da_j^l * da_j^l/dz_j^l
= sum_k delta_k^(l+1) * dz_k^(l+1)/da_j^l * da_j^l/dz_j^l
= sum_k delta_k^(l+1) * W_(jk)^(l+1) * da_j^l/dz_j^l
= sum_k delta_k^(l+1) * W_(jk)^(l+1) * g_l'(z_j^l)
"""
DERIVATION_SLIP = DERIVATION_GOOD.replace("W_(jk)", "W_(kj)")


def measure_derivations(problems, rounds: int) -> dict:
    """The six-line derivation and its slip, each checked `rounds` times through the uncached
    checker (cache off, the part's worlds kept, as for the single expressions); the first check,
    which also builds the part's worlds (its network), apart."""
    from grader.checking import checker
    problem = problems[DERIVATION_PART[0]]
    part = problem.part(DERIVATION_PART[1])
    checker.clear_caches()
    t = time.perf_counter()
    good = checker.check(problem, part, DERIVATION_GOOD, cached=False)
    first = time.perf_counter() - t
    slip = checker.check(problem, part, DERIVATION_SLIP, cached=False)
    wrong = [s.line for s in slip.steps if s.status == "incorrect"]
    if good.status != "correct" or len(good.steps) != 6 or wrong != [5]:
        raise RuntimeError(f"the benchmark's derivations are not graded as they should be: {good.status}, "
                           f"{len(good.steps)} lines; slip marked wrong at {wrong}")
    lat = []
    for _ in range(rounds):
        for text in (DERIVATION_GOOD, DERIVATION_SLIP):
            t = time.perf_counter()
            checker.check(problem, part, text, cached=False)
            lat.append(time.perf_counter() - t)
    return {"n": len(lat), "total": sum(lat), "lat": lat, "first": first}


def profile_ours(problems, distinct, top: int = 15) -> str:
    from grader.checking import checker as equivalence
    pr = cProfile.Profile()
    pr.enable()
    for a in distinct:
        problem = problems[a[0]]
        equivalence.check(problem, problem.part(a[1]), a[2], dict(a[3]) or None, cached=False)
    pr.disable()
    out = io.StringIO()
    st = pstats.Stats(pr, stream=out)
    st.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    out2 = io.StringIO()
    pstats.Stats(pr, stream=out2).sort_stats("cumulative").print_stats(top)
    return _trim_profile(text) + "\n\n" + _trim_profile(out2.getvalue())


def _trim_profile(text: str) -> str:
    lines = text.strip().splitlines()
    keep = []
    started = False
    for line in lines:
        if line.strip().startswith("ncalls"):
            started = True
        if started or "function calls" in line or "Ordered by" in line:
            line = line.replace(str(ROOT) + "/", "")
            line = line.replace(os.path.dirname(os.__file__) + "/", "<stdlib>/")
            keep.append(line)
    return "\n".join(keep)


def cold_start(repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("GRADER_PROBLEMS", None)

    def med(cmd):
        times = []
        code = None
        for _ in range(repeats):
            t = time.perf_counter()
            r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True)
            times.append(time.perf_counter() - t)
            code = r.returncode
        return statistics.median(times), code

    check, code = med([sys.executable, "-m", "grader", "check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2"])
    sympy_t, _ = med([sys.executable, "-c", "import sympy"])
    numpy_t, _ = med([sys.executable, "-c", "import numpy"])
    bare, _ = med([sys.executable, "-c", "pass"])
    return {"check": check, "check_exit": code, "sympy": sympy_t, "numpy": numpy_t, "python": bare}


_E2E = r"""
import json, resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from grader.classes.classrun import grade_class
from grader.authoring.loader import default_bank_dir, load_bank
bank = load_bank(default_bank_dir())
t1 = time.perf_counter()
run = grade_class({src!r}, {out!r}, bank, jobs={jobs}, deadline={deadline}, generated_at="2000-01-01T00:00:00Z")
t2 = time.perf_counter()
print(json.dumps(dict(import_load=t1 - t0, grade=t2 - t1, checked=run.checked, graded=run.graded,
                      errors=run.errors, too_complex=run.too_complex, crashed=run.crashed,
                      incomplete=run.incomplete, rows=run.students, phases=dict(run.seconds),
                      regraded=run.regraded, reused=run.reused,
                      maxrss_self=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      maxrss_children=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)))
"""


def _tree_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def end_to_end(src: Path, out: Path, jobs: int) -> dict:
    """`grade_class` over the class folder in a fresh process (no inherited cache), with its
    wall time, its phases (read, check, grade, write, switch), peak memory of the parent and
    of the largest worker, and the size of what it wrote (the output set and the gradebook)."""
    code = _E2E.format(root=str(ROOT), src=str(src), out=str(out), jobs=jobs, deadline=BUDGET)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("GRADER_PROBLEMS", None)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"end-to-end run failed ({r.returncode}): {r.stderr[-2000:]}")
    data = json.loads(r.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    data["outputs"] = sorted(p.name for p in out.iterdir())
    data["set_bytes"] = _tree_bytes(out / ".grader" / "current")
    data["db_bytes"] = sum(p.stat().st_size for p in (out / ".grader").glob("gradebook.sqlite*"))
    data["stderr_lines"] = len([x for x in r.stderr.splitlines() if x.strip()])
    return data


def scale(sizes: list[int], jobs: int, seed: int, work: Path) -> list[dict]:
    """The whole class end to end at several sizes, each generated fresh (classgen, same seed)
    and graded in a fresh process into an empty OUTDIR."""
    rows = []
    for n in sizes:
        src, out = work / f"class-{n}", work / f"out-{n}"
        for p in (src, out):
            if p.exists():
                shutil.rmtree(p)
        log(f"scale: generating {n:,} students")
        subprocess.run([sys.executable, str(ROOT / "bench" / "classgen.py"), str(src), "--students", str(n),
                        "--seed", str(seed)], check=True, capture_output=True)
        log(f"scale: grading {n:,} students with {jobs} jobs")
        e2e = end_to_end(src, out, jobs)
        e2e["students"] = n
        e2e["input_bytes"] = _tree_bytes(src)
        rows.append(e2e)
        log(f"scale: {n:,} students in {e2e['wall']:.1f} s, parent {e2e['maxrss_self'] / 1024:.0f} MB")
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return rows


# The figures issue 15 was filed with, printed next to each new series.
BEFORE_ISSUE_15 = ("Before (the figures issue 15 was filed with, from its fault-injection runs): the parent's memory grew about "
                   "127 KB a student (317 MB at 2,000 students, 2.6 GB at 20,000; some 13 GB would have been "
                   "needed at 100,000), and writing the outputs took 55-75% of the wall time (one fsync per "
                   "file, 4,004 files for 2,000 students).")


def scale_report(rows: list[dict], jobs: int, mach: dict) -> str:
    base = rows[0]
    L = [SCALE_BEGIN, "## Scale: whole classes end to end", "",
         f"`python bench/run.py --scale {','.join(str(r['students']) for r in rows)}` on {mach['date']} "
         f"(commit {mach['commit']}, {mach['nproc']} cores, {jobs} jobs): each class "
         f"generated by bench/classgen.py (seed 1) and graded by `grader.classes.classrun.grade_class` in a fresh "
         f"process into an empty OUTDIR (all outputs, gradebook included). Ratios are to the first size.",
         "",
         "| Students | Wall | Per student | Checked (distinct answers) | Read / check / grade / write / switch (s) "
         "| Writing share | Peak memory parent / largest worker | Output set + gradebook | Ratios: students, wall, per student, parent memory |",
         "|---:|---:|---:|---:|---|---:|---|---:|---|"]
    for r in rows:
        ph = r.get("phases") or {}
        writing = ph.get("write", 0.0) + ph.get("switch", 0.0)
        per = r["wall"] / r["students"]
        L.append(
            f"| {r['students']:,} | {r['wall']:.1f} s | {per * 1000:.2f} ms | {r['checked']:,} | "
            + " / ".join(f"{ph.get(k, 0.0):.1f}" for k in ("read", "check", "grade", "write", "switch"))
            + f" | {writing / r['wall']:.0%} | {r['maxrss_self'] / 1024:.0f} MB / {r['maxrss_children'] / 1024:.0f} MB"
            f" | {(r['set_bytes'] + r['db_bytes']) / 1e6:,.0f} MB ({r['set_bytes'] / 1e6:,.0f} + {r['db_bytes'] / 1e6:,.0f})"
            f" | {r['students'] / base['students']:.0f}x, {r['wall'] / base['wall']:.1f}x, "
            f"{per / (base['wall'] / base['students']):.2f}x, {r['maxrss_self'] / base['maxrss_self']:.2f}x |")
    L.append("")
    last = rows[-1]
    L.append(f"Peak parent memory at {last['students']:,} students is {last['maxrss_self'] / base['maxrss_self']:.2f}x "
             f"the {base['students']:,}-student run (target: within 1.5x); cost per student is "
             f"{(last['wall'] / last['students']) / (base['wall'] / base['students']):.2f}x (target: not growing "
             f"faster than linearly, i.e. at most about 1x). Writing share: "
             + ", ".join(f"{(r['phases'] or {}).get('write', 0.0) / r['wall'] + (r['phases'] or {}).get('switch', 0.0) / r['wall']:.0%}"
                         f" at {r['students']:,}" for r in rows)
             + " (target: below 25%).")
    L.append("")
    if jobs > 1:
        L.append("With 2 or more jobs, a helper process writes each student's files (feedback, Gradescope) and "
                 "results.json during the grade step, following the rows as they are stored, on the core the "
                 "grading leaves idle; the write column is what is left once grading ends (gradebook.csv, "
                 "junit.xml, report.html, the LMS exports, and the helper's last rows).")
        L.append("")
    L.append(BEFORE_ISSUE_15)
    L.append(SCALE_END)
    return "\n".join(L)


def profile_writing(problems, out: Path, students: int, top: int = 12) -> str:
    """cProfile of writing the whole output set (`outputs.write_set`) from the end-to-end run's gradebook."""
    from grader.classes import outputs
    from grader.classes.gradebook import Gradebook
    book = Gradebook(out / ".grader" / "gradebook.sqlite")
    target = Path(tempfile.mkdtemp(prefix="grader-bench-write-"))
    try:
        pr = cProfile.Profile()
        pr.enable()
        outputs.write_set(outputs.Rows(book, problems, "2000-01-01T00:00:00Z"), target)
        pr.disable()
    finally:
        book.close()
        shutil.rmtree(target, ignore_errors=True)
    text = io.StringIO()
    pstats.Stats(pr, stream=text).sort_stats("tottime").print_stats(top)
    text2 = io.StringIO()
    pstats.Stats(pr, stream=text2).sort_stats("cumulative").print_stats(top)
    return _trim_profile(text.getvalue()) + "\n\n" + _trim_profile(text2.getvalue())


def _peer(check, problems, sample) -> tuple[list, float]:
    from grader.classes.workers import Task, check_answers
    tasks = [Task(a[0], a[1], a[2]) for a in sample]
    t = time.perf_counter()
    verdicts = {c.task: c.verdict for c in check_answers(tasks, problems, check, jobs=1, deadline=NAIVE_DEADLINE)}
    return [verdicts[t] for t in tasks], time.perf_counter() - t


def _agreement(sample, ours_verdicts, theirs) -> dict:
    rows = []
    for a, nv in zip(sample, theirs):
        timeout = nv.rule == "too-complex"
        crashed = nv.rule in ("worker-crashed", "internal-error")
        rows.append((a, ours_verdicts[a].status, "timeout" if timeout else ("crash" if crashed else nv.status), nv))
    judged = [r for r in rows if r[2] not in ("timeout", "crash")]
    return {
        "timeouts": sum(1 for r in rows if r[2] == "timeout"),
        "crashes": sum(1 for r in rows if r[2] == "crash"),
        "judged": len(judged),
        "agree3": sum(1 for r in judged if r[1] == r[2]),
        "agree2": sum(1 for r in judged if (r[1] == "correct") == (r[2] == "correct")),
        "disagreements": [r for r in rows if r[1] != r[2]],
        "confusion": Counter((r[1], r[2]) for r in rows),
    }


def naive(problems, ours: dict, sample_size: int, seed: int) -> dict:
    """The naive SymPy baseline and the math-verify peer on the same seeded sample of distinct
    scalar expression answers, each answer in a killable worker with a deadline."""
    from naive import mathverify_check, naive_check, scalar_only
    pool = [a for a in ours["distinct"] if scalar_only(problems[a[0]])]
    rng = random.Random(seed)
    sample = rng.sample(pool, min(sample_size, len(pool)))
    sample.sort(key=lambda a: (a[0], a[1], a[2]))
    verdicts, total = _peer(naive_check, problems, sample)
    lat_by = dict(zip(ours["distinct"], ours["lat"]))
    out = {"pool": len(pool), "n": len(sample), "total": total,
           "ours_on_sample": sum(lat_by[a] for a in sample),
           **_agreement(sample, ours["verdicts"], verdicts)}
    try:
        import math_verify  # noqa: F401 - the optional `bench` extra
    except ImportError:
        out["mv"] = None
    else:
        mv, mv_total = _peer(mathverify_check, problems, sample)
        out["mv"] = {"total": mv_total, **_agreement(sample, ours["verdicts"], mv)}
    return out


# --- report ----------------------------------------------------------------------------------

def met(ok: bool) -> str:
    return "**met**" if ok else "**MISSED**"


def build_report(args, mach, gen, ours, cold, e2e, nv, prof, n_answers, wprof="", deriv=None) -> tuple[str, dict]:
    lat_ms = [x * 1000 for x in ours["lat"]]
    n_distinct = len(ours["distinct"])
    thr_off = n_distinct / ours["off_total"] if ours["off_total"] else float("inf")
    thr_on = ours["on_count"] / ours["on_total"] if ours["on_total"] else float("inf")
    thr_every = ours["every_count"] / ours["every_total"] if ours["every_total"] else float("inf")
    p50, p99, pmax = percentile(lat_ms, 0.5), percentile(lat_ms, 0.99), max(lat_ms or [0])
    over = sum(1 for x in ours["lat"] if x > BUDGET)
    naive_thr = nv["n"] / nv["total"] if nv and nv["total"] else float("nan")
    ours_sample_thr = nv["n"] / nv["ours_on_sample"] if nv and nv["ours_on_sample"] else float("nan")
    ratio = ours_sample_thr / naive_thr if nv else float("nan")
    ratio_all = thr_off / naive_thr if nv else float("nan")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    class_secs = e2e["wall"]
    figures = dict(thr_off=thr_off, thr_on=thr_on, p50=p50, p99=p99, pmax=pmax, over=over,
                   class_secs=class_secs, naive_thr=naive_thr, ratio=ratio)
    if deriv:
        d_ms = [x * 1000 for x in deriv["lat"]]
        figures.update(deriv_thr=deriv["n"] / deriv["total"], deriv_ms=deriv["total"] * 1000 / deriv["n"],
                       deriv_p99=percentile(d_ms, 0.99), deriv_max=max(d_ms), deriv_first=deriv["first"] * 1000)

    L = []
    w = L.append
    w("# Benchmark results")
    w("")
    w("Produced by `python bench/run.py" + (" " + " ".join(args.argv) if args.argv else "") + "` "
      "(see bench/README.md). All figures come from one run on the same synthetic class.")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k, label in (("date", "Date (UTC)"), ("nproc", "Cores (nproc)"), ("cpu", "CPU"), ("memory", "Memory"),
                     ("os", "OS"), ("python", "Python"), ("numpy", "NumPy"), ("sympy", "SymPy"),
                     ("commit", "Repository commit")):
        w(f"| {label} | {mach[k]} |")
    w("")
    w("## The class")
    w("")
    w(f"{args.students} students (seed {args.seed}), {gen['problems']} problems, {gen['parts']} parts; "
      f"{n_answers:,} answers given, {gen['distinct_all']:,} distinct (problem, part, answer); "
      f"{gen['expr_answers']:,} answers to expression parts, of which **{n_distinct:,} distinct**. "
      f"Answer files: {gen['bytes']:,} bytes. Mix per part: "
      + ", ".join(f"{k} {v:.1%}" for k, v in gen["mix"].items())
      + f". The {gen['top3']:.0%} of expression answers are one of their part's 3 most common answers.")
    w("")
    w("Verdicts of our grader on the distinct expression answers: "
      + ", ".join(f"{k} {v}" for k, v in sorted(Counter(v.status for v in ours['verdicts'].values()).items())) + ".")
    w("")
    w("## Figures")
    w("")
    w("| Measure | Value |")
    w("|---|---|")
    w(f"| Throughput, distinct expression answers, cache off, 1 process | **{thr_off:,.0f} answers/s** "
      f"({n_distinct:,} in {ours['off_total']:.2f} s) |")
    for flag, label in ((True, "of network problems (a `network:` block)"), (False, "of the other problems")):
        n, t = ours["groups"][flag]
        w(f"| Throughput, distinct expression answers {label}, cache off, 1 process | "
          + (f"{n / t:,.0f} answers/s ({n:,} in {t:.2f} s) |" if n and t else "none in this class |"))
    if deriv:
        w(f"| Six-line derivation (`{'/'.join(DERIVATION_PART)}`, a right chain and one with an index slip at "
          f"line 5), cache off, 1 process | **{figures['deriv_thr']:,.0f} derivations/s**, "
          f"**{figures['deriv_ms']:.1f} ms** each (p99 {figures['deriv_p99']:.1f} ms, max {figures['deriv_max']:.1f} ms; "
          f"{deriv['n']} checks; the first, which also draws the part's networks: {figures['deriv_first']:.0f} ms) |")
    w(f"| Throughput, every distinct answer of every kind (choice, numeric too), cache off | "
      f"{thr_every:,.0f} answers/s ({ours['every_count']:,} in {ours['every_total']:.2f} s) |")
    ci = ours["cache_info"]
    w(f"| Throughput, all {ours['on_count']:,} expression answers of the class, repeat cache on, 1 process | "
      f"**{thr_on:,.0f} answers/s** ({ours['on_total']:.2f} s; cache hits {ci.hits:,}, misses {ci.misses:,}) |")
    st = ours["symbolic"]
    w(f"| Symbolic stage on the distinct expression answers, cache off (README: how a verdict is decided) | "
      f"ran on **{st['runs']:,} of {n_distinct:,} ({st['runs'] / max(1, n_distinct):.2%})**, decided {st['decided']:,}; "
      f"{st['seconds'] * 1000:,.0f} ms in all, {st['seconds'] * 1000 / max(1, st['runs']):.1f} ms each"
      + (", SymPy's import (once per process) included" if st["imported"] else "") + " |")
    if "symbolic_rows" in ours:
        sr = ours["symbolic_rows"]
        w(f"| Symbolic stage where it runs ({len(SYMBOLIC_ROWS)} answers that need it, `SYMBOLIC_ROWS`, "
          f"{sr['n']} checks) | **{sr['mean'] * 1000:.1f} ms** each, max {sr['max'] * 1000:.1f} ms (SymPy's import, "
          f"once per process: the cold-start figures) |")
    w(f"| Per-part setup (worlds, reference and rule values), all parts | {ours['setup'] * 1000:.0f} ms |")
    w(f"| Latency per answer, cache off: p50 / p99 / max | {p50:.2f} ms / **{p99:.2f} ms** / {pmax:.1f} ms |")
    w(f"| Answers over the {BUDGET:.0f} s budget | **{over}** |")
    w(f"| Peak memory (ru_maxrss), this process | {maxrss_mb:.0f} MB |")
    w(f"| Peak memory, end-to-end run: parent / largest worker | {e2e['maxrss_self'] / 1024:.0f} MB / "
      f"{e2e['maxrss_children'] / 1024:.0f} MB |")
    w(f"| `grader check sigmoid derivative ...` cold start (median of {args.repeats}) | "
      f"**{cold['check']:.2f} s** (exit {cold['check_exit']}) |")
    w(f"| `python -c \"import sympy\"` / `import numpy` / bare `python` (median of {args.repeats}) | "
      f"{cold['sympy']:.2f} s / {cold['numpy']:.2f} s / {cold['python']:.2f} s |")
    w(f"| Whole class end to end: `grade_class`, {e2e['jobs']} jobs, all outputs, fresh process | "
      f"**{class_secs:.1f} s** wall (imports + bank {e2e['import_load']:.1f} s, grading + writing "
      f"{e2e['grade']:.1f} s; {e2e['checked']:,} distinct answers checked, {e2e['rows']:,} rows ({e2e['errors']} unreadable), "
      f"{e2e['too_complex']} too complex, {e2e['crashed']} crashed) |")
    ph = e2e.get("phases") or {}
    if ph:
        w("| End to end, by phase (parent process) | " + "; ".join(
            f"`{k}` {v:.1f} s" for k, v in ph.items()) + " |")
    if nv:
        w(f"| Naive baseline (parse_expr + simplify), sample of {nv['n']} distinct scalar expression answers, "
          f"1 process, {NAIVE_DEADLINE:.0f} s limit | **{naive_thr:.2f} answers/s** ({nv['total']:.1f} s; "
          f"{nv['timeouts']} timeouts, {nv['crashes']} crashes) |")
        w(f"| Our grader on the same sample, cache off | {ours_sample_thr:,.0f} answers/s |")
        w(f"| **Ours / naive** (same sample) | **{ratio:,.0f}x** (all distinct expression answers vs naive: "
          f"{ratio_all:,.0f}x) |")
        w(f"| Agreement with our verdicts (answers the baseline judged: {nv['judged']}) | "
          f"right/wrong: **{nv['agree2'] / max(1, nv['judged']):.1%}**; exact status "
          f"(correct/incorrect/invalid): {nv['agree3'] / max(1, nv['judged']):.1%} |")
        mv = nv.get("mv")
        if mv:
            w(f"| Second peer: HuggingFace math-verify (`parse` of `$answer$` + `verify`), same sample, 1 process, "
              f"{NAIVE_DEADLINE:.0f} s limit | **{nv['n'] / mv['total']:.2f} answers/s** ({mv['total']:.1f} s; "
              f"{mv['timeouts']} timeouts, {mv['crashes']} crashes); ours / math-verify: "
              f"**{(nv['n'] / nv['ours_on_sample']) / (nv['n'] / mv['total']):,.0f}x** |")
            w(f"| math-verify's agreement with our verdicts (answers it judged: {mv['judged']}) | "
              f"right/wrong: **{mv['agree2'] / max(1, mv['judged']):.1%}**; exact status: "
              f"{mv['agree3'] / max(1, mv['judged']):.1%} |")
        elif mv is None:
            w("| Second peer: math-verify | not installed (`pip install -e .[bench]`) |")
    w("")
    w("## Targets")
    w("")
    w("| Target | Measured | Verdict |")
    w("|---|---|---|")
    w(f"| >= {TARGETS['throughput']:,.0f} distinct expression answers/s per core, cache off | {thr_off:,.0f}/s | "
      f"{met(thr_off >= TARGETS['throughput'])} ({thr_off / TARGETS['throughput']:.2f}x the target) |")
    if args.students == 2000:
        w(f"| 2,000-student class end to end < {TARGETS['class_seconds']:.0f} s | {class_secs:.1f} s | "
          f"{met(class_secs < TARGETS['class_seconds'])} ({class_secs / TARGETS['class_seconds']:.0%} of the limit) |")
    else:
        w(f"| 2,000-student class end to end < {TARGETS['class_seconds']:.0f} s | {class_secs:.1f} s for "
          f"{args.students} students (not the target size) | not measured at 2,000 students |")
    w(f"| p99 latency < {TARGETS['p99_ms']:.0f} ms | {p99:.2f} ms | {met(p99 < TARGETS['p99_ms'])} |")
    w(f"| no answer over the {BUDGET:.0f} s budget | {over} | {met(over == 0)} (max {pmax:.1f} ms) |")
    if nv:
        w(f"| >= {TARGETS['naive_ratio']:.0f}x the naive baseline | {ratio:,.0f}x | "
          f"{met(ratio >= TARGETS['naive_ratio'])} |")
    w("")
    w("## Slowest answers (cache off)")
    w("")
    w("| ms | problem/part | answer | verdict |")
    w("|---|---|---|---|")
    for dt, a in ours["slowest"]:
        v = ours["verdicts"][a]
        w(f"| {dt * 1000:.1f} | {a[0]}/{a[1]} | `{short(a[2])}` | {v.status} ({v.rule or '-'}) |")
    w("")
    if nv:
        w("## Naive baseline: how it differs from our verdicts")
        w("")
        w("Counts of (ours, naive) on the sample:")
        w("")
        w("| ours | naive | answers |")
        w("|---|---|---|")
        for (o, n), c in sorted(nv["confusion"].items(), key=lambda x: -x[1]):
            w(f"| {o} | {n} | {c} |")
        w("")
        w("A few disagreements:")
        w("")
        w("| problem/part | answer | ours | naive |")
        w("|---|---|---|---|")
        seen = Counter()
        for a, o, n, v in nv["disagreements"]:
            if seen[(o, n)] >= 3:
                continue
            seen[(o, n)] += 1
            extra = f" ({v.feedback[0]})" if v.feedback and n == "invalid" else ""
            w(f"| {a[0]}/{a[1]} | `{short(a[2])}` | {o} ({ours['verdicts'][a].rule or '-'}) | {n}{extra} |")
        w("")
        w("Why they differ: the baseline cannot read `f'(z)` (prime notation), treats every "
          "forbidden/required-name restriction as absent (our `restriction` verdicts are invalid, "
          "its verdicts are correct/incorrect), and `simplify` fails to prove some true identities "
          "(or times out). Where both read the answer the same way they agree.")
        w("")
    if wprof:
        w(f"## Profile of writing the outputs (`outputs.write_set`, the whole class of {args.students:,}, one process, cProfile)")
        w("")
        w("```")
        w(wprof)
        w("```")
        w("")
    w("## Profile of the cache-off pass (cProfile, top functions)")
    w("")
    w("```")
    w(prof)
    w("```")
    w("")
    return "\n".join(L), figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the grader (see bench/README.md).")
    ap.add_argument("--students", type=int, default=None, help="class size (default 2000; 200 with --quick)")
    ap.add_argument("--sample", type=int, default=None, help="answers for the naive baseline (default 200; 30 with --quick)")
    ap.add_argument("--quick", action="store_true", help="small class and sample, no results.md unless --results")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the end-to-end run")
    ap.add_argument("--repeats", type=int, default=5, help="cold-start repetitions")
    ap.add_argument("--results", default=None, help="where to write the Markdown report (default bench/results.md)")
    ap.add_argument("--keep", default=None, help="keep the class and the outputs in this folder")
    ap.add_argument("--scale", default=None, metavar="N,N,...",
                    help="only the end-to-end runs at these class sizes (e.g. 2000,20000,100000)")
    ap.add_argument("--rerun", type=int, default=None, metavar="N",
                    help="only the rerun benchmark at N students: fresh run, rerun with nothing changed, with 1%% changed")
    args = ap.parse_args(argv)
    if args.scale:
        return main_scale(args)
    if args.rerun:
        return main_rerun(args)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # so `finally` removes the work folder
    args.argv = list(argv if argv is not None else sys.argv[1:])
    if args.students is None:
        args.students = 200 if args.quick else 2000
    if args.sample is None:
        args.sample = 30 if args.quick else 200
    if args.results is None and not args.quick:
        args.results = str(ROOT / "bench" / "results.md")

    from grader.model import EXPRESSION
    from grader.authoring.loader import default_bank_dir, load_bank
    from grader.classes.submissions import load_directory
    import classgen

    mach = machine()
    bank = load_bank(default_bank_dir())
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grader-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src, out = work / "class", work / "out"
    for p in (src, out):
        if p.exists():
            shutil.rmtree(p)
    try:
        log(f"generating {args.students} students over {len(bank)} problems")
        klass = classgen.generate(bank, args.students, args.seed)
        size = classgen.write_class(src, klass)
        submissions = load_directory(src)
        answers = collect(bank, submissions)
        expr = [a for a in answers if bank[a[0]].part(a[1]).kind == EXPRESSION]
        counts = Counter(expr)
        per_part = Counter()
        top3 = 0
        by_part: dict = {}
        for a, c in counts.items():
            by_part.setdefault((a[0], a[1]), []).append(c)
        for cs in by_part.values():
            top3 += sum(sorted(cs, reverse=True)[:3])
        gen = {"problems": len(bank), "parts": sum(len(p.parts) for p in bank.values()), "bytes": size,
               "distinct_all": len(set(answers)), "expr_answers": len(expr), "mix": classgen.MIX,
               "top3": top3 / max(1, len(expr))}
        del per_part

        log(f"our grader: {len(answers):,} answers, {len(counts):,} distinct expression answers")
        ours = measure_ours(bank, answers)
        log(f"cache off: {len(ours['distinct']) / ours['off_total']:,.0f} answers/s")
        ours["symbolic_rows"] = measure_symbolic()
        log(f"symbolic stage: {ours['symbolic']}, on its own rows {ours['symbolic_rows']}")
        deriv = measure_derivations(bank, 10 if args.quick else 100)
        log(f"six-line derivations, cache off: {deriv['n'] / deriv['total']:,.0f} /s")
        log("profiling the cache-off pass")
        prof = profile_ours(bank, ours["distinct"])
        log("cold start")
        cold = cold_start(args.repeats)
        log(f"end to end with {args.jobs} jobs")
        e2e = end_to_end(src, out, args.jobs)
        e2e["jobs"] = args.jobs
        log(f"end to end: {e2e['wall']:.1f} s")
        log("profiling the output writing")
        wprof = profile_writing(bank, out, min(args.students, 500))
        nv = None
        if args.sample > 0:
            log(f"naive baseline on {args.sample} answers (up to {NAIVE_DEADLINE:.0f} s each)")
            nv = naive(bank, ours, args.sample, args.seed)
            log(f"naive: {nv['n'] / nv['total']:.2f} answers/s, {nv['timeouts']} timeouts")
        report, fig = build_report(args, mach, gen, ours, cold, e2e, nv, prof, len(answers), wprof, deriv)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("distinct expression answers/s, cache off", f"{fig['thr_off']:,.0f}", f">= {TARGETS['throughput']:,.0f}",
         fig["thr_off"] >= TARGETS["throughput"]),
        ("expression answers/s, cache on", f"{fig['thr_on']:,.0f}", "", None),
        ("latency p50 / p99 / max (ms)", f"{fig['p50']:.2f} / {fig['p99']:.2f} / {fig['pmax']:.1f}",
         f"p99 < {TARGETS['p99_ms']:.0f}", fig["p99"] < TARGETS["p99_ms"]),
        ("answers over budget", str(fig["over"]), "0", fig["over"] == 0),
        ("six-line derivations/s, cache off", f"{fig['deriv_thr']:,.0f}", "", None),
        ("ms per six-line derivation (p99)", f"{fig['deriv_ms']:.1f} ({fig['deriv_p99']:.1f})",
         f"< {TARGETS['derivation_ms']:.0f}", fig["deriv_p99"] < TARGETS["derivation_ms"]),
        (f"class of {args.students} end to end (s)", f"{fig['class_secs']:.1f}", f"< {TARGETS['class_seconds']:.0f} (2000)",
         fig["class_secs"] < TARGETS["class_seconds"] if args.students == 2000 else None),
        ("grader check cold start (s)", f"{cold['check']:.2f}", f"import sympy {cold['sympy']:.2f}", None),
    ]
    if nv:
        rows.append(("naive answers/s", f"{fig['naive_thr']:.2f}", "", None))
        rows.append(("ours / naive", f"{fig['ratio']:,.0f}x", f">= {TARGETS['naive_ratio']:.0f}x",
                     fig["ratio"] >= TARGETS["naive_ratio"]))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>22}  {'target':>22}  result")
    for name, value, target, ok in rows:
        res = "" if ok is None else ("met" if ok else "MISSED")
        print(f"{name:<{width}}  {value:>22}  {target:>22}  {res}")
    if args.results:
        target = Path(args.results)
        kept = ""
        if target.exists():   # the hand-written analysis below the marker survives a rerun
            old = target.read_text(encoding="utf-8")
            if ANALYSIS_MARKER in old:
                kept = old[old.index(ANALYSIS_MARKER):]
        import rerun
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        blocks = "".join(b + "\n\n" for b in (_block(text, SCALE_BEGIN, SCALE_END),
                                               _block(text, rerun.RERUN_BEGIN, rerun.RERUN_END)) if b)
        target.write_text(report.rstrip("\n") + "\n\n" + blocks + (kept or ANALYSIS_MARKER + "\n"), encoding="utf-8")
        log(f"wrote {args.results}")
    return 0


def _block(text: str, begin: str, end: str) -> str:
    """A block written by `--scale` or `--rerun`, kept when the full run rewrites results.md."""
    if begin in text and end in text:
        return text[text.index(begin):text.index(end) + len(end)]
    return ""


def main_scale(args) -> int:
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [int(x) for x in args.scale.split(",") if x.strip()]
    mach = machine()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grader-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = scale(sizes, args.jobs, args.seed, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    block = scale_report(rows, args.jobs, mach)
    print(block)
    put_block(block, Path(args.results or ROOT / "bench" / "results.md"), SCALE_BEGIN, SCALE_END)
    return 0


def put_block(block: str, target: Path, begin: str, end: str) -> None:
    """`block` (from `begin` to `end`) into results.md: in place of the last one, else before the
    hand-written analysis, else at the end."""
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    old = _block(text, begin, end)
    if old:
        text = text.replace(old, block)
    elif ANALYSIS_MARKER in text:
        text = text.replace(ANALYSIS_MARKER, block + "\n\n" + ANALYSIS_MARKER)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    target.write_text(text, encoding="utf-8")
    log(f"wrote {target}")


def main_rerun(args) -> int:
    """`--rerun N`: bench/rerun.py's table, printed and written into results.md."""
    import rerun
    mach = machine()
    block = rerun.report(rerun.measure(ROOT, args.rerun, args.seed, args.jobs, end_to_end, log), mach)
    print(block)
    put_block(block, Path(args.results or ROOT / "bench" / "results.md"), rerun.RERUN_BEGIN, rerun.RERUN_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
