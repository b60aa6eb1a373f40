"""MathML Core rendering of parse trees: exact markup for representative trees, the same
reading as the Unicode rendering (brackets where it brackets), and well-formed, escaped XML
for every answer in the bank."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import MATRICES, NETWORK, PLAIN, SCALARS

from grader.api import load_bank
from grader.show.mathml import NAMESPACE, mathml
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import Sym

REPO = Path(__file__).resolve().parent.parent
HEAD = f'<math xmlns="{NAMESPACE}" display="inline">'


def m(text, table):
    out = mathml(parse(text, table).tree)
    assert out.startswith(HEAD) and out.endswith("</math>")
    return out[len(HEAD):-len("</math>")]


@pytest.mark.parametrize("text, table, markup", [
    ("1/2", PLAIN, "<mfrac><mn>1</mn><mn>2</mn></mfrac>"),
    ("-x^2", PLAIN, "<mrow><mo>−</mo><msup><mi>x</mi><mn>2</mn></msup></mrow>"),
    ("(-x)^2", PLAIN, "<msup><mrow><mo>(</mo><mrow><mo>−</mo><mi>x</mi></mrow><mo>)</mo></mrow><mn>2</mn></msup>"),
    ("x^2/3", PLAIN, "<mfrac><msup><mi>x</mi><mn>2</mn></msup><mn>3</mn></mfrac>"),
    ("sqrt(x)+abs(y)", PLAIN,
     "<mrow><msqrt><mi>x</mi></msqrt><mo>+</mo><mrow><mo>|</mo><mi>y</mi><mo>|</mo></mrow></mrow>"),
    ("x-(y-z)", PLAIN, "<mrow><mi>x</mi><mo>−</mo><mrow><mo>(</mo><mrow><mi>y</mi><mo>−</mo><mi>z</mi></mrow>"
                       "<mo>)</mo></mrow></mrow>"),
    ("w_1-eta*x", SCALARS, "<mrow><msub><mi>w</mi><mn>1</mn></msub><mo>−</mo>"
                           "<mrow><mi>η</mi><mo>·</mo><mi>x</mi></mrow></mrow>"),
    ("f'(z)*sigmoid(z)", SCALARS,
     "<mrow><mrow><msup><mi>f</mi><mo>′</mo></msup><mrow><mo>(</mo><mi>z</mi><mo>)</mo></mrow></mrow><mo>·</mo>"
     "<mrow><mi>σ</mi><mrow><mo>(</mo><mi>z</mi><mo>)</mo></mrow></mrow></mrow>"),
    # the layer index is an index (^(l) on its quantity); a power of an indexed name is a power
    ("a_k^(l-1)**delta_j^l", NETWORK,
     "<msup><mrow><mo>(</mo><msubsup><mi>a</mi><mi>k</mi><mrow><mo>(</mo><mrow><mi>l</mi><mo>−</mo><mn>1</mn>"
     "</mrow><mo>)</mo></mrow></msubsup><mo>)</mo></mrow><msubsup><mi>δ</mi><mi>j</mi><mrow><mo>(</mo><mi>l</mi>"
     "<mo>)</mo></mrow></msubsup></msup>"),
    ("w_(j,k+1)^(l-1)", NETWORK,
     "<msubsup><mi>w</mi><mrow><mo>(</mo><mrow><mi>j</mi><mo>,</mo><mrow><mi>k</mi><mo>+</mo><mn>1</mn></mrow>"
     "</mrow><mo>)</mo></mrow><mrow><mo>(</mo><mrow><mi>l</mi><mo>−</mo><mn>1</mn></mrow><mo>)</mo></mrow></msubsup>"),
    ("sum_k w_(kj)^(l+1) delta_k^(l+1)", NETWORK,
     "<mrow><munder><mo>∑</mo><mi>k</mi></munder><mrow><mo>(</mo><mrow><msubsup><mi>w</mi><mrow><mi>k</mi>"
     "<mi>j</mi></mrow><mrow><mo>(</mo><mrow><mi>l</mi><mo>+</mo><mn>1</mn></mrow><mo>)</mo></mrow></msubsup>"
     "<mo>·</mo><msubsup><mi>δ</mi><mi>k</mi><mrow><mo>(</mo><mrow><mi>l</mi><mo>+</mo><mn>1</mn></mrow><mo>)</mo>"
     "</mrow></msubsup></mrow><mo>)</mo></mrow></mrow>"),
    ("(W^(l+1))^T delta^(l+1) .* z^(l)", MATRICES, None),
])
def test_exact_markup(text, table, markup):
    out = m(text, table)
    if markup is not None:
        assert out == markup
    else:   # transpose and the element-wise product
        assert '<mi mathvariant="normal">T</mi></msup>' in out and "<mo>⊙</mo>" in out


def test_text_is_escaped():
    assert mathml(Sym("<b>&")) == f"{HEAD}<mi>&lt;b&gt;&amp;</mi></math>"


def _bank_answers():
    for problem in load_bank(REPO / "problems").values():
        for part in problem.parts:
            if part.kind in ("expression", "numeric"):
                for text in (part.answer, *(mk.answer for mk in part.mistakes), *(t.answer for t in part.tests)):
                    yield problem, text


def test_every_bank_answer_is_well_formed_mathml():
    count = 0
    for problem, text in _bank_answers():
        try:
            parsed = parse(text, problem.table)
        except Exception:   # the bank's invalid test answers
            continue
        root = ET.fromstring(mathml(parsed.tree))
        assert root.tag == f"{{{NAMESPACE}}}math"
        for el in root.iter():
            tag = el.tag.split("}")[1]
            n = len(list(el))
            if tag in ("msub", "msup", "mfrac", "munder"):
                assert n == 2, (text, tag)
            elif tag == "msubsup":
                assert n == 3, (text, tag)
        count += 1
    assert count > 100


TOKENS = ["z", "x", "a_k^(l-1)", "delta_j^l", "w_(jk)^l", "sum_k", "f'(", "sigmoid(", "sqrt(", "abs(", "(", ")",
          "+", "-", "*", "/", "^", "**", "2", "0.5", "e", "pi", " ", "<", "&", "'", ",", "max("]


def _well_formed(markup: str) -> None:
    root = ET.fromstring(markup)
    for el in root.iter():
        tag = el.tag.split("}")[1]
        n = len(list(el))
        if tag in ("msub", "msup", "mfrac", "munder"):
            assert n == 2, tag
        elif tag == "msubsup":
            assert n == 3, tag
        elif tag in ("mi", "mo", "mn"):
            assert n == 0 and el.text, tag


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_any_readable_answer_renders_well_formed(tokens):
    try:
        parsed = parse("".join(tokens), NETWORK)
    except AnswerSyntaxError:
        return
    _well_formed(mathml(parsed.tree))
