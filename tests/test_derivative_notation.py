"""Derivatives in the course's notation (issue 24, item 3, the reading half): every way the
course and its students write ∂C/∂z_j^l is read into the same Deriv tree, shown back as the
course writes it, refused with a message of ours where it cannot be a derivative, and asked
about where the problem's names give it two readings."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import NETWORK, SCALARS, plain_tree
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import Bin, Deriv, Idx, Index, Neg, Sum, Sym
from grader.model import Symbol, SymbolTable
from grader.show.mathml import mathml

#: the network names of the course with the cost C declared (a network block declares it)
NET = SymbolTable(NETWORK.symbols + (Symbol("C"),), NETWORK.indices)
#: the same, with a plain name d: `dC` could be d times C
WITH_D = SymbolTable(NET.symbols + (Symbol("d"),), NET.indices)
#: plain scalars with a cost
PLAIN_C = SymbolTable(SCALARS.symbols + (Symbol("C"),))

j, k, l = Index("j"), Index("k"), Index("l")
C = Sym("C")
Z_J = Idx("z", (j,), l)
W_JK = Idx("w", (j, k), l)


@pytest.mark.parametrize("text, tree", [
    ("dC/dz_j^l", Deriv(C, Z_J, "d")),
    ("dC/dw_(jk)^l", Deriv(C, W_JK, "d")),
    ("da_j^l/dz_j^l", Deriv(Idx("a", (j,), l), Z_J, "d")),
    ("dz_k^(l+1)/da_j^l", Deriv(Idx("z", (k,), Index("l", 1)), Idx("a", (j,), l), "d")),
    ("(partial C)/(partial z_j^l)", Deriv(C, Z_J, "partial")),
    ("partialC/partialz_j^l", Deriv(C, Z_J, "partial")),
    ("partial C/partial z_j^l", Deriv(C, Z_J, "partial")),
    ("∂C/∂z_j^l", Deriv(C, Z_J, "∂")),
    ("∂C / ∂z_j^l", Deriv(C, Z_J, "∂")),
    ("𝜕C/𝜕z_j^l", Deriv(C, Z_J, "∂")),           # mathematical italic ∂, as pasted from a PDF
    ("(dC)/(dz_j^l)", Deriv(C, Z_J, "d")),
    ("d C/d z_j^l", Deriv(C, Z_J, "d")),
    ("dC/dz_j^(l)", Deriv(C, Z_J, "d")),
    ("dC/dz^l_j", Deriv(C, Z_J, "d")),
    (r"\frac{\partial C}{\partial w_{jk}^{(l)}}", Deriv(C, W_JK, "latex")),
    (r"\frac{\partial C}{\partial z_j^{(l)}}", Deriv(C, Z_J, "latex")),
    (r"\partial C / \partial z_j^l", Deriv(C, Z_J, "latex")),
    (r"\frac{dC}{dz_j^l}", Deriv(C, Z_J, "latex")),
    (r"\frac{\mathrm{d}C}{\mathrm{d}z_j^l}", Deriv(C, Z_J, "latex")),
])
def test_each_form_reads_as_the_derivative(text, tree):
    assert parse(text, NET).tree == tree


def test_the_forms_of_the_issue_for_delta_L_and_the_matrix_form():
    from conftest import MATRICES
    f_prime = parse("f'(z_j^L)", NET).tree
    a_L = Idx("a", (j,), Index("L"))
    assert parse("dC/da_j^L * f'(z_j^L)", NET).tree == Bin("*", Deriv(C, a_L, "d"), f_prime)
    assert parse(r"\frac{\partial C}{\partial a_j^{(L)}} f'(z_j^{(L)})", NET).tree == \
        Bin("*", Deriv(C, a_L, "latex"), f_prime, "implicit")
    vectors = SymbolTable(MATRICES.symbols + (Symbol("C"),), MATRICES.indices)
    assert parse(r"\frac{\partial C}{\partial a^{(L)}} \odot f'(z^{(L)})", vectors).tree == \
        Bin(".*", Deriv(C, Sym("a", Index("L")), "latex"), parse("f'(z^L)", vectors).tree)
    assert parse("dC/dW^(l)", vectors).tree == Deriv(C, Sym("W", l), "d")


def test_dC_dz_from_latex_in_a_problem_of_scalars():
    assert parse(r"\frac{dC}{dz}", PLAIN_C).tree == Deriv(C, Sym("z"), "latex")
    assert parse("dC/dz", PLAIN_C).tree == Deriv(C, Sym("z"), "d")


def test_inside_a_sum_over_an_index_letter():
    body = Bin("*", Deriv(C, Idx("z", (k,), Index("l", 1)), "d"), Idx("w", (k, j), Index("l", 1)))
    assert parse("sum_k dC/dz_k^(l+1) * w_(kj)^(l+1)", NET).tree == Sum("k", body)
    assert parse(r"\sum_{k} \frac{\partial C}{\partial z_k^{(l+1)}} w_{kj}^{(l+1)}", NET).tree == \
        Sum("k", Bin("*", Deriv(C, Idx("z", (k,), Index("l", 1)), "latex"), Idx("w", (k, j), Index("l", 1)),
                     "implicit"))


def test_a_derivative_binds_like_a_bracketed_quotient():
    a = Idx("a", (k,), Index("l", -1))
    assert parse("dC/dz_j^l * a_k^(l-1)", NET).tree == Bin("*", Deriv(C, Z_J, "d"), a)
    assert parse("a_k^(l-1)*dC/dz_j^l", NET).tree == Bin("*", a, Deriv(C, Z_J, "d"))
    assert parse("2*dC/dz_j^l", NET).tree == Bin("*", parse("2", NET).tree, Deriv(C, Z_J, "d"))
    assert parse("-dC/dz_j^l", NET).tree == Neg(Deriv(C, Z_J, "d"))
    assert parse("(dC/dz_j^l)^2", NET).tree == Bin("^", Deriv(C, Z_J, "d"), parse("2", NET).tree)
    assert parse(r"\frac{\partial C}{\partial z_j^{(l)}} a_k^{(l-1)}", NET).tree == \
        Bin("*", Deriv(C, Z_J, "latex"), a, "implicit")


def test_declared_names_keep_their_meaning():
    # the sgd problem's opaque names: partialC and partialw_1 are names, never a derivative
    assert parse("partialC/partialw_1", SCALARS).tree == Bin("/", Sym("partialC"), Sym("partialw_1"))
    assert parse("∂C/∂w_1", SCALARS).tree == Bin("/", Sym("partialC"), Sym("partialw_1"))
    assert parse(r"\frac{\partial C}{\partial w_1}", SCALARS).tree == Bin("/", Sym("partialC"), Sym("partialw_1"))
    # delta is a name that starts with d
    assert parse("delta_j^l/delta_k^l", NET).tree == Bin("/", Idx("delta", (j,), l), Idx("delta", (k,), l))
    # a declared d: products as before
    assert parse("d*C", WITH_D).tree == Bin("*", Sym("d"), C)
    assert parse("d C/d x", WITH_D).tree == Bin("*", Bin("/", Bin("*", Sym("d"), C, "implicit"), Sym("d")), Sym("x"),
                                                "implicit")


@pytest.mark.parametrize("text, table, message, column", [
    ("dC/dx", WITH_D, "This has two readings in this problem, which has a name d: the derivative ∂C/∂x, or a product "
                      "with d. Write (partial C)/(partial x) for the derivative, or d*C for a product.", 0),
    ("y_j*dC/dz_j^l", WITH_D, "This has two readings in this problem, which has a name d: the derivative ∂C/∂z_j^(l), "
                              "or a product with d. Write (partial C)/(partial z_j^(l)) for the derivative, or d*C for "
                              "a product.", 4),
    ("d(3)/dz_j^l", NET, "Only a name of the problem can be differentiated, like dC/dz_j^l: d(...) is not read as a "
                         "derivative.", 0),
    ("dC/dq", NET, "'q' after d is not a name of this problem, so this is not a derivative the grader can read (this "
                   "problem's names: a, z, delta, b, w, y, yhat, W, eta, w_1, x, C).", 4),
    ("dq/dz_j^l", NET, "'q' after d is not a name of this problem, so this is not a derivative the grader can read "
                       "(this problem's names: a, z, delta, b, w, y, yhat, W, eta, w_1, x, C).", 1),
    ("dC/dwj", NET, "'wj' after d is not a name of this problem, so this is not a derivative the grader can read: "
                    "did you mean dw?", 4),
    ("∂C/∂q", NET, "'q' after ∂ is not a name of this problem, so this is not a derivative the grader can read (this "
                   "problem's names: a, z, delta, b, w, y, yhat, W, eta, w_1, x, C).", 4),
    ("d/dz_j^l", NET, "Nothing follows the first d of this derivative: write the name that is differentiated after "
                      "it, like dC/dz_j^l.", 0),
    ("∂/∂z_j^l", NET, "Nothing follows the first ∂ of this derivative: write the name that is differentiated after "
                      "it, like ∂C/∂z_j^l.", 0),
    ("dC/d", NET, "Write what the derivative is taken with respect to after d, like dC/dz_j^l.", 3),
    ("df/dz_j^l", NET, "'f' is a function, not a quantity a derivative is taken of or with respect to: the derivative "
                       "of f is written f'(...).", 1),
    ("dC/df", NET, "'f' is a function, not a quantity a derivative is taken of or with respect to: the derivative "
                   "of f is written f'(...).", 4),
    ("dC/dz_j^l^2", NET, "A power of a derivative needs brackets, like (dC/dz)^2 (second derivatives are not read).",
     9),
    ("dC/dz", NET, "z needs 1 subscript, like z_i^l.", 4),
    ("(partial C)/(partial z_j^l + 1)", NET, "This '(' should close right after the name the derivative is taken "
                                             "with respect to.", 12),
    ("w_1-eta*(partial C)/(partial w_1)", SCALARS, "'C' after partial is not a name of this problem, so this is not "
                                                   "a derivative the grader can read: this problem's name partialC is written "
                                                   "as one word.", 17),
])
def test_messages(text, table, message, column):
    with pytest.raises(AnswerSyntaxError) as info:
        parse(text, table)
    assert (info.value.message, info.value.position) == (message, column)


@pytest.mark.parametrize("text, unicode, ascii, latex", [
    ("dC/dz_j^l", "∂C/∂z_j^(l)", "(partial C)/(partial z_j^(l))", r"\frac{\partial C}{\partial z_{j}^{(l)}}"),
    ("∂C/∂w_(jk)^l", "∂C/∂w_jk^(l)", "(partial C)/(partial w_(jk)^(l))",
     r"\frac{\partial C}{\partial w_{jk}^{(l)}}"),
    ("da_j^l/dz_j^l", "∂a_j^(l)/∂z_j^(l)", "(partial a_j^(l))/(partial z_j^(l))",
     r"\frac{\partial a_{j}^{(l)}}{\partial z_{j}^{(l)}}"),
    ("dC/dz_j^l*a_k^(l-1)", "∂C/∂z_j^(l)·a_k^(l−1)", "(partial C)/(partial z_j^(l))*a_k^(l-1)",
     r"\frac{\partial C}{\partial z_{j}^{(l)}} \cdot a_{k}^{(l-1)}"),
    ("sum_k dC/dz_k^(l+1)*w_(kj)^(l+1)", "∑_k(∂C/∂z_k^(l+1)·w_kj^(l+1))",
     "sum_k((partial C)/(partial z_k^(l+1))*w_(kj)^(l+1))",
     r"\sum_{k} \left(\frac{\partial C}{\partial z_{k}^{(l+1)}} \cdot w_{kj}^{(l+1)}\right)"),
    ("x/dC/dz_j^l", "x/(∂C/∂z_j^(l))", "x/((partial C)/(partial z_j^(l)))",
     r"\frac{x}{\frac{\partial C}{\partial z_{j}^{(l)}}}"),
    ("-dC/dz_j^l", "−(∂C/∂z_j^(l))", "-((partial C)/(partial z_j^(l)))",
     r"-\left(\frac{\partial C}{\partial z_{j}^{(l)}}\right)"),
    ("dC/ddelta_j^l", "∂C/∂δ_j^(l)", "(partial C)/(partial delta_j^(l))", r"\frac{\partial C}{\partial \delta_{j}^{(l)}}"),
])
def test_interpreted_as_the_course_writes_it(text, unicode, ascii, latex):
    parsed = parse(text, NET)
    assert (parsed.unicode, parsed.ascii, parsed.latex) == (unicode, ascii, latex)
    for shown in (ascii, latex, unicode):      # each reads back as the same derivative
        assert _plain(parse(shown, NET).tree) == _plain(parsed.tree), shown


def test_mathml_shows_partial_over_partial():
    assert mathml(parse("dC/dw_(jk)^l", NET).tree) == (
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mfrac><mrow><mo>∂</mo><mi>C</mi></mrow>'
        '<mrow><mo>∂</mo><msubsup><mi>w</mi><mrow><mi>j</mi><mi>k</mi></mrow><mrow><mo>(</mo><mi>l</mi><mo>)</mo>'
        '</mrow></msubsup></mrow></mfrac></math>')


def test_sympy_conversion_keeps_a_derivative_whole():
    expr = parse("dC/dz_j^l*a_k^(l-1)", NET).sympy()
    assert "∂C/∂z_j^(l)" in {str(s) for s in expr.free_symbols}


def _plain(node):
    """The tree without how it was typed."""
    if isinstance(node, Deriv):
        return Deriv(node.of, node.wrt)
    if isinstance(node, Bin):
        return Bin(node.op, _plain(node.left), _plain(node.right))
    if isinstance(node, Neg):
        return Neg(_plain(node.arg))
    if isinstance(node, Sum):
        return Sum(node.index, _plain(node.body), node.kind)
    return plain_tree(node)


# --- properties (in the style of test_properties.py: GRADER_HYPOTHESIS_EXAMPLES for a long run) ---

EXAMPLES = int(os.environ.get("GRADER_HYPOTHESIS_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NODES = [C, Z_J, W_JK, Idx("a", (k,), Index("l", -1)), Idx("z", (k,), Index("l", 1)), Idx("delta", (j,), Index("L")),
         Idx("y", (j,)), Sym("eta"), Sym("x"), Sym("w_1")]
derivs = st.builds(Deriv, st.sampled_from(NODES), st.sampled_from(NODES), st.sampled_from(["d", "partial", "∂"]))


def _contexts(inner):
    leaf = st.one_of(inner, st.sampled_from(NODES), st.sampled_from([parse("2", NET).tree]))
    return st.one_of(
        st.builds(lambda a, b, op: Bin(op, a, b), leaf, leaf, st.sampled_from(["+", "-", "*", "/"])),
        st.builds(Neg, leaf),
        st.builds(lambda a: Bin("^", a, parse("2", NET).tree), leaf),
        st.builds(lambda a: Sum("m", Bin("*", a, Idx("w", (Index("m"), j), l))), leaf))


trees = st.recursive(derivs, _contexts, max_leaves=6)


@SETTINGS
@given(tree=trees)
def test_rendering_reads_back_as_the_same_tree(tree):
    from conftest import associate
    for style in ("ascii", "latex"):
        from grader.answers.render import render
        text = render(tree, style)
        assert associate(_plain(parse(text, NET).tree)) == associate(_plain(tree)), text


PIECES = ["d", "∂", "partial", "dC", "dz", "dz_j^l", "C", "z_j^l", "w_(jk)^l", "/", "(", ")", "*", "^", "2", " ",
          "sum_k", "∂C", "partialC", "partial C", "dq", "d(", "df", "x", "_", "l", "{", "}", r"\frac{", r"\partial",
          "-", "dd", "ddelta_j^l", "delta", "d/"]


@SETTINGS
@given(text=st.lists(st.sampled_from(PIECES), max_size=16).map("".join),
       table=st.sampled_from([NET, WITH_D, SCALARS, PLAIN_C]))
def test_text_with_d_and_partial_is_read_or_refused_in_our_words(text, table):
    try:
        parsed = parse(text, table)
    except AnswerSyntaxError as err:
        assert err.message and 0 <= err.position <= len(text)
        return
    assert parsed.unicode and parsed.latex
    again = parse(parsed.ascii, table)           # the ASCII reading is re-read as the same tree
    assert _plain(again.tree) == _plain(parsed.tree) or again.ascii == parsed.ascii, (text, parsed.ascii)


# --- downstream: checking and feedback never crash on a derivative ----------------------------

def test_checking_a_derivative_outside_a_network_says_why():
    from conftest import expression
    from grader.checking.checker import check
    prob, part = expression("a_k^(l-1)*delta_j^l", NET, pid="deriv-no-network")
    v = check(prob, part, "dC/dz_j^l * a_k^(l-1)")
    assert (v.status, v.rule, v.feedback) == ("invalid", "evaluation", (
        "Derivatives in ∂ notation can be checked only in a problem whose names live in a network; write this "
        "answer without them.",))
    assert (v.interpreted, v.interpreted_ascii) == ("∂C/∂z_j^(l)·a_k^(l−1)", "(partial C)/(partial z_j^(l))*a_k^(l-1)")


def test_repairs_reach_inside_a_derivative():
    from grader.checking.feedback import variants
    tree = parse("dC/dw_(jk)^l*a_k^(l-1)", NET).tree

    def swaps(node):
        return [Idx(node.name, node.subs[::-1], node.sup)] if isinstance(node, Idx) and len(node.subs) == 2 else []
    changed = [new_tree for new_tree, _, _ in variants(tree, swaps)]
    assert changed == [parse("dC/dw_(kj)^l*a_k^(l-1)", NET).tree]


# --- restatements: a part says what it asks for (issue 24, item 4) -----------------------------

BANK = __import__("pathlib").Path(__file__).resolve().parent.parent / "problems"


def _param_gradients(tmp_path, asks: str | None, name: str = "param-gradients"):
    """The bank's param-gradients with the cost C declared and, for dC-dw, what it asks for."""
    from grader.authoring.loader import load_problem
    text = (BANK / "param-gradients.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines()       # the bank's own C and asks, replaced below
                      if "asks:" not in line and not line.startswith("  C: ")) + "\n"
    text = text.replace("symbols:\n", "symbols:\n  C: scalar\n", 1)
    if asks is not None:
        text = text.replace("  - id: dC-dw\n", f"  - id: dC-dw\n    asks: {asks}\n", 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    problem = load_problem(path)
    return path, problem, problem.parts[0]


@pytest.mark.parametrize("answer", ["dC/dw_(jk)^l", "∂C/∂w_(jk)^l", r"\frac{\partial C}{\partial w_{jk}^{(l)}}",
                                    "(partial C)/(partial w_jk^l)", "1*dC/dw_(jk)^l"])
def test_the_asked_for_derivative_is_the_question_itself(tmp_path, answer):
    from grader.checking.checker import check
    _, problem, part = _param_gradients(tmp_path, '"dC/dw_(jk)^l"')
    v = check(problem, part, answer)
    assert (v.status, v.rule, v.feedback) == (
        "invalid", "restatement", ("That is the question itself: write it in terms of a_k^(l−1) and δ_j^(l).",))


def test_without_asks_the_derivative_is_not_a_restatement(tmp_path):
    from grader.checking.checker import check
    _, problem, part = _param_gradients(tmp_path, None)
    # in the problem's network the derivative IS the reference's value: only `asks` tells them apart
    assert check(problem, part, "dC/dw_(jk)^l").status == "correct"
    _, problem, part = _param_gradients(tmp_path, '"dC/dw_(jk)^l"', "asking")
    assert check(problem, part, "dC/dw_(kj)^l").status == "incorrect"      # another quantity: not the question
    assert check(problem, part, "a_k^(l-1)*delta_j^l").status == "correct"


def test_validate_reads_what_a_part_asks_for(tmp_path):
    from grader.authoring.validation import validate
    path, _, part = _param_gradients(tmp_path, '["dC/dw_(jk)^l", "dC/dq", "delta_j^l", "a_k^(l-1)*w_(jk)^l"]')
    line = path.read_text(encoding="utf-8").splitlines().index(
        '    asks: ["dC/dw_(jk)^l", "dC/dq", "delta_j^l", "a_k^(l-1)*w_(jk)^l"]') + 1
    assert part.asks == ("dC/dw_(jk)^l", "dC/dq", "delta_j^l", "a_k^(l-1)*w_(jk)^l")
    found = [(i.line, i.message) for i in validate([path]) if "asks for" in i.message]
    assert found == [
        (line, "part 'dC-dw': what it asks for, 'dC/dq', cannot be read: 'q' after d is not a name of this problem, "
               "so this is not a derivative the grader can read (this problem's names: C, a, w, b, z, delta)."),
        (line, "part 'dC-dw': its reference answer uses 'delta_j^l', which the part says it asks for"),
        (line, "part 'dC-dw': what it asks for, 'a_k^(l-1)*w_(jk)^l', is not one quantity (a name or a derivative)"),
    ]


def test_compare_with_a_derivative_in_the_reference_says_why():
    from grader.checking.checker import compare
    out = compare("x", "dC/dx", PLAIN_C)
    assert (out.status, out.message, out.reference) == (
        "invalid", "The reference cannot be checked: Derivatives in ∂ notation can be checked only in a problem whose "
                   "names live in a network; write this answer without them.", "∂C/∂x")


def test_a_repair_never_puts_a_transpose_inside_a_derivative():
    from grader.answers.tree import Transpose
    from grader.checking.feedback import variants
    tree = parse("dC/dW_(jk)^l", NET).tree

    def transposes(node):
        return [Transpose(node)] if isinstance(node, Idx) else []
    changed = [new_tree for new_tree, _, _ in variants(tree, transposes)]
    assert changed == [tree]        # inside a derivative a transpose changes nothing


def test_asks_belongs_to_expression_and_numeric_parts(tmp_path):
    from grader.authoring.fieldreader import ProblemError
    from grader.authoring.loader import load_problem
    path = tmp_path / "choices.yaml"
    path.write_text("title: t\nstatement: s\nsymbols:\n  x: scalar\nparts:\n  - id: n\n    prompt: p\n"
                    "    kind: choice\n    options: [a, b]\n    answer: A\n    asks: x\n", encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert (info.value.line, info.value.message) == (
        11, "part 'n': only expression and numeric parts say what they ask for ('asks')")
