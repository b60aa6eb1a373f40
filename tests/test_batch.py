"""Grading a class directory: workers, deadlines, dedupe, consistent outputs, merge, CI integration."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.authoring import loader as problems_mod
from grader.formats.gradebook_csv import POINTS_ROW_LABEL
from grader.formats.results_json import RESULTS_JSON
from grader.classes import workers
from grader.show.escape import safe_log_text
from grader.classes.classrun import BatchError, ClassRun, grade_class
from conftest import run_cli
from grader.model import (
    CORRECT, INCORRECT, INVALID, MISSING, Part, Problem, SubmissionResult, SymbolTable, Tolerance, Variant,
    Verdict,
)


# --- a bank and a stand-in checker (module level: inherited by forked workers) ----------------

def make_bank() -> dict[str, Problem]:
    t = SymbolTable()
    return {
        "relu": Problem("relu", "ReLU", "", t, (
            Part("derivative-positive", "", "numeric", "1", tolerance=Tolerance(absolute=1e-3)),
            Part("derivative-negative", "", "numeric", "0", tolerance=Tolerance(absolute=1e-3)),
        )),
        "sigmoid": Problem("sigmoid", "Sigmoid", "", t, (
            Part("derivative", "", "expression", "e^(-z)/(1+e^(-z))^2", points=2),
        )),
        "two-layer-example": Problem("two-layer-example", "Two layers", "", t, (
            Part("dC-dw1", "", "numeric", "2.080", tolerance=Tolerance(absolute=1e-3)),
        ), given=(("x", 3.0),), variants=(Variant("x", choices=(2.0, 3.0, 4.0)),), randomize=True),
    }


def fake_check(problem, part, answer, values=None):
    log = os.environ.get("FAKE_CHECK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {problem.id}/{part.id} {answer!r} {sorted((values or {}).items())}\n")
    if answer == "SLOW":
        time.sleep(120)
    if os.environ.get("FAKE_CHECK_DELAY"):
        time.sleep(float(os.environ["FAKE_CHECK_DELAY"]))
    if answer == "CRASH":
        os._exit(7)
    if answer == "CRASH_ONCE":          # dies the first time only (a marker file remembers)
        marker = os.environ["FAKE_CHECK_MARKER"]
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(9)
    if answer == "RAISE":
        raise RuntimeError("checker bug")
    ok = "".join(answer.split()) == "".join(part.answer.split())
    return Verdict(CORRECT if ok else INCORRECT, part.points if ok else 0.0, part.points,
                   interpreted=answer, feedback=() if ok else (f"Not quite: {answer}",),
                   rule=None if ok else "wrong")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def make_class(root: Path) -> Path:
    src = root / "class"
    write(src / "alice" / "answers.yaml",
          "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n"
          "sigmoid:\n  derivative: e^(-z)/(1+e^(-z))^2\ntwo-layer-example:\n  dC-dw1: 2.080\n")
    write(src / "bob" / "answers.yaml",
          "relu:\n  derivative-positive: 1\n  derivative-negative: 1\n"
          "sigmoid:\n  derivative: 1-(1/(1+e^(-z)))\n")
    write(src / "zoë martin" / "answers.yaml",
          "relu:\n  derivative-positive: 1\nsigmoid:\n  derivative: '`x`<b>::error::hi'\n")
    write(src / "dana.yaml", "relu:\n  derivative-positive: \"1\n")          # broken
    write(src / "emeka.yml", "sigmod:\n  derivative: z\nrelu:\n  derivative-positive: 1\n")
    (src / "frank").mkdir()                                                  # no answers.yaml
    return src


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("CI", "true")


class Run:
    """A ClassRun with its rows read back (small classes only)."""

    def __init__(self, outcome: ClassRun):
        self.outcome = outcome
        self.results = list(outcome.results)

    def __getattr__(self, name):
        return getattr(self.outcome, name)


def run(src, out, **kw) -> Run:
    kw.setdefault("jobs", 2)
    kw.setdefault("check", fake_check)
    kw.setdefault("log", lambda line: None)
    return Run(grade_class(src, out, make_bank(), **kw))


def all_files(folder: Path) -> dict[str, bytes]:
    """The files OUTDIR shows (through the grader's links), not its private .grader folder."""
    found = {}
    for root, dirs, files in os.walk(folder, followlinks=True):
        rel_root = os.path.relpath(root, folder)
        if rel_root.split(os.sep)[0] == ".grader":
            continue
        for f in files:
            rel = f if rel_root == "." else os.path.join(rel_root, f)
            found[rel] = (Path(root) / f).read_bytes()
    return dict(sorted(found.items()))


# --- the whole run ---------------------------------------------------------------------------

def test_grade_directory_writes_every_report(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    outcome = run(src, out)
    students = [r.student for r in outcome.results]
    assert students == ["alice", "bob", "dana", "emeka", "frank", "zoë martin"]
    assert (outcome.graded, outcome.errors, outcome.found) == (4, 2, 6)
    assert outcome.exit_code == 3
    files = set(all_files(out))
    assert {"results.json", "gradebook.csv", "junit.xml", "report.html"} <= files
    for s in students:
        assert f"feedback/{s}.md" in files and f"gradescope/{s}/results.json" in files
    assert not [f for f in files if f.endswith(".tmp")]

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert isinstance(data, list) and [d["student"] for d in data] == students
    by = {d["student"]: d for d in data}
    assert by["alice"]["score"] == 5.0 and by["alice"]["max_score"] == 5.0 and by["alice"]["status"] == "graded"
    assert by["dana"]["status"] == "error" and "quote" in by["dana"]["message"]
    assert by["frank"]["status"] == "error" and by["frank"]["message"] == "no answers.yaml"
    assert "'sigmod'" in by["emeka"]["message"]
    bob = {(p["problem"], p["part"]): p for p in by["bob"]["parts"]}
    assert bob[("relu", "derivative-negative")]["status"] == INCORRECT
    assert bob[("two-layer-example", "dC-dw1")]["status"] == MISSING
    assert bob[("two-layer-example", "dC-dw1")]["feedback"] == ["No answer given."]

    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["student", "relu/derivative-positive", "relu/derivative-negative",
                       "sigmoid/derivative", "two-layer-example/dC-dw1", "total", "status"]
    assert rows[1] == [POINTS_ROW_LABEL, "1", "1", "2", "1", "5", ""]
    assert rows[2] == ["alice", "1", "1", "2", "1", "5", "graded"]
    status = {r[0]: r[-1] for r in rows[2:]}
    assert status["frank"] == "error: no answers.yaml"              # not a row of zeros like any other
    assert status["emeka"].startswith("partially graded: Ignored unknown problem id: 'sigmod'")
    assert len(rows) == 2 + 6

    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert len(suite.findall("testcase")) == 6 * 4

    gs = json.loads((out / "gradescope" / "alice" / "results.json").read_text(encoding="utf-8"))
    assert gs["score"] == 5.0 and all(t["status"] == "passed" for t in gs["tests"])
    md = (out / "feedback" / "zoë martin.md").read_text(encoding="utf-8")
    assert "Your answer: ``" in md and "<b>" in md.split("Your answer:")[2].split("\n")[0]


def test_examples_with_the_real_bank_and_checker(tmp_path):
    root = Path(__file__).resolve().parent.parent
    bank = problems_mod.load_bank(root / "problems")     # the shipped bank: the course's values
    outcome = Run(grade_class(root / "examples" / "submissions", tmp_path / "out", bank, jobs=2,
                              log=lambda line: None, deadline=30))
    by = {r.student: r for r in outcome.results}
    assert by["dana"].status == "error"
    assert by["emeka"].status == "partial"                 # a mistyped problem id: the rest is graded
    assert all(r.status == "graded" for s, r in by.items() if s not in ("dana", "emeka"))
    assert outcome.exit_code == 3
    # alice and chen-wei answer every part of the bank right (numbers for the course's values)
    for s in ("alice", "chen-wei"):
        assert [p for p in by[s].parts if p.verdict.status != CORRECT] == [], s
        assert by[s].score == by[s].max_score == 66
    assert "'sigmod'" in by["emeka"].message
    zoe = {(p.problem, p.part): p.verdict.status for p in by["zoë martin"].parts}
    assert zoe[("param-gradients", "dC-db")] == MISSING and zoe[("param-gradients", "dC-dw")] == CORRECT
    bob = {(p.problem, p.part): p.verdict.status for p in by["bob"].parts}
    assert bob[("sigmoid", "derivative")] == INCORRECT
    assert bob[("relu", "derivative-negative")] == INCORRECT
    bob_rules = {(p.problem, p.part): p.verdict.rule for p in by["bob"].parts}
    assert bob_rules[("param-gradients", "dC-dw")] == "power-not-product"
    assert bob_rules[("sigmoid", "derivative")] == "one-minus-sigma"
    farah = {(p.problem, p.part): p.verdict for p in by["farah"].parts}
    assert farah[("sigmoid", "derivative")].status == INVALID


# --- deadlines and crashes -------------------------------------------------------------------

def test_stuck_answer_is_killed_and_marked_too_complex(tmp_path):
    src = tmp_path / "class"
    write(src / "slowpoke.yaml", "relu:\n  derivative-positive: SLOW\n  derivative-negative: 0\n")
    write(src / "alice.yaml", "relu:\n  derivative-positive: 1\nsigmoid:\n  derivative: e^(-z)/(1+e^(-z))^2\n")
    write(src / "bob.yaml", "relu:\n  derivative-positive: SLOW\n  derivative-negative: 5\n")
    started = time.monotonic()
    outcome = run(src, tmp_path / "out", jobs=2, deadline=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed     # the sleeping check (120 s) was killed
    assert outcome.too_complex == 1  # one distinct stuck answer, shared by two students
    by = {r.student: {(p.problem, p.part): p for p in r.parts} for r in outcome.results}
    for s in ("slowpoke", "bob"):
        v = by[s][("relu", "derivative-positive")].verdict
        assert v == Verdict(status=INVALID, score=0.0, max_score=1.0, rule="too-complex",
                            feedback=("This answer is too complex to check. It took longer than 1 second.",))
    assert by["slowpoke"][("relu", "derivative-negative")].verdict.status == CORRECT
    assert by["bob"][("relu", "derivative-negative")].verdict.status == INCORRECT
    assert by["alice"][("sigmoid", "derivative")].verdict.status == CORRECT
    assert outcome.exit_code == 0


def test_single_worker_still_enforces_the_deadline(tmp_path):
    src = tmp_path / "class"
    write(src / "a.yaml", "relu:\n  derivative-positive: SLOW\n  derivative-negative: 0\n")
    outcome = run(src, tmp_path / "out", jobs=1, deadline=0.5)
    parts = {p.part: p.verdict for p in outcome.results[0].parts}
    assert parts["derivative-positive"].rule == "too-complex"
    assert parts["derivative-negative"].status == CORRECT


def test_crashing_or_raising_check_affects_one_answer(tmp_path):
    src = tmp_path / "class"
    write(src / "a.yaml", "relu:\n  derivative-positive: CRASH\n  derivative-negative: 0\n")
    write(src / "b.yaml", "relu:\n  derivative-positive: RAISE\n  derivative-negative: 0\n")
    lines = []
    outcome = run(src, tmp_path / "out", log=lines.append)
    a = {p.part: p.verdict for p in outcome.results[0].parts}
    b = {p.part: p.verdict for p in outcome.results[1].parts}
    assert a["derivative-positive"].status == INVALID and a["derivative-positive"].rule == "worker-crashed"
    assert b["derivative-positive"].status == INVALID and b["derivative-positive"].rule == "internal-error"
    assert a["derivative-negative"].status == b["derivative-negative"].status == CORRECT
    assert outcome.crashed == 1
    assert any("exit code 7" in line for line in lines)
    assert any("RuntimeError: checker bug" in line for line in lines)


def test_grade_answers_directly():
    bank = make_bank()
    tasks = [("relu", "derivative-positive", "1", None), ("relu", "derivative-positive", "SLOW", None),
             ("sigmoid", "derivative", "x", None)]
    done = []
    tasks = [workers.Task(*t) for t in tasks]
    verdicts = {c.task: c.verdict for c in workers.check_answers(tasks, bank, fake_check, jobs=3, deadline=0.5)}
    assert [verdicts[t].status for t in tasks] == [CORRECT, INVALID, INCORRECT]
    assert verdicts[tasks[1]].rule == "too-complex"
    assert list(workers.check_answers([], bank, fake_check)) == []


# --- dedupe ----------------------------------------------------------------------------------

def test_each_distinct_answer_is_checked_once(tmp_path, monkeypatch):
    src = tmp_path / "class"
    for i in range(12):
        sig = "e^(-z)/(1+e^(-z))^2" if i % 3 else "1-(1/(1+e^(-z)))"
        write(src / f"s{i:02d}.yaml",
              f"relu:\n  derivative-positive: 1\n  derivative-negative: '{i % 2}'\nsigmoid:\n  derivative: {sig}\n")
    calls = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CHECK_LOG", str(calls))
    outcome = run(src, tmp_path / "out", jobs=2)
    lines = calls.read_text(encoding="utf-8").splitlines()
    # relu+: "1"; relu-: "0", "1"; sigmoid: two forms -> 5 distinct answers for 36 answered parts
    assert len(lines) == 5 == outcome.checked
    assert len({line.split(" ", 1)[1] for line in lines}) == 5
    assert sum(1 for r in outcome.results for p in r.parts if p.verdict.status == CORRECT) == 12 + 6 + 8


def test_variant_values_make_answers_distinct(tmp_path, monkeypatch):
    from grader.checking import variants as bank_module
    bank = make_bank()
    src = tmp_path / "class"
    names = [f"student{i}" for i in range(6)]
    for s in names:
        write(src / f"{s}.yaml", "two-layer-example:\n  dC-dw1: 2.080\n")
    calls = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CHECK_LOG", str(calls))
    run(src, tmp_path / "out")
    distinct = {bank_module.variant_values(bank["two-layer-example"], s)["x"] for s in names}
    lines = calls.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(distinct)
    assert {line.rsplit("[", 1)[1] for line in lines} == {f"('x', {x})]" for x in distinct}


# --- determinism, atomicity, reruns ----------------------------------------------------------

def test_two_runs_are_byte_identical(tmp_path):
    src = make_class(tmp_path)
    a = run(src, tmp_path / "a", jobs=2, generated_at="2023-11-14T22:13:20Z")
    b = run(src, tmp_path / "b", jobs=1, generated_at="2023-11-14T22:13:20Z")
    fa, fb = all_files(tmp_path / "a"), all_files(tmp_path / "b")
    assert fa.keys() == fb.keys() and len(fa) == 4 + 3 + 2 * 6     # 4 class files, 3 LMS exports, 2 per student
    assert fa == fb
    assert b"Generated at 2023-11-14T22:13:20Z" in fa["report.html"]
    assert a.results == b.results
    c = run(src, tmp_path / "c")      # no timestamp given: the time of the run
    assert re.search(rb"Generated at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", all_files(tmp_path / "c")["report.html"])


def test_regrade_some_students_keeps_the_others(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    first = run(src, out)
    before = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # bob fixes his answer; alice's file disappears but she is not regraded
    write(src / "bob" / "answers.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")
    (src / "alice" / "answers.yaml").unlink()
    outcome = run(src, out, students=["bob", "ghost"])
    after = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_before = {d["student"]: d for d in before}
    by_after = {d["student"]: d for d in after}
    assert set(by_after) == set(by_before) | {"ghost"}
    for s in ("alice", "dana", "emeka", "frank", "zoë martin"):
        assert by_after[s] == by_before[s]
    assert by_after["bob"]["score"] == 2.0
    assert by_after["ghost"]["status"] == "error"
    assert by_after["ghost"]["message"] == "no submission found for this student"
    assert outcome.found == 1 and outcome.exit_code == 3
    assert len(outcome.results) == len(first.results) + 1
    assert (out / "feedback" / "alice.md").exists()
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[2:]] == sorted(by_after)


def test_regrade_refuses_a_foreign_results_file(tmp_path):
    src = make_class(tmp_path)
    write(tmp_path / "out" / "results.json", '{"not": "ours"}')
    with pytest.raises(BatchError, match="not a results file"):
        run(src, tmp_path / "out", students=["bob"])


def test_stale_student_files_are_removed(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    run(src, out)
    import shutil
    shutil.rmtree(src / "bob")
    write(out / "feedback" / "notes.txt", "the TA's own file")
    run(src, out)
    assert not (out / "feedback" / "bob.md").exists()
    assert not (out / "gradescope" / "bob").exists()
    assert (out / "feedback" / "notes.txt").exists()


# --- hostile names ---------------------------------------------------------------------------

def test_path_traversal_ids_stay_inside_out(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "deep" / "out"
    write(out / "results.json", RESULTS_JSON.text(sorted((
        SubmissionResult(s, "error", (), message="old") for s in
        ("../../escaped", "/etc/evil", "..", ".", "a\x00b", "CON", "..\\..\\win")), key=lambda r: r.student)))
    outcome = run(src, out, students=["../outside", "bob"])
    assert {"../../escaped", "/etc/evil", "..", "../outside"} <= {r.student for r in outcome.results}
    # nothing was written outside OUT
    outside = {p for p in tmp_path.rglob("*") if out not in p.parents and p != out}
    assert all(p == tmp_path / "deep" or tmp_path / "class" in p.parents or p == tmp_path / "class"
               for p in outside), outside
    names = os.listdir(out / "feedback")
    assert len(names) == len(outcome.results)
    assert all(not n.startswith(".") and "/" not in n and "\x00" not in n for n in names)
    assert len(os.listdir(out / "gradescope")) == len(outcome.results)


def test_unicode_and_space_names(tmp_path):
    src = tmp_path / "class"
    for name in ("zoë martin", "李 雷", "O'Brien", "-rf", "=1+1"):
        write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    outcome = run(src, tmp_path / "out")
    assert [r.student for r in outcome.results] == sorted(["zoë martin", "李 雷", "O'Brien", "-rf", "=1+1"])
    assert outcome.exit_code == 0
    assert (tmp_path / "out" / "feedback" / "李 雷.md").exists()
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert {r[0] for r in rows[2:]} == {"'-rf", "'=1+1", "O'Brien", "zoë martin", "李 雷"}


def test_symlinked_submission_outside_dir_is_refused(tmp_path):
    secret = write(tmp_path / "secret" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    src = tmp_path / "class"
    write(src / "alice.yaml", "relu:\n  derivative-positive: 1\n")
    (src / "mallory").symlink_to(secret.parent, target_is_directory=True)
    outcome = run(src, tmp_path / "out")
    by = {r.student: r for r in outcome.results}
    assert by["mallory"].status == "error" and by["mallory"].message == "refused: symbolic link"
    assert outcome.exit_code == 3


def test_symlinked_output_subfolder_is_refused(tmp_path):
    src = make_class(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "feedback").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(BatchError, match="symbolic link"):
        run(src, out)
    assert os.listdir(tmp_path / "elsewhere") == []


# --- exit codes, fail-under ------------------------------------------------------------------

def test_no_submissions(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "README.md", "nothing")
    outcome = run(tmp_path / "empty", tmp_path / "out")
    assert outcome.exit_code == 4 and outcome.results == []
    with pytest.raises(BatchError):
        run(tmp_path / "missing", tmp_path / "out")


def test_fail_under(tmp_path):
    src = tmp_path / "class"
    write(src / "alice.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")
    outcome = run(src, tmp_path / "out")
    assert outcome.exit_code == 0
    assert outcome.results[0].score == 2.0
    assert not outcome.outcome.below(2)
    assert outcome.outcome.below(2.5)
    assert ClassRun(tmp_path, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).below(0)


# --- progress, GitHub Actions ----------------------------------------------------------------

def test_progress_goes_to_the_callback_only(tmp_path, capsys):
    src = tmp_path / "class"
    write(src / "alice.yaml", "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")
    seen = []
    run(src, tmp_path / "out", on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 2), (1, 2), (2, 2)]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_summary_for_a_ci_page_is_returned_not_written(tmp_path):
    src = make_class(tmp_path)
    assert run(src, tmp_path / "out").summary is None
    text = run(src, tmp_path / "out2", summary=True).summary
    assert text.startswith("## ")
    assert "6 submissions: 4 graded, 2 could not be graded." in text
    assert "| alice | 5 / 5 | graded |" in text
    assert "<b>" not in text


@pytest.mark.parametrize("text", [
    "::set-output name=x::1", "::add-mask::secret", "  ::error file=x::pwned", "a\n::warning::x",
    "::stop-commands::tok", ":::::", "##[group]x", "##vso[task.setvariable]x", "x\r::error::y",
    "\x1b[2J\x1b]0;title\x07", "a\u2028::error::b", "\u202e::error::",
])
def test_safe_log_text_neutralises_workflow_commands(text):
    safe = safe_log_text(text)
    assert "::" not in safe and "##" not in safe
    assert "\n" not in safe and "\r" not in safe and "\x1b" not in safe and "\x07" not in safe
    assert all(ch.isprintable() for ch in safe)
    assert not safe.lstrip().startswith("::")


def test_safe_log_text_keeps_ordinary_text():
    assert safe_log_text("zoë martin: line 3: a closing quote is missing") == \
        "zoë martin: line 3: a closing quote is missing"
    assert safe_log_text("a\nb") == "a\\x0ab"


def test_error_log_lines_are_one_printable_line(tmp_path):
    src = tmp_path / "class"
    write(src / "::error::x\x1b[2J.yaml", "::error::pwned: [\n")
    lines = []
    run(src, tmp_path / "out", log=lines.append)
    assert lines and all(line.isprintable() for line in lines)
    assert all("::" not in safe_log_text(line) for line in lines)    # what the CLI prints


def test_a_log_line_is_escaped_once(tmp_path):
    """An id with a backslash is shown as its id (one backslash escaped once, `a\\b`), in the
    library's log lines and on the CLI's stderr alike: one rule, applied once."""
    src = tmp_path / "class"
    write(src / "a\\b.yaml", "x: [\n")
    lines = []
    run(src, tmp_path / "out", log=lines.append)
    assert [line.split(":")[0] for line in lines if "could not be graded" in line] == ["a\\\\b"]
    result = run_cli("grade", src, "--out", tmp_path / "out2")
    assert "grader: a\\\\b: could not be graded" in result.stderr


def test_html_report_of_a_run_is_self_contained(tmp_path):
    src = make_class(tmp_path)
    run(src, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")

    class P(HTMLParser):
        bad = []

        def handle_starttag(self, tag, attrs):
            for k, v in attrs:
                if tag == "a" and k == "href" and re.fullmatch(r"feedback/[^/:?#]+\.md", v or ""):
                    continue          # each student's own feedback file, relative, in the same set
                if tag == "math" and k == "xmlns" and v == "http://www.w3.org/1998/Math/MathML":
                    continue          # a namespace name: nothing is fetched
                if k in ("src", "href") or (v and ("http://" in v or "https://" in v)):
                    self.bad.append((tag, k, v))

    p = P()
    p.feed(page)
    assert p.bad == []
    assert page.count('<a href="feedback/') == 6          # the roster table links every student's feedback
    assert "&lt;b&gt;::error::hi" in page


def test_non_utf8_folder_name_does_not_crash(tmp_path):
    src = tmp_path / "class"
    src.mkdir()
    raw = os.fsencode(str(src)) + b"/caf\xe9"
    os.mkdir(raw)
    with open(raw + b"/answers.yaml", "wb") as fh:
        fh.write(b"relu:\n  derivative-positive: 1\n")
    outcome = run(src, tmp_path / "out")
    assert outcome.exit_code == 0 and [r.student for r in outcome.results] == ["caf\\xe9"]
    json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    ET.parse(tmp_path / "out" / "junit.xml")
    [name] = os.listdir(tmp_path / "out" / "feedback")
    assert name.startswith("caf_xe9-") and name.endswith(".md")
