"""Output formats: every student-controlled string escaped for the format it lands in."""
from __future__ import annotations

import re

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.classes import outputs
from grader.classes.gradebook import Gradebook
from grader.formats import files
from grader.show import escape
from grader.formats.gradebook_csv import POINTS_ROW_LABEL
from grader.formats.feedback_md import feedback_markdown
from grader.formats.gradescope import gradescope_json, write_gradescope
from grader.formats.junit import junit_xml_stream
from grader.formats.plain_text import part_text
from grader.number_format import format_score
from grader.formats.results_json import RESULTS_JSON, parse_results_json
from grader.formats.summary import github_summary_from
from grader.model import (
    CORRECT, INCORRECT, INVALID, MISSING, Part, PartResult, Problem, SubmissionResult, Symbol, SymbolTable, Verdict,
)


def bank() -> dict[str, Problem]:
    t = SymbolTable(symbols=(Symbol("z"),))
    return {
        "sigmoid": Problem("sigmoid", "Sigmoid", "", t, (
            Part("derivative", "", "expression", "e^(-z)/(1+e^(-z))^2", points=2),
            Part("saturation", "", "choice", "B", options=("x", "y")),
        )),
        "relu": Problem("relu", "ReLU", "", t, (
            Part("derivative-positive", "", "numeric", "1"),
        )),
    }


def pr(problem, part, answer, status, score, max_score=1.0, feedback=(), rule=None, interpreted=None):
    return PartResult(problem, part, answer, Verdict(status, score, max_score, interpreted=interpreted,
                                                     feedback=tuple(feedback), rule=rule))


def results() -> list[SubmissionResult]:
    evil = "=HYPERLINK(\"http://evil\")<script>alert(1)</script>`x``\x00\x07\x1b[31m\ud800::error::pwn\n::set-output"
    return [
        SubmissionResult("zoë martin", "graded", (
            pr("relu", "derivative-positive", "1", CORRECT, 1.0),
            pr("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2", CORRECT, 2.0, 2.0),
            pr("sigmoid", "saturation", None, MISSING, 0.0, feedback=("No answer given.",)),
        )),
        SubmissionResult("=cmd|' /C calc'!A0", "graded", (
            pr("relu", "derivative-positive", evil, INVALID, 0.0, feedback=(f"Cannot read {evil}",), rule="syntax"),
            pr("sigmoid", "derivative", "1-(1/(1+e^(-z)))", INCORRECT, 0.0, 2.0,
               feedback=("That is 1 - sigma(z), not its derivative.",), rule="one-minus-sigma",
               interpreted="1 − 1/(1 + e^(−z))"),
            pr("sigmoid", "saturation", "B", CORRECT, 1.0),
        ), message="Ignored unknown problem id: 'sigmod'."),
        SubmissionResult("bob", "graded", (
            pr("relu", "derivative-positive", "0", INCORRECT, 0.0, feedback=("No.",)),
            pr("sigmoid", "derivative", "1 - (1/(1+e^(-z)))", INCORRECT, 0.0, 2.0,
               feedback=("That is 1 - sigma(z), not its derivative.",), rule="one-minus-sigma"),
            pr("sigmoid", "saturation", "A", INCORRECT, 0.0, feedback=("No.",)),
        )),
        SubmissionResult("dana", "error", (
            pr("relu", "derivative-positive", None, MISSING, 0.0, feedback=("No answer given.",)),
            pr("sigmoid", "derivative", None, MISSING, 0.0, 2.0, feedback=("No answer given.",)),
            pr("sigmoid", "saturation", None, MISSING, 0.0, feedback=("No answer given.",)),
        ), message="dana.yaml, line 8: a closing quote is missing"),
    ]


def class_set(tmp_path: Path, rs: list[SubmissionResult], generated_at=None):
    """The class run's way to the files: the rows in a gradebook, every output written from it
    (`outputs.write_set`). Returns the set folder and the step summary (made from the run's statistics)."""
    tmp_path.mkdir(exist_ok=True)
    book = Gradebook(tmp_path / "gradebook.sqlite")
    run_id = book.start_run("now", 1, "all")
    for r in rs:
        book.put_pending(r.student, "hash", "bank", {}, run_id)
        book.put_result(r, True)
    outputs.assign_filenames(book)
    folder = tmp_path / "set"
    folder.mkdir()
    summary = github_summary_from(outputs.write_set(outputs.Rows(book, bank(), generated_at), folder))
    book.close()
    return folder, summary


def read(folder: Path, name: str) -> str:
    return (folder / name).read_bytes().decode("utf-8")


# --- file names ------------------------------------------------------------------------------

@pytest.mark.parametrize("student", [
    "../x", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "a\x00b", "..", ".", "", ".hidden",
    "CON", "nul.txt", "x" * 400, "é" * 300, "tab\there", "new\nline", "a:b", "  spaced  ",
])
def test_safe_filename_never_escapes(tmp_path, student):
    name = files.safe_filename(student)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert all(ch.isprintable() for ch in name)
    assert len(name.encode("utf-8")) <= 120
    assert (tmp_path / name).parent == tmp_path
    (tmp_path / f"{name}.md").write_text("ok")   # the OS accepts it


def test_safe_filename_keeps_ordinary_ids_and_separates_changed_ones():
    for ok in ("alice", "zoë martin", "李 雷", "j.smith@uni.edu", "chen-wei_2"):
        assert files.safe_filename(ok) == ok
    assert files.safe_filename("a/b") != files.safe_filename("a_b")
    assert files.safe_filename("a/b") != files.safe_filename("a\\b")
    names = files.student_filenames(["Bob", "bob", "alice"])
    assert names["alice"] == "alice"
    assert names["Bob"].casefold() != names["bob"].casefold()


# --- atomic writes ---------------------------------------------------------------------------

def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    files.atomic_write(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["results.json"]
    assert oct(target.stat().st_mode & 0o777) != "0o600"   # not mkstemp's private mode


def test_atomic_write_interrupted_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "gradebook.csv"
    target.write_text("old complete file")

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(target, "x" * 100_000)
    assert target.read_text() == "old complete file"
    assert os.listdir(tmp_path) == ["gradebook.csv"]


# --- JSON ------------------------------------------------------------------------------------

def test_results_json_sorted_stable_and_round_trips(tmp_path):
    rs = results()
    folder, _ = class_set(tmp_path / "once", list(reversed(rs)))
    text = read(folder, "results.json")
    data = json.loads(text)
    assert [d["student"] for d in data] == sorted(r.student for r in rs)
    assert set(data[0]) == {"student", "score", "max_score", "status", "message", "parts"}
    assert set(data[0]["parts"][0]) == {"problem", "part", "answer", "status", "score", "max_score",
                                        "interpreted", "feedback", "rule"}
    assert text == read(class_set(tmp_path / "again", rs)[0], "results.json")   # whatever the order
    assert "zoë" in text   # ensure_ascii=False
    back = parse_results_json(text)
    assert RESULTS_JSON.text(back) == text
    dana = next(d for d in data if d["student"] == "dana")
    assert dana["status"] == "error" and dana["score"] == 0.0 and dana["max_score"] == 4.0


@pytest.mark.parametrize("bad", ['{"a": 1}', '[{"student": 3}]', '[{"student": "x", "status": "graded", '
                                 '"parts": [{"status": "weird"}]}]', "[1]"])
def test_parse_results_json_refuses_foreign_files(bad):
    with pytest.raises(ValueError):
        parse_results_json(bad)


# --- CSV -------------------------------------------------------------------------------------

def test_gradebook_points_row_columns_and_injection(tmp_path):
    folder, _ = class_set(tmp_path, results())
    text = read(folder, "gradebook.csv")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["student", "relu/derivative-positive", "sigmoid/derivative", "sigmoid/saturation", "total",
                       "status"]
    assert rows[1] == [POINTS_ROW_LABEL, "1", "2", "1", "4", ""]
    assert [r[-1] for r in rows[2:]] == ["graded", "graded", "error: dana.yaml, line 8: a closing quote is missing",
                                         "graded"]
    students = [r[0] for r in rows[2:]]
    assert students == ["'=cmd|' /C calc'!A0", "bob", "dana", "zoë martin"]
    assert rows[2][1:-1] == ["0", "0", "1", "1"]
    assert rows[5][1:-1] == ["1", "2", "0", "3"]
    assert rows[4][1:-1] == ["0", "0", "0", "0"]
    for cell in (c for r in rows for c in r):
        assert cell[:1] not in ("=", "+", "@", "-") or cell.lstrip("-").replace(".", "").isdigit()
    assert "\r\n" in text


@pytest.mark.parametrize("cell,expected", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
                                           ("\t=1", "' =1"), ("alice", "alice"),
                                           ("a\nb", "a b")])
def test_csv_safe(cell, expected):
    assert escape.csv_safe(cell) == expected


def test_format_score():
    assert [format_score(x) for x in (2.0, 0.5, 1 / 3, 0.0, 10)] == ["2", "0.5", "0.3333", "0", "10"]


# --- Markdown --------------------------------------------------------------------------------

def test_md_code_handles_backticks():
    assert escape.md_code("a*b") == "`a*b`"
    assert escape.md_code("x`y") == "``x`y``"
    assert escape.md_code("`x``") == "``` `x`` ```"
    assert escape.md_code("a\nb") == "`a b`"
    assert escape.md_code("") == "*(empty)*"


def test_md_text_is_the_one_markdown_escaper():
    assert escape.md_text("a|b") == "a\\|b"
    assert escape.md_text("1. *a* <b> & #c\nd") == "1\\. \\*a\\* \\<b\\> \\& \\#c d"
    assert escape.md_text("- x") == "\\- x"


def test_feedback_markdown():
    rs = {r.student: r for r in results()}
    md = feedback_markdown(rs["=cmd|' /C calc'!A0"], bank())
    assert md.startswith("# Feedback for ")
    assert "**Score: 1 / 4**" in md
    feedback_line = next(line for line in md.splitlines() if line.startswith("- Cannot read"))
    assert "<script>" not in feedback_line and "\\<script\\>" in feedback_line
    # the answer itself is a code span (literal in Markdown) long enough for its backticks
    assert "Your answer: ```=HYPERLINK(" in md
    assert "\x00" not in md and "\x1b" not in md
    assert "## Sigmoid (sigmoid) — derivative" in md
    assert "Your answer: `1-(1/(1+e^(-z)))`" in md
    assert "Read as: `1 − 1/(1 + e^(−z))`" in md
    assert "- That is 1 - sigma(z), not its derivative." in md
    assert "unknown problem id" in md
    err = feedback_markdown(rs["dana"], bank())
    assert "could not be graded" in err and "closing quote" in err
    assert err.count("No answer given.") == 3


# --- JUnit -----------------------------------------------------------------------------------

def test_junit_is_valid_xml_with_hostile_text(tmp_path):
    folder, _ = class_set(tmp_path, results())
    text = read(folder, "junit.xml")
    root = ET.fromstring(text.encode("utf-8"))
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    assert len(cases) == 12
    assert suites[0].get("tests") == "12"
    failures = [c for c in cases if c.find("failure") is not None]
    assert suites[0].get("failures") == str(len(failures)) == "6"
    # dana's file could not be read: her parts are <error>s, counted in `errors`, not failures
    errors = [c for c in cases if c.find("error") is not None]
    assert suites[0].get("errors") == root.get("errors") == str(len(errors)) == "3"
    assert {c.get("classname") for c in errors} == {"dana"}
    assert errors[0].find("error").get("type") == "ungradeable"
    by = {(c.get("classname"), c.get("name")): c for c in cases}
    ok = by[("zoë martin", "sigmoid/derivative")]
    assert ok.find("failure") is None
    wrong = by[("bob", "sigmoid/derivative")].find("failure")
    assert wrong.get("message") == "That is 1 - sigma(z), not its derivative."
    assert wrong.get("type") == INCORRECT
    assert "Answer: 1 - (1/(1+e^(-z)))" in wrong.text
    missing = by[("dana", "relu/derivative-positive")].find("error")
    assert "closing quote" in missing.get("message")
    evil = by[("=cmd|' /C calc'!A0", "relu/derivative-positive")].find("failure")
    assert "<script>" in evil.text   # escaped in the file, intact once parsed
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text


# --- Gradescope ------------------------------------------------------------------------------

def test_gradescope_shape(tmp_path):
    rs = {r.student: r for r in results()}
    path = tmp_path / "results" / "results.json"
    write_gradescope(rs["bob"], path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["score"] == 0.0
    assert len(data["tests"]) == 3
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] in ("passed", "failed") and t["visibility"] == "visible"
    assert data["tests"][1]["name"] == "sigmoid/derivative" and data["tests"][1]["max_score"] == 2.0
    good = json.loads(gradescope_json(rs["zoë martin"]))
    assert good["score"] == 3.0 and [t["status"] for t in good["tests"]] == ["passed", "passed", "failed"]
    err = json.loads(gradescope_json(rs["dana"]))
    assert "could not be graded" in err["output"]


# --- HTML ------------------------------------------------------------------------------------

class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.attrs = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def test_report_html_self_contained_and_escaped(tmp_path):
    folder, _ = class_set(tmp_path, results(), generated_at="2024-01-01T00:00:00Z")
    page = read(folder, "report.html")
    p = Collect()
    p.feed(page)
    p.close()
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags and "iframe" not in p.tags
    assert "svg" in p.tags and p.tags.count("rect") == 10
    for name, value in p.attrs:
        if name == "xmlns":       # MathML's namespace names the vocabulary; nothing is fetched
            assert value == MATHML_NS
            continue
        if name == "href":        # the roster's links to each student's feedback file, beside the page
            assert re.fullmatch(r"feedback/[^/:]+\.md", value)
            continue
        assert name not in ("src", "srcset", "action")
        assert "http://" not in (value or "") and "https://" not in (value or "")
        assert "url(" not in (value or "")
    assert "http://" not in page.replace('http://evil', '').replace(MATHML_NS, '')   # only the escaped student text
    assert "<math" in page and "<mfrac>" in page       # "read as" rendered as MathML
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = "".join(p.text)
    assert "Generated at 2024-01-01T00:00:00Z" in text
    # most common wrong answer, counted across whitespace variants, with its feedback
    assert "one-minus-sigma" in text and "That is 1 - sigma(z), not its derivative." in text
    assert re.search(r'<tr><td><code>1 - \(1/\(1\+e\^\(-z\)\)\)</code></td><td><math [^\n]*</math></td>'
                     r'<td class="num">2</td><td>incorrect</td>', page)
    # per-part success rates (3 graded submissions: dana's error is not counted)
    assert ('<tr><td><code>relu/derivative-positive</code></td><td class="num">1</td>'
            '<td class="num">1</td><td class="num">1</td><td class="num">1</td><td class="num">0</td>'
            '<td class="num">33%</td><td class="num">0.3333</td></tr>') in page
    assert ('<tr><td><code>sigmoid/saturation</code></td><td class="num">1</td>'
            '<td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>'
            '<td class="num">33%</td>') in page
    assert "closing quote" in text


def test_report_html_deterministic_and_empty(tmp_path):
    a = read(class_set(tmp_path / "a", results())[0], "report.html")
    b = read(class_set(tmp_path / "b", list(reversed(results())))[0], "report.html")
    assert a == b and "Generated at" not in a
    empty = read(class_set(tmp_path / "c", [])[0], "report.html")
    Collect().feed(empty)
    assert "No wrong answers." in empty


# --- GitHub summary --------------------------------------------------------------------------

def test_github_summary_escapes_student_text(tmp_path):
    md = class_set(tmp_path, results())[1]
    assert md.startswith("## ")
    assert "4 submissions: 3 graded, 1 could not be graded." in md
    assert "<script>" not in md
    assert "| bob | 0 / 4 | graded |" in md
    row = next(line for line in md.splitlines() if "calc" in line)
    assert row == "| \\=cmd\\|' /C calc'!A0 | 1 / 4 | graded |"   # one escape of the '|', by md_text
    assert row.count(" | ") == 2   # the student's '|' cannot add a column
    assert "| sigmoid/derivative | 1 / 3 | 33% |" in md


# --- the hand-assembled JSON is exactly json.dumps (the writers put cached part texts together) --

from hypothesis import given, settings, strategies as st  # noqa: E402

_texts = st.one_of(st.none(), st.text(max_size=30))
_verdicts = st.builds(Verdict, status=st.sampled_from([CORRECT, INCORRECT, INVALID, MISSING]), score=st.floats(0, 3), max_score=st.floats(0, 3),
                      interpreted=_texts, feedback=st.lists(st.text(max_size=20), max_size=3).map(tuple),
                      rule=_texts)
_parts = st.builds(PartResult, st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10), _texts, _verdicts)
_results = st.builds(SubmissionResult, st.text(max_size=15), st.sampled_from(["graded", "error"]),
                     st.lists(_parts, max_size=4).map(tuple), _texts)


def canonical(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(_results, max_size=4))
def test_streamed_json_is_json_dumps(results):
    results = sorted(results, key=lambda r: r.student)
    text = RESULTS_JSON.text(results)
    assert text == canonical(text)
    for r in results:
        one = gradescope_json(r)
        assert one == canonical(one)
        tests = json.loads(one)["tests"]
        assert [t["name"] for t in tests] == [f"{p.problem}/{p.part}" for p in r.parts]
        assert [t["output"] for t in tests] == [part_text(p) for p in r.parts]


def test_results_json_exact_bytes():
    r = SubmissionResult("zoë", "graded", (pr("p", "a", "1/3", INCORRECT, 1 / 3, feedback=("No.",), rule="r"),),
                         message=None, values=(("p", (("x", 2.0),)),))
    assert RESULTS_JSON.text([r]) == (
        '[\n  {\n    "max_score": 1.0,\n    "message": null,\n    "parts": [\n      {\n'
        '        "answer": "1/3",\n        "feedback": [\n          "No."\n        ],\n'
        '        "interpreted": null,\n        "max_score": 1.0,\n        "part": "a",\n'
        '        "problem": "p",\n        "rule": "r",\n        "score": 0.333333,\n'
        '        "status": "incorrect"\n      }\n    ],\n    "score": 0.333333,\n'
        '    "status": "graded",\n    "student": "zoë",\n    "values": {\n      "p": {\n'
        '        "x": 2.0\n      }\n    }\n  }\n]\n')
    assert RESULTS_JSON.text([]) == "[]\n"


def junit_text(results: list[SubmissionResult]) -> str:
    """junit.xml with the header counts the gradebook gives (`Gradebook.totals`)."""
    results = sorted(results, key=lambda r: r.student)
    cases = sum(len(r.parts) for r in results)
    errors = sum(len(r.parts) for r in results if r.status == "error")
    failures = sum(1 for r in results if r.status != "error" for p in r.parts if p.verdict.status != CORRECT)
    return junit_xml_stream(cases, failures, errors).text(results)


@settings(max_examples=100, deadline=None)
@given(st.lists(_results, max_size=4))
def test_streamed_junit_is_one_elementtree_document(results):
    import xml.etree.ElementTree as ET
    text = junit_text(results)
    root = ET.fromstring(text.split("\n", 1)[1])
    cases = root.find("testsuite").findall("testcase")
    assert len(cases) == sum(len(r.parts) for r in results) == int(root.get("tests"))
    by_order = [escape.xml_safe(r.student) for r in sorted(results, key=lambda r: r.student) for _ in r.parts]
    assert [c.get("classname") for c in cases] == by_order


# --- report.html's tally of wrong answers (the gradebook's table) ------------------------------

_ANSWERS = ["x", " x", "x ", "x\t", "y", "é", "e\u0301", "\ud800", "z z", "zz", "10", "9"]


def expected_common(results: list[SubmissionResult], by_diagnosis: set[str], n: int = 5) -> dict:
    """The most common wrong answers of each part, by their definition: incorrect or invalid
    answers of graded submissions (a part given twice counts once, the first time), grouped by the
    answer without white space (by status and rule where answers are grouped by diagnosis); each
    shown as its form typed most often (ties: the least), with the verdict of the first student
    (in student order) who typed that form; most common first, ties by key."""
    groups: dict = {}
    for r in sorted(results, key=lambda r: r.student):
        seen = set()
        for p in r.parts:
            if (p.problem, p.part) in seen:
                continue
            seen.add((p.problem, p.part))
            v = p.verdict
            if v.status not in (INCORRECT, INVALID) or p.answer is None:
                continue
            key = f"\x00{v.status}:{v.rule or ''}" if p.problem in by_diagnosis else "".join(p.answer.split())
            forms = groups.setdefault((p.problem, p.part), {}).setdefault(key, {})
            count, verdict = forms.get(p.answer, (0, v))
            forms[p.answer] = (count + 1, verdict)
    out = {}
    for part, keys in groups.items():
        common = []
        for key, forms in keys.items():
            shown = min(forms, key=lambda a: (-forms[a][0], a))
            common.append((sum(c for c, _ in forms.values()), key, shown, forms[shown][1]))
        common.sort(key=lambda c: (-c[0], c[1]))
        out[part] = common[:n]
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "bo", "cy", "😀", "zoë", "e"]),
                          st.lists(st.sampled_from(_ANSWERS), min_size=1, max_size=4),
                          st.lists(st.sampled_from([INCORRECT, INVALID, CORRECT]), min_size=4, max_size=4)),
                max_size=14))
def test_the_wrong_answers_tallied_in_the_gradebook(rows):
    from grader.formats.class_stats import ClassStats
    book = Gradebook(":memory:")
    run_id = book.start_run("now", 1, "all")
    results = []
    for i, (who, answers, statuses) in enumerate(rows):
        student = f"{who}{i:02d}"
        parts = tuple(PartResult("diag" if j == 3 else "p", f"q{j % 2}", answer,
                                 Verdict(status, 1.0 if status == CORRECT else 0.0, 1.0, interpreted=answer,
                                         feedback=(f"{student} typed {answer}",), rule=f"r{len(answer) % 2}"))
                      for j, (answer, status) in enumerate(zip(answers, statuses)))
        result = SubmissionResult(student, "graded", parts)
        book.put_pending(student, "hash", "bank", {}, run_id)
        book.put_result(result, True)
        results.append(result)
    table = book.wrong_answers()
    table._BATCH = 3                       # many small batches: each form's count summed across them
    stats = ClassStats({"diag"}, table)
    for r in sorted(results, key=lambda r: r.student):
        stats.add(r)
    cols = [("diag", "q1", 1.0), ("p", "q0", 1.0), ("p", "q1", 1.0)]
    expected = expected_common(results, {"diag"})
    assert {(s["problem"], s["part"]): s["common"] for s in stats.part_stats(cols)} == {
        (pid, part): expected.get((pid, part), []) for pid, part, _ in cols}
    book.close()


def _elementtree_case(p: PartResult, error, student: str) -> str:
    """What ElementTree writes for a test case (the reference the hand-made XML must equal)."""
    case = ET.Element("testcase", {"classname": escape.xml_safe(student),
                                   "name": escape.xml_safe(f"{p.problem}/{p.part}"), "time": "0"})
    if p.verdict.status != CORRECT:
        first = p.verdict.feedback[0] if p.verdict.feedback else p.verdict.status
        element, kind = "failure", p.verdict.status
        if error is not None:
            first, element, kind = f"Submission could not be graded: {error}", "error", "ungradeable"
        failure = ET.SubElement(case, element, {"message": escape.xml_safe(escape.one_line(first)),
                                                "type": escape.xml_safe(kind)})
        failure.text = escape.xml_safe(part_text(p, error))
    ET.indent(case, space="  ", level=2)
    return ET.tostring(case, encoding="unicode")


@settings(max_examples=300, deadline=None)
@given(_parts, st.one_of(st.none(), st.text(max_size=20)), st.text(max_size=20))
def test_a_junit_case_is_what_elementtree_writes(part, error, student):
    stream = junit_xml_stream(1, 0, 0)
    r = SubmissionResult(student, "graded" if error is None else "error", (part,), error)
    case = stream.part(r, True)[len(stream.head):]
    assert case == "\n    " + _elementtree_case(part, error, student)
