"""Students' answer files: finding them, reading them safely, grading one submission.

An answer file maps problem ids to part ids to the answer *exactly as typed*::

    sigmoid:
      derivative: e^(-z)/(1+e^(-z))^2
    two-layer-example:
      dC-dw1: 2.080
    derivation-homework:
      dc-db: |
        dc/db_j^l
        = dc/dz_j^l * dz_j^l/db_j^l
        = delta_j^l

A derivation is a block like the last, one step per line, or a list of lines (`- = ...`).
A class directory holds one submission per student, either as a folder
``DIR/<student>/answers.yaml`` or as a single file ``DIR/<student>.yaml`` (``.yml`` too).

Nothing here raises for a bad file: every problem a student can cause (missing file, empty
file, binary junk, broken or hostile YAML, a file far too large, a wrong structure, a
symbolic link) becomes a `Submission` with a plain `error` sentence for the student or TA.
Student text is never evaluated; it is only handed, as a string, to the checker.
"""
from __future__ import annotations

import difflib
import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Optional

from grader.authoring import yamlsafe
from grader.classes.classfolder import _SUFFIXES, ANSWER_FILE_NAMES, Entry, discover, scan  # noqa: F401 (public here too)
from grader.classes.ids import student_id  # noqa: F401 (public here too)
from grader.errors import os_reason
from grader.limits import ANSWER_FILE_MAX_BYTES, ANSWER_FILE_PARSE_SECONDS
from grader.checking.variants import student_values
from grader.model import (
    DERIVATION, ERROR, GRADED, INVALID, MISSING, PARTIAL, MULTI_CHOICE, SUBMISSION_NOT_GRADED, Part, PartResult, Problem,
    SubmissionResult, Verdict, nfc_id,
)
from grader.checking import checker
from grader.checking.grading import bank_fault, grade_answer, not_graded
from grader.checking.othervalues import recognise_classmate

__all__ = [
    "Submission", "Entry", "ANSWER_FILE_NAMES",
    "read_answer_file", "discover", "scan", "load_directory", "grade_submission",
    "missing_verdict", "error_result", "NO_ANSWER", "NOT_TEXT",
]

NO_ANSWER = "No answer given."
STUDENT_KEY = "student"     # optional top-level line of an answers file: `student: ID`
NOT_TEXT = ("Your answer must be a single piece of text (one line), not a {what}. "
            "Write it on the same line as the part id.")
# Unknown ids are reported by name; a hostile file may have thousands of them.
_MAX_NAMED = 20
_MAX_NAME_CHARS = 60


@dataclass(frozen=True)
class Submission:
    """One student's answer file, read.

    `answers` is ``problem id -> part id -> answer text`` (exact text, possibly blank) or None
    when the file could not be read, in which case `error` says why in a plain sentence.
    `structured` holds the answers that were not a single value (a list or a mapping), keyed by
    ``(problem id, part id)``: they are graded as invalid, except that a list of plain values
    is accepted for a multi-choice part (``[B, C]`` reads as ``"B, C"``), a list of lines for a
    derivation part (the lines joined by newlines).
    """

    student: str
    path: Optional[Path]
    answers: Optional[dict[str, dict[str, str]]]
    error: Optional[str] = None
    structured: dict[tuple[str, str], object] = field(default_factory=dict)
    declared: Optional[str] = None      # the file's own `student: ID` line, if any
    bad: tuple[str, ...] = ()           # entries that could not be read (the rest is graded)
    content_hash: Optional[str] = None      # sha256 of the bytes read (None: nothing was read)
    misquoted: dict[tuple[str, str], str] = field(default_factory=dict)   # YAML escapes ate the LaTeX: why

    @property
    def ok(self) -> bool:
        return self.error is None and self.answers is not None


# --- reading one file ------------------------------------------------------------------------

def _student_from_path(path: Path) -> str:
    """DIR/<id>/answers.yaml -> <id> wherever the command runs from (`answers.yaml` in the
    current folder too); DIR/<id>.yaml -> <id>."""
    source = student_source(path)
    if source == FROM_FOLDER:
        return nfc_id(Path(os.path.abspath(path)).parent.name)
    return nfc_id(path.stem if path.suffix.lower() in _SUFFIXES else path.name)


FROM_FOLDER, FROM_FILE_NAME = "the folder name", "the file name"


def student_source(path: Path) -> str:
    """Where a file's student id comes from when nobody names it: its folder or its name."""
    path = Path(path)
    if path.name.lower() in ANSWER_FILE_NAMES and Path(os.path.abspath(path)).parent.name:
        return FROM_FOLDER
    return FROM_FILE_NAME


def _short(name: str) -> str:
    name = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    if len(name) > _MAX_NAME_CHARS:
        name = name[: _MAX_NAME_CHARS - 1] + "…"
    return repr(name)


def _what(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping (nested 'key: value' lines)"
    return type(value).__name__


def _read_bytes(path: Path, max_bytes: int, follow_symlinks: bool) -> bytes:
    """Read a regular file of at most `max_bytes`; raise `_Refused` with a plain sentence."""
    flags = os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise _Refused(f"no {path.name}") from None
        except OSError as exc:
            raise _Refused(f"cannot read {path.name}: {os_reason(exc)}") from None
        if stat.S_ISLNK(st.st_mode):
            raise _Refused("refused: symbolic link")
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _Refused(f"no {path.name}") from None
    except IsADirectoryError:
        raise _Refused(f"{path.name} is a folder, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused("refused: symbolic link") from None
        raise _Refused(f"cannot read {path.name}: {os_reason(exc)}") from None
    try:
        for attempt in range(_READ_ATTEMPTS):
            st = os.fstat(fd)
            data = _read_open(fd, path, st, max_bytes)
            if _same(st, os.fstat(fd)) and _same_file(path, st, follow_symlinks):
                return data
            os.lseek(fd, 0, os.SEEK_SET)
        raise _Refused(f"{path.name} kept changing while it was read ({_READ_ATTEMPTS} tries); "
                       f"it was not graded: save it once and grade again")
    except OSError as exc:
        raise _Refused(f"cannot read {path.name}: {os_reason(exc)}") from None
    finally:
        os.close(fd)


_READ_ATTEMPTS = 3


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns, a.st_ino) == (b.st_size, b.st_mtime_ns, b.st_ctime_ns, b.st_ino)


def _same_file(path: Path, st: os.stat_result, follow_symlinks: bool) -> bool:
    """The name still points to the file read (a save by rename replaces it)."""
    try:
        now = os.stat(path) if follow_symlinks else os.lstat(path)
    except OSError:
        return False
    return (now.st_ino, now.st_dev) == (st.st_ino, st.st_dev) and _same(st, now)


def _read_open(fd: int, path: Path, st: os.stat_result, max_bytes: int) -> bytes:
    if stat.S_ISDIR(st.st_mode):
        raise _Refused(f"{path.name} is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(f"{path.name} is not a regular file")
    if st.st_size > max_bytes:
        raise _Refused(f"{path.name} is too large ({st.st_size:,} bytes; an answer file may have at most "
                       f"{max_bytes:,} bytes, far more than a whole assignment's answers need)")
    chunks = []
    total = 0
    while True:   # the file may grow while we read: never read more than the limit + 1
        chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _Refused(f"{path.name} is too large (more than {max_bytes:,} bytes; an answer file may have "
                           f"at most {max_bytes:,} bytes, far more than a whole assignment's answers need)")
    return b"".join(chunks)


class _Refused(Exception):
    pass


def read_answer_file(path: Path | str | None, student: Optional[str] = None, *,
                     max_bytes: int = ANSWER_FILE_MAX_BYTES, follow_symlinks: bool = True,
                     parse_unless: Optional[Callable[[str], bool]] = None) -> Submission:
    """Read one answer file. Never raises for anything the file contains: problems become
    `Submission.error`. `path` None means "no answer file" (a student folder without one).
    `follow_symlinks=False` (used for class directories) refuses a symbolic link.
    `parse_unless(content_hash)` True: the bytes are known (a rerun keeps their grading), so the
    file is not parsed: the Submission has neither answers nor error, only its `content_hash`."""
    if path is None:
        return Submission(student or "", None, None, "no answers.yaml")
    path = Path(path)
    if student is None:
        student = _student_from_path(path)
    try:
        raw = _read_bytes(path, max_bytes, follow_symlinks)
    except _Refused as exc:
        return Submission(student, path, None, str(exc))
    digest = hashlib.sha256(raw).hexdigest()
    if parse_unless is not None and parse_unless(digest):
        return Submission(student, path, None, None, content_hash=digest)
    return replace(_parse(student, path, raw, max_bytes), content_hash=digest)


def _parse(student: str, path: Path, raw: bytes, max_bytes: int) -> Submission:
    if not raw.strip():
        return Submission(student, path, None, f"{path.name} is empty")
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16: yamlsafe says so
        return Submission(student, path, None,
                          f"{path.name} is not a text file (it contains binary data); "
                          f"save your answers as plain UTF-8 text")
    try:
        data = yamlsafe.load(raw, max_bytes=max_bytes, max_seconds=ANSWER_FILE_PARSE_SECONDS)
    except yamlsafe.YamlError as exc:
        where = f", line {exc.line}" if exc.line else ""
        return Submission(student, path, None, f"{path.name}{where}: {exc.message}")
    except RecursionError:   # belt and braces: yamlsafe does not recurse
        return Submission(student, path, None, f"{path.name}: the file is nested too deeply")
    return _structure(student, path, data)


def _structure(student: str, path: Path, data: object) -> Submission:
    name = path.name
    if data is None or (isinstance(data, str) and not data.strip()):
        return Submission(student, path, None, f"{name} is empty (it has no answers)")
    if not isinstance(data, dict):
        return Submission(
            student, path, None,
            f"{name} must map problem ids to their parts ('problem-id:' lines, each followed by "
            f"indented 'part-id: answer' lines), but it is a {_what(data) if not isinstance(data, str) else 'single value'}")
    answers: dict[str, dict[str, str]] = {}
    structured: dict[tuple[str, str], object] = {}
    declared: Optional[str] = None
    bad: list[str] = []
    misquoted: dict[tuple[str, str], str] = {}
    for pid, entry in data.items():
        pid = str(pid)
        if pid == STUDENT_KEY and isinstance(entry, str) and entry.strip():
            declared = entry.strip()     # `student: ID`: whose values the file is answered with
            continue
        if entry is None or (isinstance(entry, str) and not entry.strip()):
            answers[pid] = {}
            continue
        if not isinstance(entry, dict):
            # one bad entry (a part written at the top level, say) is noted; the rest is graded
            line = data.key_line(pid) if hasattr(data, "key_line") else None
            where = f" (line {line})" if line else ""
            kind = "single value" if isinstance(entry, str) else _what(entry)
            bad.append(f"{name}: problem {_short(pid)}{where} must map part ids to answers "
                       f"(indented 'part-id: answer' lines), but it is a {kind}")
            continue
        parts: dict[str, str] = {}
        for part_id, value in entry.items():
            part_id = str(part_id)
            if isinstance(value, str):
                parts[part_id] = str(value)   # drop the YStr position info: a plain str
                slip = yamlsafe.escaped_latex(value)
                if slip:
                    misquoted[(pid, part_id)] = slip[0].upper() + slip[1:] + "."
            elif value is None:
                parts[part_id] = ""
            else:
                structured[(pid, part_id)] = value
        answers[pid] = parts
    if bad and not any(answers.values()) and not structured:   # nothing readable at all
        shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
        return Submission(student, path, None, shown)
    return Submission(student, path, answers, None, structured, declared,
                      bad=tuple(bad[:_MAX_NAMED]) + ((f"and {len(bad) - _MAX_NAMED} more entries",)
                                                     if len(bad) > _MAX_NAMED else ()), misquoted=misquoted)


def load_directory(directory: Path | str, students: Optional[Iterable[str]] = None,
                   *, max_bytes: int = ANSWER_FILE_MAX_BYTES) -> list[Submission]:
    """Read every submission of a class directory (only `students` when given; a requested
    student with no submission gets an error entry)."""
    wanted = None if students is None else {nfc_id(s) for s in students}
    out = []
    seen = set()
    for entry in scan(directory):
        if entry.skipped or (wanted is not None and entry.student not in wanted):
            continue
        seen.add(entry.student)
        if entry.error:
            out.append(Submission(entry.student, entry.path, None, entry.error))
        else:
            out.append(read_answer_file(entry.path, entry.student, max_bytes=max_bytes,
                                        follow_symlinks=False))
    for student in sorted((wanted or set()) - seen):
        out.append(Submission(student, None, None, "no submission found for this student"))
    out.sort(key=lambda s: s.student)
    return out


# --- grading one submission ------------------------------------------------------------------

def missing_verdict(part: Part) -> Verdict:
    return Verdict(status=MISSING, score=0.0, max_score=float(part.points), feedback=(NO_ANSWER,))


def _invalid(part: Part, message: str, rule: str) -> Verdict:
    return Verdict(status=INVALID, score=0.0, max_score=float(part.points),
                   feedback=(message,), rule=rule)


def error_result(problems: dict[str, Problem], student: str, message: str) -> SubmissionResult:
    """The result of a submission that could not be read: every part missing."""
    parts = tuple(PartResult(pid, part.id, None, missing_verdict(part))
                  for pid in sorted(problems) for part in problems[pid].parts)
    return SubmissionResult(student=student, status=ERROR, parts=parts, message=message,
                            values=values_used(problems, student))


def values_used(problems: dict[str, Problem], student: Optional[str]):
    """The per-student values a student's results are graded with, for every output to state."""
    out = []
    for pid in sorted(problems):
        values = student_values(problems[pid], student or None)
        if values is not None:
            out.append((pid, tuple((n, float(values[n])) for n in sorted(values))))
    return tuple(out)


def _structured_answer(part: Part, value: object) -> Optional[str]:
    """A YAML list of plain values is a fine answer to a multi-choice part, and a list of lines
    to a derivation part (its lines, one per step, joined by newlines as a block scalar gives them)."""
    if part.kind == MULTI_CHOICE and isinstance(value, list) and value and \
            all(isinstance(v, str) and v.strip() for v in value):
        return ", ".join(v.strip() for v in value)
    if part.kind == DERIVATION and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


NOT_TEXT_DERIVATION = ("Your derivation must be text: its lines under 'part-id: |', one step per line, or a list "
                       "of lines ('- ...'), not a {what}.")


def grade_submission(problems: dict[str, Problem], submission: Submission,
                     check: Optional[Callable[..., Verdict]] = None,
                     others: Optional[dict[str, tuple]] = None) -> SubmissionResult:
    """Grade every part of the bank (problem ids sorted, parts in file order) for one
    submission, each answer through `grading.grade_answer`. Unanswered parts are `missing`;
    ids the bank does not know are named in `SubmissionResult.message`. `check(problem, part,
    answer, values)` computes the raw verdicts (default: `checker.check`, in this process; the
    class run looks them up in its gradebook). `others` (`othervalues.classmates_values`) lets
    feedback recognise a problem's answers computed from one classmate's values."""
    if check is None:
        check = checker.check
    if not submission.ok:
        return error_result(problems, submission.student, submission.error or "could not be read")
    answers = submission.answers or {}
    parts: list[PartResult] = []
    for pid in sorted(problems):
        problem = problems[pid]
        given = answers.get(pid, {})
        values: Optional[dict[str, float]] = None
        values_error = False
        if any(part.id in given or (pid, part.id) in submission.structured for part in problem.parts):
            try:
                values = student_values(problem, submission.student or None)
            except Exception:   # a bank problem: report it on the part, keep going
                values_error = True
        for part in problem.parts:
            answer: Optional[str] = given.get(part.id)
            if (pid, part.id) in submission.structured:
                value = submission.structured[(pid, part.id)]
                answer = _structured_answer(part, value)
                if answer is None:
                    what = _what(value)
                    said = NOT_TEXT.format(what=what) if part.kind != DERIVATION else NOT_TEXT_DERIVATION.format(
                        what="list with an entry that is not a line" if isinstance(value, list) else what)
                    parts.append(PartResult(pid, part.id, f"<{what.split(' ')[0]}>", _invalid(part, said, "not-text")))
                    continue
            if answer is None or not answer.strip():
                verdict = missing_verdict(part)
                typo = _typo_of(part.id, set(given) | {k for p, k in submission.structured if p == pid})
                if answer is None and typo is not None:
                    verdict = replace(verdict, feedback=(
                        f"No answer: the file has {_short(typo)}, which is not a part id; did you mean {_short(part.id)}?",), rule="unknown-part-id")
                parts.append(PartResult(pid, part.id, answer if answer else None, verdict))
                continue
            if (pid, part.id) in submission.misquoted:
                parts.append(PartResult(pid, part.id, answer,
                                        _invalid(part, submission.misquoted[(pid, part.id)], "yaml-quoting")))
                continue
            verdict = not_graded(part, "its per-student values cannot be drawn") if values_error else \
                grade_answer(problem, part, answer, values=values, check=check)
            parts.append(PartResult(pid, part.id, answer, verdict))
        if others and others.get(pid):
            parts[-len(problem.parts):] = _classmate(problem, parts[-len(problem.parts):], values, others[pid])
    notes = _unknown_ids(problems, answers, submission.structured)
    if submission.bad:
        skipped = "Not graded: " + "; ".join(submission.bad) + "."
        notes = f"{skipped} {notes}" if notes else skipped
    status = PARTIAL if notes else GRADED     # something in the file was not graded: say so
    broken = [f"{p.problem}/{p.part}" for p in parts if bank_fault(p.verdict)]
    if broken:      # the bank's fault: the total is no grade, and every output says so
        said = (f"The problem bank cannot check {', '.join(broken)} (not a mistake in the answers): the total "
                f"is not a grade until the problem is fixed and the class graded again.")
        notes = f"{said} {notes}" if notes else said
        status = SUBMISSION_NOT_GRADED
    if submission.declared is not None and nfc_id(submission.declared) != nfc_id(submission.student):
        said = (f"The file says 'student: {_short(submission.declared)[1:-1]}', but it is graded as "
                f"{_short(submission.student)} (the name of its file or folder).")
        notes = f"{notes} {said}" if notes else said
    return SubmissionResult(student=submission.student, status=status, parts=tuple(parts),
                            message=notes, values=values_used(problems, submission.student))


def _classmate(problem: Problem, results: list[PartResult], values, others) -> list[PartResult]:
    """The problem's results, relabelled only where several agree with one classmate's values."""
    parts = {p.id: p for p in problem.parts}
    try:
        found = recognise_classmate(problem, [(parts[r.part], r.answer, r.verdict) for r in results], values, others)
    except Exception:        # the recognition is a courtesy: never lose the verdicts
        return results
    return [replace(r, verdict=found[r.part]) if r.part in found else r for r in results]


def _nearest(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'dC-dw'?)' for a typo of a known id (case or a letter or two), else ''."""
    known = sorted(known)
    same_case = [k for k in known if k.casefold() == name.casefold()]
    close = same_case or difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {_short(close[0])}?)" if close else ""


def _typo_of(part_id: str, written: set[str]) -> Optional[str]:
    """The id in the file that is a typo of this unanswered part's id, if any."""
    for w in sorted(written):
        if w != part_id and _nearest(w, [part_id]):
            return w
    return None


def _unknown_ids(problems: dict[str, Problem], answers: dict[str, dict[str, str]],
                 structured: dict[tuple[str, str], object]) -> Optional[str]:
    unknown_problems: list[str] = []
    unknown_parts: list[str] = []
    part_ids: dict[str, set[str]] = {}
    for pid, parts in answers.items():
        part_ids.setdefault(pid, set()).update(parts)
    for pid, part_id in structured:
        part_ids.setdefault(pid, set()).add(part_id)
    for pid in sorted(part_ids):
        problem = problems.get(pid)
        if problem is None:
            unknown_problems.append(_short(pid) + _nearest(pid, problems))
            continue
        known = {p.id for p in problem.parts}
        unknown_parts.extend(_short(f"{pid}/{part_id}") + _nearest(part_id, known)
                             for part_id in sorted(part_ids[pid] - known))
    notes = []
    for label, names in (("unknown problem id", unknown_problems), ("unknown part id", unknown_parts)):
        if not names:
            continue
        shown = ", ".join(names[:_MAX_NAMED])
        more = f" and {len(names) - _MAX_NAMED} more" if len(names) > _MAX_NAMED else ""
        plural = "s" if len(names) > 1 else ""
        notes.append(f"Ignored {label}{plural}: {shown}{more}.")
    return " ".join(notes) or None
