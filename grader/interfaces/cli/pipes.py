"""Standard streams whose reader may go away: a closed stdout or stderr never stops a command.

Why: a TA pipes a class run into `head -1` or `grep -m1`; the reader exits, and the next log
line raised BrokenPipeError, which ended the run at once (exit 0, no outputs written). The
work and its exit status must not depend on whether anybody is still reading the log. So
writes and flushes that meet a closed pipe are dropped, and the stream's file descriptor is
pointed at /dev/null: Python's own flush at exit then succeeds too, so it cannot print
"Exception ignored ... BrokenPipeError" or turn the exit status into 120.
"""
from __future__ import annotations

import errno
import os
import sys

__all__ = ["guard_std_streams"]


def _closed_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


class _Guarded:
    """A stream that stops writing, silently, once its reader has gone; everything else
    (encoding, isatty, fileno...) is the wrapped stream's."""

    def __init__(self, stream):
        self._stream = stream
        self._gone = False

    def _reader_gone(self) -> None:
        """From now on nothing is written; the descriptor goes to /dev/null so that whatever
        is still buffered in the wrapped stream can be flushed without an error at exit."""
        self._gone = True
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        except (OSError, ValueError, AttributeError):   # no descriptor (a test's stream): dropping is enough
            pass

    def write(self, data):
        if self._gone:
            return len(data)
        try:
            return self._stream.write(data)
        except OSError as exc:
            if not _closed_pipe(exc):
                raise
            self._reader_gone()
            return len(data)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._gone:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            if not _closed_pipe(exc):
                raise
            self._reader_gone()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def guard_std_streams() -> None:
    """Wrap sys.stdout and sys.stderr (once; a stream already guarded is left as it is)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Guarded):
            setattr(sys, name, _Guarded(stream))
