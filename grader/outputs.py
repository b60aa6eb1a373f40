"""The output files of a class run, each rendered from the gradebook's rows into a set folder.

Each output format is one writer: a function that reads the rows it needs from a `Rows`
source (streamed from the gradebook in student order, so memory does not grow with the class)
and writes its files into the set folder, naming each in the manifest. Adding a format (an
LMS export, say) is one more function in `WRITERS`. The texts themselves come from
`grader.reports`, the one place that knows each format.

Files are written without fsync: the set's durability comes from the switch-in step
(`grader.outdir`), which syncs the file system once.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from grader import lms, reports
from grader.assignment import DEFAULT_TITLE
from grader.gradebook import Gradebook
from grader.model import Problem, SubmissionResult
from grader.outdir import Manifest
from grader.roster import Roster

__all__ = ["ClassInfo", "Rows", "WRITERS", "write_set", "summary_markdown"]


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

    def results(self) -> Iterator[SubmissionResult]:
        return self.book.results()

    def named_results(self) -> Iterator[tuple[str, SubmissionResult]]:
        return self.book.named_results()

    def totals(self) -> dict[str, float]:
        return self.book.totals()


def _write(folder: Path, rel: str, chunks: Iterable[str], manifest: Manifest) -> None:
    """A new file (O_EXCL: two rows can never share one, checked by the file system)."""
    with open(folder / rel, "xb", buffering=1 << 16) as fh:
        for chunk in chunks:
            fh.write(chunk.encode("utf-8", "replace"))   # a lone surrogate must not abort the write
    manifest.add(rel)


class _Files:
    """Creates many small files at once. On a slow file system each creation waits on the
    disk, not on the CPU, so a few threads overlap the waits (measured on the bench machine:
    6,000 creations 3.9 s one at a time, 2.3 s with 8 threads). The texts are made in the
    calling thread; at most `window` wait in memory."""

    def __init__(self, threads: int = 8, window: int = 256):
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="grader-write")
        self.window = threading.BoundedSemaphore(window)
        self.error: Optional[BaseException] = None

    def write(self, path: Path, data: bytes, folder: Optional[Path] = None) -> None:
        if self.error is not None:
            raise self.error
        self.window.acquire()
        self.pool.submit(self._create, path, data, folder)

    def _create(self, path: Path, data: bytes, folder: Optional[Path]) -> None:
        try:
            if folder is not None:
                os.mkdir(folder)
            with open(path, "xb") as fh:     # O_EXCL: two rows can never share a file
                fh.write(data)
        except BaseException as exc:   # noqa: BLE001 - handed to the calling thread
            if self.error is None:
                self.error = exc
        finally:
            self.window.release()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.error is not None:
            raise self.error


def write_student_files(rows: Rows, folder: Path, manifest: Manifest) -> None:
    """feedback/<student>.md and gradescope/<student>/results.json."""
    (folder / "feedback").mkdir()
    (folder / "gradescope").mkdir()
    files = _Files()
    try:
        for name, r in rows.named_results():
            files.write(folder / "feedback" / f"{name}.md",
                        reports.feedback_markdown(r, rows.problems, rows.info.due).encode("utf-8", "replace"))
            manifest.add(f"feedback/{name}.md")
            files.write(folder / "gradescope" / name / "results.json",
                        reports.gradescope_json(r).encode("utf-8", "replace"), folder / "gradescope" / name)
            manifest.add(f"gradescope/{name}/results.json")
    finally:
        files.close()


def write_results_json(rows: Rows, folder: Path, manifest: Manifest) -> None:
    _write(folder, "results.json", reports.results_json_chunks(rows.results()), manifest)


def write_gradebook_csv(rows: Rows, folder: Path, manifest: Manifest) -> None:
    _write(folder, "gradebook.csv", reports.gradebook_csv_chunks(rows.results(), rows.problems), manifest)


def write_junit_xml(rows: Rows, folder: Path, manifest: Manifest) -> None:
    t = rows.totals()
    _write(folder, "junit.xml", reports.junit_xml_chunks(rows.results(), int(t["cases"]), int(t["failures"]),
                                                         int(t["error_cases"])), manifest)


def write_report_html(rows: Rows, folder: Path, manifest: Manifest) -> None:
    stats = reports.ClassStats(reports.per_student_ids(rows.problems))
    filenames: dict[str, str] = {}          # the roster table's links (the table is capped)
    for name, r in rows.named_results():
        stats.add(r)
        if len(filenames) < reports.ROSTER_MAX_ROWS:
            filenames[r.student] = name
    info = rows.info
    names = {p.submission: p.name for p in info.roster.people if p.name} if info.roster else None
    page = reports.report_html_from(stats, rows.problems, rows.generated_at, title=info.title, due=info.due,
                                    filenames=filenames, names=names)
    _write(folder, "report.html", (page,), manifest)


def write_lms_exports(rows: Rows, folder: Path, manifest: Manifest) -> None:
    """canvas.csv, gradescope-scores.csv, moodle.csv (grader.lms), each streamed from the
    gradebook's rows joined with the roster (both by submission id)."""
    points = round(sum(p.max_score for p in rows.problems.values()), 6)
    for name, chunks in lms.export_chunks(lambda: (lms.ScoreRow(r.student, r.score, r.max_score, r.status)
                                                   for r in rows.results()),
                                          rows.info.roster, rows.info.title, points).items():
        _write(folder, name, chunks, manifest)


WRITERS: tuple[Callable[[Rows, Path, Manifest], None], ...] = (
    write_student_files, write_gradebook_csv, write_junit_xml, write_report_html, write_results_json,
    write_lms_exports,
)


def assign_filenames(book: Gradebook) -> None:
    """Every row's file-name stem, unique even on a case-insensitive file system, checked in
    the gradebook by `reports.resolve_name_clashes` (the rule `student_filenames` uses in memory)."""
    book.reset_names()
    reports.resolve_name_clashes(
        book.clashing_names, lambda s, name: book.set_name(s, name, reports.name_fold(name)))


def write_set(rows: Rows, folder: Path) -> None:
    """Every output into `folder` (an empty set folder), then its MANIFEST."""
    manifest = Manifest(folder)
    try:
        for writer in WRITERS:
            writer(rows, folder, manifest)
    except BaseException:
        manifest.abandon()
        raise
    manifest.close()


def summary_markdown(rows: Rows) -> str:
    """The Markdown summary for a CI page ($GITHUB_STEP_SUMMARY: the CLI decides where it goes)."""
    stats = reports.ClassStats()
    for r in rows.results():
        stats.add(r)
    return reports.github_summary_from(stats)
