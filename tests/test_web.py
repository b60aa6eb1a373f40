"""The JSON API under /api/ and the page files, through Starlette's TestClient (in-process ASGI).

Pins what the page relies on (field names, verdicts identical to `grader check`, the preview
saying exactly what the CLI says), and that the server is safe to host: bounded requests,
JSON errors with our own wording, the attack corpus answered cleanly under the budget, no
file outside the page's own served.
"""
from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import attack_corpus as corpus
from grader.interfaces import web
from grader.api import load_bank
from grader.interfaces.cli import main
from grader.checking.variants import variant_values

REPO = Path(__file__).resolve().parent.parent
STATUSES = {"correct", "incorrect", "invalid"}


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "problems")


@pytest.fixture(scope="module")
def client(bank):
    with TestClient(web.create_app(bank), raise_server_exceptions=False) as c:
        yield c


def cli_text(*args):
    return CliRunner().invoke(main, ["check", *args]).stdout


# --- the page ------------------------------------------------------------------------------------

def test_page_files_are_served_with_a_strict_policy(client):
    index = client.get("/")
    assert index.status_code == 200 and index.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/app.js" defer></script>' in index.text
    assert "default-src 'self'" in index.headers["content-security-policy"]
    assert index.headers["x-content-type-options"] == "nosniff"
    assert client.get("/app.js").headers["content-type"] == "text/javascript; charset=utf-8"
    assert client.get("/style.css").text.startswith(":root")
    for path in ("/index.html", "/app.js", "/style.css"):
        page = client.get(path)
        assert "http://" not in page.text.replace('xmlns="http://www.w3.org', "") and "https://" not in page.text


@pytest.mark.parametrize("path", ["/cli.py", "/../grader/interfaces/cli.py", "/%2e%2e/%2e%2e/etc/passwd", "/webpage/app.js",
                                  "/api/problems/..%2F..%2Fsetup", "/api/nothing", "/README.md", "/problems/sigmoid.yaml"])
def test_nothing_else_is_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {"error": "There is no such page."} or r.json() == {"error": "There is no such problem."}


# --- problems ------------------------------------------------------------------------------------

def test_problem_list(client, bank):
    data = client.get("/api/problems").json()
    assert data["student"] is None
    assert [p["id"] for p in data["problems"]] == list(bank)
    sigmoid = next(p for p in data["problems"] if p["id"] == "sigmoid")
    assert sigmoid == {"id": "sigmoid", "title": "The sigmoid activation and its derivative", "points": 3.0,
                       "parts": [{"id": "derivative", "kind": "expression", "points": 2.0},
                                 {"id": "saturation", "kind": "choice", "points": 1.0}]}


def test_problem_page_data(client):
    p = client.get("/api/problems/sigmoid").json()
    assert p["statement"].startswith("The logistic sigmoid squashes any real number")
    assert p["statement_html"].startswith(
        "<p>The logistic sigmoid squashes any real number into the interval (0, 1):</p>"
        '<p class="grader-display"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mrow>'
        "<mi>σ</mi><mrow><mo>(</mo><mi>z</mi><mo>)</mo></mrow></mrow><mo>=</mo><mfrac><mn>1</mn><mrow><mn>1</mn>"
        "<mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo><mi>z</mi></mrow></msup></mrow></mfrac></mrow></math></p>"
        "<p>It was the classic activation function for hidden units, and the "
        "shape of its derivative explains why deep sigmoid networks can be slow to train.</p>")
    assert "(type <code>e^(-z)</code> or <code>e^-z</code>;" in p["statement_html"]
    derivative, saturation = p["parts"]
    assert derivative["expects"] == "Answer with an expression in the names above."
    assert derivative["hints"] == 3
    assert saturation["options"][2] == {"letter": "C", "text": "Its magnitude becomes small.",
                                       "html": "Its magnitude becomes small."}
    assert saturation["expects"] == "Answer with a letter."
    assert p["names"] == [{"text": "z", "note": "", "mathml": '<math xmlns="http://www.w3.org/1998/Math/MathML" '
                                                               'display="inline"><mi>z</mi></math>'}]
    numeric = client.get("/api/problems/two-layer-example").json()["parts"][0]
    assert numeric["tolerance"] == "an error below 0.001"
    assert numeric["expects"] == "Answer with a number (or arithmetic on numbers). Accuracy needed: an error below 0.001."


def test_indexed_names_are_rendered(client):
    names = client.get("/api/problems/hidden-error").json()["names"]
    delta = next(n for n in names if n["text"].startswith("delta"))
    assert delta["note"] == "indexed" and "<msubsup><mi>δ</mi>" in delta["mathml"]


def test_index_letters_carry_their_ranges(tmp_path):
    (tmp_path / "ranged.yaml").write_text(
        "title: Ranged\nstatement: s\nsymbols:\n  a: {kind: indexed, subscripts: 1, superscript: true}\n"
        "indices: {j: unit, l: {role: layer, integer: [1, 2]}}\n"
        "parts:\n  - {id: a, prompt: p, answer: a_j^l}\n", encoding="utf-8")
    with TestClient(web.create_app(load_bank(tmp_path)), raise_server_exceptions=False) as c:
        indices = c.get("/api/problems/ranged").json()["indices"]
    assert indices == [{"letter": "j", "role": "unit", "range": None, "note": "unit"},
                       {"letter": "l", "role": "layer", "range": [1, 2], "note": "layer, 1 to 2"}]



@pytest.fixture(scope="module")
def drawn_bank(bank):
    """The bank with two-layer-example drawing its given values per student (opt-in)."""
    return {**bank, "two-layer-example": replace(bank["two-layer-example"], randomize=True)}


def test_student_values_are_shown(drawn_bank):
    with TestClient(web.create_app(drawn_bank, student="alice")) as c:
        assert c.get("/api/problems").json()["student"] == "alice"
        p = c.get("/api/problems/two-layer-example").json()
    drawn = variant_values(drawn_bank["two-layer-example"], "alice")
    assert drawn != dict(drawn_bank["two-layer-example"].given)
    assert p["student"] == "alice"
    assert p["given"] == [{"name": k, "value": f"{v:g}"} for k, v in sorted(drawn.items())]
    assert "Given values (for student alice): " in p["html"] and p["per_student"] is True


def test_course_values_are_shown_when_values_are_not_drawn(bank):
    with TestClient(web.create_app(bank, student="alice")) as c:
        p = c.get("/api/problems/two-layer-example").json()
    course = dict(bank["two-layer-example"].given)
    assert p["given"] == [{"name": k, "value": f"{v:g}"} for k, v in sorted(course.items())]
    assert p["per_student"] is False and "Given values: " in p["html"]


def test_student_values_are_used_for_checking(drawn_bank):
    problem = drawn_bank["two-layer-example"]
    part = problem.parts[0]
    from grader.checking.checker import check
    with TestClient(web.create_app(drawn_bank, student="alice")) as c:
        for answer in ("0.1", "0.25"):
            got = c.post("/api/check", json={"problem": problem.id, "part": part.id, "answer": answer}).json()
            want = check(problem, part, answer, variant_values(problem, "alice"))
            assert (got["status"], got["feedback"]) == (want.status, list(want.feedback))


# --- preview -------------------------------------------------------------------------------------

def test_preview_shows_the_interpretation(client):
    r = client.post("/api/parse", json={"problem": "sigmoid", "answer": "1/1+e^(-z)"}).json()
    assert r["ok"] is True and r["interpreted"] == "1/1 + e^(−z)"
    assert r["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mfrac>')


@pytest.mark.parametrize("answer", ["e^(-z)/(1+e^(-z)^2", "2*/z", "z)", "sigma(z", "x^^2", "é", "z" * 2001])
def test_preview_error_is_exactly_what_grader_check_says(client, answer):
    r = client.post("/api/parse", json={"problem": "sigmoid", "answer": answer}).json()
    assert r["ok"] is False
    lines = cli_text("sigmoid", "derivative", answer).splitlines()
    assert lines[0] == "Invalid  (0/2 points)"
    message_lines = [line for line in lines[1:] if not line.startswith("  ")]
    assert r["message"] == " ".join(message_lines)
    if r["column"] is not None:
        caret = next(line for line in lines if line.strip() == "^")
        assert caret.index("^") - 2 == r["column"] - 1
        assert f'{" " * (r["column"] - 1)}^</pre>' in r["html"]


def test_preview_of_nothing(client):
    assert client.post("/api/parse", json={"problem": "sigmoid", "answer": "  "}).json() == \
        {"ok": False, "empty": True, "message": None, "html": ""}


# --- check and hints -------------------------------------------------------------------------------

@pytest.mark.parametrize("problem, part, answer", [
    ("sigmoid", "derivative", "e^(-z)/(1+e^(-z))^2"),
    ("sigmoid", "derivative", "1/1+e^(-z)"),
    ("sigmoid", "derivative", "sigma(z)*(1-sigma(z))"),
    ("sigmoid", "saturation", "C"),
    ("hidden-error", "delta-l", "sum_k w_(jk)^(l+1) delta_k^(l+1) f'(z_j^l)"),
    ("two-layer-example", "dC-dw2", "-0.004"),
    ("deep-chain", "dL-dw1", "B"),
])
def test_check_matches_the_command_line(client, problem, part, answer):
    got = client.post("/api/check", json={"problem": problem, "part": part, "answer": answer}).json()
    want = json.loads(CliRunner().invoke(main, ["check", problem, part, answer, "--format", "json"]).stdout)
    assert {k: got[k] for k in want} == want
    text = cli_text(problem, part, answer).splitlines()
    assert text[0].startswith(got["word"] + "  (")
    for line in got["feedback"]:
        assert f"<li>{line.replace(chr(39), '&#x27;')}</li>" in got["html"] or "&" in line


def test_partial_credit_word(client):
    got = client.post("/api/check", json={"problem": "deep-chain", "part": "dL-dw1", "answer": "B"}).json()
    assert (got["status"], got["score"], got["word"]) == ("incorrect", 1.0, "Partly correct")
    assert 'class="grader-verdict grader-partial"' in got["html"]


def test_hints_one_at_a_time_then_no_more(client, bank):
    hints = bank["sigmoid"].part("derivative").hints
    for n, text in enumerate(hints, start=1):
        r = client.get(f"/api/hint?problem=sigmoid&part=derivative&n={n}").json()
        shown = text.replace("$", "")       # the hints' formulas as typed, without their dollars
        assert r == {"hint": shown, "number": n, "total": 3, "more": n < 3, "message": f"Hint {n} of 3: {shown}",
                     "html": r["html"]}
        assert r["html"].startswith(f"Hint {n} of 3: ") and "$" not in r["html"] and "<math" in r["html"]
    first = client.get("/api/hint?problem=sigmoid&part=derivative&n=1").json()["html"]
    assert first.startswith('Hint 1 of 3: Write <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert " and use the chain rule: the outer function is <math" in first
    after = client.get("/api/hint?problem=sigmoid&part=derivative&n=4").json()
    assert after["hint"] is None and after["more"] is False
    assert after["message"] == "There are no more hints: you have seen all 3 of this part's hints."


# --- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, message", [
    (b"not json", 400, "The request must be a JSON object."),
    (b"[1, 2]", 400, "The request must be a JSON object."),
    (b"\xff\xfe", 400, "The request must be a JSON object."),
    (b"[" * 16_000, 400, "The request must be a JSON object."),
    (b'{"problem": "sigmoid", "part": "derivative"}', 400, "The request needs an 'answer' (text)."),
    (b'{"problem": "sigmoid", "part": "derivative", "answer": 3}', 400, "The request needs an 'answer' (text)."),
    (b'{"problem": "nope", "part": "derivative", "answer": "z"}', 404, "There is no such problem."),
    (b'{"problem": ["sigmoid"], "part": "derivative", "answer": "z"}', 404, "There is no such problem."),
    (b'{"problem": "sigmoid", "part": "nope", "answer": "z"}', 404, "Problem 'sigmoid' has no such part."),
])
def test_bad_requests_get_json_errors(client, body, status, message):
    r = client.post("/api/check", content=body, headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (status, {"error": message})


def test_request_size_is_limited(client):
    big = json.dumps({"problem": "sigmoid", "part": "derivative", "answer": "z+" * 10_000})
    r = client.post("/api/check", content=big)
    assert (r.status_code, r.json()) == (413, {"error": "The request is too large (the limit is 16384 bytes)."})

    def chunks():   # no Content-Length: the limit holds while reading
        for _ in range(40):
            yield b" " * 1024
    r = client.post("/api/parse", content=chunks())
    assert r.status_code == 413


def test_wrong_method_and_bad_hint_number(client):
    assert client.get("/api/check").json() == {"error": "This address does not take that kind of request."}
    r = client.get("/api/hint?problem=sigmoid&part=derivative&n=-1")
    assert (r.status_code, r.json()) == (400, {"error": "n must be a hint number (1, 2, ...)."})


def test_an_internal_error_is_json_without_a_traceback(bank, monkeypatch):
    def broken(*args):
        raise RuntimeError("secret internals /etc/passwd")
    from grader.show import pages
    monkeypatch.setattr(pages, "name_entries", broken)
    with TestClient(web.create_app(bank), raise_server_exceptions=False) as c:
        r = c.get("/api/problems/sigmoid")
    assert r.status_code == 500
    assert r.json() == {"error": "Internal error in the grader; please tell your instructor what you typed."}


def test_a_check_over_the_budget_is_stopped(bank, monkeypatch):
    def slow(*args):
        time.sleep(30)
    from grader.checking import checker
    monkeypatch.setattr(checker, "check", slow)   # the forked child inherits the slow checker
    with TestClient(web.create_app(bank, seconds=0.5)) as c:
        t = time.monotonic()
        r = c.post("/api/check", json={"problem": "sigmoid", "part": "derivative", "answer": "z"}).json()
        elapsed = time.monotonic() - t
    assert r["status"] == "invalid"
    assert r["feedback"] == ["This answer is too complex to check. It took longer than 0.5 seconds."]
    assert elapsed < 10


# --- the attack corpus through the API -------------------------------------------------------------

@pytest.fixture()
def sentinel(tmp_path):
    path = tmp_path / "PWNED-sentinel"
    yield path
    assert not path.exists(), "a hostile payload was executed"


def test_attack_corpus_through_the_api(bank, sentinel):
    targets = corpus.attack_targets(bank)
    chosen = [targets[k] for k in ("scalar-with-functions", "indexed", "numeric-variants", "choice") if k in targets]
    assert len(chosen) >= 3
    seen = 0
    with TestClient(web.create_app(bank, student="mallory"), raise_server_exceptions=False) as c:
        for name, text, allowed in corpus.answers(sentinel):
            for problem, part in chosen:
                body = json.dumps({"problem": problem.id, "part": part.id, "answer": text})   # non-ASCII as \\u escapes, as a browser may send
                r = c.post("/api/check", content=body)
                if r.status_code == 413:
                    assert r.json() == {"error": "The request is too large (the limit is 16384 bytes)."}, name
                    continue
                assert r.status_code == 200, (name, r.text[:200])
                got = r.json()
                allowed_here = corpus.ANY if part.kind == "choice" and name.endswith("many-options") else allowed
                assert got["status"] in STATUSES and got["status"] in allowed_here, (name, got["status"])
                assert "Traceback" not in r.text and "Error:" not in " ".join(got["feedback"]), name
                seen += 1
            p = c.post("/api/parse", content=json.dumps({"problem": chosen[0][0].id, "answer": text}))
            assert p.status_code in (200, 413), name
            if p.status_code == 200:
                assert re.search(r"<script|javascript:", p.json().get("mathml") or "", re.I) is None
                assert "<script" not in (p.json().get("html") or "").lower()
    assert seen > 200


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.search(r"\*\*Run the whole test suite\*\*.*?```bash\n(.*?)\n```", readme, re.S).group(1)
    assert "apt-get install -y -qq chromium chromium-driver" in command and '".[test,web]"' in command
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").rstrip("\n").splitlines()[-1] == command


# --- the serve command -----------------------------------------------------------------------------

@pytest.fixture()
def no_server(monkeypatch):
    """`grader serve` up to the point where it would listen: records what it would run."""
    calls = []

    def fake_run(app, host, port, on_ready=None):
        calls.append((app, host, port))
    monkeypatch.setattr(web, "run", fake_run)
    return calls


def test_serve_binds_to_loopback_by_default(no_server):
    result = CliRunner().invoke(main, ["serve", "--no-browser"])
    assert result.exit_code == 0, result.output
    (app, host, port), = no_server
    assert (host, port) == ("127.0.0.1", 8000)
    assert "warning" not in result.stderr


def test_serve_takes_the_student_from_the_environment(no_server, monkeypatch):
    monkeypatch.setenv("GRADER_STUDENT", "bob")
    assert CliRunner().invoke(main, ["serve", "--no-browser"]).exit_code == 0
    assert CliRunner().invoke(main, ["serve", "--no-browser", "--student", "carol"]).exit_code == 0
    assert [app.state.grading.student for app, _, _ in no_server] == ["bob", "carol"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_serve_on_another_host_warns(no_server, host):
    result = CliRunner().invoke(main, ["serve", "--no-browser", "--host", host, "--port", "8123"])
    assert result.exit_code == 0
    assert result.stderr.startswith(f"grader: warning: listening on {host}: other computers can reach this page")
    assert no_server[0][1:] == (host, 8123)


def test_serve_reports_a_port_in_use(monkeypatch):
    def busy(app, host, port, on_ready=None):
        raise OSError(98, "Address already in use")
    monkeypatch.setattr(web, "run", busy)
    result = CliRunner().invoke(main, ["serve", "--no-browser", "--port", "8124"])
    assert result.exit_code == 2
    assert result.stderr == "Error: cannot listen on 127.0.0.1:8124: Address already in use\n"


def test_serve_opens_the_browser_when_ready(monkeypatch):
    opened = []
    monkeypatch.setattr(web, "run", lambda app, host, port, on_ready=None: on_ready())
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = CliRunner().invoke(main, ["serve", "--port", "8125"])
    assert result.exit_code == 0
    assert opened == ["http://127.0.0.1:8125/"]
    assert "The grader's page is at http://127.0.0.1:8125/ (Ctrl-C stops it)." in result.stderr


def test_a_long_answer_is_refused_with_its_real_length(client):
    r = client.post("/api/check", json={"problem": "sigmoid", "part": "derivative", "answer": "z+" * 2500}).json()
    assert r["status"] == "invalid"
    assert r["feedback"] == ["This answer is too complex to check. The answer is too long (5000 characters; "
                             "the limit is 2000)."]


def test_serve_without_the_web_extra_says_how_to_get_it(monkeypatch):
    import grader
    monkeypatch.setitem(sys.modules, "grader.interfaces.web", None)     # as if starlette/uvicorn were missing
    monkeypatch.delattr(grader.interfaces, "web")
    monkeypatch.setattr(web, "run", lambda *a, **k: pytest.fail("the server was started"))
    result = CliRunner().invoke(main, ["serve", "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr == 'Error: the web page needs the optional web extra: pip install "backprop-grader[web]"\n'
