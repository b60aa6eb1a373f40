"""grader.answers.render: the "interpreted as" display in Unicode, ASCII and LaTeX.

The display must never hide the reading: a power is shown as a power of a bracketed base, a
layer index as `^(l)` on its quantity. The ASCII form is what a student can type back: it
re-parses to the same tree (up to brackets that associativity makes redundant).
"""
from __future__ import annotations

import re

import pytest

from conftest import MATRICES, NETWORK, PLAIN, SCALARS, associate, plain_tree
from grader.model import Symbol, SymbolTable
from grader.answers.render import render
from grader.answers.parser import parse
from grader.answers.tree import Bin, Call, Const, Idx, Index, Neg, Num, Sum, Sym, Transpose

# (answer, table, ascii, unicode, latex)
RENDERINGS = [
    ("e^(-z)/(1+e^(-z))^2", PLAIN, "e^(-z)/(1 + e^(-z))^2", "e^(−z)/(1 + e^(−z))²",
     r"\frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}"),
    ("1/(1+e^(-z))", PLAIN, "1/(1 + e^(-z))", "1/(1 + e^(−z))", r"\frac{1}{1 + e^{-z}}"),
    ("x^-2", PLAIN, "x^(-2)", "x^(−2)", "x^{-2}"),
    ("-x^2", PLAIN, "-x^2", "−x²", "-x^{2}"),
    ("(-x)^2", PLAIN, "(-x)^2", "(−x)²", r"\left(-x\right)^{2}"),
    ("2^3^2", PLAIN, "2^(3^2)", "2^(3²)", "2^{3^{2}}"),
    ("(2^3)^2", PLAIN, "(2^3)^2", "(2³)²", r"\left(2^{3}\right)^{2}"),
    ("x - (y - z)", PLAIN, "x - (y - z)", "x − (y − z)", r"x - \left(y - z\right)"),
    ("x/(y*z)", PLAIN, "x/(y*z)", "x/(y·z)", r"\frac{x}{y \cdot z}"),
    ("0.5^x", PLAIN, "(0.5)^x", "(0.5)^x", r"\left(0.5\right)^{x}"),
    ("sqrt(x)", PLAIN, "sqrt(x)", "sqrt(x)", r"\sqrt{x}"),
    ("abs(x-y)", PLAIN, "abs(x - y)", "abs(x − y)", r"\left|x - y\right|"),
    ("max(x,y)", PLAIN, "max(x, y)", "max(x, y)", r"\max\left(x, y\right)"),
    ("-(x*y)", PLAIN, "-(x*y)", "−(x·y)", r"-\left(x \cdot y\right)"),
    ("x*(-y)", PLAIN, "x*(-y)", "x·(−y)", r"x \cdot \left(-y\right)"),
    ("1/2*(a-y)^2", PLAIN, "1/2*(a - y)^2", "1/2·(a − y)²", r"\frac{1}{2} \cdot \left(a - y\right)^{2}"),
    ("pi*x", PLAIN, "pi*x", "π·x", r"\pi \cdot x"),
    ("sigma(z)*(1-sigma(z))", SCALARS, "sigmoid(z)*(1 - sigmoid(z))", "σ(z)·(1 − σ(z))",
     r"\sigma\left(z\right) \cdot \left(1 - \sigma\left(z\right)\right)"),
    ("sigma'(z)", SCALARS, "sigmoid'(z)", "σ′(z)", r"\sigma'\left(z\right)"),
    ("relu'(x)", SCALARS, "relu'(x)", "ReLU′(x)", r"\operatorname{ReLU}'\left(x\right)"),
    ("f''(x)", SCALARS, "f''(x)", "f′′(x)", r"f''\left(x\right)"),
    ("g_L'(z)", SCALARS, "g_L'(z)", "g_L′(z)", r"g_{L}'\left(z\right)"),
    ("eta*lambda*alpha", SCALARS, "eta*lambda*alpha", "η·λ·α", r"\eta \cdot \lambda \cdot \alpha"),
    ("partialC/partialw_1", SCALARS, "partialC/partialw_1", "partialC/partialw_1",
     r"\frac{\mathrm{partialC}}{\mathrm{partialw}_{1}}"),
    ("log(x)+ln(y)+exp(z)", SCALARS, "log(x) + log(y) + exp(z)", "log(x) + log(y) + exp(z)",
     r"\log\left(x\right) + \log\left(y\right) + \exp\left(z\right)"),
    ("tanh(z)^2", SCALARS, "tanh(z)^2", "tanh(z)²", r"\tanh\left(z\right)^{2}"),
    ("delta_j^l", NETWORK, "delta_j^(l)", "δ_j^(l)", r"\delta_{j}^{(l)}"),
    ("w_(jk)^l", NETWORK, "w_(jk)^(l)", "w_jk^(l)", r"w_{jk}^{(l)}"),
    ("a_k^(l-1)*delta_j^l", NETWORK, "a_k^(l-1)*delta_j^(l)", "a_k^(l−1)·δ_j^(l)",
     r"a_{k}^{(l-1)} \cdot \delta_{j}^{(l)}"),
    ("a_k^(l-1)**delta_j^l", NETWORK, "(a_k^(l-1))^(delta_j^(l))", "(a_k^(l−1))^(δ_j^(l))",
     r"\left(a_{k}^{(l-1)}\right)^{\delta_{j}^{(l)}}"),
    ("sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK, "sum_k(w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^(l)))",
     "∑_k(w_kj^(l+1)·δ_k^(l+1)·f′(z_j^(l)))",
     r"\sum_{k} \left(w_{kj}^{(l+1)} \cdot \delta_{k}^{(l+1)} \cdot f'\left(z_{j}^{(l)}\right)\right)"),
    ("(a_j^L)^2", NETWORK, "(a_j^(L))^2", "(a_j^(L))²", r"\left(a_{j}^{(L)}\right)^{2}"),
    ("(a_j^L - y_j)*f'(z_j^L)", NETWORK, "(a_j^(L) - y_j)*f'(z_j^(L))", "(a_j^(L) − y_j)·f′(z_j^(L))",
     r"\left(a_{j}^{(L)} - y_{j}\right) \cdot f'\left(z_{j}^{(L)}\right)"),
    ("a_j^l - sum_k a_k^l", NETWORK, "a_j^(l) - (sum_k(a_k^(l)))", "a_j^(l) − (∑_k(a_k^(l)))",
     r"a_{j}^{(l)} - \left(\sum_{k} \left(a_{k}^{(l)}\right)\right)"),
    ("(sum_k a_k^l)^2", NETWORK, "(sum_k(a_k^(l)))^2", "(∑_k(a_k^(l)))²",
     r"\left(\sum_{k} \left(a_{k}^{(l)}\right)\right)^{2}"),
    ("prod_i(a_i^l)", NETWORK, "prod_i(a_i^(l))", "∏_i(a_i^(l))", r"\prod_{i} \left(a_{i}^{(l)}\right)"),
    ("yhat_i^2", NETWORK, "(yhat_i)^2", "(yhat_i)²", r"\left(\mathrm{yhat}_{i}\right)^{2}"),
    ("a_(j+1)^(L-1)", NETWORK, "a_(j+1)^(L-1)", "a_(j+1)^(L−1)", r"a_{j+1}^{(L-1)}"),
    ("w_12^l", NETWORK, "w_(1,2)^(l)", "w_(1,2)^(l)", r"w_{1,2}^{(l)}"),
    ("(W^(l+1))^T delta^(l+1) ⊙ f'(z^l)", MATRICES, "((W^(l+1))^T*delta^(l+1)) .* f'(z^(l))",
     "((W^(l+1))ᵀ·δ^(l+1)) ⊙ f′(z^(l))",
     r"\left(\left(W^{(l+1)}\right)^{\top} \cdot \delta^{(l+1)}\right) \odot f'\left(z^{(l)}\right)"),
    ("u^T v", MATRICES, "u^T*v", "uᵀ·v", r"u^{\top} \cdot v"),
    ("delta^l*(a^(l-1))^T", MATRICES, "delta^(l)*(a^(l-1))^T", "δ^(l)·(a^(l−1))ᵀ",
     r"\delta^{(l)} \cdot \left(a^{(l-1)}\right)^{\top}"),
    ("u .* (M*v)", MATRICES, "u .* (M*v)", "u ⊙ (M·v)", r"u \odot \left(M \cdot v\right)"),
]


@pytest.mark.parametrize("text, table, ascii, uni, latex", RENDERINGS, ids=[r[0] for r in RENDERINGS])
def test_renderings(text, table, ascii, uni, latex):
    parsed = parse(text, table)
    assert parsed.ascii == ascii
    assert parsed.unicode == uni
    assert parsed.latex == latex
    assert render(parsed.tree) == uni          # unicode is the default style


# --- a power is shown as a power, an index as an index ---------------------------------------

def test_layer_index_shown_as_an_index():
    parsed = parse("delta_j^l", NETWORK)
    assert parsed.unicode == "δ_j^(l)"
    assert parsed.latex == r"\delta_{j}^{(l)}"


def test_power_typed_with_double_star_is_shown_as_a_power():
    parsed = parse("a_k^(l-1)**delta_j^l", NETWORK)
    assert parsed.unicode == "(a_k^(l−1))^(δ_j^(l))"


# where delta_j is a plain name, delta_j^l is a power: the display must not look like the index
DELTA_J_SCALAR = SymbolTable((Symbol("delta_j"), Symbol("l"), Symbol("x")))


def test_power_of_a_subscripted_name_is_shown_with_a_bracketed_base():
    parsed = parse("delta_j^l", DELTA_J_SCALAR)
    assert parsed.tree == Bin("^", Sym("delta_j"), Sym("l"))
    assert parsed.unicode == "(δ_j)^l"


def test_latex_of_a_power_of_a_subscripted_name_is_not_typeset_like_an_index():
    parsed = parse("delta_j^l", DELTA_J_SCALAR)
    assert parsed.latex.startswith(r"\left(\delta_{j}\right)^{")


def test_power_and_index_displays_differ():
    index = parse("delta_j^l", NETWORK)
    power = parse("delta_j^l", DELTA_J_SCALAR)
    assert index.unicode != power.unicode
    assert index.latex != power.latex


def test_square_of_indexed_value_is_a_power_of_a_bracket():
    assert parse("a_j^L^2", NETWORK).unicode == "(a_j^(L))²"
    assert parse("a_j^2", NETWORK).unicode == "a_j^(2)"        # layer 2, shown as an index


def test_unicode_superscript_digits_only_for_integer_exponents():
    assert parse("x^2", PLAIN).unicode == "x²"
    assert parse("x^23", PLAIN).unicode == "x²³"
    assert parse("x^y", PLAIN).unicode == "x^y"
    assert parse("x^0.5", PLAIN).unicode == "x^0.5"
    assert parse("x^(y+1)", PLAIN).unicode == "x^(y + 1)"


def test_render_of_hand_built_trees():
    assert render(Idx("w", (Index("k"), Index("j")), Index("l", 1)), "ascii") == "w_(kj)^(l+1)"
    assert render(Idx("w", (Index("k"), Index("j", -1)), Index("l")), "ascii") == "w_(k,j-1)^(l)"
    assert render(Idx("w", (Index("k"), Index("j", -1)), Index("l")), "unicode") == "w_(k,j−1)^(l)"
    assert render(Sum("k", Idx("a", (Index("k"),), Index("l"))), "latex") == r"\sum_{k} \left(a_{k}^{(l)}\right)"
    assert render(Call("f", (Sym("x"),), 2), "unicode") == "f′′(x)"
    assert render(Neg(Neg(Sym("x"))), "ascii") == "-(-x)"
    assert render(Const("e"), "latex") == "e"
    assert render(Transpose(Sym("W", Index("l"))), "ascii") == "(W^(l))^T"
    assert render(Num(2, "2"), "ascii") == "2"


# --- LaTeX is valid LaTeX -------------------------------------------------------------------

def _double_script(latex: str) -> bool:
    """Whether a ^{...} or ^x group is directly followed by another ^ (a LaTeX 'Double superscript')."""
    i = 0
    while i < len(latex):
        if latex[i] == "^":
            j = i + 1
            if j < len(latex) and latex[j] == "{":
                depth = 0
                while j < len(latex):
                    depth += latex[j] == "{"
                    depth -= latex[j] == "}"
                    j += 1
                    if depth == 0:
                        break
            else:
                j += 1
            if j < len(latex) and latex[j] == "^":
                return True
        i += 1
    return False


def _balanced(latex: str) -> bool:
    depth = 0
    for c in latex.replace(r"\{", "").replace(r"\}", ""):
        depth += c == "{"
        depth -= c == "}"
        if depth < 0:
            return False
    return depth == 0 and latex.count(r"\left") == latex.count(r"\right")


@pytest.mark.parametrize("text, table", [(r[0], r[1]) for r in RENDERINGS])
def test_latex_is_balanced_and_has_no_double_superscripts(text, table):
    latex = parse(text, table).latex
    assert _balanced(latex)
    assert not _double_script(latex)


@pytest.mark.parametrize("text", ["M^T^T", "(M^T)^T"])
def test_latex_of_a_double_transpose_is_valid(text):
    latex = parse(text, MATRICES).latex
    assert not _double_script(latex), latex


def test_double_script_detector():
    assert _double_script(r"M^{\top}^{\top}")
    assert not _double_script(r"\left(M^{\top}\right)^{\top}")
    assert not _double_script("2^{3^{2}}")


# --- ASCII re-parses to the same tree -------------------------------------------------------

ROUND_TRIP = [(r[0], r[1]) for r in RENDERINGS] + [
    ("x + (y - z)", PLAIN), ("x*(y/z)", PLAIN), ("x*(y*z)", PLAIN), ("(x+y)+z", PLAIN), ("x^y^z", PLAIN),
    ("2 z", PLAIN), ("x**y", PLAIN), ("e^-z+1", PLAIN), ("-2*x", PLAIN), ("x^-x^-y", PLAIN),
    ("-sum_k a_k^l*x", NETWORK), ("sum_k(a_k^l)*x + x", NETWORK), ("x*sum_k a_k^l*x", NETWORK),
    ("(x*sum_k a_k^l)^2", NETWORK), ("sum_k sum_i w_(ki)^l", NETWORK), ("x^sum_k a_k^l", NETWORK),
    ("M^T^T", MATRICES), ("(u^T)^2", MATRICES), ("u .* v .* u", MATRICES), ("M*(u .* v)", MATRICES),
    ("f'(z^l) ⊙ ((W^(l+1))^T delta^(l+1))", MATRICES), ("c*(u .* v)", MATRICES), ("(c*u) .* v", MATRICES),
    ("0.5^T", PLAIN), ("c^u^T", MATRICES), ("2.5E+2*x", PLAIN), (".5x", PLAIN),
]


@pytest.mark.parametrize("text, table", ROUND_TRIP, ids=[r[0] for r in ROUND_TRIP])
def test_ascii_reparses_to_an_equal_tree(text, table):
    parsed = parse(text, table)
    again = parse(parsed.ascii, table)
    assert associate(plain_tree(again.tree)) == associate(plain_tree(parsed.tree))
    assert again.ascii == parsed.ascii                   # and renders the same


def test_mixed_matrix_and_elementwise_products_keep_their_brackets():
    for text in ["u .* (M*v)", "M*(u .* v)", "f'(z^l) ⊙ ((W^(l+1))^T delta^(l+1))"]:
        parsed = parse(text, MATRICES)
        assert plain_tree(parse(parsed.ascii, MATRICES).tree) == plain_tree(parsed.tree)


# --- SymPy ----------------------------------------------------------------------------------

def test_sympy_keeps_powers_and_indices_apart():
    import sympy as sp
    index = parse("delta_j^l", NETWORK).sympy()
    power = parse("a_k^(l-1)**delta_j^l", NETWORK).sympy()
    assert isinstance(index, sp.Indexed)
    assert isinstance(power, sp.Pow)
    assert isinstance(power.base, sp.Indexed) and isinstance(power.exp, sp.Indexed)


def test_sympy_of_numbers_is_exact_where_typed_exactly():
    import sympy as sp
    assert parse("1/2", PLAIN).sympy().doit() == sp.Rational(1, 2)
    assert isinstance(parse("0.5", PLAIN).sympy(), sp.Float)


def test_sympy_of_functions():
    import sympy as sp
    zs = sp.Symbol("z", real=True)
    assert parse("tanh(z)", PLAIN).sympy() == sp.tanh(zs)
    expr = parse("f'(z)", SCALARS).sympy()
    assert isinstance(expr, sp.core.function.AppliedUndef)
    assert expr.func.__name__ == "f'"
