"""Authoring: problem, assignment and roster files -> the values grading uses."""
