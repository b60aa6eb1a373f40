"""Reading answer files, finding students in a class directory, grading one submission."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.classes import submissions
from grader.checking import checker as equivalence
from grader.model import (
    CORRECT, INCORRECT, INVALID, MISSING, MULTI_CHOICE, Part, Problem, Symbol, SymbolTable, Tolerance,
    Variant, Verdict,
)
from grader.classes.submissions import (
    NO_ANSWER, Submission, discover, grade_submission, load_directory, read_answer_file, scan,
)


# --- a small bank and a stand-in checker ----------------------------------------------------

def make_bank() -> dict[str, Problem]:
    z = SymbolTable(symbols=(Symbol("z"),))
    sigmoid = Problem("sigmoid", "Sigmoid", "", z, (
        Part("derivative", "", "expression", "e^(-z)/(1+e^(-z))^2", points=2),
        Part("saturation", "", "choice", "B", options=("It grows", "Its magnitude becomes small")),
    ))
    relu = Problem("relu", "ReLU", "", z, (
        Part("derivative-positive", "", "numeric", "1", tolerance=Tolerance(absolute=1e-3)),
        Part("derivative-negative", "", "numeric", "0", tolerance=Tolerance(absolute=1e-3)),
    ))
    two = Problem("two-layer-example", "Two layers", "", SymbolTable(), (
        Part("dC-dw1", "", "numeric", "2.080", tolerance=Tolerance(absolute=1e-3)),
        Part("pick", "", MULTI_CHOICE, "A, C", options=("a", "b", "c")),
    ), given=(("x", 3.0),), variants=(Variant("x", choices=(2.0, 3.0, 4.0)),), randomize=True)
    return {"two-layer-example": two, "sigmoid": sigmoid, "relu": relu}   # unsorted on purpose


def exact_check(problem, part, answer, values=None):
    ok = answer.replace(" ", "") == part.answer.replace(" ", "")
    return Verdict(CORRECT if ok else INCORRECT, part.points if ok else 0.0, part.points,
                   interpreted=answer, feedback=() if ok else ("wrong",))


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# --- read_answer_file: every hostile case becomes an error, never an exception ------------------

ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
)

HOSTILE = [
    ("empty file", b"", "empty"),
    ("only whitespace", b"   \n\n  \n", "empty"),
    ("only comments", b"# nothing yet\n", "empty"),
    ("invalid UTF-8", b"sigmoid:\n  derivative: caf\xe9\n", "UTF-8"),
    ("binary junk", bytes(range(256)) * 4, "binary"),
    ("PNG header", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("UTF-16", "sigmoid:\n  derivative: z\n".encode("utf-16"), "UTF-16"),
    ("YAML syntax error", b"sigmoid:\n  derivative: \"e^(-z)\n", "line"),
    ("bad indentation", b"sigmoid:\n  derivative: z\n saturation: B\n", "line"),
    ("alias bomb", ALIAS_BOMB.encode(), "anchors"),
    ("python tag", b"sigmoid: !!python/object/apply:os.system ['echo hi']\n", "tag"),
    ("duplicate key", b"sigmoid:\n  derivative: a\n  derivative: b\n", "duplicate"),
    ("list at top level", b"- sigmoid\n- relu\n", "list"),
    ("scalar at top level", b"just some text\n", "single value"),
    ("non-mapping problem", b"sigmoid: e^(-z)\n", "'sigmoid'"),
    ("list as problem", b"sigmoid:\n  - derivative\n", "'sigmoid'"),
    ("escape characters", b"sigmoid:\n  derivative: \x1b[31mred\n", "U+001B"),
]


@pytest.mark.parametrize("name,data,fragment", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_become_errors(tmp_path, name, data, fragment):
    path = write(tmp_path / "alice" / "answers.yaml", data)
    sub = read_answer_file(path)
    assert sub.student == "alice"
    assert sub.answers is None
    assert sub.error and fragment.lower() in sub.error.lower(), sub.error
    assert not sub.ok


def test_missing_file(tmp_path):
    sub = read_answer_file(tmp_path / "bob" / "answers.yaml")
    assert sub.error == "no answers.yaml" and sub.answers is None and sub.student == "bob"
    assert read_answer_file(None, "carol").error == "no answers.yaml"


def test_directory_instead_of_file(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    sub = read_answer_file(tmp_path / "x.yaml")
    assert sub.error and "folder" in sub.error


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    sub = read_answer_file(fifo, "eve")
    assert sub.error and "not a regular file" in sub.error


def test_50_megabyte_file_is_refused_by_size_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "big" / "answers.yaml"
    path.parent.mkdir()
    with open(path, "wb") as fh:
        fh.write(b"sigmoid:\n  derivative: ")
        fh.truncate(50 * 1024 * 1024)   # sparse: cheap to create
    reads = []
    real_read = os.read
    monkeypatch.setattr(submissions.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    sub = read_answer_file(path)
    assert sub.answers is None
    assert "too large" in sub.error and "52,428,800" in sub.error
    assert reads == []   # refused from its size, not by reading it


def test_file_just_over_a_small_limit(tmp_path):
    path = write(tmp_path / "a.yaml", "sigmoid:\n  derivative: " + "z+" * 100 + "z\n")
    assert "too large" in read_answer_file(path, max_bytes=50).error
    assert read_answer_file(path, max_bytes=10_000).ok


def test_answers_keep_their_exact_text(tmp_path):
    path = write(tmp_path / "alice.yaml", (
        "two-layer-example:\n"
        "  dC-dw1: 2.080\n"
        "  dC-dw2: -0.004\n"
        "  flag: no\n"
        "  n: ~\n"
        "  q: '1e3'\n"
        "sigmoid:\n"
        "  derivative: e^(-z)/(1+e^(-z))^2\n"
        "  saturation: Its magnitude becomes small\n"
    ))
    sub = read_answer_file(path)
    assert sub.ok and sub.student == "alice"
    assert sub.answers == {
        "two-layer-example": {"dC-dw1": "2.080", "dC-dw2": "-0.004", "flag": "no", "n": "~", "q": "1e3"},
        "sigmoid": {"derivative": "e^(-z)/(1+e^(-z))^2", "saturation": "Its magnitude becomes small"},
    }
    assert all(type(v) is str for parts in sub.answers.values() for v in parts.values())


def test_utf8_bom_and_unicode_answers(tmp_path):
    path = write(tmp_path / "zoë.yaml", "\ufeffsigmoid:\n  derivative: σ(z)·(1−σ(z))\n")
    sub = read_answer_file(path)
    assert sub.ok and sub.student == "zoë"
    assert sub.answers["sigmoid"]["derivative"] == "σ(z)·(1−σ(z))"


def test_symlink_refused_when_not_following(tmp_path):
    outside = write(tmp_path / "secret.yaml", "sigmoid:\n  derivative: z\n")
    (tmp_path / "d").mkdir()
    link = tmp_path / "d" / "answers.yaml"
    link.symlink_to(outside)
    assert read_answer_file(link, "x", follow_symlinks=False).error == "refused: symbolic link"
    assert read_answer_file(link, "x").ok   # a single file given on purpose may be a link


def test_non_scalar_answers_are_kept_as_markers(tmp_path):
    path = write(tmp_path / "a.yaml", (
        "sigmoid:\n"
        "  derivative: [e, z]\n"
        "  saturation:\n"
        "    letter: B\n"
        "two-layer-example:\n"
        "  pick: [A, C]\n"
    ))
    sub = read_answer_file(path)
    assert sub.ok
    assert set(sub.structured) == {("sigmoid", "derivative"), ("sigmoid", "saturation"),
                                   ("two-layer-example", "pick")}
    result = grade_submission(make_bank(), sub, check=exact_check)
    by = {(p.problem, p.part): p for p in result.parts}
    d = by[("sigmoid", "derivative")]
    assert d.verdict.status == INVALID and d.verdict.rule == "not-text" and d.answer == "<list>"
    assert "not a list" in d.verdict.feedback[0]
    s = by[("sigmoid", "saturation")]
    assert s.verdict.status == INVALID and "mapping" in s.verdict.feedback[0]
    pick = by[("two-layer-example", "pick")]   # a YAML list is fine for multi-choice
    assert pick.answer == "A, C" and pick.verdict.status == CORRECT


def test_empty_problem_entry_is_not_an_error(tmp_path):
    sub = read_answer_file(write(tmp_path / "a.yaml", "sigmoid:\nrelu:\n  derivative-positive: 1\n"))
    assert sub.ok and sub.answers == {"sigmoid": {}, "relu": {"derivative-positive": "1"}}


# --- discover --------------------------------------------------------------------------------

def test_discover_layouts_sorted(tmp_path):
    write(tmp_path / "bob" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(tmp_path / "alice.yaml", "relu:\n  derivative-positive: 1\n")
    write(tmp_path / "carol.yml", "relu:\n  derivative-positive: 1\n")
    (tmp_path / "dave").mkdir()                                  # no answers.yaml
    write(tmp_path / "erin" / "answers.yml", "relu: {}\n")
    write(tmp_path / "zoë martin" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(tmp_path / "李 雷.yaml", "relu:\n  derivative-positive: 1\n")
    write(tmp_path / ".hidden" / "answers.yaml", "x: 1\n")       # a submission: graded (issue 15.7)
    write(tmp_path / ".git" / "config", "x")                      # skipped, with the reason
    write(tmp_path / "README.md", "# class\n")                    # ignored
    write(tmp_path / "notes.txt", "x")                            # ignored
    write(tmp_path / "alice.yaml~", "x")                          # editor backup: skipped, with the reason
    found = discover(tmp_path)
    assert found == [
        (".hidden", tmp_path / ".hidden" / "answers.yaml"),
        ("alice", tmp_path / "alice.yaml"),
        ("bob", tmp_path / "bob" / "answers.yaml"),
        ("carol", tmp_path / "carol.yml"),
        ("dave", None),
        ("erin", tmp_path / "erin" / "answers.yml"),
        ("zoë martin", tmp_path / "zoë martin" / "answers.yaml"),
        ("李 雷", tmp_path / "李 雷.yaml"),
    ]
    skipped = {e.student: e.skipped for e in submissions.scan(tmp_path) if e.skipped}
    assert skipped == {".git": "a hidden or backup folder without answers.yaml",
                       "alice.yaml~": "not a submission (neither a folder nor a .yaml file)"}
    subs = {s.student: s for s in load_directory(tmp_path)}
    assert subs["dave"].error == "no answers.yaml"
    assert subs["zoë martin"].ok and subs["李 雷"].ok and subs["erin"].ok


def test_symlinks_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside / "secret.yaml", "relu:\n  derivative-positive: 1\n")
    write(outside / "folder" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "mallory.yaml").symlink_to(outside / "secret.yaml")
    (cls / "trudy").symlink_to(outside / "folder", target_is_directory=True)
    (cls / "oscar").mkdir()
    (cls / "oscar" / "answers.yaml").symlink_to(outside / "secret.yaml")
    (cls / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    entries = {e.student: e for e in scan(cls)}
    assert set(entries) == {"dangling", "mallory", "oscar", "trudy"}
    assert all(e.error == "refused: symbolic link" for e in entries.values())
    subs = load_directory(cls)
    assert [s.error for s in subs] == ["refused: symbolic link"] * 4
    assert all(s.answers is None for s in subs)


def test_two_submissions_for_one_student(tmp_path):
    write(tmp_path / "bob" / "answers.yaml", "relu: {}\n")
    write(tmp_path / "bob.yaml", "relu: {}\n")
    [entry] = scan(tmp_path)
    assert entry.student == "bob" and "more than one submission" in entry.error


def test_load_directory_only_some_students(tmp_path):
    write(tmp_path / "a.yaml", "relu: {}\n")
    write(tmp_path / "b.yaml", "relu: {}\n")
    subs = load_directory(tmp_path, ["b", "ghost"])
    assert [(s.student, s.error) for s in subs] == [
        ("b", None), ("ghost", "no submission found for this student")]


# --- grade_submission ------------------------------------------------------------------------

def test_every_part_in_bank_order_with_missing(tmp_path):
    sub = read_answer_file(write(tmp_path / "alice.yaml", (
        "sigmoid:\n  derivative: e^(-z)/(1+e^(-z))^2\n  saturation: A\n"
        "relu:\n  derivative-positive: '1'\n  derivative-negative: ''\n"
    )))
    result = grade_submission(make_bank(), sub, check=exact_check)
    assert result.status == "graded" and result.message is None
    assert [(p.problem, p.part, p.verdict.status) for p in result.parts] == [
        ("relu", "derivative-positive", CORRECT),
        ("relu", "derivative-negative", MISSING),
        ("sigmoid", "derivative", CORRECT),
        ("sigmoid", "saturation", INCORRECT),
        ("two-layer-example", "dC-dw1", MISSING),
        ("two-layer-example", "pick", MISSING),
    ]
    missing = result.parts[1].verdict
    assert missing == Verdict(status=MISSING, score=0.0, max_score=1.0, feedback=(NO_ANSWER,))
    assert result.score == 3.0 and result.max_score == 7.0


def test_unknown_ids_reported_by_name(tmp_path):
    sub = read_answer_file(write(tmp_path / "emeka.yaml", (
        "sigmod:\n  derivative: z\n"
        "relu:\n  derivative-positive: 1\n  derivative-zero: 0\n"
    )))
    result = grade_submission(make_bank(), sub, check=exact_check)
    assert result.status == "partial"            # something in the file was not graded: said
    assert result.message == ("Ignored unknown problem id: 'sigmod' (did you mean 'sigmoid'?). "
                              "Ignored unknown part id: 'relu/derivative-zero'.")


def test_thousands_of_unknown_ids_are_summarised(tmp_path):
    text = "".join(f"p{i}:\n  x: 1\n" for i in range(500))
    result = grade_submission(make_bank(), read_answer_file(write(tmp_path / "a.yaml", text)),
                              check=exact_check)
    assert "and 480 more" in result.message and len(result.message) < 2000


def test_error_submission_has_every_part_missing():
    sub = Submission("dana", None, None, "dana.yaml, line 8: a closing quote is missing")
    result = grade_submission(make_bank(), sub, check=exact_check)
    assert result.status == "error" and result.message == sub.error
    assert len(result.parts) == 6 and {p.verdict.status for p in result.parts} == {MISSING}
    assert result.score == 0 and result.max_score == 7.0


def test_variant_values_passed_per_student(tmp_path):
    seen = []

    def check(problem, part, answer, values=None):
        seen.append((problem.id, values))
        return exact_check(problem, part, answer, values)

    bank = make_bank()
    for student in ("alice", "bob", "carol", "dave"):
        sub = Submission(student, None, {"two-layer-example": {"dC-dw1": "2.080"}, "relu": {"derivative-positive": "1"}})
        grade_submission(bank, sub, check=check)
    from grader.checking import variants as bank_module
    expected = [bank_module.variant_values(bank["two-layer-example"], s) for s in ("alice", "bob", "carol", "dave")]
    assert [v for pid, v in seen if pid == "two-layer-example"] == expected
    assert all(v is None for pid, v in seen if pid == "relu")   # no variants: the course's values
    assert all(set(v) == {"x"} and v["x"] in (2.0, 3.0, 4.0) for v in expected)


def test_a_crashing_check_makes_one_answer_invalid():
    def check(problem, part, answer, values=None):
        if answer == "boom":
            raise ZeroDivisionError("x")
        return exact_check(problem, part, answer, values)

    sub = Submission("a", None, {"relu": {"derivative-positive": "boom", "derivative-negative": "0"}})
    result = grade_submission(make_bank(), sub, check=check)
    assert result.parts[0].verdict.status == INVALID and result.parts[0].verdict.rule == "internal-error"
    assert result.parts[1].verdict.status == CORRECT


def test_with_the_real_checker(tmp_path):
    sub = read_answer_file(write(tmp_path / "a.yaml", (
        "sigmoid:\n  derivative: exp(-z)/(1+exp(-z))^2\n"
        "relu:\n  derivative-positive: 1.0\n  derivative-negative: '1'\n"
    )))
    bank = make_bank()
    result = grade_submission(bank, sub, check=equivalence.check)
    by = {(p.problem, p.part): p.verdict.status for p in result.parts}
    assert by[("sigmoid", "derivative")] == CORRECT
    assert by[("relu", "derivative-positive")] == CORRECT
    assert by[("relu", "derivative-negative")] == INCORRECT
    assert grade_submission(bank, sub).parts == result.parts   # the default check is equivalence.check


def test_example_submissions_are_read_as_intended():
    root = Path(__file__).resolve().parent.parent / "examples" / "submissions"
    subs = {s.student: s for s in load_directory(root)}
    assert len(subs) >= 6
    assert "zoë martin" in subs
    assert subs["dana"].error and "quote" in subs["dana"].error
    assert all(s.ok for name, s in subs.items() if name != "dana")
    assert subs["emeka"].answers["two-layer-example"]["dC-dw1"] == "2.080"
    assert subs["alice"].answers["two-layer-example"]["dC-dw1"] == "2.080"
    assert subs["bob"].answers["param-gradients"]["dC-dw"] == "a_k^(l-1)**delta_j^l"
    assert subs["zoë martin"].answers["param-gradients"]["dC-db"] == ""
