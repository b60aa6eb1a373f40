"""Issue 27, item 4: each message that named the wrong thing, and what a student now reads
instead. Answer files through `grader grade FILE` (a real file, CliRunner), answers through
`grader check`."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.interfaces.cli import main


def grade_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(path)])
    return result.output


# (answer file, lines that must appear in `grader grade FILE`'s output, text that must not)
ANSWER_FILES = [
    pytest.param(
        "param-gradients:\n  dC-dw: 'a_k^(l-1)*f'(z)'\n",
        ["answers.yaml, line 2: the ' at column 22 ends the single-quoted text early (a prime, as in f'(z)?); "
         "put the answer in double quotes (\"f'(z)\") or write the prime twice ('f''(z)')"],
        "indentation", id="prime-in-single-quotes"),
    pytest.param(
        "param-gradients:\n  dC-dw: \"\\frac{1}{2}\"\n",
        ["param-gradients/dC-dw                          0/1    Invalid",
         "Inside double quotes YAML reads '\\frac' as a form feed character followed by 'rac'; put a LaTeX "
         "answer in single quotes ('\\frac...') or write each backslash twice (\"\\\\frac...\")."],
        "U+000C", id="latex-in-double-quotes"),
    pytest.param(
        "param-gradients:\n  dC-dW: \"a_k^(l-1)*delta_j^l\"\n",
        ["No answer: the file has 'dC-dW', which is not a part id; did you mean 'dC-dw'?",
         "Note: Ignored unknown part id: 'param-gradients/dC-dW' (did you mean 'dC-dw'?)."],
        None, id="mistyped-part-id"),
    pytest.param(
        "sigmoid:\n  derivative: \"e^(-z)/(1+e^(-z))^2+ y\"\n",
        ["sigmoid/derivative                             0/2    Invalid",
         "  e^(-z)/(1+e^(-z))^2+ y",
         "                     ^"],
        None, id="invalid-row-shows-answer-and-caret"),
]


@pytest.mark.parametrize("text, said, unsaid", ANSWER_FILES)
def test_answer_file_messages(tmp_path, text, said, unsaid):
    out = grade_file(tmp_path, text)
    lines = out.splitlines()
    for expected in said:
        assert any(line.strip() == expected.strip() or line.endswith(": " + expected) for line in lines), out
    if unsaid:
        assert unsaid not in out


def test_caret_under_the_unknown_name(tmp_path):
    lines = grade_file(tmp_path, "sigmoid:\n  derivative: \"e^(-z)/(1+e^(-z))^2+ y\"\n").splitlines()
    row = lines.index("sigmoid/derivative                             0/2    Invalid")
    answer_line, caret_line, message = lines[row + 1:row + 4]
    assert answer_line[caret_line.index("^")] == "y" and caret_line.strip() == "^"
    assert message.strip() == "Unknown name 'y' (this problem's names: z)."


def test_one_point_is_singular(tmp_path):
    result = CliRunner().invoke(main, ["check", "sigmoid", "derivative", "x+"])
    assert result.output.splitlines()[0] == "Invalid  (0/2 points)"
    result = CliRunner().invoke(main, ["check", "param-gradients", "dC-db", "delta_j^l"])
    assert result.output.splitlines()[0] == "Correct  (1/1 point)"


# (problem, part, answer as typed, the message, what must never be said)
ANSWERS = [
    pytest.param("param-gradients", "dC-dw", r"\partial C",
                 r"∂C on its own is not something the grader reads: a derivative has a top and a bottom, like "
                 r"\frac{\partial C}{\partial z} in LaTeX or (partial C)/(partial z).", "partialC",
                 id="lone-partial-C"),
    pytest.param("deep-chain", "delta-recurrence", "f_L*w_2",
                 "Unknown name 'f_L': this problem's names that start with f_ are f_1, f_2, f_3.", "Unknown name 'f'",
                 id="f_L-when-f_1-is-a-name"),
    pytest.param("matrix-form", "grad-W", "z_j",
                 "z takes no subscript in this problem, only its layer as a superscript, like z^(l): it stands for "
                 "the whole vector, not one of its entries.", "needs its layer", id="subscript-on-a-vector"),
    pytest.param("matrix-form", "grad-W", "z^(l)_j",
                 "z takes no subscript in this problem, only its layer as a superscript, like z^(l): it stands for "
                 "the whole vector, not one of its entries.", "Unknown name", id="subscript-after-the-layer"),
    pytest.param("sigmoid", "derivative", r"a \over b",
                 r"'\over' is not part of the answer syntax: write a fraction as \frac{top}{bottom}, or top/bottom.",
                 r"\vert", id="over"),
    pytest.param("sigmoid", "derivative", "sigma(z)'",
                 "A prime after the bracket is not read: put it on the function, before the bracket, as in sigma'(z).",
                 "Unexpected", id="prime-after-the-bracket"),
    pytest.param("two-layer-example", "loss", "0.5",
                 "0.5 is 73% away from the value; this part needs an error below 0.001.", "That is not",
                 id="number-off-by-73-percent"),
]


@pytest.mark.parametrize("problem, part, answer, message, unsaid", ANSWERS)
def test_answer_messages(problem, part, answer, message, unsaid):
    result = CliRunner().invoke(main, ["check", problem, part, answer])
    assert result.output.splitlines()[-1] == message, result.output
    assert unsaid not in result.output


# --- item 5: the terminal and the notebook -----------------------------------------------------

@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def hint(*extra):
    return CliRunner().invoke(main, ["check", "sigmoid", "derivative", "--hint", *extra])


def test_hint_n_shows_an_earlier_hint_again(state):
    first, second = hint().output, hint().output
    assert first.startswith("Hint 1 of 3: ") and second.startswith("Hint 2 of 3: ")
    again = hint("1")
    assert (again.exit_code, again.output) == (0, first)
    assert CliRunner().invoke(main, ["check", "sigmoid", "derivative", "--hint=2"]).output == second
    with_answer = hint("1", "x+")          # the hint, then the answer checked as usual
    assert with_answer.output.splitlines()[:2] == [first.strip(), "Invalid  (0/2 points)"]
    assert hint().output.startswith("Hint 3 of 3: ")     # asking again did not move the count


def test_hint_n_not_yet_seen_or_not_there(state):
    hint()
    later = hint("2")
    assert later.exit_code == 2
    assert later.stderr == "Error: hint 2 is not shown yet (you have seen hint 1): --hint alone shows the next one.\n"
    assert hint("7").stderr == "Error: this part has 3 hints: there is no hint 7.\n"


def test_interactive_mode_lists_the_names_and_the_hint_count(state):
    result = CliRunner().invoke(main, ["check", "sigmoid", "derivative"], input="\n")
    lines = result.stderr.splitlines()
    said = lines.index("Answer with an expression in the names above.")
    assert lines[said - 1] == "Names you can use: z"           # the names are above, as it says
    assert lines[said + 1] == "This part has 3 hints: type ? to see the next one."


def test_notebook_problem_lists_the_names_it_refers_to():
    from grader import api
    from grader.show.html import problem_html
    from grader.show.markdown import problem_markdown
    p = api.load_bank()["matrix-form"]
    html, md = problem_html(p, (), None), problem_markdown(p, ())
    for shown in (html, md):
        assert "names above" in shown
        assert shown.index("Names you can use: W^(l) (matrix), a^(l) (vector), z^(l) (vector)") < shown.index(
            "names above")


def test_a_class_run_gives_the_quoting_message_too(tmp_path):
    """The class run grades a stored copy of each submission: the reason travels with it."""
    cls = tmp_path / "cls"
    cls.mkdir()
    (cls / "amy.yaml").write_text("sigmoid:\n  derivative: \"\\frac{e^{-z}}{(1+e^{-z})^2}\"\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(cls), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    part = next(p for p in rows[0]["parts"] if (p["problem"], p["part"]) == ("sigmoid", "derivative"))
    assert (part["status"], part["rule"]) == ("invalid", "yaml-quoting")
    assert part["feedback"] == ["Inside double quotes YAML reads '\\frac' as a form feed character followed by "
                                "'rac'; put a LaTeX answer in single quotes ('\\frac...') or write each backslash "
                                "twice (\"\\\\frac...\")."]
