"""Whose values a copied answer matches: the instructor's files say, the student's never do (issue 28, item 7).

When a class run labels several parts of one problem as right for ONE classmate's value set
(`matches-another-students-values-on-N-parts`), the instructor needs to know whose set it is to
look into it; the student is told only "another student's values". Grading stays anonymous (the
verdict carries the value set, `Verdict.matched_values`); the class's results.json and report.html
map it to every classmate who has those values, from the class as it is now.
"""
from __future__ import annotations

import json
import math
import shutil

import pytest

from conftest import run_cli as run, write
from grader.authoring.loader import load_bank
from grader.checking import othervalues
from grader.checking.othervalues import classmates
from grader.checking.variants import variant_values
from grader.classes.gradebook import _verdict_from, verdict_body
from grader.model import INCORRECT, Verdict

PROBLEM = "two-layer-example"
RULE = "matches-another-students-values-on-4-parts"
OWNER = "qq-owner-"          # every owner's id starts so: a student file must never hold it


def answers(v: dict) -> dict[str, str]:
    """Each part's right number for values `v`, typed as a student types it (4 significant figures)."""
    a1 = max(0.0, v["w1"] * v["x"])
    y = 1 / (1 + math.exp(-(v["w2"] * a1 + v["b"])))
    d = (y - v["t"]) * y * (1 - y)
    right = {"loss": 0.5 * (y - v["t"]) ** 2, "dC-dw1": d * v["w2"] * v["x"], "dC-dw2": d * a1, "dC-db": d}
    return {k: f"{x:.4g}" for k, x in right.items()}


def yaml_of(numbers: dict[str, str]) -> str:
    return f"{PROBLEM}:\n" + "".join(f'  {k}: "{x}"\n' for k, x in numbers.items())


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("GRADER_PROBLEMS", "GRADER_STUDENT", "GRADER_DEBUG", "NO_COLOR", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")     # report.html's timestamp: runs compare bytes


@pytest.fixture(scope="module")
def people(randomized_bank):
    """Three students who share one value set (the first such trio of ids, deterministic) and a
    copier whose own values give numbers far from theirs on every part."""
    p = load_bank(randomized_bank)[PROBLEM]
    groups: dict[tuple, list[str]] = {}
    for i in range(200):
        groups.setdefault(tuple(sorted(variant_values(p, f"{OWNER}{i}").items())), []).append(f"{OWNER}{i}")
    owners = min((g for g in groups.values() if len(g) >= 3), key=lambda g: g[0])[:3]
    theirs = variant_values(p, owners[0])
    copier = next(f"cp-{i}" for i in range(100) if all(
        abs(float(a) - float(b)) > 0.01 for a, b in zip(answers(variant_values(p, f"cp-{i}")).values(),
                                                         answers(theirs).values())))
    return owners, copier, answers(theirs)


def _class(root, owners, copier, numbers):
    for o in owners:
        write(root / o / "answers.yaml", yaml_of(numbers))      # each their own values, right
    write(root / copier / "answers.yaml", yaml_of(numbers))     # the owners' numbers, not the copier's
    write(root / "cp-honest" / "answers.yaml", yaml_of({"loss": "0.5"}))
    return root


def _grade(cls, out, bank, said: str = "", jobs: int = 1):
    result = run("grade", cls, "--out", out, "--problems", bank, "--jobs", jobs)
    assert result.exit_code == 0, result.output
    assert said in result.output
    return {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}


def _report_row(copier: str, whose: str) -> str:
    return (f"<tr><td>{copier}</td><td><code>{PROBLEM}</code></td><td>loss, dC-dw1, dC-dw2, dC-db</td>"
            f"<td>{whose}</td><td>{RULE}</td></tr>")


@pytest.mark.parametrize("jobs", [1, 2])      # 2: results.json and report.html written by the helper process
def test_the_instructors_files_name_whose_values_matched_and_no_student_file_does(tmp_path, randomized_bank, people,
                                                                                  jobs):
    owners, copier, numbers = people
    two = owners[:2]
    cls = _class(tmp_path / "cls", two, copier, numbers)
    out = tmp_path / "out"
    rows = _grade(cls, out, randomized_bank, jobs=jobs)

    # results.json (the instructor's): each labelled part names both students who have the values
    labelled = [q for q in rows[copier]["parts"] if q["problem"] == PROBLEM]
    assert [(q["part"], q["rule"], q["whose_values"]) for q in labelled] == [
        (part, RULE, sorted(two)) for part in ("loss", "dC-dw1", "dC-dw2", "dC-db")]
    assert all("whose_values_more" not in q for q in labelled)
    assert [(s, q["part"]) for s, r in rows.items() for q in r["parts"] if "whose_values" in q] == [
        (copier, q["part"]) for q in labelled]                  # nobody else's part names anyone
    # report.html (the instructor's): one row for the problem, with whose values
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Answers right for a classmate's values</h2>" in report
    assert _report_row(copier, ", ".join(sorted(two))) in report

    # every file a student sees: the copier's feedback says "another student's values", never whose
    feedback = (out / "feedback" / f"{copier}.md").read_text(encoding="utf-8")
    assert "match another student's values, not yours" in feedback
    student_files = sorted((out / "feedback").iterdir()) + sorted((out / "gradescope").rglob("*.json"))
    assert len(student_files) == 2 * 4
    for f in student_files:
        text = f.read_text(encoding="utf-8")
        mine = f.stem if f.parent.name == "feedback" else f.parent.name
        assert [o for o in two if o in text and o != mine] == [], f
    assert OWNER not in (out / "gradescope" / copier / "results.json").read_text(encoding="utf-8")
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    copier_cases = [c for c in junit.split("<testcase ")[1:] if c.startswith(f'classname="{copier}"')]
    assert len(copier_cases) > 4 and not any(OWNER in c for c in copier_cases)
    for lms_file in ("canvas.csv", "moodle.csv", "gradescope-scores.csv"):
        if (out / lms_file).exists():
            assert "another student" not in (out / lms_file).read_text(encoding="utf-8-sig")
    # and the student's own terminal: grading the copier's file alone names nobody
    alone = run("grade", cls / copier / "answers.yaml", "--student", copier, "--problems", randomized_bank)
    assert OWNER not in alone.output and copier in alone.output


def test_a_rerun_names_a_classmate_who_joins_with_the_same_values_as_a_fresh_run_does(
        tmp_path, randomized_bank, people):
    owners, copier, numbers = people
    cls = _class(tmp_path / "cls", owners[:2], copier, numbers)
    out = tmp_path / "out"
    _grade(cls, out, randomized_bank)
    first = {name: (out / name).read_bytes() for name in ("results.json", "report.html")}
    _grade(cls, out, randomized_bank)               # nothing changed: the copier's row is reused
    assert {name: (out / name).read_bytes() for name in first} == first

    # a third student with the same values joins: the set's owners changed, not the class's sets;
    # only the row that names them is graded again (and the newcomer's), the others are kept
    write(cls / owners[2] / "answers.yaml", yaml_of(numbers))
    rows = _grade(cls, out, randomized_bank, said="; 2 read and graded, 3 unchanged,")
    assert {q["part"]: q["whose_values"] for q in rows[copier]["parts"] if "whose_values" in q} == {
        part: sorted(owners) for part in ("loss", "dC-dw1", "dC-dw2", "dC-db")}
    assert _report_row(copier, ", ".join(sorted(owners))) in (out / "report.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    _grade(cls, fresh, randomized_bank)
    for name in ("results.json", "report.html"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name

    # the copier hands in their own numbers: the label, and every name, is gone
    p = load_bank(randomized_bank)[PROBLEM]
    write(cls / copier / "answers.yaml", yaml_of(answers(variant_values(p, copier))))
    rows = _grade(cls, out, randomized_bank)
    assert not any("whose_values" in q for r in rows.values() for q in r["parts"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "classmate's values</h2>" not in report and OWNER not in report.split("<h2>Students</h2>")[0]


def test_the_owners_are_sorted_counted_once_capped_and_never_the_student(randomized_bank, people, monkeypatch):
    p = load_bank(randomized_bank)[PROBLEM]
    have = sorted(people[0])
    key = othervalues._key(variant_values(p, have[0]))
    # streamed in any order, one id twice: sorted, once each
    mates = classmates({PROBLEM: p}, [have[2], have[0], have[2], have[1]])
    assert mates.owners[(PROBLEM, key)] == (tuple(have[:3]), False)
    assert mates.whose(PROBLEM, key, have[1]) == ((have[0], have[2]), False)
    assert mates.whose(PROBLEM, (("x", 99.0),), have[1]) == ((), False)
    assert key in mates.values[PROBLEM] and othervalues.classmates_values({PROBLEM: p}, have) == {PROBLEM: (key,)}
    # more than OTHER_VALUES_MAX_NAMED have the set: the first named, and "more"
    monkeypatch.setattr(othervalues, "OTHER_VALUES_MAX_NAMED", 2)
    assert classmates({PROBLEM: p}, reversed(have)).owners[(PROBLEM, key)] == (tuple(have[:2]), True)
    assert classmates({PROBLEM: p}, have[:2]).owners[(PROBLEM, key)] == (tuple(have[:2]), False)


def test_the_gradebook_keeps_the_value_set_and_other_verdicts_keep_their_bodies():
    plain = Verdict(INCORRECT, 0.0, 1.0, feedback=("That is not the right value.",))
    labelled = Verdict(INCORRECT, 0.0, 1.0, feedback=("...",), rule=RULE,
                       matched_values=(("b", 0.1), ("w1", 0.03), ("x", 3.0)))
    assert "matched_values" not in verdict_body(plain)
    assert '"matched_values":[["b",0.1],["w1",0.03],["x",3.0]]' in verdict_body(labelled)
    assert _verdict_from(verdict_body(labelled)) == labelled and _verdict_from(verdict_body(plain)) == plain


def test_the_reports_table_says_it_is_cut_only_when_rows_were_left_out(monkeypatch):
    from grader.formats import class_stats
    from grader.formats.report_html import report_html_from
    from grader.model import GRADED, PartResult, SubmissionResult

    class Tally:          # the gradebook's tally of wrong answers, which this table does not read
        def add(self, *args):
            pass

        def top(self, *args):
            return []
    monkeypatch.setattr(class_stats, "ROSTER_MAX_ROWS", 2)
    labelled = Verdict(INCORRECT, 0.0, 1.0, rule="matches-another-students-values-on-2-parts",
                       matched_values=(("x", 2.0),))

    def report(students: int) -> str:
        cs = class_stats.ClassStats(["p"], Tally())
        for n in range(students):
            cs.add(SubmissionResult(f"s{n}", GRADED, (PartResult("p", "a", "1", labelled),
                                                      PartResult("p", "b", "2", labelled))))
        return report_html_from(cs)
    cut = "results.json has every one (whose_values)"
    assert report(2).count("<td>a, b</td>") == 2 and cut not in report(2)     # exactly the cap: nothing left out
    assert report(3).count("<td>a, b</td>") == 2 and cut in report(3)
