"""The output files of a class run, each rendered from the gradebook's rows into a set folder.

Each output format is one writer: made with the `Rows` source, the set folder and the
manifest, it is handed every row in student order (`add`) and then finishes its files
(`close`), naming each in the manifest. `SetWriting` reads the rows once, whatever the number
of writers, so memory does not grow with the class and no row is decoded twice; with a second
core, the files that need no count of the whole class are written by a helper process while
the run is still grading (see `SetWriting`). Adding a
format (an LMS export, say) is one more class in `WRITERS`. The texts themselves come from
`grader.formats`, one module per format.

Files are written without fsync: the set's durability comes from the switch-in step
(`grader.classes.outdir`), which syncs the file system once.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Optional, Protocol

from grader.formats import lms
from grader.formats.class_stats import ROSTER_MAX_ROWS, ClassStats, per_student_ids
from grader.formats.feedback_md import feedback_markdown
from grader.formats.files import Stream, name_fold, resolve_name_clashes, safe_filename
from grader.formats.gradebook_csv import gradebook_csv_stream
from grader.formats.gradescope import gradescope_json
from grader.formats.junit import junit_xml_stream
from grader.formats.report_html import report_html_from
from grader.formats.results_json import results_json_stream
from grader.checking.othervalues import Classmates
from grader.classes import workers
from grader.authoring.assignment import DEFAULT_TITLE
from grader.classes.gradebook import Gradebook
from grader.model import Problem, SubmissionResult
from grader.classes.outdir import Manifest
from grader.classes.filemaker import Files
from grader.classes.reuse import SPARE_INDEX, IndexWriter, Now, Planner, Reuse, remove_file
from grader.authoring.roster import Roster

__all__ = ["ClassInfo", "Rows", "SetWriting", "Writer", "WRITERS", "write_set"]


@dataclass(frozen=True)
class ClassInfo:
    """What the class's outputs say about the assignment: its title (the LMS exports' column),
    its due date and the roster that maps submissions to people."""

    title: str = DEFAULT_TITLE
    due: Optional[str] = None
    roster: Optional[Roster] = None


@dataclass
class Rows:
    """What a writer may read: the class's rows (streamed, with each student's file-name
    stem), the bank, the counts, the report's timestamp and the assignment."""

    book: Gradebook
    problems: dict[str, Problem]
    generated_at: Optional[str]
    info: ClassInfo = ClassInfo()
    follow: bool = False        # wait for the rows still being graded (`Gradebook.named_results`)
    reuse: Optional[Reuse] = None   # where a rerun takes unchanged students' files from
    now: Optional[Now] = None       # during a pass: what to do with the current row's own files
    planner: Optional[Planner] = None
    classmates: Optional[Classmates] = None     # whose values a labelled answer matched: instructors' files only

    def named_results(self) -> Iterator[tuple[str, SubmissionResult]]:
        """The rows, each with `now` set for the writers while it is handed to them."""
        self.planner = self.reuse.start() if self.reuse is not None else None
        for name, version, r in self.book.versioned_results(follow=self.follow, lazy=True):
            self.now = self.planner.row(r.student, name, version) if self.planner else Now(version)
            yield name, r
        self.now = None

    def totals(self) -> dict[str, float]:
        return self.book.totals()


class Writer(Protocol):
    """One output format. A writer that sets `aside = True` also says which `folders` it makes,
    which files it makes for a row (`files_for(name)`) and which for the class (`files()`):
    `SetWriting` may then run it in a helper process, over its own read of the gradebook, as
    the rows are graded: it must not need a count of the whole class before its last row."""

    def add(self, name: str, r: SubmissionResult) -> None: ...

    def close(self) -> None: ...

    def abandon(self) -> None:
        """Stop: the set is thrown away (open files closed, no thread left writing into it)."""


class _StreamFile:
    """One `Stream` written as rows arrive, into a new file (O_EXCL: two writers can
    never share one, checked by the file system)."""

    def __init__(self, folder: Path, rel: str, stream: Stream, manifest: Manifest):
        self.rel, self.stream, self.manifest = rel, stream, manifest
        self.fh = open(folder / rel, "xb", buffering=1 << 16)
        self.first = True
        self.at = 0

    def add(self, row) -> None:
        self.fh.write(self.stream.part(row, self.first).encode("utf-8", "replace"))   # a lone surrogate
        self.first = False                                                            # must not abort

    def add_piece(self, row, piece: Optional[bytes] = None) -> list[int]:
        """`add`, with the row's piece given already rendered (`piece`); returns where the
        piece is in the file ([offset, length])."""
        lead = (self.stream.head if self.first else self.stream.sep).encode("utf-8", "replace")
        if piece is None:
            piece = self.stream.piece(row).encode("utf-8", "replace")
        self.fh.write(lead)
        self.fh.write(piece)
        self.first = False
        self.at += len(lead)
        where = [self.at, len(piece)]
        self.at += len(piece)
        return where

    def close(self) -> None:
        with self.fh:
            self.fh.write(self.stream.end(not self.first).encode("utf-8", "replace"))
        self.manifest.add(self.rel)

    def abandon(self) -> None:
        self.fh.close()


class _StudentFiles:
    """One file a student, `path` with the student's file-name stem for `{}`, under
    `folders[0]` (in a folder of its own when `path` says so)."""

    folders: tuple[str, ...] = ()
    path = ""

    def __init__(self, rows: Rows, folder: Path, manifest: Manifest):
        self.rows, self.folder, self.manifest = rows, folder, manifest
        self.top = folder / self.folders[0]
        self.recycled = rows.reuse is not None and rows.reuse.spare_index is not None
        self.top.mkdir(exist_ok=self.recycled)
        self.files = Files()

    @classmethod
    def files_for(cls, name: str) -> tuple[str, ...]:
        return (cls.path.format(name),)

    @staticmethod
    def files() -> tuple[str, ...]:
        return ()

    def text(self, r: SubmissionResult) -> str:
        raise NotImplementedError

    def add(self, name: str, r: SubmissionResult) -> None:
        rel, = self.files_for(name)
        path = self.folder / rel
        now = self.rows.now
        folder = None if path.parent == self.top else path.parent
        reuse = self.rows.reuse
        if now is not None and now.keep and reuse.untouched(path, spare=True):
            pass                                # a recycled set holds this very file already
        elif now is not None and now.link_from is not None and reuse.untouched(now.link_from / rel):
            self.files.link(now.link_from / rel, path, folder, self.recycled,
                            lambda r=r: self.text(r).encode("utf-8", "replace"))
        else:
            self.files.write(path, self.text(r).encode("utf-8", "replace"),   # a lone surrogate must not abort
                             folder, self.recycled)
        self.manifest.add(rel)

    def close(self) -> None:
        self.files.close()
        if self.recycled and self.rows.planner is not None:
            for name in self.rows.planner.finish():     # the recycled set's files nobody has now
                taken = self.rows.book.name_with_fold(name_fold(name))
                for rel, now in zip(self.files_for(name), self.files_for(taken) if taken else ()):
                    if taken == name or _same_file(self.folder / rel, self.folder / now):
                        break                   # given to another student (on this file system)
                else:
                    for rel in self.files_for(name):
                        remove_file(self.folder / rel, self.top)

    def abandon(self) -> None:
        self.files.abandon()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class FeedbackFiles(_StudentFiles):
    """feedback/<student>.md: the costliest writer (Markdown for every part of every student)."""

    aside = True
    folders = ("feedback",)
    path = "feedback/{}.md"

    def text(self, r: SubmissionResult) -> str:
        return feedback_markdown(r, self.rows.problems, self.rows.info.due)


class GradescopeFiles(_StudentFiles):
    """gradescope/<student>/results.json (the layout of Gradescope's autograder)."""

    aside = True
    folders = ("gradescope",)
    path = "gradescope/{}/results.json"

    def text(self, r: SubmissionResult) -> str:
        return gradescope_json(r)


class _Aside:
    """The writers marked `aside`, run in one helper process over its own read of the
    gradebook, on the second core, following the rows as this process grades them, then while
    it writes the rest. Here they only name their files in the manifest as the rows go by. A
    full disk in the helper is raised here as it was raised there; a helper that dies (out of
    memory, a stray signal) costs nothing: its files are made again here."""

    def __init__(self, makers: list, rows: Rows, folder: Path, manifest: Manifest, close_fds: tuple[int, ...],
                 log: Callable[[str], None]):
        self.makers, self.rows, self.folder, self.manifest, self.log = makers, rows, folder, manifest, log

        def job() -> None:
            book = Gradebook.reader(rows.book.path)
            try:
                _write_all(makers, replace(rows, book=book, follow=True), folder)
            finally:
                book.close()

        self.helper = workers.Helper(job, close_fds=close_fds)

    def add(self, name: str, r: SubmissionResult) -> None:
        for make in self.makers:
            for rel in make.files_for(name):
                self.manifest.add(rel)

    def close(self) -> None:
        try:
            self.helper.wait()
        except workers.HelperError as exc:
            self.log(f"{exc}; this run wrote its files itself")
            for make in self.makers:            # what the helper left: ours, in the new set
                for sub in make.folders:
                    shutil.rmtree(self.folder / sub, ignore_errors=True)
                for rel in make.files():
                    (self.folder / rel).unlink(missing_ok=True)
            reuse = self.rows.reuse and replace(self.rows.reuse, spare_index=None)   # nothing left to keep
            _write_all(self.makers, replace(self.rows, reuse=reuse), self.folder)
        for make in self.makers:
            for rel in make.files():
                self.manifest.add(rel)

    def abandon(self) -> None:
        self.helper.kill()


def _write_rows(makers: list, rows: Rows, folder: Path, manifest) -> list[Writer]:
    """The writers `makers` make, fed every row once, then closed in order; all abandoned
    (those not yet closed) on any failure. Returns them."""
    writers: list[Writer] = []
    closed = 0
    try:
        for make in makers:
            writers.append(make(rows, folder, manifest))
        for name, r in rows.named_results():
            for w in writers:
                w.add(name, r)
        for w in writers:
            w.close()
            closed += 1
    except BaseException:
        for w in writers[closed:]:
            w.abandon()
        raise
    return writers


def _write_all(makers: list, rows: Rows, folder: Path) -> None:
    """Writers run aside: their files are named in the manifest by `_Aside`."""
    _write_rows(makers, rows, folder, _Unlisted())


class _Unlisted:
    """The manifest of a writer run aside: its files are named by `_Aside` in the real one."""

    def add(self, rel: str) -> None:
        pass


class _ClassFile:
    """A class-wide file, one piece per submission (`stream(rows)`: a `Stream`)."""

    rel = ""
    folders: tuple[str, ...] = ()

    def __init__(self, rows: Rows, folder: Path, manifest: Manifest):
        self.rows = rows
        self.file = _StreamFile(folder, self.rel, self.stream(rows), manifest)
        self.old: Optional[int] = None        # the current set's copy, read for unchanged rows' pieces

    @staticmethod
    def stream(rows: Rows) -> Stream:
        raise NotImplementedError

    @classmethod
    def files(cls) -> tuple[str, ...]:
        return (cls.rel,)

    @staticmethod
    def files_for(name: str) -> tuple[str, ...]:
        return ()

    def add(self, name: str, r: SubmissionResult) -> None:
        """The row's piece; an unchanged row's (`grader.classes.reuse`) is copied from the current
        set's file rather than rendered. Where it lands goes into the set's INDEX."""
        now, piece = self.rows.now, None
        where = now.pieces.get(self.rel) if now is not None and now.link_from is not None else None
        if where is not None:
            if self.old is None:
                try:
                    self.old = os.open(now.link_from / self.rel, os.O_RDONLY)
                except OSError:
                    self.old = -1
                if self.old >= 0 and not self.rows.reuse.untouched(now.link_from / self.rel):
                    os.close(self.old)          # edited since: nothing of it is copied
                    self.old = -1
            if self.old >= 0:
                piece = os.pread(self.old, where[1], where[0])
                if len(piece) != where[1]:
                    piece = None
        if now is not None:
            now.written[self.rel] = self.file.add_piece(r, piece)
        else:
            self.file.add(r)

    def close(self) -> None:
        self._drop_old()
        self.file.close()

    def abandon(self) -> None:
        self._drop_old()
        self.file.abandon()

    def _drop_old(self) -> None:
        if self.old is not None and self.old >= 0:
            os.close(self.old)
        self.old = None


class GradebookCsv(_ClassFile):
    rel = "gradebook.csv"

    @staticmethod
    def stream(rows: Rows) -> Stream:
        return gradebook_csv_stream(rows.problems)


class JunitXml(_ClassFile):
    rel = "junit.xml"

    @staticmethod
    def stream(rows: Rows) -> Stream:
        t = rows.totals()
        return junit_xml_stream(int(t["cases"]), int(t["failures"]), int(t["error_cases"]))


class ResultsJson(_ClassFile):
    rel = "results.json"
    aside = True

    @staticmethod
    def stream(rows: Rows) -> Stream:
        return results_json_stream(rows.classmates)


class ReportHtml:
    """report.html, from the class's statistics gathered a row at a time (aside: the statistics
    need every row decoded, which a rerun's other writers mostly do not)."""

    aside = True
    folders: tuple[str, ...] = ()
    files_for = _ClassFile.files_for

    @staticmethod
    def files() -> tuple[str, ...]:
        return ("report.html",)

    def __init__(self, rows: Rows, folder: Path, manifest: Manifest):
        self.rows, self.folder, self.manifest = rows, folder, manifest
        self.stats = ClassStats(per_student_ids(rows.problems), rows.book.wrong_answers())
        self.filenames: dict[str, str] = {}          # the roster table's links (the table is capped)

    def add(self, name: str, r: SubmissionResult) -> None:
        self.stats.add(r)
        if len(self.filenames) < ROSTER_MAX_ROWS:
            self.filenames[r.student] = name

    def close(self) -> None:
        info = self.rows.info
        names = {p.submission: p.name for p in info.roster.people if p.name} if info.roster else None
        page = report_html_from(self.stats, self.rows.problems, self.rows.generated_at, title=info.title,
                                due=info.due, filenames=self.filenames, names=names, classmates=self.rows.classmates)
        with open(self.folder / "report.html", "xb") as fh:
            fh.write(page.encode("utf-8", "replace"))
        self.manifest.add("report.html")

    def abandon(self) -> None:
        pass


class LmsExports:
    """canvas.csv, gradescope-scores.csv, moodle.csv (grader.formats.lms): the rows joined with the
    roster (both by submission id) as they arrive."""

    def __init__(self, rows: Rows, folder: Path, manifest: Manifest):
        points = round(sum(p.max_score for p in rows.problems.values()), 6)
        self.join = lms.Join(rows.info.roster)
        self.files = [_StreamFile(folder, name, stream, manifest)
                      for name, stream in lms.export_streams(rows.info.title, points).items()]

    def _put(self, entries: list) -> None:
        for e in entries:
            for f in self.files:
                f.add(e)

    def add(self, name: str, r: SubmissionResult) -> None:
        self._put(self.join.add(lms.ScoreRow(r.student, r.score, r.max_score, r.status)))

    def close(self) -> None:
        self._put(self.join.rest())
        for f in self.files:
            f.close()

    def abandon(self) -> None:
        for f in self.files:
            f.abandon()


class SetIndex:
    """The set's INDEX: which row version each student's files were rendered from, for the
    next run to take them (`grader.classes.reuse`)."""

    def __init__(self, rows: Rows, folder: Path, manifest: Manifest):
        self.rows = rows
        self.index = IndexWriter(folder, rows.reuse.header if rows.reuse else {}, manifest)

    def add(self, name: str, r: SubmissionResult) -> None:
        self.index.add(r.student, name, self.rows.now.version, self.rows.now.written)

    def close(self) -> None:
        self.index.close()

    def abandon(self) -> None:
        self.index.abandon()


WRITERS: tuple[Callable[[Rows, Path, Manifest], Writer], ...] = (
    FeedbackFiles, GradescopeFiles, GradebookCsv, JunitXml, ResultsJson, ReportHtml, LmsExports, SetIndex,
)


def _base_name(student: str) -> tuple[str, str]:
    name = safe_filename(student)
    return name, name_fold(name)


def assign_filenames(book: Gradebook) -> None:
    """Every row's file-name stem, unique even on a case-insensitive file system, checked in
    the gradebook by `resolve_name_clashes` (the rule `student_filenames` uses in memory)."""
    book.name_rows(_base_name)
    book.reset_names()
    resolve_name_clashes(book.clashing_names, lambda s, name: book.set_name(s, name, name_fold(name)))


def write_set(rows: Rows, folder: Path, *, helpers: bool = False, close_fds: tuple[int, ...] = (),
              log: Callable[[str], None] = lambda line: None) -> ClassStats:
    """Every output into `folder` (an empty set folder), then its MANIFEST (see `SetWriting`)."""
    return SetWriting(rows, folder, helpers=helpers, close_fds=close_fds, log=log).finish()


class SetWriting:
    """Writing one set, in one pass over the gradebook's rows (each row is decoded once in each
    process, whatever the number of formats). With `helpers`, the writers marked `aside` (the
    files of each student, and results.json) start at once in a helper process, which follows
    the rows as they are graded: made before grading, this writes them on the second core while
    the run grades on the first. `finish` writes the rest once every row is graded (the
    class-wide files whose headers count the class) and returns the class's statistics (the
    step summary is made from them); `abandon` stops it all. `close_fds`: descriptors the helper
    must not keep (the OUTDIR lock); `log` hears of a helper that failed."""

    def __init__(self, rows: Rows, folder: Path, *, helpers: bool = False, close_fds: tuple[int, ...] = (),
                 log: Callable[[str], None] = lambda line: None, stats: bool = True):
        here = {ReportHtml} if stats else set()          # `finish` returns its statistics
        if rows.reuse is not None and rows.reuse.current is not None:
            here.add(ResultsJson)                         # unchanged rows' pieces copied: cheap here
        aside = [make for make in WRITERS if helpers and workers.can_fork() and getattr(make, "aside", False)
                 and make not in here]
        self.rows, self.folder = rows, folder
        self.makers: list = [make for make in WRITERS if make not in aside]
        self.manifest = Manifest(folder)
        self.aside: Optional[_Aside] = None
        if aside:       # forked first, while this process has no other thread
            try:
                self.aside = _Aside(aside, rows, folder, self.manifest, close_fds, log)
            except BaseException:
                self.manifest.abandon()
                raise
            self.makers.insert(0, lambda rows, folder, manifest: self.aside)

    def finish(self) -> Optional[ClassStats]:
        try:
            writers = _write_rows(self.makers, self.rows, self.folder, self.manifest)
            (self.folder / SPARE_INDEX).unlink(missing_ok=True)    # read: not part of the set
        except BaseException:
            self.manifest.abandon()
            raise
        self.manifest.close()
        return next((w.stats for w in writers if isinstance(w, ReportHtml)), None)

    def abandon(self) -> None:
        """The set is being thrown away (nothing left to stop once `finish` has returned)."""
        if self.aside is not None:
            self.aside.abandon()
        self.manifest.abandon()
