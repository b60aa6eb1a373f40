"""backprop-grader: an auto-graded homework checker for the backpropagation unit.

The public API (everything else is internal and may change):

    import grader
    grader.check("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")   # -> CheckResult
    grader.problem("sigmoid")                    # -> ProblemSheet: the statement, names, parts
    grader.interpret("sigmoid", "e^-z/(1+e^-z)^2")  # -> Interpretation: what the grader reads
    grader.compare("2*x", "x+x")                 # -> Outcome: equivalent / different / invalid
    grader.load_bank(folder)                     # -> {problem id: Problem}
    grader.find(bank, "sigmoid", "derivative")   # -> (Problem, Part), or UnknownName
    grader.grade_file("answers.yaml")            # -> SubmissionResult
    grader.grade_class("submissions/", "grader-out")  # -> ClassRun: counts, exit code, rows; reports written

`problems=` takes a loaded bank, a folder, or None (the bank shipped with the package).
CheckResult and ProblemSheet show themselves in Jupyter (HTML with MathML, or Markdown) and
print as plain text elsewhere.

Attributes load on first use (module `__getattr__`), so `import grader` stays cheap and the
`grader check` command starts fast.
"""
__version__ = "0.1.0"

_EXPORTS = {
    # functions
    "check": "grader.api", "problem": "grader.api", "interpret": "grader.api", "compare": "grader.api",
    "load_bank": "grader.api", "find": "grader.api", "grade_file": "grader.api", "grade_class": "grader.api",
    "UnknownName": "grader.api",
    # value types
    "CheckResult": "grader.results", "ProblemSheet": "grader.results", "Interpretation": "grader.results",
    "Verdict": "grader.model", "PartResult": "grader.model", "SubmissionResult": "grader.model",
    "Problem": "grader.model", "Part": "grader.model", "Outcome": "grader.checking.checker",
    "ClassRun": "grader.classes.classrun",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
