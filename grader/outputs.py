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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from grader import lms, reports
from grader.assignment import DEFAULT_TITLE
from grader.gradebook import Gradebook
from grader.model import Problem, SubmissionResult
from grader.outdir import Manifest
from grader.roster import Roster, reconcile

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
    """What a writer may read: the class's rows (streamed), the bank, the counts, the
    per-student file names, the report's timestamp and the assignment."""

    book: Gradebook
    problems: dict[str, Problem]
    generated_at: Optional[str]
    filenames: dict[str, str]
    info: ClassInfo = ClassInfo()

    def results(self) -> Iterator[SubmissionResult]:
        return self.book.results()

    def totals(self) -> dict[str, float]:
        return self.book.totals()


def _write(folder: Path, rel: str, chunks: Iterable[str], manifest: Manifest) -> None:
    """A new file (O_EXCL: two rows can never share one, checked by the file system)."""
    with open(folder / rel, "xb", buffering=1 << 16) as fh:
        for chunk in chunks:
            fh.write(chunk.encode("utf-8", "replace"))   # a lone surrogate must not abort the write
    manifest.add(rel)


def write_student_files(rows: Rows, folder: Path, manifest: Manifest) -> None:
    """feedback/<student>.md and gradescope/<student>/results.json."""
    (folder / "feedback").mkdir()
    (folder / "gradescope").mkdir()
    for r in rows.results():
        name = rows.filenames[r.student]
        _write(folder, f"feedback/{name}.md", (reports.feedback_markdown(r, rows.problems, rows.info.due),), manifest)
        os.mkdir(folder / "gradescope" / name)
        _write(folder, f"gradescope/{name}/results.json", (reports.gradescope_json(r),), manifest)


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
    for r in rows.results():
        stats.add(r)
    info = rows.info
    names = {p.submission: p.name for p in info.roster.people if p.name} if info.roster else None
    page = reports.report_html_from(stats, rows.problems, rows.generated_at, title=info.title, due=info.due,
                                    filenames=rows.filenames, names=names)
    _write(folder, "report.html", (page,), manifest)


def write_lms_exports(rows: Rows, folder: Path, manifest: Manifest) -> None:
    """canvas.csv, gradescope-scores.csv, moodle.csv (grader.lms): one small row per student."""
    scores = [lms.ScoreRow(r.student, r.score, r.max_score, r.status) for r in rows.results()]
    people = reconcile(rows.info.roster, [s.student for s in scores])
    points = round(sum(p.max_score for p in rows.problems.values()), 6)
    for name, text in lms.exports(scores, people, rows.info.title, points).items():
        _write(folder, name, (text,), manifest)


WRITERS: tuple[Callable[[Rows, Path, Manifest], None], ...] = (
    write_student_files, write_gradebook_csv, write_junit_xml, write_report_html, write_results_json,
    write_lms_exports,
)


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
