"""The package as a student installs it: a wheel built from this repository, installed into a
fresh virtual environment, run through its `grader` console script from a folder without
./problems. Catches what no `python -m grader` from the checkout can: a console-script entry
point that does not resolve, and package data (the problem bank, the docs, the web page) that
pyproject.toml forgot to ship. Offline: the wheel is built with this environment's setuptools
(no build isolation) and installed from the file alone (no index); the dependencies are seen
through a .pth line naming this environment's site-packages.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "grader", "problems", "docs")   # what the build reads
TIMEOUT = 300


def _run(args, **kw):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT, **kw)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin folder, an environment for it) with this repository's wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"                         # a copy: the build's build/ and egg-info stay out of the checkout
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, src / name)
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", wheels, src])
    [wheel] = wheels.glob("backprop_grader-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])
    # the dependencies (sympy, numpy, click, PyYAML) from this environment, after the venv's own
    # site-packages on sys.path; a plain path line, so this environment's own .pth files (an
    # editable install of the checkout) are not processed there. Written after the install: with
    # it before, pip saw this environment's own copy of the grader (CI installs it non-editable)
    # as "already satisfied" and installed nothing.
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "GRADER_PROBLEMS", "GRADER_DEBUG", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PYTHONUTF8="1", GRADER_STATE_DIR=str(tmp / "state"), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}")
    where = _run([python, "-c", "import grader; print(grader.__file__)"], env=env, cwd=tmp).stdout.strip()
    assert Path(where).is_relative_to(site), where       # the wheel's copy, not the checkout's
    return venv / "bin", env


@pytest.fixture
def grader(installed, tmp_path):
    """Run the installed console script (not python -m) in an empty folder: no ./problems."""
    bindir, env = installed
    script = bindir / "grader"
    assert script.is_file()

    def run(*args, code=0):
        proc = subprocess.run([str(script), *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=TIMEOUT)
        assert proc.returncode == code, (args, proc.stdout[-2000:], proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr
        return proc

    return run


def test_the_installed_script_lists_the_installed_bank(grader):
    result = grader("list", "--format", "json")
    ids = sorted(p["id"] for p in json.loads(result.stdout))
    assert ids == sorted(p.stem for p in (REPO / "problems").glob("*.yaml"))
    assert len(ids) == 15
    assert "(the bank installed with the grader)" in result.stderr


def test_the_installed_script_prints_the_installed_answer_syntax(grader):
    expected = (REPO / "docs" / "answer-syntax.md").read_text(encoding="utf-8")
    assert grader("syntax").stdout == expected


def test_the_installed_script_checks_an_answer(grader):
    result = grader("check", "sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")
    assert result.stdout.startswith("Correct  (")
    assert grader("check", "sigmoid", "derivative", "e^(-z)", code=1).stdout.startswith("Incorrect  (")


def test_the_web_page_files_are_installed(installed):
    bindir, env = installed
    probe = ('from importlib.resources import files; page = files("grader.interfaces").joinpath("webpage"); '
             'print(sorted(p.name for p in page.iterdir()), page.joinpath("index.html").is_file())')
    out = _run([bindir / "python", "-c", probe], env=env, cwd=bindir).stdout.strip()
    shipped = sorted(p.name for p in (REPO / "grader" / "interfaces" / "webpage").iterdir())
    assert out == f"{shipped} True"


def test_the_installed_script_starts_a_problem_that_validates(grader, tmp_path):
    """`grader new` reads its template from package data: a wheel that forgot it cannot start one."""
    grader("new", "first-try")
    assert (tmp_path / "problems" / "first-try.yaml").read_text(encoding="utf-8").startswith("# first-try: ")
    assert grader("validate").stderr.splitlines()[-1] == "All problem files are valid."
