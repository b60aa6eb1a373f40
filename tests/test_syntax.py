"""grader.answers.parser: what students type -> the reading the grader grades, or an error with a column.

Readings are pinned through the ASCII rendering (which re-parses, see test_render) and, where
the point is the structure, through the tree itself. Errors are pinned with their exact
message and 1-based column, as a student sees them.
"""
from __future__ import annotations

import time
from fractions import Fraction

import pytest

from conftest import MATRICES, NETWORK, PLAIN, SCALARS, plain_tree, ascii_of, error_of
from grader.model import FUNCTION, INDEXED, MATRIX, SCALAR, Symbol, SymbolTable
from grader.limits import MAX_ANSWER_LENGTH
from grader.answers.normalise import normalise
from grader.answers.parser import AnswerSyntaxError, ParsedAnswer, parse
from grader.answers.tree import Bin, Call, Const, Idx, Index, Neg, Num, Sum, Sym, Transpose


def read(text, table=PLAIN) -> ParsedAnswer:
    return parse(text, table)


x, y, z = Sym("x"), Sym("y"), Sym("z")


# --- numbers and constants ------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("3", 3), ("0.288", 0.288), (".5", 0.5), ("1e-3", 0.001), ("2.5E+2", 250.0), ("2.080", 2.08), ("10", 10),
])
def test_number_literals(text, value):
    tree = read(text).tree
    assert isinstance(tree, Num)
    assert tree.value == value
    assert tree.text == text


def test_integers_stay_exact_and_decimals_are_floats():
    assert type(read("3").tree.value) is int
    assert type(read("0.5").tree.value) is float


def test_negative_number_is_a_minus_applied_to_the_number():
    assert read("-0.004").tree == Neg(Num(0.004, "0.004"))
    assert ascii_of("-0.004") == "-0.004"


def test_pi_and_e_are_constants():
    assert read("pi").tree == Const("pi")
    assert read("π").tree == Const("pi")
    assert read("e").tree == Const("e")
    assert read("e^z").tree == Bin("^", Const("e"), z)


def test_e_is_a_symbol_when_the_problem_declares_one():
    table = SymbolTable((Symbol("e"), Symbol("z")))
    assert read("e^z", table).tree == Bin("^", Sym("e"), z)


# --- operators and precedence ---------------------------------------------------------------

@pytest.mark.parametrize("text, reading", [
    ("x+y*z", "x + y*z"),
    ("(x+y)*z", "(x + y)*z"),
    ("x-y-z", "x - y - z"),
    ("x-(y-z)", "x - (y - z)"),
    ("x/y/z", "x/y/z"),
    ("x/(y*z)", "x/(y*z)"),
    ("x**y", "x^y"),
    ("2^3^2", "2^(3^2)"),          # ^ is right-associative
    ("-x^2", "-x^2"),              # minus of the square
    ("(-x)^2", "(-x)^2"),
    ("x^-2", "x^(-2)"),
    ("e^-z", "e^(-z)"),
    ("e^-z+1", "e^(-z) + 1"),      # the exponent ends at the +
    ("e^-z*x", "e^(-z)*x"),
    ("e^{-z}", "e^(-z)"),
    ("[x+y]*z", "(x + y)*z"),
    ("{x+y}*z", "(x + y)*z"),
    ("x^+2", "x^2"),
    ("+z", "z"),
    ("x - -y", "x - (-y)"),
    ("x*-y", "x*(-y)"),
    ("e^(-z)/(1+e^(-z))^2", "e^(-z)/(1 + e^(-z))^2"),
    ("1/1+e^(-z)", "1/1 + e^(-z)"),
])
def test_operator_precedence(text, reading):
    assert ascii_of(text) == reading


def test_power_is_right_associative_in_the_tree():
    assert read("2^3^2").tree == Bin("^", Num(2, "2"), Bin("^", Num(3, "3"), Num(2, "2")))


def test_minus_binds_weaker_than_power():
    assert read("-x^2").tree == Neg(Bin("^", x, Num(2, "2")))


def test_double_star_is_a_power_and_remembered():
    tree = read("x**y").tree
    assert tree == Bin("^", x, y, "**")


def test_minus_in_an_exponent_takes_one_factor():
    # e^-2z is e^(-2) times z: the exponent is one power-level operand, like e^-z+1
    assert read("e^-2z").tree == Bin("*", Bin("^", Const("e"), Neg(Num(2, "2"))), z, "implicit")
    assert ascii_of("e^(-2z)") == "e^(-2*z)"


@pytest.mark.parametrize("text, reading", [
    ("2z", "2*z"),
    ("2 z", "2*z"),
    ("(a)(b)", "a*b"),
    ("2(x+y)", "2*(x + y)"),
    ("(x+y)z", "(x + y)*z"),
    ("a b", "a*b"),
    ("x^2y", "x^2*y"),
    ("x/2y", "x/2*y"),             # (x/2)*y, as every calculator reads it
    ("2pi", "2*pi"),
    ("2e", "2*e"),
    ("x\ty", "x*y"),
    ("x\ny", "x*y"),
])
def test_implicit_multiplication(text, reading):
    assert ascii_of(text) == reading


def test_implicit_multiplication_is_remembered():
    assert read("2z").tree == Bin("*", Num(2, "2"), z, "implicit")


def test_implicit_multiplication_across_white_space_with_indexed_quantities():
    assert ascii_of("delta_j^l a_k^(l-1)", NETWORK) == "delta_j^(l)*a_k^(l-1)"


# --- names ----------------------------------------------------------------------------------

def test_greek_names_spelled_out_and_as_letters():
    table = SCALARS
    for spelled, letter in [("eta", "η"), ("lambda", "λ"), ("alpha", "α")]:
        assert read(spelled, table).tree == Sym(spelled)
        assert read(letter, table).tree == Sym(spelled)
    assert read("sigma(z)", table).tree == Call("sigmoid", (z,))
    assert read("σ(z)", table).tree == Call("sigmoid", (z,))
    assert read("δ_j^l", NETWORK).tree == Idx("delta", (Index("j"),), Index("l"))


@pytest.mark.parametrize("text, name", [
    ("w_1", "w_1"), ("f_L", "f_L"), ("partialC", "partialC"), ("partialw_1", "partialw_1"),
])
def test_plain_subscripted_names(text, name):
    assert read(text, SCALARS).tree == Sym(name)


def test_plain_subscripted_name_squared_is_a_power():
    assert read("w_1^2", SCALARS).tree == Bin("^", Sym("w_1"), Num(2, "2"))


def test_indexed_name_without_superscript():
    assert read("yhat_i", NETWORK).tree == Idx("yhat", (Index("i"),))
    # yhat has no layer superscript, so ^2 is a power
    assert read("yhat_i^2", NETWORK).tree == Bin("^", Idx("yhat", (Index("i"),)), Num(2, "2"))
    assert read("y_j^2", NETWORK).ascii == "(y_j)^2"


# --- indexed quantities ---------------------------------------------------------------------

@pytest.mark.parametrize("text, reading", [
    ("a_k^(l-1)", "a_k^(l-1)"),
    ("delta_j^l", "delta_j^(l)"),
    ("w_(jk)^l", "w_(jk)^(l)"),
    ("w_{jk}^{l}", "w_(jk)^(l)"),
    ("w_jk^l", "w_(jk)^(l)"),
    ("w_(j,k)^l", "w_(jk)^(l)"),
    ("W_(ij)^(l)", "W_(ij)^(l)"),
    ("delta_j^(L)", "delta_j^(L)"),
    ("delta_j^nl", "delta_j^(nl)"),
    ("w_(kj)^(l+1)", "w_(kj)^(l+1)"),
    ("a_j^(l-1-1)", "a_j^(l-2)"),
    ("a_(j+1)^l", "a_(j+1)^(l)"),
    ("w_12^l", "w_(1,2)^(l)"),
    ("a_j^2", "a_j^(2)"),                  # after an indexed name ^2 is layer 2, not a square
    ("(a_j^L)^2", "(a_j^(L))^2"),          # the square of an indexed value
    ("a_j^L^2", "(a_j^(L))^2"),
    ("a_j^L²", "(a_j^(L))^2"),
])
def test_indexed_quantities(text, reading):
    assert ascii_of(text, NETWORK) == reading


def test_layer_superscript_is_an_index_not_a_power():
    assert read("delta_j^l", NETWORK).tree == Idx("delta", (Index("j"),), Index("l"))
    assert read("a_k^(l-1)", NETWORK).tree == Idx("a", (Index("k"),), Index("l", -1))
    assert read("w_(kj)^(l+1)", NETWORK).tree == Idx("w", (Index("k"), Index("j")), Index("l", 1))
    assert read("a_j^2", NETWORK).tree == Idx("a", (Index("j"),), Index(None, 2))


def test_squaring_an_indexed_value_needs_brackets():
    a_jL = Idx("a", (Index("j"),), Index("L"))
    assert read("(a_j^L)^2", NETWORK).tree == Bin("^", a_jL, Num(2, "2"))


def test_power_typed_with_double_star_between_indexed_quantities():
    tree = read("a_k^(l-1)**delta_j^l", NETWORK).tree
    assert tree == Bin("^", Idx("a", (Index("k"),), Index("l", -1)), Idx("delta", (Index("j"),), Index("l")), "**")


def test_single_letter_indices_split_only_for_two_subscripts():
    assert read("w_jk^l", NETWORK).tree == Idx("w", (Index("j"), Index("k")), Index("l"))
    err = error_of("delta_jk^l", NETWORK)
    assert err.message == "delta needs 1 subscript, like delta_i^l; this has 2."
    assert err.column == 7


def test_matrix_with_layer_and_transpose():
    W = Sym("W", Index("l", 1))
    assert read("(W^(l+1))^T", MATRICES).tree == Transpose(W)
    assert read("W^(l+1)^T", MATRICES).tree == Transpose(W)
    assert read("W^l", MATRICES).tree == Sym("W", Index("l"))


def test_matrix_without_layer_transposed():
    assert read("M^T", MATRICES).tree == Transpose(Sym("M"))
    assert read("Mᵀ", MATRICES).tree == Transpose(Sym("M"))
    assert read("M^T^T", MATRICES).tree == Transpose(Transpose(Sym("M")))


@pytest.mark.parametrize("text, reading", [
    ("Mᵀu", "M^T*u"),
    ("(W^(l+1))ᵀδ^(l+1)", "(W^(l+1))^T*delta^(l+1)"),   # pasted from a course page
    ("Mᵀᵀ", "M^T^T"),                                    # the unicode rendering of (M^T)^T
])
def test_superscript_T_is_a_transpose_even_before_a_letter(text, reading):
    # ᵀ must not glue to the next letter ("Tu", "TT")
    assert ascii_of(text, MATRICES) == reading


@pytest.mark.parametrize("text, reading", [
    ("u .* v", "u .* v"),
    ("u ⊙ v", "u .* v"),
    ("u∘v", "u .* v"),
    ("M*u", "M*u"),
    ("M u", "M*u"),
    ("u^T v", "u^T*v"),
    ("u*v^T", "u*v^T"),
    ("(W^(l+1))^T delta^(l+1) ⊙ f'(z^l)", "((W^(l+1))^T*delta^(l+1)) .* f'(z^(l))"),
    ("W^(l+1)^T*delta^(l+1) .* f'(z^l)", "((W^(l+1))^T*delta^(l+1)) .* f'(z^(l))"),
    ("f'(z^l) ⊙ ((W^(l+1))^T delta^(l+1))", "f'(z^(l)) .* ((W^(l+1))^T*delta^(l+1))"),
])
def test_vectors_and_matrices(text, reading):
    assert ascii_of(text, MATRICES) == reading


def test_elementwise_product_in_the_tree():
    assert read("u ⊙ v", MATRICES).tree.op == ".*"
    assert read("u .* v", MATRICES).tree == Bin(".*", Sym("u"), Sym("v"))


def test_function_applied_to_a_vector():
    assert read("f'(z^l)", MATRICES).tree == Call("f", (Sym("z", Index("l")),), 1)


# --- functions ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("exp(x)", "exp"), ("log(x)", "log"), ("ln(x)", "log"), ("sqrt(x)", "sqrt"), ("abs(x)", "abs"),
    ("sin(x)", "sin"), ("cos(x)", "cos"), ("tan(x)", "tan"), ("sinh(x)", "sinh"), ("cosh(x)", "cosh"),
    ("tanh(x)", "tanh"), ("sigma(x)", "sigmoid"), ("sigmoid(x)", "sigmoid"), ("relu(x)", "relu"),
    ("ReLU(x)", "relu"),
])
def test_builtin_functions(text, name):
    assert read(text).tree == Call(name, (x,))


def test_max_and_min_take_two_arguments():
    assert read("max(x,y)").tree == Call("max", (x, y))
    assert read("min(x, 0)").tree == Call("min", (x, Num(0, "0")))


@pytest.mark.parametrize("text, tree", [
    ("f'(z_j^l)", Call("f", (Idx("z", (Index("j"),), Index("l")),), 1)),
    ("g_L'(x)", Call("g_L", (x,), 1)),
    ("f''(x)", Call("f", (x,), 2)),
    ("f'''(x)", Call("f", (x,), 3)),
    ("f′(x)", Call("f", (x,), 1)),
    ("f″(x)", Call("f", (x,), 2)),
    ("f(f(x))", Call("f", (Call("f", (x,)),))),
])
def test_declared_functions_and_primes(text, tree):
    assert read(text, NETWORK).tree == tree


def test_derivatives_of_builtins():
    assert read("sigma'(z)").tree == Call("sigmoid", (z,), 1)
    assert read("tanh'(z)").tree == Call("tanh", (z,), 1)
    assert read("relu'(z)").tree == Call("relu", (z,), 1)


def test_function_declared_as_an_alias_keeps_its_name():
    assert read("g(z)", SCALARS).tree == Call("g", (z,))


# --- sums -----------------------------------------------------------------------------------

def test_sum_covers_the_rest_of_the_product_term():
    tree = read("sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK).tree
    assert isinstance(tree, Sum) and tree.index == "k"
    assert plain_tree(tree) == Sum("k", Bin("*", Bin("*", Idx("w", (Index("k"), Index("j")), Index("l", 1)),
                                                        Idx("delta", (Index("k"),), Index("l", 1))),
                                            Call("f", (Idx("z", (Index("j"),), Index("l")),), 1)))


def test_sum_ends_at_plus_or_minus():
    assert ascii_of("sum_k a_k^l + a_j^l", NETWORK) == "sum_k(a_k^(l)) + a_j^(l)"
    assert ascii_of("a_j^l - sum_k a_k^l", NETWORK) == "a_j^(l) - (sum_k(a_k^(l)))"


def test_sum_with_brackets_still_covers_the_following_factors():
    # sum_k(...)*f'(z) keeps f'(z) inside the sum: the rest of the product term
    assert ascii_of("sum_k(w_(kj)^(l+1)*delta_k^(l+1))*f'(z_j^l)", NETWORK) == \
        "sum_k(w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^(l)))"
    assert ascii_of("sum_k(a_k^l)^2", NETWORK) == "sum_k((a_k^(l))^2)"
    assert ascii_of("(sum_k a_k^l)^2", NETWORK) == "(sum_k(a_k^(l)))^2"


@pytest.mark.parametrize("text, reading", [
    ("sum_k(a_k^l)", "sum_k(a_k^(l))"),
    ("sum_{k}(a_k^l)", "sum_k(a_k^(l))"),
    ("∑_k a_k^l", "sum_k(a_k^(l))"),
    ("prod_i(a_i^l)", "prod_i(a_i^(l))"),
    ("sum_k sum_i w_(ki)^l", "sum_k(sum_i(w_(ki)^(l)))"),
    ("f'(z_j^l)*sum_k(w_(kj)^(l+1)*delta_k^(l+1))", "f'(z_j^(l))*(sum_k(w_(kj)^(l+1)*delta_k^(l+1)))"),
])
def test_sum_forms(text, reading):
    assert ascii_of(text, NETWORK) == reading


def test_product_kind():
    assert read("prod_i(a_i^l)", NETWORK).tree.kind == "prod"


def test_sum_over_an_undeclared_letter_in_a_plain_problem():
    assert read("sum_k(x)").tree == Sum("k", x)


# --- Unicode input --------------------------------------------------------------------------

@pytest.mark.parametrize("text, reading", [
    ("𝑒^(−𝑧)", "e^(-z)"),
    ("x·y", "x*y"),
    ("x⋅y", "x*y"),
    ("x×y", "x*y"),
    ("x∗y", "x*y"),
    ("x−y", "x - y"),
    ("x–y", "x - y"),
    ("x ÷ y", "x/y"),
    ("x²", "x^2"),
    ("(x+y)²", "(x + y)^2"),
    ("z²³", "z^23"),
    ("x⁻¹", "x^(-1)"),
    ("x²y", "x^2*y"),
    ("２x", "2*x"),
    ("x\u00a0y", "x*y"),
    ("x\u3000y", "x*y"),
])
def test_unicode_operators_are_normalised(text, reading):
    assert ascii_of(text) == reading


def test_math_italic_letters_read_as_plain_letters():
    assert read("𝛿_j^l", NETWORK).tree == Idx("delta", (Index("j"),), Index("l"))
    assert read("𝑒^(−𝑧)").tree == Bin("^", Const("e"), Neg(z))


def test_unicode_greek_and_operators_in_one_answer():
    assert ascii_of("δ_j^l⋅a_k^(l−1)", NETWORK) == "delta_j^(l)*a_k^(l-1)"
    assert ascii_of("∑_k w_(kj)^(l+1)·δ_k^(l+1)·f′(z_j^l)", NETWORK) == \
        "sum_k(w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^(l)))"
    assert ascii_of("η·λ·α", SCALARS) == "eta*lambda*alpha"


def test_unicode_hadamard_and_sum_signs():
    assert read("u ⊙ v", MATRICES).tree == Bin(".*", Sym("u"), Sym("v"))
    assert isinstance(read("∑_k a_k^l", NETWORK).tree, Sum)


def test_normalise_maps_columns_back_to_the_original_text():
    src, where = normalise("δ·x")
    assert src == "delta*x"
    assert where == [0, 0, 0, 0, 0, 1, 2]


def test_column_of_an_error_after_unicode_counts_original_characters():
    err = error_of("𝑒^(−𝑧")
    assert (err.message, err.column) == ("This '(' is never closed.", 3)
    err = error_of("e^(−z))")
    assert (err.message, err.column) == ("This ')' has no matching opening bracket.", 7)


def test_bytes_are_decoded_as_utf8():
    assert read("x·y".encode()).ascii == "x*y"


# --- errors ---------------------------------------------------------------------------------

ERRORS = [
    # unbalanced brackets
    ("(x+1", PLAIN, "This '(' is never closed.", 1),
    ("((x)", PLAIN, "This '(' is never closed.", 1),
    ("sin(x", PLAIN, "This '(' is never closed.", 4),
    ("x+1)", PLAIN, "This ')' has no matching opening bracket.", 4),
    ("(x+1]", PLAIN, "This '(' is closed by ']'.", 1),
    ("()", PLAIN, "Empty brackets.", 2),
    # dangling operators
    ("x+", PLAIN, "The answer ends too early: something is missing at the end.", 3),
    ("x*", PLAIN, "The answer ends too early: something is missing at the end.", 3),
    ("x^", PLAIN, "The answer ends too early: something is missing at the end.", 3),
    ("x**", PLAIN, "The answer ends too early: something is missing at the end.", 4),
    ("*x", PLAIN, "'*' is missing something on its left.", 1),
    ("/x", PLAIN, "'/' is missing something on its left.", 1),
    ("x+*y", PLAIN, "'*' is missing something on its left.", 3),
    ("x,y", PLAIN, "',' is missing something on its left.", 2),
    ("--z", PLAIN, "Unexpected '-'.", 2),
    # implicit multiplication where it is an error
    ("z 2", PLAIN, "Write '*' before the number 2 if you mean a product.", 3),
    ("(x)2", PLAIN, "Write '*' before the number 2 if you mean a product.", 4),
    # unknown names, with hints
    ("deltaj", NETWORK, "Unknown name 'deltaj': did you mean delta_j?", 1),
    ("wjk^l", NETWORK, "Unknown name 'wjk': did you mean w_(jk)?", 1),
    ("ab", PLAIN, "Unknown name 'ab': names are never split into letters; write a*b for a product.", 1),
    ("xy", PLAIN, "Unknown name 'xy': names are never split into letters; write x*y for a product.", 1),
    ("sinx", PLAIN, "Unknown name 'sinx': did you mean sin or sinh or sign?", 1),
    ("δ", PLAIN, "Unknown name 'delta' (this problem's names: a, b, x, y, z).", 1),
    # unknown function, name used as a function, wrong use of a function
    ("qux(x)", PLAIN, "Unknown function 'qux' (the built-in functions are listed by `grader syntax`).", 1),
    ("qux(x)", NETWORK, "Unknown function 'qux' (this problem's functions: f, g, g_L; the built-in functions are "
                        "listed by `grader syntax`).", 1),
    ("sine(x)", PLAIN, "Unknown function 'sine': did you mean sin or sinh or sign?", 1),
    ("e(x+y)", PLAIN, "'e' is not a function: write e*(...) for a product.", 2),
    ("sin x y", PLAIN, "'sin' is a function: write sin(...) with its argument in brackets.", 5),
    ("exp[x]", PLAIN, "Use round brackets for exp(...).", 4),
    ("f(x,x)", NETWORK, "f(...) takes 1 argument, not 2.", 2),
    ("max(x)", PLAIN, "max(...) takes at least 2 arguments, not 1.", 4),
    ("floor'(x)", PLAIN, "The derivative floor' is not available here.", 1),
    ("f''''(z_j^l)", NETWORK, "At most three primes are allowed.", 1),
    # wrong number of indices, wrong indices
    ("w_j^l", NETWORK, "w needs 2 subscripts, like w_(ij)^l; this has 1.", 3),
    ("w_(i,j,k)^l", NETWORK, "w needs 2 subscripts, like w_(ij)^l; this has 3.", 3),
    ("a^l", NETWORK, "a needs 1 subscript, like a_i^l.", 2),
    ("a_j", NETWORK, "a needs its layer as a superscript, like a_i^l.", 4),
    ("a_x^l", NETWORK, "'x' is not an index letter of this problem (indices: i, j, k, m, l, L, nl).", 3),
    ("a_j^(l*2)", NETWORK, "A superscript index is a letter, possibly with +1 or -1, like (l-1).", 7),
    ("a_j^-1", NETWORK, "A superscript index cannot be negative; write it in brackets like (l-1).", 5),
    ("a_j^(l+x)", NETWORK, "An index can only be shifted by a whole number, like l-1.", 8),
    ("l", NETWORK, "'l' is an index: it can only appear in a subscript or superscript, or after sum_.", 1),
    ("W^T", MATRICES, "W needs its layer as a superscript, like W^(l).", 2),
    # sums
    ("sum_l(a_j^l)", NETWORK, "'l' is a layer index; a sum runs over the units of a layer, like sum_k.", 5),
    ("sum_x(a_j^l)", NETWORK, "'x' cannot be a summation index here.", 5),
    ("sum_k", NETWORK, "sum_k has nothing to add up.", 6),
    ("sum (a_j^l)", NETWORK, "Write the summation index: sum_k(...).", 5),
    # characters outside the syntax
    ("x @ y", PLAIN, "'@' is not part of the answer syntax.", 3),
    ("x = y", PLAIN, "'=' is not part of the answer syntax.", 3),
    ("x # y", PLAIN, "'#' is not part of the answer syntax.", 3),
    ("x½", PLAIN, "The character '½' at column 2 is not part of the answer syntax.", 2),
]


@pytest.mark.parametrize("text, table, message, column", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_message_and_column(text, table, message, column):
    err = error_of(text, table)
    assert err.message == message
    assert str(err) == message
    assert err.column == column
    assert err.too_complex is False


@pytest.mark.parametrize("text", ["sin()", "max(x,)"])
def test_empty_argument_is_not_called_an_unmatched_bracket(text):
    # the ')' here does have its '(' : the message must not send the student looking for it
    err = error_of(text)
    assert "no matching opening bracket" not in err.message
    assert err.column == len(text)


@pytest.mark.parametrize("text", ["", "   ", "\n", "\t \n"])
def test_empty_answer(text):
    err = error_of(text)
    assert err.message == "The answer is empty."
    assert err.column == 1


@pytest.mark.parametrize("text, code, column", [
    ("x\x00", "0000", 2), ("x\x07y", "0007", 2), ("\x1bx", "001B", 1), ("x\x7f", "007F", 2),
])
def test_control_characters(text, code, column):
    err = error_of(text)
    assert err.message == f"The answer contains a control character (U+{code}) at column {column}."
    assert err.column == column


@pytest.mark.parametrize("text, code", [("x\u200by", "200B"), ("x\u202ey", "202E"), ("x\ud800", "D800")])
def test_invisible_format_characters(text, code):
    err = error_of(text)
    assert err.message == f"The answer contains an invisible control character (U+{code}) at column 2."
    assert err.column == 2
    assert err.caret() == ""          # never echo invisible characters back


def test_invalid_utf8_bytes():
    err = error_of(b"x+\xff")
    assert err.message == "The answer is not valid UTF-8 text (byte 3)."
    assert err.column == 1
    assert err.caret() == ""


def test_answer_that_is_not_text():
    assert error_of(None).message == "The answer must be text."
    assert error_of(3).message == "The answer must be text."


def test_caret_points_at_the_column():
    err = error_of("x+1)")
    assert err.caret() == "x+1)\n   ^"
    err = error_of("δ_j^l + foo", NETWORK)
    assert err.caret() == "δ_j^l + foo\n        ^"


def test_caret_counts_wide_characters_twice():
    err = error_of("２x+")
    assert err.column == 4
    assert err.caret() == "２x+\n    ^"


@pytest.mark.parametrize("typed, column, caret", [
    ("ｘ+", 3, "ｘ+\n   ^"),                  # fullwidth x: two columns, then '+', then the end
    ("α＋)", 3, "α＋)\n   ^"),                 # α one column, fullwidth plus two: ')' is at column 3
    ("ｘ＊ｙ＋)", 5, "ｘ＊ｙ＋)\n        ^"),      # four fullwidth characters: eight columns before ')'
    ("e\u0301+1", 2, "e\u0301+1\n^"),         # a combining accent is drawn over the e: the caret goes there
])
def test_caret_counts_display_columns(typed, column, caret):
    err = error_of(typed, SCALARS)
    assert err.column == column and err.caret() == caret


def test_caret_counts_combining_marks_as_no_column():
    """After a combining mark the caret is one column left of the character count."""
    err = AnswerSyntaxError("Unexpected ')'.", 3, "e\u0301+)")
    assert err.caret() == "e\u0301+)\n  ^"


# --- limits ---------------------------------------------------------------------------------

def timed_error(text, table=PLAIN, seconds=5.0) -> AnswerSyntaxError:
    """Refused, and not after a hang: a guard of seconds, not a speed claim (bench/ measures speed)."""
    start = time.perf_counter()
    with pytest.raises(AnswerSyntaxError) as info:
        parse(text, table)
    assert time.perf_counter() - start < seconds
    return info.value


@pytest.mark.parametrize("text", ["9^9^9^9", "z^(10^100000)", "10**10**10", "2^2^2^2^2", "x^(9^9^9)",
                                  "e^e^e^e^e", "2^1001", "(1+2)^(500+501)", "x^1000001",
                                  "x^(500000+500001)", "x^(-1000001)"])
def test_huge_exponents_are_refused_quickly(text):
    err = timed_error(text)
    assert err.too_complex
    assert err.message == "This answer is too complex to check: an exponent is far too large."


def test_exponent_limit_is_1000():
    assert read("x^1000").ascii == "x^1000"
    assert read("2^1000").ascii == "2^1000"


def test_an_exponent_over_a_name_may_reach_a_million():
    # floats overflow and the symbolic stage decides; over a number it would be digits to compute
    assert read("(x-1)^6000").ascii == "(x - 1)^6000"
    assert read("x^1000000").ascii == "x^1000000"


def test_one_megabyte_answer_is_refused_quickly():
    err = timed_error("x" * 1_000_000)
    assert err.too_complex
    assert err.message == "This answer is too complex to check. The answer is too long (1000000 characters; the limit is 2000)."


def test_length_limit():
    assert MAX_ANSWER_LENGTH == 2000
    ok = "x" + " " * 1998 + "y"
    assert len(ok) == 2000 and read(ok).ascii == "x*y"
    err = error_of(ok + " ")
    assert err.message == "This answer is too complex to check. The answer is too long (2001 characters; the limit is 2000)."


def test_thousand_nested_brackets_are_refused_quickly():
    err = timed_error("(" * 1000 + "x" + ")" * 1000)
    assert err.too_complex


def test_nesting_limit_within_the_length_limit():
    assert read("(" * 39 + "x" + ")" * 39).tree == x
    err = timed_error("(" * 40 + "x" + ")" * 40)
    assert err.too_complex
    assert err.message == "This answer is too complex to check: it is nested too deeply."
    err = timed_error("sin(" * 300 + "x" + ")" * 300)
    assert err.too_complex


@pytest.mark.parametrize("text", ["x^" * 999 + "x", "x^-" * 600 + "x", "2^" * 500 + "1", "sum_k " * 300 + "x"])
def test_deep_chains_without_brackets_are_refused_quickly(text):
    err = timed_error(text)
    assert err.too_complex


def test_node_limit():
    err = timed_error("+".join(["x"] * 250))
    assert err.too_complex
    assert err.message == "This answer is too complex to check (more than 400 parts)."


def test_hundred_digit_literal_is_refused():
    err = timed_error("1" * 100)
    assert err.too_complex
    assert err.message == "This answer is too complex to check. This number is too long to check (100 digits)."


def test_digit_limit_is_40():
    assert read("1" * 40).tree == Num(int("1" * 40), "1" * 40)
    assert error_of("1" * 41).message == "This answer is too complex to check. This number is too long to check (41 digits)."
    assert error_of("0." + "0" * 39 + "1").too_complex


@pytest.mark.parametrize("text", ["1e309", "1e400", "1e-400"])
def test_float_exponent_limit(text):
    err = error_of(text)
    assert err.too_complex
    assert err.message == "This answer is too complex to check. This number is too large or too small to check."


def test_sum_nesting_limit():
    assert read("sum_k(sum_i(sum_j(a_j^l)))", NETWORK)
    err = error_of("sum_k(sum_i(sum_j(sum_m(a_m^l))))", NETWORK)
    assert err.too_complex
    assert err.message == "This answer is too complex to check (more than 3 nested sums)."


def test_tower_with_small_parts_is_kept_as_a_tree_not_computed():
    import sympy  # noqa: F401  (the import itself takes most of a second)
    start = time.perf_counter()
    parsed = read("((9^999)^999)^999*z")
    expr = parsed.sympy()
    str(expr)
    assert time.perf_counter() - start < 5.0      # a hang guard: computing the tower would never finish


# --- the parsed answer ----------------------------------------------------------------------

def test_parsed_answer_keeps_source_and_table():
    parsed = read("x·y")
    assert parsed.source == "x·y"
    assert parsed.table is PLAIN


def test_sympy_expression_is_built_from_the_tree():
    import sympy as sp
    expr = read("e^(-z)/(1+e^(-z))^2").sympy()
    zs = sp.Symbol("z", real=True)
    assert sp.simplify(expr - sp.exp(-zs) / (1 + sp.exp(-zs)) ** 2) == 0


def test_sympy_of_an_indexed_answer():
    import sympy as sp
    expr = read("delta_j^l", NETWORK).sympy()
    assert isinstance(expr, sp.Indexed)
    assert str(expr.base) == "delta"


def test_parse_is_pure():
    one = read("sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK)
    two = read("sum_k w_(kj)^(l+1)*delta_k^(l+1)*f'(z_j^l)", NETWORK)
    assert one.tree == two.tree and one.unicode == two.unicode
