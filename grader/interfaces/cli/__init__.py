"""The `grader` command: a thin layer of click over the public API (`import grader`).

Exit statuses are `grader.Exit` (README "Exit codes"); an error the library raises on purpose
carries its own (`GraderError.exit_code`) and one handler (`base.Group`) maps it. Results go to
stdout; progress and diagnostics to stderr. The CLI owns the terminal and the environment:
every environment variable the grader honours is read here.
"""
from grader.interfaces.cli.base import main
from grader.interfaces.cli import classes, instructor, student, tools  # noqa: F401  (each adds its commands)

__all__ = ["main"]
