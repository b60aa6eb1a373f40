"""No code in grader/ evaluates text: a static scan of every module's syntax tree.

Students' answers and instructors' YAML are untrusted. The package must never hand text to
eval/exec/compile, SymPy's string parsers (sympify, parse_expr, S("...")), lambdify,
__import__, pickle/marshal, an unsafe YAML loader, a shell, or os.system. The scanner is
tested on small snippets first, so a finding-free package really means something.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "grader"

FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_ANYWHERE = {"sympify", "parse_expr", "lambdify", "unsafe_load", "unsafe_load_all", "full_load",
                      "full_load_all"}
FORBIDDEN_MODULE_CALLS = {
    ("pickle", "loads"), ("pickle", "load"), ("marshal", "loads"), ("marshal", "load"), ("os", "system"),
    ("os", "popen"), ("shelve", "open"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "compile"),
    ("builtins", "__import__"), ("dill", "loads"), ("cloudpickle", "loads"),
}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
UNSAFE_YAML_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
SUBPROCESS_CALLS = {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput"}
SYMPY_MODULES = {"sympy", "sp", "sym"}


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _loader_name(node: ast.AST) -> str:
    return _dotted(node).rsplit(".", 1)[-1]


def scan(source: str, filename: str = "<snippet>") -> list[str]:
    """Every dangerous construct in `source`, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    found = []

    def report(node, what):
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in FORBIDDEN_ANYWHERE or (node.module or "").endswith("sympy_parser"):
                    report(node, f"imports {alias.name} from {node.module}")
                if node.module in ("pickle", "marshal", "dill", "cloudpickle") and alias.name.startswith("load"):
                    report(node, f"imports {alias.name} from {node.module}")
                if node.module == "yaml" and alias.name in UNSAFE_YAML_LOADERS | {"load", "load_all"}:
                    report(node, f"imports yaml.{alias.name}")
        if isinstance(node, ast.Attribute) and _dotted(node.value) == "yaml" and node.attr in UNSAFE_YAML_LOADERS:
            report(node, f"uses yaml.{node.attr}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = _dotted(func)
        last = name.rsplit(".", 1)[-1] if name else ""
        head = name.split(".", 1)[0] if name else ""
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
            report(node, f"calls {func.id}()")
        if last in FORBIDDEN_ANYWHERE:
            report(node, f"calls {name}()")
        if "." in name and tuple(name.rsplit(".", 1)) in FORBIDDEN_MODULE_CALLS:
            report(node, f"calls {name}()")
        if name in {f"{m}.S" for m in SYMPY_MODULES} and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) or not isinstance(a, ast.Constant)
                for a in node.args):
            report(node, f"calls {name}() (sympify)")
        if name in ("yaml.load", "yaml.load_all"):
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader is None and len(node.args) >= 2:
                loader = node.args[1]
            if loader is None or _loader_name(loader) not in SAFE_YAML_LOADERS:
                report(node, f"calls {name}() without a safe Loader")
        if head in ("subprocess", "asyncio") or last in ("create_subprocess_shell",):
            if last == "create_subprocess_shell":
                report(node, f"calls {name}()")
            for k in node.keywords:
                if k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False):
                    report(node, f"calls {name}() with shell={ast.unparse(k.value)}")
            if last in ("getoutput", "getstatusoutput"):
                report(node, f"calls {name}() (runs a shell)")
        elif last in SUBPROCESS_CALLS and any(k.arg == "shell" for k in node.keywords):
            for k in node.keywords:
                if k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False):
                    report(node, f"calls {name}() with shell={ast.unparse(k.value)}")
    return found


# --- the scanner itself ---------------------------------------------------------------------

@pytest.mark.parametrize("snippet", [
    "eval(text)",
    "exec(code)",
    "compile(src, 'f', 'eval')",
    "__import__('os')",
    "builtins.eval(x)",
    "import sympy\nsympy.sympify(text)",
    "import sympy as sp\nsp.sympify(text)",
    "from sympy import sympify\n",
    "from sympy.parsing.sympy_parser import parse_expr\n",
    "parse_expr(text)",
    "sp.parsing.sympy_parser.parse_expr(text)",
    "sp.lambdify(args, expr)",
    "from sympy.utilities.lambdify import lambdify\n",
    "sp.S('x+1')",
    "sympy.S(text)",
    "pickle.loads(data)",
    "pickle.load(f)",
    "from pickle import loads\n",
    "marshal.loads(data)",
    "yaml.load(text)",
    "yaml.load(text, Loader=yaml.Loader)",
    "yaml.load(text, Loader=yaml.FullLoader)",
    "yaml.load(text, yaml.UnsafeLoader)",
    "yaml.load_all(text)",
    "yaml.unsafe_load(text)",
    "yaml.full_load(text)",
    "loader = yaml.Loader",
    "from yaml import Loader\n",
    "subprocess.run(cmd, shell=True)",
    "subprocess.Popen(cmd, shell=flag)",
    "subprocess.check_output('ls', shell=True)",
    "subprocess.getoutput('ls')",
    "os.system('ls')",
    "os.popen('ls')",
])
def test_scanner_finds(snippet):
    assert scan(snippet), snippet


@pytest.mark.parametrize("snippet", [
    "re.compile(r'x+')",
    "_TOKEN.match(src)",
    "yaml.load(text, Loader=yaml.SafeLoader)",
    "yaml.load(text, Loader=yaml.CSafeLoader)",
    "yaml.safe_load(text)",
    "loader = getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader",
    "subprocess.run([sys.executable, '-c', 'pass'])",
    "subprocess.run(cmd, shell=False)",
    "sp.Symbol('x')",
    "sp.Integer(3)",
    "sp.S.Half",
    "evaluate(tree, world)",
    "ast.literal_eval(x)",
    "pickle.dumps(x)",
])
def test_scanner_allows(snippet):
    assert scan(snippet) == []


# --- the package ----------------------------------------------------------------------------

MODULES = sorted(PACKAGE.rglob("*.py"))


def test_package_has_modules():
    names = {p.relative_to(PACKAGE).as_posix() for p in MODULES}
    assert {"answers/parser.py", "checking/checker.py", "answers/render.py", "checking/evaluate.py",
            "checking/feedback.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_module_evaluates_no_text(path):
    source = path.read_text(encoding="utf-8")
    assert scan(source, path.name) == []
