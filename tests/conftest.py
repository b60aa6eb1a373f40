"""Shared fixtures: symbol tables and small problems built in code.

The YAML bank is written separately; these tests must not depend on it, so every table and
problem the tests grade against is declared here, close to the notation of the course.
"""
from __future__ import annotations

import platform
import shutil
from importlib import metadata
from pathlib import Path

import pytest

from grader.model import (CHOICE, EXPRESSION, FUNCTION, INDEXED, MATRIX, MULTI_CHOICE, NUMERIC, SCALAR, VECTOR,
                          Mistake, Part, Problem, Symbol, SymbolTable, Tolerance)

# --- symbol tables ------------------------------------------------------------------------

#: only plain scalars: unknown-name messages list these names, diagnoses show points in them
PLAIN = SymbolTable(symbols=(Symbol("x"), Symbol("y"), Symbol("z"), Symbol("a"), Symbol("b")))

#: plain scalars and functions: the sigmoid / cost exercises
SCALARS = SymbolTable(
    symbols=(
        Symbol("z"), Symbol("x"), Symbol("y"), Symbol("a"), Symbol("b"), Symbol("t"),
        Symbol("eta", domain=(0.1, 1.0)), Symbol("lambda"), Symbol("alpha"),
        Symbol("w_1"), Symbol("w_2"), Symbol("f_L"), Symbol("partialC"), Symbol("partialw_1"),
        Symbol("p", domain=(0.1, 3.0)),
        Symbol("f", FUNCTION), Symbol("g", FUNCTION, alias="sigmoid"), Symbol("g_L", FUNCTION),
    ),
)

#: a feed-forward network: a_j^l, z_j^l, delta_j^l, b_j^l, w_(jk)^l, y_j, yhat_i and an activation f
NETWORK = SymbolTable(
    symbols=(
        Symbol("a", INDEXED, subscripts=1, superscript=True),
        Symbol("z", INDEXED, subscripts=1, superscript=True),
        Symbol("delta", INDEXED, subscripts=1, superscript=True),
        Symbol("b", INDEXED, subscripts=1, superscript=True),
        Symbol("w", INDEXED, subscripts=2, superscript=True),
        Symbol("y", INDEXED, subscripts=1),
        Symbol("yhat", INDEXED, subscripts=1),
        Symbol("W", INDEXED, subscripts=2, superscript=True),
        Symbol("eta", domain=(0.1, 1.0)),
        Symbol("w_1"), Symbol("x"),
        Symbol("f", FUNCTION), Symbol("g", FUNCTION), Symbol("g_L", FUNCTION),
    ),
    indices=(("i", "unit"), ("j", "unit"), ("k", "unit"), ("m", "unit"), ("l", "layer"), ("L", "last"),
             ("nl", "last")),
)

#: vectors and matrices: the matrix form of backpropagation
MATRICES = SymbolTable(
    symbols=(
        Symbol("W", MATRIX, superscript=True),
        Symbol("delta", VECTOR, superscript=True),
        Symbol("z", VECTOR, superscript=True),
        Symbol("a", VECTOR, superscript=True),
        Symbol("u", VECTOR), Symbol("v", VECTOR), Symbol("M", MATRIX), Symbol("c"),
        Symbol("f", FUNCTION),
    ),
    indices=(("l", "layer"), ("L", "last")),
)

#: the two-layer numeric example of the course: x -> relu(w1*x) -> sigma(w2*h + b), loss 1/2 (yhat - t)^2
TWO_LAYER = SymbolTable(
    symbols=(Symbol("x"), Symbol("t"), Symbol("w1"), Symbol("w2"), Symbol("b")),
)
TWO_LAYER_GIVEN = (("x", 3.0), ("t", 1.0), ("w1", 0.01), ("w2", -5.0), ("b", -1.0))


# --- problems -----------------------------------------------------------------------------

def expression(answer: str, table: SymbolTable = SCALARS, pid: str = "p", part_id: str = "a", **part) -> tuple:
    """A one-part expression problem and its part."""
    p = Part(id=part_id, prompt="", kind=EXPRESSION, answer=answer, **part)
    prob = Problem(id=pid, title="", statement="", table=table, parts=(p,))
    return prob, p


def numeric(answer: str, tolerance: Tolerance, table: SymbolTable = TWO_LAYER, given=TWO_LAYER_GIVEN,
            pid: str = "two-layer", part_id: str = "n", **part) -> tuple:
    p = Part(id=part_id, prompt="", kind=NUMERIC, answer=answer, tolerance=tolerance, **part)
    prob = Problem(id=pid, title="", statement="", table=table, parts=(p,), given=tuple(given))
    return prob, p


def choice(answer: str, options: tuple, multi: bool = False, **part) -> tuple:
    p = Part(id="c", prompt="", kind=MULTI_CHOICE if multi else CHOICE, answer=answer, options=options, **part)
    prob = Problem(id="choices", title="", statement="", table=SymbolTable(), parts=(p,))
    return prob, p


#: the references of the two-layer example (loss and gradients computed from the given values)
HIDDEN = "relu(w1*x)"
OUTPUT = f"sigma(w2*{HIDDEN}+b)"
TWO_LAYER_REFERENCES = {
    "loss": f"1/2*({OUTPUT}-t)^2",
    "dC/db": f"({OUTPUT}-t)*sigma'(w2*{HIDDEN}+b)",
    "dC/dw2": f"({OUTPUT}-t)*sigma'(w2*{HIDDEN}+b)*{HIDDEN}",
    "dC/dw1": f"({OUTPUT}-t)*sigma'(w2*{HIDDEN}+b)*w2*relu'(w1*x)*x",
}


@pytest.fixture(scope="session")
def scalars() -> SymbolTable:
    return SCALARS


@pytest.fixture(scope="session")
def network() -> SymbolTable:
    return NETWORK


@pytest.fixture(scope="session")
def matrices() -> SymbolTable:
    return MATRICES


__all__ = ["PLAIN", "SCALARS", "NETWORK", "MATRICES", "TWO_LAYER", "TWO_LAYER_GIVEN", "TWO_LAYER_REFERENCES", "expression",
           "numeric", "choice", "plain_tree", "associate", "Mistake", "Tolerance", "SCALAR"]


# --- helpers over parse trees ---------------------------------------------------------------

def plain_tree(node):
    """The tree without the notes on how the student typed an operator (`**`, implicit `*`):
    those are kept for feedback and do not change the reading."""
    from grader.answers.tree import Bin, Call, Neg, Sum, Transpose
    if isinstance(node, Bin):
        return Bin(node.op, plain_tree(node.left), plain_tree(node.right), "")
    if isinstance(node, Neg):
        return Neg(plain_tree(node.arg))
    if isinstance(node, Transpose):
        return Transpose(plain_tree(node.arg))
    if isinstance(node, Call):
        return Call(node.name, tuple(plain_tree(a) for a in node.args), node.order)
    if isinstance(node, Sum):
        return Sum(node.index, plain_tree(node.body), node.kind)
    return node


def associate(node):
    """Rotate right-nested chains of one precedence level to the left, as a re-parse reads them:
    x + (y - z) and x + y - z, x*(y/z) and x*y/z are the same reading."""
    from grader.answers.tree import Bin, Call, Neg, Sum, Transpose
    if isinstance(node, Bin):
        left, right = associate(node.left), associate(node.right)
        if isinstance(right, Bin):
            if node.op == "+" and right.op in "+-":
                return associate(Bin(right.op, Bin("+", left, right.left), right.right))
            if node.op == "*" and right.op in ("*", "/"):
                return associate(Bin(right.op, Bin("*", left, right.left), right.right))
            if node.op == ".*" and right.op == ".*":
                return associate(Bin(".*", Bin(".*", left, right.left), right.right))
        return Bin(node.op, left, right)
    if isinstance(node, Neg):
        return Neg(associate(node.arg))
    if isinstance(node, Transpose):
        return Transpose(associate(node.arg))
    if isinstance(node, Call):
        return Call(node.name, tuple(associate(a) for a in node.args), node.order)
    if isinstance(node, Sum):
        return Sum(node.index, associate(node.body), node.kind)
    return node


# --- the versions this run resolved ---------------------------------------------------------

VERSIONED = ("sympy", "numpy", "click", "PyYAML", "pytest", "hypothesis", "jsonschema")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def pytest_sessionstart(session):
    """One line before the tests (also under -q), so a red run shows what pip resolved."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        line = ", ".join(f"{d} {_version(d)}" for d in VERSIONED)
        reporter.write_line(f"versions: Python {platform.python_version()}, {line}")


# --- the shipped bank with per-student values switched on ---------------------------------

REPO = Path(__file__).resolve().parent.parent


def randomized_bank_dir(dest: Path) -> Path:
    """A copy of problems/ where the two-layer example draws per-student values (the shipped
    bank grades the course's values; its variant ranges are ready to be switched on)."""
    shutil.copytree(REPO / "problems", dest, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    path = dest / "two-layer-example.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nrandomize:" not in text
    path.write_text(text + "\nrandomize: per-student\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def randomized_bank(tmp_path_factory) -> Path:
    return randomized_bank_dir(tmp_path_factory.mktemp("randomized") / "problems")


# --- helpers many test files share ---------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args, env=None):
    """`grader ARGS` through click's CliRunner: never a traceback, never an unexpected exception."""
    from click.testing import CliRunner
    from grader.interfaces.cli import main
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output + result.stderr
    return result


def ascii_of(text, table=PLAIN) -> str:
    from grader.answers.parser import parse
    return parse(text, table).ascii


def error_of(text, table=PLAIN):
    from grader.answers.parser import AnswerSyntaxError, parse
    with pytest.raises(AnswerSyntaxError) as info:
        parse(text, table)
    return info.value


@pytest.fixture(autouse=True)
def _outside_the_repository(tmp_path_factory, monkeypatch):
    """Every test starts in an empty folder, with no $GRADER_PROBLEMS: commands read the bank
    installed with the grader, as a student's would. From the repository's root they would read
    ./problems/ and say so, but only when the grader is not installed in editable mode (there,
    ./problems/ is the installed bank): the suite must not depend on how it was installed. Tests
    of the bank rule chdir where they need to."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
