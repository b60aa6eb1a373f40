"""Which problem bank a command reads: one rule for every command.

An instructor edits ./problems/ and runs `grader validate`, then `grader check`: both must read
the same files, or an edit passes validation while students are still graded on the old copy.
The rule takes the folder given on the command line, then the environment's, then a problems/
folder with problem files in the current folder, then the bank installed with the grader. The
caller passes the option, the environment's value and the current folder: the library reads
neither the environment nor the process's state.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from grader.authoring.loader import default_bank_dir, problem_files

OPTION, ENVIRONMENT, HERE, INSTALLED = "option", "environment", "here", "installed"
_WHY = {OPTION: "--problems", ENVIRONMENT: "$GRADER_PROBLEMS", HERE: "the problems/ folder here",
        INSTALLED: "the bank installed with the grader"}


@dataclass(frozen=True)
class BankLocation:
    path: Any           # a folder (Path), or an importlib.resources Traversable for a zipped install
    source: str         # OPTION | ENVIRONMENT | HERE | INSTALLED

    @property
    def installed(self) -> bool:
        return self.source == INSTALLED

    @property
    def here(self) -> bool:
        """A problems/ folder found in the current folder: the instructor's own bank, being
        written (`grader serve` watches it unless told not to)."""
        return self.source == HERE

    def describe(self) -> str:
        """`Problem bank: problems (the problems/ folder here)`: what a command says on stderr."""
        return f"Problem bank: {self.path} ({_WHY[self.source]})"


def locate_bank(option: Optional[str] = None, environment: Optional[str] = None,
                here: Optional[Path] = None) -> BankLocation:
    """The bank a command reads. `here` is the current folder (None: do not look in it). A
    problems/ folder that is the installed bank itself (an editable install run from the
    repository) counts as the installed bank."""
    if option:
        return BankLocation(Path(option), OPTION)
    if environment:
        return BankLocation(Path(environment), ENVIRONMENT)
    installed = default_bank_dir()
    if here is not None:
        local = Path(here) / "problems"
        try:
            if local.is_dir() and problem_files(local) and not _same_folder(local, installed):
                return BankLocation(Path("problems") if Path(here) == Path(".") else local, HERE)
        except (OSError, ValueError):
            pass        # an unreadable problems/ folder is not a bank being edited
    return BankLocation(installed, INSTALLED)


def _same_folder(a: Path, b: Any) -> bool:
    try:
        return a.resolve() == Path(str(b)).resolve()
    except (OSError, TypeError, ValueError):
        return False
