"""Rosters, assignments and the LMS exports (issue 16): each export checked column by column
against the rules its system documents (see grader/formats/lms.py for the rules and their sources)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.formats import lms
from grader.authoring.assignment import Assignment, AssignmentError, Entry, apply, parse_assignment
from grader.interfaces.cli import main
from grader.authoring.loader import default_bank_dir, load_bank
from grader.authoring.roster import Person, RosterError, parse_roster, reconcile

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

ROSTER = """\ufeffSubmission,Name,E-mail,SIS ID,Login ID,Section
ann,"Lee, Ann",ann@example.edu,S1,alee,A
bob,"Ray, Bob",bob@example.edu,S2,bray,B
gus,"Gray, Gus",gus@example.edu,S3,ggray,A
"""
ROWS = [lms.ScoreRow("ann", 7.5, 10), lms.ScoreRow("bob", 0, 10, "error"), lms.ScoreRow("zed", 3, 10)]


def table(text: str) -> list[list[str]]:
    assert not text.startswith("\ufeff")                       # no BOM glued to the first header
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")   # CRLF line ends (RFC 4180)
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def people():
    return reconcile(parse_roster(ROSTER), [r.student for r in ROWS])


def export(name: str, rows, roster, assignment: str, points: float = 10) -> str:
    """One LMS file as the class run writes it: the rows, in student order, joined with the roster."""
    join = lms.Join(roster)
    entries = [e for r in sorted(rows, key=lambda r: r.student) for e in join.add(r)] + join.rest()
    return lms.export_streams(assignment, points)[name].text(entries)


# --- roster -----------------------------------------------------------------------------------

def test_roster_columns_are_matched_loosely_and_people_read():
    roster = parse_roster(ROSTER)
    assert roster.get("ann") == Person("ann", "Lee, Ann", "ann@example.edu", "S1", "alee", "", "A")
    assert [p.submission for p in roster.people] == ["ann", "bob", "gus"]


@pytest.mark.parametrize("text, message", [
    ("", "r: the roster is empty (its first line must name the columns, e.g. submission,name,email,sis_id)"),
    ("name,email\nAnn,a@x\n", "r:1: the roster needs a 'submission' column: the folder or file name of each student's submission"),
    ("submission,phone\nann,1\n", "r:1: unknown column 'phone' (the columns are: submission, name, email, sis_id, login_id, canvas_id, section)"),
    ("submission,name,Name\nann,A,B\n", "r:1: the column 'name' appears twice"),
    ("submission,name\nann,A\nann,B\n", "r:3: submission 'ann' is listed twice (first on line 2)"),
    ("submission,name\n,A\n", "r:2: the 'submission' cell is empty"),
    ("submission,name\nann,Lee, Ann\n", "r:2: this line has 3 cells but the header has 2 (put a name with a comma in double quotes)"),
])
def test_roster_errors(text, message):
    with pytest.raises(RosterError) as err:
        parse_roster(text, "r")
    assert str(err.value) == message


def test_reconcile_reports_both_directions(people):
    assert [s for s, _ in people.matched] == ["ann", "bob"]
    assert people.unknown == ("zed",)
    assert [p.submission for p in people.absent] == ["gus"]
    assert lms.roster_report(people) == [
        "1 submission(s) not on the roster, left out of the LMS exports: zed",
        "1 student(s) on the roster without a submission (an empty score in canvas.csv and "
        "gradescope-scores.csv, left out of moodle.csv): gus"]
    alone = reconcile(None, ["b", "a"])
    assert [s for s, _ in alone.matched] == ["a", "b"] and not alone.unknown and not alone.absent


# --- exports, column by column -----------------------------------------------------------------

def test_canvas_columns():
    rows = table(export("canvas.csv", ROWS, parse_roster(ROSTER), "Homework 3", 10))
    # identity columns first, in Canvas's order, then one column per assignment
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 3"]
    # the row after the header: Points Possible, the assignment's points
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    assert rows[2:] == [
        ["Lee, Ann", "", "S1", "alee", "A", "7.5"],
        ["Ray, Bob", "", "S2", "bray", "B", ""],       # could not be graded: no score, not a zero
        ["Gray, Gus", "", "S3", "ggray", "A", ""],     # no submission: no change in Canvas
    ]
    assert all(len(r) == 6 for r in rows)
    assert "zed" not in export("canvas.csv", ROWS, parse_roster(ROSTER), "Homework 3")   # not on the roster


def test_gradescope_columns():
    rows = table(export("gradescope-scores.csv", ROWS, parse_roster(ROSTER), "Homework 3"))
    assert rows[0] == ["Name", "SID", "Email", "Homework 3"]   # Email or SID identifies the student
    assert rows[1:] == [["Lee, Ann", "S1", "ann@example.edu", "7.5"], ["Ray, Bob", "S2", "bob@example.edu", ""],
                        ["Gray, Gus", "S3", "gus@example.edu", ""]]
    assert all(r[1] or r[2] for r in rows[1:])                  # every row has an identifier
    assert not any(r[0].lower().startswith("points") for r in rows)


def test_moodle_columns():
    rows = table(export("moodle.csv", ROWS, parse_roster(ROSTER), "Homework 3"))
    assert rows[0] == ["Full name", "ID number", "Email address", "Username", "Homework 3"]
    # bob could not be graded and gus has no submission: an empty cell would clear their grade
    # in Moodle (load_data.php reads '' and '-' as "no grade"), so they have no row
    assert rows[1:] == [["Lee, Ann", "S1", "ann@example.edu", "alee", "7.5"]]


def test_without_a_roster_the_submission_id_identifies():
    rows = [lms.ScoreRow("ann", 1, 2), lms.ScoreRow("-rf", 2, 2)]
    canvas = table(export("canvas.csv", rows, None, "H", 2))
    assert canvas[2:] == [["-rf", "", "", "-rf", "", "2"], ["ann", "", "", "ann", "", "1"]]   # verbatim: it matches
    assert table(export("gradescope-scores.csv", rows, None, "H"))[1:] == [["-rf", "-rf", "", "2"], ["ann", "ann", "", "1"]]
    assert table(export("moodle.csv", rows, None, "H"))[1:] == [["-rf", "", "", "-rf", "2"], ["ann", "", "", "ann", "1"]]


HOSTILE_ROSTER = """submission,name,email,sis_id,login_id,canvas_id,section
-rf,+Ann,=ann@x.edu,-17,@ann,=1,-A
"""


def test_identifiers_are_exported_verbatim_and_only_free_text_is_neutralised():
    """An LMS compares the identifier cells with its own records: `-rf` must stay `-rf` (a `'`
    before it is a login nobody has). The title and the section are free text: neutralised."""
    rows = [lms.ScoreRow("-rf", 3, 4)]
    roster = parse_roster(HOSTILE_ROSTER)
    canvas = table(export("canvas.csv", rows, roster, "=HYPERLINK(1)", 4))
    assert canvas[0][-1] == "'=HYPERLINK(1)"
    assert canvas[2] == ["+Ann", "=1", "-17", "@ann", "'-A", "3"]
    gradescope = table(export("gradescope-scores.csv", rows, roster, "=HYPERLINK(1)"))
    assert gradescope[0][-1] == "'=HYPERLINK(1)" and gradescope[1] == ["+Ann", "-17", "=ann@x.edu", "3"]
    moodle = table(export("moodle.csv", rows, roster, "=HYPERLINK(1)"))
    assert moodle[0][-1] == "'=HYPERLINK(1)" and moodle[1] == ["+Ann", "-17", "=ann@x.edu", "@ann", "3"]


@pytest.mark.parametrize("name", ["Points Possible", "points possible", "Points  Possible (old)", "Ｐoints Possible"])
def test_a_student_named_like_canvas_points_row_is_refused_and_reported(name):
    """Canvas reads any row whose first cell says Points Possible as the assignment's points."""
    rows = [lms.ScoreRow("ann", 1, 2), lms.ScoreRow(name, 2, 2)]
    canvas = table(export("canvas.csv", rows, None, "H", 2))
    assert canvas == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "H"],
                      ["Points Possible", "", "", "", "", "2"], ["ann", "", "", "ann", "", "1"]]
    # the other systems have no such row: the student is exported there
    assert [r[0] for r in table(export("moodle.csv", rows, None, "H"))[1:]] == sorted(["ann", name])
    assert lms.roster_report(reconcile(None, ["ann", name])) == [
        "1 student(s) left out of canvas.csv, because Canvas would read a row named 'Points Possible' as the "
        "assignment's points, not as a student (give them another name in the roster's name column, or enter "
        f"the score in Canvas by hand): {name}"]
    # with a roster it is the name cell that counts
    roster = parse_roster(f"submission,name,sis_id\nann,Ann,S1\nbob,{name},S2\n")
    assert [r[2] for r in table(export("canvas.csv", [lms.ScoreRow("ann", 1, 2), lms.ScoreRow("bob", 2, 2)],
                                       roster, "H", 2))[2:]] == ["S1"]


def test_a_folder_named_points_possible_is_not_canvas_points_row(tmp_path, monkeypatch):
    """Without a roster, a class folder `Points Possible/` is refused in canvas.csv with a warning on
    stderr; the rest of the export, and the other exports, are intact."""
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    src = tmp_path / "class"
    for who in ("Points Possible", "ann"):
        (src / who).mkdir(parents=True)
        (src / who / "answers.yaml").write_text("relu:\n  derivative-positive: 1\n", encoding="utf-8")
    a = tmp_path / "a.yaml"
    a.write_text("title: HW\nproblems:\n  - relu\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("grade", src, "--out", out, "--assignment", a, "--jobs", "1")
    assert result.exit_code == 0, result.output
    canvas = table((out / "canvas.csv").read_bytes().decode("utf-8"))
    assert canvas[1:] == [["Points Possible", "", "", "", "", "2"], ["ann", "", "", "ann", "", "1"]]
    assert ("grader: 1 student(s) left out of canvas.csv, because Canvas would read a row named 'Points Possible' "
            "as the assignment's points") in result.stderr
    assert [r[0] for r in table((out / "moodle.csv").read_bytes().decode("utf-8"))[1:]] == ["Points Possible", "ann"]
    assert [r[0] for r in table((out / "gradescope-scores.csv").read_bytes().decode("utf-8"))[1:]] == \
        ["Points Possible", "ann"]


# --- assignment -----------------------------------------------------------------------------------

def test_assignment_selects_scales_and_switches_values():
    bank = load_bank(default_bank_dir())
    a = parse_assignment("title: HW\ndue: 2026-12-08\nproblems:\n  - relu\n"
                         "  - {id: sigmoid, points: 6}\n  - {id: two-layer-example, randomize: per-student}\n")
    assert (a.title, a.due) == ("HW", "2026-12-08")
    graded = apply(a, bank)
    assert list(graded) == ["relu", "sigmoid", "two-layer-example"]
    assert graded["sigmoid"].max_score == 6 and bank["sigmoid"].max_score != 6
    assert graded["two-layer-example"].per_student and not bank["two-layer-example"].per_student
    assert graded["relu"] == bank["relu"]
    whole = apply(Assignment(randomize=False), bank)
    assert list(whole) == sorted(bank) and not any(p.per_student for p in whole.values())


@pytest.mark.parametrize("text, message", [
    ("titel: x\n", "a:1: unknown field 'titel' (did you mean 'title'?)"),
    ("problems: []\n", "a:1: 'problems' must be a non-empty list of problem ids"),
    ("problems:\n  - relu\n  - relu\n", "a:1: problem 'relu' is listed twice"),
    ("problems:\n  - {id: relu, points: -1}\n", "a:1: problem 'relu': 'points' must be a positive number"),
    ("problems:\n  - {id: relu, pts: 1}\n", "a:1: problem 'relu': unknown field 'pts' (the fields are: id, points, randomize)"),
    ("randomize: on\n", "a:1: 'randomize' must be one of: off, per-student"),
    ("- relu\n", "a: an assignment file maps fields (title, due, randomize, problems) to values"),
])
def test_assignment_errors(text, message):
    with pytest.raises(AssignmentError) as err:
        parse_assignment(text, "a")
    assert str(err.value) == message


def test_assignment_against_the_bank_errors():
    bank = load_bank(default_bank_dir())
    with pytest.raises(AssignmentError, match="problem 'sigmod', which the bank does not have .did you mean 'sigmoid'"):
        apply(Assignment(problems=(Entry("sigmod"),)), bank)
    with pytest.raises(AssignmentError, match="declares no 'variants'"):
        apply(Assignment(problems=(Entry("relu", randomize=True),)), bank)


# --- the CLI: the example class ----------------------------------------------------------------

def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output + result.stderr
    return result


def test_example_class_writes_the_three_exports_and_reports_the_roster(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    out = tmp_path / "out"
    result = run("grade", EXAMPLES / "submissions", "--out", out, "--jobs", "2",
                 "--assignment", EXAMPLES / "assignment.yaml", "--roster", EXAMPLES / "roster.csv")
    assert result.exit_code == 3                                  # dana.yaml is broken
    assert "1 submission(s) not on the roster, left out of the LMS exports: zoë martin" in result.stderr
    assert ("1 student(s) on the roster without a submission (an empty score in canvas.csv and "
            "gradescope-scores.csv, left out of moodle.csv): gina") in result.stderr
    canvas = table((out / "canvas.csv").read_bytes().decode("utf-8"))
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert canvas[0][-1] == "Backpropagation homework"
    assert canvas[1] == ["Points Possible", "", "", "", "", "66"]
    by_login = {r[3]: r[5] for r in canvas[2:]}
    assert by_login["amartin"] == "66" == str(results["alice"]["score"]).rstrip("0").rstrip(".")
    assert by_login["dlevi"] == "" and by_login["grossi"] == ""
    rows = table((out / "gradescope-scores.csv").read_bytes().decode("utf-8"))
    assert len(rows) == 1 + 7                                     # 6 matched + gina, no points row
    rows = table((out / "moodle.csv").read_bytes().decode("utf-8"))
    assert [r[3] for r in rows[1:]] == ["amartin", "bokafor", "wchen", "eeze", "fhaddad"]   # no dana, no gina
    assert results["alice"]["score"] == results["chen-wei"]["score"] == 66
    # the same class with per-student values switched on by the assignment: emeka's (and now
    # alice's) course numbers are recognised as such
    on = per_student_assignment(tmp_path)
    run("grade", EXAMPLES / "submissions", "--out", tmp_path / "on", "--jobs", "2", "--assignment", on)
    results = {r["student"]: r for r in json.loads((tmp_path / "on" / "results.json").read_text(encoding="utf-8"))}
    for s in ("emeka", "alice"):
        two = [p for p in results[s]["parts"] if p["problem"] == "two-layer-example"]
        assert {p["rule"] for p in two} == {"course-values"}, s
    assert results["alice"]["score"] == 60                        # 6 points lost to the course's numbers, and told why
    feedback = (tmp_path / "on" / "feedback" / "alice.md").read_text(encoding="utf-8")
    assert ("That is the right value for the course's values (x = 3, w1 = 0.01, w2 = -5), but your values are "
            "x = 1, w1 = 0.02, w2 = -4: redo the computation with yours.") in feedback


def per_student_assignment(tmp_path: Path) -> Path:
    """examples/assignment.yaml with the two-layer example's per-student values switched on."""
    text = (EXAMPLES / "assignment.yaml").read_text(encoding="utf-8")
    assert "\n  - two-layer-example\n" in text
    path = tmp_path / "per-student.yaml"
    path.write_text(text.replace("\n  - two-layer-example\n", "\n  - {id: two-layer-example, randomize: per-student}\n"),
                    encoding="utf-8")
    return path


def test_handout_from_a_class_folder_and_from_a_roster(tmp_path):
    out = tmp_path / "h"
    on = per_student_assignment(tmp_path)
    result = run("handout", EXAMPLES / "submissions", "--out", out, "--assignment", on)
    assert result.exit_code == 0, result.output
    values = list(csv.reader(io.StringIO((out / "values.csv").read_text(encoding="utf-8-sig"))))
    assert values[0] == ["submission", "name", "email", "two-layer-example/x", "two-layer-example/w1",
                         "two-layer-example/w2"]
    from grader.checking.variants import variant_values
    problem = load_bank(default_bank_dir())["two-layer-example"]
    bob = variant_values(problem, "bob")
    assert ["bob", "", ""] + [f"{bob[n]:g}" for n in ("x", "w1", "w2")] in values
    page = (out / "bob.md").read_text(encoding="utf-8")
    assert page.startswith("# Your values: bob\n\nDue: 2026-12-08 23:59 UTC\n")
    assert f"| x | {bob['x']:g} |" in page and "| t | 1 (the same for everyone) |" in page
    assert ("These values come from the assignment file `per-student.yaml`: add `--assignment per-student.yaml` "
            "to every `grader` command you check your answers with, or they are checked with the course's values."
            in page)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["values.csv", "alice.md", "bob.md", "chen-wei.md", "dana.md", "emeka.md", "farah.md", "zoë martin.md"])
    r = run("handout", "--roster", EXAMPLES / "roster.csv", "--out", tmp_path / "r", "--assignment", on)
    assert r.exit_code == 0
    assert (tmp_path / "r" / "gina.md").read_text(encoding="utf-8").startswith("# Your values: Rossi, Gina (gina)")
    none = run("handout", EXAMPLES / "submissions", "--out", tmp_path / "n",      # values off
               "--assignment", EXAMPLES / "assignment.yaml")
    assert none.exit_code == 2 and "no problem gives per-student values" in none.stderr


# --- the streamed join agrees with the roster's reconciliation ---------------------------------

from hypothesis import given, settings, strategies as st   # noqa: E402

_ids = st.text(alphabet="abcdeé-Z0", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(students=st.sets(_ids, max_size=12), listed=st.sets(_ids, max_size=12), errors=st.sets(_ids, max_size=4))
def test_streamed_join_matches_reconcile(students, listed, errors):
    rows = [lms.ScoreRow(s, float(len(s)), 10.0, "error" if s in errors else "graded") for s in sorted(students)]
    roster = parse_roster("submission,name\n" + "".join(f"{s},N {s}\n" for s in sorted(listed)))
    def joined(roster):
        join = lms.Join(roster)
        return [e for r in rows for e in join.add(r)] + join.rest()

    streamed = joined(roster)
    people = reconcile(roster, students)          # what `grader grade` reports about the roster
    score = {r.student: None if r.status == "error" else r.score for r in rows}
    expected = sorted([(p, score[s]) for s, p in people.matched] + [(p, None) for p in people.absent],
                      key=lambda e: e[0].submission)
    assert streamed == expected
    assert [p.submission for p, _ in streamed] == sorted(listed)
    assert joined(None) == [(Person(r.student), None if r.student in errors else r.score) for r in rows]


def test_grade_file_with_an_assignment_shows_it_and_totals_its_problems(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_PROBLEMS", raising=False)
    monkeypatch.delenv("GRADER_STUDENT", raising=False)
    a = tmp_path / "hw.yaml"
    a.write_text("title: HW 3\ndue: Friday 5 pm\nproblems:\n  - relu\n  - {id: sigmoid, points: 6}\n",
                 encoding="utf-8")
    f = tmp_path / "ann" / "answers.yaml"
    f.parent.mkdir()
    f.write_text("relu:\n  derivative-positive: 1\n  derivative-negative: 0\n", encoding="utf-8")
    result = run("grade", f, "--assignment", a)
    lines = result.stdout.splitlines()
    assert lines[0] == "Assignment: HW 3 (due Friday 5 pm)"
    bank = load_bank(default_bank_dir())
    assert lines[-1] == f"Total: {bank['relu'].max_score:g}/{bank['relu'].max_score + 6:g}"
    assert not any(line.startswith("two-layer-example/") for line in lines)      # not in the assignment
