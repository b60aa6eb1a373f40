"""The package's shape is checked, not trusted (issue 22): folders by stage along the flow,
imports pointing one way, interfaces over the public API, small modules, and README's map of
the code true to the folders."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "grader"
#: the stages, in the order data flows through them; a stage imports only from earlier ones
FLOW = ("answers", "checking", "authoring", "show", "formats", "classes", "interfaces")
#: modules at the top of the package that everything may use (values, errors, limits, formatting)
BASE = ("model", "errors", "limits", "number_format")
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "webpage" not in p.parts and p.name != "__main__.py")


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            if node.module == "grader":
                out.extend(f"grader.{a.name}" for a in node.names if (PACKAGE / a.name).is_dir())
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "grader" and parts[1] in FLOW else None


def test_every_stage_is_a_folder_and_every_folder_a_stage():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(FLOW)


def test_pyproject_ships_every_package():
    """A folder missing from pyproject's list is missing from the wheel: `grader` would fail
    with ModuleNotFoundError after `pip install .` while every test of the checkout passes."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")      # tomllib is 3.11+; we support 3.10
    listed = set(re.findall(r'"([a-z_.]+)"', re.search(r"^packages = \[([^\]]*)\]", text, re.M).group(1)))
    folders = {".".join(p.parent.relative_to(REPO).parts) for p in PACKAGE.rglob("__init__.py")}
    assert folders - listed == set()


@pytest.mark.parametrize("path", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_no_module_over_600_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600


@pytest.mark.parametrize("folder", sorted({p.parent for p in MODULES}), ids=lambda p: p.name)
def test_no_folder_over_15_modules(folder):
    assert len([p for p in folder.glob("*.py") if p.name != "__init__.py"]) <= 15


@pytest.mark.parametrize("path", [p for p in MODULES if _stage("grader." + p.relative_to(PACKAGE).parts[0])],
                         ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_stages_import_only_earlier_stages(path):
    mine = FLOW.index(path.relative_to(PACKAGE).parts[0])
    later = sorted({m for m in _imports(path) if _stage(m) and FLOW.index(_stage(m)) > mine})
    assert later == [], f"{path.relative_to(REPO)} imports a later stage"


@pytest.mark.parametrize("path", [p for p in MODULES if p.relative_to(PACKAGE).parts[0] == "interfaces"],
                         ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_interfaces_use_the_public_api_and_presentation_helpers_only(path):
    allowed = ("grader", "grader.show", "grader.interfaces", "grader.limits")
    bad = sorted({m for m in _imports(path) if m.startswith("grader")
                  and not any(m == a or m.startswith(a + ".") and a != "grader" for a in allowed)})
    assert bad == []


def test_readme_maps_every_stage_and_nothing_else():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the code is organised", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`grader/([a-z_]+)/`", section))
    assert named == set(FLOW)
    modules = set(re.findall(r"`grader/([a-z_]+(?:/[a-z_]+)?)\.py`", section))
    missing = sorted(m for m in modules if not (PACKAGE / f"{m}.py").exists())
    assert modules and missing == []


def test_the_command_starts_without_the_checker():
    """`grader --help`, `grader list` and every command's start import neither NumPy nor the
    checker: each command imports what it needs when it runs (a student waits for start-up on
    every `grader check`). A name the CLI takes from `grader` at import must come from a light
    module (errors, limits), not from the API."""
    import subprocess
    import sys
    code = ("import sys, grader.interfaces.cli; "
            "print(sorted(m for m in ('numpy', 'grader.api', 'grader.checking.checker') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout == "[]\n", out.stderr
