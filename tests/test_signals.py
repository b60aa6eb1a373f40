"""Signals do not depend on how the grader was started.

The decision, for a TA: a `grader grade` started with SIGINT ignored (by `cmd &` in a script, or
a CI runner) keeps ignoring it, as POSIX programs do: whoever ignored Ctrl-C for it meant it.
SIGTERM, whatever the grader inherited, stops the run cleanly (the previous complete outputs
kept, the verdicts so far in the gradebook). The children the grader forks (the deadline's
checking process, workers, the helper) never inherit either disposition: Ctrl-C is the
parent's, and SIGTERM kills a child outright.
"""
from __future__ import annotations

import signal
import time

from grader.checking.checker import run_with_deadline
from test_classrun import grading_a_slow_class


def test_a_grade_started_with_sigint_ignored_ignores_ctrl_c_and_stops_on_sigterm(tmp_path):
    proc, out = grading_a_slow_class(tmp_path, 1000, sigint=signal.SIG_IGN)
    proc.send_signal(signal.SIGINT)
    time.sleep(1)
    assert proc.poll() is None                          # Ctrl-C ignored, as whoever started it asked
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert stderr.decode().strip().splitlines()[-1].startswith("grader: stopped (SIGTERM);")
    assert not (out / "results.json").exists()


def _dispositions():
    return repr(signal.getsignal(signal.SIGINT)), repr(signal.getsignal(signal.SIGTERM))


def _raise(signum, frame):
    raise RuntimeError("the parent's handler")


def test_the_checking_child_sets_its_own_signals_whatever_the_parent_had():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    expected = (repr(signal.SIG_IGN), repr(signal.SIG_DFL))
    try:
        for sigint in (signal.default_int_handler, signal.SIG_IGN, signal.SIG_DFL):
            signal.signal(signal.SIGINT, sigint)
            signal.signal(signal.SIGTERM, _raise)
            assert run_with_deadline(_dispositions, (), 60, lambda: None) == expected, sigint
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
