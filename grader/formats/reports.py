"""Output formats for graded submissions: JSON, gradebook CSV, per-student Markdown feedback,
JUnit XML, Gradescope results, a self-contained HTML class report and a GitHub step summary.

Every function takes `SubmissionResult`s (and the bank, for column order and points) and
returns text; nothing here evaluates student text, and every student-controlled string is
escaped for the format it lands in (CSV formula prefixes, Markdown, XML 1.0 characters, HTML).
Output is deterministic: same results in, same bytes out (the HTML report carries the only
timestamp, and only when one is passed in).

`atomic_write` writes a file so that a reader (or an interrupted run) never sees half of it;
`resolve_name_clashes` is the one rule that keeps students' file names apart (also in the
gradebook, through `outputs.assign_filenames`).
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import os
import re
import tempfile
import threading
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from grader.model import (
    CORRECT, ERROR, INCORRECT, INVALID, MISSING, PARTIAL, STATUSES, PartResult, Problem, SubmissionResult,
    SubmissionStatus, Verdict,
)
from grader.checking.variants import varied_text, values_text
from grader.show.mathml import mathml
from grader.answers.parser import parse

__all__ = [
    "atomic_write", "safe_filename", "student_filenames", "resolve_name_clashes", "columns",
    "result_to_dict", "result_from_dict", "results_json", "parse_results_json",
    "gradebook_csv", "feedback_markdown", "junit_xml",
    "gradescope_dict", "gradescope_json", "write_gradescope",
    "report_html", "github_summary_markdown", "csv_safe", "xml_safe", "md_text", "md_code",
    "format_score", "POINTS_ROW_LABEL", "student_hash", "name_fold", "NAME_HASH_WIDTHS", "csv_student", "ClassStats", "WrongAnswers",
    "Stream", "RESULTS_JSON", "gradebook_csv_stream", "junit_xml_stream", "csv_line", "report_html_from",
    "github_summary_from",
]

POINTS_ROW_LABEL = "POINTS POSSIBLE"
SUMMARY_MAX_ROWS = 300          # GitHub caps a step summary at 1 MiB
COMMON_WRONG_SHOWN = 5
_BINS = 10                      # score histogram
ROSTER_MAX_ROWS = 5000          # report.html's roster table; every row is in gradebook.csv

_STATUS_ICON = {CORRECT: "✅", INCORRECT: "❌", INVALID: "⚠️", MISSING: "➖"}


# --- files a row at a time ------------------------------------------------------------------

@dataclass(frozen=True)
class Stream:
    """A file that is a head, one piece per row (in student order) and a tail. The class run
    (grader.classes.outputs) writes every such file in one pass over the gradebook, a row at a time;
    the functions here make the same bytes from a list."""

    head: str
    piece: Callable[[Any], str]
    tail: str = ""
    sep: str = ""                   # between two pieces
    empty: Optional[str] = None     # the whole file when there is no row (default: head + tail)

    def part(self, row, first: bool) -> str:
        return (self.head if first else self.sep) + self.piece(row)

    def end(self, any_rows: bool) -> str:
        if any_rows:
            return self.tail
        return self.head + self.tail if self.empty is None else self.empty

    def chunks(self, rows: Iterable) -> Iterator[str]:
        n = 0
        for n, row in enumerate(rows, 1):
            yield self.part(row, n == 1)
        yield self.end(n > 0)

    def text(self, rows: Iterable) -> str:
        return "".join(self.chunks(rows))


# --- files -----------------------------------------------------------------------------------

def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Write `data` to `path` atomically: a temporary file in the same folder, flushed and
    fsynced, then renamed over `path` (os.replace). An interrupted write leaves the old file
    (or none) and at worst a hidden ``.<name>.*.tmp`` file, never a half-written `path`."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")   # a lone surrogate must not abort the write
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:   # make the rename itself durable (best effort: not every platform allows it)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                     *(f"LPT{i}" for i in range(10))}
_UNSAFE_FILE_CHARS = set('/\\<>:"|?*')


def student_hash(text: str, width: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:width]


def _hash8(text: str) -> str:
    return student_hash(text, 8)


def safe_filename(student: str) -> str:
    """A file-name stem for a student id that cannot escape its folder: no path separators,
    NUL or control characters, no leading dots (``..``), no Windows device names, at most
    ~100 characters. Ordinary ids (letters of any script, digits, spaces, ``-_.@``) are kept
    as they are; any id that had to be changed gets ``-<hash>`` appended so that two
    different ids never share a file."""
    cleaned = "".join(
        "_" if (ch in _UNSAFE_FILE_CHARS or not ch.isprintable()
                or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")) else ch
        for ch in student)
    cleaned = cleaned.strip(" .")
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    while len(cleaned.encode("utf-8")) > 100:
        cleaned = cleaned[:-1]
    cleaned = cleaned.rstrip(" .")
    if cleaned != student or not cleaned:
        cleaned = f"{cleaned or 'student'}-{_hash8(student)}"
    return cleaned


NAME_HASH_WIDTHS = (8, 16, 32, 64)


def name_fold(name: str) -> str:
    """The form in which two file names are the same file on a case-insensitive file system."""
    return unicodedata.normalize("NFC", name).casefold()


def student_filenames(students: Iterable[str]) -> dict[str, str]:
    """`safe_filename` for each student, unique even on a case-insensitive file system (the
    rule is `resolve_name_clashes`, shared with the gradebook's names)."""
    names = {s: safe_filename(s) for s in sorted(set(students))}

    def clashing() -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for s in names:
            groups.setdefault(name_fold(names[s]), []).append(s)
        return [members for members in groups.values() if len(members) > 1]

    resolve_name_clashes(clashing, lambda s, name: names.__setitem__(s, name))
    return names


def resolve_name_clashes(clashing: Callable[[], list[list[str]]], rename: Callable[[str, str], None]) -> None:
    """The one uniqueness rule for students' file names, checked rather than assumed: ids whose
    names clash (`clashing`: groups of ids with the same `name_fold`) get a hash suffix, and a
    name that still clashes after that (``Ana``, ``ana`` and a student really called
    ``Ana-<hash of Ana>``) gets a longer hash until none does. `rename(id, name)` records a
    new name wherever the names are kept (a dict in memory, the gradebook)."""
    for width in NAME_HASH_WIDTHS:
        clashes = clashing()
        if not clashes:
            return
        for members in clashes:
            for s in members:
                rename(s, f"{safe_filename(s)}-{student_hash(s, width)}")
    if clashing():
        raise RuntimeError("student file names still clash after the longest hash")   # a sha256 collision


# --- shared helpers --------------------------------------------------------------------------

def columns(problems: dict[str, Problem]) -> list[tuple[str, str, float]]:
    """``(problem id, part id, points)`` in bank order: problem ids sorted, parts in file order."""
    return [(pid, part.id, float(part.points)) for pid in sorted(problems) for part in problems[pid].parts]


@lru_cache(maxsize=4096)
def format_score(x: float) -> str:
    """2.0 -> "2", 0.5 -> "0.5", 1/3 -> "0.3333"."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _sorted(results: Iterable[SubmissionResult]) -> list[SubmissionResult]:
    return sorted(results, key=lambda r: r.student)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85]+")
_NOT_ONE_LINE = re.compile(f"{_LINE_BREAKS.pattern}|{_CONTROL.pattern}")


def _oneline(text: Optional[str]) -> str:
    """Student text on one line: newlines/tabs become spaces, other control characters go."""
    if text is None:
        return ""
    text = str(text)
    if _NOT_ONE_LINE.search(text) is None:     # nearly every text: one scan
        return text
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))


# --- JSON ------------------------------------------------------------------------------------

def _round(x: float) -> float:
    return round(float(x), 6)


def result_to_dict(result: SubmissionResult) -> dict:
    return {
        "student": result.student,
        "score": result.score,
        "max_score": result.max_score,
        "status": result.status,
        "message": result.message,
        **({"values": {pid: dict(vals) for pid, vals in result.values}} if result.values else {}),
        "parts": [_part_dict(p) for p in result.parts],
    }


def _part_dict(p: PartResult) -> dict:
    return {
        "problem": p.problem,
        "part": p.part,
        "answer": p.answer,
        "status": p.verdict.status,
        "score": _round(p.verdict.score),
        "max_score": _round(p.verdict.max_score),
        "interpreted": p.verdict.interpreted,
        "feedback": list(p.verdict.feedback),
        "rule": p.verdict.rule,
    }


def _opt_str(d: dict, key: str) -> Optional[str]:
    v = d.get(key)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{key!r} must be a string or null")
    return v


def result_from_dict(d: dict) -> SubmissionResult:
    """The inverse of `result_to_dict` (for merging a previous results.json). Raises
    ValueError for anything that does not have the expected shape."""
    if not isinstance(d, dict) or not isinstance(d.get("student"), str):
        raise ValueError("each result must be an object with a 'student' string")
    parts = []
    for p in d.get("parts") or []:
        if not isinstance(p, dict):
            raise ValueError("each part must be an object")
        status = p.get("status")
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        feedback = p.get("feedback") or []
        if not isinstance(feedback, list) or not all(isinstance(f, str) for f in feedback):
            raise ValueError("'feedback' must be a list of strings")
        for key in ("score", "max_score"):
            if not isinstance(p.get(key), (int, float)) or isinstance(p.get(key), bool):
                raise ValueError(f"{key!r} must be a number")
        if not isinstance(p.get("problem"), str) or not isinstance(p.get("part"), str):
            raise ValueError("'problem' and 'part' must be strings")
        verdict = Verdict(status=status, score=float(p["score"]), max_score=float(p["max_score"]),
                          interpreted=_opt_str(p, "interpreted"), feedback=tuple(feedback),
                          rule=_opt_str(p, "rule"))
        parts.append(PartResult(p["problem"], p["part"], _opt_str(p, "answer"), verdict))
    status = d.get("status")
    if status not in tuple(SubmissionStatus):
        raise ValueError(f"unknown submission status {status!r}")
    return SubmissionResult(student=d["student"], status=status, parts=tuple(parts),
                            message=_opt_str(d, "message"), values=_values_from(d.get("values")))


def _values_from(data) -> tuple:
    if data is None:
        return ()
    if not isinstance(data, dict) or not all(
            isinstance(v, dict) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values())
            for v in data.values()):
        raise ValueError("'values' must map problem ids to {name: number}")
    return tuple((str(pid), tuple((str(n), float(x)) for n, x in sorted(v.items())))
                 for pid, v in sorted(data.items()))


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def results_json(results: Iterable[SubmissionResult]) -> str:
    """results.json: a list of submissions sorted by student (stable, sorted keys)."""
    return RESULTS_JSON.text(_sorted(results))


# Indented JSON is written by the standard library's pure-Python encoder, slow at class scale.
# `_indented` writes exactly the bytes of json.dumps(obj, sort_keys=True, indent=2,
# ensure_ascii=False) from the C string encoder, and a class repeats the same few verdicts, so
# each part's text is made once and the objects around it are put together here.

_encode_str = json.encoder.encode_basestring      # C, as json.dumps(ensure_ascii=False) uses
_FLOAT_SPECIAL = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _enc(value) -> str:
    """json.dumps(value, ensure_ascii=False) of a scalar."""
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return _FLOAT_SPECIAL.get(value) or float.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _indented(obj, level: int) -> str:
    """json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False), nested `level` deep."""
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        return ("{" + ",".join(f"{pad}{_encode_str(k)}: {_indented(obj[k], level + 1)}" for k in sorted(obj))
                + "\n" + "  " * level + "}")
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        return "[" + ",".join(pad + _indented(item, level + 1) for item in obj) + "\n" + "  " * level + "]"
    return _enc(obj)


def _json_object(pairs: list[tuple[str, str]], level: int) -> str:
    """An object from (key, encoded value) pairs, keys already in sorted order."""
    pad = "  " * (level + 1)
    return "{\n" + ",\n".join(f"{pad}{_enc(k)}: {v}" for k, v in pairs) + "\n" + "  " * level + "}"


def _json_list(items: list[str], level: int) -> str:
    if not items:
        return "[]"
    pad = "  " * (level + 1)
    return "[\n" + ",\n".join(pad + item for item in items) + "\n" + "  " * level + "]"


@lru_cache(maxsize=8192)
def _part_json(p: PartResult, level: int) -> str:
    """_indented(_part_dict(p), level), assembled directly (keys in sorted order)."""
    v = p.verdict
    return _json_object([
        ("answer", _enc(p.answer)), ("feedback", _json_list([_enc(f) for f in v.feedback], level + 1)),
        ("interpreted", _enc(v.interpreted)), ("max_score", _enc(_round(v.max_score))), ("part", _enc(p.part)),
        ("problem", _enc(p.problem)), ("rule", _enc(v.rule)), ("score", _enc(_round(v.score))),
        ("status", _enc(v.status))], level)


def _result_json(r: SubmissionResult, level: int) -> str:
    """json.dumps(result_to_dict(r), sort_keys=True, indent=2), nested `level` deep."""
    return _json_object([
        ("max_score", _enc(r.max_score)), ("message", _enc(r.message)),
        ("parts", _json_list([_part_json(p, level + 2) for p in r.parts], level + 1)),
        ("score", _enc(r.score)), ("status", _enc(r.status)), ("student", _enc(r.student)),
        *((("values", _indented({pid: dict(vals) for pid, vals in r.values}, level + 1)),) if r.values else ())],
        level)


# results.json: the same bytes as one json.dumps(list, sort_keys=True, indent=2)
RESULTS_JSON = Stream(head="[\n  ", piece=lambda r: _result_json(r, 1), sep=",\n  ", tail="\n]\n", empty="[]\n")


def parse_results_json(text: str | bytes) -> list[SubmissionResult]:
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("results.json must hold a list of submissions")
    return [result_from_dict(d) for d in data]


# --- CSV -------------------------------------------------------------------------------------

def csv_safe(text: Optional[str]) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = _oneline(text)
    if text.lstrip()[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
        return "'" + text
    return text


def csv_student(student: str) -> str:
    """The student cell: `csv_safe`, and also a quote before an id that starts with one or that
    reads like the points row, so that no two ids share a cell and no id passes for that row."""
    text = csv_safe(student)
    if text == _oneline(student) and (text.startswith("'") or text == POINTS_ROW_LABEL):
        text = "'" + text
    return text


STATUS_WORDS = {"graded": "graded", "partial": "partially graded", "error": "error"}


def status_text(r: SubmissionResult) -> str:
    """What happened to a submission, in one cell: `graded`, `partially graded: <what was not>`
    or `error: <why>`, so a row of zeros is never mistaken for a graded one."""
    word = STATUS_WORDS.get(str(r.status), str(r.status))
    if r.status in (ERROR, PARTIAL) and r.message:
        return f"{word}: {_oneline(r.message)}"
    return word


def gradebook_csv(results: Iterable[SubmissionResult], problems: dict[str, Problem]) -> str:
    """gradebook.csv: header ``student, problem/part..., total, status``; the first data row holds the
    points possible; then one row per student (sorted). UTF-8 with a byte-order mark so that
    spreadsheets read non-ASCII names right; CRLF line ends (RFC 4180)."""
    return gradebook_csv_stream(problems).text(_sorted(results))


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record (RFC 4180: minimal quoting, CRLF)."""
    w = getattr(_CSV, "writer", None)
    if w is None:    # one writer per thread (the web page may render from several)
        _CSV.buf = io.StringIO()
        w = _CSV.writer = csv.writer(_CSV.buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cells)
    text = _CSV.buf.getvalue()
    _CSV.buf.seek(0)
    _CSV.buf.truncate()
    return text


_CSV = threading.local()


def gradebook_csv_stream(problems: dict[str, Problem]) -> Stream:
    cols = columns(problems)
    keys = [(pid, part) for pid, part, _ in cols]

    def row(r: SubmissionResult) -> str:
        by_key = {(p.problem, p.part): p.verdict.score for p in r.parts}
        scores = [by_key.get(k) for k in keys]
        total = sum(s for s in scores if s is not None)
        return csv_line([csv_student(r.student), *("" if s is None else format_score(s) for s in scores),
                         format_score(total), csv_safe(status_text(r))])

    head = ("\ufeff" + csv_line(["student", *(csv_safe(f"{pid}/{part}") for pid, part in keys), "total", "status"])
            + csv_line([POINTS_ROW_LABEL, *(format_score(pts) for _, _, pts in cols),
                        format_score(sum(pts for _, _, pts in cols)), ""]))
    return Stream(head=head, piece=row)


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
_MD_LEADING_SIGN = re.compile(r"^(\s*)([-+=])")
_MD_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])")
_BACKTICKS = re.compile("`+")


def md_text(text: Optional[str]) -> str:
    """Plain text made inert in Markdown (no emphasis, links, HTML, headings or lists)."""
    text = _MD_SPECIAL.sub(r"\\\1", _oneline(text))
    text = _MD_LEADING_SIGN.sub(r"\1\\\2", text)
    return _MD_LEADING_NUMBER.sub(r"\1\\\2", text)


def md_code(text: Optional[str]) -> str:
    """Text as a Markdown code span whatever backticks it contains (CommonMark: a fence
    longer than any backtick run inside, padded when the text starts or ends with one)."""
    text = _oneline(text)
    if not text.strip():
        return "*(empty)*"
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _part_points(result: SubmissionResult) -> str:
    return f"{format_score(result.score)} / {format_score(result.max_score)}"


def values_sentences(result: SubmissionResult, problems: Optional[dict[str, Problem]] = None) -> list[str]:
    """"Your values for two-layer-example (student bob): x = 2, ...": every output states them."""
    out = []
    for pid, vals in result.values:
        problem = (problems or {}).get(pid)
        shown = varied_text(problem, dict(vals)) if problem is not None else values_text(dict(vals))
        out.append(f"Your values for {pid} (drawn for student {result.student}): {shown}")
    return out


def feedback_markdown(result: SubmissionResult, problems: Optional[dict[str, Problem]] = None,
                      due: Optional[str] = None) -> str:
    """feedback/<student>.md: every part with the answer (as a code span), what it was read
    as, the verdict and the feedback."""
    lines = [f"# Feedback for {md_text(result.student)}", ""]
    lines.append(f"**Score: {_part_points(result)}**")
    lines.append("")
    if due:
        lines += [f"Due: {md_text(due)}", ""]
    for line in values_sentences(result, problems):
        lines += [md_text(line), ""]
    if result.status == "error":
        lines += [f"> **Your submission could not be graded:** {md_text(result.message)}", "",
                  "Fix the file and submit again; every part below counts as missing until then.", ""]
    elif result.message:
        lines += [f"> **Note:** {md_text(result.message)}", ""]
    for p in result.parts:
        problem = problems.get(p.problem) if problems else None
        title = _heading(p.problem, problem.title) if problem is not None and problem.title else p.problem
        lines += _md_part(title, p)
    return "\n".join(lines).rstrip("\n") + "\n"


@lru_cache(maxsize=1024)
def _heading(pid: str, title: str) -> str:
    """A problem's heading, "Title (id)": the same string object each time, so that the cache
    of rendered parts finds it by identity."""
    return f"{title} ({pid})"


@lru_cache(maxsize=8192)
def _md_part(title: str, p: PartResult) -> tuple[str, ...]:
    """One part's section of a feedback file (a class repeats the same few: made once)."""
    v = p.verdict
    icon = _STATUS_ICON.get(v.status, "")
    lines = [f"## {md_text(title)} — {md_text(p.part)}", "",
             f"{icon} **{md_text(v.status)}**: {format_score(v.score)} / {format_score(v.max_score)}", ""]
    if p.answer is not None:
        lines += [f"Your answer: {md_code(p.answer)}", ""]
    if v.interpreted:
        lines += [f"Read as: {md_code(v.interpreted)}", ""]
    lines += [f"- {md_text(f)}" for f in v.feedback]
    if v.feedback:
        lines.append("")
    return tuple(lines)


# --- JUnit XML -------------------------------------------------------------------------------

_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: Optional[str]) -> str:
    """Text with every character XML 1.0 forbids replaced by U+FFFD."""
    return _XML_BAD.sub("\ufffd", "" if text is None else str(text))


def _part_text(p: PartResult, result: Optional[SubmissionResult] = None) -> str:
    v = p.verdict
    lines = []
    if result is not None and result.status == "error" and result.message:
        lines.append(f"Submission could not be graded: {result.message}")
    if p.answer is not None:
        lines.append(f"Answer: {p.answer}")
    if v.interpreted:
        lines.append(f"Read as: {v.interpreted}")
    lines.append(f"Verdict: {v.status} ({format_score(v.score)} / {format_score(v.max_score)})")
    lines.extend(v.feedback)
    return "\n".join(lines)


def junit_xml(results: Iterable[SubmissionResult], problems: Optional[dict[str, Problem]] = None) -> str:
    """junit.xml: one testsuite, one testcase per part per student (classname = student,
    name = problem/part); incorrect, invalid and missing parts carry a <failure>."""
    results = _sorted(results)
    cases = sum(len(r.parts) for r in results)
    errors = sum(len(r.parts) for r in results if r.status == ERROR)
    failures = sum(1 for r in results if r.status != ERROR for p in r.parts if p.verdict.status != CORRECT)
    return junit_xml_stream(cases, failures, errors).text(results)


def junit_xml_stream(cases: int, failures: int, errors: int = 0) -> Stream:
    """junit.xml a student at a time; the header's counts come first. The parts of a submission
    that could not be graded are <error> elements (counted in `errors`): CI tools show them
    apart from wrong answers (<failure>)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="backprop-grader" tests="{cases}" failures="{failures}" errors="{errors}">\n'
            f'  <testsuite name="backprop-grader" tests="{cases}" failures="{failures}" errors="{errors}" skipped="0"')

    def cases_of(r: SubmissionResult) -> str:
        error = (r.message or "") if r.status == ERROR else None     # ungradeable: <error>, not <failure>
        start = "\n    " + _case_start(r.student)
        return "".join([text for rest in map(_junit_case_rest, r.parts, repeat(error)) for text in (start, rest)])

    if not cases:   # ElementTree writes an empty suite as one self-closing tag
        whole = head + " />\n</testsuites>\n"
        return Stream(head="", piece=lambda r: "", tail=whole, empty=whole)
    return Stream(head=head + ">", piece=cases_of, tail="\n  </testsuite>\n</testsuites>\n")


_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _attr(text: str) -> str:
    """An XML attribute value (the escapes ElementTree makes)."""
    return xml_safe(text).translate(_ATTR_ESCAPES)


def _case_start(student: str) -> str:
    return f'<testcase classname="{_attr(student)}"'


# A test case's XML depends on the student only through its classname, which comes first: the
# rest is made once per distinct part result.
@lru_cache(maxsize=4096)
def _junit_case_rest(p: PartResult, error: Optional[str]) -> str:
    head = f' name="{_attr(f"{p.problem}/{p.part}")}" time="0"'
    if p.verdict.status == CORRECT:
        return head + " />"
    first = p.verdict.feedback[0] if p.verdict.feedback else p.verdict.status
    element, kind = "failure", p.verdict.status
    if error is not None:     # the submission could not be graded: CI tools count an <error>
        first = f"Submission could not be graded: {error}"
        element, kind = "error", "ungradeable"
    text = xml_safe(_part_text(p, SubmissionResult("", ERROR if error is not None else "graded", (), error)))
    return (f'{head}>\n      <{element} message="{_attr(_oneline(first))}" type="{_attr(kind)}">'
            f'{text.translate(_TEXT_ESCAPES)}</{element}>\n    </testcase>')


def _junit_case_xml(p: PartResult, error: Optional[str], student: str) -> str:
    """One <testcase>, byte for byte as ElementTree writes it indented two levels deep (made
    here by hand: ElementTree took a third of the time of junit.xml)."""
    return _case_start(student) + _junit_case_rest(p, error)


# --- Gradescope ------------------------------------------------------------------------------

def _gradescope_test(p: PartResult) -> dict:
    v = p.verdict
    return {
        "name": f"{p.problem}/{p.part}",
        "score": _round(v.score),
        "max_score": _round(v.max_score),
        "status": "passed" if v.status == CORRECT else "failed",
        "output": _part_text(p),
        "visibility": "visible",
    }


def _gradescope_output(result: SubmissionResult) -> Optional[str]:
    lines = values_sentences(result)        # per-student values: the id and values, stated
    if result.status == "error":
        lines.insert(0, f"Your submission could not be graded: {result.message}")
    elif result.message:
        lines.insert(0, result.message)
    return "\n".join(lines) or None


def gradescope_dict(result: SubmissionResult) -> dict:
    """The Gradescope autograder results format (results.json)."""
    out = {"score": result.score, "tests": [_gradescope_test(p) for p in result.parts],
           "visibility": "visible", "stdout_visibility": "hidden"}
    output = _gradescope_output(result)
    if output is not None:
        out["output"] = output
    return out


@lru_cache(maxsize=4096)
def _gradescope_test_json(p: PartResult) -> str:
    """_indented(_gradescope_test(p), 2), assembled directly (keys in sorted order)."""
    v = p.verdict
    return _json_object([
        ("max_score", _enc(_round(v.max_score))), ("name", _enc(f"{p.problem}/{p.part}")),
        ("output", _enc(_part_text(p))), ("score", _enc(_round(v.score))),
        ("status", '"passed"' if v.status == CORRECT else '"failed"'), ("visibility", '"visible"')], 2)


def gradescope_json(result: SubmissionResult) -> str:
    """`gradescope_dict` as JSON (sorted keys, indented), each part's text encoded once."""
    output = _gradescope_output(result)
    pairs = [("output", _enc(output))] if output is not None else []
    pairs += [("score", _enc(result.score)), ("stdout_visibility", '"hidden"'),
              ("tests", _json_list([_gradescope_test_json(p) for p in result.parts], 1)),
              ("visibility", '"visible"')]
    return _json_object(pairs, 0) + "\n"


def write_gradescope(result: SubmissionResult, path: Path | str) -> None:
    """Write one student's Gradescope results.json atomically (e.g. /autograder/results/results.json)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, gradescope_json(result))


# --- statistics shared by the HTML report and the step summary ---------------------------------

class WrongAnswers:
    """The tally of a class's wrong answers per part, for report.html's "most common wrong
    answers": each distinct answer (`key`, whitespace removed) with how often each of its
    typed forms came, and the verdict of each form's first occurrence. This one is held in
    memory; a class run keeps it in a temporary gradebook table instead
    (`Gradebook.wrong_answers`), so that memory does not grow with the class."""

    def __init__(self):
        # (problem, part) -> key -> [count, Counter of forms typed, first verdict of each form]
        self.parts: dict[tuple[str, str], dict[str, list]] = {}

    def add(self, problem: str, part: str, key: str, form: str, student: str, verdict: Verdict) -> None:
        tally = self.parts.setdefault((problem, part), {})
        w = tally.get(key)
        if w is None:
            w = tally[key] = [0, Counter(), {}]
        w[0] += 1
        w[1][form] += 1
        w[2].setdefault(form, verdict)

    def top(self, problem: str, part: str, n: int) -> list[tuple[int, str, str, Verdict]]:
        """The `n` most common: (count, key, the form typed most often, its verdict), most
        common first, ties by key; a form's ties by its text."""
        common = []
        for key, (count, forms, verdicts) in self.parts.get((problem, part), {}).items():
            shown = min(forms, key=lambda a: (-forms[a], a))
            common.append((count, key, shown, verdicts[shown]))
        common.sort(key=lambda c: (-c[0], c[1]))
        return common[:n]


class _PartTally:
    __slots__ = ("counts", "matched", "total", "last")

    def __init__(self):
        self.counts: Counter = Counter()
        self.matched = 0
        self.total = 0.0
        self.last = -1          # the submission (by number) it was last counted for


class ClassStats:
    """What report.html and the step summary need from a class, gathered one submission at a
    time (in student order) so that a class of any size can be streamed through: memory grows
    with the rows that carry a message and (unless `wrong` keeps them elsewhere) with the
    distinct wrong answers, not with the class."""

    def __init__(self, by_diagnosis: Iterable[str] = (), wrong: Optional[WrongAnswers] = None):
        # problems whose wrong answers are grouped by diagnosis (rule), not by the literal text:
        # with per-student values the same mistake gives a different number for each student
        self.by_diagnosis = frozenset(by_diagnosis)
        self.wrong = WrongAnswers() if wrong is None else wrong
        self.total = 0
        self.graded = 0
        self.score_sum = 0.0
        self.first_max: Optional[float] = None
        self.scores = array("d")
        self.bins = [0] * _BINS
        self.cols: dict[tuple[str, str], float] = {}
        self.parts: dict[tuple[str, str], _PartTally] = {}
        self.errors: list[tuple[str, Optional[str]]] = []
        self.notes: list[tuple[str, Optional[str]]] = []
        self.first_rows: list[tuple[str, str, str]] = []   # the step summary's table
        self.roster: list[tuple[str, float, float, str]] = []   # report.html's roster table (capped)
        self.partial = 0

    def add(self, r: SubmissionResult) -> None:
        self.total += 1
        for p in r.parts:
            self.cols.setdefault((p.problem, p.part), p.verdict.max_score)
        if len(self.first_rows) < SUMMARY_MAX_ROWS:
            self.first_rows.append((r.student, _part_points(r), status_text(r)))
        if len(self.roster) < ROSTER_MAX_ROWS:
            self.roster.append((r.student, r.score, r.max_score, status_text(r)))
        if r.status == ERROR:
            self.errors.append((r.student, r.message))
            return
        # the histogram, the mean and the median all count the graded submissions (errors apart)
        frac = (r.score / r.max_score) if r.max_score else 0.0
        self.bins[min(_BINS - 1, max(0, int(math.floor(frac * _BINS + 1e-9))))] += 1
        if r.message:
            self.notes.append((r.student, r.message))
        self.partial += r.status == PARTIAL
        self.graded += 1
        self.score_sum += r.score
        self.scores.append(r.score)
        if self.first_max is None:
            self.first_max = r.max_score
        parts, n = self.parts, self.graded
        for p in r.parts:
            t = parts.get((p.problem, p.part))
            if t is None:
                t = parts[(p.problem, p.part)] = _PartTally()
            elif t.last == n:       # a part given twice: its first occurrence counts
                continue
            t.last = n
            v = p.verdict
            t.matched += 1
            t.counts[v.status] += 1
            t.total += v.score
            if (v.status == INCORRECT or v.status == INVALID) and p.answer is not None:
                key = (f"\x00{v.status}:{v.rule or ''}" if p.problem in self.by_diagnosis
                       else "".join(p.answer.split()))
                self.wrong.add(p.problem, p.part, key, p.answer, r.student, v)

    def part_stats(self, cols: list[tuple[str, str, float]]) -> list[dict]:
        n = self.graded
        stats = []
        for pid, part, pts in cols:
            t = self.parts.get((pid, part)) or _PartTally()
            counts = Counter(t.counts)
            counts[MISSING] += n - t.matched
            stats.append({
                "problem": pid, "part": part, "points": pts, "n": n, "counts": counts,
                "rate": (counts[CORRECT] / n) if n else None,
                "mean": (t.total / n) if n else None,
                "common": self.wrong.top(pid, part, COMMON_WRONG_SHOWN),
            })
        return stats

    def result_cols(self) -> list[tuple[str, str, float]]:
        return [(pid, part, pts) for (pid, part), pts in self.cols.items()]


def class_stats(results: Iterable[SubmissionResult], problems: Optional[dict[str, Problem]] = None) -> ClassStats:
    stats = ClassStats(per_student_ids(problems))
    for r in _sorted(results):
        stats.add(r)
    return stats


def per_student_ids(problems: Optional[dict[str, Problem]]) -> set[str]:
    return {pid for pid, p in (problems or {}).items() if p.per_student}


def _pct(x: Optional[float]) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


# --- HTML ------------------------------------------------------------------------------------

def _e(text) -> str:
    return html.escape(_CONTROL.sub("", "" if text is None else str(text)), quote=True)


def _histogram_svg(counts: list[int]) -> str:
    bins = len(counts)
    width, height, pad, top = 640, 240, 40, 20
    bar_w = (width - 2 * pad) / bins
    peak = max(counts) or 1
    out = [f'<svg role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="Score distribution">']
    base = height - pad
    out.append(f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#444"/>')
    for i, c in enumerate(counts):
        h = (base - top) * c / peak
        x = pad + i * bar_w
        lo, hi = 100 * i // bins, 100 * (i + 1) // bins
        label = f"{lo}–{hi}%: {c} submission{'s' if c != 1 else ''}"
        out.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                   f'fill="#4a78b5"><title>{_e(label)}</title></rect>')
        if c:
            out.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                       f'font-size="12">{c}</text>')
        out.append(f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                   f'font-size="11">{lo}–{hi}</text>')
    out.append(f'<text x="{width / 2:.1f}" y="{height - 4}" text-anchor="middle" font-size="12">'
               f'score, % of the points possible</text>')
    out.append("</svg>")
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { background: #f6f6f6; padding: 0 .2em; white-space: pre-wrap; word-break: break-all; }
.muted { color: #666; }
""".strip()


def report_html(results: Iterable[SubmissionResult], problems: Optional[dict[str, Problem]] = None,
                generated_at: Optional[str] = None, **page) -> str:
    """report.html: one offline page (no scripts, no external resources): summary, a roster
    table linking each student's feedback, the score histogram (inline SVG), per-part success
    rates and the most common wrong answers with their counts, what they were read as (MathML)
    and feedback. `generated_at` is the only non-deterministic content."""
    return report_html_from(class_stats(results, problems), problems, generated_at, **page)


def _interpreted_mathml(problems: Optional[dict[str, Problem]], pid: str, answer: Optional[str]) -> Optional[str]:
    """What an answer was read as, rendered by our own MathML renderer (no script, no network);
    parsed again from the exact text (our parser, within its budgets), only for the few answers shown."""
    problem = (problems or {}).get(pid)
    if problem is None or answer is None:
        return None
    try:
        return mathml(parse(answer, problem.table).tree)
    except Exception:      # unreadable answers are shown as typed
        return None


def _feedback_href(name: str) -> str:
    from urllib.parse import quote
    return "feedback/" + quote(f"{name}.md")


def report_html_from(cs: ClassStats, problems: Optional[dict[str, Problem]] = None,
                     generated_at: Optional[str] = None, *, title: Optional[str] = None,
                     due: Optional[str] = None, filenames: Optional[dict[str, str]] = None,
                     names: Optional[dict[str, str]] = None) -> str:
    """`report_html` from statistics gathered a submission at a time. `title` and `due`: the
    assignment's; `filenames`: each student's feedback file stem (links); `names`: the
    roster's names by submission id."""
    cols = columns(problems) if problems else cs.result_cols()
    stats = cs.part_stats(cols)
    max_total = sum(pts for _, _, pts in cols)
    scores = sorted(cs.scores)
    heading = f"{title or 'Backpropagation homework'}: grading report"
    h = []
    h.append("<!DOCTYPE html>")
    h.append('<html lang="en">')
    h.append("<head>")
    h.append('<meta charset="utf-8">')
    h.append('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
             'style-src \'unsafe-inline\'">')
    h.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    h.append(f"<title>{_e(heading)}</title>")
    h.append(f"<style>\n{_CSS}\n</style>")
    h.append("</head>")
    h.append("<body>")
    h.append(f"<h1>{_e(heading)}</h1>")
    if due:
        h.append(f"<p>Due: {_e(due)}</p>")
    if generated_at:
        h.append(f'<p class="muted">Generated at {_e(generated_at)}.</p>')
    h.append("<h2>Summary</h2>")
    h.append("<table>")
    h.append(f'<tr><th>Submissions</th><td class="num">{cs.total}</td></tr>')
    h.append(f'<tr><th>Graded</th><td class="num">{cs.graded}</td></tr>')
    h.append(f'<tr><th>of which partially graded</th><td class="num">{cs.partial}</td></tr>')
    h.append(f'<tr><th>Could not be graded</th><td class="num">{len(cs.errors)}</td></tr>')
    h.append(f'<tr><th>Points possible</th><td class="num">{_e(format_score(max_total))}</td></tr>')
    if scores:
        mean = sum(scores) / len(scores)
        mid = len(scores) // 2
        median = scores[mid] if len(scores) % 2 else (scores[mid - 1] + scores[mid]) / 2
        h.append(f'<tr><th>Mean score (graded)</th><td class="num">{_e(format_score(mean))}</td></tr>')
        h.append(f'<tr><th>Median score (graded)</th><td class="num">{_e(format_score(median))}</td></tr>')
    h.append("</table>")

    h.append("<h2>Students</h2>")
    h.append('<table class="roster">')
    who = "<th>Name</th>" if names else ""
    h.append(f"<tr><th>Student</th>{who}<th>Score</th><th>Status</th><th>Feedback</th></tr>")
    for student, score, top, status in cs.roster:
        name = f"<td>{_e(names.get(student, ''))}</td>" if names else ""
        stem = (filenames or {}).get(student)
        link = f'<a href="{_e(_feedback_href(stem))}">feedback</a>' if stem is not None else ""
        h.append(f"<tr><td>{_e(student)}</td>{name}<td class=\"num\">{_e(format_score(score))} / "
                 f"{_e(format_score(top))}</td><td>{_e(status)}</td><td>{link}</td></tr>")
    h.append("</table>")
    if cs.total > len(cs.roster):
        h.append(f'<p class="muted">The first {len(cs.roster)} of {cs.total} students; gradebook.csv has '
                 f"every row.</p>")

    h.append(f"<h2>Score distribution ({cs.graded} graded submission{'s' if cs.graded != 1 else ''})</h2>")
    h.append(_histogram_svg(cs.bins))

    h.append("<h2>Parts</h2>")
    h.append("<table>")
    h.append("<tr><th>Part</th><th>Points</th><th>Correct</th><th>Incorrect</th><th>Invalid</th>"
             "<th>Missing</th><th>Success rate</th><th>Mean score</th></tr>")
    for s in stats:
        c = s["counts"]
        mean = "–" if s["mean"] is None else format_score(s["mean"])
        h.append(f"<tr><td><code>{_e(s['problem'])}/{_e(s['part'])}</code></td>"
                 f'<td class="num">{_e(format_score(s["points"]))}</td>'
                 f'<td class="num">{c[CORRECT]}</td><td class="num">{c[INCORRECT]}</td>'
                 f'<td class="num">{c[INVALID]}</td><td class="num">{c[MISSING]}</td>'
                 f'<td class="num">{_pct(s["rate"])}</td><td class="num">{_e(mean)}</td></tr>')
    h.append("</table>")

    h.append("<h2>Most common wrong answers</h2>")
    any_wrong = False
    for s in stats:
        if not s["common"]:
            continue
        any_wrong = True
        grouped = s["problem"] in cs.by_diagnosis
        h.append(f"<h3><code>{_e(s['problem'])}/{_e(s['part'])}</code></h3>")
        if grouped:
            h.append('<p class="muted">Each student has their own values here, so wrong answers are '
                     "grouped by diagnosis, with one example each.</p>")
        h.append("<table>")
        first = "Diagnosis</th><th>Example" if grouped else "Answer"
        h.append(f"<tr><th>{first}</th><th>Read as</th><th>Count</th><th>Verdict</th><th>Feedback</th>"
                 "<th>Rule</th></tr>")
        for count, _key, shown, example in s["common"]:
            v = example
            fb = "<br>".join(_e(f) for f in v.feedback)
            read = _interpreted_mathml(problems, s["problem"], shown) or (_e(v.interpreted) if v.interpreted else "")
            lead = f"<td>{_e(v.rule or 'no diagnosis')}</td>" if grouped else ""
            h.append(f"<tr>{lead}<td><code>{_e(_oneline(shown))}</code></td><td>{read}</td>"
                     f"<td class=\"num\">{count}</td><td>{_e(v.status)}</td><td>{fb}</td><td>{_e(v.rule or '')}</td></tr>")
        h.append("</table>")
    if not any_wrong:
        h.append('<p class="muted">No wrong answers.</p>')

    for title_, column, rows in (("Submissions that could not be graded", "Reason", cs.errors),
                                 ("Notes", "Note", cs.notes)):
        if rows:
            h.append(f"<h2>{title_}</h2>")
            h.append("<table>")
            h.append(f"<tr><th>Student</th><th>{column}</th></tr>")
            for student, message in rows:
                h.append(f"<tr><td>{_e(student)}</td><td>{_e(message)}</td></tr>")
            h.append("</table>")
    h.append("</body>")
    h.append("</html>")
    return "\n".join(h) + "\n"


# --- GitHub step summary ---------------------------------------------------------------------

def _md_cell(text: Optional[str]) -> str:
    return md_text(text).replace("|", "\\|")   # md_text already escapes it; belt and braces


def github_summary_markdown(results: Iterable[SubmissionResult]) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: counts, one row per student (capped), and the
    success rate of every part. All student text is escaped (no HTML, links or tables breaks)."""
    return github_summary_from(class_stats(results))


def github_summary_from(cs: ClassStats) -> str:
    """`github_summary_markdown` from statistics gathered a submission at a time."""
    lines = ["## Backpropagation homework: grading summary", ""]
    lines.append(f"{cs.total} submission{'s' if cs.total != 1 else ''}: "
                 f"{cs.graded} graded, {len(cs.errors)} could not be graded.")
    if cs.graded:
        mean = cs.score_sum / cs.graded
        lines.append("")
        lines.append(f"Mean score {format_score(mean)} / {format_score(cs.first_max)}.")
    lines.append("")
    if cs.total:
        lines += ["| Student | Score | Status |", "| --- | ---: | --- |"]
        for student, points, status in cs.first_rows:
            lines.append(f"| {_md_cell(student)} | {points} | {_md_cell(status)} |")
        if cs.total > SUMMARY_MAX_ROWS:
            lines.append("")
            lines.append(f"… and {cs.total - SUMMARY_MAX_ROWS} more (see results.json).")
        lines.append("")
    cols = cs.result_cols()
    if cols and cs.graded:
        lines += ["| Part | Correct | Success rate |", "| --- | ---: | ---: |"]
        for s in cs.part_stats(cols):
            lines.append(f"| {_md_cell(s['problem'] + '/' + s['part'])} | {s['counts'][CORRECT]} / {s['n']} "
                         f"| {_pct(s['rate'])} |")
        lines.append("")
    return "\n".join(lines)
