"""Property tests: the parser and the checker on random, adversarial and grammar-shaped input.

The number of examples per property is GRADER_HYPOTHESIS_EXAMPLES (default 200); a long run
is opt-in, e.g. `GRADER_HYPOTHESIS_EXAMPLES=100000 python -m pytest tests/test_properties.py`.
"""
from __future__ import annotations

import os
import time

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from conftest import MATRICES, NETWORK, PLAIN, SCALARS, TWO_LAYER_REFERENCES, associate, choice, expression, \
    numeric, plain_tree
from grader.checking.checker import check, clear_caches, compare
from grader.model import CORRECT, STATUSES, Tolerance, Verdict
from grader.answers.parser import AnswerSyntaxError, ParsedAnswer, parse

EXAMPLES = int(os.environ.get("GRADER_HYPOTHESIS_EXAMPLES", "200"))
# Hang guards, not speed claims (speed is measured in bench/): generous enough for a loaded
# 2-core machine, far below what an unbounded computation would take.
PARSE_SECONDS = 5.0
CHECK_SECONDS = 10.0

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

TABLES = [PLAIN, SCALARS, NETWORK, MATRICES]

# --- generators -----------------------------------------------------------------------------

# pieces of the answer language and of the ways it goes wrong
TOKENS = [
    "x", "y", "z", "a", "b", "e", "pi", "eta", "delta", "delta_j^l", "a_k^(l-1)", "w_(kj)^(l+1)", "w_jk^l",
    "W^(l+1)", "u", "M", "f", "f'", "f''", "g_L'", "sigma", "relu", "exp", "log", "sqrt", "max", "sum_k", "sum_{k}",
    "prod_i", "sum_", "0", "1", "2", "9", "0.5", ".5", "1e-3", "2.5E+2", "1e400", "9" * 45, "+", "-", "*", "/",
    "^", "**", ".*", "⊙", "·", "×", "−", "²", "ᵀ", "∑", "δ", "η", "σ", "𝑒", "𝑧", "(", ")", "{", "}", "[", "]",
    ",", "_", "'", "^T", " ", "  ", "\t", "l", "L", "j", "k", "nl", "(l-1)", "^-", "e^-", "9^9^9", "10**",
    "\x00", "\u200b", "\ud800", "½", "@", "=",
]
token_text = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
random_text = st.text(max_size=300)
answer_alphabet = st.text(alphabet="xyzabe0123456789.+-*/^()_{}[],' lLjkTσδ∑⊙·−²ᵀ", max_size=200)
any_text = st.one_of(random_text, token_text, answer_alphabet)

# grammar-shaped scalar expressions over PLAIN / SCALARS names
LEAVES = st.sampled_from(["x", "y", "z", "a", "b", "1", "2", "3", "0.5", "pi", "e"])


def _combine(children):
    unary = st.tuples(st.sampled_from(["sin", "cos", "tanh", "sigma", "exp", "-", "abs", "relu"]), children).map(
        lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})")
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**", " "]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})" if t[1] != "^" else f"({t[0]})^({t[2]})")
    power = st.tuples(children, st.sampled_from(["2", "3", "-1", "-2"])).map(lambda t: f"({t[0]})^{t[1]}")
    return st.one_of(unary, binary, power)


grammar_text = st.recursive(LEAVES, _combine, max_leaves=12)

# the same, with the brackets left out where the grammar allows it
LOOSE_OPS = st.sampled_from(["+", "-", "*", "/", "^", "**", " ", "*-", "^-", ".*"])
loose_text = st.lists(st.tuples(st.sampled_from(["x", "y", "2", "e", "pi", "sin(x)", "(x+y)", "z^2", "f'(z)",
                                                 "sigma(z)"]), LOOSE_OPS), min_size=1, max_size=10).map(
    lambda items: "".join(a + op for a, op in items[:-1]) + items[-1][0])

# expressions that are defined and moderate everywhere: bounded functions, + - *, small numbers
SAFE_LEAVES = st.sampled_from(["x", "y", "z", "a", "b", "1", "2", "3"])


def _safe(children):
    unary = st.tuples(st.sampled_from(["sin", "cos", "tanh", "sigma"]), children).map(lambda t: f"{t[0]}({t[1]})")
    neg = children.map(lambda c: f"-({c})")
    square = children.map(lambda c: f"({c})^2")
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda t: f"({t[0]}){t[1]}({t[2]})")
    return st.one_of(unary, neg, square, binary)


safe_text = st.recursive(SAFE_LEAVES, _safe, max_leaves=8)


def _commuted(children):
    """Pairs (expression, the same expression with the operands of some + and * swapped)."""
    def binary(t):
        (a1, a2), op, (b1, b2), swap = t
        first = f"({a1}){op}({b1})"
        second = f"({b2}){op}({a2})" if swap and op in "+*" else f"({a2}){op}({b2})"
        return first, second
    unary = st.tuples(st.sampled_from(["sin", "cos", "tanh", "sigma"]), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", f"{t[0]}({t[1][1]})"))
    pairs = st.tuples(children, st.sampled_from(["+", "-", "*"]), children, st.booleans()).map(binary)
    return st.one_of(unary, pairs)


commuted_pairs = st.recursive(SAFE_LEAVES.map(lambda s: (s, s)), _commuted, max_leaves=8)


# --- the parser -----------------------------------------------------------------------------

def _parse_within_bound(text, table):
    start = time.perf_counter()
    try:
        out = parse(text, table)
    except AnswerSyntaxError as err:
        out = err
    elapsed = time.perf_counter() - start
    assert elapsed < PARSE_SECONDS, (text, elapsed)
    return out


def _well_formed_answer(out: ParsedAnswer, table) -> None:
    """A reading the student is shown: three renderings, and the ASCII one reads back as the
    same answer (what "interpreted as" promises)."""
    assert isinstance(out, ParsedAnswer)
    assert out.unicode and out.ascii and out.latex
    try:
        again = parse(out.ascii, table)
    except AnswerSyntaxError as err:   # the echo's brackets can push an answer at the nesting limit over it
        assert err.too_complex, (out.ascii, err.message)
    else:
        assert again.ascii == out.ascii, (out.ascii, again.ascii)


def _well_formed_error(err: AnswerSyntaxError, text) -> None:
    assert isinstance(err.message, str) and err.message
    assert "\n" not in err.message
    assert err.message.endswith((".", "?", "!"))
    assert isinstance(err.too_complex, bool)
    if isinstance(text, str):
        assert 1 <= err.column <= len(text) + 1
    caret = err.caret()
    assert caret == "" or caret.endswith("^")


@SETTINGS
@given(text=any_text, which=st.integers(0, len(TABLES) - 1))
def test_parse_returns_an_answer_or_raises_the_documented_error(text, which):
    out = _parse_within_bound(text, TABLES[which])
    if isinstance(out, AnswerSyntaxError):
        _well_formed_error(out, text)
    else:
        _well_formed_answer(out, TABLES[which])


@SETTINGS
@given(data=st.binary(max_size=300))
def test_parse_of_arbitrary_bytes(data):
    out = _parse_within_bound(data, PLAIN)
    if isinstance(out, AnswerSyntaxError):
        _well_formed_error(out, None)
    else:
        _well_formed_answer(out, PLAIN)


@SETTINGS
@given(piece=st.sampled_from(["(", "x^", "-(", "sin(", "x^-", "sum_k ", "{", "f'(", "2^", "[", "e^-", "x*("]),
       n=st.integers(1, 2000), tail=st.sampled_from(["", "x", ")", "1"]))
def test_adversarial_repetition_is_refused_or_read_quickly(piece, n, tail):
    text = piece * n + tail
    out = _parse_within_bound(text, NETWORK)
    if isinstance(out, AnswerSyntaxError):
        _well_formed_error(out, text)
    else:
        _well_formed_answer(out, NETWORK)


@SETTINGS
@given(text=st.one_of(grammar_text, loose_text))
def test_grammar_shaped_answers(text):
    out = _parse_within_bound(text, SCALARS)
    if isinstance(out, AnswerSyntaxError):
        _well_formed_error(out, text)
    else:
        _well_formed_answer(out, SCALARS)


@SETTINGS
@given(text=st.one_of(grammar_text, loose_text, token_text))
def test_ascii_rendering_reparses_to_an_equal_tree(text):
    for table in (SCALARS, NETWORK):
        try:
            parsed = parse(text, table)
        except AnswerSyntaxError:
            continue
        assume(".*" not in text and "⊙" not in text)   # mixed products: see test_render
        again = parse(parsed.ascii, table)
        assert associate(plain_tree(again.tree)) == associate(plain_tree(parsed.tree)), (text, parsed.ascii)
        assert again.ascii == parsed.ascii


# --- the checker ----------------------------------------------------------------------------

PARTS = [
    expression("e^(-z)/(1+e^(-z))^2", PLAIN, pid="sig"),
    expression("sigma(z)*(1-sigma(z))", SCALARS, pid="sig2", mistakes=()),
    expression("sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK, pid="hidden"),
    expression("((W^(l+1))^T*delta^(l+1)) .* f'(z^l)", MATRICES, pid="matrix"),
    numeric(TWO_LAYER_REFERENCES["dC/dw1"], Tolerance(decimals=3)),
    choice("A, C", ("one", "two", "three"), multi=True, partial_credit=True),
    choice("B", ("one", "two", "three")),
]


@SETTINGS
@given(answer=st.one_of(any_text, grammar_text, loose_text, st.binary(max_size=100), st.none()),
       which=st.integers(0, len(PARTS) - 1))
def test_check_always_returns_a_verdict(answer, which):
    prob, part = PARTS[which]
    start = time.perf_counter()
    v = check(prob, part, answer)
    assert time.perf_counter() - start < CHECK_SECONDS, answer
    assert isinstance(v, Verdict)
    assert v.status in STATUSES
    assert 0.0 <= v.score <= v.max_score == part.points
    assert (v.status == CORRECT) == (v.score == v.max_score)
    assert all(isinstance(f, str) and f for f in v.feedback)
    clear_caches()
    assert v == check(prob, part, answer)            # and the same verdict, computed afresh


@SETTINGS
@given(text=safe_text)
def test_equivalence_is_reflexive(text):
    prob, part = expression(text, PLAIN, pid="reflexive")
    assert check(prob, part, f"1*({text})").status == CORRECT
    assert compare(parse(text, PLAIN).ascii, text, PLAIN).status == "equivalent"


@SETTINGS
@given(first=safe_text, second=safe_text)
def test_equivalence_is_symmetric(first, second):
    one = compare(first, second, PLAIN).status
    two = compare(second, first, PLAIN).status
    assert one == two, (first, second)
    assert one in ("equivalent", "different")


@SETTINGS
@given(pair=commuted_pairs)
def test_commuted_operands_are_accepted(pair):
    first, second = pair
    assert compare(second, first, PLAIN).status == "equivalent", pair


@SETTINGS
@given(text=safe_text, k=st.integers(2, 5))
def test_a_constant_multiple_is_never_accepted(text, k):
    out = compare(f"{k}*({text})", text, PLAIN)
    # different unless the expression is zero everywhere
    zero = compare(text, "0", PLAIN).status == "equivalent"
    assert out.status == ("equivalent" if zero else "different"), text
