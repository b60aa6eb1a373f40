"""The page's saved work on the server side, and the page answering only its own origin.

"Download my answers" (POST /api/answers) turns the answers the page holds into an
answers.yaml: pinned here byte for byte, and read back by `grader grade` (the API's
`grade_file` and the command) to the very verdicts the page showed. The Host and Origin
checks: a foreign Host header and a cross-site POST are refused with our own message, the
page's own requests still answered, in-process and against a real `grader serve`.
"""
from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

import grader
from grader.api import load_bank
from grader.formats.answer_file import answers_yaml
from grader.interfaces import web
from grader.interfaces.cli import main

REPO = Path(__file__).resolve().parent.parent
OWN = "http://127.0.0.1:8000"

ANSWERS = {   # in an order unlike the bank's: the file follows the bank
    "derivation-homework": {
        "dc-db": "dc/db_j^l\n= dc/dz_j^l * dz_j^l/db_j^l\n= delta_j^l * 2",
        "delta-L": "delta_j^L\n= dc/dz_j^L\n= dc/da_j^L * da_j^L/dz_j^L\n= dc/da_j^L * g_L'(z_j^L)\n",
    },
    "sigmoid": {"saturation": "b", "derivative": 'e^(-z)/(1+e^(-z))^2'},
    "two-layer-example": {"dC-dw1": "2.1"},
}


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "problems")


@pytest.fixture(scope="module")
def client(bank):
    with TestClient(web.create_app(bank, student="alice", host="127.0.0.1"), base_url=OWN,
                    raise_server_exceptions=False) as c:
        yield c


def test_the_download_is_an_answers_file_in_the_banks_order(client):
    r = client.post("/api/answers", json={"answers": ANSWERS})
    assert r.status_code == 200, r.text
    assert r.json() == {"filename": "answers.yaml", "yaml": (
        "# My answers, saved from the grader's web page. Grade them with: grader grade answers.yaml\n"
        'student: "alice"\n'
        "derivation-homework:\n"
        "  delta-L: |2+\n"
        "    delta_j^L\n"
        "    = dc/dz_j^L\n"
        "    = dc/da_j^L * da_j^L/dz_j^L\n"
        "    = dc/da_j^L * g_L'(z_j^L)\n"
        "  dc-db: |2-\n"
        "    dc/db_j^l\n"
        "    = dc/dz_j^l * dz_j^l/db_j^l\n"
        "    = delta_j^l * 2\n"
        "sigmoid:\n"
        '  derivative: "e^(-z)/(1+e^(-z))^2"\n'
        '  saturation: "b"\n'
        "two-layer-example:\n"
        '  dC-dw1: "2.1"\n')}


def test_the_downloaded_file_grades_to_the_verdicts_the_page_showed(client, bank, tmp_path):
    shown = {}
    for problem, parts in ANSWERS.items():
        for part, answer in parts.items():
            v = client.post("/api/check", json={"problem": problem, "part": part, "answer": answer}).json()
            shown[(problem, part)] = (v["status"], v["score"], v["feedback"])
    assert {k: v[0] for k, v in shown.items()} == {
        ("derivation-homework", "dc-db"): "incorrect", ("derivation-homework", "delta-L"): "correct",
        ("sigmoid", "saturation"): "incorrect", ("sigmoid", "derivative"): "correct",
        ("two-layer-example", "dC-dw1"): "incorrect"}
    path = tmp_path / "answers.yaml"
    path.write_text(client.post("/api/answers", json={"answers": ANSWERS}).json()["yaml"], encoding="utf-8")
    result = grader.grade_file(path, problems=bank)
    assert grader.read_answer_file(path).declared == "alice" and result.status == "graded"
    graded = {(r.problem, r.part): (r.verdict.status, r.verdict.score, list(r.verdict.feedback))
              for r in result.parts if r.answer is not None}
    assert graded == shown
    run = CliRunner().invoke(main, ["grade", str(path), "--problems", str(REPO / "problems")])
    assert "derivation-homework/delta-L" in run.stdout and "Missing" in run.stdout


@pytest.mark.parametrize("answer", [
    "x\ny", "  leading\n  spaces\n", "tab\there\nnext", 'quote " and \\ backslash', "a: b # not a comment",
    "'single' and \"double\"", "\n\nfirst lines empty\n\n", "\\frac{\\partial C}{\\partial z}", "σ'(z) δ",
    "line\u2028separator", "nul\x00and\x1bescape", "\ufeffbom", "\x85next", "CR\r\nLF", "- a list?", "|", "",
    "   ", "true", "null", "0x1F", "astral \U0001d6ff", "trailing   \nspaces   ",
])
def test_any_answer_survives_the_file_exactly(answer):
    text = answers_yaml({"p": {"q": answer}, "on": {"a b": answer}}, "bob")
    assert yaml.safe_load(text) == {"student": "bob", "p": {"q": answer}, "on": {"a b": answer}}


def test_an_answer_no_file_can_hold_is_refused_with_our_message(client):
    r = client.post("/api/answers", content=b'{"answers": {"sigmoid": {"derivative": "z\\ud800"}}}')
    assert r.status_code == 400
    assert r.json() == {"error": "An answer holds a character that is not text and cannot be saved; "
                                 "retype it and check it again."}
    assert client.post("/api/answers", json={"answers": {"sigmoid": {"nope": "1"}}}).json() == {
        "error": "Problem 'sigmoid' has no such part."}
    assert client.post("/api/answers", json={"answers": ["x"]}).status_code == 400


# --- only the page's own origin --------------------------------------------------------------

HOST_REFUSAL = ("This grader answers only at this computer's own address: open the page at "
                "http://127.0.0.1:8000/ (a request naming another host was refused).")
ORIGIN_REFUSAL = "This grader answers only its own page: a request sent from another web site was refused."


@pytest.mark.parametrize("host", ["evil.example:8000", "evil.example", "127.0.0.1:9999", "localhost:80",
                                  "127.0.0.1.evil.example:8000", "", "[::1]:8001"])
def test_a_foreign_host_header_is_refused(client, host):
    for r in (client.get("/api/problems", headers={"Host": host}), client.get("/", headers={"Host": host}),
              client.post("/api/check", headers={"Host": host},
                          json={"problem": "sigmoid", "part": "derivative", "answer": "z"})):
        assert r.status_code == 403
        assert r.json() == {"error": HOST_REFUSAL}


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"])
def test_the_pages_own_addresses_are_answered(client, host):
    r = client.get("/api/problems", headers={"Host": host})
    assert r.status_code == 200 and r.json()["student"] == "alice" and len(r.json()["bank"]) == 16
    origin = f"http://{host.lower()}"
    r = client.post("/api/check", headers={"Host": host, "Origin": origin},
                    json={"problem": "sigmoid", "part": "derivative", "answer": "e^(-z)/(1+e^(-z))^2"})
    assert r.status_code == 200 and r.json()["status"] == "correct"


def test_the_refusal_points_to_the_address_served(bank):
    with TestClient(web.create_app(bank, host="::1"), base_url="http://[::1]:8123") as c:
        assert c.get("/api/problems").status_code == 200
        assert c.get("/api/problems", headers={"Host": "localhost:8123"}).status_code == 200
        assert c.get("/api/problems", headers={"Host": "evil.example:8123"}).json()["error"] == (
            "This grader answers only at this computer's own address: open the page at "
            "http://[::1]:8123/ (a request naming another host was refused).")
    with TestClient(web.create_app(bank, host="0.0.0.0"), base_url="http://class.example:8000") as c:
        # hosted for a class (grader serve warns): any name, but still only its own page's posts
        assert c.get("/api/problems", headers={"Host": "grader.class.example"}).status_code == 200
        assert c.post("/api/parse", headers={"Host": "grader.class.example", "Origin": "http://grader.class.example"},
                      json={"problem": "sigmoid", "answer": "z"}).status_code == 200
        assert c.post("/api/parse", headers={"Host": "grader.class.example", "Origin": "http://evil.example"},
                      json={"problem": "sigmoid", "answer": "z"}).json() == {"error": ORIGIN_REFUSAL}


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9999", "https://127.0.0.1:8000",
                                    "http://localhost:8000"])
def test_a_cross_origin_post_is_refused(client, origin):
    for path, body in (("/api/check", {"problem": "sigmoid", "part": "derivative", "answer": "z"}),
                       ("/api/parse", {"problem": "sigmoid", "answer": "z"}), ("/api/answers", {"answers": {}})):
        r = client.post(path, headers={"Origin": origin}, json=body)
        assert r.status_code == 403
        assert r.json() == {"error": ORIGIN_REFUSAL}
    # a GET (which another site cannot read) is answered, as the page's own requests are
    assert client.get("/api/problems", headers={"Origin": origin}).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_grader_serve_refuses_a_rebound_host_and_a_foreign_origin(tmp_path):
    """The command passes its address to the app: a real server, real HTTP."""
    port = _free_port()
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--no-browser", "--port", str(port)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    try:
        def ask(method, host, origin=None):
            headers = {"Host": host, "Content-Type": "application/json"}
            if origin:
                headers["Origin"] = origin
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = json.dumps({"problem": "sigmoid", "answer": "z"}) if method == "POST" else None
            conn.request(method, "/api/parse" if method == "POST" else "/api/problems", body=body, headers=headers)
            r = conn.getresponse()
            return r.status, json.loads(r.read())
        deadline = time.monotonic() + 60
        while True:
            try:
                status, data = ask("GET", f"127.0.0.1:{port}")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
                time.sleep(0.2)
        assert status == 200 and "problems" in data
        assert ask("POST", f"localhost:{port}", f"http://localhost:{port}")[0] == 200
        status, data = ask("GET", f"attacker.example:{port}")
        assert status == 403 and data["error"].startswith("This grader answers only at this computer's own address")
        assert f"http://127.0.0.1:{port}/" in data["error"]
        assert ask("POST", f"127.0.0.1:{port}", "http://attacker.example") == (403, {"error": ORIGIN_REFUSAL})
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_bank_fingerprint_names_the_bank_the_work_was_saved_against(bank):
    """The page keys its saved work by it: the same bank gives the same one, a part with other
    points or another reference (an assignment, a new bank version) another."""
    def fingerprint(b):
        with TestClient(web.create_app(b, host="127.0.0.1"), base_url=OWN) as c:
            return c.get("/api/problems").json()["bank"]
    sigmoid = bank["sigmoid"]
    repointed = {**bank, "sigmoid": replace(sigmoid, parts=(replace(sigmoid.parts[0], points=5), *sigmoid.parts[1:]))}
    answered = {**bank, "sigmoid": replace(sigmoid, parts=(replace(sigmoid.parts[0], answer="z"), *sigmoid.parts[1:]))}
    prints = [fingerprint(bank), fingerprint(load_bank(REPO / "problems")), fingerprint(repointed), fingerprint(answered)]
    assert prints[0] == prints[1] and len(set(prints)) == 3
