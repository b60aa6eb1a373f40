"""The library a notebook imports stays the library: click (the command line) and Starlette /
uvicorn (the web page) are imported only under grader/interfaces/, never by `import grader`."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "grader"
INTERFACE_ONLY = {"click", "starlette", "uvicorn"}


def test_a_notebook_check_does_not_load_click():
    code = ('import grader, sys; grader.check("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2"); '
            'grader.problem("sigmoid"); '
            'print(sorted(m for m in sys.modules if m.split(".")[0] in ("click", "starlette", "uvicorn")))')
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("GRADER_PROBLEMS", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def interface_imports(path: Path) -> list[str]:
    """`module (line n)` for each import of click, starlette or uvicorn in one source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{n} (line {node.lineno})" for n in names if n.split(".")[0] in INTERFACE_ONLY]
    return found


def test_only_the_interfaces_import_click_starlette_or_uvicorn():
    sources = [p for p in PACKAGE.rglob("*.py") if "interfaces" not in p.relative_to(PACKAGE).parts]
    assert len(sources) > 30                            # the scan sees the package
    offenders = {str(p.relative_to(REPO)): names for p in sources if (names := interface_imports(p))}
    assert offenders == {}
    assert interface_imports(PACKAGE / "interfaces" / "cli" / "base.py")   # the scan does find an import of click
