"""A wall-clock budget that really stops things: the work runs in a forked child that is
killed at the deadline. A signal-based timeout cannot interrupt a computation stuck inside C
code; killing the process can. The parser's static limits make this a second line of defence.
"""
from __future__ import annotations

import multiprocessing
import signal
from typing import Callable, TypeVar

T = TypeVar("T")


def _child(conn, fn, args):
    # The child's signals are set here, not inherited: Ctrl-C is the parent's to handle (it kills
    # us in its `finally`), and SIGTERM kills us outright rather than running a handler the parent
    # installed (the class run's SIGTERM handler raises to unwind the *parent*). Without this, what a
    # check does on Ctrl-C would depend on how the grader was started (SIGINT ignored or not).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never printed
        conn.send((False, f"{type(exc).__name__}"))
    finally:
        conn.close()


def run_with_deadline(fn: Callable[..., T], args: tuple, seconds: float, on_timeout: Callable[[], T]) -> T:
    """fn(*args) in a child process, or on_timeout() if it has not answered within `seconds`.
    Where fork is unavailable (Windows), runs in-process under the static limits only."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
    proc.start()
    send.close()
    try:
        if receive.poll(seconds):
            try:
                ok, value = receive.recv()
            except EOFError:
                ok, value = False, "the checking process died"
            if ok:
                return value
            raise RuntimeError(value)
        return on_timeout()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
