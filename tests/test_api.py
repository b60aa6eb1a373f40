"""The public Python API (`import grader`): what a script, a notebook and the web page call.

Pins the lazy loading (the `grader check` start-up depends on it), the verdicts and the three
ways a result shows itself (plain text, HTML with MathML, Markdown), and that the README's
example prints exactly what the README says.
"""
from __future__ import annotations

import contextlib
import io
import json
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader
from grader.interfaces.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_import_grader_loads_nothing_else():
    code = "import grader, sys; print(sorted(m for m in sys.modules if m.startswith('grader')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "['grader']"


def test_help_lists_the_public_api():
    text = pydoc.render_doc(grader, renderer=pydoc.plaintext)
    for name in ("check", "problem", "interpret", "compare", "load_bank", "find", "grade_file", "grade_class"):
        assert re.search(rf"^    {name}\(", text, re.M), name
    for name in ("CheckResult", "ProblemSheet", "Verdict", "SubmissionResult", "PartResult", "Problem", "Part"):
        assert re.search(rf"^    class {name}\(", text, re.M), name


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        grader.chek  # noqa: B018


def test_check_right_answer():
    r = grader.check("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")
    assert (r.status, r.score, r.max_score, r.correct, r.feedback) == ("correct", 2.0, 2.0, True, ())
    assert str(r) == "Correct  (2/2 points)\nInterpreted as: e^(−z)/(1 + e^(−z))²"
    html = r._repr_html_()
    assert html.startswith('<div class="grader-verdict grader-correct">')
    assert "<strong class=\"grader-status\">Correct</strong>" in html
    assert ('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mfrac><msup><mi>e</mi>'
            '<mrow><mo>−</mo><mi>z</mi></mrow></msup>') in html
    assert r._repr_markdown_() == "**Correct** (2/2 points)\n\nInterpreted as: `e^(−z)/(1 + e^(−z))²`\n"


def test_check_matches_the_command_line():
    answer = "1/1+e^(-z)"
    cli = CliRunner().invoke(main, ["check", "sigmoid", "derivative", answer, "--format", "json"])
    r = grader.check("sigmoid", "derivative", answer)
    data = json.loads(cli.stdout)
    assert (r.status, r.score, r.interpreted, list(r.feedback)) == \
        (data["status"], data["score"], data["interpreted"], data["feedback"])
    assert r.feedback == ("At z = 2.86, your answer is 1.057 but the expected value is 0.05125.",)
    assert "<li>At z = 2.86, your answer is 1.057 but the expected value is 0.05125.</li>" in r._repr_html_()


def test_syntax_error_shows_the_caret_everywhere():
    answer = "e^(-z)/(1+e^(-z)^2"
    r = grader.check("sigmoid", "derivative", answer)
    assert str(r) == "Invalid  (0/2 points)\n  e^(-z)/(1+e^(-z)^2\n         ^\nThis '(' is never closed."
    assert '<pre class="grader-caret" aria-label="the error is at character 8">e^(-z)/(1+e^(-z)^2\n       ^</pre>' \
        in r._repr_html_()
    assert "<li>This &#x27;(&#x27; is never closed.</li>" in r._repr_html_()
    seen = grader.interpret("sigmoid", answer)
    assert (seen.unicode, seen.mathml, seen.message, seen.column) == (None, None, "This '(' is never closed.", 8)
    assert (seen.error.feedback, seen.error.column, seen.error.rule) == (r.feedback, r.verdict.column, r.verdict.rule)


def test_interpret_reads_without_grading():
    seen = grader.interpret("sigmoid", "1/1+e^(-z)")
    assert (seen.unicode, seen.ascii, seen.error) == ("1/1 + e^(−z)", "1/1 + e^(-z)", None)
    assert seen.mathml.count("<mfrac>") == 1
    assert str(seen) == "Interpreted as: 1/1 + e^(−z)"


def test_student_text_is_escaped_in_html():
    r = grader.check("sigmoid", "derivative", "<script>alert(1)</script>")
    html = r._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_partial_credit_is_not_called_incorrect():
    r = grader.check("deep-chain", "dL-dw1", "B")
    assert (r.status, r.score) == ("incorrect", 1.0)
    assert str(r).startswith("Partly correct  (1/2 points)")
    assert r._repr_markdown_().startswith("**Partly correct** (1/2 points)")
    assert 'class="grader-verdict grader-partial"' in r._repr_html_()
    assert str(grader.check("deep-chain", "dL-dw1", "A")).startswith("Incorrect  (0/2 points)")


def test_markdown_escapes_feedback():
    r = grader.check("param-gradients", "dC-dw", "a_k^(l-1)**delta_j^l")
    md = r._repr_markdown_()
    assert r"a single \* (or a space)" in md


def test_unknown_names_suggest():
    with pytest.raises(grader.UnknownName, match=r"^unknown problem 'sigmod'. Did you mean sigmoid or sgd\?$"):
        grader.check("sigmod", "derivative", "1")
    with pytest.raises(grader.UnknownName, match=r"has no part 'deriv' \(its parts: derivative, saturation\)"):
        grader.check("sigmoid", "deriv", "1")


def test_problem_sheet():
    sheet = grader.problem("two-layer-example", student="alice")
    text = str(sheet)
    assert text.startswith("Backpropagation by hand on a two-layer network\n")
    assert "Accuracy needed: an error below 0.001." in text
    html = sheet._repr_html_()
    assert "<h2>Backpropagation by hand on a two-layer network</h2>" in html
    assert "Given values: " in html      # the course's values: this problem draws none per student
    assert dict(sheet.given) == dict(sheet.problem.given)       # per-student values are opt-in
    md = grader.problem("sigmoid")._repr_markdown_()
    assert md.startswith("### The sigmoid activation and its derivative\n")
    assert md.endswith("**Part saturation** (1 point, choice): What happens to sigma'(z) as \\|z\\| grows large?\n\n"
                       "- **A**) It keeps growing, roughly in proportion to \\|z\\|.\n"
                       "- **B**) It approaches 1/4, its largest value.\n"
                       "- **C**) Its magnitude becomes small.\n"
                       "- **D**) It alternates in sign between positive and negative values.\n\n"
                       "*Answer with a letter.*\n")


def test_compare_and_banks(tmp_path):
    assert grader.compare("2*x", "x+x").status == "equivalent"
    assert grader.compare("2*x", "x").status == "different"
    bank = grader.load_bank(REPO / "problems")
    problem, part = grader.find(bank, "sigmoid", "derivative")
    assert (problem.id, part.id, part.points) == ("sigmoid", "derivative", 2.0)
    assert grader.compare("delta_j^l", "delta_j^l", problem="hidden-error", problems=bank).status == "equivalent"


def test_grade_file_matches_the_command_line():
    path = REPO / "examples" / "submissions" / "bob" / "answers.yaml"
    result = grader.grade_file(path)
    cli = json.loads(CliRunner().invoke(main, ["grade", str(path), "--format", "json"]).stdout)
    assert (result.student, result.score) == ("bob", cli["score"])
    answered = {(p["problem"], p["part"]): p["status"] for p in cli["parts"]}
    assert {(r.problem, r.part): r.verdict.status for r in result.parts if (r.problem, r.part) in answered} == answered
    broken = grader.grade_file(REPO / "examples" / "submissions" / "nobody.yaml")
    assert broken.status == "error" and "nobody.yaml" in broken.message


def test_grade_class(tmp_path):
    src = tmp_path / "class"
    (src / "ann").mkdir(parents=True)
    (src / "ann" / "answers.yaml").write_text("sigmoid:\n  derivative: e^(-z)/(1+e^(-z))^2\n", encoding="utf-8")
    (src / "ben.yaml").write_text("sigmoid:\n  derivative: '1'\n", encoding="utf-8")
    outcome = grader.grade_class(src, tmp_path / "out", jobs=1, log=lambda line: None)
    assert (outcome.graded, outcome.errors) == (2, 0)
    assert {r.student: r.score for r in outcome.results} == {"ann": 2.0, "ben": 0.0}
    assert (tmp_path / "out" / "gradebook.csv").is_file()


def test_readme_example_prints_what_the_readme_says(monkeypatch):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = re.search(r"prints\n\n```text\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(REPO)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})   # our own README, not student text
    assert out.getvalue() == expected


# --- issue 22: the errors and the instructor's options are public --------------------------

def test_every_error_the_library_raises_on_purpose_is_importable_from_grader_with_its_exit_status():
    assert issubclass(grader.StudentError, grader.GraderError) and issubclass(grader.AuthorError, grader.GraderError)
    statuses = {name: int(getattr(grader, name).exit_code) for name in (
        "GraderError", "StudentError", "AuthorError", "BankError", "AnswerSyntaxError", "ProblemError",
        "AssignmentError", "RosterError", "BatchError", "UnknownName", "BrokenReference")}
    assert statuses == {"GraderError": 2, "StudentError": 2, "AuthorError": 2, "BankError": 5,
                        "AnswerSyntaxError": 2, "ProblemError": 5, "AssignmentError": 2, "RosterError": 2,
                        "BatchError": 2, "UnknownName": 2, "BrokenReference": 5}
    assert [int(e) for e in grader.Exit] == [0, 1, 2, 3, 4, 5, 70, 130, 143]
    with pytest.raises(grader.ProblemError):
        grader.load_bank(Path(__file__))          # not a folder of problem files


def test_compare_takes_the_instructors_options():
    assert grader.compare("x*1.001", "x").status == "different"
    assert grader.compare("x*1.001", "x", rtol=0.01).status == "equivalent"
    assert grader.compare("sqrt(x^2)", "x").status == "different"
    assert grader.compare("sqrt(x^2)", "x", where="x > 0").status == "equivalent"
    assert grader.compare("2*x", "19.44", let={"x": 9.72}).status == "equivalent"
    assert grader.compare("2*x", "19.44", let=["x=9.72"]).status == "equivalent"
    with pytest.raises(grader.GraderError, match=r"^--let takes NAME=NUMBER, like x=9.72, not 'x=nine'\.$"):
        grader.compare("2*x", "19.44", let=["x=nine"])
    graded = grader.compare("0.2884", "1/2*(sigma(w2*relu(w1*x)+b)-t)^2", problem="two-layer-example", part="loss")
    assert graded.status == "equivalent"          # the part's given values and tolerance
    assert grader.compare("0.29", "1/2*(sigma(w2*relu(w1*x)+b)-t)^2", problem="two-layer-example",
                          part="loss").status == "different"
