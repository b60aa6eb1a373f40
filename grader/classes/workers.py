"""The killable worker pool: check answers in separate processes, each under a wall-clock deadline.

Why processes: a check stuck inside C (a huge power in SymPy) obeys nothing but SIGKILL, so
every check runs in a worker that can be killed at its deadline and replaced.

Why the care about parents: a worker must never outlive the run that started it (kill -9 of the
parent included), or it holds the caller's stdout open and ``grader grade ... | cat`` never
ends. Each worker (Linux) asks the kernel for SIGKILL when its parent dies (prctl
PR_SET_PDEATHSIG), closes every inherited copy of the parent's pipe ends (so a parent that is
gone reads as end-of-file), and points its stdin/stdout at /dev/null.

Why the retry: a worker can die for reasons that are not the answer's (out of memory, a stray
signal). An answer whose worker died is checked once more in a fresh worker; only a second
death makes it `worker-crashed`, and the caller is told (`Checked.final` is False) so the
submission is reported as not fully graded and the answer is tried again on the next run.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

from grader.errors import GraderError, took_too_long
from grader.limits import DEADLINE_SECONDS
from grader.model import INVALID, Problem, Verdict

__all__ = ["Task", "Checked", "PoolError", "check_answers", "Helper", "HelperError", "can_fork",
           "CRASHED", "INTERNAL_ERROR"]

CRASHED = ("The grader stopped unexpectedly while checking this answer; "
           "please tell your instructor.")
INTERNAL_ERROR = ("The grader could not check this answer because of an internal error; "
                  "please tell your instructor.")

_STARTUP_TIMEOUT = 120.0     # seconds for a worker to start (spawn imports sympy)
_MAX_STARTUP_FAILURES = 5
_PR_SET_PDEATHSIG = 1


class PoolError(GraderError):
    """The workers cannot run at all (they fail to start)."""


@dataclass(frozen=True)
class Task:
    """One distinct answer to check: `values` are the student's given values as sorted pairs."""

    problem: str
    part: str
    answer: str
    values: Optional[tuple[tuple[str, float], ...]] = None


@dataclass(frozen=True)
class Checked:
    """A task's verdict. `final` is False when the verdict stands in for a check that could not
    finish (the worker died twice): the answer must be checked again on a later run."""

    task: Task
    verdict: Verdict
    final: bool = True
    timed_out: bool = False     # killed at its deadline
    seconds: float = 0.0        # wall time the check took (what a student's time budget is charged)


def _die_with_parent(parent_pid: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):   # not Linux: the closed pipe below still ends us
        pass
    if os.getppid() != parent_pid:      # the parent died before prctl took effect
        os._exit(0)


def _quiet_stdio() -> None:
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def _worker_main(conn, check, problems, parent_pid, close_fds) -> None:
    """A worker process: check answers sent over `conn` until told to stop or the parent goes."""
    _child_start(parent_pid, close_fds)
    try:
        conn.send(("ready", None))
    except (OSError, EOFError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        task: Task = msg
        try:
            problem = problems[task.problem]
            part = problem.part(task.part)
            verdict = check(problem, part, task.answer, None if task.values is None else dict(task.values))
            if not isinstance(verdict, Verdict):
                raise TypeError(f"check returned {type(verdict).__name__}, not a Verdict")
            reply = ("ok", verdict)
        except Exception as exc:   # noqa: BLE001 - any failure is this answer's, not the batch's
            reply = ("error", f"{type(exc).__name__}: {exc}"[:1000])
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as exc:   # an unpicklable verdict
            try:
                conn.send(("error", f"cannot send verdict: {type(exc).__name__}"))
            except Exception:
                return


def _kill(proc, conn) -> None:
    """A child stopped for good (SIGKILL), reaped, its pipe closed."""
    try:
        proc.kill()
    except Exception:
        pass
    proc.join(timeout=10)
    try:
        conn.close()
    except Exception:
        pass


def _context():
    methods = multiprocessing.get_all_start_methods()
    # fork: the bank and the check function are inherited, nothing has to be pickled
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def can_fork() -> bool:
    """Whether a child can inherit what it needs (a helper's job is not pickled)."""
    return "fork" in multiprocessing.get_all_start_methods()


class _Worker:
    def __init__(self, ctx, check, problems, keep_closed: list[int]):
        parent, child = ctx.Pipe(duplex=True)
        close = [parent.fileno(), *keep_closed]
        self.proc = ctx.Process(target=_worker_main,
                                args=(child, check, problems, os.getpid(), close),
                                name="grader-worker", daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False
        self.born = time.monotonic()
        self.task: Optional[Task] = None
        self.started = 0.0

    def kill(self) -> None:
        _kill(self.proc, self.conn)

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


def _child_start(parent_pid: int, close_fds: Iterable[int]) -> None:
    """What every child of ours does first: die with the parent, drop the parent's file
    descriptors (the other ends of pipes, the OUTDIR lock), leave Ctrl-C to the parent."""
    _die_with_parent(parent_pid)
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    _quiet_stdio()
    try:
        # Set, never inherited, so that a child behaves the same however the grader was started.
        # The grader itself keeps an inherited "SIGINT ignored" (`grader grade ... &` in a script,
        # some CI runners: whoever ignored Ctrl-C for it meant it) and always stops cleanly on
        # SIGTERM (the CLI installs its handler); tests/test_signals.py pins both.
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and kills us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (fork)
    except (ValueError, OSError):
        pass


def _helper_main(conn, job: Callable[[], None], parent_pid: int, close_fds: list[int]) -> None:
    _child_start(parent_pid, close_fds)
    try:
        job()
        reply: tuple = ("ok",)
    except OSError as exc:      # the parent raises it again: a full disk is told as one
        reply = ("oserror", exc.errno, exc.strerror, None if exc.filename is None else str(exc.filename))
    except BaseException:   # noqa: BLE001 - reported to the parent, which redoes the job
        reply = ("error",)
    try:
        conn.send(reply)
    except (OSError, EOFError):
        pass


class HelperError(GraderError):
    """A helper process failed for a reason that is not the operating system's."""


class Helper:
    """`job` run in a child process alongside the caller (the second core), under the same
    rules as a worker: it dies with the caller and leaves Ctrl-C to it. `wait` returns when the
    job is done and raises what it raised (an OSError as itself, anything else as
    HelperError); `kill` stops it for good."""

    def __init__(self, job: Callable[[], None], *, close_fds: Iterable[int] = (), mp_context=None):
        ctx = mp_context or _context()
        parent, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_helper_main, args=(child, job, os.getpid(), [parent.fileno(), *close_fds]),
                                name="grader-helper", daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    def wait(self) -> None:
        try:
            reply = self.conn.recv()
        except (EOFError, OSError):
            reply = None
        finally:
            self.conn.close()
        self.proc.join()
        if reply is None:
            how = (f"was killed by signal {-self.proc.exitcode}" if (self.proc.exitcode or 0) < 0
                   else f"stopped unexpectedly (exit status {self.proc.exitcode})")
            raise HelperError(f"the helper process writing some of the outputs {how}")
        if reply[0] == "oserror":
            raise OSError(reply[1], reply[2], *((reply[3],) if reply[3] is not None else ()))
        if reply[0] == "error":
            # no detail: the run redoes the job itself, and a bug shows there, whole
            raise HelperError("the helper process writing some of the outputs failed")

    def kill(self) -> None:
        _kill(self.proc, self.conn)


def _invalid(points: float, message: str, rule: str) -> Verdict:
    return Verdict(status=INVALID, score=0.0, max_score=float(points), feedback=(message,), rule=rule)


def check_answers(tasks: Iterable[Task], problems: dict[str, Problem], check: Callable[..., Verdict],
                  *, jobs: int = 1, deadline: float = DEADLINE_SECONDS,
                  log: Optional[Callable[[str], None]] = None,
                  inherited_fds: Iterable[int] = (), mp_context=None) -> Iterator[Checked]:
    """Check every task in worker processes, at most `jobs` at a time, yielding each result as
    it arrives (in no particular order). Tasks are pulled from `tasks` only as workers free up,
    so a caller can stream them from a database. A check running longer than `deadline`
    seconds is killed with its process and graded too-complex. `inherited_fds` are file
    descriptors the workers must not keep (a lock held by the caller). `log` receives one line
    per crash or checker failure (raw student text: the caller escapes it for its medium)."""
    log = log or (lambda line: None)
    ctx = mp_context or _context()
    source = iter(tasks)
    retry: deque[Task] = deque()
    crashed_once: set[Task] = set()
    workers: list[_Worker] = []
    startup_failures = 0
    exhausted = False
    jobs = max(1, int(jobs or 1))
    extra_fds = list(inherited_fds)

    def next_task() -> Optional[Task]:
        nonlocal exhausted
        if retry:
            return retry.popleft()
        if exhausted:
            return None
        try:
            return next(source)
        except StopIteration:
            exhausted = True
            return None

    def points(task: Task) -> float:
        part = problems[task.problem].part(task.part)
        return float(part.points) if part is not None else 0.0

    def spawn() -> _Worker:
        return _Worker(ctx, check, problems, extra_fds + [w.conn.fileno() for w in workers
                                                          if not w.conn.closed])

    def replace(w: _Worker) -> None:
        w.kill()
        workers.remove(w)
        workers.append(spawn())

    pending: Optional[Task] = next_task()
    if pending is None:
        return
    try:
        for _ in range(jobs):
            workers.append(spawn())
        while True:
            for w in list(workers):
                if w.ready and w.task is None and pending is not None:
                    try:
                        w.conn.send(pending)
                    except (OSError, EOFError, BrokenPipeError):
                        replace(w)
                        continue
                    w.task, w.started = pending, time.monotonic()
                    pending = next_task()
            busy = [w for w in workers if w.task is not None]
            if pending is None and not busy:
                break
            now = time.monotonic()
            waits = [w.started + deadline - now for w in busy]
            waits += [w.born + _STARTUP_TIMEOUT - now for w in workers if not w.ready]
            timeout = max(0.0, min(waits)) if waits else 0.5
            ready = multiprocessing.connection.wait([w.conn for w in workers], timeout)
            by_conn = {id(w.conn): w for w in workers}
            for conn in ready:
                w = by_conn.get(id(conn))
                if w is None:
                    continue
                try:
                    kind, payload = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=2)
                    code = w.proc.exitcode
                    task, w.task = w.task, None
                    if task is not None:
                        where = f"{task.problem}/{task.part}"
                        if task in crashed_once:
                            log(f"a worker died again (exit code {code}) while checking {where}; "
                                f"that answer is not graded: rerun to try it again")
                            yield Checked(task, _invalid(points(task), CRASHED, "worker-crashed"), final=False)
                        else:
                            log(f"a worker died (exit code {code}) while checking {where}; "
                                f"trying that answer once more in a fresh worker")
                            crashed_once.add(task)
                            retry.append(task)
                            if pending is None:
                                pending = next_task()
                    elif not w.ready:
                        startup_failures += 1
                        if startup_failures > _MAX_STARTUP_FAILURES:
                            raise PoolError(f"grading workers fail to start (exit code {code})")
                    replace(w)
                    continue
                if kind == "ready":
                    w.ready = True
                    continue
                task, w.task = w.task, None
                if task is None:
                    continue
                took = time.monotonic() - w.started
                if kind == "ok":
                    yield Checked(task, payload, seconds=took)
                else:
                    log(f"internal error while checking {task.problem}/{task.part}: {payload}")
                    yield Checked(task, _invalid(points(task), INTERNAL_ERROR, "internal-error"), seconds=took)
            now = time.monotonic()
            for w in list(workers):
                if w.task is not None and now - w.started >= deadline:
                    if w.conn.poll(0):
                        continue   # the answer arrived just in time: read it next round
                    task, w.task = w.task, None
                    replace(w)    # SIGKILL: the only thing a stuck C extension obeys
                    yield Checked(task, _invalid(points(task), took_too_long(deadline), "too-complex"), timed_out=True,
                                  seconds=now - w.started)
                elif not w.ready and now - w.born >= _STARTUP_TIMEOUT:
                    raise PoolError("grading workers do not start (timed out)")
    finally:
        for w in workers:
            w.stop()
