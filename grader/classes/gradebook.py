"""The gradebook: the SQLite system of record of a class's grading, one file per OUTDIR.

Why a database: it is what makes a class run resumable (a killed run left its checked answers
and graded submissions here; the rerun only does what is missing), incremental (a submission
whose bytes did not change, against a bank whose parts did not change, is not regraded; an
answer is checked once per grader and part definition, ever) and flat in memory (the output
writers stream rows from here instead of holding the class).

Tables (see docs/gradebook.md for what changes on PostgreSQL):

* ``verdicts``: every distinct verdict once (JSON body); answers and submissions point to it.
* ``answers``: every distinct answer checked, keyed by a hash of (problem, part, given values,
  answer text, part fingerprint, checker version); ``verdict_id`` NULL means "still to check";
  ``final`` 0 marks a stand-in verdict (the worker died twice) to try again on the next run.
* ``submissions``: the class as last graded, one row per student id: content hash of the file
  read, the bank fingerprint it was graded against, ``pending`` (read, not yet graded: the
  parsed answers are kept in ``source``) or ``done`` with status, score and the per-part
  results (answer text and verdict id per part, in bank order), ``depends`` (what it read of
  its classmates: `grader.classes.depends`) and ``run_id`` (its version: `grader.classes.reuse`).
* ``filenames``: each student's output file-name stem, kept apart from the wide rows so that
  resolving clashes rewrites a narrow table.
* ``runs``: one row per run (who, when, what it found, checked and reused).
* temporary (per connection): ``seen`` and ``found`` (this run's class folder), ``wanted``
  (which student needs which answer: `grader.classes.budgets` charges time by it), ``wrong``
  (report.html's tally of wrong answers, `grader.classes.wronganswers`).

Pages are read by key range (``student > ?`` on the primary key, never a scan): a class of
any size costs the same per row.

Only portable SQL is used (``INSERT ... ON CONFLICT``, no ``INSERT OR IGNORE``; ``?``
placeholders are the one thing a PostgreSQL driver spells differently). Free text is stored
inside JSON with ASCII escapes, so a lone surrogate in an answer cannot break a write.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from grader.model import CORRECT, NOT_GRADED, PartResult, Step, StepStatus, SubmissionResult, Verdict
from grader.classes.workers import Task
from grader.classes.damage import GradebookDamaged, decoded

__all__ = ["Gradebook", "LazyResult", "SCHEMA_VERSION", "verdict_body", "answer_key"]

SCHEMA_VERSION = "4"
_CACHE = 4096        # verdicts and parts kept decoded: a class repeats a few thousand
_FOLLOW_POLL = 0.05  # seconds between looks at a row still being graded (`named_results(follow=True)`)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    pid INTEGER NOT NULL,
    scope TEXT NOT NULL,
    found INTEGER,
    regraded INTEGER,
    reused INTEGER,
    checked INTEGER,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    problem TEXT NOT NULL,
    part TEXT NOT NULL,
    answer TEXT NOT NULL,
    vals TEXT NOT NULL,
    part_fp TEXT NOT NULL,
    checker TEXT NOT NULL,
    verdict_id INTEGER REFERENCES verdicts (id),
    final INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS answers_todo ON answers (verdict_id);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    bank_fp TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT,
    status TEXT,
    score REAL,
    max_score REAL,
    cases INTEGER,
    failures INTEGER,
    ungraded INTEGER,
    complete INTEGER,
    body TEXT,
    depends TEXT,
    run_id INTEGER REFERENCES runs (id)
);
CREATE TABLE IF NOT EXISTS filenames (
    student TEXT PRIMARY KEY REFERENCES submissions (student),
    base_name TEXT NOT NULL,
    base_fold TEXT NOT NULL,
    fname TEXT,
    fold TEXT
);
CREATE INDEX IF NOT EXISTS filenames_fold ON filenames (fold);
"""


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def verdict_body(v: Verdict) -> str:
    """A verdict as its row stores it. "steps" (a derivation's marked lines) and "matched_values"
    (a classmate's value set) only when there are some: every other verdict keeps the body, and so
    the row id and answer key, it always had."""
    return _dumps({"status": v.status, "score": v.score, "max_score": v.max_score,
                   "interpreted": v.interpreted, "interpreted_ascii": v.interpreted_ascii,
                   "interpreted_latex": v.interpreted_latex, "feedback": list(v.feedback),
                   "rule": v.rule, "column": v.column,
                   **({"steps": [[s.line, s.text, s.status, list(s.feedback), s.interpreted, s.column]
                                 for s in v.steps]} if v.steps else {}),
                   **({"decided_by": v.decided_by} if v.decided_by != Verdict.decided_by else {}),
                   **({"matched_values": [list(p) for p in v.matched_values]} if v.matched_values else {})})


def _verdict_from(body: str) -> Verdict:
    d = json.loads(body)
    d["feedback"] = tuple(d["feedback"])
    if "steps" in d:      # a body without them (every gradebook written before derivations) has none
        d["steps"] = tuple(Step(int(line), text, StepStatus(status), tuple(feedback), interpreted, column)
                           for line, text, status, feedback, interpreted, column in d["steps"])
    if "matched_values" in d:   # a classmate's value set (`Verdict.matched_values`), stored anonymous
        d["matched_values"] = tuple((str(name), float(x)) for name, x in d["matched_values"])
    return Verdict(**d)


def _task(problem: str, part: str, answer: str, vals: str) -> Task:
    values = json.loads(vals)
    return Task(problem, part, json.loads(answer),
                None if values is None else tuple((str(k), float(x)) for k, x in values))


def answer_key(task: Task, part_fp: str, checker: str) -> str:
    text = _dumps([task.problem, task.part, task.answer,
                   None if task.values is None else [list(p) for p in task.values], part_fp, checker])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Gradebook:
    """One open gradebook. Not shared between processes: the workers never touch it."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT INTO meta (name, value) VALUES ('schema', ?) ON CONFLICT (name) DO NOTHING",
                        (SCHEMA_VERSION,))
        self.db.execute("INSERT INTO meta (name, value) VALUES ('book', ?) ON CONFLICT (name) DO NOTHING",
                        (uuid.uuid4().hex,))      # its own id: a gradebook started afresh has other row versions
        self.book_id = self.db.execute("SELECT value FROM meta WHERE name = 'book'").fetchone()[0]
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS seen (student TEXT PRIMARY KEY)")
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS found (student TEXT NOT NULL, path BLOB, error TEXT)")
        self.db.execute("CREATE INDEX IF NOT EXISTS temp.found_student ON found (student)")
        self._caches()

    def _caches(self) -> None:
        self._ids: OrderedDict[str, int] = OrderedDict()
        self._verdicts: OrderedDict[int, Verdict] = OrderedDict()
        self._parts: OrderedDict[tuple, PartResult] = OrderedDict()
        self._in_tx = False

    @classmethod
    def reader(cls, path: Path | str) -> "Gradebook":
        """A read-only connection to a gradebook another connection keeps: a helper process
        renders some of the outputs from it while the run renders the rest."""
        book = cls.__new__(cls)
        book.path = Path(path)
        book.db = sqlite3.connect(f"{book.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                  check_same_thread=False)
        book._caches()
        return book

    def _migrate(self) -> None:
        """A gradebook written by another schema is started afresh: it is a record of work that
        can be redone (the next run regrades everything), never the only copy of a result."""
        tables = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            return
        row = self.db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if row is not None and row[0] == SCHEMA_VERSION:
            return
        for name in ("filenames", "submissions", "answers", "verdicts", "runs", "meta"):
            self.db.execute(f"DROP TABLE IF EXISTS {name}")

    # --- transactions: many small writes, one commit every so often -------------------------

    def begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def close(self) -> None:
        """Closing after an error must not hide it: SQLite has already rolled back by itself
        after some (a full disk, SQLITE_FULL), and a ROLLBACK then fails with an error of its own
        that would replace the real cause."""
        self._in_tx = False
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        finally:
            self.db.close()

    # --- runs --------------------------------------------------------------------------------

    def start_run(self, started: str, pid: int, scope: str) -> int:
        cur = self.db.execute("INSERT INTO runs (started, pid, scope) VALUES (?, ?, ?)",
                              (started, pid, scope))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, finished: str, found: int, regraded: int, reused: int,
                   checked: int, outcome: str) -> None:
        self.db.execute("UPDATE runs SET finished = ?, found = ?, regraded = ?, reused = ?, "
                        "checked = ?, outcome = ? WHERE id = ?",
                        (finished, found, regraded, reused, checked, outcome, run_id))

    # --- verdicts ----------------------------------------------------------------------------

    def verdict_id(self, v: Verdict) -> int:
        body = verdict_body(v)
        vid = self._ids.get(body)
        if vid is not None:
            self._ids.move_to_end(body)
            return vid
        self.db.execute("INSERT INTO verdicts (body) VALUES (?) ON CONFLICT (body) DO NOTHING", (body,))
        vid = int(self.db.execute("SELECT id FROM verdicts WHERE body = ?", (body,)).fetchone()[0])
        self._ids[body] = vid
        if len(self._ids) > _CACHE:
            self._ids.popitem(last=False)
        return vid

    def verdict(self, vid: int) -> Verdict:
        v = self._verdicts.get(vid)
        if v is not None:
            self._verdicts.move_to_end(vid)
            return v
        row = self.db.execute("SELECT body FROM verdicts WHERE id = ?", (vid,)).fetchone()
        v = decoded("verdict", lambda: _verdict_from(row[0]))
        self._verdicts[vid] = v
        if len(self._verdicts) > _CACHE:
            self._verdicts.popitem(last=False)
        return v

    # --- answers -----------------------------------------------------------------------------

    def want(self, key: str, task: Task, part_fp: str, checker: str) -> None:
        """Record that `task` must have a verdict (nothing happens when it has one already)."""
        self.db.execute(
            "INSERT INTO answers (key, problem, part, answer, vals, part_fp, checker) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, task.problem, task.part, _dumps(task.answer),
             _dumps(None if task.values is None else [list(p) for p in task.values]), part_fp, checker))

    def retry_unfinished(self) -> None:
        """Stand-in verdicts of answers whose worker died are checked again."""
        self.db.execute("UPDATE answers SET verdict_id = NULL WHERE final = 0")

    def count_unchecked(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM answers WHERE verdict_id IS NULL").fetchone()[0])

    def unchecked(self, batch: int = 500) -> Iterator[Task]:
        """Answers still to check, in key order, fetched a batch at a time (the caller writes
        verdicts in between, so no cursor stays open across writes)."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT key, problem, part, answer, vals FROM answers "
                "WHERE verdict_id IS NULL AND key > ? ORDER BY key LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for key, problem, part, answer, vals in rows:
                yield decoded("answer", _task, problem, part, answer, vals)
            last = rows[-1][0]

    def store(self, key: str, verdict: Verdict, final: bool) -> None:
        self.db.execute("UPDATE answers SET verdict_id = ?, final = ? WHERE key = ?",
                        (self.verdict_id(verdict), 1 if final else 0, key))

    def answer(self, key: str) -> tuple[Verdict, bool]:
        row = self.db.execute("SELECT verdict_id, final FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] is None:      # every answer was checked before grading: it was lost
            raise GradebookDamaged("answer")
        return self.verdict(decoded("answer", int, row[0])), bool(row[1])

    def forget_answers_except(self, part_fps: Iterable[str]) -> int:
        """Answers of part definitions no longer in the bank are dropped (they can never match)."""
        fps = sorted(set(part_fps))
        marks = ", ".join("?" for _ in fps) or "''"
        cur = self.db.execute(f"DELETE FROM answers WHERE part_fp NOT IN ({marks})", fps)
        return cur.rowcount

    # --- submissions -------------------------------------------------------------------------

    def kept_state(self, student: str) -> Optional[tuple[str, str, Optional[str]]]:
        """(content hash, bank fingerprint, `depends`) of a row fully graded, else None."""
        return self.db.execute("SELECT content_hash, bank_fp, depends FROM submissions WHERE student = ? "
                               "AND state = 'done' AND complete = 1", (student,)).fetchone()

    def put_pending(self, student: str, content_hash: str, bank_fp: str, source: object, run_id: int) -> None:
        self.db.execute(
            "INSERT INTO submissions (student, content_hash, bank_fp, state, source, run_id) "
            "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (student) DO UPDATE SET "
            "content_hash = excluded.content_hash, bank_fp = excluded.bank_fp, state = 'pending', "
            "source = excluded.source, status = NULL, score = NULL, max_score = NULL, cases = NULL, "
            "failures = NULL, ungraded = NULL, complete = NULL, body = NULL, depends = NULL, "
            "run_id = excluded.run_id",
            (student, content_hash, bank_fp, _dumps(source), run_id))

    def pending(self, batch: int = 200) -> Iterator[tuple[str, object]]:
        """(student, source) of submissions read but not yet graded, by student."""
        last, op = "", ">="
        while True:
            rows = self.db.execute(
                f"SELECT student, source FROM submissions WHERE student {op} ? AND state = 'pending' "
                f"ORDER BY student LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for student, source in rows:
                yield student, decoded("submission", json.loads, source)
            last, op = rows[-1][0], ">"

    def put_result(self, result: SubmissionResult, complete: bool, depends: str = "") -> None:
        """A graded row (named by `name_rows`); `depends`: see `grader.classes.depends`."""
        parts = [[p.problem, p.part, p.answer, self.verdict_id(p.verdict)] for p in result.parts]
        # junit: a part the bank cannot grade is an <error>, any other part not right a <failure>
        ungraded = sum(1 for p in result.parts if p.verdict.status == NOT_GRADED)
        failures = sum(1 for p in result.parts if p.verdict.status != CORRECT) - ungraded
        self.db.execute(
            "UPDATE submissions SET state = 'done', source = NULL, status = ?, score = ?, max_score = ?, "
            "cases = ?, failures = ?, ungraded = ?, complete = ?, body = ?, depends = ? WHERE student = ?",
            (result.status, result.score, result.max_score, len(result.parts), failures, ungraded,
             1 if complete else 0, _dumps({"message": result.message, "parts": parts,
                                           **({"values": result.values} if result.values else {})}),
             depends, result.student))

    # --- file names: unique, checked in the database ------------------------------------------

    def name_rows(self, namer: Callable[[str], tuple[str, str]]) -> None:
        """Every row without a file name gets one: `namer(student)` gives its stem before any
        clash is resolved and the form two names clash in (case-folded). Rows are named before
        they are graded, so that a helper can write a row's files as soon as it is done."""
        last = ""
        while True:
            students = [s for (s,) in self.db.execute(
                "SELECT s.student FROM submissions AS s LEFT JOIN filenames AS f ON f.student = s.student "
                "WHERE f.student IS NULL AND s.student > ? ORDER BY s.student LIMIT 500", (last,))]
            if not students:
                return
            self.db.executemany("INSERT INTO filenames (student, base_name, base_fold) VALUES (?, ?, ?)",
                                ((s, *namer(s)) for s in students))
            last = students[-1]

    def reset_names(self) -> None:
        self.db.execute("DELETE FROM filenames WHERE student NOT IN (SELECT student FROM submissions)")
        self.db.execute("UPDATE filenames SET fname = base_name, fold = base_fold")

    def clashing_names(self) -> list[list[str]]:
        """Groups of students whose file names clash (same folded name)."""
        groups: dict[str, list[str]] = {}
        for fold, student in self.db.execute(
                "SELECT fold, student FROM filenames WHERE fold IN "
                "(SELECT fold FROM filenames GROUP BY fold HAVING count(*) > 1) ORDER BY fold, student"):
            groups.setdefault(fold, []).append(student)
        return list(groups.values())

    def name_with_fold(self, fold: str) -> Optional[str]:
        """The file-name stem of this run that is `fold` once case-folded, if any."""
        row = self.db.execute("SELECT fname FROM filenames WHERE fold = ? LIMIT 1", (fold,)).fetchone()
        return None if row is None else row[0]

    def set_name(self, student: str, name: str, fold: str) -> None:
        self.db.execute("UPDATE filenames SET fname = ?, fold = ? WHERE student = ?", (name, fold, student))

    # --- this run's class folder, grouped by student without holding it in memory -------------

    def add_found(self, student: str, path: Optional[bytes], error: Optional[str]) -> None:
        self.db.execute("INSERT INTO found (student, path, error) VALUES (?, ?, ?)", (student, path, error))

    def found(self, batch: int = 500) -> Iterator[list[tuple[str, Optional[bytes], Optional[str]]]]:
        """The entries found, one list per student, by student."""
        last, op = "", ">="
        while True:
            students = [s for (s,) in self.db.execute(
                f"SELECT DISTINCT student FROM found WHERE student {op} ? ORDER BY student LIMIT ?",
                (last, batch))]
            if not students:
                return
            marks = ", ".join("?" for _ in students)
            rows: dict[str, list] = {s: [] for s in students}
            for student, path, error in self.db.execute(
                    f"SELECT student, path, error FROM found WHERE student IN ({marks})", students):
                rows[student].append((student, path, error))
            yield from rows.values()
            last, op = students[-1], ">"

    def found_students(self) -> Iterator[str]:
        yield from (s for (s,) in self.db.execute("SELECT DISTINCT student FROM found ORDER BY student"))

    def was_found(self, student: str) -> bool:
        return self.db.execute("SELECT 1 FROM found WHERE student = ? LIMIT 1", (student,)).fetchone() is not None

    def count_found(self) -> int:
        return int(self.db.execute("SELECT count(DISTINCT student) FROM found").fetchone()[0])

    def mark_seen(self, students: Iterable[str]) -> None:
        self.db.executemany("INSERT INTO seen (student) VALUES (?) ON CONFLICT (student) DO NOTHING",
                            ((s,) for s in students))

    def drop_unseen(self) -> int:
        """A full run: students whose submission is gone leave the class."""
        cur = self.db.execute("DELETE FROM submissions WHERE student NOT IN (SELECT student FROM seen)")
        self.db.execute("DELETE FROM seen")
        return cur.rowcount

    def import_result(self, result: SubmissionResult, run_id: int) -> None:
        """A row carried over from a results.json written before the gradebook existed."""
        self.db.execute(
            "INSERT INTO submissions (student, content_hash, bank_fp, state, run_id) "
            "VALUES (?, '', '', 'done', ?) ON CONFLICT (student) DO NOTHING", (result.student, run_id))
        self.put_result(result, True)

    # --- reading the class back --------------------------------------------------------------

    def totals(self) -> dict[str, float]:
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(cases), 0), coalesce(sum(CASE WHEN status = 'error' THEN 0 ELSE failures END), 0), "
            "coalesce(sum(CASE WHEN complete = 0 THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN status = 'error' THEN cases ELSE ungraded END), 0), "
            "coalesce(sum(CASE WHEN status = 'not-graded' THEN 1 ELSE 0 END), 0) FROM submissions").fetchone()
        # junit: a part of a submission that could not be read is an <error>, not a <failure>, and
        # so is a part the bank cannot grade
        return {"students": row[0], "errors": row[1], "cases": row[2], "failures": row[3],
                "incomplete": row[4], "pending": row[5], "error_cases": row[6], "ungraded": row[7]}

    def totals_of(self, students: Iterable[str]) -> dict[str, int]:
        """`totals` of some students only (a `--student` regrade judges those)."""
        out = {"students": 0, "errors": 0, "incomplete": 0, "ungraded": 0}
        for student in students:
            row = self.db.execute("SELECT status, complete FROM submissions WHERE student = ? AND state = 'done'",
                                  (student,)).fetchone()
            if row is not None:
                out["students"] += 1
                out["errors"] += row[0] == "error"
                out["ungraded"] += row[0] == "not-graded"
                out["incomplete"] += row[1] == 0
        return out

    def results(self) -> Iterator[SubmissionResult]:
        """Graded submissions sorted by student, streamed a page at a time."""
        for _name, result in self.named_results():
            yield result

    def named_results(self, follow: bool = False) -> Iterator[tuple[str, SubmissionResult]]:
        """(file-name stem, submission) sorted by student, streamed a page at a time. With
        `follow`, the rows still pending are waited for, in order, as another connection grades
        them (a helper writes the files of the rows already graded while the run grades the rest)."""
        for name, _version, result in self.versioned_results(follow):
            yield name, result

    def versioned_results(self, follow: bool = False, lazy: bool = False) -> Iterator[tuple[str, int, SubmissionResult]]:
        """`named_results` with each row's version (`run_id`). `lazy`: each row a `LazyResult`."""
        last, op = "", ">="
        done = "" if follow else "AND s.state = 'done' "
        while True:
            rows = self.db.execute(
                f"SELECT s.student, s.status, s.body, f.fname, s.state, s.run_id, s.score, s.max_score "
                f"FROM submissions AS s LEFT JOIN filenames AS f ON f.student = s.student "
                f"WHERE s.student {op} ? {done}ORDER BY s.student LIMIT 500", (last,)).fetchall()
            if not rows:
                return
            waiting = next((i for i, row in enumerate(rows) if row[4] != "done"), None)
            if waiting is not None:
                rows = rows[:waiting]
                if not rows:
                    time.sleep(_FOLLOW_POLL)
                    continue
            for student, status, body, fname, _state, run_id, score, max_score in rows:
                yield fname, run_id, (LazyResult(student, status, decoded("submission", float, score),
                                                 decoded("submission", float, max_score), body, self._decoded)
                                      if lazy else self._decoded(student, status, body))
            last, op = rows[-1][0], ">"

    def _decoded(self, student: str, status: str, body: str) -> SubmissionResult:
        return decoded("submission", self._result, student, status, body)

    def _result(self, student: str, status: str, body: str) -> SubmissionResult:
        d = json.loads(body)
        parts = tuple(self._part(*p) for p in d["parts"])
        values = tuple((pid, tuple((n, float(x)) for n, x in vals)) for pid, vals in d.get("values", ()))
        return SubmissionResult(student=student, status=status, parts=parts, message=d["message"], values=values)

    def _part(self, pid: str, part: str, answer: Optional[str], vid: int) -> PartResult:
        """One decoded part, the same object each time it recurs (a class repeats a few
        thousand): the writers' caches of rendered parts then find it by identity."""
        key = (pid, part, answer, vid)
        p = self._parts.get(key)
        if p is None:
            p = self._parts[key] = PartResult(pid, part, answer, self.verdict(vid))
            if len(self._parts) > _CACHE:       # least recently used out: the common ones stay
                self._parts.popitem(last=False)
        else:
            self._parts.move_to_end(key)
        return p

    def part_result(self, student: str, problem: str, part: str) -> Optional[PartResult]:
        """One part of one student's graded row."""
        row = self.db.execute("SELECT body FROM submissions WHERE student = ? AND state = 'done'",
                              (student,)).fetchone()
        if row is None:
            return None
        def find(body: str) -> Optional[PartResult]:
            for p in json.loads(body)["parts"]:
                if p[0] == problem and p[1] == part:
                    return self._part(*p)
            return None
        return decoded("submission", find, row[0])      # a row not as written: GradebookDamaged

    def wrong_answers(self):
        """A fresh, empty tally of wrong answers for report.html (see `WrongAnswersTable`)."""
        from grader.classes.wronganswers import WrongAnswersTable   # it reads this class's rows back
        return WrongAnswersTable(self)

    def student_ids(self) -> Iterator[str]:
        """Every student id, by id, streamed (a cursor: memory does not grow with the class)."""
        yield from (s for (s,) in self.db.execute("SELECT student FROM submissions ORDER BY student"))

    def scores(self) -> Iterator[float]:
        """Scores of the graded (not error) submissions in increasing order (for the median)."""
        for (score,) in self.db.execute(
                "SELECT score FROM submissions WHERE state = 'done' AND status NOT IN ('error', 'not-graded') "
                "ORDER BY score"):
            yield decoded("submission", float, score)


class LazyResult:
    """A row whose parts are decoded only when a writer reads them: a rerun copies an unchanged
    row's pieces and needs only its id, status and scores (stored in their own columns)."""

    __slots__ = ("student", "status", "score", "max_score", "_body", "_decode", "_result")

    def __init__(self, student, status, score, max_score, body, decode):
        self.student, self.status, self.score, self.max_score = student, status, score, max_score
        self._body, self._decode, self._result = body, decode, None

    def __getattr__(self, name):        # parts, message, values: the whole row, decoded once
        if self._result is None:
            self._result = self._decode(self.student, self.status, self._body)
        return getattr(self._result, name)
