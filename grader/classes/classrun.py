"""Grading a class folder: the orchestration of one run, from the folder to OUTDIR.

    scan DIR -> read each submission (unchanged ones reused from the gradebook)
             -> check each distinct answer not yet in the gradebook (grader.classes.workers)
             -> grade each submission from the gradebook's verdicts
             -> write the whole output set from the gradebook, switch it in (grader.classes.outputs, outdir)

Every step records its work in the gradebook as it goes, so a run killed at any point and
started again does only what is missing, and ends with the same bytes as a run never
interrupted. Nothing here prints, reads the environment or handles signals: progress and log
lines go to the callbacks the caller passes, and the caller (the CLI) turns Ctrl-C and SIGTERM
into exceptions, which leave OUTDIR as it was.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

from grader.classes import outputs
from grader.formats.results_json import parse_results_json
from grader.show.escape import safe_log_text
from grader.formats.summary import github_summary_from
from grader.errors import Exit, GraderError, os_reason
from grader.limits import DEADLINE_SECONDS, STUDENT_BUDGET_SECONDS
from grader.classes.gradebook import Gradebook, answer_key
from grader.classes.damage import (
    SQLITE_FULL, SQLITE_READONLY, GradebookDamaged, damage, decoded, gradebook_reason, set_aside, sqlite_code,
)
from grader.model import GRADED, PARTIAL, SUBMISSION_NOT_GRADED, Problem, SubmissionResult, Verdict, nfc_id
from grader.classes.outdir import Outdir, OutdirError, _is_full, no_space, skip_names
from grader.classes.classfolder import Entry, merge_entries, scan_items
from grader.classes.submissions import Submission, grade_submission, read_answer_file
from grader.classes.budgets import RUN_BUDGET_RULE, Budgets, default_run_budget
from grader.classes.workers import PoolError, Task, check_answers
from grader.classes.depends import Depends, Watch
from grader.classes.reuse import INDEX, SPARE_INDEX, Reuse, header_of, index_header, render_key
from grader.authoring import loader
from grader.checking import checker
from grader.checking.feedback import not_graded_reason
from grader.checking.grading import bank_fault
from grader.checking.othervalues import classmates

__all__ = ["grade_class", "ClassRun", "BatchError",
           "EXIT_OK", "EXIT_ERRORS", "EXIT_NOTHING", "NOT_FULLY_GRADED"]

EXIT_OK, EXIT_ERRORS, EXIT_NOTHING = Exit.OK, Exit.UNGRADED, Exit.NOTHING

NOT_FULLY_GRADED = ("Not fully graded: the grader stopped unexpectedly (twice) while checking "
                    "{parts}; those parts count 0 points for now. Grading the class again "
                    "tries them again.")
NOT_CHECKED_IN_TIME = ("Not fully graded: the run's time budget was spent before {parts} could be checked; "
                       "those parts count 0 points for now. Grading the class again checks them.")
NO_SUBMISSION = "no submission found for this student"

_COMMIT_EVERY = 1.0      # seconds between commits while checking: what a kill can lose
_GRADED_EVERY = 500      # rows between commits while grading: a helper writes their files then


class BatchError(GraderError):
    """The run cannot happen at all (no such folder, an unusable OUTDIR, another run holding
    it, a full disk). The message is for the person running it."""


@dataclass(frozen=True)
class ClassRun:
    """What a run did. The rows themselves are in the gradebook: `results()` streams them."""

    out: Path
    found: int                   # submissions this run looked at
    students: int                # rows in the class (this run's and the ones kept)
    graded: int
    errors: int                  # rows that could not be graded (unreadable file ...)
    incomplete: int              # rows not fully graded (a worker died twice on an answer)
    regraded: int                # submissions read and graded by this run
    reused: int                  # submissions unchanged since the last run: kept as they were
    checked: int                 # distinct answers checked by this run
    too_complex: int             # of which killed at the deadline
    crashed: int                 # of which lost to a worker that died twice
    ungraded: int = 0            # rows with a part the bank cannot grade (status not-graded)
    skipped: tuple[tuple[str, str], ...] = ()      # (name, why) of entries that are no submission
    summary: Optional[str] = field(default=None, repr=False)
    seconds: tuple[tuple[str, float], ...] = ()    # wall time of each step (read, check, grade, write, switch)

    @property
    def exit_code(self) -> int:
        """0: every submission graded; 3: some could not be, or not fully; 4: none found."""
        if self.found == 0:
            return EXIT_NOTHING
        if self.errors or self.incomplete or self.ungraded:
            return EXIT_ERRORS
        return EXIT_OK

    def below(self, score: float) -> bool:
        """For ``--fail-under SCORE``: True (fail the run) when some submission scored fewer than
        `score` points (a submission that could not be graded scores 0), or when there is none."""
        if self.students == 0:
            return True
        return any(r.score < score - 1e-9 for r in self.results)

    @property
    def results(self) -> "Rows":
        """Every row of the class, by student: iterate it (each pass reads the gradebook
        again, a page at a time, so a class of any size can be walked through)."""
        return Rows(self.out / ".grader" / "gradebook.sqlite" if self.students else None)


class Rows:
    """The rows of a class as last graded, read from its gradebook on each iteration."""

    def __init__(self, path: Optional[Path]):
        self.path = path

    def __iter__(self) -> Iterator[SubmissionResult]:
        if self.path is None:
            return
        book = Gradebook(self.path)
        try:
            yield from book.results()
        finally:
            book.close()


# --- fingerprints: what a verdict depends on -------------------------------------------------

def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _part_fingerprints(problems: dict[str, Problem]) -> dict[tuple[str, str], str]:
    """A part's verdicts depend on its own definition and on its problem's names and values,
    not on its prompt's wording, hints, self-tests or line number: editing one part
    invalidates that part's answers only."""
    fps = {}
    for pid in sorted(problems):
        p = problems[pid]
        for part in p.parts:
            core = replace(part, line=0, hints=(), tests=(), prompt="")
            fps[(pid, part.id)] = _sha(repr((pid, p.table, p.given, p.variants, p.randomize, core)))
    return fps


def _grader_source() -> str:
    """The grader's own code, hashed: a new grader version checks every answer again. Every
    module of every sub-package counts (a verdict depends on code in several of them), named by
    its path inside the package so that a module moved between folders changes the hash too."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _checker_id(check: Callable) -> str:
    return f"{_grader_source()}:{getattr(check, '__module__', '?')}.{getattr(check, '__qualname__', '?')}"


def _values_key(values) -> Optional[tuple[tuple[str, float], ...]]:
    if values is None:
        return None
    return tuple(sorted((str(k), float(v)) for k, v in values.items()))


# --- a submission kept in the gradebook between reading and grading --------------------------

def _source(sub: Submission) -> dict:
    return {"answers": sub.answers, "error": sub.error,
            "structured": [[pid, part, value] for (pid, part), value in sub.structured.items()],
            **({"declared": sub.declared} if sub.declared is not None else {}),
            **({"bad": list(sub.bad)} if sub.bad else {}),
            **({"misquoted": [[pid, part, why] for (pid, part), why in sub.misquoted.items()]} if sub.misquoted else {})}


def _from_source(student: str, d: dict) -> Submission:
    return Submission(student, None, d["answers"], d["error"],
                      {(pid, part): value for pid, part, value in d["structured"]}, declared=d.get("declared"),
                      bad=tuple(d.get("bad", ())),
                      misquoted={(pid, part): why for pid, part, why in d.get("misquoted", ())})


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the run ---------------------------------------------------------------------------------

def grade_class(src: Path | str, out: Path | str, problems: dict[str, Problem] | Path | str, *,
                jobs: Optional[int] = None, students: Optional[list[str]] = None,
                deadline: float = DEADLINE_SECONDS, student_budget: float = STUDENT_BUDGET_SECONDS,
                run_budget: Optional[float] = None, check: Optional[Callable[..., Verdict]] = None,
                generated_at: Optional[str] = None, summary: bool = False,
                on_progress: Optional[Callable[[int, int], None]] = None,
                log: Optional[Callable[[str], None]] = None,
                info: Optional[outputs.ClassInfo] = None,
                on_switched: Optional[Callable[[], None]] = None) -> ClassRun:
    """Grade every submission in the class folder `src` against `problems` (a bank, or a bank
    folder) and write the outputs into `out` (see `grader.classes.outdir` for its layout).

    `jobs`: worker processes (default: the number of CPUs). `students`: grade only these ids,
    keeping everybody else's rows. `deadline`: seconds per distinct answer; `student_budget`:
    seconds of checking per student, `run_budget`: seconds of checking for the run (default: a
    base plus a little per submission), see `grader.classes.budgets`. `check` replaces
    `checker.check` (tests). `generated_at`: the report's timestamp (default: now).
    `info`: the assignment's title and due date and the roster, for the reports and the LMS
    exports. `on_switched()` is called once this run's set is the one OUTDIR shows: an
    interruption from then on cannot take it back (the caller says so rather than "the previous
    outputs were kept"). `summary`: also return a Markdown summary for a CI page. `on_progress(done, total)` is
    called as answers are checked; `log` receives one line per notable event, made safe for a
    terminal or a CI log once here (`safe_log_text`): print it as it is.

    Raises BatchError when the run cannot happen; a KeyboardInterrupt or other exception
    while it runs leaves OUTDIR's previous outputs as they were and keeps, in the gradebook,
    the work done so far.
    """
    log = _safe(log or (lambda line: None))
    src, out = Path(src), Path(out)
    if not isinstance(problems, dict):
        problems = loader.load_bank(problems)
    if check is None:
        check = checker.check
    if not src.is_dir():
        raise BatchError(f"{src} is not a folder")
    for name, seconds in (("deadline", deadline), ("per-student time budget", student_budget),
                          ("run's time budget", run_budget if run_budget is not None else 1.0)):
        if seconds is None or not seconds > 0:
            raise BatchError(f"the {name} must be a positive number of seconds, not {seconds}")

    wanted = None if students is None else {nfc_id(s) for s in students}
    skip = tuple(skip_names(src, out))
    # a first look, holding nothing but counts: is there anything to grade, and how much?
    skipped_list, found = [], 0
    for e in scan_items(src, skip):
        if wanted is not None and e.student not in wanted:
            continue
        if e.skipped:
            skipped_list.append((e.student, e.skipped))
        else:
            found += 1
        if e.note:
            log(e.note)
    skipped = tuple(sorted(skipped_list))
    for name, why in skipped:
        log(f"skipped {name}: {why}")
    if found == 0:
        return ClassRun(out=out, found=0, students=0, graded=0, errors=0, incomplete=0, regraded=0,
                        reused=0, checked=0, too_complex=0, crashed=0, skipped=skipped)

    outdir = Outdir(out)
    started = _now()
    try:
        outdir.prepare(found + len(wanted or ()))
        lock_fd = outdir.lock(started)
    except OutdirError as exc:
        raise BatchError(str(exc)) from None
    try:
        try:
            book = Gradebook(outdir.state / "gradebook.sqlite")
        except sqlite3.Error as exc:
            raise BatchError(f"cannot open the gradebook {outdir.state / 'gradebook.sqlite'}: "
                             f"{gradebook_reason(exc)}") from None
        def attempt(book, wanted):
            budgets = Budgets(book, problems, student_budget,      # built on the gradebook in use
                              run_budget if run_budget is not None else default_run_budget(found))
            return _run(book, outdir, src, skip, problems, check, wanted, skipped, budgets,
                        jobs=jobs, deadline=deadline, generated_at=generated_at or started,
                        summary=summary, on_progress=on_progress, log=log, lock_fd=lock_fd, info=info,
                        on_switched=on_switched)

        try:
            try:
                return attempt(book, wanted)
            except (sqlite3.DatabaseError, GradebookDamaged) as exc:
                why = damage(exc)
                if why is None:
                    raise
            book = _afresh(book, why, log)
            return _judged(attempt(book, None), book, wanted)     # the whole class: the others' rows went too
        except sqlite3.OperationalError as exc:
            code = sqlite_code(exc)
            if code == SQLITE_FULL or "full" in str(exc):
                raise BatchError(str(no_space(out))) from None
            if code == SQLITE_READONLY:
                raise BatchError(f"cannot write into the output folder {out}: the gradebook's file system is "
                                 f"read-only; the previous outputs were kept") from None
            if damage(exc) is not None:
                raise _damaged_again(book, exc, out) from None
            raise
        except OSError as exc:
            if _is_full(exc):
                raise BatchError(str(no_space(out))) from None
            if _inside(exc.filename, out):     # OUTDIR turned read-only, or was changed under us
                raise BatchError(f"cannot write into the output folder {out}: {os_reason(exc)}; "
                                 f"the previous outputs were kept") from None
            raise
        except (OutdirError, PoolError) as exc:
            raise BatchError(str(exc)) from None
        except (sqlite3.DatabaseError, GradebookDamaged) as exc:
            if damage(exc) is None:
                raise
            raise _damaged_again(book, exc, out) from None
        finally:
            try:
                book.commit()
            except sqlite3.Error:
                pass
            book.close()
    finally:
        outdir.unlock()


def _afresh(book: Gradebook, why: str, log: Callable[[str], None]) -> Gradebook:
    """The damaged gradebook set aside (kept), a fresh one in its place, and the TA told."""
    book.close()
    aside = set_aside(book.path)
    log(f"the gradebook {book.path} is damaged ({why}): it was set aside as {aside.name} and every "
        f"submission is graded afresh")
    return Gradebook(book.path)


def _damaged_again(book: Gradebook, exc: BaseException, out: Path) -> BatchError:
    return BatchError(f"the gradebook {book.path} was damaged again after it was started afresh ({damage(exc)}); "
                      f"the device of {out} may be failing; the previous outputs were kept")


def _judged(run: ClassRun, book: Gradebook, wanted) -> ClassRun:
    """A `--student` run graded the whole class afresh: it still judges the students it named."""
    if wanted is None:
        return run
    # `--student X` judges X: the others' rows are kept as they were, not graded by this run
    s = book.totals_of(wanted)
    return replace(run, graded=s["students"] - s["errors"] - s["ungraded"], errors=s["errors"],
                   incomplete=s["incomplete"], ungraded=s["ungraded"])


def _run(book: Gradebook, outdir: Outdir, src: Path, skip, problems: dict[str, Problem], check,
         wanted, skipped, budgets: Budgets, *, jobs, deadline, generated_at, summary, on_progress, log,
         lock_fd, info=None, on_switched=None) -> ClassRun:
    fps = _part_fingerprints(problems)
    checker = f"{_checker_id(check)}:{deadline!r}"     # a verdict stopped at the deadline names it
    bank_fp = _sha(repr((sorted(fps.items()), checker)))
    ids = {id(p): pid for pid, p in problems.items()}
    run_id = book.start_run(_now(), os.getpid(), "all" if wanted is None else "some")

    if wanted is not None and book.totals()["students"] == 0:
        _import_previous(book, outdir, run_id)
    book.retry_unfinished()
    book.forget_answers_except(fps.values())

    def key(task: Task) -> str:
        return answer_key(task, fps[(task.problem, task.part)], checker)

    # 1. read every submission; an unchanged one keeps its row
    regraded = reused = 0
    clock = [("start", time.perf_counter())]

    failed: list[sqlite3.Error] = []

    def wanting(student: str):
        def want(problem, part, answer, values=None):
            task = Task(ids[id(problem)], part.id, answer, _values_key(values))
            k = key(task)
            try:
                book.want(k, task, fps[(task.problem, task.part)], checker)
                budgets.want(student, k, answer)
            except sqlite3.Error as exc:
                # grading turns a check's exception into that answer's internal error; the
                # gradebook's (a full disk) is the run's, so it is raised again after grading
                failed.append(exc)
                raise
            return _PLACEHOLDER
        return want

    # the class folder goes through the gradebook to be grouped by student: memory stays flat
    for e in scan_items(src, skip):
        if not e.skipped and (wanted is None or e.student in wanted):
            book.add_found(e.student, None if e.path is None else os.fsencode(e.path), e.error)
    book.commit()
    found = book.count_found()
    missing = sorted(wanted - {s for s in wanted if book.was_found(s)}) if wanted is not None else []
    # a classmate's numbers are recognised: the class's value sets, as they will be after this run
    mates = classmates(problems, book.found_students() if wanted is None
                       else _chain(book.student_ids(), sorted(wanted)))
    depends = Depends(mates.values, mates.owners)

    def reusable(student: str, content: str) -> bool:
        kept = book.kept_state(student)
        return kept is not None and kept[:2] == (content, bank_fp) and depends.holds(kept[2])

    def entries():
        for group in book.found():
            entry = merge_entries(src, [Entry(student, None if path is None else Path(os.fsdecode(path)), error)
                                        for student, path, error in group])
            if entry.error:
                yield entry.student, Submission(entry.student, entry.path, None, entry.error)
            else:
                yield entry.student, read_answer_file(entry.path, entry.student, follow_symlinks=False,
                                                      parse_unless=lambda digest: reusable(entry.student, digest))

    book.begin()
    subs_missing = ((s, Submission(s, None, None, NO_SUBMISSION)) for s in missing)
    seen: list[str] = []
    for n, (student, sub) in enumerate(_chain(entries(), subs_missing)):
        content = sub.content_hash or _sha(f"error:{sub.error}")
        if (sub.answers is None and sub.error is None) or reusable(student, content):    # not even parsed
            reused += 1
        else:
            regraded += 1
            book.put_pending(student, content, bank_fp, _source(sub), run_id)
            grade_submission(problems, sub, check=wanting(student))
            if failed:
                raise failed[0]
        seen.append(student)
        if n % 500 == 499:
            book.mark_seen(seen)
            seen.clear()
            book.commit()
            book.begin()
    book.mark_seen(seen)
    if wanted is None:
        book.drop_unseen()
    book.commit()

    clock.append(("read", time.perf_counter()))

    # 2. check every answer the gradebook has no verdict for
    total = book.count_unchecked()
    checked = too_complex = crashed = 0
    if total:
        book.begin()
        last_commit = time.monotonic()
        if on_progress:
            on_progress(0, total)
        for done in check_answers(budgets.tasks(book.unchecked, key), problems, check,
                                  jobs=jobs or os.cpu_count() or 1, deadline=deadline, log=log,
                                  inherited_fds=[lock_fd]):
            k = key(done.task)
            book.store(k, done.verdict, done.final)
            budgets.charge(k, done.task.answer, done.seconds)
            checked += 1
            too_complex += done.timed_out
            crashed += not done.final
            if on_progress:
                on_progress(checked + budgets.skipped_student + budgets.skipped_run, total)
            if time.monotonic() - last_commit >= _COMMIT_EVERY:
                book.commit()
                book.begin()
                last_commit = time.monotonic()
        book.commit()
        for line in budgets.report():
            log(line)

    clock.append(("check", time.perf_counter()))

    # 3. grade each submission read in step 1 from the verdicts; meanwhile, if the run may use a
    # second core, a helper process writes each student's files as their row is graded
    book.begin()
    outputs.assign_filenames(book)
    book.commit()
    info = info or outputs.ClassInfo()
    # a rerun takes unchanged students' files from the sets already written (grader.classes.reuse)
    header = index_header(render_key(problems, info.due, _grader_source()), book.book_id)
    current = shown = outdir.current_set()
    folder, recycled = outdir.new_set(recycle=lambda index: header_of(index) == header)
    if current is not None and header_of(current / INDEX) != header:
        current = None                      # rendered with something else: nothing to take from it
    reuse = Reuse(header, current, current / INDEX if current is not None else None,
                  folder / SPARE_INDEX if recycled else None)
    rows = outputs.Rows(book, problems, generated_at, info, reuse=reuse, classmates=mates)
    writing = None
    try:
        writing = outputs.SetWriting(rows, folder, helpers=(jobs or os.cpu_count() or 1) > 1, stats=summary,
                                     close_fds=(lock_fd,), log=log)
        _grade_pending(book, problems, ids, key, depends, log)
        clock.append(("grade", time.perf_counter()))
        # 4. the rest of the set, from the gradebook, then the whole set switched in at once
        stats = writing.finish()
        text = github_summary_from(stats) if summary else None
        clock.append(("write", time.perf_counter()))
        outdir.switch_to(folder)
    except BaseException:
        if writing is not None:
            writing.abandon()
        if not outdir.shows(folder):      # interrupted at the very end of the switch: the set stays
            outdir.discard(folder)
        raise
    if on_switched is not None:
        on_switched()
    outdir.tidy(spare=shown)            # the set shown until now is kept, for the next run to rebuild
    clock.append(("switch", time.perf_counter()))
    t = book.totals()
    if t["ungraded"]:
        for line in _bank_faults(book):
            log(line)
    book.finish_run(run_id, _now(), found, regraded, reused, checked, "finished")
    errors, incomplete, ungraded = int(t["errors"]), int(t["incomplete"]), int(t["ungraded"])
    return _judged(ClassRun(
        out=outdir.out, found=found, students=int(t["students"]), graded=int(t["students"]) - errors - ungraded,
        errors=errors, incomplete=incomplete, ungraded=ungraded, regraded=regraded, reused=reused, checked=checked,
        too_complex=too_complex + budgets.skipped_student + budgets.skipped_run, crashed=crashed,
        skipped=skipped, summary=text,
        seconds=tuple((name, round(t1 - t0, 3)) for (_, t0), (name, t1) in zip(clock, clock[1:]))), book, wanted)


def _grade_pending(book: Gradebook, problems: dict[str, Problem], ids: dict[int, str], key, depends: Depends,
                   log: Callable[[str], None]) -> None:
    """Each submission read in step 1, graded from the verdicts, committed every few rows (a
    helper writing their files sees them then), with what its feedback read of the classmates."""
    book.begin()
    for n, (student, source) in enumerate(book.pending()):
        sub = decoded("submission", _from_source, student, source)
        lost: list[str] = []
        late: list[str] = []

        def lookup(problem, part, answer, values=None):
            task = Task(ids[id(problem)], part.id, answer, _values_key(values))
            verdict, final = book.answer(key(task))
            if not final:
                (late if verdict.rule == RUN_BUDGET_RULE else lost).append(f"{task.problem}/{task.part}")
            return verdict

        watch = Watch(depends.others)
        result = grade_submission(problems, sub, check=lookup, others=watch.others)
        if lost or late:
            note = " ".join(text.format(parts=", ".join(names))
                            for text, names in ((NOT_FULLY_GRADED, lost), (NOT_CHECKED_IN_TIME, late)) if names)
            result = replace(result, message=f"{note} {result.message}" if result.message else note,
                             status=PARTIAL if result.status in (GRADED, PARTIAL) else result.status)
        if result.status == "error":
            log(f"{student}: could not be graded: {result.message}")
        elif lost:      # (answers left on the run's budget are said once, by the budgets' report)
            log(f"{student}: {note}")
        book.put_result(result, not (lost or late), depends.record(watch.read, result.parts))
        if n % _GRADED_EVERY == _GRADED_EVERY - 1:
            book.commit()
            book.begin()
    book.commit()


def _bank_faults(book: Gradebook) -> list[str]:
    """One line per part the bank could not grade, for the instructor: which part, why, and how
    many students' rows say "not graded" (read from the gradebook: unchanged rows count too)."""
    seen: dict[str, list] = {}
    for _name, _version, result in book.versioned_results(lazy=True):   # only these rows decoded
        if result.status != SUBMISSION_NOT_GRADED:
            continue
        for p in result.parts:
            if bank_fault(p.verdict):
                entry = seen.setdefault(f"{p.problem}/{p.part}", [set(), p.verdict])
                entry[0].add(result.student)
    return [f"{name} could not be graded for {len(students)} student(s), through no fault of theirs: the "
            f"problem bank cannot check it ({not_graded_reason(verdict.feedback[0] if verdict.feedback else '')}). "
            f"Their rows say 'not graded' and the LMS exports leave their score unchanged; fix the problem "
            f"(grader validate shows what is wrong) and grade again."
            for name, (students, verdict) in sorted(seen.items())]


def _inside(filename, out: Path) -> bool:
    if filename is None:
        return False
    try:
        return Path(os.fsdecode(filename)).resolve().is_relative_to(out.resolve())
    except (OSError, ValueError, RuntimeError):
        return False


def _safe(log: Callable[[str], None]) -> Callable[[str], None]:
    """Log lines reach the caller as one printable line, safe in a CI log, whatever a student
    put in their id or file: escaped here once (`safe_log_text`), never again by the caller."""
    return lambda line: log(safe_log_text(line))


_PLACEHOLDER = Verdict(status="invalid", score=0.0, max_score=0.0)


def _chain(*its):
    for it in its:
        yield from it


def _import_previous(book: Gradebook, outdir: Outdir, run_id: int) -> None:
    """A `students=` run on an OUTDIR written before the gradebook existed: the other
    students' rows come from its results.json."""
    path = outdir.out / "results.json"
    if not path.exists() or path.is_symlink():
        return
    try:
        previous = parse_results_json(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchError(f"cannot keep the other students' results: {path} is not a results "
                         f"file written by this grader ({exc})") from None
    book.begin()
    for r in previous:
        book.import_result(r, run_id)
    book.commit()
