"""grader.authoring.loader: loading problem files, variants, the JSON schema and validate().

Tests marked "checker" go through grader.answers.parser / grader.checking.checker."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import jsonschema

from grader.authoring import fields as F
from grader.authoring import loader as P
from grader.answers import functions
from grader.authoring import yamlsafe
from grader.limits import YAML_MAX_BYTES
from grader.authoring import schema as S
from grader.authoring import validation as V
from grader.checking import variants as VAR
from grader.model import (CHOICE, FUNCTION, INDEXED, MULTI_CHOICE, NUMERIC, PART_KINDS, SCALAR, SYMBOL_KINDS,
                          INDEX_ROLES, VECTOR, Problem)
from grader.authoring.loader import ProblemError, load_problem

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """\
title: T
statement: S
symbols:
  z: scalar
parts:
  - id: p
    prompt: What?
    answer: "z"
"""


def write(tmp_path: Path, text: str, name: str = "prob.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error(path: Path) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    return info.value


# --- a good file -----------------------------------------------------------------------------

def test_minimal_problem(tmp_path):
    p = load_problem(write(tmp_path, MINIMAL))
    assert isinstance(p, Problem)
    assert p.id == "prob" and p.title == "T" and p.statement == "S"
    assert p.path == str(tmp_path / "prob.yaml")
    part = p.parts[0]
    assert (part.id, part.prompt, part.kind, part.answer, part.points) == ("p", "What?", "expression", "z", 1.0)
    assert part.line == 6
    assert p.table.get("z").kind == SCALAR


def test_full_problem(tmp_path):
    path = write(tmp_path, """\
        title: Full
        statement: |
          Two lines
          of text.
        symbols:
          z: scalar
          eta: {kind: scalar, domain: [0.01, 1], latex: '\\eta'}
          delta: {kind: indexed, subscripts: 1, superscript: true}
          w: {kind: indexed, subscripts: 2, superscript: true}
          g: {kind: function, alias: sigmoid}
          W: {kind: matrix, superscript: true}
          yhat: {kind: vector, definition: "softmax(a_L)"}
          a_L: vector
        indices: {j: unit, k: unit, l: layer, L: last}
        parts:
          - id: delta-L
            prompt: What is it?
            kind: expression
            answer: "g(z)*(1-g(z))"
            points: 2.5
            tolerance: {rtol: 1.0e-6, atol: 0}
            forbidden: [sigma, sigmoid]
            required: [g]
            restriction: Use g.
            hints: [one, two]
            show_solution: true
            mistakes:
              - answer: "g(z)"
                message: That is g.
                tag: itself
                score: 0.25
            tests:
              - {answer: "g(z)-g(z)^2", status: correct}
              - {answer: "g(z)", status: incorrect, feedback: "That is g"}
              - {answer: "", status: invalid}
          - id: pick
            prompt: Pick
            kind: multi-choice
            options: [a, b, c]
            answer: "A, C"
            partial_credit: true
          - id: one
            prompt: One
            kind: choice
            options: [a, b]
            answer: B
    """, "full.yaml")
    p = load_problem(path)
    assert p.statement == "Two lines\nof text.\n"
    eta = p.table.get("eta")
    assert eta.domain == (0.01, 1.0) and eta.latex == "\\eta"
    assert p.table.get("delta").kind == INDEXED and p.table.get("delta").subscripts == 1
    assert p.table.get("delta").superscript is True
    assert p.table.get("g").kind == FUNCTION and p.table.get("g").alias == "sigmoid"
    assert p.table.get("yhat").kind == VECTOR and p.table.get("yhat").definition == "softmax(a_L)"
    assert p.table.indices == (("j", "unit"), ("k", "unit"), ("l", "layer"), ("L", "last"))
    a = p.part("delta-L")
    assert a.points == 2.5 and a.tolerance.rtol == 1e-6 and a.tolerance.atol == 0
    assert a.forbidden == ("sigma", "sigmoid") and a.required == ("g",) and a.restriction == "Use g."
    assert a.hints == ("one", "two") and a.show_solution is True
    assert a.mistakes[0].tag == "itself" and a.mistakes[0].score == 0.25
    assert [t.status for t in a.tests] == ["correct", "incorrect", "invalid"]
    assert a.tests[1].feedback == "That is g" and a.tests[2].answer == ""
    pick = p.part("pick")
    assert pick.kind == MULTI_CHOICE and pick.options == ("a", "b", "c") and pick.partial_credit
    assert p.part("one").kind == CHOICE and p.part("one").answer == "B"
    assert p.max_score == 4.5


def test_exact_text_of_answers_and_numbers(tmp_path):
    path = write(tmp_path, """\
        title: T
        statement: S
        given: {x: 2.080, y: -0.004, n: 1e-3}
        parts:
          - id: n
            prompt: P
            kind: numeric
            answer: 2.080
            tolerance: {absolute: 0.001}
            tests:
              - {answer: 2.080, status: correct}
              - {answer: no, status: invalid}
    """)
    p = load_problem(path)
    assert dict(p.given) == {"x": 2.08, "y": -0.004, "n": 0.001}
    part = p.parts[0]
    assert part.answer == "2.080" and type(part.answer) is str
    assert part.tests[0].answer == "2.080" and part.tests[1].answer == "no"
    assert part.tolerance.absolute == 0.001
    # given names become scalar symbols the references can use
    assert p.table.get("x").kind == SCALAR


# --- errors with file:line ---------------------------------------------------------------------

def test_unknown_part_field_with_suggestion(tmp_path):
    path = write(tmp_path, MINIMAL.replace('    answer: "z"', '    answr: "z"'), "sigmoid.yaml")
    e = error(path)
    assert str(e) == f"{path}:8: part 'p': unknown field 'answr' (did you mean 'answer'?)"
    assert e.line == 8 and e.path == str(path)


def test_message_format_with_relative_path(tmp_path, monkeypatch):
    (tmp_path / "problems").mkdir()
    write(tmp_path, MINIMAL.replace('    answer: "z"', '    answr: "z"'), "problems/sigmoid.yaml")
    monkeypatch.chdir(tmp_path)
    e = error(Path("problems/sigmoid.yaml"))
    assert str(e) == "problems/sigmoid.yaml:8: part 'p': unknown field 'answr' (did you mean 'answer'?)"


@pytest.mark.parametrize("replace, line, message", [
    (("title: T", "titel: T"), 1, "problem: unknown field 'titel' (did you mean 'title'?)"),
    (("statement: S\n", ""), 1, "problem: missing field 'statement'"),
    (("  z: scalar", "  z: scalr"), 4, "symbol 'z': unknown kind 'scalr' (did you mean 'scalar'?); "
                                       "use one of scalar, indexed, vector, matrix, function"),
    (("  z: scalar", "  z: {kind: indexed, subscript: 1}"), 4,
     "symbol 'z': unknown field 'subscript' (did you mean 'subscripts'?)"),
    (("  z: scalar", "  z: {kind: indexed}"), 4,
     "symbol 'z': an indexed symbol needs 'subscripts' or 'superscript: true'"),
    (("  z: scalar", "  z: {kind: scalar, domain: [2, 1]}"), 4, "symbol 'z': domain low must be smaller than high"),
    (("  z: scalar", "  z: {kind: scalar, domain: [a, 1]}"), 4, "symbol 'z': domain low must be a number, not 'a'"),
    (("  z: scalar", "  z: {kind: scalar, alias: sigmoid}"), 4, "symbol 'z': only functions can have an alias"),
    (("  z: scalar", "  z: {kind: function, alias: sigmod}"), 4,
     "symbol 'z': unknown builtin 'sigmod' (did you mean 'sigmoid'?); use one of " + ", ".join(functions.alias_names())),
    (("  z: scalar", "  z: {kind: scalar, superscript: yes}"), 4,
     "symbol 'z': 'superscript' must be true or false, not 'yes'"),
    (("  z: scalar", "  z: scalar\n  2z: scalar"), 5,
     "symbol '2z': a name must start with a letter and use only letters, digits and '_'"),
    (("symbols:", "indices: {j: units}\nsymbols:"), 3,
     "index 'j': role must be one of unit, layer, last, not 'units' (did you mean 'unit'?)"),
    (("symbols:", "indices: {j: unit}\nsymbols:\n  j: scalar"), 4,
     "symbol 'j' is also declared as an index letter"),
    (("    prompt: What?\n", ""), 6, "part 'p': missing field 'prompt'"),
    (("  - id: p", "  - id: p q"), 6, "part id 'p q' must match [A-Za-z0-9][A-Za-z0-9-]*: letters, digits and '-'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    kind: expresion"), 9,
     "part 'p': unknown kind 'expresion' (did you mean 'expression'?); "
     "use one of expression, numeric, choice, multi-choice, derivation"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: 0"), 9, "part 'p': 'points' must be greater than 0"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: -1"), 9, "part 'p': 'points' must be greater than 0"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: two"), 9, "part 'p': 'points' must be a number, not 'two'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: 0x10"), 9, "part 'p': 'points' must be a number, not '0x10'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: .inf"), 9, "part 'p': 'points' must be a number, not '.inf'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    points: 1e999"), 9, "part 'p': 'points' is too large a number: '1e999'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    hints: [a, [b]]"), 9, "part 'p': 'hints': item 2 must be a text, not a list"),
    (("    answer: \"z\"", "    answer: \"z\"\n    options: [a, b]"), 9,
     "part 'p': only choice and multi-choice parts have 'options'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    partial_credit: true"), 9,
     "part 'p': 'partial_credit' is only for multi-choice parts"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tolerance: {absolute: 0.1}"), 9,
     "part 'p': tolerance 'absolute' is not for expression parts; use rtol / atol"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tolerance: {rtl: 0.1}"), 9,
     "part 'p': tolerance: unknown field 'rtl' (did you mean 'rtol'?)"),
    (("    answer: \"z\"", "    answer: \"z\"\n    forbidden: [z]\n    required: [z]"), 10,
     "part 'p': 'z' is both forbidden and required"),
    (("    answer: \"z\"", "    answer: {x: 1}"), 8, "part 'p': 'answer' must be a text, not a mapping"),
    (("    answer: \"z\"", "    answer: ''"), 8, "part 'p': 'answer' is empty"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tests:\n      - {answer: z, status: right}"), 10,
     "part 'p': test 1: status must be one of correct, incorrect, invalid, not 'right'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tests:\n      - {answer: z, stat: correct}"), 10,
     "part 'p': test 1: unknown field 'stat' (did you mean 'status'?)"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tests:\n      - {status: correct}"), 10,
     "part 'p': test 1: missing field 'answer'"),
    (("    answer: \"z\"", "    answer: \"z\"\n    tests: {answer: z}"), 9,
     "part 'p': 'tests' must be a list, not a mapping"),
    (("    answer: \"z\"", "    answer: \"z\"\n    mistakes:\n      - {answer: z, message: m, tag: Bad Tag}"), 10,
     "part 'p': mistake 1: tag 'Bad Tag' must match [a-z0-9][a-z0-9-]*"),
    (("    answer: \"z\"", "    answer: \"z\"\n    mistakes:\n      - {answer: z, message: m, tag: t, score: 1}"), 10,
     "part 'p': mistake 1: 'score' is a fraction of the points, 0 <= score < 1"),
    (("    answer: \"z\"", "    answer: \"z\"\n    mistakes:\n      - {answer: z, message: m, tag: t}\n"
                            "      - {answer: 2z, message: m, tag: t}"), 11,
     "part 'p': mistake 2: duplicate tag 't' (first at line 10)"),
    (("    answer: \"z\"", "    answer: \"z\"\n    mistakes:\n      - {answer: z, tag: t}"), 10,
     "part 'p': mistake 1: missing field 'message'"),
])
def test_field_errors(tmp_path, replace, line, message):
    old, new = replace
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new, 1))
    e = error(path)
    assert (e.line, e.message) == (line, message), str(e)
    assert str(e) == f"{path}:{line}: {message}"


def test_parts_must_be_a_non_empty_list(tmp_path):
    e = error(write(tmp_path, "title: T\nstatement: S\nparts: []\n"))
    assert e.message == "problem: 'parts' must be a non-empty list of parts" and e.line == 3
    e = error(write(tmp_path, "title: T\nstatement: S\n"))
    assert e.message == "problem: missing field 'parts'"


def test_duplicate_part_ids(tmp_path):
    text = MINIMAL + "  - id: p\n    prompt: Again\n    answer: \"z\"\n"
    e = error(write(tmp_path, text))
    assert e.message == "duplicate part id 'p' (first at line 6)" and e.line == 9


def test_part_ids_keep_capitals(tmp_path):
    p = load_problem(write(tmp_path, MINIMAL.replace("id: p", "id: dC-dW")))
    assert p.parts[0].id == "dC-dW"


@pytest.mark.parametrize("name", ["Bad.yaml", "bad_name.yaml", "-bad.yaml", "bad name.yaml"])
def test_problem_id_is_the_file_stem_and_must_be_valid(tmp_path, name):
    e = error(write(tmp_path, MINIMAL, name))
    assert "the problem id" in e.message and "must match [a-z0-9][a-z0-9-]*" in e.message


def test_problem_id_from_yml(tmp_path):
    assert load_problem(write(tmp_path, MINIMAL, "my-prob.yml")).id == "my-prob"


def test_top_level_must_be_a_mapping(tmp_path):
    e = error(write(tmp_path, "- a\n- b\n"))
    assert e.message == "the problem file must be a mapping ('key: value' lines), not a list" and e.line == 1


def test_empty_file(tmp_path):
    e = error(write(tmp_path, "# nothing\n"))
    assert e.message == "the file is empty" and str(e) == f"{tmp_path / 'prob.yaml'}: the file is empty"


def test_missing_file(tmp_path):
    e = error(tmp_path / "nope.yaml")
    assert e.line is None and "cannot read the file" in e.message


# --- numeric parts and choices -------------------------------------------------------------------

NUMERIC_PART = """\
title: T
statement: S
given: {x: 3}
parts:
  - id: n
    prompt: P
    kind: numeric
    answer: "2*x"
"""


def test_numeric_needs_a_tolerance(tmp_path):
    e = error(write(tmp_path, NUMERIC_PART))
    assert e.message == "part 'n': a numeric part needs a 'tolerance': one of absolute, relative, decimals, sigfigs"
    assert e.line == 5


@pytest.mark.parametrize("tol, message", [
    ("{absolute: 0.1, relative: 0.1}", "part 'n': a numeric tolerance is exactly one of absolute, relative, decimals, sigfigs"),
    ("{}", "part 'n': a numeric tolerance is exactly one of absolute, relative, decimals, sigfigs"),
    ("{rtol: 0.1}", "part 'n': tolerance 'rtol' is not for numeric parts; use absolute / relative / decimals / sigfigs"),
    ("{absolute: 0}", "part 'n': tolerance 'absolute' must be greater than 0"),
    ("{decimals: 2.5}", "part 'n': tolerance 'decimals' must be a whole number, not '2.5'"),
    ("{sigfigs: 0}", "part 'n': tolerance 'sigfigs' must be between 1 and 15"),
    ("0.1", "part 'n': 'tolerance' must be a mapping ('key: value' lines), not a text"),
])
def test_numeric_tolerance_errors(tmp_path, tol, message):
    e = error(write(tmp_path, NUMERIC_PART + f"    tolerance: {tol}\n"))
    assert e.message == message and e.line == 9


@pytest.mark.parametrize("tol, field, value", [
    ("{absolute: 0.001}", "absolute", 0.001), ("{relative: 0.01}", "relative", 0.01),
    ("{decimals: 3}", "decimals", 3), ("{sigfigs: 3}", "sigfigs", 3),
])
def test_numeric_tolerances(tmp_path, tol, field, value):
    p = load_problem(write(tmp_path, NUMERIC_PART + f"    tolerance: {tol}\n"))
    assert getattr(p.parts[0].tolerance, field) == value


CHOICE_PART = """\
title: T
statement: S
parts:
  - id: c
    prompt: P
    kind: {kind}
    options: [one, two, three, four]
    answer: "{answer}"
"""


@pytest.mark.parametrize("kind, answer, message", [
    ("choice", "E", "part 'c': 'answer': option 'E' is out of range: there are 4 options (A to D)"),
    ("choice", "B, C", "part 'c': 'answer': a single-choice answer is one label, not 'B, C'"),
    ("choice", "b", "part 'c': 'answer': 'b' is not an option label (A to D)"),
    ("multi-choice", "B, F", "part 'c': 'answer': option 'F' is out of range: there are 4 options (A to D)"),
    ("multi-choice", "B, B", "part 'c': 'answer': an option is listed twice in 'B, B'"),
    ("multi-choice", "B C", "part 'c': 'answer': 'B C' is not an option label (A to D, comma separated)"),
])
def test_choice_answer_labels(tmp_path, kind, answer, message):
    e = error(write(tmp_path, CHOICE_PART.format(kind=kind, answer=answer)))
    assert e.message == message and e.line == 8


def test_choice_needs_options(tmp_path):
    text = CHOICE_PART.format(kind="choice", answer="A").replace("    options: [one, two, three, four]\n", "")
    e = error(write(tmp_path, text))
    assert e.message == "part 'c': a choice part needs 'options'" and e.line == 4


def test_choice_mistake_labels_checked(tmp_path):
    text = CHOICE_PART.format(kind="choice", answer="A") + \
        "    mistakes:\n      - {answer: G, message: m, tag: t}\n"
    e = error(write(tmp_path, text))
    assert e.message == "part 'c': mistake 1: 'answer': option 'G' is out of range: there are 4 options (A to D)"
    assert e.line == 10


# --- variants ----------------------------------------------------------------------------------

VARIANTS = """\
title: T
statement: S
given: {x: 3, w1: 0.01, w2: -5}
variants:
  x: {choices: [1, 2, 3, 4]}
  w1: {low: 0.01, high: 0.05, step: 0.01}
  w2: {low: -5, high: 5}
parts:
  - id: n
    prompt: P
    kind: numeric
    answer: "w1*x"
    tolerance: {absolute: 0.001}
"""


def test_variants_loaded(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    v = {x.name: x for x in p.variants}
    assert v["x"].choices == (1.0, 2.0, 3.0, 4.0)
    assert (v["w1"].low, v["w1"].high, v["w1"].step) == (0.01, 0.05, 0.01)
    assert v["w2"].step is None


def test_variant_values_course_values(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    assert VAR.variant_values(p, None) == {"x": 3.0, "w1": 0.01, "w2": -5.0}


def test_variant_values_deterministic_and_in_range(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    seen_x, seen_w1 = set(), set()
    for n in range(200):
        a = VAR.variant_values(p, f"s{n}")
        assert a == VAR.variant_values(p, f"s{n}")
        assert a["x"] in (1, 2, 3, 4)
        assert a["w1"] in (0.01, 0.02, 0.03, 0.04, 0.05)      # exact grid values, no float noise
        assert -5 <= a["w2"] <= 5
        seen_x.add(a["x"])
        seen_w1.add(a["w1"])
    assert seen_x == {1, 2, 3, 4} and len(seen_w1) == 5


def test_variant_values_use_sha256_of_problem_student_and_name(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    digest = hashlib.sha256(b"var:alice:x").digest()
    u = int.from_bytes(digest[:8], "big")
    assert VAR.variant_values(p, "alice")["x"] == (1, 2, 3, 4)[u % 4]


def test_variant_values_do_not_depend_on_python_hash_seed(tmp_path):
    path = write(tmp_path, VARIANTS, "var.yaml")
    code = ("import json, sys; from grader.authoring.loader import load_problem; from grader.checking.variants import variant_values; "
            f"print(json.dumps(variant_values(load_problem({str(path)!r}), 'zoë martin')))")
    outs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout)
    assert len(outs) == 1
    assert json.loads(outs.pop()) == VAR.variant_values(load_problem(path), "zoë martin")


def test_variants_differ_between_students_and_problems(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    q = load_problem(write(tmp_path, VARIANTS, "other.yaml"))
    values = {tuple(sorted(VAR.variant_values(p, f"s{n}").items())) for n in range(50)}
    assert len(values) > 10
    assert any(VAR.variant_values(p, f"s{n}") != VAR.variant_values(q, f"s{n}") for n in range(10))


@pytest.mark.parametrize("variants, line, message", [
    ("  y: {choices: [1]}", 5, "variant 'y': only given values can vary, and 'y' is not in 'given'"),
    ("  x: {choices: [1], low: 0, high: 1}", 5, "variant 'x': use either 'choices' or 'low'/'high'/'step', not both"),
    ("  x: {choices: []}", 5, "variant 'x': 'choices' must be a non-empty list of numbers"),
    ("  x: {low: 2, high: 1}", 5, "variant 'x': 'low' must be smaller than 'high'"),
    ("  x: {low: 0}", 5, "variant 'x': give 'choices', or 'low' and 'high' (and optionally 'step')"),
    ("  x: {low: 0, high: 1, step: 0}", 5, "variant 'x': 'step' must be positive"),
    ("  x: {choices: [1, two]}", 5, "variant 'x': choice 2 must be a number, not 'two'"),
    ("  x: {choice: [1]}", 5, "variant 'x': unknown field 'choice' (did you mean 'choices'?)"),
])
def test_variant_errors(tmp_path, variants, line, message):
    text = VARIANTS.replace("  x: {choices: [1, 2, 3, 4]}\n  w1: {low: 0.01, high: 0.05, step: 0.01}\n"
                            "  w2: {low: -5, high: 5}", variants)
    e = error(write(tmp_path, text))
    assert (e.line, e.message) == (line, message)


def test_randomize_is_off_unless_the_problem_says_per_student(tmp_path):
    p = load_problem(write(tmp_path, VARIANTS, "var.yaml"))
    assert p.variants and not p.randomize and not p.per_student
    assert VAR.student_values(p, "alice") is None                 # grading uses the course's values
    off = load_problem(write(tmp_path, VARIANTS + "randomize: 'off'\n", "var.yaml"))
    assert not off.per_student
    on = load_problem(write(tmp_path, VARIANTS + "randomize: per-student\n", "var.yaml"))
    assert on.per_student
    assert VAR.student_values(on, "alice") == VAR.variant_values(on, "alice")
    assert VAR.student_values(on, None) is None


@pytest.mark.parametrize("text, message", [
    (VARIANTS + "randomize: yes\n", "'randomize' must be one of: off, per-student"),
    (VARIANTS + "randomize: per_student\n", "'randomize' must be one of: off, per-student"),
    (VARIANTS.replace("variants:\n  x: {choices: [1, 2, 3, 4]}\n  w1: {low: 0.01, high: 0.05, step: 0.01}\n"
                      "  w2: {low: -5, high: 5}\n", "") + "randomize: per-student\n",
     "'randomize: per-student' needs 'variants': the ranges each student's values are drawn from"),
])
def test_randomize_errors(tmp_path, text, message):
    e = error(write(tmp_path, text))
    assert e.message == message
    assert e.line == text.splitlines().index(next(l for l in text.splitlines() if l.startswith("randomize"))) + 1


def test_given_must_be_numbers(tmp_path):
    for value, shown in (('"3,5"', "'3,5'"), ("[3]", "a list"), ("yes", "'yes'"), ("", "''")):
        e = error(write(tmp_path, NUMERIC_PART.replace("given: {x: 3}", f"given:\n  x: {value}")
                        + "    tolerance: {absolute: 1}\n"))
        assert e.message == f"given value 'x' must be a number, not {shown}"
        assert e.line == 4


def test_given_declared_as_non_scalar(tmp_path):
    text = NUMERIC_PART.replace("given: {x: 3}", "symbols: {x: vector}\ngiven: {x: 3}") + \
        "    tolerance: {absolute: 1}\n"
    e = error(write(tmp_path, text))
    assert e.message == "given value 'x' is declared as a vector, not a scalar" and e.line == 4


# --- hostile files -----------------------------------------------------------------------------

@pytest.mark.parametrize("data, line, fragment", [
    (b"title: T\ntitle: U\n", 2, "duplicate key 'title' (first at line 1)"),
    (b"a: &x [1]\nb: *x\n", 1, "anchors"),
    (b"title: !!python/object/apply:os.system ['echo hi']\n", 1, "!!python/object/apply:os.system"),
    (b"title: T\n\tstatement: S\n", 2, "tab"),
    (b"\x00\x01\x02binary", 1, "NUL"),
    (b"title: \xff\xfe\n", 1, "not valid UTF-8"),
    (b"a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
    (b"[" * 100, 1, "nested too deeply"),
])
def test_hostile_yaml(tmp_path, data, line, fragment):
    path = write(tmp_path, data)
    e = error(path)
    assert e.line == line and fragment in e.message
    assert str(e).startswith(f"{path}:{line}: ")


def test_billion_laughs_problem_file(tmp_path):
    lines = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    e = error(write(tmp_path, "\n".join(lines) + "\n"))
    assert "anchors" in e.message


def test_huge_file_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(YAML_MAX_BYTES + 10)
    e = error(path)
    assert "too large" in e.message and e.line is None


def test_never_evaluates(tmp_path, monkeypatch):
    """Expressions are stored as text: loading calls no parser and no eval."""
    import builtins
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: pytest.fail("eval called"))
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: pytest.fail("exec called"))
    p = load_problem(write(tmp_path, MINIMAL.replace('answer: "z"', 'answer: "__import__(\'os\').system(\'x\')"')))
    assert p.parts[0].answer == "__import__('os').system('x')"


# --- the bank folder -----------------------------------------------------------------------------

def test_load_bank_sorted(tmp_path):
    for name in ("zeta", "alpha", "mid"):
        write(tmp_path, MINIMAL, f"{name}.yaml")
    write(tmp_path, "not yaml at all: [", "notes.txt")
    bank = P.load_bank(tmp_path)
    assert list(bank) == ["alpha", "mid", "zeta"]
    assert all(bank[k].id == k for k in bank)


def test_load_bank_duplicate_ids(tmp_path):
    write(tmp_path, MINIMAL, "same.yaml")
    write(tmp_path, MINIMAL, "same.yml")
    with pytest.raises(ProblemError) as info:
        P.load_bank(tmp_path)
    assert "duplicate problem id 'same'" in info.value.message


def test_load_bank_reports_broken_file(tmp_path):
    write(tmp_path, MINIMAL, "good.yaml")
    write(tmp_path, "title: [", "broken.yaml")
    with pytest.raises(ProblemError) as info:
        P.load_bank(tmp_path)
    assert info.value.path.endswith("broken.yaml")


def test_problem_file_finds_yaml_and_yml(tmp_path):
    write(tmp_path, MINIMAL, "one.yaml")
    write(tmp_path, MINIMAL, "two.yml")
    assert P.problem_file(tmp_path, "one") == tmp_path / "one.yaml"
    assert P.problem_file(tmp_path, "two") == tmp_path / "two.yml"
    assert P.problem_file(tmp_path, "three") is None
    assert P.problem_file(tmp_path, "../one") is None     # not an id: never a path outside the bank


def test_default_bank_dir_holds_the_bank():
    d = P.default_bank_dir()
    names = {e.name for e in d.iterdir()}
    assert "sigmoid.yaml" in names and "two-layer-example.yaml" in names


# --- schema ------------------------------------------------------------------------------------

def test_schema_is_draft_2020_12_and_json():
    schema = S.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    json.dumps(schema)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_fields_match_the_loader():
    schema = S.json_schema()
    defs = schema["$defs"]
    assert set(schema["properties"]) == set(F.TOP_FIELDS)
    assert set(defs["part"]["properties"]) == set(F.PART_FIELDS)
    assert set(defs["symbol"]["oneOf"][1]["properties"]) == set(F.SYMBOL_FIELDS)
    assert set(defs["variant"]["properties"]) == set(F.VARIANT_FIELDS)
    assert set(defs["tolerance"]["properties"]) == set(F.TOLERANCE_FIELDS)
    assert set(defs["mistake"]["properties"]) == set(F.MISTAKE_FIELDS)
    assert set(defs["test"]["properties"]) == set(F.TEST_FIELDS)
    for props in (schema["properties"], defs["part"]["properties"], defs["mistake"]["properties"]):
        assert all(p.get("description") for p in props.values())


def test_schema_enums():
    schema = S.json_schema()
    defs = schema["$defs"]
    assert defs["part"]["properties"]["kind"]["enum"] == list(PART_KINDS)
    assert defs["symbol"]["oneOf"][1]["properties"]["kind"]["enum"] == list(SYMBOL_KINDS)
    assert defs["symbol"]["oneOf"][0]["enum"] == list(SYMBOL_KINDS)
    index = schema["properties"]["indices"]["additionalProperties"]["oneOf"]
    assert index[0]["enum"] == index[1]["properties"]["role"]["enum"] == list(INDEX_ROLES)
    assert set(index[1]["properties"]) == set(F.INDEX_FIELDS)
    assert defs["test"]["properties"]["status"]["enum"] == ["correct", "incorrect", "invalid"]
    assert defs["symbol"]["oneOf"][1]["properties"]["alias"]["enum"] == functions.alias_names()


def _keys(node, level, out):
    if isinstance(node, dict):
        out.setdefault(level, set()).update(node)


def test_every_field_used_by_the_bank_is_in_the_schema():
    schema = S.json_schema()
    defs = schema["$defs"]
    used: dict[str, set] = {}
    for path in sorted((ROOT / "problems").glob("*.yaml")):
        doc = yamlsafe.load(path.read_bytes())
        _keys(doc, "top", used)
        for spec in (doc.get("symbols") or {}).values():
            _keys(spec, "symbol", used)
        for spec in (doc.get("variants") or {}).values():
            _keys(spec, "variant", used)
        for part in doc["parts"]:
            _keys(part, "part", used)
            _keys(part.get("tolerance"), "tolerance", used)
            for m in part.get("mistakes", []):
                _keys(m, "mistake", used)
            for t in part.get("tests", []):
                _keys(t, "test", used)
    where = {"top": schema["properties"], "part": defs["part"]["properties"],
             "symbol": defs["symbol"]["oneOf"][1]["properties"], "variant": defs["variant"]["properties"],
             "tolerance": defs["tolerance"]["properties"], "mistake": defs["mistake"]["properties"],
             "test": defs["test"]["properties"]}
    assert set(used) >= {"top", "part", "symbol", "variant", "tolerance", "mistake", "test"}
    for level, keys in used.items():
        assert keys <= set(where[level]), (level, keys - set(where[level]))


def test_schema_rejects_what_the_loader_rejects():
    validator = jsonschema.Draft202012Validator(S.json_schema())
    good = {"title": "T", "statement": "S", "parts": [{"id": "p", "prompt": "P", "answer": "z"}]}
    assert not list(validator.iter_errors(good))
    bad_field = {**good, "parts": [{"id": "p", "prompt": "P", "answr": "z"}]}
    assert list(validator.iter_errors(bad_field))
    bad_kind = {**good, "parts": [{"id": "p", "prompt": "P", "answer": "1", "kind": "numeric",
                                   "tolerance": {"absolute": 0.1, "relative": 0.1}}]}
    assert list(validator.iter_errors(bad_kind))


# --- validate (through the checker) ---------------------------------------------------------------

CHECKED = """\
title: T
statement: S
symbols:
  z: scalar
parts:
  - id: p
    prompt: P
    answer: "{answer}"
    mistakes:
      - answer: "{mistake}"
        message: Not quite.
        tag: rule
    tests:
      - {{answer: "{test}", status: {status}}}
"""


def checked(tmp_path, name="prob.yaml", answer="2*z", mistake="3*z", test="z+z", status="correct"):
    return write(tmp_path, CHECKED.format(answer=answer, mistake=mistake, test=test, status=status), name)


def test_validate_clean_problem(tmp_path):
    assert V.validate([checked(tmp_path)]) == []


def test_validate_unknown_symbol_in_reference(tmp_path):
    path = checked(tmp_path, answer="2*q")
    issues = V.validate([path])
    assert len(issues) == 1
    issue = issues[0]
    assert issue.path == str(path) and issue.line == 6
    assert "the reference answer '2*q' cannot be read" in issue.message and "Unknown name 'q'" in issue.message
    assert str(issue).startswith(f"{path}:6: part 'p': ")


def test_validate_unreadable_mistake(tmp_path):
    issues = V.validate([checked(tmp_path, mistake="3*(z")])
    assert len(issues) == 1 and issues[0].line == 10
    assert "mistake 'rule' '3*(z' cannot be read" in issues[0].message


def test_validate_reference_failing_its_own_test(tmp_path):
    path = checked(tmp_path, test="z*z")
    issues = V.validate([path])
    assert len(issues) == 1
    assert issues[0].line == 14
    assert "test answer 'z*z' should be correct but is incorrect" in issues[0].message


def test_validate_test_feedback_fragment(tmp_path):
    text = CHECKED.format(answer="2*z", mistake="3*z", test="3*z", status="incorrect").replace(
        "status: incorrect}", "status: incorrect, feedback: \"NOT QUITE\"}")
    assert V.validate([write(tmp_path, text)]) == []      # case-insensitive
    text = text.replace("NOT QUITE", "something else")
    issues = V.validate([write(tmp_path, text)])
    assert len(issues) == 1 and "does not mention 'something else'" in issues[0].message


def test_validate_mistake_equivalent_to_reference(tmp_path):
    issues = V.validate([checked(tmp_path, mistake="z*2")])
    assert any(i.line == 10 and "mistake 'rule' ('z*2') is equivalent to the reference answer" in i.message
               for i in issues), issues


def test_validate_choice_label_out_of_range(tmp_path):
    path = write(tmp_path, CHOICE_PART.format(kind="choice", answer="F"))
    issues = V.validate([path])
    assert issues == [V.ValidationIssue(str(path), 8, "part 'c': 'answer': option 'F' is out of range: "
                                                      "there are 4 options (A to D)")]


def test_validate_choice_tests(tmp_path):
    text = CHOICE_PART.format(kind="choice", answer="B") + "    tests:\n      - {answer: A, status: correct}\n"
    issues = V.validate([write(tmp_path, text)])
    assert len(issues) == 1 and "should be correct but is incorrect" in issues[0].message


def test_validate_duplicate_ids_across_files(tmp_path):
    a = checked(tmp_path, "one/same.yaml")
    b = checked(tmp_path, "two/same.yaml")
    issues = V.validate([a, b])
    assert len(issues) == 1
    assert issues[0].path == str(b) and f"duplicate problem id 'same' (also in {a})" == issues[0].message


def test_validate_hostile_and_broken_files_do_not_stop_the_rest(tmp_path):
    bad = write(tmp_path, b"title: &a x\n", "bad.yaml")
    junk = write(tmp_path, bytes(range(256)), "junk.yaml")
    good = checked(tmp_path, "good.yaml", test="z*z")
    issues = V.validate([bad, junk, good])
    assert [i.path for i in issues] == [str(bad), str(junk), str(good)]
    assert "anchors" in issues[0].message and issues[0].line == 1
    assert "should be correct" in issues[2].message


def test_validate_expands_folders(tmp_path):
    checked(tmp_path, "a.yaml")
    checked(tmp_path, "b.yaml", test="z*z")
    issues = V.validate([tmp_path])
    assert len(issues) == 1 and issues[0].path.endswith("b.yaml")


def test_validate_unreadable_definition(tmp_path):
    text = CHECKED.format(answer="2*z", mistake="3*z", test="z+z", status="correct").replace(
        "  z: scalar", "  z: scalar\n  v: {kind: vector, definition: \"softmax(q)\"}")
    issues = V.validate([write(tmp_path, text)])
    assert any("symbol 'v': the definition 'softmax(q)' cannot be read" in i.message for i in issues)


def test_validate_numeric_reference_checked_for_variants(tmp_path):
    text = """\
    title: T
    statement: S
    given: {x: 3}
    variants:
      x: {choices: [1, 2]}
    parts:
      - id: n
        prompt: P
        kind: numeric
        answer: "2*x"
        tolerance: {absolute: 0.001}
        tests:
          - {answer: "6", status: correct}
          - {answer: "6.1", status: incorrect}
    """
    assert V.validate([write(tmp_path, text)]) == []


def test_validation_issue_str():
    assert str(V.ValidationIssue("a.yaml", 3, "m")) == "a.yaml:3: m"
    assert str(V.ValidationIssue("a.yaml", None, "m")) == "a.yaml: m"
    assert str(ProblemError("a.yaml", None, "m")) == "a.yaml: m"
