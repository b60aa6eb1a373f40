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

from grader.formats import reports
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


# --- file names ------------------------------------------------------------------------------

@pytest.mark.parametrize("student", [
    "../x", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "a\x00b", "..", ".", "", ".hidden",
    "CON", "nul.txt", "x" * 400, "é" * 300, "tab\there", "new\nline", "a:b", "  spaced  ",
])
def test_safe_filename_never_escapes(tmp_path, student):
    name = reports.safe_filename(student)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert all(ch.isprintable() for ch in name)
    assert len(name.encode("utf-8")) <= 120
    assert (tmp_path / name).parent == tmp_path
    (tmp_path / f"{name}.md").write_text("ok")   # the OS accepts it


def test_safe_filename_keeps_ordinary_ids_and_separates_changed_ones():
    for ok in ("alice", "zoë martin", "李 雷", "j.smith@uni.edu", "chen-wei_2"):
        assert reports.safe_filename(ok) == ok
    assert reports.safe_filename("a/b") != reports.safe_filename("a_b")
    assert reports.safe_filename("a/b") != reports.safe_filename("a\\b")
    names = reports.student_filenames(["Bob", "bob", "alice"])
    assert names["alice"] == "alice"
    assert names["Bob"].casefold() != names["bob"].casefold()


# --- atomic writes ---------------------------------------------------------------------------

def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    reports.atomic_write(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["results.json"]
    assert oct(target.stat().st_mode & 0o777) != "0o600"   # not mkstemp's private mode


def test_atomic_write_interrupted_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "gradebook.csv"
    target.write_text("old complete file")

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(reports.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        reports.atomic_write(target, "x" * 100_000)
    assert target.read_text() == "old complete file"
    assert os.listdir(tmp_path) == ["gradebook.csv"]


# --- JSON ------------------------------------------------------------------------------------

def test_results_json_sorted_stable_and_round_trips():
    rs = results()
    text = reports.results_json(rs)
    data = json.loads(text)
    assert [d["student"] for d in data] == sorted(r.student for r in rs)
    assert set(data[0]) == {"student", "score", "max_score", "status", "message", "parts"}
    assert set(data[0]["parts"][0]) == {"problem", "part", "answer", "status", "score", "max_score",
                                        "interpreted", "feedback", "rule"}
    assert text == reports.results_json(list(reversed(rs)))
    assert "zoë" in text   # ensure_ascii=False
    back = reports.parse_results_json(text)
    assert reports.results_json(back) == text
    dana = next(d for d in data if d["student"] == "dana")
    assert dana["status"] == "error" and dana["score"] == 0.0 and dana["max_score"] == 4.0


@pytest.mark.parametrize("bad", ['{"a": 1}', '[{"student": 3}]', '[{"student": "x", "status": "graded", '
                                 '"parts": [{"status": "weird"}]}]', "[1]"])
def test_parse_results_json_refuses_foreign_files(bad):
    with pytest.raises(ValueError):
        reports.parse_results_json(bad)


# --- CSV -------------------------------------------------------------------------------------

def test_gradebook_points_row_columns_and_injection():
    text = reports.gradebook_csv(results(), bank())
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["student", "relu/derivative-positive", "sigmoid/derivative", "sigmoid/saturation", "total",
                       "status"]
    assert rows[1] == [reports.POINTS_ROW_LABEL, "1", "2", "1", "4", ""]
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
    assert reports.csv_safe(cell) == expected


def test_format_score():
    assert [reports.format_score(x) for x in (2.0, 0.5, 1 / 3, 0.0, 10)] == ["2", "0.5", "0.3333", "0", "10"]


# --- Markdown --------------------------------------------------------------------------------

def test_md_code_handles_backticks():
    assert reports.md_code("a*b") == "`a*b`"
    assert reports.md_code("x`y") == "``x`y``"
    assert reports.md_code("`x``") == "``` `x`` ```"
    assert reports.md_code("a\nb") == "`a b`"
    assert reports.md_code("") == "*(empty)*"


def test_feedback_markdown():
    rs = {r.student: r for r in results()}
    md = reports.feedback_markdown(rs["=cmd|' /C calc'!A0"], bank())
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
    err = reports.feedback_markdown(rs["dana"], bank())
    assert "could not be graded" in err and "closing quote" in err
    assert err.count("No answer given.") == 3


# --- JUnit -----------------------------------------------------------------------------------

def test_junit_is_valid_xml_with_hostile_text():
    text = reports.junit_xml(results(), bank())
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
    reports.write_gradescope(rs["bob"], path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["score"] == 0.0
    assert len(data["tests"]) == 3
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] in ("passed", "failed") and t["visibility"] == "visible"
    assert data["tests"][1]["name"] == "sigmoid/derivative" and data["tests"][1]["max_score"] == 2.0
    good = reports.gradescope_dict(rs["zoë martin"])
    assert good["score"] == 3.0 and [t["status"] for t in good["tests"]] == ["passed", "passed", "failed"]
    err = reports.gradescope_dict(rs["dana"])
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


def test_report_html_self_contained_and_escaped():
    page = reports.report_html(results(), bank(), generated_at="2024-01-01T00:00:00Z")
    p = Collect()
    p.feed(page)
    p.close()
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags and "iframe" not in p.tags
    assert "svg" in p.tags and p.tags.count("rect") == 10
    for name, value in p.attrs:
        if name == "xmlns":       # MathML's namespace names the vocabulary; nothing is fetched
            assert value == MATHML_NS
            continue
        assert name not in ("src", "href", "srcset", "action")
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


def test_report_html_deterministic_and_empty():
    a = reports.report_html(results(), bank())
    b = reports.report_html(list(reversed(results())), bank())
    assert a == b and "Generated at" not in a
    empty = reports.report_html([], bank())
    Collect().feed(empty)
    assert "No wrong answers." in empty


# --- GitHub summary --------------------------------------------------------------------------

def test_github_summary_escapes_student_text():
    md = reports.github_summary_markdown(results())
    assert md.startswith("## ")
    assert "4 submissions: 3 graded, 1 could not be graded." in md
    assert "<script>" not in md
    assert "| bob | 0 / 4 | graded |" in md
    row = next(line for line in md.splitlines() if "calc" in line)
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


@settings(max_examples=200, deadline=None)
@given(st.lists(_results, max_size=4))
def test_streamed_json_is_json_dumps(results):
    results = sorted(results, key=lambda r: r.student)
    assert reports.results_json(results) == json.dumps(
        [reports.result_to_dict(r) for r in results], sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    for r in results:
        assert reports.gradescope_json(r) == json.dumps(
            reports.gradescope_dict(r), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=100, deadline=None)
@given(st.lists(_results, max_size=4))
def test_streamed_junit_is_one_elementtree_document(results):
    import xml.etree.ElementTree as ET
    text = reports.junit_xml(results)
    root = ET.fromstring(text.split("\n", 1)[1])
    cases = root.find("testsuite").findall("testcase")
    assert len(cases) == sum(len(r.parts) for r in results) == int(root.get("tests"))
    by_order = [reports.xml_safe(r.student) for r in sorted(results, key=lambda r: r.student) for _ in r.parts]
    assert [c.get("classname") for c in cases] == by_order


# --- report.html's tally of wrong answers: in memory, or in the gradebook (a class run) ---------

_ANSWERS = ["x", " x", "x ", "x\t", "y", "é", "e\u0301", "\ud800", "z z", "zz", "10", "9"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "bo", "cy", "😀", "zoë", "e"]),
                          st.lists(st.sampled_from(_ANSWERS), min_size=1, max_size=4),
                          st.lists(st.sampled_from([INCORRECT, INVALID, CORRECT]), min_size=4, max_size=4)),
                max_size=14))
def test_the_wrong_answers_tallied_in_the_gradebook_are_the_ones_tallied_in_memory(rows):
    from grader.classes.gradebook import Gradebook
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
    in_memory = reports.ClassStats({"diag"})
    table = book.wrong_answers()
    table._BATCH = 3                       # many small batches: each form's count summed across them
    in_book = reports.ClassStats({"diag"}, table)
    for r in sorted(results, key=lambda r: r.student):
        in_memory.add(r)
        in_book.add(r)
    cols = [("diag", "q1", 1.0), ("p", "q0", 1.0), ("p", "q1", 1.0)]
    assert in_book.part_stats(cols) == in_memory.part_stats(cols)
    book.close()


def _elementtree_case(p: PartResult, error, student: str) -> str:
    """What ElementTree writes for a test case (the reference the hand-made XML must equal)."""
    case = ET.Element("testcase", {"classname": reports.xml_safe(student),
                                   "name": reports.xml_safe(f"{p.problem}/{p.part}"), "time": "0"})
    if p.verdict.status != CORRECT:
        first = p.verdict.feedback[0] if p.verdict.feedback else p.verdict.status
        element, kind = "failure", p.verdict.status
        if error is not None:
            first, element, kind = f"Submission could not be graded: {error}", "error", "ungradeable"
        failure = ET.SubElement(case, element, {"message": reports.xml_safe(reports._oneline(first)),
                                                "type": reports.xml_safe(kind)})
        failure.text = reports.xml_safe(reports._part_text(
            p, SubmissionResult("", "error" if error is not None else "graded", (), error)))
    ET.indent(case, space="  ", level=2)
    return ET.tostring(case, encoding="unicode")


@settings(max_examples=300, deadline=None)
@given(_parts, st.one_of(st.none(), st.text(max_size=20)), st.text(max_size=20))
def test_a_junit_case_is_what_elementtree_writes(part, error, student):
    assert reports._junit_case_xml(part, error, student) == _elementtree_case(part, error, student)
