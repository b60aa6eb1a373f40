"""Student ids compared in one Unicode form (issue 23, item 4): a folder `zoë` written by macOS
(NFD: `zoe` + U+0308) and a roster's `zoë` (NFC) are one student in every output, the handout
gives the values the student is graded with, two submissions whose names are NFC/NFD twins are
both kept under different ids, and ids that look alike are named in the run's warnings.

The folders are real folders on disk with the NFD bytes in their names (Linux keeps a name's
bytes as written, as a class folder unzipped from a Mac has them)."""
from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from pathlib import Path

import pytest

from conftest import run_cli
from grader.authoring.loader import default_bank_dir, load_bank
from grader.authoring.roster import parse_roster, reconcile
from grader.checking.variants import variant_values
from grader.classes.lookalike import lookalike_groups, skeleton
from grader.classes.submissions import scan, student_id

NFC = "zoë"
NFD = unicodedata.normalize("NFD", NFC)
ASSIGNMENT = "title: HW\nproblems:\n  - {id: two-layer-example, randomize: per-student}\n"


def table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def answers_for(values: dict[str, float]) -> str:
    """The loss, right for these values, typed as an expression of numbers (no rounding)."""
    x, w1, w2 = values["x"], values["w1"], values["w2"]
    return f"two-layer-example:\n  loss: 1/2*(sigma({w2}*({w1}*{x})+(-1))-1)^2\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_two_forms_are_different_names_on_this_file_system(tmp_path):
    """The premise of the tests below: the folder keeps the NFD bytes (on a file system that
    normalised names the bug could not happen, and these tests would prove nothing)."""
    (tmp_path / NFD).mkdir()
    assert NFD != NFC and os.listdir(tmp_path) == [NFD]
    assert os.fsencode(os.listdir(tmp_path)[0]) == b"zoe\xcc\x88"


@pytest.mark.parametrize("folder, listed", [(NFD, NFC), (NFC, NFD)], ids=["macOS folder", "macOS roster"])
def test_one_student_in_every_export_and_graded_with_the_handouts_values(tmp_path, folder, listed):
    assignment = write(tmp_path / "hw.yaml", ASSIGNMENT)
    roster = write(tmp_path / "roster.csv",
                   f"submission,name,email,sis_id,login_id\n{listed},Zoë Martin,zoe@x.edu,S9,zmartin\n"
                   f"ann,Ann Lee,ann@x.edu,S1,alee\n")
    handouts = tmp_path / "handouts"
    assert run_cli("handout", "--roster", roster, "--out", handouts, "--assignment", assignment).exit_code == 0
    given = {row[0]: row for row in table(handouts / "values.csv")}
    header = table(handouts / "values.csv")[0]
    mine = {h.split("/")[1]: float(given[NFC][i]) for i, h in enumerate(header) if h.startswith("two-layer-example/")}
    # the student answers with the handout's numbers, in a folder named by their Mac
    src = tmp_path / "class"
    write(src / folder / "answers.yaml", answers_for(mine))
    write(src / "ann" / "answers.yaml", "two-layer-example:\n  loss: 0\n")
    out = tmp_path / "out"
    result = run_cli("grade", src, "--out", out, "--assignment", assignment, "--roster", roster, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "not on the roster" not in result.stderr and "without a submission" not in result.stderr
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert sorted(results) == ["ann", NFC]
    assert results[NFC]["values"] == {"two-layer-example": {**results[NFC]["values"]["two-layer-example"], **mine}}
    assert (results[NFC]["score"], results[NFC]["parts"][0]["status"]) == (1, "correct")
    assert table(out / "canvas.csv")[2:] == [["Ann Lee", "", "S1", "alee", "", "0"],
                                             ["Zoë Martin", "", "S9", "zmartin", "", "1"]]
    assert table(out / "gradescope-scores.csv")[1:] == [["Ann Lee", "S1", "ann@x.edu", "0"],
                                                        ["Zoë Martin", "S9", "zoe@x.edu", "1"]]
    assert table(out / "moodle.csv")[1:] == [["Ann Lee", "S1", "ann@x.edu", "alee", "0"],
                                             ["Zoë Martin", "S9", "zoe@x.edu", "zmartin", "1"]]
    assert (out / "feedback" / f"{NFC}.md").exists()
    # the handout written from the class folder names the same student with the same values
    again = tmp_path / "from-folder"
    assert run_cli("handout", src, "--out", again, "--assignment", assignment).exit_code == 0
    assert table(again / "values.csv")[1:] == [["ann", "", ""] + given["ann"][3:], [NFC, "", ""] + given[NFC][3:]]
    assert sorted(os.listdir(again)) == sorted(["values.csv", "ann.md", f"{NFC}.md"])


@pytest.mark.parametrize("folder, typed", [(NFD, NFC), (NFC, NFD)], ids=["typed", "pasted from Finder"])
def test_grading_one_student_by_either_form_finds_the_folder(tmp_path, folder, typed):
    src = tmp_path / "class"
    write(src / folder / "answers.yaml", "two-layer-example:\n  loss: 0.288\n")
    write(src / "ann.yaml", "two-layer-example:\n  loss: 0\n")
    assignment = write(tmp_path / "hw.yaml", "title: HW\nproblems:\n  - two-layer-example\n")
    out = tmp_path / "out"
    result = run_cli("grade", src, "--out", out, "--assignment", assignment, "--student", typed, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert [r["student"] for r in json.loads((out / "results.json").read_text(encoding="utf-8"))] == [NFC]


def test_one_answer_file_in_a_decomposed_folder_is_the_composed_student(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_STUDENT", raising=False)
    f = write(tmp_path / NFD / "answers.yaml", "two-layer-example:\n  loss: 0.288\n")
    result = run_cli("grade", f, "--format", "json")
    assert json.loads(result.stdout)["student"] == NFC


def test_a_student_line_in_the_other_form_is_the_same_student(tmp_path):
    """`student: zoë` pasted into the file from a Mac (NFD) in a folder `zoë` (NFC): no "graded
    as another id" note."""
    src = tmp_path / "class"
    write(src / NFC / "answers.yaml", f"student: {NFD}\nrelu:\n  derivative-positive: 1\n")
    write(src / "ann" / "answers.yaml", f"student: {NFD}\nrelu:\n  derivative-positive: 1\n")   # and not her id
    assignment = write(tmp_path / "hw.yaml", "title: HW\nproblems:\n  - relu\n")
    out = tmp_path / "out"
    run_cli("grade", src, "--out", out, "--assignment", assignment, "--jobs", "1")
    messages = {r["student"]: r.get("message") for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert messages[NFC] is None
    assert messages["ann"] == f"The file says 'student: {NFD}', but it is graded as 'ann' (the name of its file or folder)."


def test_handouts_for_ids_given_in_either_form_are_one_page(tmp_path):
    import grader
    bank = grader.apply_assignment(grader.load_assignment(write(tmp_path / "hw.yaml", ASSIGNMENT)))
    assert grader.write_handouts(bank, [NFD, "ann"], tmp_path / "h") == 2
    assert sorted(os.listdir(tmp_path / "h")) == sorted(["values.csv", "ann.md", f"{NFC}.md"])
    assert (tmp_path / "h" / f"{NFC}.md").read_text(encoding="utf-8").startswith(f"# Your values: {NFC}\n")


def test_per_student_values_are_drawn_from_the_composed_id():
    problem = load_bank(default_bank_dir())["two-layer-example"]
    assert variant_values(problem, NFD) == variant_values(problem, NFC)
    # the draw is not blind to the id: another name draws other values (the test can fail)
    assert any(variant_values(problem, f"{NFC}{i}") != variant_values(problem, NFC) for i in range(5))


def test_ids_and_roster_entries_are_composed():
    assert student_id(NFD) == NFC and student_id(f"{NFD}\n") == f"{NFC}\\x0a"
    roster = parse_roster(f"submission,name\n{NFD},Zoë\n")
    assert roster.people[0].submission == NFC and roster.get(NFC) is not None
    assert [s for s, _ in reconcile(roster, [NFD]).matched] == [NFC]
    with pytest.raises(Exception, match="listed twice"):
        parse_roster(f"submission\n{NFD}\n{NFC}\n")


# --- twins: both forms present ----------------------------------------------------------------

@pytest.mark.parametrize("nfc_entry, nfd_entry", [
    (f"{NFC}/answers.yaml", f"{NFD}/answers.yaml"),
    (f"{NFC}.yaml", f"{NFD}/answers.yaml"),
    (f"{NFC}/answers.yaml", f"{NFD}.yml"),
], ids=["two folders", "file and folder", "folder and file"])
def test_unicode_twins_are_both_kept_under_different_ids_with_a_warning(tmp_path, nfc_entry, nfd_entry):
    src = tmp_path / "class"
    write(src / nfc_entry, "relu:\n  derivative-positive: 1\n  derivative-negative: 0\n")   # 2 points
    write(src / nfd_entry, "relu:\n  derivative-positive: 5\n")                            # 0 points
    write(src / "ann.yaml", "relu:\n  derivative-positive: 1\n")
    roster = write(tmp_path / "roster.csv", f"submission,sis_id\n{NFC},S9\nann,S1\n")
    assignment = write(tmp_path / "hw.yaml", "title: HW\nproblems:\n  - relu\n")
    twin = "zoe\\u0308"
    assert [e.student for e in scan(src)] == ["ann", twin, NFC]
    out = tmp_path / "out"
    result = run_cli("grade", src, "--out", out, "--assignment", assignment, "--roster", roster, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (f"grader: '{NFC}' and '{twin}' are two submissions whose names differ only in how their accents "
            f"are encoded (Unicode NFC and NFD; macOS writes NFD): both are graded, the second under the id "
            f"'{twin}', which a roster entry '{NFC}' does not match: keep one of them, or rename one") in result.stderr
    assert f"1 submission(s) not on the roster, left out of the LMS exports: {twin}" in result.stderr
    results = {r["student"]: r["score"] for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert results == {"ann": 1, NFC: 2, twin: 0}
    # each kept its own feedback: neither overwrote the other's file
    feedback = sorted(os.listdir(out / "feedback"))
    assert len(feedback) == 3 and f"{NFC}.md" in feedback
    texts = [(out / "feedback" / name).read_text(encoding="utf-8") for name in feedback if name != "ann.md"]
    assert {tuple(t.splitlines()[0:3:2]) for t in texts} == {
        (f"# Feedback for {NFC}", "**Score: 2 / 2**"), ("# Feedback for zoe\\\\u0308", "**Score: 0 / 2**")}
    assert table(out / "canvas.csv")[2:] == [["ann", "", "S1", "", "", "1"], [NFC, "", "S9", "", "", "2"]]


def test_a_decomposed_name_alone_with_its_duplicate_is_still_one_student(tmp_path):
    """`zoë/` and `zoë.yaml` both from a Mac: the same name twice, not twins (as for `bob/` and
    `bob.yaml`: one entry that says so)."""
    src = tmp_path / "class"
    write(src / NFD / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    write(src / f"{NFD}.yaml", "relu:\n  derivative-positive: 1\n")
    [entry] = scan(src)
    assert entry.student == NFC and entry.error.startswith("more than one submission for this student")
    assert entry.note is None


# --- look-alikes ------------------------------------------------------------------------------

def test_skeletons():
    assert skeleton("Аna") == skeleton("Ana")            # Cyrillic А
    assert skeleton("Bοb") == skeleton("Bob")            # Greek omicron
    assert skeleton("ａｎｎ") == skeleton("ann")          # fullwidth
    assert skeleton("ann\u200b") == skeleton("ann") == skeleton(" ann  ")
    assert skeleton("s01") == skeleton("sOl")
    assert skeleton("zoë") != skeleton("zoe") and skeleton("ann") != skeleton("Ann")
    assert lookalike_groups(["Ana", "Аna", "bob", "Bοb", "Bob", "ann"]) == [("Ana", "Аna"), ("Bob", "Bοb")]


def test_lookalike_ids_are_named_in_the_runs_warnings(tmp_path):
    src = tmp_path / "class"
    for name in ("Ana", "Аna", "Bob", "Bοb", "carl"):
        write(src / name / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    assignment = write(tmp_path / "hw.yaml", "title: HW\nproblems:\n  - relu\n")
    result = run_cli("grade", src, "--out", tmp_path / "out", "--assignment", assignment, "--jobs", "1")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "look alike" in line]
    assert lines == [
        "grader: these student ids look alike but are different students to the grader and to an LMS: 'Ana', "
        "'Аna' ('А' is U+0410 CYRILLIC CAPITAL LETTER A); check that they are really different students (a "
        "roster entry matches only the id written exactly as its submission's)",
        "grader: these student ids look alike but are different students to the grader and to an LMS: 'Bob', "
        "'Bοb' ('ο' is U+03BF GREEK SMALL LETTER OMICRON); check that they are really different students (a "
        "roster entry matches only the id written exactly as its submission's)"]


def test_a_lookalike_of_a_roster_entry_is_explained(tmp_path):
    """A Cyrillic `Аna` folder and the roster's Latin `Ana`: "not on the roster" and "without a
    submission" for two names that look the same, and the warning that says why."""
    src = tmp_path / "class"
    write(src / "Аna" / "answers.yaml", "relu:\n  derivative-positive: 1\n")
    roster = write(tmp_path / "roster.csv", "submission,sis_id\nAna,S1\n")
    assignment = write(tmp_path / "hw.yaml", "title: HW\nproblems:\n  - relu\n")
    result = run_cli("grade", src, "--out", tmp_path / "out", "--assignment", assignment, "--roster", roster,
                     "--jobs", "1")
    assert "1 submission(s) not on the roster, left out of the LMS exports: Аna" in result.stderr
    assert ("these student ids look alike but are different students to the grader and to an LMS: 'Ana', 'Аna' "
            "('А' is U+0410 CYRILLIC CAPITAL LETTER A)") in result.stderr
