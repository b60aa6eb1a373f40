"""Interfaces: the `grader` command and the local web page, over the public API."""
