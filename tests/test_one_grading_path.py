"""One way to grade an answer (issue 22): the terminal, the notebook API, the web page's API and
a class run give the same verdict and the same feedback for the same answer, because each calls
`grader.grade_answer`. Before, alice answering the course's value 0.288 to a per-student part
was told "That is the right value for the course's values" by `grader check` only."""
from __future__ import annotations

import json

import pytest
import yaml
from starlette.testclient import TestClient

import grader
from grader.interfaces import web
from grader.show.text import verdict_json

from conftest import run_cli

COURSE_VALUES = ("That is the right value for the course's values ({course}), but your values are "
                 "{values}: redo the computation with yours.")


def _sample(bank) -> list[tuple[str, str, str]]:
    """Every part's first two self-tests (a right and often a wrong answer): 50-odd answers of
    every kind the bank has (expressions, numbers, choices, LaTeX, syntax errors)."""
    return [(pid, part.id, t.answer) for pid, problem in bank.items() for part in problem.parts
            for t in part.tests[:2]]


def _cli(bank_dir, pid, part, answer, student):
    result = run_cli("check", "--problems", bank_dir, "--student", student, "--format", "json", pid, part, answer)
    out = json.loads(result.stdout)
    out.pop("student", None)
    out.pop("values", None)
    return out


def _api(bank_dir, pid, part, answer, student):
    return verdict_json(pid, part, grader.check(pid, part, answer, student=student, problems=bank_dir).verdict)


def _web_client(bank, student):
    return TestClient(web.create_app(bank, student=student))


def _web(client, pid, part, answer):
    out = client.post("/api/check", json={"problem": pid, "part": part, "answer": answer}).json()
    keys = ("problem", "part", "status", "score", "max_score", "interpreted", "feedback") + (("steps",) if "steps" in out else ())
    return {key: out[key] for key in keys}


def _class(tmp_path, bank, answers: list[tuple[str, str, str]], student_of) -> dict:
    """Each answer in its own student's file (the student named by `student_of(i)`), graded as
    a class; the verdict of each answer, read back from the run's rows."""
    src = tmp_path / "class"
    for i, (pid, part, answer) in enumerate(answers):
        folder = src / student_of(i)
        folder.mkdir(parents=True)
        (folder / "answers.yaml").write_text(yaml.safe_dump({pid: {part: answer}}, allow_unicode=True),
                                             encoding="utf-8")
    run = grader.grade_class(src, tmp_path / "out", problems=bank, jobs=1)
    rows = {r.student: r for r in run.results}
    out = {}
    for i, (pid, part, answer) in enumerate(answers):
        [graded] = [p for p in rows[student_of(i)].parts if (p.problem, p.part) == (pid, part)]
        out[i] = verdict_json(pid, part, graded.verdict)
    return out


def test_alice_answering_the_course_value_is_told_so_everywhere(randomized_bank, tmp_path):
    bank = grader.load_bank(randomized_bank)
    problem = bank["two-layer-example"]
    alice = grader.student_values(problem, "alice")
    names = [v.name for v in problem.variants]
    course = dict(problem.given)
    assert alice is not None and names and any(alice[n] != course[n] for n in names)
    told = COURSE_VALUES.format(course=", ".join(f"{n} = {course[n]:g}" for n in names),
                                values=", ".join(f"{n} = {alice[n]:g}" for n in names))
    expected = {"problem": "two-layer-example", "part": "loss", "status": "incorrect", "score": 0.0,
                "max_score": 1.0, "interpreted": "0.288", "feedback": [told]}
    assert _cli(randomized_bank, "two-layer-example", "loss", "0.288", "alice") == expected
    assert _api(randomized_bank, "two-layer-example", "loss", "0.288", "alice") == expected
    with _web_client(bank, "alice") as client:
        assert _web(client, "two-layer-example", "loss", "0.288") == expected
    assert _class(tmp_path, bank, [("two-layer-example", "loss", "0.288")], lambda i: "alice") == {0: expected}


def test_the_banks_answers_get_the_same_verdict_through_all_four_interfaces(tmp_path):
    bank_dir = grader.locate_bank().path
    bank = grader.load_bank(bank_dir)
    answers = _sample(bank)
    assert len(answers) >= 40 and {bank[p].part(q).kind for p, q, _ in answers} >= {
        "expression", "numeric", "choice", "multi-choice"}
    through_class = _class(tmp_path, bank, answers, lambda i: f"s{i:03d}")
    statuses = set()
    with _web_client(bank, None) as client:
        for i, (pid, part, answer) in enumerate(answers):
            via_cli = _cli(bank_dir, pid, part, answer, f"s{i:03d}")
            statuses.add(via_cli["status"])
            assert _api(bank_dir, pid, part, answer, f"s{i:03d}") == via_cli, (pid, part, answer)
            assert _web(client, pid, part, answer) == via_cli, (pid, part, answer)
            assert through_class[i] == via_cli, (pid, part, answer)
    assert statuses >= {"correct", "incorrect"}


@pytest.mark.parametrize("interface", ["cli", "api", "web", "class"])
def test_an_internal_error_costs_one_answer_the_same_way_everywhere(interface, monkeypatch, tmp_path):
    """A bug in the checker: the answer is invalid with the same message, never a crash."""
    from grader.checking import checker

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(checker, "check", broken)
    monkeypatch.setattr(checker, "check_within", broken)
    bank_dir = grader.locate_bank().path
    bank = grader.load_bank(bank_dir)
    args = ("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2")
    if interface == "cli":
        got = _cli(bank_dir, *args, "s")
    elif interface == "api":
        got = _api(bank_dir, *args, "s")
    elif interface == "web":
        with _web_client(bank, None) as client:
            got = _web(client, *args)
    else:
        got = _class(tmp_path, bank, [args], lambda i: "s")[0]
    assert got["status"] == "invalid"
    assert got["feedback"] == ["The grader could not check this answer because of an internal error; "
                               "please tell your instructor."]
