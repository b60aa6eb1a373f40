"""`python -m grader`: the same command as `grader`."""
from grader.interfaces.cli import main

main()
