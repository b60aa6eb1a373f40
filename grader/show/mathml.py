"""Showing a parse tree on a web page: MathML Core, which Chromium and Firefox render natively.

The same walk as `render` (a fourth style of it), with the same promise: the rendering never
hides the reading. A layer index is shown as `^(l)` attached to its quantity, a power as a
power of a bracketed base, so `a_k^(l-1)**delta_j^l` still shows a power tower. Every piece
of text is escaped; nothing a student typed reaches the page as markup.
"""
from __future__ import annotations

from fractions import Fraction
from html import escape

from grader.answers import functions
from grader.answers.greek import LETTERS as GREEK_LETTERS
from grader.answers.render import (PREC_ADD, PREC_ATOM, PREC_MUL, PREC_NEG, PREC_POW,
                           mixed_products, precedence)
from grader.answers.tree import Bin, Call, Const, Deriv, Idx, Index, Neg, Node, Num, Sum, Sym, Transpose

NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def mathml(node: Node, *, display: str = "inline") -> str:
    """A complete `<math>` element for the tree."""
    return f'<math xmlns="{NAMESPACE}" display="{display}">{_row(_m(node))}</math>'


def formula_mathml(sides: tuple[Node, ...], *, display: str = "inline") -> str:
    """A formula of a problem's prose: one expression, or a chain of them joined by `=`."""
    items: list[str] = []
    for k, side in enumerate(sides):
        if k:
            items.append(_mo("="))
        items.append(_m(side))
    return f'<math xmlns="{NAMESPACE}" display="{display}">{_row(*items)}</math>'


def name_mathml(name: str) -> str:
    """A declared name: Greek heads as letters, `w_1` as w with subscript 1."""
    head, sep, rest = name.partition("_")
    base = _mi(GREEK_LETTERS.get(head, head))
    return f"<msub>{base}{_token(rest)}</msub>" if sep and rest else base


def _mi(text: str) -> str:
    return f"<mi>{escape(text)}</mi>"


def _mo(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def _mn(text: str) -> str:
    return f"<mn>{escape(text)}</mn>"


def _token(text: str) -> str:
    return _mn(text) if text.isdigit() else _mi(text)


def _row(*items: str) -> str:
    return items[0] if len(items) == 1 else "<mrow>" + "".join(items) + "</mrow>"


def _paren(inner: str) -> str:
    return _row(_mo("("), inner, _mo(")"))


def _index(idx: Index) -> str:
    if idx.var is None:
        return _mn(str(idx.offset)) if idx.offset >= 0 else _row(_mo("−"), _mn(str(-idx.offset)))
    if idx.offset == 0:
        return _mi(idx.var)
    return _row(_mi(idx.var), _mo("+" if idx.offset > 0 else "−"), _mn(str(abs(idx.offset))))


def _subs(subs: tuple[Index, ...]) -> str:
    if all(i.var and len(i.var) == 1 and i.offset == 0 for i in subs):
        return _row(*(_mi(i.var) for i in subs))
    items = []
    for k, i in enumerate(subs):
        if k:
            items.append(_mo(","))
        items.append(_index(i))
    return _paren(_row(*items))


def _scripted(name: str, subs: str | None, layer: Index | None) -> str:
    """A name with its own subscript (w_1), index subscripts and a layer superscript `(l)`."""
    head, sep, rest = name.partition("_")
    base = _mi(GREEK_LETTERS.get(head, head))
    low = [x for x in (_token(rest) if sep and rest else None, subs) if x]
    sub = (_row(low[0]) if len(low) == 1 else _row(low[0], _mo(","), low[1])) if low else None
    sup = _paren(_index(layer)) if layer is not None else None
    if low and sup:
        return f"<msubsup>{base}{sub}{sup}</msubsup>"
    if low:
        return f"<msub>{base}{sub}</msub>"
    if sup:
        return f"<msup>{base}{sup}</msup>"
    return base


def _child(node: Node, min_prec: int) -> str:
    inner = _m(node)
    return _paren(inner) if precedence(node) < min_prec else inner


def _m(node: Node) -> str:
    if isinstance(node, Num):
        if isinstance(node.value, Fraction):
            return f"<mfrac>{_mn(str(node.value.numerator))}{_mn(str(node.value.denominator))}</mfrac>"
        if node.text.startswith("-"):
            return _row(_mo("−"), _mn(node.text[1:]))
        return _mn(node.text)
    if isinstance(node, Const):
        return _mi("π" if node.name == "pi" else "e")
    if isinstance(node, Sym):
        return _scripted(node.name, None, node.sup)
    if isinstance(node, Idx):
        return _scripted(node.name, _subs(node.subs) if node.subs else None, node.sup)
    if isinstance(node, Neg):
        return _row(_mo("−"), _child(node.arg, PREC_NEG if not isinstance(node.arg, Neg) else PREC_ATOM))
    if isinstance(node, Transpose):
        base = _child(node.arg, PREC_ATOM)
        if isinstance(node.arg, Sym) and node.arg.sup is not None:
            base = _paren(base)
        return f"<msup>{base}<mi mathvariant=\"normal\">T</mi></msup>"
    if isinstance(node, Call):
        if node.name == "sqrt" and node.order == 0 and len(node.args) == 1:
            return f"<msqrt>{_row(_m(node.args[0]))}</msqrt>"
        if node.name == "abs" and node.order == 0 and len(node.args) == 1:
            return _row(_mo("|"), _m(node.args[0]), _mo("|"))
        fn = functions.by_name(node.name)
        name = _mi(fn.unicode) if fn is not None and fn.unicode is not None else name_mathml(node.name)
        if node.order:
            name = f"<msup>{name}{_mo('′' * node.order)}</msup>"
        args = []
        for k, a in enumerate(node.args):
            if k:
                args.append(_mo(","))
            args.append(_m(a))
        return _row(name, _paren(_row(*args)))
    if isinstance(node, Sum):
        op = _mo("∑" if node.kind == "sum" else "∏")
        return _row(f"<munder>{op}{_mi(node.index)}</munder>", _paren(_m(node.body)))
    if isinstance(node, Deriv):      # ∂C over ∂z_j^(l), as the course prints it
        return f"<mfrac>{_row(_mo('∂'), _m(node.of))}{_row(_mo('∂'), _m(node.wrt))}</mfrac>"
    if isinstance(node, Bin):
        return _binary(node)
    raise TypeError(f"cannot render {type(node).__name__}")


def _binary(node: Bin) -> str:
    op = node.op
    if op in "+-":
        left = _child(node.left, PREC_ADD)
        right = _child(node.right, PREC_MUL if op == "-" else PREC_ADD)
        if isinstance(node.right, Neg) or (op == "-" and isinstance(node.right, Sum)):
            right = _paren(_m(node.right))
        return _row(left, _mo("−" if op == "-" else "+"), right)
    if op in ("*", ".*"):
        left = _child(node.left, PREC_MUL)
        if isinstance(node.left, Sum) or mixed_products(node, node.left):
            left = _paren(left)
        right = _child(node.right, PREC_MUL)
        if isinstance(node.right, Neg) or mixed_products(node, node.right):
            right = _paren(right)
        return _row(left, _mo("⊙" if op == ".*" else "·"), right)
    if op == "/":
        return f"<mfrac>{_row(_m(node.left))}{_row(_m(node.right))}</mfrac>"
    # a power: the base is bracketed exactly when the Unicode rendering brackets it
    base = _m(node.left)
    left = node.left
    if precedence(left) <= PREC_POW or isinstance(left, (Idx, Transpose)) or \
            (isinstance(left, Sym) and (left.sup is not None or "_" in left.name)) or \
            (isinstance(left, Num) and not isinstance(left.value, int)):
        base = _paren(base)
    return f"<msup>{base}{_row(_m(node.right))}</msup>"
