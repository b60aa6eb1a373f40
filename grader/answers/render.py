"""Showing a parse tree back to a person: Unicode, ASCII (re-readable by the parser) and LaTeX.

The rendering never hides the reading: a layer index is always shown as `^(l)` attached to
its quantity, a power always as a power of a bracketed base, so `a_k^(l-1)**delta_j^l` comes
back as `(a_k^(l−1))^(δ_j^(l))` and the student sees what will be graded.
"""
from __future__ import annotations

from fractions import Fraction

from grader.answers import functions
from grader.answers.greek import LETTERS as GREEK_LETTERS
from grader.answers.tree import Bin, Call, Const, Deriv, Idx, Index, Neg, Node, Num, Sum, Sym, Transpose

SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MINUS = {"unicode": "−", "ascii": "-", "latex": "-"}

# binding strength: higher binds tighter
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 5


def precedence(node: Node) -> int:
    if isinstance(node, Bin):
        return {"+": PREC_ADD, "-": PREC_ADD, "*": PREC_MUL, "/": PREC_MUL, ".*": PREC_MUL, "^": PREC_POW}[node.op]
    if isinstance(node, Neg):
        return PREC_NEG
    if isinstance(node, Sum):
        return PREC_ADD
    if isinstance(node, Deriv):
        return PREC_MUL         # it looks like a quotient: bracketed where a quotient would be
    if isinstance(node, Num) and (node.text.startswith("-")):
        return PREC_NEG
    return PREC_ATOM


def name_text(name: str, style: str) -> str:
    head, sep, rest = name.partition("_")
    if style == "unicode":
        return GREEK_LETTERS.get(head, head) + sep + rest
    if style == "latex":
        head = "\\" + head if head in GREEK_LETTERS else (head if len(head) == 1 else rf"\mathrm{{{head}}}")
        return head + (f"_{{{rest}}}" if sep else "")
    return name


def index_text(idx: Index, style: str) -> str:
    text = str(idx)
    if style == "unicode":
        text = text.replace("-", "−")
    return text


def _subs(subs: tuple[Index, ...], style: str) -> str:
    if all(i.var and len(i.var) == 1 and i.offset == 0 for i in subs):
        inner = "".join(i.var for i in subs)
        return inner if (len(subs) == 1 or style == "latex") else (inner if style == "unicode" else f"({inner})")
    inner = ",".join(index_text(i, style) for i in subs)
    return inner if style == "latex" else f"({inner})"


def render(node: Node, style: str = "unicode") -> str:
    return _r(node, style)


def _wrap(text: str, style: str) -> str:
    return rf"\left({text}\right)" if style == "latex" else f"({text})"


def _child(node: Node, style: str, min_prec: int) -> str:
    text = _r(node, style)
    return _wrap(text, style) if precedence(node) < min_prec else text


def mixed_products(parent: Bin, child: Node) -> bool:
    """A matrix product inside an element-wise one (or the reverse) gets brackets: same
    precedence, but a reader should not have to know that."""
    return isinstance(child, Bin) and child.op in ("*", ".*") and child.op != parent.op


def _r(node: Node, style: str) -> str:
    if isinstance(node, Num):
        if isinstance(node.value, Fraction):
            return str(node.value)
        return node.text
    if isinstance(node, Const):
        if node.name == "pi":
            return {"unicode": "π", "ascii": "pi", "latex": r"\pi"}[style]
        return "e"
    if isinstance(node, Sym):
        text = name_text(node.name, style)
        if node.sup is not None:
            sup = index_text(node.sup, style)
            text += f"^{{({sup})}}" if style == "latex" else f"^({sup})"
        return text
    if isinstance(node, Idx):
        text = name_text(node.name, style)
        if node.subs:
            subs = _subs(node.subs, style)
            text += f"_{{{subs}}}" if style == "latex" else f"_{subs}"
        if node.sup is not None:
            sup = index_text(node.sup, style)
            text += f"^{{({sup})}}" if style == "latex" else f"^({sup})"
        return text
    if isinstance(node, Neg):
        return MINUS[style] + _child(node.arg, style, PREC_NEG if not isinstance(node.arg, Neg) else PREC_ATOM)
    if isinstance(node, Transpose):
        base = _child(node.arg, style, PREC_ATOM)
        if (isinstance(node.arg, Sym) and node.arg.sup is not None) or \
                (style == "latex" and isinstance(node.arg, Transpose)):
            base = _wrap(base, style)
        return base + {"unicode": "ᵀ", "ascii": "^T", "latex": r"^{\top}"}[style]
    if isinstance(node, Call):
        fn = functions.by_name(node.name)
        if style == "latex":
            if fn is not None and fn.latex is not None and "{0}" in fn.latex:
                return fn.latex.format(*(_r(a, style) for a in node.args))
            name = fn.latex if fn is not None and fn.latex is not None else name_text(node.name, style)
        elif style == "unicode":
            name = fn.unicode if fn is not None and fn.unicode is not None else name_text(node.name, style)
        else:
            name = node.name
        primes = ("′" if style == "unicode" else "'") * node.order
        args = ", ".join(_r(a, style) for a in node.args)
        return f"{name}{primes}{_wrap(args, style)}"
    if isinstance(node, Sum):
        body = _r(node.body, style)
        if style == "latex":
            op = r"\sum" if node.kind == "sum" else r"\prod"
            return rf"{op}_{{{node.index}}} {_wrap(body, style)}"
        op = ("∑" if node.kind == "sum" else "∏") if style == "unicode" else node.kind
        return f"{op}_{node.index}{_wrap(body, style)}"
    if isinstance(node, Deriv):
        return derivative_text(node, style)
    if isinstance(node, Bin):
        op = node.op
        if op in "+-":
            left = _child(node.left, style, PREC_ADD)
            right = _child(node.right, style, PREC_MUL if op == "-" else PREC_ADD)
            if isinstance(node.right, Neg) or (op == "-" and isinstance(node.right, Sum)):
                right = _wrap(_r(node.right, style), style)
            sign = MINUS[style] if op == "-" else "+"
            return f"{left} {sign} {right}"
        if op in ("*", ".*"):
            left = _child(node.left, style, PREC_MUL)
            if isinstance(node.left, Sum) or mixed_products(node, node.left):
                left = _wrap(left, style)
            right = _child(node.right, style, PREC_MUL)
            if isinstance(node.right, Neg) or mixed_products(node, node.right):
                right = _wrap(right, style)
            if op == ".*":
                sym = {"unicode": " ⊙ ", "ascii": " .* ", "latex": r" \odot "}[style]
            else:
                sym = {"unicode": "·", "ascii": "*", "latex": r" \cdot "}[style]
            return f"{left}{sym}{right}"
        if op == "/":
            if style == "latex":
                return rf"\frac{{{_r(node.left, style)}}}{{{_r(node.right, style)}}}"
            left = _child(node.left, style, PREC_MUL)
            if isinstance(node.left, Sum):
                left = _wrap(left, style)
            right = _child(node.right, style, PREC_POW)
            return f"{left}/{right}"
        if op == "^":
            base = _r(node.left, style)
            if precedence(node.left) <= PREC_POW or isinstance(node.left, (Idx, Transpose)) or \
                    (isinstance(node.left, Sym) and (node.left.sup is not None or "_" in node.left.name)) or \
                    (isinstance(node.left, Num) and not isinstance(node.left.value, int)):
                base = _wrap(base, style)
            exp = node.right
            if style == "latex":
                return f"{base}^{{{_r(exp, style)}}}"
            if style == "unicode" and isinstance(exp, Num) and isinstance(exp.value, int):
                return base + str(exp.value).translate(SUPERSCRIPT_DIGITS)
            exp_text = _r(exp, style)
            if not (isinstance(exp, (Num, Const)) or (isinstance(exp, Sym) and exp.sup is None)):
                exp_text = f"({exp_text})"
            return f"{base}^{exp_text}"
    raise TypeError(f"cannot render {type(node).__name__}")


def derivative_text(node: Deriv, style: str) -> str:
    """As the course writes it: ∂C/∂z_j^(l); in ASCII the spelling every problem reads back as a
    derivative (a bare `dC/dz` is a product in a problem that declares d)."""
    of, wrt = _r(node.of, style), _r(node.wrt, style)
    if style == "latex":
        return rf"\frac{{\partial {of}}}{{\partial {wrt}}}"
    if style == "unicode":
        return f"∂{of}/∂{wrt}"
    return f"(partial {of})/(partial {wrt})"


# --- SymPy --------------------------------------------------------------------------------

def to_sympy(node: Node, table=None):
    """Build the SymPy expression node by node with evaluate=False: nothing is computed, so an
    exponent tower stays a tower instead of hanging the process."""
    import sympy as sp

    def idx(i: Index):
        if i.var is None:
            return sp.Integer(i.offset)
        return sp.Add(sp.Symbol(i.var, integer=True), sp.Integer(i.offset), evaluate=False) if i.offset \
            else sp.Symbol(i.var, integer=True)

    def go(n: Node):
        if isinstance(n, Num):
            if isinstance(n.value, int):
                return sp.Integer(n.value)
            if isinstance(n.value, Fraction):
                return sp.Rational(n.value.numerator, n.value.denominator)
            return sp.Float(n.text)
        if isinstance(n, Const):
            return sp.pi if n.name == "pi" else sp.E
        if isinstance(n, Sym):
            return sp.Symbol(n.name if n.sup is None else f"{n.name}^({n.sup})", real=True)
        if isinstance(n, Idx):
            args = [idx(i) for i in n.subs] + ([idx(n.sup)] if n.sup is not None else [])
            return sp.Indexed(sp.IndexedBase(n.name), *args)
        if isinstance(n, Neg):
            return sp.Mul(sp.Integer(-1), go(n.arg), evaluate=False)
        if isinstance(n, Transpose):
            return sp.Function("transpose")(go(n.arg))
        if isinstance(n, Sum):
            k = sp.Symbol(n.index, integer=True)
            cls = sp.Sum if n.kind == "sum" else sp.Product
            return cls(go(n.body), (k, 1, sp.Symbol("n", integer=True, positive=True)))
        if isinstance(n, Call):
            args = [go(a) for a in n.args]
            fn = functions.by_name(n.name)
            if n.order == 0 and fn is not None and fn.sympy is not None:
                return getattr(sp, fn.sympy)(*args, evaluate=False)
            return sp.Function(n.name + "'" * n.order)(*args)
        if isinstance(n, Bin):
            a, b = go(n.left), go(n.right)
            if n.op == "+":
                return sp.Add(a, b, evaluate=False)
            if n.op == "-":
                return sp.Add(a, sp.Mul(sp.Integer(-1), b, evaluate=False), evaluate=False)
            if n.op == "*":
                return sp.Mul(a, b, evaluate=False)
            if n.op == ".*":
                return sp.Function("hadamard")(a, b)
            if n.op == "/":
                return sp.Mul(a, sp.Pow(b, sp.Integer(-1), evaluate=False), evaluate=False)
            return sp.Pow(a, b, evaluate=False)
        if isinstance(n, Deriv):     # a symbol for the derivative itself: ∂C/∂z is no quotient
            return sp.Symbol(derivative_text(n, "unicode"), real=True)
        raise TypeError(type(n).__name__)

    return go(node)
