"""Statements, prompts, options and hints as mathematics (issue 27, item 1): `$...$` formulas in
the answer syntax become MathML on the page and in the notebook, plain text in the terminal; a
small Markdown subset becomes HTML with everything else escaped; `grader validate` names the
file and line of a formula it cannot read."""
from __future__ import annotations

import html
import textwrap

import pytest
from click.testing import CliRunner

import grader
from grader.authoring.loader import load_problem
from grader.interfaces.cli import main
from grader.show.pages import problem_json
from grader.show.prose import inline_html, plain, prose_html

MATH = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
#: delta_j^l = dC/dz_j^l as the page shows it
DELTA_IS_DC_DZ = (MATH + "<mrow><msubsup><mi>δ</mi><mi>j</mi><mrow><mo>(</mo><mi>l</mi><mo>)</mo></mrow></msubsup>"
                  "<mo>=</mo><mfrac><mrow><mo>∂</mo><mi>C</mi></mrow><mrow><mo>∂</mo><msubsup><mi>z</mi><mi>j</mi>"
                  "<mrow><mo>(</mo><mi>l</mi><mo>)</mo></mrow></msubsup></mrow></mfrac></mrow></math>")

SMALL = textwrap.dedent("""\
    title: Small
    statement: |
      The cost is $C = 1/2*(a - y)^2$ for unit $j$ of layer $l-1$, priced at \\$5.

      Notation:

      * the error is $delta = dC/da$;
      * type it as `delta`.
    symbols: {a: scalar, y: scalar, C: scalar}
    notation: {delta: scalar}
    indices: {j: unit, l: layer}
    parts:
      - id: p
        prompt: What is $dC/da$?
        kind: expression
        answer: a - y
        hints: ["Differentiate $1/2*(a - y)^2$."]
      - id: q
        prompt: Which is it?
        kind: choice
        options: ["$a - y$", "$y - a$"]
        answer: A
    """)


@pytest.fixture(scope="module")
def bank():
    return grader.load_bank()


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_problem(path)


def test_a_formula_is_mathml_read_with_the_problems_names(bank):
    assert inline_html("$delta_j^l = dC/dz_j^l$", bank["output-error"]) == DELTA_IS_DC_DZ
    assert DELTA_IS_DC_DZ in prose_html(bank["output-error"].statement, bank["output-error"])


def test_index_letters_dollars_and_lists(small):
    shown = prose_html(small.statement, small)
    assert shown.startswith("<p>The cost is " + MATH + "<mrow><mi>C</mi><mo>=</mo>")
    assert (f" for unit {MATH}<mi>j</mi></math> of layer {MATH}<mrow><mi>l</mi><mo>−</mo><mn>1</mn></mrow></math>, "
            f"priced at $5.</p><p>Notation:</p><ul><li>the error is {MATH}<mrow><mi>δ</mi><mo>=</mo>") in shown
    assert shown.endswith("</math>;</li><li>type it as <code>delta</code>.</li></ul>")
    assert "*" not in shown.replace("<mo>·</mo>", "")


def test_options_hints_and_prompts_on_the_page(small):
    page = problem_json(small, None)
    assert page["parts"][0]["prompt_html"].startswith("<p>What is " + MATH + "<mfrac>")
    assert page["parts"][0]["prompt"] == "What is dC/da?"
    assert page["parts"][1]["options"][0] == {
        "letter": "A", "text": "a - y", "html": MATH + "<mrow><mi>a</mi><mo>−</mo><mi>y</mi></mrow></math>"}
    assert page["statement"].startswith("The cost is C = 1/2*(a - y)^2 for unit j of layer l-1, priced at $5.")


@pytest.mark.parametrize("hostile, shown", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
    ("`<b>code</b>`", "<code>&lt;b&gt;code&lt;/b&gt;</code>"),
    ("**<i>x</i>**", "<strong>&lt;i&gt;x&lt;/i&gt;</strong>"),
    ("$<svg onload=alert(1)>$", "<code>&lt;svg onload=alert(1)&gt;</code>"),
    ("$a$ and an unclosed $ <u>", "$a$ and an unclosed $ &lt;u&gt;"),
    ("[link](javascript:alert(1))", "[link](javascript:alert(1))"),
])
def test_hostile_statement_text_is_shown_never_run(small, hostile, shown):
    assert prose_html(hostile, small) == f"<p>{shown}</p>"
    assert inline_html(hostile, small) == shown


def test_the_terminal_shows_formulas_as_typed_without_dollars(bank):
    out = CliRunner().invoke(main, ["show", "output-error"], catch_exceptions=False).output
    assert "* the error of unit j in layer l is delta_j^l = dC/dz_j^l;" in out
    assert "What is the error delta_j^L of unit j in the output layer?" in out
    assert "$" not in out
    assert plain("costs \\$5 for $a_j^l$") == "costs $5 for a_j^l"


def test_the_notebook_shows_mathematics_and_markdown_as_text(bank):
    sheet = grader.problem("output-error")
    shown = sheet._repr_html_()
    assert DELTA_IS_DC_DZ in shown and "<ul><li>a superscript is a layer number" in shown
    assert "$" not in sheet._repr_markdown_() and "$" not in str(sheet)
    assert "delta_j^l = dC/dz_j^l" in sheet._repr_markdown_()


def test_validate_names_the_line_of_a_formula_it_cannot_read(tmp_path):
    bad = SMALL.replace("* type it as `delta`.", "* type it as `delta` or $delta +$.") \
               .replace('hints: ["Differentiate $1/2*(a - y)^2$."]', 'hints: ["Differentiate $1/2*(a - y)^2."]')
    (tmp_path / "small.yaml").write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "small.yaml")])
    path = str(tmp_path / "small.yaml")
    assert result.output.splitlines()[:2] == [
        f"{path}:8: the statement: the formula $delta +$ cannot be read: The answer ends too early: something "
        f"is missing at the end.",
        f"{path}:17: part 'p': hint 1: the '$' of '$1/2*(a - y)^2.' opens a formula that no '$' closes "
        f"(write \\$ for a dollar sign)",
    ]
    assert result.exit_code == grader.Exit.BANK


def test_a_notation_name_is_for_the_text_only(small):
    answer = grader.grade_answer(small, small.part("p"), "delta")
    assert answer.status == "invalid"
    assert html.unescape("Unknown name 'delta'") in " ".join(answer.feedback)


def test_the_hint_api_sends_the_hint_with_its_formulas_as_mathml(bank):
    from starlette.testclient import TestClient
    from grader.interfaces import web
    with TestClient(web.create_app(bank)) as client:
        got = client.get("/api/hint?problem=output-error&part=delta-L&n=3").json()
    assert got["message"] == ("Hint 3 of 3: da_j^L/dz_j^L is the slope of the activation at the unit's weighted "
                              "input: f'(z_j^L).")
    assert got["html"].startswith("Hint 3 of 3: " + MATH + "<mfrac>")
    assert got["html"].endswith(" is the slope of the activation at the unit&#x27;s weighted input: " + MATH
                                + "<mrow><msup><mi>f</mi><mo>′</mo></msup><mrow><mo>(</mo><msubsup><mi>z</mi>"
                                  "<mi>j</mi><mrow><mo>(</mo><mi>L</mi><mo>)</mo></mrow></msubsup><mo>)</mo>"
                                  "</mrow></mrow></math>.")


def test_a_formula_alone_in_an_indented_block_is_displayed(bank):
    shown = prose_html(bank["output-error"].statement, bank["output-error"])
    assert ('<p>An L-layer feed-forward network is trained with the quadratic cost</p><p class="grader-display">'
            '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mi>C</mi><mo>=</mo>') in shown
    assert prose_html("    kept <as> typed\n    two lines", bank["output-error"]) == \
        "<pre>kept &lt;as&gt; typed\ntwo lines</pre>"


def test_a_notation_name_may_not_repeat_a_symbol(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL.replace("notation: {delta: scalar}", "notation: {a: scalar}"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.output.splitlines()[0] == (
        f"{path}:10: notation 'a' is already declared in 'symbols' or 'indices'; a formula in the text may use "
        f"those names as they are")
    assert result.exit_code == grader.Exit.BANK


@pytest.mark.parametrize("typed, status", [("a - y", "correct"), ("A. a - y", "correct"), ("y - a", "incorrect")])
def test_an_option_is_chosen_by_its_text_as_shown(small, typed, status):
    assert grader.grade_answer(small, small.part("q"), typed).status == status
