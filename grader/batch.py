"""Grade a whole class directory in parallel and write every report into an output folder.

* Every distinct (problem, part, answer, given values) is checked once, in worker processes;
  a class writes the same few answers again and again.
* Each check has a wall-clock deadline enforced by *killing* the worker process running it
  (SIGKILL, then a fresh worker): a pathological answer cannot stall the batch. It is graded
  ``invalid`` with rule ``too-complex``.
* Every output file is written atomically, so an interrupted run leaves the previous files
  (or none), never half of one; running again completes the job.
* ``students=[...]`` regrades only those students and keeps everybody else's previous
  results from ``OUT/results.json``.
* Deterministic: two runs over the same input give byte-identical files; the only exception
  is the "Generated at" line of report.html (set SOURCE_DATE_EPOCH to pin it).

Output files (see `grader.reports`): ``results.json``, ``gradebook.csv``, ``junit.xml``,
``report.html``, ``feedback/<student>.md``, ``gradescope/<student>/results.json``.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from grader import reports
from grader.model import INVALID, Problem, SubmissionResult, Verdict
from grader.submissions import Submission, grade_submission, load_directory, scan

__all__ = [
    "BatchOutcome", "BatchError", "grade_directory", "grade_answers", "fail_under",
    "safe_log_text", "TOO_COMPLEX", "EXIT_OK", "EXIT_ERRORS", "EXIT_NOTHING",
]

TOO_COMPLEX = "This answer is too complex to check within the time limit."
CRASHED = ("The grader stopped unexpectedly while checking this answer; "
           "please tell your instructor.")
INTERNAL_ERROR = ("The grader could not check this answer because of an internal error; "
                  "please tell your instructor.")

EXIT_OK = 0          # every submission graded
EXIT_ERRORS = 3      # some submission could not be graded (error rows)
EXIT_NOTHING = 4     # no submission found

_STARTUP_TIMEOUT = 120.0     # seconds for a worker to start (spawn imports sympy)
_MAX_STARTUP_FAILURES = 5


class BatchError(Exception):
    """The batch cannot run at all (no such directory, an unusable output folder, a
    results.json to merge with that is not ours). The message is for the person running it."""


@dataclass
class BatchOutcome:
    results: list[SubmissionResult]
    graded: int
    errors: int
    found: int = 0                 # submissions found in the source directory by this run
    out: Optional[Path] = None
    checked: int = 0               # distinct answers checked by this run
    too_complex: int = 0           # of which killed at the deadline (the checker's own
                                   # static "too complex" verdicts are not counted here)
    crashed: int = 0               # of which lost to a worker that died

    @property
    def exit_code(self) -> int:
        """0: every submission graded; 3: some could not be graded; 4: none found."""
        if self.found == 0:
            return EXIT_NOTHING
        if self.errors:
            return EXIT_ERRORS
        return EXIT_OK


def fail_under(outcome: BatchOutcome, score: float) -> bool:
    """For ``--fail-under SCORE``: True (fail the run) when some submission scored fewer than
    `score` points (a submission that could not be graded scores 0), or when there is none."""
    if not outcome.results:
        return True
    return any(r.score < score - 1e-9 for r in outcome.results)


# --- log safety ------------------------------------------------------------------------------

_LOG_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_log_text(s: object) -> str:
    """Student text made safe to print in a CI log: one line (control characters, including
    newlines and terminal escapes, shown as ``\\xNN`` / ``\\uNNNN``), and no GitHub Actions
    workflow command (``::set-output``, ``::add-mask::``, ``::stop-commands::``...) or legacy
    ``##[...]`` / ``##vso[...]`` command can start anywhere in it: every ``::`` becomes
    ``: :`` and every ``##`` becomes ``# #``."""
    text = "" if s is None else str(s)

    def esc(m: re.Match) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    text = _LOG_CONTROL.sub(esc, text)
    while "::" in text:
        text = text.replace("::", ": :")
    while "##" in text:
        text = text.replace("##", "# #")
    return text


def _stderr(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


# --- the worker pool -------------------------------------------------------------------------

def _worker_main(conn, check, problems) -> None:
    """A worker process: check answers sent over `conn` until told to stop."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and kills us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (fork)
    except (ValueError, OSError):
        pass
    try:
        conn.send(("ready", None, None))
    except (OSError, EOFError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        tid, pid, part_id, answer, values = msg
        try:
            problem = problems[pid]
            part = problem.part(part_id)
            verdict = check(problem, part, answer, None if values is None else dict(values))
            if not isinstance(verdict, Verdict):
                raise TypeError(f"check returned {type(verdict).__name__}, not a Verdict")
            reply = ("ok", tid, verdict)
        except Exception as exc:   # noqa: BLE001 - any failure is this answer's, not the batch's
            reply = ("error", tid, f"{type(exc).__name__}: {exc}"[:1000])
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as exc:   # an unpicklable verdict
            try:
                conn.send(("error", tid, f"cannot send verdict: {type(exc).__name__}"))
            except Exception:
                return


def _context():
    methods = multiprocessing.get_all_start_methods()
    # fork: the bank and the check function are inherited, nothing has to be pickled
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _Worker:
    def __init__(self, ctx, check, problems):
        parent, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, check, problems),
                                name="grader-worker", daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False
        self.born = time.monotonic()
        self.task: Optional[int] = None
        self.started = 0.0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except Exception:
            pass
        self.proc.join(timeout=10)
        try:
            self.conn.close()
        except Exception:
            pass

    def stop(self) -> None:
        if self.proc.is_alive() and self.task is None and self.ready:
            try:
                self.conn.send(None)
            except Exception:
                pass
            self.proc.join(timeout=1)
        if self.proc.is_alive():
            self.kill()
        else:
            self.proc.join(timeout=1)
            try:
                self.conn.close()
            except Exception:
                pass


Task = tuple  # (problem id, part id, answer, values as a sorted tuple of pairs or None)


def _too_complex(points: float) -> Verdict:
    return Verdict(status=INVALID, score=0.0, max_score=float(points), feedback=(TOO_COMPLEX,),
                   rule="too-complex")


def grade_answers(tasks: list[Task], problems: dict[str, Problem], check: Callable[..., Verdict],
                  *, jobs: int = 1, deadline: float = 5.0,
                  on_done: Optional[Callable[[], None]] = None,
                  log: Optional[Callable[[str], None]] = None,
                  mp_context=None) -> dict[int, Verdict]:
    """Check each task in worker processes, at most `jobs` at a time; a check running longer
    than `deadline` seconds is killed with its process and graded too-complex. Returns
    ``task index -> Verdict``. Workers are always separate processes (even for jobs=1), so
    that a stuck check can be killed."""
    results: dict[int, Verdict] = {}
    if not tasks:
        return results
    log = log or _stderr
    ctx = mp_context or _context()
    n = max(1, min(int(jobs or 1), len(tasks)))
    queue = deque(range(len(tasks)))
    workers: list[_Worker] = []
    startup_failures = 0

    def points(tid: int) -> float:
        pid, part_id = tasks[tid][0], tasks[tid][1]
        part = problems[pid].part(part_id)
        return float(part.points) if part is not None else 0.0

    def finish(tid: int, verdict: Verdict) -> None:
        results[tid] = verdict
        if on_done:
            on_done()

    def replace(w: _Worker) -> None:
        w.kill()
        workers[workers.index(w)] = _Worker(ctx, check, problems)

    try:
        workers.extend(_Worker(ctx, check, problems) for _ in range(n))
        while len(results) < len(tasks):
            # hand out work
            for w in list(workers):
                if w.ready and w.task is None and queue:
                    tid = queue.popleft()
                    try:
                        w.conn.send((tid, *tasks[tid]))
                    except (OSError, EOFError, BrokenPipeError):
                        queue.appendleft(tid)
                        replace(w)
                        continue
                    w.task = tid
                    w.started = time.monotonic()
            now = time.monotonic()
            waits = [w.started + deadline - now for w in workers if w.task is not None]
            waits += [w.born + _STARTUP_TIMEOUT - now for w in workers if not w.ready]
            timeout = max(0.0, min(waits)) if waits else 0.5
            ready = multiprocessing.connection.wait([w.conn for w in workers], timeout)
            by_conn = {id(w.conn): w for w in workers}
            for conn in ready:
                w = by_conn.get(id(conn))
                if w is None:
                    continue
                try:
                    kind, tid, payload = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=2)
                    code = w.proc.exitcode
                    if w.task is not None:
                        log(f"grader: a worker died (exit code {code}) while checking "
                            f"{tasks[w.task][0]}/{tasks[w.task][1]}; that answer is marked invalid")
                        finish(w.task, Verdict(status=INVALID, score=0.0, max_score=points(w.task),
                                               feedback=(CRASHED,), rule="worker-crashed"))
                    elif not w.ready:
                        startup_failures += 1
                        if startup_failures > _MAX_STARTUP_FAILURES:
                            raise BatchError(f"grading workers fail to start (exit code {code})")
                    w.task = None
                    replace(w)
                    continue
                if kind == "ready":
                    w.ready = True
                    continue
                if tid != w.task:
                    continue
                w.task = None
                if kind == "ok":
                    finish(tid, payload)
                else:
                    log(f"grader: internal error while checking {tasks[tid][0]}/{tasks[tid][1]}: "
                        f"{safe_log_text(payload)}")
                    finish(tid, Verdict(status=INVALID, score=0.0, max_score=points(tid),
                                        feedback=(INTERNAL_ERROR,), rule="internal-error"))
            now = time.monotonic()
            for w in list(workers):
                if w.task is not None and now - w.started >= deadline:
                    if w.conn.poll(0):
                        continue   # the answer arrived just in time: read it next round
                    tid, w.task = w.task, None
                    replace(w)    # SIGKILL: the only thing a stuck C extension obeys
                    finish(tid, _too_complex(points(tid)))
                elif not w.ready and now - w.born >= _STARTUP_TIMEOUT:
                    raise BatchError("grading workers do not start (timed out)")
    finally:
        for w in workers:
            w.stop()
    return results


# --- the batch -------------------------------------------------------------------------------

def _values_key(values: Optional[dict[str, float]]):
    if values is None:
        return None
    return tuple(sorted((str(k), float(v)) for k, v in values.items()))


def _sort_key(task: Task):
    return (task[0], task[1], task[2], repr(task[3]))


def _collect_tasks(problems: dict[str, Problem], submissions: list[Submission]) -> list[Task]:
    """Every distinct answer the submissions need checked, in a deterministic order."""
    ids = {id(p): pid for pid, p in problems.items()}
    found: set[Task] = set()
    placeholder = Verdict(status=INVALID, score=0.0, max_score=0.0)

    def record(problem, part, answer, values=None):
        found.add((ids[id(problem)], part.id, answer, _values_key(values)))
        return placeholder

    for sub in submissions:
        grade_submission(problems, sub, check=record)
    return sorted(found, key=_sort_key)


def _generated_at() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        when = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    else:
        when = datetime.now(timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


_OUR_TMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def _ensure_dir(path: Path) -> None:
    if os.path.islink(path):
        raise BatchError(f"{path} is a symbolic link; refusing to write through it")
    if path.exists() and not path.is_dir():
        raise BatchError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)


def _remove_stale_tmp(folder: Path) -> None:
    """Temporary files of an interrupted run (atomic_write's ``.<name>.XXXXXXXX.tmp``)."""
    try:
        with os.scandir(folder) as it:
            for e in it:
                if _OUR_TMP.match(e.name) and e.is_file(follow_symlinks=False):
                    try:
                        os.unlink(e.path)
                    except OSError:
                        pass
    except OSError:
        pass


def _inside(folder: Path, name: str) -> Path:
    """folder/name, refusing anything that would not be a direct child of folder."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name \
            or os.sep in name or (os.altsep and os.altsep in name):
        raise BatchError(f"unsafe file name {name!r}")
    path = folder / name
    if path.parent != folder:
        raise BatchError(f"unsafe file name {name!r}")
    return path


def write_outputs(out: Path, results: list[SubmissionResult], problems: dict[str, Problem],
                  generated_at: Optional[str] = None) -> None:
    """Write every report for `results` into `out`, each file atomically; per-student files
    of students no longer in `results` are removed."""
    out = Path(out)
    if os.path.islink(out) and not out.is_dir():
        raise BatchError(f"{out} is a symbolic link that does not point to a folder")
    out.mkdir(parents=True, exist_ok=True)
    feedback_dir = out / "feedback"
    gradescope_dir = out / "gradescope"
    _ensure_dir(feedback_dir)
    _ensure_dir(gradescope_dir)
    for folder in (out, feedback_dir):
        _remove_stale_tmp(folder)

    results = sorted(results, key=lambda r: r.student)
    names = reports.student_filenames(r.student for r in results)
    for r in results:
        name = names[r.student]
        reports.atomic_write(_inside(feedback_dir, f"{name}.md"), reports.feedback_markdown(r, problems))
        gs = _inside(gradescope_dir, name)
        _ensure_dir(gs)
        _remove_stale_tmp(gs)
        reports.atomic_write(gs / "results.json", reports.gradescope_json(r))

    # students gone since the last run: their per-student files go too (ours only)
    keep_md = {f"{n}.md" for n in names.values()}
    keep_gs = set(names.values())
    with os.scandir(feedback_dir) as it:
        for e in it:
            if e.name.endswith(".md") and e.name not in keep_md and e.is_file(follow_symlinks=False):
                os.unlink(e.path)
    with os.scandir(gradescope_dir) as it:
        for e in it:
            if e.name not in keep_gs and e.is_dir(follow_symlinks=False):
                stale = Path(e.path) / "results.json"
                if stale.is_file() and not stale.is_symlink():
                    stale.unlink()
                _remove_stale_tmp(Path(e.path))
                try:
                    os.rmdir(e.path)
                except OSError:
                    pass

    reports.atomic_write(out / "gradebook.csv", reports.gradebook_csv(results, problems))
    reports.atomic_write(out / "junit.xml", reports.junit_xml(results, problems))
    reports.atomic_write(out / "report.html",
                         reports.report_html(results, problems, generated_at or _generated_at()))
    reports.atomic_write(out / "results.json", reports.results_json(results))


def _previous_results(out: Path) -> list[SubmissionResult]:
    path = out / "results.json"
    if not path.exists():
        return []
    if path.is_symlink():
        raise BatchError(f"{path} is a symbolic link; refusing to read it")
    try:
        return reports.parse_results_json(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchError(f"cannot keep the other students' results: {path} is not a results "
                         f"file written by this grader ({exc})") from None


def _summary_to_github(results: list[SubmissionResult], log) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(reports.github_summary_markdown(results))
            fh.write("\n")
    except OSError as exc:
        log(f"grader: cannot write the GitHub step summary: {safe_log_text(exc)}")


def grade_directory(src: Path | str, out: Path | str, problems: dict[str, Problem] | Path | str, *,
                    jobs: Optional[int] = None, students: Optional[list[str]] = None,
                    deadline: float = 5.0, progress: Optional[bool] = None,
                    check: Optional[Callable[..., Verdict]] = None,
                    generated_at: Optional[str] = None,
                    log: Optional[Callable[[str], None]] = None) -> BatchOutcome:
    """Grade every submission in `src` (see `submissions.scan`) against `problems` (a bank,
    or a bank folder) and write the reports into `out`.

    `jobs`: worker processes (default: the number of CPUs). `students`: regrade only these,
    keeping the others' results from an existing ``out/results.json``. `deadline`: seconds
    per distinct answer. `progress`: a progress bar on stderr (default: only when stderr is a
    terminal and $CI is not set). `check` replaces `equivalence.check` (tests). `log` receives
    warning lines (default: stderr); student text in them is passed through `safe_log_text`.
    When $GITHUB_STEP_SUMMARY is set the Markdown summary is appended to that file.
    """
    log = log or _stderr
    src, out = Path(src), Path(out)
    if not isinstance(problems, dict):
        from grader import problems as _problems
        problems = _problems.load_bank(problems)
    if check is None:
        from grader import equivalence
        check = equivalence.check
    if not src.is_dir():
        raise BatchError(f"{src} is not a folder")
    if deadline is None or deadline <= 0:
        raise BatchError("the deadline must be a positive number of seconds")

    previous: list[SubmissionResult] = []
    wanted = None
    if students is not None:
        wanted = sorted(set(students))
        previous = _previous_results(out)

    found = sum(1 for e in scan(src) if wanted is None or e.student in wanted)
    if found == 0:
        return BatchOutcome(results=previous, graded=0, errors=0, found=0, out=out)
    submissions = load_directory(src, wanted)

    with _sigterm_as_exit():
        return _run(src, out, problems, submissions, previous, found, jobs=jobs, deadline=deadline,
                    progress=progress, check=check, generated_at=generated_at, log=log)


class _sigterm_as_exit:
    """While grading, `kill` (SIGTERM) unwinds like Ctrl-C: workers are killed and no
    temporary file is left behind (only possible in the main thread)."""

    def __enter__(self):
        self.installed = False
        try:
            self.previous = signal.signal(signal.SIGTERM, self._handler)
            self.installed = True
        except (ValueError, OSError, AttributeError):   # not the main thread
            pass
        return self

    @staticmethod
    def _handler(signum, frame):
        raise SystemExit(128 + signum)

    def __exit__(self, *exc):
        if self.installed:
            try:
                signal.signal(signal.SIGTERM, self.previous if self.previous is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass
        return False


def _run(src, out, problems, submissions, previous, found, *, jobs, deadline, progress, check,
         generated_at, log) -> BatchOutcome:
    tasks = _collect_tasks(problems, submissions)
    if progress is None:
        progress = _stderr_is_tty() and not os.environ.get("CI")
    bar = None
    if progress and tasks:
        import click
        bar = click.progressbar(length=len(tasks), label="Grading", file=sys.stderr)
        bar.__enter__()
    try:
        verdicts = grade_answers(tasks, problems, check, jobs=jobs or os.cpu_count() or 1,
                                 deadline=deadline, log=log,
                                 on_done=(lambda: bar.update(1)) if bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    by_key = {task: verdicts[i] for i, task in enumerate(tasks)}
    ids = {id(p): pid for pid, p in problems.items()}

    def lookup(problem, part, answer, values=None):
        return by_key[(ids[id(problem)], part.id, answer, _values_key(values))]

    from grader.othervalues import classmates_values
    others = classmates_values(problems, [sub.student for sub in submissions] + [r.student for r in previous])
    fresh = [grade_submission(problems, sub, check=lookup, others=others) for sub in submissions]
    regraded = {r.student for r in fresh}
    results = sorted([r for r in previous if r.student not in regraded] + fresh,
                     key=lambda r: r.student)
    for r in fresh:
        if r.status == "error":
            log(f"grader: {safe_log_text(r.student)}: could not be graded: {safe_log_text(r.message)}")

    write_outputs(out, results, problems, generated_at)
    _summary_to_github(results, log)
    errors = sum(1 for r in results if r.status == "error")
    return BatchOutcome(
        results=results, graded=len(results) - errors, errors=errors, found=found, out=out,
        checked=len(tasks),
        too_complex=sum(1 for v in verdicts.values() if v.feedback == (TOO_COMPLEX,)),
        crashed=sum(1 for v in verdicts.values() if v.rule == "worker-crashed"))


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
