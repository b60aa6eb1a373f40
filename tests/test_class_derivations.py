"""Derivations in a class run (issue 25, item 4): answer files take a derivation as a YAML block,
a list of lines or a CRLF file; the gradebook keeps each verdict's marked lines (and every
verdict without them byte for byte as before); the feedback file, report.html and results.json
show the marked chain, every student string escaped; the other exports survive a multi-line
answer; a rerun writes the same bytes."""
from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import run_cli as run, write
from grader.authoring.loader import load_bank
from grader.classes.gradebook import _verdict_from, verdict_body
from grader.classes.submissions import grade_submission, read_answer_file
from grader.formats.results_json import parse_results_json
from grader.model import Step, StepStatus, Verdict

REPO = Path(__file__).resolve().parent.parent
BANK = load_bank(REPO / "problems")

GOOD_DB = "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= delta_j^l\n"
SLIP_DW = "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l\n"
# a line that cannot be read, full of Markdown and HTML: it must stay text in every output
HOSTILE_DB = 'dc/db_j^l\n= dc/dz_j^l * "q" [x](http://e.vil) *em* `t` | #h\n= delta_j^l\n'

ANN = f"""derivation-homework:
  dc-db: |
{''.join('    ' + line + chr(10) for line in GOOD_DB.splitlines())}  dc-dW: |
{''.join('    ' + line + chr(10) for line in SLIP_DW.splitlines())}relu:
  derivative-positive: 1
"""
# the same two answers as a CRLF file, one of them a YAML list of lines
BEN = ("derivation-homework:\r\n  dc-db: |\r\n" + "".join(f"    {x}\r\n" for x in GOOD_DB.splitlines())
       + "  dc-dW:\r\n" + "".join(f"    - {x}\r\n" for x in SLIP_DW.splitlines()) + "relu:\r\n  derivative-positive: 2\r\n")
CAL = "derivation-homework:\n  dc-db: |\n" + "".join(f"    {x}\n" for x in HOSTILE_DB.splitlines())
ASSIGNMENT = "title: Derivations\nproblems:\n  - derivation-homework\n  - relu\n"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GITHUB_STEP_SUMMARY", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")      # report.html's timestamp: the same each run
    monkeypatch.chdir(tmp_path)


def grade(tmp_path: Path, out: str = "out", classes: dict | None = None) -> Path:
    cls = tmp_path / "cls"
    for name, text in (classes or {"ann/answers.yaml": ANN, "ben.yaml": BEN, "cal.yaml": CAL}).items():
        (cls / name).parent.mkdir(parents=True, exist_ok=True)
        (cls / name).write_bytes(text.encode("utf-8"))
    assignment = write(tmp_path / "assignment.yaml", ASSIGNMENT)
    result = run("grade", cls, "--out", tmp_path / out, "--jobs", "2", "--assignment", assignment)
    assert result.exit_code in (0, 1), result.output + result.stderr
    return tmp_path / out


def files(out: Path) -> dict[str, bytes]:
    """Every output file by its path in OUTDIR (its folders are links into the current set)."""
    found = {}
    for folder, dirs, names in os.walk(out, followlinks=True):
        dirs[:] = [d for d in dirs if d != ".grader"]
        for name in names:
            path = Path(folder) / name
            found[str(path.relative_to(out))] = path.read_bytes()
    assert "feedback/ann.md" in found and "results.json" in found
    return found


# --- answer files ----------------------------------------------------------------------------

def test_a_derivation_is_read_from_a_block_a_list_of_lines_and_a_crlf_file(tmp_path):
    ann = read_answer_file(write(tmp_path / "ann.yaml", ANN))
    assert ann.answers["derivation-homework"] == {"dc-db": GOOD_DB, "dc-dW": SLIP_DW}     # exactly as typed
    (tmp_path / "ben.yaml").write_bytes(BEN.encode("utf-8"))
    ben = read_answer_file(tmp_path / "ben.yaml")
    assert ben.answers["derivation-homework"] == {"dc-db": GOOD_DB}      # CRLF: the same text
    a, b = (grade_submission({"derivation-homework": BANK["derivation-homework"]}, s) for s in (ann, ben))
    by_a = {p.part: p for p in a.parts}
    by_b = {p.part: p for p in b.parts}
    assert by_a["dc-db"].verdict == by_b["dc-db"].verdict and by_a["dc-db"].verdict.status == "correct"
    # the list of lines is the block's text without its last newline, and graded alike
    assert by_b["dc-dW"].answer == SLIP_DW.rstrip("\n")
    assert by_b["dc-dW"].verdict.steps == by_a["dc-dW"].verdict.steps
    assert [s.status for s in by_b["dc-dW"].verdict.steps] == ["start", "incorrect", "incorrect"]
    # anything else that is not text is refused with a sentence about derivations
    c = read_answer_file(write(tmp_path / "c.yaml", "derivation-homework:\n  dc-db:\n    - [a, b]\n  dc-dW: {a: b}\n"))
    by_c = {p.part: p for p in grade_submission({"derivation-homework": BANK["derivation-homework"]}, c).parts}
    assert by_c["dc-db"].verdict.feedback == (
        "Your derivation must be text: its lines under 'part-id: |', one step per line, or a list of lines "
        "('- ...'), not a list with an entry that is not a line.",)
    assert by_c["dc-dW"].verdict.status == "invalid" and by_c["dc-dW"].answer == "<mapping>"


# --- the outputs -----------------------------------------------------------------------------

def test_the_feedback_file_marks_each_line_and_says_why(tmp_path):
    out = grade(tmp_path)
    ann = (out / "feedback" / "ann.md").read_text(encoding="utf-8")
    assert """## Deriving backpropagation, line by line (derivation-homework) — dc-dW

❌ **incorrect**: 0 / 2

Your derivation, line by line:

* line 1 ▸ `dc/dW_(ij)^l` (start), read as `∂c/∂W_ij^(l)`
* line 2 ✗ `dz_i^l/dW_(ij)^l * dc/dz_i^l` (does not follow), read as `∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)`
  - Line 2 does not follow from line 1.
  - z\\_i^(l) has the wrong unit: it should be z\\_j^(l).
* line 3 ✗ `a_i^(l-1) * delta_j^l` (does not follow), read as `a_i^(l−1)·δ_j^(l)`
  - Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2.

## Deriving backpropagation, line by line (derivation-homework) — dc-db

✅ **correct**: 1 / 1

Your derivation, line by line:

* line 1 ▸ `dc/db_j^l` (start), read as `∂c/∂b_j^(l)`
* line 2 ✓ `dc/dz_j^l * dz_j^l/db_j^l` (follows), read as `∂c/∂z_j^(l)·∂z_j^(l)/∂b_j^(l)`
* line 3 ✓ `delta_j^l` (follows), read as `δ_j^(l)`

- Every step follows, from ∂c/∂b\\_j^(l) to δ\\_j^(l).

## The ReLU activation (relu)""" in ann
    assert "Your answer: `1`" in ann          # a part that is not a derivation reads as before
    cal = (out / "feedback" / "cal.md").read_text(encoding="utf-8")
    assert """* line 1 ▸ `dc/db_j^l` (start), read as `∂c/∂b_j^(l)`
* line 2 ! ``dc/dz_j^l * "q" [x](http://e.vil) *em* `t` | #h`` (cannot be read at character 13)
  - '"' is not part of the answer syntax.
* line 3 ✓ `delta_j^l` (follows), read as `δ_j^(l)`

- Line 2 cannot be checked: '"' is not part of the answer syntax.
""" in cal                                  # the line stays one code span: no link, emphasis, table or heading


def test_the_report_lists_the_marked_lines_escaped(tmp_path):
    page = (grade(tmp_path) / "report.html").read_text(encoding="utf-8")
    mark = '<span class="grader-mark" role="img" aria-label="{}">{}</span> '
    assert ('<td><ol class="grader-steps"><li class="grader-step grader-step-start" value="1">'
            + mark.format("start", "▸") + '<span class="grader-line"><code>dc/dW_(ij)^l</code></span></li>'
            '<li class="grader-step grader-step-incorrect" value="2">' + mark.format("does not follow", "✗")
            + '<span class="grader-line"><code>dz_i^l/dW_(ij)^l * dc/dz_i^l</code></span>'
            '<ul class="grader-step-feedback"><li>Line 2 does not follow from line 1.</li><li>z_i^(l) has the wrong '
            'unit: it should be z_j^(l).</li></ul></li><li class="grader-step grader-step-incorrect" value="3">'
            + mark.format("does not follow", "✗") + '<span class="grader-line"><code>a_i^(l-1) * delta_j^l</code>'
            '</span><ul class="grader-step-feedback"><li>Line 3 does not follow from line 2, but it equals line 1 '
            'again: the slip is in line 2.</li></ul></li></ol></td>') in page
    assert ('<li class="grader-step grader-step-invalid" value="2">' + mark.format("cannot be read", "!")
            + '<span class="grader-line"><code>dc/dz_j^l * &quot;q&quot; [x](http://e.vil) *em* `t` | #h</code>'
            '</span><pre class="grader-caret" aria-label="the error is at character 13">dc/dz_j^l * &quot;q&quot; '
            '[x](http://e.vil) *em* `t` | #h\n            ^</pre><ul class="grader-step-feedback"><li>&#x27;&quot;'
            '&#x27; is not part of the answer syntax.</li></ul></li>') in page
    assert '"q"' not in page
    # the reasons are under the lines, not repeated in the feedback cell
    assert page.count("Line 2 does not follow from line 1.") == 1


def test_results_json_has_the_steps_and_reads_them_back(tmp_path):
    out = grade(tmp_path)
    text = (out / "results.json").read_text(encoding="utf-8")
    assert json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n" == text
    by = {(r["student"], p["part"]): p for r in json.loads(text) for p in r["parts"]}
    assert by[("ann", "dc-dW")]["answer"] == SLIP_DW
    assert by[("ann", "dc-dW")]["steps"][1] == {
        "line": 2, "text": "dz_i^l/dW_(ij)^l * dc/dz_i^l", "status": "incorrect",
        "interpreted": "∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)",
        "feedback": ["Line 2 does not follow from line 1.", "z_i^(l) has the wrong unit: it should be z_j^(l)."]}
    assert "steps" not in by[("ann", "derivative-positive")] and "steps" not in by[("ann", "delta-L")]
    read = {r.student: {p.part: p for p in r.parts} for r in parse_results_json(text)}
    assert read["ann"]["dc-dW"].verdict.steps[1] == Step(2, "dz_i^l/dW_(ij)^l * dc/dz_i^l", StepStatus.INCORRECT, (
        "Line 2 does not follow from line 1.", "z_i^(l) has the wrong unit: it should be z_j^(l)."),
        "∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)")
    assert read["ann"]["derivative-positive"].verdict.steps == ()
    with pytest.raises(ValueError):
        parse_results_json(text.replace('"status": "start"', '"status": "maybe"', 1))


def test_the_gradebook_keeps_the_steps_and_every_other_body_as_before(tmp_path):
    out = grade(tmp_path)
    db = sqlite3.connect(out / ".grader" / "gradebook.sqlite")
    bodies = [b for (b,) in db.execute("SELECT body FROM verdicts ORDER BY id")]
    db.close()
    with_steps = [b for b in bodies if '"steps"' in b]
    assert len(with_steps) == 3            # ann's (= ben's) two derivations and cal's
    for body in bodies:                    # each body is what the verdict it decodes to writes
        assert verdict_body(_verdict_from(body)) == body
    slip = next(_verdict_from(b) for b in with_steps if "wrong unit" in b)
    assert [(s.line, s.status, s.text) for s in slip.steps] == [
        (1, "start", "dc/dW_(ij)^l"), (2, "incorrect", "dz_i^l/dW_(ij)^l * dc/dz_i^l"),
        (3, "incorrect", "a_i^(l-1) * delta_j^l")]
    # a verdict without steps: the body of every gradebook written before derivations, read as before
    plain = Verdict("incorrect", 0.0, 2.0, "x", "x", "x", ("Wrong.",), "rule", None)
    old = ('{"column":null,"feedback":["Wrong."],"interpreted":"x","interpreted_ascii":"x","interpreted_latex":"x",'
           '"max_score":2.0,"rule":"rule","score":0.0,"status":"incorrect"}')
    assert verdict_body(plain) == old and _verdict_from(old) == plain
    unreadable = Verdict("invalid", 0.0, 1.0, steps=(Step(1, "a(", StepStatus.INVALID, ("Never closed.",), None, 2),))
    assert _verdict_from(verdict_body(unreadable)) == unreadable       # the caret's column too


def test_a_rerun_and_a_fresh_run_write_the_same_bytes(tmp_path):
    first = files(grade(tmp_path))
    assert any("steps" in name or b'"steps"' in data for name, data in first.items())
    again = files(grade(tmp_path))                       # unchanged: rows reused from the gradebook
    fresh = files(grade(tmp_path, out="fresh"))          # a new gradebook
    assert again == first and fresh == first


def test_a_class_without_derivations_writes_what_it_wrote_before(tmp_path):
    out = grade(tmp_path, classes={"ann.yaml": "relu:\n  derivative-positive: 1\n  derivative-negative: 1\n"})
    everything = files(out)
    assert not any(b"steps" in data or "derivation, line by line".encode() in data for data in everything.values())
    results = json.loads(everything["results.json"])
    assert [p for p in results[0]["parts"] if p["part"] == "derivative-negative"] == [{
        "answer": "1", "feedback": ["1 is the slope for z > 0. For z < 0 the ReLU is constant (always 0), so its "
                                    "slope is 0."],
        "interpreted": "1", "max_score": 1.0, "part": "derivative-negative", "problem": "relu",
        "rule": "positive-side", "score": 0.0, "status": "incorrect"}]
    md = everything["feedback/ann.md"].decode("utf-8")
    assert "## The ReLU activation (relu) — derivative-negative\n\n❌ **incorrect**: 0 / 1\n\nYour answer: `1`\n\n" \
           "Read as: `1`\n\n- " in md


def test_the_other_exports_keep_a_multi_line_answer_whole(tmp_path):
    out = grade(tmp_path)
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    case = next(c for c in suite.iter("testcase") if c.get("classname") == "ann" and c.get("name").endswith("dc-dW"))
    assert case.find("failure").text.startswith("Answer: " + SLIP_DW)          # newlines kept, in XML text
    assert "\n" not in case.find("failure").get("message")
    tests = json.loads((out / "gradescope" / "ann" / "results.json").read_text(encoding="utf-8"))["tests"]
    assert next(t for t in tests if t["name"].endswith("dc-dW"))["output"].startswith("Answer: " + SLIP_DW)
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows] == ["student", "POINTS POSSIBLE", "ann", "ben", "cal"]
    assert len({len(r) for r in rows}) == 1
    for name in ("canvas.csv", "gradescope-scores.csv", "moodle.csv"):
        rows = list(csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"))))
        assert len({len(r) for r in rows}) == 1 and any(r and "ann" in r for r in rows), name
