"""backprop-grader: an auto-graded homework checker for the backpropagation unit.

The public API (everything else is internal and may change):

    import grader
    grader.check("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")   # -> CheckResult
    grader.problem("sigmoid")                    # -> ProblemSheet: the statement, names, parts
    grader.interpret("sigmoid", "e^-z/(1+e^-z)^2")  # -> Interpretation: what the grader reads
    grader.compare("2*x", "x+x")                 # -> Outcome: equivalent / different / invalid
    grader.compare_steps("x*(1-x)\n= x - x^2")   # -> StepsOutcome: each line against the one before
    grader.load_bank(folder)                     # -> {problem id: Problem}
    grader.find(bank, "sigmoid", "derivative")   # -> (Problem, Part), or UnknownName
    grader.grade_answer(problem, part, "0.288", student="alice")   # -> Verdict: the one grading path
    grader.grade_file("answers.yaml")            # -> SubmissionResult
    grader.grade_class("submissions/", "grader-out")  # -> ClassRun: counts, exit code, rows; reports written

For instructors and TAs: `locate_bank`, `validate`, `json_schema`, `syntax_guide`,
`load_assignment`, `apply_assignment`, `load_roster`, `roster_report`, `students_in`,
`write_handouts`. Every error the library raises on purpose is a `GraderError` (`StudentError`:
the student can fix it; `AuthorError`: the instructor or TA can), whose `exit_code` is the
`grader` command's status for it (`Exit`).

`problems=` takes a loaded bank, a folder, or None (the bank shipped with the package);
`assignment=` (on `check` and `problem`) an assignment file or a loaded one, so a notebook uses
the values the handout and the class run use (`grader.assigned(bank, assignment)` for others).
CheckResult and ProblemSheet show themselves in Jupyter (HTML with MathML, or Markdown) and
print as plain text elsewhere.

Attributes load on first use (module `__getattr__`), so `import grader` stays cheap and the
`grader check` command starts fast.
"""
__version__ = "0.1.0"

_API = ("check", "problem", "interpret", "compare", "compare_steps", "load_bank", "find", "grade_answer", "grade_file",
        "grade_class", "UnknownName", "read", "student_values", "given_values", "ensure_checkable",
        "BrokenReference", "locate_bank", "BankLocation", "validate", "json_schema",
        "syntax_guide", "load_assignment", "apply_assignment", "assigned", "load_roster", "roster_report", "students_in",
        "write_handouts", "read_answer_file", "grade_submission", "student_source", "write_gradescope", "check_result", "too_complex",
        "answer_key", "answer_keys_text", "write_answer_keys", "new_problem", "clear_caches")
_EXPORTS = {
    **{name: "grader.api" for name in _API},
    # value types
    "CheckResult": "grader.results", "ProblemSheet": "grader.results", "Interpretation": "grader.results",
    "Verdict": "grader.model", "Step": "grader.model", "StepStatus": "grader.model", "PartResult": "grader.model", "SubmissionResult": "grader.model",
    "Problem": "grader.model", "Part": "grader.model", "Outcome": "grader.checking.checker",
    "StepsOutcome": "grader.checking.checker", "StepOutcome": "grader.checking.checker",
    "ClassRun": "grader.classes.classrun", "ValidationIssue": "grader.authoring.validation",
    "Assignment": "grader.authoring.assignment", "Roster": "grader.authoring.roster",
    "Person": "grader.authoring.roster", "Submission": "grader.classes.submissions",
    "AnswerKey": "grader.formats.answer_key", "PartKey": "grader.formats.answer_key",
    # errors: every one a GraderError, carrying its exit status
    "DEADLINE_SECONDS": "grader.limits",    # light modules: the CLI imports these names at start-up
    "Exit": "grader.errors", "GraderError": "grader.errors", "StudentError": "grader.errors",
    "AuthorError": "grader.errors", "BankError": "grader.errors", "os_reason": "grader.errors",
    "AnswerSyntaxError": "grader.answers.parser", "ProblemError": "grader.authoring.loader",
    "AssignmentError": "grader.authoring.assignment", "RosterError": "grader.authoring.roster",
    "BatchError": "grader.classes.classrun",
    "answers_yaml": "grader.formats.answer_file", "UnwritableAnswer": "grader.formats.answer_file",
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
