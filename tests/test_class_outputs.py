"""Class outputs a TA can act on (issue 16, items 4, 6 and 7): a status for every row, one
bad entry costs only itself, JUnit errors apart from failures, regrades judged on the students
regraded, OUTDIR refused before grading, and report.html with a roster, MathML and mistakes
grouped by diagnosis where every student has their own values."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli as run, write
from grader.authoring.loader import load_bank
from grader.classes.submissions import grade_submission, read_answer_file
from grader.checking.variants import variant_values

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GITHUB_STEP_SUMMARY", "CI", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def gradebook(out: Path) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    return {r[0]: r for r in rows}


# --- one bad entry ---------------------------------------------------------------------------

def test_one_bad_entry_grades_the_rest_and_is_noted(tmp_path):
    f = write(tmp_path / "ann" / "answers.yaml",
              "derivative-positive: 1\nrelu:\n  derivative-negative: 0\n  derivative-positive: 1\n")
    bank = load_bank(REPO / "problems")
    result = grade_submission(bank, read_answer_file(f))
    assert result.status == "partial"
    assert result.message == ("Not graded: answers.yaml: problem 'derivative-positive' (line 1) must map part ids "
                              "to answers (indented 'part-id: answer' lines), but it is a single value.")
    by = {(p.problem, p.part): p.verdict.status for p in result.parts}
    assert by[("relu", "derivative-negative")] == "correct" and by[("relu", "derivative-positive")] == "correct"
    assert result.score == 2
    # nothing readable at all: the submission is an error, with the reason
    g = write(tmp_path / "bo" / "answers.yaml", "derivative-positive: 1\nderivative-negative: 0\n")
    sub = read_answer_file(g)
    assert sub.error is not None and sub.error.startswith("answers.yaml: problem 'derivative-positive' (line 1)")


def test_status_column_says_what_happened(tmp_path):
    cls = tmp_path / "cls"
    write(cls / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(cls / "bea" / "answers.yaml", "derivative-positive: 1\nrelu:\n  derivative-negative: 0\n")
    write(cls / "cal" / "answers.yaml", "")
    write(cls / "dee" / "answer.yaml", "relu:\n  derivative-positive: 1\n")       # misnamed file
    write(cls / "eve.yaml", 'relu:\n  derivative-positive: "1\n')                 # broken YAML
    out = tmp_path / "out"
    result = run("grade", cls, "--out", out, "--jobs", "1")
    assert result.exit_code == 3
    rows = gradebook(out)
    assert rows["student"][-2:] == ["total", "status"]
    assert rows["ann"][-1] == "graded"
    assert rows["bea"][-1].startswith("partially graded: Not graded: answers.yaml: problem 'derivative-positive'")
    assert rows["bea"][-2] == "1"                                 # her relu answer still counts
    assert rows["cal"][-1] == "error: answers.yaml is empty"
    assert rows["dee"][-1] == "error: no answers.yaml"
    assert rows["eve"][-1].startswith("error: eve.yaml, line ")
    # JUnit: ungradeable submissions are <error>s, counted in `errors`
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    errors = [c for c in suite.iter("testcase") if c.find("error") is not None]
    parts = sum(len(p.parts) for p in load_bank(REPO / "problems").values())
    assert suite.get("errors") == str(len(errors)) == str(3 * parts)
    assert {c.get("classname") for c in errors} == {"cal", "dee", "eve"}
    failures = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert suite.get("failures") == str(len(failures))
    assert not {c.get("classname") for c in failures} & {"cal", "dee", "eve"}


# --- regrades and OUTDIR -----------------------------------------------------------------------

def test_student_regrade_judges_only_the_regraded_students(tmp_path):
    cls = tmp_path / "cls"
    write(cls / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(cls / "bad.yaml", 'relu: "\n')
    out = tmp_path / "out"
    assert run("grade", cls, "--out", out, "--jobs", "1").exit_code == 3
    again = run("grade", cls, "--out", out, "--student", "ann", "--jobs", "1")
    assert again.exit_code == 0, again.stderr            # bad.yaml is not ann's problem
    assert "Graded 1 submission(s), 0 could not be graded" in again.stderr
    assert gradebook(out)["bad"][-1].startswith("error: ")   # kept as it was
    assert run("grade", cls, "--out", out, "--student", "bad", "--jobs", "1").exit_code == 3


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_out_that_cannot_hold_outputs_is_a_usage_error_before_grading(tmp_path, where):
    cls = tmp_path / "cls"
    write(cls / "ann" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    target = write(tmp_path / "taken", "not a folder")
    out = target if where == "file" else target / "out"
    result = run("grade", cls, "--out", out, "--jobs", "1")
    assert result.exit_code == 2
    assert str(target) in result.stderr and "Graded" not in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder"


# --- report.html ----------------------------------------------------------------------------------

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def test_report_has_roster_links_mathml_due_date_and_consistent_counts(tmp_path):
    out = tmp_path / "out"
    result = run("grade", EXAMPLES / "submissions", "--out", out, "--jobs", "2",
                 "--assignment", EXAMPLES / "assignment.yaml", "--roster", EXAMPLES / "roster.csv")
    assert result.exit_code == 3
    page = (out / "report.html").read_text(encoding="utf-8")
    p = Page()
    p.feed(page)
    assert "script" not in p.tags
    assert page.count("<h1>Backpropagation homework: grading report</h1>") == 1
    assert "<p>Due: 2026-12-08 23:59 UTC</p>" in page
    # the roster table: every student, their score, status and a link to their feedback
    assert sorted(p.links) == sorted(f"feedback/{s}.md" for s in
                                     ("alice", "bob", "chen-wei", "dana", "emeka", "farah", "zo%C3%AB%20martin"))
    for link in p.links:                                  # every link opens a file of the set
        from urllib.parse import unquote
        assert (out / unquote(link)).is_file(), link
    assert re.search(r"<tr><td>alice</td><td>Martin, Alice</td><td class=\"num\">66 / 66</td><td>graded</td>"
                     r"<td><a href=\"feedback/alice.md\">feedback</a></td></tr>", page)
    assert re.search(r"<tr><td>dana</td><td>Levi, Dana</td><td class=\"num\">0 / 66</td><td>error: dana.yaml, line 8",
                     page)
    # answers' readings as MathML from our renderer
    assert page.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') >= 5
    # one count everywhere: the histogram, mean and median are over the 6 graded submissions
    bars = [int(n) for n in re.findall(r"(\d+) submissions?</title>", page)]
    assert sum(bars) == 6
    assert "<h2>Score distribution (6 graded submissions)</h2>" in page
    assert '<tr><th>Graded</th><td class="num">6</td></tr>' in page
    # values off: the literal wrong numbers are listed
    assert "grouped by diagnosis" not in page
    # per-student values switched on: wrong answers grouped by diagnosis, not by the literal number
    text = (EXAMPLES / "assignment.yaml").read_text(encoding="utf-8")
    on = write(tmp_path / "on.yaml", text.replace("\n  - two-layer-example\n",
                                                  "\n  - {id: two-layer-example, randomize: per-student}\n"))
    run("grade", EXAMPLES / "submissions", "--out", tmp_path / "on", "--jobs", "2", "--assignment", on)
    page = (tmp_path / "on" / "report.html").read_text(encoding="utf-8")
    section = page.split("<h3><code>two-layer-example/loss</code></h3>", 1)[1].split("</table>", 1)[0]
    assert "grouped by diagnosis" in section
    assert "<td>course-values</td>" in section and "<td>missing-half</td>" in section
    # the feedback page states the due date and the student's values
    bob = (tmp_path / "on" / "feedback" / "bob.md").read_text(encoding="utf-8")
    v = variant_values(load_bank(REPO / "problems")["two-layer-example"], "bob")
    assert "Due: 2026\\-12\\-08 23:59 UTC" in bob or "Due: 2026-12-08 23:59 UTC" in bob
    assert f"Your values for two-layer-example (drawn for student bob): x = {v['x']:g}" in bob
