"""The grader's errors: one base, with a branch for what a student can fix and one for what an
instructor can fix, so an interface knows whom to address without reading the message.

Every message is written by us for that reader. Operating-system errors are said in our words
too (`os_reason`): the C library's wording differs between systems and locales.
"""
from __future__ import annotations

import errno
from enum import IntEnum

from grader.number_format import format_number


class Exit(IntEnum):
    """The exit statuses of the `grader` command, in one place (README "Exit codes")."""
    OK = 0              # every answer right / every submission graded / expressions equivalent
    WRONG = 1           # some answer not right, or below --fail-under
    USAGE = 2           # unknown problem or part, unreadable file, bad option; an OUTDIR that cannot be used
    UNGRADED = 3        # class run: some submission could not be graded (its row says why)
    NOTHING = 4         # class run: no submission found
    BANK = 5            # the problem bank is invalid
    INTERNAL = 70       # a bug: please report it
    INTERRUPTED = 130   # Ctrl-C (128 + SIGINT)
    TERMINATED = 143    # SIGTERM (128 + SIGTERM)

TOO_COMPLEX = "This answer is too complex to check"   # the one opening of every "too complex" message


def took_too_long(seconds: float) -> str:
    """The message for an answer whose check was stopped at its deadline."""
    return f"{TOO_COMPLEX}. It took longer than {format_number(seconds, 6)} second{'' if seconds == 1 else 's'}."


def over_student_budget(seconds: float) -> str:
    """The message for an answer left unchecked because its student's time budget was spent."""
    return (f"{TOO_COMPLEX}: your answers together took longer than {format_number(seconds, 6)} seconds to "
            f"check, so this one was not checked.")


def over_run_budget(seconds: float) -> str:
    """The message for an answer left unchecked because the run's time budget was spent."""
    return (f"{TOO_COMPLEX} in this grading run: the run's time budget of {format_number(seconds, 6)} seconds "
            f"was spent before it was checked. Grading the class again checks it.")


class GraderError(Exception):
    """Anything the grader refuses on purpose; `.message` is a sentence for a person, and
    `exit_code` the status a command ends with when it stops on this error (click's model: the
    error knows its status, one handler in the CLI maps every error)."""

    exit_code = Exit.USAGE

    def __init__(self, message: str, *args):
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StudentError(GraderError):
    """An answer or an answer file that cannot be graded as it is: the student can fix it."""


class AuthorError(GraderError):
    """A file an instructor or a TA wrote that cannot be used as it is: they can fix it."""


class BankError(AuthorError):
    """The problem bank cannot be used as it is (a broken problem file, a reference answer that
    cannot be evaluated): commands stop with `Exit.BANK`."""

    exit_code = Exit.BANK


_OS_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "part of the path is not a folder",
    errno.ELOOP: "too many symbolic links",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EMFILE: "too many files are open",
    errno.ENFILE: "too many files are open",
    errno.EIO: "the device reported an input/output error",
    errno.EBUSY: "the file is busy",
    errno.EEXIST: "it already exists",
    errno.ENOTEMPTY: "the folder is not empty",
    errno.EXDEV: "it is on another file system",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in our words (never the C library's `strerror`)."""
    reason = _OS_REASONS.get(exc.errno)
    if reason is None:
        code = errno.errorcode.get(exc.errno) if exc.errno is not None else None
        reason = f"the system refused it ({code})" if code else "the system refused it"
    return reason
