"""Reading what students really type (issue 13): LaTeX, the course's notation, every elementary
function, and messages that lead to the fix.

Each construct is pinned three ways where it has three spellings (plain, LaTeX, Unicode): all
must give the same tree, shown through its ASCII rendering.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from conftest import MATRICES, NETWORK, PLAIN, SCALARS, associate, plain_tree, ascii_of, error_of
from grader.answers import functions
from grader.checking.checker import check
from grader.answers.latex import looks_like_latex
from grader.model import CORRECT, FUNCTION, INDEXED, SCALAR, Symbol, SymbolTable
from grader.authoring.loader import default_bank_dir, load_bank
from grader.answers.render import render
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import Bin, Call, Num, Sym

x, y, z = Sym("x"), Sym("y"), Sym("z")


# --- one construct, three spellings ------------------------------------------------------------

# (plain, LaTeX, Unicode or None, table, the reading in ASCII)
SPELLINGS = [
    ("e^(-z)/(1+e^(-z))^2", r"\frac{e^{-z}}{(1+e^{-z})^2}", "e^(−z)/(1+e^(−z))²", PLAIN, "e^(-z)/(1 + e^(-z))^2"),
    ("(x)/(y)", r"\dfrac{x}{y}", "x∕y", PLAIN, "x/y"),
    ("x/y", r"\tfrac xy", "x÷y", PLAIN, "x/y"),
    ("sqrt(x)", r"\sqrt{x}", None, PLAIN, "sqrt(x)"),
    ("root(x, 3)", r"\sqrt[3]{x}", None, PLAIN, "root(x, 3)"),
    ("x*(y+z)", r"x\left(y+z\right)", "x·(y+z)", PLAIN, "x*(y + z)"),
    ("x*y", r"x \cdot y", "x⋅y", PLAIN, "x*y"),
    ("x*y", r"x \times y", "x×y", PLAIN, "x*y"),
    ("u .* v", r"u \odot v", "u⊙v", MATRICES, "u .* v"),
    ("u .* v", r"u \circ v", "u∘v", MATRICES, "u .* v"),
    ("M^T", r"M^{T}", "Mᵀ", MATRICES, "M^T"),
    ("M^T", r"M^{\top}", "Mᵀ", MATRICES, "M^T"),
    ("M^T", r"M^\intercal", "Mᵀ", MATRICES, "M^T"),
    ("M^{T}", r"M^T", "Mᵀ", MATRICES, "M^T"),
    ("delta_j^l", r"\delta_j^{l}", "δ_j^l", NETWORK, "delta_j^(l)"),
    ("delta_j^(l)", r"\delta_j^{(l)}", "δ_j^(l)", NETWORK, "delta_j^(l)"),
    ("delta_j^{(l)}", r"\delta_{j}^{(l)}", None, NETWORK, "delta_j^(l)"),
    ("w_(kj)^(l+1)", r"w_{kj}^{(l+1)}", None, NETWORK, "w_(kj)^(l+1)"),
    ("delta^l_j", r"\delta^{(l)}_{j}", "δ^l_j", NETWORK, "delta_j^(l)"),
    ("w^(l+1)_(kj)", r"w^{l+1}_{kj}", None, NETWORK, "w_(kj)^(l+1)"),
    ("eta*x", r"\eta x", "η·x", SCALARS, "eta*x"),
    ("epsilon", r"\varepsilon", "ϵ", SymbolTable((Symbol("epsilon"),)), "epsilon"),
    ("phi", r"\varphi", "ϕ", SymbolTable((Symbol("phi"),)), "phi"),
    ("sigma(z)", r"\sigma(z)", "σ(z)", SCALARS, "sigmoid(z)"),
    ("sigma'(z)", r"\sigma^{\prime}(z)", "σ′(z)", SCALARS, "sigmoid'(z)"),
    ("exp(z)", r"\exp(z)", None, SCALARS, "exp(z)"),
    ("exp(-z)", r"\exp{-z}", None, SCALARS, "exp(-z)"),
    ("g_L'(z_j^L)", r"g'_L(z_j^{(L)})", "g′_L(z_j^L)", NETWORK, "g_L'(z_j^(L))"),
    ("g_L''(z_j^L)", r"g''_{L}(z_j^{(L)})", None, NETWORK, "g_L''(z_j^(L))"),
    ("f'(z_j^l)", r"\frac{\partial f(z_j^{(l)})}{\partial z_j^{(l)}}", None, NETWORK, "f'(z_j^(l))"),
    ("(W^(l))^T", r"W^{(l)T}", None, MATRICES, "(W^(l))^T"),
    ("(W^(l))^T", r"W^{(l)\top}", None, MATRICES, "(W^(l))^T"),
    ("w_(jk)^(l+1)", r"w_{kj}^{(l+1)T}", None, NETWORK, "w_(jk)^(l+1)"),
    ("log(z)", r"\log z", None, SCALARS, "log(z)"),
    ("ln(z)", r"\ln\left(z\right)", None, SCALARS, "log(z)"),
    ("tanh(z)", r"\tanh z", None, SCALARS, "tanh(z)"),
    ("relu(z)", r"\operatorname{ReLU}(z)", None, SCALARS, "relu(z)"),
    ("ReLU(z)", r"\mathrm{ReLU}(z)", None, SCALARS, "relu(z)"),
    ("ReLU(z)", r"\text{ReLU}(z)", None, SCALARS, "relu(z)"),
    ("sum_k a_k^l", r"\sum_{k} a_k^{l}", "∑_k a_k^l", NETWORK, "sum_k(a_k^(l))"),
    ("sum_k a_k^l", r"\sum_{k=1}^{n} a_k^{l}", None, NETWORK, "sum_k(a_k^(l))"),
    ("sum_k a_k^l", r"\sum_{k=1}^{n_{l+1}} a_k^{(l)}", None, NETWORK, "sum_k(a_k^(l))"),
    ("x*y", r"x\,y", None, PLAIN, "x*y"),
    ("x*y", r"x\;y", None, PLAIN, "x*y"),
    ("x*y", r"x\!y", None, PLAIN, "x*y"),
    ("x*y", r"x\quad y", None, PLAIN, "x*y"),
    ("x+y", r"$x+y$", None, PLAIN, "x + y"),
    ("x+y", r"$$x+y$$", None, PLAIN, "x + y"),
    ("x+y", r"\(x+y\)", None, PLAIN, "x + y"),
    ("x+y", r"\[x+y\]", None, PLAIN, "x + y"),
    ("abs(x)", r"\left|x\right|", "|x|", PLAIN, "abs(x)"),
    ("|x|*|y|", r"\lvert x\rvert \lvert y \rvert", None, PLAIN, "abs(x)*abs(y)"),
    ("floor(x)", r"\left\lfloor x \right\rfloor", "⌊x⌋", PLAIN, "floor(x)"),
    ("ceil(x)", r"\lceil x \rceil", None, PLAIN, "ceil(x)"),
    ("factorial(3)", r"3!", None, PLAIN, "factorial(3)"),
    ("(tanh(z))^2", r"\tanh^2(z)", "tanh²(z)", SCALARS, "tanh(z)^2"),
    ("(tanh(z))^2", r"\tanh^{2} z", "tanh^2(z)", SCALARS, "tanh(z)^2"),
    ("sin(x)^3", r"\sin^3 x", "sin³(x)", PLAIN, "sin(x)^3"),
    ("f(z)^2", r"f^{2}(z)", "f²(z)", SCALARS, "f(z)^2"),
    ("log10(x)", r"\log_{10} x", "log_10(x)", PLAIN, "log10(x)"),
    ("log2(x)", r"\log_2(x)", "log_(2)(x)", PLAIN, "log2(x)"),
    ("log(x, b)", r"\log_{b}(x)", "log_b(x)", PLAIN, "log(x, b)"),
    ("yhat - y", r"\hat{y} - y", None, SymbolTable((Symbol("yhat"), Symbol("y"))), "yhat - y"),
    ("xbar", r"\bar{x}", None, SymbolTable((Symbol("xbar"),)), "xbar"),
    ("e^(-z)", r"e^{-z}", "e^(−z)", PLAIN, "e^(-z)"),
    ("abs(abs(x))", r"\left|\left|x\right|\right|", None, PLAIN, "abs(abs(x))"),
    ("a*(1-a)", r"a\left(1 - a\right)", None, PLAIN, "a*(1 - a)"),
]


@pytest.mark.parametrize("plain, tex, uni, table, reading", SPELLINGS, ids=[s[1] for s in SPELLINGS])
def test_plain_latex_and_unicode_spellings_read_alike(plain, tex, uni, table, reading):
    assert ascii_of(tex, table) == reading
    if plain is not None:
        assert ascii_of(plain, table) == reading
    if uni is not None:
        assert ascii_of(uni, table) == reading


# --- partial derivatives and joined names, as problems declare them -----------------------------

SGD = SymbolTable((Symbol("w_1"), Symbol("eta"), Symbol("partialC"), Symbol("partialw_1"),
                   Symbol("DeltaW", INDEXED, subscripts=2, superscript=True)),
                  (("i", "unit"), ("j", "unit"), ("l", "layer")))


def test_partial_fraction_reads_as_the_declared_names():
    assert ascii_of(r"\frac{\partial C}{\partial w_1}", SGD) == "partialC/partialw_1"
    assert ascii_of(r"w_1 - \eta\frac{\partial C}{\partial w_1}", SGD) == "w_1 - eta*partialC/partialw_1"


def test_a_greek_command_joins_the_next_name_only_when_the_problem_declares_the_joined_name():
    assert ascii_of(r"\Delta W_{ji}^{(l)}", SGD) == "DeltaW_(ji)^(l)"
    assert ascii_of(r"\eta w_1", SGD) == "eta*w_1"          # etaw_1 is not declared: two names


def test_typed_plain_a_space_never_joins_names():
    assert error_of("Delta W_(ji)^(l)", SGD).message.startswith("Unknown name 'Delta'")


def test_n_l_reads_as_the_declared_index_nl():
    table = SymbolTable(MATRICES.symbols, (("l", "layer"), ("nl", "last")))
    assert ascii_of(r"a^{(n_l)}", table) == "a^(nl)"
    assert ascii_of("a^(n_l)", table) == "a^(nl)"
    assert ascii_of("a^(n_{l})", table) == "a^(nl)"


# --- the course's notation variants ------------------------------------------------------------

@pytest.mark.parametrize("text, table, reading", [
    ("a_i^(l)(1-a_i^(l))", NETWORK, "a_i^(l)*(1 - a_i^(l))"),
    ("x(1-x)", PLAIN, "x*(1 - x)"),
    ("(1-x)(1+x)", PLAIN, "(1 - x)*(1 + x)"),
    ("w_2 delta_2", SymbolTable((Symbol("w_2"), Symbol("delta_2"))), "w_2*delta_2"),
    ("1 - tanh^2(z)", SCALARS, "1 - tanh(z)^2"),
    ("1 - tanh²(z)", SCALARS, "1 - tanh(z)^2"),
    ("sech(z)^2", SCALARS, "sech(z)^2"),
    ("max(x, y, z)", PLAIN, "max(x, y, z)"),
    ("min(x, y, z, 0)", PLAIN, "min(x, y, z, 0)"),
])
def test_course_notation(text, table, reading):
    assert ascii_of(text, table) == reading


def test_function_power_is_shown_as_a_power_of_the_call():
    parsed = parse("tanh^2(z)", SCALARS)
    assert parsed.tree == Bin("^", Call("tanh", (z,)), Num(2, "2"))
    assert parsed.unicode == "tanh(z)²"


def test_implicit_product_after_a_name_is_shown_as_a_product():
    assert parse("x(1-x)", PLAIN).unicode == "x·(1 − x)"


# --- every elementary function ------------------------------------------------------------------

ELEMENTARY = ["sin", "cos", "tan", "sec", "csc", "cot", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
              "asec", "arcsec", "acsc", "arccsc", "acot", "arccot", "sinh", "cosh", "tanh", "sech", "csch", "coth",
              "asinh", "arcsinh", "arsinh", "acosh", "arccosh", "arcosh", "atanh", "arctanh", "artanh", "asech",
              "acsch", "acoth", "exp", "log", "ln", "log10", "log2", "sqrt", "abs", "sign", "sgn", "floor", "ceil",
              "factorial", "sigma", "sigmoid", "logistic", "relu", "ReLU", "softplus"]


@pytest.mark.parametrize("name", ELEMENTARY)
def test_every_elementary_function_is_known(name):
    fn = functions.lookup(name)
    assert fn is not None
    assert parse(f"{name}(x)", PLAIN).tree == Call(fn.name, (x,))


DIFFERENTIABLE = [n for n in ELEMENTARY if n not in ("sign", "sgn", "floor", "ceil", "factorial")]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_each_differentiable_function_has_a_first_derivative(name):
    assert parse(f"{name}'(x)", PLAIN).tree == Call(functions.lookup(name).name, (x,), 1)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "factorial"])
def test_functions_without_a_derivative_say_so(name):
    assert error_of(f"{name}'(x)").message == f"The derivative {name}' is not available here."


@pytest.mark.parametrize("answer, reference", [
    ("sech(z)^2", "1 - tanh(z)^2"), ("tanh'(z)", "sech(z)^2"), ("coth(z)", "cosh(z)/sinh(z)"),
    ("sec(z)", "1/cos(z)"), ("csc(z)", "1/sin(z)"), ("cot(z)", "cos(z)/sin(z)"),
    ("asin'(z)", "1/sqrt(1-z^2)"), ("arctan'(z)", "1/(1+z^2)"), ("asinh(z)", "log(z + sqrt(z^2+1))"),
    ("log10(z)", "log(z)/log(10)"), ("log_2(z)", "log(z)/log(2)"), ("log_b(z)", "log(z)/log(b)"),
    ("root(z, 2)", "sqrt(z)"), ("|z|", "sqrt(z^2)"), ("softplus'(z)", "sigma(z)"), ("logistic(z)", "sigma(z)"),
    ("max(a, b, z)", "max(max(a, b), z)"), ("abs'(z)", "sign(z)"), ("sqrt'(z)", "1/(2*sqrt(z))"),
])
def test_new_functions_grade_against_their_definitions(answer, reference):
    from grader.checking.checker import compare
    assert compare(answer, reference).status == "equivalent"


def test_factorial_of_small_integers():
    from grader.checking.checker import compare
    assert compare("factorial(5)", "120").status == "equivalent"
    assert compare("4!", "24").status == "equivalent"
    assert compare("3!", "7").status == "different"


def test_odd_root_of_a_negative_number_is_real():
    from grader.checking.checker import compare
    assert compare("root(-8, 3)", "-2").status == "equivalent"


# --- messages that lead to the fix ---------------------------------------------------------------

MESSAGES = [
    # decimal comma
    ("0,288", PLAIN, "Use a decimal point: 0.288.", 2),
    ("x + 0,5", PLAIN, "Use a decimal point: 0.5.", 6),
    ("sigma(0,5)", SCALARS, "sigma(...) takes 1 argument, not 2 (for a decimal number use a decimal point: 0.5).",
     6),
    # unknown Unicode letters
    ("ŷ - y", PLAIN, "The character 'ŷ' at column 1 is not part of the answer syntax: type yhat.", 1),
    ("x̄", PLAIN, "The character 'x̄' at column 1 is not part of the answer syntax: type xbar.", 1),
    ("2*ŷ_1", SymbolTable((Symbol("yhat_1"),)),
     "The character 'ŷ' at column 3 is not part of the answer syntax: type yhat (this problem's name: yhat_1).", 3),
    # never closed
    ("a_j^(l+1 * x", NETWORK, "This '(' is never closed.", 5),
    ("w_(kj^l", NETWORK, "This '(' is never closed.", 3),
    ("|x + 1", PLAIN, "This '|' is never closed.", 1),
    # names are never split
    ("w_2delta_2", SymbolTable((Symbol("w_2"), Symbol("delta_2"))),
     "'w_2' runs into 'delta_2': names are never split, so write w_2*delta_2 for a product.", 4),
    # complex numbers and infinity
    ("1j", PLAIN, "'j' is not a name in this problem; complex numbers (like 1j or i) are outside what the grader "
                  "checks.", 2),
    ("2*i", PLAIN, "'i' is not a name in this problem; complex numbers (like 1j or i) are outside what the grader "
                   "checks.", 3),
    ("oo", PLAIN, "Infinity is not a value an answer can have here: write a finite expression.", 1),
    ("∞", PLAIN, "Infinity is not a value an answer can have here: write a finite expression.", 1),
    (r"\infty", PLAIN, "Infinity is not a value an answer can have here: write a finite expression.", 1),
    # did-you-mean from the problem's table
    ("sigmoidd(z)", SCALARS, "Unknown function 'sigmoidd': did you mean sigmoid or sigma?", 1),
    ("etta*x", SCALARS, "Unknown name 'etta': did you mean eta?", 1),
    ("h(z)", NETWORK, "Unknown function 'h' (this problem's functions: f, g, g_L; the built-in functions are "
                      "listed by `grader syntax`).", 1),
    # function powers that are not powers
    ("tanh^(-1)(z)", SCALARS, "tanh^(-1) would be an inverse function: write 1/tanh(...) for a reciprocal, or the "
                              "inverse by its name (like atanh).", 7),
    ("tanh^2", SCALARS, "'tanh' is a function: write tanh^2(...) with its argument in brackets.", 7),
    ("log_b'(x)", PLAIN, "The derivative of a logarithm with a base is written 1/(x*log(b)).", 1),
    # LaTeX commands the grader does not read, named, with the plain way
    (r"\foo{x}", PLAIN, "The LaTeX command '\\foo' is not one the grader reads: write this part in plain answer "
                        "syntax (see `grader syntax`).", 1),
    (r"\fraq{1}{2}", PLAIN, "The LaTeX command '\\fraq' is not one the grader reads: did you mean \\frac?", 1),
    (r"\alpah", PLAIN, "The LaTeX command '\\alpah' is not one the grader reads: did you mean \\alpha?", 1),
    (r"x + \int y", PLAIN, "'\\int' is not part of the answer syntax: integrals are not part of answers.", 5),
    (r"x \approx y", PLAIN, "'\\approx' is not part of the answer syntax: write only the expression, not an "
                            "approximation.", 3),
    (r"x \pm y", PLAIN, "'\\pm' is not part of the answer syntax: ± gives two answers: write one.", 3),
    # unbalanced LaTeX
    (r"\frac{x}{y", PLAIN, "This '{' is never closed.", 9),
    (r"\frac{x}{y}}", PLAIN, "This '}' has no matching '{'.", 12),
    (r"\frac{x}", PLAIN, "\\frac needs a denominator: it is missing here.", 1),
    (r"\sqrt[3{x}", PLAIN, "This '[' is never closed.", 6),
    ("x\\", PLAIN, "A '\\' at the end of the answer starts no command.", 2),
    (r"\sum_{k=2} x", PLAIN, "A sum here runs over all the units of a layer: write \\sum_{k}.", 6),
]


@pytest.mark.parametrize("text, table, message, column", MESSAGES, ids=[m[0] for m in MESSAGES])
def test_message_and_column(text, table, message, column):
    err = error_of(text, table)
    assert (err.message, err.column) == (message, column)


# --- the course's formulas, as the course pages print them ---------------------------------------

COURSE = [
    ("activations", "tanh-derivative", r"$1 - \tanh^2(z)$"),
    ("activations", "tanh-derivative", r"1 - \tanh^{2} z"),
    ("activations", "tanh-derivative", r"\operatorname{sech}^2(z)"),
    ("activations", "logistic-derivative", r"g(z)\left(1 - g(z)\right)"),
    ("deep-chain", "delta-recurrence", r"(1 - f_1^2) \cdot w_2 \cdot \delta_2"),
    ("deep-chain", "unrolled-gradient-L3", r"x (1 - f_1^2) (1 - f_2^2) (1 - f_3^2) w_2 w_3 (2(f_3 - y))"),
    ("deep-chain", "unrolled-gradient-L3",
     r"x \cdot (1 - f_1^2) \cdot w_2 \cdot (1 - f_2^2) \cdot w_3 \cdot (1 - f_3^2) \cdot 2(f_3 - y)"),
    ("hidden-error", "delta-l", r"\sum_{k=1}^{n_{l+1}} w_{kj}^{(l+1)} \delta_k^{(l+1)} f'(z_j^{(l)})"),
    ("hidden-error", "delta-l", r"\sum_k w_{kj}^{l+1} \delta_k^{l+1} f'(z_j^l)"),
    ("layer-notation", "delta-hidden",
     r"\sum_{k=1}^{n_{\ell+1}} W_{jk}^{(\ell+1)} \delta_k^{(\ell+1)} g_\ell'(z_j^{(\ell)})"),
    ("layer-notation", "dC-dW", r"a_i^{(l-1)} \cdot \delta_j^{(l)}"),
    ("layer-notation", "dC-db", r"\delta_j^{(l)}"),
    ("matrix-form", "delta-output", r"-(y - a^{(n_l)}) \bullet f'(z^{(n_l)})"),
    ("matrix-form", "delta-hidden", r"((W^{(l)})^T \times \delta^{(l+1)}) \bullet f'(z^{(l)})"),
    ("matrix-form", "delta-hidden",
     r"\left(\left(W^{(l)}\right)^{\top} \delta^{(l+1)}\right) \odot f'\left(z^{(l)}\right)"),
    ("matrix-form", "grad-W", r"\delta^{(l+1)} \left(a^{(l)}\right)^T"),
    ("matrix-form", "grad-b", r"\delta^{(l+1)}"),
    ("output-error", "delta-L", r"\left(a_j^{(L)} - y_j\right) f'(z_j^{(L)})"),
    ("param-gradients", "dC-dw", r"a_k^{(l-1)} \delta_j^{(l)}"),
    ("param-gradients", "dC-db", r"\delta_j^{(l)}"),
    ("relu", "derivative-positive", r"$1$"),
    ("relu", "derivative-negative", r"$0$"),
    ("sgd", "update-w1", r"w_1 - \eta \frac{\partial C}{\partial w_1}"),
    ("sgd", "update-w1", r"w_1 - \eta \cdot \frac{\partial C}{\partial w_1}"),
    ("sigmoid", "derivative", r"\frac{e^{-z}}{(1+e^{-z})^2}"),
    ("sigmoid", "derivative", r"\frac{1}{1+e^{-z}} \cdot \frac{1+e^{-z}-1}{1+e^{-z}}"),
    ("softmax-cross-entropy", "output-grad", r"-(e_l - \hat{y})"),
    # a numeric part takes the computation on numbers, not the formula in w1, w2, x (issue 26)
    ("two-layer-example", "loss", r"\frac{1}{2}\left(\sigma(-5 \, \mathrm{ReLU}(0.01 \cdot 3) - 1) - 1\right)^2"),
    ("weight-decay", "output-delta", r"-\left( y_i - a_i^{(n_l)} \right) \cdot f'(z_i^{(n_l)})"),
    ("weight-decay", "hidden-delta",
     r"\left( \sum_{j=1}^{s_{l+1}} W_{ji}^{(l)} \delta_j^{(l+1)} \right) \cdot f'(z_i^{(l)})"),
    ("weight-decay", "hidden-delta",
     r"\frac{\partial f(z_{i}^{(l)})}{\partial z_{i}^{(l)}} * \sum_{j=1}^{s_{l+1}} (\delta_{j}^{(l+1)} * W_{ji}^{(l)})"),
    ("layer-notation", "delta-hidden",
     r"\sum_{k=1}^{n_{\ell+1}} \delta_k^{(\ell+1)} W_{kj}^{(\ell+1)T} g_\ell'(z_j^{(\ell)})"),
    ("matrix-form", "delta-hidden", r"\left(W^{(l)T}\delta^{(l+1)}\right) \bullet f'(z^{(l)})"),
    ("output-error", "delta-L", r"\left( a_j^{(L)} - y_j \right) \frac{\partial f\left( z_j^{(L)} \right)}{\partial z_j^{(L)}}"),
    ("weight-decay", "sigmoid-prime-from-activation", r"a_i^{(l)}(1-a_i^{(l)})"),
    ("weight-decay", "update-W",
     r"W_{ji}^{(l)} - \alpha \left[ \left( \frac{1}{m} \Delta W_{ji}^{(l)} \right) + \lambda W_{ji}^{(l)} \right]"),
    ("weight-decay", "update-b", r"b_i^{(l)} - \alpha \frac{1}{m} \Delta b_i^{(l)}"),
]


@pytest.fixture(scope="module")
def bank():
    return load_bank(default_bank_dir())


@pytest.mark.parametrize("pid, part_id, text", COURSE, ids=[f"{c[0]}/{c[1]}:{c[2][:30]}" for c in COURSE])
def test_course_formula_as_printed_grades_correct(bank, pid, part_id, text):
    problem = bank[pid]
    part = next(p for p in problem.parts if p.id == part_id)
    verdict = check(problem, part, text)
    assert verdict.status == CORRECT, (verdict.feedback, verdict.interpreted)


def test_every_bank_formula_the_course_prints_is_in_the_table(bank):
    """The softmax-cross-entropy gradients (W_ip1, grad_a_ip1, ...) use names the course pages
    do not print, and the two-layer gradients are one long product the pages never write out."""
    covered = {(pid, part) for pid, part, _ in COURSE}
    skipped = {("softmax-cross-entropy", p) for p in ("hidden-grad", "preactivation-grad", "weight-grad",
                                                      "bias-grad")} | \
        {("two-layer-example", p) for p in ("dC-dw1", "dC-dw2", "dC-db")}
    parts = {(pid, part.id) for pid, problem in bank.items() for part in problem.parts
             if part.kind in ("expression", "numeric")}
    assert parts - covered == skipped


def test_a_wrong_latex_answer_is_still_wrong(bank):
    problem = bank["hidden-error"]
    part = problem.parts[0] if problem.parts[0].id == "delta-l" else \
        next(p for p in problem.parts if p.id == "delta-l")
    verdict = check(problem, part, r"\sum_{k} w_{jk}^{(l+1)} \delta_k^{(l+1)} f'(z_j^{(l)})")
    assert verdict.status != CORRECT


# --- LaTeX answers are echoed in LaTeX -----------------------------------------------------------

def test_latex_answer_is_recognised_and_echoed_in_latex():
    parsed = parse(r"\frac{1}{2}\sigma(z)", SCALARS)
    assert looks_like_latex(parsed.source)
    assert parsed.latex == r"\frac{1}{2} \cdot \sigma\left(z\right)"


# --- round trip: render to LaTeX, read it back -------------------------------------------------

EXAMPLES = int(os.environ.get("GRADER_HYPOTHESIS_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

UNARY = sorted(fn.name for fn in functions.REGISTRY.functions if fn.min_args == 1 and fn.name != "softmax")
LEAVES = st.sampled_from(["x", "y", "z", "a", "b", "1", "2", "3", "0.5", "pi", "e", "eta",
                          "delta_j^l", "w_(kj)^(l+1)", "a_k^(l-1)", "f(z)", "f'(z)"])


def _combine(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
    prime = st.tuples(st.sampled_from(["sigma", "tanh", "exp", "sec", "asinh"]), children).map(
        lambda t: f"{t[0]}'({t[1]})")
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", " "]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})")
    other = st.one_of(
        st.tuples(children, children).map(lambda t: f"max({t[0]}, {t[1]}, x)"),
        st.tuples(children, children).map(lambda t: f"root({t[0]}, {t[1]})"),
        st.tuples(children, children).map(lambda t: f"log_b({t[0]})"),
        children.map(lambda c: f"-({c})"), children.map(lambda c: f"sum_k w_(kj)^l*({c})"),
        children.map(lambda c: f"|{c}|"), children.map(lambda c: f"tanh^2({c})"))
    return st.one_of(unary, prime, binary, other)


latex_trees = st.recursive(LEAVES, _combine, max_leaves=10)
ROUND_TRIP_TABLE = SymbolTable(NETWORK.symbols + (Symbol("x"), Symbol("y"), Symbol("b"), Symbol("eta")),
                               NETWORK.indices)


@SETTINGS
@given(text=latex_trees)
def test_latex_rendering_reads_back_to_the_same_tree(text):
    try:
        parsed = parse(text, ROUND_TRIP_TABLE)
    except AnswerSyntaxError:
        assume(False)
    again = parse(parsed.latex, ROUND_TRIP_TABLE)
    assert associate(plain_tree(again.tree)) == associate(plain_tree(parsed.tree)), (text, parsed.latex)
    plain = parse(parsed.ascii, ROUND_TRIP_TABLE)      # the new notations re-read in ASCII too
    assert associate(plain_tree(plain.tree)) == associate(plain_tree(parsed.tree)), (text, parsed.ascii)


@pytest.mark.parametrize("fn", functions.REGISTRY.functions, ids=lambda f: f.name)
def test_every_registry_function_round_trips_through_latex(fn):
    args = ", ".join(["x", "y", "z"][: fn.min_args])
    parsed = parse(f"{fn.name}({args})", PLAIN)
    assert parse(parsed.latex, PLAIN).tree == parsed.tree, parsed.latex


LATEX_TOKENS = [r"\frac", r"\sqrt", "[", "]", "{", "}", "(", ")", r"\left(", r"\right)", r"\left|", r"\right|",
                "^", "_", r"\cdot", r"\partial", r"\sum", r"\alpha", r"\hat", r"\operatorname", "$", r"\(", r"\)",
                r"\,", r"\!", r"\prime", "'", r"\unknown", "\\", "z", "x", "k", "=", "1", "2", " ", r"\tanh",
                r"\log", r"\top", "T", "-", "+", "/", r"\Delta", r"\mathrm", r"\lfloor", r"\rfloor"]


@SETTINGS
@given(tokens=st.lists(st.sampled_from(LATEX_TOKENS), max_size=60))
def test_random_latex_reads_or_gives_a_message_with_a_column_inside_the_answer(tokens):
    text = "".join(tokens)
    for table in (PLAIN, NETWORK):
        try:
            parse(text, table)
        except AnswerSyntaxError as err:
            assert err.message and err.message[-1] in ".?!"
            assert 1 <= err.column <= max(len(text), 1) + 1, (text, err.column)


MATRIX_LEAVES = st.sampled_from(["W^(l)", "delta^(l+1)", "z^(l)", "a^(l)", "u", "v", "M", "c", "2"])


def _matrix_combine(children):
    return st.one_of(
        children.map(lambda c: f"({c})^T"),
        st.tuples(children, st.sampled_from(["*", ".*", "+", "-"]), children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        children.map(lambda c: f"f'({c})"), children.map(lambda c: f"-({c})"))


@SETTINGS
@given(text=st.recursive(MATRIX_LEAVES, _matrix_combine, max_leaves=8))
def test_latex_rendering_of_vectors_and_matrices_reads_back(text):
    try:
        parsed = parse(text, MATRICES)
    except AnswerSyntaxError:
        assume(False)
    again = parse(parsed.latex, MATRICES)
    assert associate(plain_tree(again.tree)) == associate(plain_tree(parsed.tree)), (text, parsed.latex)
